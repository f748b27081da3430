"""The template packs page over HTTP, on SQLite and PostgreSQL, for the system administrator:
the shipped packs and their state, install with sample records, the upgrade plan with a
conflict resolved on the page, uninstall keeping records; the same service as the API; other
users are refused with a page that says why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from test_packs_api import ACCOUNT_V1, V1, V2, write_pack
from test_web_pages import page

from brickwork.platform.packs.manifest import read_pack

EN = {"Accept-Language": "en"}


def csrf(client: TestClient) -> dict[str, str]:
    return {"csrf_token": client.headers["X-CSRF-Token"]}


def test_the_system_administrator_installs_upgrades_and_uninstalls_on_the_page(
    client: TestClient, tmp_path: Path
) -> None:
    service = client.app.state.services.packs  # type: ignore[attr-defined]
    service.catalog = {
        "tiny": read_pack(write_pack(tmp_path, "1.0.0", V1, records=[{"name": "甲", "balance": 1}]))
    }
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/packs"
    listing = page(client, "/admin/packs", headers=EN)
    assert 'id="install-tiny"' in listing
    assert "1 sample records" in listing
    installed = client.post(
        "/admin/packs/tiny/install",
        data={**csrf(client), "sample_data": "on"},
        follow_redirects=False,
    )
    assert installed.headers["location"] == "/admin/packs?done=installed"
    listing = page(client, "/admin/packs?done=installed", headers=EN)
    assert "The pack was installed." in listing
    assert 'id="uninstall-tiny"' in listing
    (sample,) = client.get("/api/v1/apps/tiny/forms/account/records").json()["items"]
    record = f"/apps/tiny/forms/account/records/{sample['id']}"
    # who made the sample record reads as the pack, not as an account name
    assert re.search(r"Created [^<]* by Template pack tiny", page(client, record, headers=EN))
    zh = page(client, record, headers={"Accept-Language": "zh-CN"})
    assert re.search(r"模板包 tiny 创建于", zh)
    assert "pack:tiny" not in zh

    form = "/api/v1/apps/tiny/definitions/form/account"
    local = {
        "fields": [*ACCOUNT_V1["fields"], {"id": "f_x", "key": "x", "type": "text", "label": "X"}]
    }
    assert client.put(form, json={"label": "account", "spec": local}).status_code == 200
    service.catalog = {"tiny": read_pack(write_pack(tmp_path, "1.1.0", V2))}
    assert 'id="upgrade-tiny"' in page(client, "/admin/packs", headers=EN)
    plan = page(client, "/admin/packs/tiny/upgrade", headers=EN)
    assert "Upgrade tiny from 1.0.0 to 1.1.0" in plan
    assert re.search(r'name="resolve:form/account" value="keep_local"', plan)
    assert "+tier" in plan
    refused = client.post("/admin/packs/tiny/upgrade", data=csrf(client))
    assert refused.status_code == 200
    assert 'id="problem"' in refused.text  # the conflict is not resolved: nothing done
    upgraded = client.post(
        "/admin/packs/tiny/upgrade",
        data={**csrf(client), "resolve:form/account": "take_pack"},
        follow_redirects=False,
    )
    assert upgraded.headers["location"] == "/admin/packs?done=upgraded"
    fields = [f["key"] for f in client.get(form).json()["draft"]["spec"]["fields"]]
    assert fields[-1] == "tier"

    gone = client.post("/admin/packs/tiny/uninstall", data=csrf(client), follow_redirects=False)
    assert gone.headers["location"] == "/admin/packs?done=uninstalled"
    assert "Uninstalled (records kept)" in page(client, "/admin/packs", headers=EN)
    assert client.get("/api/v1/apps/tiny/forms/account/records").json()["total"] == 1


def test_only_the_system_administrator_reaches_the_packs_page(users: Any) -> None:
    for name, roles in (("clerk", ()), ("sec", ("security_admin",))):
        other = users.client(name, roles=roles)
        answer = other.get("/admin/packs", headers=EN)
        assert answer.status_code == 403
        assert "system administrator" in answer.text
        assert other.post("/admin/packs/aml/install", data=csrf(other)).status_code == 403
