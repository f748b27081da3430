"""Field permissions through definition changes and across roles with different row scopes.

Grants follow a field through renames by its stable id (``records/grant_identity.py``); a publish
that would leave a grant naming a field that no longer exists is refused; history is presented
by field identity; and field levels are worked out per row (``records/access.py``).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent, RecordChange, Role
from brickwork.platform.records.grant_identity import rename_identifiers

API = "/api/v1"
APP = f"{API}/apps/kyc"
FORM = f"{APP}/definitions/form/customer"
RECORDS = f"{APP}/forms/customer/records"

RID = "310115198001011238"
RID_MASKED = "310115********1238"


def fields(rid_key: str = "resident_id", branch_key: str = "branch") -> list[dict[str, Any]]:
    return [
        {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
        {
            "id": "f_rid",
            "key": rid_key,
            "type": "resident_id",
            "label": "Resident ID",
            "encrypted": False,
        },
        {"id": "f_sal", "key": "salary", "type": "money", "label": "Salary", "currency": "CNY"},
        {"id": "f_branch", "key": branch_key, "type": "text", "label": "Branch"},
    ]


def draft(client: TestClient, spec_fields: list[dict[str, Any]]) -> None:
    response = client.put(FORM, json={"label": "customer", "spec": {"fields": spec_fields}})
    assert response.status_code == 200, response.text


def publish(client: TestClient, **body: Any) -> Any:
    return client.post(f"{FORM}/publish", json=body)


def manager_grant(
    rid_key: str = "resident_id", branch_key: str = "branch", **more: Any
) -> dict[str, Any]:
    grant: dict[str, Any] = {
        "app": "kyc",
        "form": "customer",
        "actions": ["read", "export"],
        "rows": {"expression": f'{branch_key} = "sh" or {branch_key} = null'},
        "fields": {rid_key: "masked", "salary": "masked"},
        "unmask": [rid_key],
    }
    grant.update(more)
    return grant


@pytest.fixture
def kyc(client: TestClient, users: Any) -> TestClient:
    client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"})
    client.post(f"{APP}/definitions", json={"kind": "form", "key": "customer", "label": "c"})
    draft(client, fields())
    assert publish(client).status_code == 201
    users.role("manager", [manager_grant()])
    for name, branch in (("a", "sh"), ("b", "bj")):
        body = {"name": name, "resident_id": RID, "salary": "100.50", "branch": branch}
        assert client.post(RECORDS, json=body).status_code == 201
    return client


def stored_grants(session: Session, key: str) -> list[dict[str, Any]]:
    session.expire_all()
    role = session.scalars(select(Role).where(Role.key == key)).one()
    return list(role.permissions)


def csv_rows(client: TestClient, **params: Any) -> list[dict[str, str]]:
    response = client.get(f"{RECORDS}/export", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(f"{RECORDS}/export", params={"format": "xlsx"})
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


# ------------------------------------------------------------------ renames


def test_a_renamed_field_stays_masked_everywhere(
    kyc: TestClient, users: Any, session: Session
) -> None:
    draft(kyc, fields("resident_no", "office"))
    dry = publish(kyc, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert "role 'manager': grants follow renamed fields" in dry.json()["steps"]
    assert stored_grants(session, "manager") == [manager_grant()], "a dry run changes nothing"
    assert publish(kyc).status_code == 201, "renames alone never block a publish"
    assert stored_grants(session, "manager") == [manager_grant("resident_no", "office")], (
        "field levels, unmask and the row-scope expression follow the fields by id"
    )
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "role.permissions"))
    rewritten = [
        e for e in events if e.details.get("after") == [manager_grant("resident_no", "office")]
    ]
    assert len(rewritten) == 1, "the rewrite is audited as a role change"

    manager = users.client("m", roles=("manager",))
    listed = manager.get(RECORDS).json()["items"]
    assert [item["name"] for item in listed] == ["a"], "the row scope still reaches its rows"
    assert listed[0]["resident_no"] == RID_MASKED
    assert listed[0]["salary"] == "******"
    detail = manager.get(f"{RECORDS}/{listed[0]['id']}").json()
    assert detail["resident_no"] == RID_MASKED
    assert [row["resident_no"] for row in csv_rows(manager)] == [RID_MASKED]
    assert [row["resident_no"] for row in xlsx_rows(manager)] == [RID_MASKED]
    refused = manager.get(RECORDS, params={"filter": f'resident_no = "{RID}"'})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "field_not_readable"
    summed = manager.get(f"{RECORDS}/summary", params={"sum": "salary"})
    assert summed.status_code == 403
    unmasked = manager.post(
        f"{RECORDS}/{listed[0]['id']}/unmask",
        json={"fields": ["resident_no"], "reason": "customer called in"},
    )
    assert unmasked.status_code == 200, unmasked.text
    assert unmasked.json()["values"]["resident_no"] == RID

    draft(kyc, fields())
    assert publish(kyc).status_code == 201
    assert stored_grants(session, "manager") == [manager_grant()], "renaming back follows too"
    assert manager.get(RECORDS).json()["items"][0]["resident_id"] == RID_MASKED


def test_keys_swapped_between_fields_follow_each_field(
    kyc: TestClient, users: Any, session: Session
) -> None:
    swapped = fields()
    swapped[1]["key"], swapped[2]["key"] = "salary", "resident_id"
    swapped[1]["type"], swapped[2]["type"] = "resident_id", "money"
    draft(kyc, swapped)
    assert publish(kyc).status_code == 201
    grant = stored_grants(session, "manager")[0]
    assert grant["fields"] == {"salary": "masked", "resident_id": "masked"}
    assert grant["unmask"] == ["salary"], "unmask follows the identifier field, now 'salary'"


def test_a_publish_that_leaves_a_grant_naming_a_removed_field_is_refused(
    kyc: TestClient, users: Any, session: Session
) -> None:
    draft(kyc, [f for f in fields() if f["id"] not in ("f_rid", "f_branch")])
    for body in ({"dry_run": True}, {}):
        refused = publish(kyc, **body)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["code"] == "grants_name_missing_fields"
        assert sorted(e["pointer"] for e in problem["errors"]) == [
            "/roles/manager/permissions/0/fields/resident_id",
            "/roles/manager/permissions/0/rows/expression",
            "/roles/manager/permissions/0/unmask/0",
        ]
    assert stored_grants(session, "manager") == [manager_grant()], "nothing was rewritten"

    users.role("manager", [manager_grant(rows="all", fields={"salary": "masked"}, unmask=[])])
    assert publish(kyc).status_code == 201

    # The field comes back (a new field with the old key): unlisted, it gets its class default.
    draft(kyc, [*fields()[:1], {**fields()[1], "id": "f_rid2"}, *fields()[2:]])
    assert publish(kyc).status_code == 201


# ------------------------------------------------------------------ history


def test_history_follows_field_identity_and_hides_removed_fields(
    kyc: TestClient, users: Any, session: Session
) -> None:
    record = kyc.get(RECORDS, params={"filter": 'name = "a"'}).json()["items"][0]
    changed = kyc.patch(
        f"{RECORDS}/{record['id']}",
        json={"resident_id": "11010519491231002X", "salary": "200.00"},
        headers={"If-Match": str(record["version"])},
    )
    assert changed.status_code == 200, changed.text
    draft(kyc, fields("resident_no"))
    assert publish(kyc).status_code == 201
    manager = users.client("m", roles=("manager",))
    entries = manager.get(f"{RECORDS}/{record['id']}/history").json()
    changes = {c["field"]: c for entry in entries for c in entry["changes"]}
    assert set(changes) == {"resident_no", "salary"}, "entries carry the field's current key"
    assert changes["resident_no"]["before"] == RID_MASKED
    assert changes["resident_no"]["after"] != "11010519491231002X"
    assert changes["salary"]["after"] == "******"

    users.role("manager", [manager_grant(rows="all", fields={"salary": "masked"}, unmask=[])])
    draft(kyc, [f for f in fields("resident_no") if f["id"] != "f_rid"])
    assert publish(kyc).status_code == 201
    entries = kyc.get(f"{RECORDS}/{record['id']}/history").json()
    shown = [c["field"] for entry in entries for c in entry["changes"]]
    assert shown == ["salary"], "values of removed fields are never shown"


# ------------------------------------------------------------------ per-row levels


@pytest.fixture
def two_roles(kyc: TestClient, users: Any) -> TestClient:
    """``own``: own rows with salary in clear; ``wide``: every row with salary masked."""
    users.role(
        "own",
        [
            {
                "app": "kyc",
                "form": "customer",
                "actions": ["create", "read", "export"],
                "rows": "own",
                "fields": {"salary": "write", "resident_id": "write"},
                "unmask": [],
            }
        ],
    )
    users.role(
        "wide",
        [
            {
                "app": "kyc",
                "form": "customer",
                "actions": ["read", "export"],
                "rows": "all",
                "fields": {"salary": "masked", "resident_id": "masked"},
                "unmask": ["resident_id"],
            }
        ],
    )
    clerk = users.client("clerk", roles=("own", "wide"))
    body = {"name": "mine", "resident_id": RID, "salary": "7.25", "branch": "sh"}
    assert clerk.post(RECORDS, json=body).status_code == 201
    return clerk


def test_levels_are_per_row_in_lists_details_exports_and_history(two_roles: TestClient) -> None:
    clerk = two_roles
    items = {i["name"]: i for i in clerk.get(RECORDS, params={"limit": 100}).json()["items"]}
    assert set(items) == {"a", "b", "mine"}
    assert Decimal(str(items["mine"]["salary"]["amount"])) == Decimal("7.25")
    assert items["mine"]["resident_id"] == RID
    for name in ("a", "b"):
        assert items[name]["salary"] == "******", "clear only on the rows of the clear role"
        assert items[name]["resident_id"] == RID_MASKED
        assert clerk.get(f"{RECORDS}/{items[name]['id']}").json()["salary"] == "******"
    for rows in (csv_rows(two_roles), xlsx_rows(two_roles)):
        by_name = {row["name"]: row for row in rows}
        assert by_name["a"]["resident_id"] == RID_MASKED
        assert by_name["mine"]["resident_id"] == RID


def test_history_and_unmask_follow_the_row_level(kyc: TestClient, two_roles: TestClient) -> None:
    record = kyc.get(RECORDS, params={"filter": 'name = "a"'}).json()["items"][0]
    changed = kyc.patch(
        f"{RECORDS}/{record['id']}",
        json={"salary": "300.00"},
        headers={"If-Match": str(record["version"])},
    )
    assert changed.status_code == 200, changed.text
    entries = two_roles.get(f"{RECORDS}/{record['id']}/history").json()
    salary = [c for entry in entries for c in entry["changes"] if c["field"] == "salary"]
    assert salary
    assert salary[0]["after"] == "******"
    unmask = two_roles.post(
        f"{RECORDS}/{record['id']}/unmask",
        json={"fields": ["resident_id"], "reason": "customer called in"},
    )
    assert unmask.status_code == 200, unmask.text
    refused = two_roles.post(
        f"{RECORDS}/{record['id']}/unmask",
        json={"fields": ["salary"], "reason": "customer called in"},
    )
    assert refused.status_code == 403


def test_filters_sorts_and_sums_use_a_field_only_where_it_is_readable(
    kyc: TestClient, two_roles: TestClient
) -> None:
    clerk = two_roles
    for name, amount in (("a", "1.00"), ("b", "900.00")):
        record = kyc.get(RECORDS, params={"filter": f'name = "{name}"'}).json()["items"][0]
        changed = kyc.patch(
            f"{RECORDS}/{record['id']}",
            json={"salary": amount},
            headers={"If-Match": str(record["version"])},
        )
        assert changed.status_code == 200, changed.text
    matched = clerk.get(RECORDS, params={"filter": "salary > 1"}).json()["items"]
    assert [i["name"] for i in matched] == ["mine"], "masked rows never match a filter"
    probed = clerk.get(RECORDS, params={"filter": f'resident_id = "{RID}"'}).json()["items"]
    assert [i["name"] for i in probed] == ["mine"]
    summary = clerk.get(f"{RECORDS}/summary", params={"sum": "salary"})
    assert summary.status_code == 200, summary.text
    assert summary.json()["count"] == 3
    assert Decimal(str(summary.json()["sum"]["salary"])) == Decimal("7.25")
    exported = csv_rows(clerk, filter="salary > 1")
    assert [row["name"] for row in exported] == ["mine"]
    orders = []
    for sort in ("salary", "-salary"):
        ordered = clerk.get(RECORDS, params={"sort": sort})
        assert ordered.status_code == 200, ordered.text
        orders.append([i["name"] for i in ordered.json()["items"]])
    assert orders[0] == orders[1], "masked rows sort as empty: their values give no order"
    assert orders[0][0] == "mine", "and come last, after the rows where salary is readable"


def test_row_scope_expressions_are_rewritten_at_identifiers_only() -> None:
    source = 'branch = "branch" or\n  (branching != null and branch in ["a", $user.department])'
    assert rename_identifiers(source, {"branch": "office"}) == (
        'office = "branch" or\n  (branching != null and office in ["a", $user.department])'
    )


def test_history_recorded_before_field_ids_follows_the_form_versions(
    kyc: TestClient, users: Any, session: Session
) -> None:
    """Changes stored with keys only are matched through the form version in force when they
    were made: after a rename they show under the new key with its level, never in clear."""
    record = kyc.get(RECORDS, params={"filter": 'name = "a"'}).json()["items"][0]
    changed = kyc.patch(
        f"{RECORDS}/{record['id']}",
        json={"resident_id": "11010519491231002X"},
        headers={"If-Match": str(record["version"])},
    )
    assert changed.status_code == 200, changed.text
    for row in session.scalars(select(RecordChange)):
        row.changes = [{k: v for k, v in c.items() if k != "field_id"} for c in row.changes]
    session.commit()
    draft(kyc, fields("resident_no"))
    assert publish(kyc).status_code == 201
    manager = users.client("m", roles=("manager",))
    entries = manager.get(f"{RECORDS}/{record['id']}/history").json()
    changes = [c for entry in entries for c in entry["changes"]]
    assert changes == [
        {"field": "resident_no", "before": RID_MASKED, "after": "110105********002X"}
    ]


def test_a_role_saved_after_a_rename_cannot_name_the_old_key(kyc: TestClient, users: Any) -> None:
    draft(kyc, fields("resident_no"))
    assert publish(kyc).status_code == 201
    security = users.client("sec", roles=("security_admin",))
    assert (
        security.post(f"{API}/roles", json={"key": "late", "label": {"en": "late"}}).status_code
        == 201
    )
    refused = security.put(f"{API}/roles/late/permissions", json=[manager_grant()])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "grants_invalid"
    saved = security.put(f"{API}/roles/late/permissions", json=[manager_grant("resident_no")])
    assert saved.status_code == 200, saved.text
    late = users.client("late.user", roles=("late",))
    assert late.get(RECORDS).json()["items"][0]["resident_no"] == RID_MASKED


def test_an_update_writes_a_field_only_on_rows_of_grants_that_let_it_write(
    kyc: TestClient, users: Any
) -> None:
    def grant(rows: str, salary: str) -> dict[str, Any]:
        return {
            "app": "kyc",
            "form": "customer",
            "actions": ["create", "read", "update"],
            "rows": rows,
            "fields": {"salary": salary},
        }

    users.role("own_writer", [grant("own", "write")])
    users.role("wide_editor", [grant("all", "read")])
    clerk = users.client("clerk", roles=("own_writer", "wide_editor"))
    mine = clerk.post(RECORDS, json={"name": "mine", "salary": "7.25"})
    assert mine.status_code == 201, mine.text
    items = {i["name"]: i for i in clerk.get(RECORDS).json()["items"]}
    refused = clerk.patch(f"{RECORDS}/{items['a']['id']}", json={"salary": "1.00"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "field_not_writable"
    assert clerk.patch(f"{RECORDS}/{items['a']['id']}", json={"name": "a2"}).status_code == 200
    allowed = clerk.patch(f"{RECORDS}/{items['mine']['id']}", json={"salary": "8.00"})
    assert allowed.status_code == 200, allowed.text
