"""Template packs through the HTTP API: install all or nothing (app, roles with grants,
definitions published, sample records), the upgrade plan (new / changed / removed, form schema
changes, conflicts with local changes) and an upgrade that never overwrites a local change
silently, uninstall that archives and keeps data, and reinstall that restores. The packs here
are written by the test (and sealed with their checksums); the shipped ones have tests of their
own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from brickwork.platform.errors import Invalid
from brickwork.platform.models import AuditEvent
from brickwork.platform.packs.manifest import read_pack, seal

API = "/api/v1"
ACCOUNT_V1 = {
    "fields": [
        {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
        {"id": "f_bal", "key": "balance", "type": "money", "label": "Balance", "currency": "CNY"},
        {
            "id": "f_big",
            "key": "big",
            "type": "computed",
            "label": "Big",
            "result_type": "boolean",
            "expression": 'balance >= parameter("limits", "big")',
        },
    ]
}
LIMITS = {
    "value_type": "number",
    "source": "policy 1",
    "rows": [{"key": "big", "value": 1000000, "effective_from": "2000-01-01"}],
}
BY_NAME = {
    "kind": "detail",
    "dataset": {"form": "account"},
    "columns": [{"key": "name", "field": "name"}, {"key": "balance", "field": "balance"}],
}


def write_pack(
    folder: Path,
    version: str,
    definitions: list[dict[str, Any]],
    *,
    records: list[dict[str, Any]] | None = None,
    requires: dict[str, str] | None = None,
    key: str = "tiny",
) -> Path:
    root = folder / f"{key}-{version}"
    (root / "definitions").mkdir(parents=True)
    for item in definitions:
        path = root / "definitions" / f"{item['kind']}.{item['key']}.json"
        path.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    roles = [
        {
            "key": f"{key}_officer",
            "label": {"zh-CN": "专员", "en": "Officer"},
            "grants": [
                {"app": key, "form": "account", "actions": ["create", "read"], "rows": "all"}
            ],
        }
    ]
    (root / "roles.json").write_text(json.dumps(roles), encoding="utf-8")
    if records:
        (root / "data").mkdir()
        data = {"form": "account", "records": records}
        (root / "data" / "account.json").write_text(json.dumps(data), encoding="utf-8")
    manifest = {
        "format": "brickwork.pack",
        "format_version": 1,
        "key": key,
        "version": version,
        "title": {"zh-CN": "小包", "en": "Tiny"},
        "description": {"zh-CN": "测试", "en": "Test"},
        "app": {"key": key, "label": {"zh-CN": "小包", "en": "Tiny"}},
        "requires": requires or {},
        "contents": [],
    }
    (root / "pack.json").write_text(json.dumps(manifest), encoding="utf-8")
    seal(root)
    return root


def definition(kind: str, key: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "key": key, "label": {"zh-CN": key, "en": key}, "spec": spec}


V1 = [
    definition("parameter_table", "limits", LIMITS),
    definition("form", "account", ACCOUNT_V1),
    definition("report", "by_name", BY_NAME),
]
ACCOUNT_V2 = {
    "fields": [
        *ACCOUNT_V1["fields"],
        {"id": "f_tier", "key": "tier", "type": "text", "label": "Tier"},
    ]
}
LIMITS_V2 = {**LIMITS, "rows": [{"key": "big", "value": 500000, "effective_from": "2000-01-01"}]}
V2 = [definition("parameter_table", "limits", LIMITS_V2), definition("form", "account", ACCOUNT_V2)]


@pytest.fixture
def packs(client: TestClient, tmp_path: Path) -> TestClient:
    v1 = read_pack(write_pack(tmp_path, "1.0.0", V1, records=[{"name": "甲", "balance": 2000000}]))
    client.app.state.services.packs.catalog = {"tiny": v1}  # type: ignore[attr-defined]
    return client


def use(client: TestClient, folder: Path) -> None:
    client.app.state.services.packs.catalog = {"tiny": read_pack(folder)}  # type: ignore[attr-defined]


def test_install_puts_the_app_in_place_with_roles_grants_and_sample_records(
    packs: TestClient, users: Any
) -> None:
    listed = packs.get(f"{API}/packs").json()["items"]
    assert [(p["key"], p["status"], p["installed_version"]) for p in listed] == [
        ("tiny", "available", None)
    ]
    installed = packs.post(f"{API}/packs/tiny/install", json={"sample_data": True})
    assert installed.status_code == 201, installed.text
    assert installed.json() == {
        "pack": "tiny",
        "version": "1.0.0",
        "definitions": 3,
        "roles_created": ["tiny_officer"],
        "records": 1,
        "restored": False,
    }
    records = packs.get(f"{API}/apps/tiny/forms/account/records").json()["items"]
    assert [(r["name"], r["big"]) for r in records] == [("甲", True)]
    role = users.identities.repo.role_by_key(users.session, "tiny_officer")
    assert [grant["form"] for grant in role.permissions] == ["account"]
    officer = users.client("officer", roles=("tiny_officer",))
    assert officer.get(f"{API}/apps/tiny/forms/account/records").json()["total"] == 1
    again = packs.post(f"{API}/packs/tiny/install", json={})
    assert (again.status_code, again.json()["code"]) == (409, "pack_installed")
    audit = users.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "pack.install")
    ).all()
    assert [(event.object_id, event.actor) for event in audit] == [("tiny", "admin")]


def test_an_install_that_fails_leaves_nothing_behind(client: TestClient, tmp_path: Path) -> None:
    broken_form = {"fields": [{"id": "f_x", "key": "x", "type": "no_such_type", "label": "X"}]}
    folder = write_pack(
        tmp_path,
        "1.0.0",
        [
            definition("parameter_table", "limits", LIMITS),
            definition("form", "account", broken_form),
        ],
    )
    use(client, folder)
    refused = client.post(f"{API}/packs/tiny/install", json={})
    assert refused.status_code == 422, refused.text
    assert client.get(f"{API}/apps/tiny").status_code == 404
    assert client.get(f"{API}/packs").json()["items"][0]["status"] == "available"


def test_a_pack_needing_another_is_refused_until_that_one_is_installed(
    client: TestClient, tmp_path: Path
) -> None:
    use(client, write_pack(tmp_path, "1.0.0", V1, requires={"kyc": "1.0.0"}))
    refused = client.post(f"{API}/packs/tiny/install", json={})
    assert refused.status_code == 409
    assert refused.json()["code"] == "pack_requirements"
    assert refused.json()["errors"][0]["pointer"] == "/requires/kyc"


def test_a_tampered_pack_is_refused_by_its_checksums(tmp_path: Path) -> None:
    folder = write_pack(tmp_path, "1.0.0", V1)
    path = folder / "definitions" / "form.account.json"
    path.write_text(path.read_text(encoding="utf-8").replace("Balance", "Saldo"), encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        read_pack(folder)
    assert caught.value.errors[0].code == "E_PACK_CHECKSUM"


def test_upgrade_plans_changes_and_applies_them_keeping_data(
    packs: TestClient, tmp_path: Path
) -> None:
    assert packs.post(f"{API}/packs/tiny/install", json={"sample_data": True}).status_code == 201
    use(packs, write_pack(tmp_path, "1.1.0", V2))
    plan = packs.get(f"{API}/packs/tiny/upgrade").json()
    assert (plan["installed"], plan["available"], plan["conflicts"]) == ("1.0.0", "1.1.0", [])
    assert {(i["ref"], i["change"], tuple(i["schema"])) for i in plan["items"]} == {
        ("parameter_table/limits", "changed", ()),
        ("form/account", "changed", ("+tier",)),
        ("report/by_name", "removed", ()),
    }
    assert packs.get(f"{API}/packs").json()["items"][0]["upgradable"] is True
    done = packs.post(f"{API}/packs/tiny/upgrade", json={})
    assert done.status_code == 200, done.text
    assert packs.get(f"{API}/apps/tiny/definitions/report/by_name").json()["status"] == "archived"
    records = packs.get(f"{API}/apps/tiny/forms/account/records").json()["items"]
    assert [(r["name"], r["tier"]) for r in records] == [("甲", None)]
    made = packs.post(
        f"{API}/apps/tiny/forms/account/records", json={"name": "乙", "balance": 600000}
    )
    assert made.json()["big"] is True  # the new threshold
    status = packs.get(f"{API}/packs").json()["items"][0]
    assert (status["installed_version"], status["upgradable"]) == ("1.1.0", False)


def test_a_local_change_is_a_conflict_never_overwritten_silently(
    packs: TestClient, tmp_path: Path
) -> None:
    assert packs.post(f"{API}/packs/tiny/install", json={}).status_code == 201
    local = {
        **ACCOUNT_V1,
        "fields": [
            *ACCOUNT_V1["fields"],
            {"id": "f_branch", "key": "branch", "type": "text", "label": "Branch"},
        ],
    }
    form = f"{API}/apps/tiny/definitions/form/account"
    assert packs.put(form, json={"label": "account", "spec": local}).status_code == 200
    assert packs.post(f"{form}/publish", json={}).status_code == 201
    use(packs, write_pack(tmp_path, "1.1.0", V2))
    plan = packs.get(f"{API}/packs/tiny/upgrade").json()
    assert plan["conflicts"] == ["form/account"]
    refused = packs.post(f"{API}/packs/tiny/upgrade", json={})
    assert refused.status_code == 409
    assert refused.json()["code"] == "pack_upgrade_conflicts"
    assert refused.json()["errors"][0]["pointer"] == "/form/account"
    kept = packs.post(
        f"{API}/packs/tiny/upgrade", json={"resolutions": {"form/account": "keep_local"}}
    )
    assert kept.status_code == 200, kept.text
    fields = [f["key"] for f in packs.get(form).json()["draft"]["spec"]["fields"]]
    assert "branch" in fields
    assert "tier" not in fields
    limits = packs.get(f"{API}/apps/tiny/definitions/parameter_table/limits").json()
    assert limits["draft"]["spec"]["rows"][0]["value"] == 500000  # the rest was upgraded


def test_take_pack_replaces_the_local_change(packs: TestClient, tmp_path: Path) -> None:
    assert packs.post(f"{API}/packs/tiny/install", json={}).status_code == 201
    form = f"{API}/apps/tiny/definitions/form/account"
    local = {
        "fields": [
            *ACCOUNT_V1["fields"],
            {"id": "f_branch", "key": "branch", "type": "text", "label": "Branch"},
        ]
    }
    assert (
        packs.put(form, json={"label": "account", "spec": local}).status_code == 200
    )  # draft only
    use(packs, write_pack(tmp_path, "1.1.0", V2))
    assert packs.get(f"{API}/packs/tiny/upgrade").json()["conflicts"] == ["form/account"]
    taken = packs.post(
        f"{API}/packs/tiny/upgrade", json={"resolutions": {"form/account": "take_pack"}}
    )
    assert taken.status_code == 200, taken.text
    fields = [f["key"] for f in packs.get(form).json()["draft"]["spec"]["fields"]]
    assert fields == ["name", "balance", "big", "tier"]


def test_uninstall_archives_and_keeps_data_and_reinstall_restores(packs: TestClient) -> None:
    assert packs.post(f"{API}/packs/tiny/install", json={"sample_data": True}).status_code == 201
    removed = packs.post(f"{API}/packs/tiny/uninstall")
    assert removed.status_code == 200, removed.text
    assert removed.json() == {"pack": "tiny", "archived": 3}
    assert packs.get(f"{API}/apps/tiny").json()["archived_at"] is not None
    assert packs.get(f"{API}/packs").json()["items"][0]["status"] == "uninstalled"
    restored = packs.post(f"{API}/packs/tiny/install", json={})
    assert restored.status_code == 201, restored.text
    assert restored.json()["restored"] is True
    records = packs.get(f"{API}/apps/tiny/forms/account/records").json()["items"]
    assert [r["name"] for r in records] == ["甲"]  # the data stayed


def test_only_the_system_administrator_manages_packs(packs: TestClient, users: Any) -> None:
    clerk = users.client("clerk")
    assert clerk.get(f"{API}/packs").status_code == 403
    refused = clerk.post(f"{API}/packs/tiny/install", json={})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
