"""Member and department fields hold ids, but people are known by their user names and
departments by their keys: a save (the API, an import's spreadsheet, a flow or a rule) may name
them so, and the record holds the ids. Before, a spreadsheet column of user names, or a flow
giving `initiator`, was refused with `reference_not_found` on the field."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from drafts import app_with_form, draft
from fastapi.testclient import TestClient
from test_export_cells import XLSX, cell_values, without_columns

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/desk"
RECORDS = f"{APP}/forms/case/records"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_customer", "key": "customer", "type": "text", "label": "Customer"},
    {"id": "f_mgr", "key": "manager", "type": "member", "label": "Manager"},
    {"id": "f_rev", "key": "reviewers", "type": "member", "label": "Reviewers", "multiple": True},
    {"id": "f_branch", "key": "branch", "type": "department", "label": "Branch"},
]


@pytest.fixture
def desk(client: TestClient, users: Users) -> TestClient:
    app_with_form(client, APP, "case", FIELDS)
    users.user("alice", departments=("north",))
    users.user("bob", departments=("north",))
    return client


def user_id(users: Users, name: str) -> str:
    return str(users.identities.repo.user_by_username(users.session, name).id)


def test_people_and_departments_named_by_name_are_held_by_id(
    desk: TestClient, users: Users
) -> None:
    body = {"customer": "ACME", "manager": "alice", "reviewers": ["alice", "bob"]}
    created = desk.post(RECORDS, json={**body, "branch": "north"})
    assert created.status_code == 201, created.text
    record = created.json()
    alice, bob = user_id(users, "alice"), user_id(users, "bob")
    north = users.department("north").id
    assert (record["manager"], record["reviewers"], record["branch"]) == (
        alice,
        [alice, bob],
        north,
    )
    # The same people by name, or by id, change nothing: no new version.
    same = desk.patch(f"{RECORDS}/{record['id']}", json={"manager": "alice", "branch": north})
    assert same.status_code == 200, same.text
    assert same.json()["version"] == record["version"]
    moved = desk.patch(f"{RECORDS}/{record['id']}", json={"manager": "bob"})
    assert (moved.json()["manager"], moved.json()["version"]) == (bob, record["version"] + 1)


def test_a_name_of_nobody_or_of_a_disabled_user_is_refused_on_its_field(
    desk: TestClient, users: Users
) -> None:
    refused = desk.post(RECORDS, json={"customer": "ACME", "manager": "nobody"})
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/manager", "reference_not_found")
    ]
    users.identities.repo.user_by_username(users.session, "bob").status = "disabled"
    users.session.commit()
    refused = desk.post(RECORDS, json={"customer": "ACME", "reviewers": ["alice", "bob"]})
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/reviewers", "reference_not_found")
    ]
    wrong = desk.post(RECORDS, json={"customer": "ACME", "branch": "south"})
    assert [(e["pointer"], e["code"]) for e in wrong.json()["errors"]] == [
        ("/branch", "reference_not_found")
    ]


def test_a_spreadsheet_names_people_and_departments(desk: TestClient, users: Users) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(
        [["customer", "manager", "branch"], ["ACME", "alice", "north"], ["Globex", "bob", "north"]]
    )
    done = desk.post(
        f"{APP}/forms/case/imports",
        content=buffer.getvalue().encode("utf-8"),
        headers={"content-type": "text/csv"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 2
    items = desk.get(RECORDS, params={"sort": "customer"}).json()["items"]
    north = users.department("north").id
    assert [(i["customer"], i["manager"], i["branch"]) for i in items] == [
        ("ACME", user_id(users, "alice"), north),
        ("Globex", user_id(users, "bob"), north),
    ]


def test_a_rule_before_the_save_names_a_person_by_user_name(desk: TestClient, users: Users) -> None:
    rule = {
        "trigger": {"on": "record", "form": "case", "events": ["created"]},
        "phase": "before_save",
        "condition": 'customer = "ACME"',
        "actions": [{"type": "set_fields", "values": {"manager": '"bob"', "branch": '"north"'}}],
    }
    draft(desk, APP, "rule", "key_account", rule)
    assert desk.post(f"{APP}/definitions/rule/key_account/publish").status_code == 201
    created = desk.post(RECORDS, json={"customer": "ACME", "manager": "alice"})
    assert created.status_code == 201, created.text
    assert (created.json()["manager"], created.json()["branch"]) == (
        user_id(users, "bob"),
        users.department("north").id,
    )


def test_an_export_names_people_and_departments_and_imports_back(
    desk: TestClient, users: Users
) -> None:
    """A spreadsheet shows who and which department by user name and key (ids said nothing to
    its reader), and imports back to the same ids, several people of a field included."""
    body = {"customer": "ACME", "manager": "alice", "reviewers": ["alice", "bob"]}
    assert desk.post(RECORDS, json={**body, "branch": "north"}).status_code == 201

    def stored() -> list[tuple[Any, ...]]:
        items = desk.get(RECORDS, params={"limit": 100}).json()["items"]
        return [(i["customer"], i["manager"], i["reviewers"], i["branch"]) for i in items]

    [before] = stored()
    count = 1
    for format_, media_type in (("csv", "text/csv"), ("xlsx", XLSX)):
        exported = desk.get(f"{RECORDS}/export", params={"format": format_})
        assert exported.status_code == 200, exported.text
        if format_ == "xlsx":
            header, row = cell_values(exported.content)[:2]
        else:
            header, row = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        shown = dict(zip(header, row, strict=True))
        assert (shown["manager"], shown["reviewers"], shown["branch"]) == (
            "alice",
            "alice; bob",
            "north",
        )
        content = without_columns(exported.content, format_, {"id", "created_at", "updated_at"})
        imported = desk.post(
            f"{APP}/forms/case/imports", content=content, headers={"content-type": media_type}
        )
        assert imported.status_code == 200, imported.text
        count *= 2  # every row exported came back
        assert stored() == [before] * count


def test_the_rows_of_a_subtable_name_people_and_departments(
    client: TestClient, users: Users
) -> None:
    visits = {
        "id": "f_visits",
        "key": "visits",
        "type": "subtable",
        "label": "Visits",
        "fields": [
            {"id": "f_on", "key": "on", "type": "date", "label": "On"},
            {"id": "f_by", "key": "by", "type": "member", "label": "By"},
            {"id": "f_with", "key": "with", "type": "member", "label": "With", "multiple": True},
            {"id": "f_from", "key": "from", "type": "department", "label": "From"},
        ],
    }
    app_with_form(client, APP, "case", [*FIELDS, visits])
    users.user("alice", departments=("north",))
    users.user("bob", departments=("north",))
    alice, bob = user_id(users, "alice"), user_id(users, "bob")
    north = users.department("north").id
    rows = [
        {"on": "2026-12-01", "by": "alice", "with": ["bob", alice], "from": "north"},
        {"on": "2026-12-02", "by": bob},
    ]
    created = client.post(RECORDS, json={"customer": "ACME", "manager": "bob", "visits": rows})
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["manager"] == bob
    assert [(r["by"], r.get("with"), r.get("from")) for r in record["visits"]] == [
        (alice, [bob, alice], north),
        (bob, None, None),
    ]
    refused = client.post(RECORDS, json={"customer": "ACME", "visits": [{"by": "nobody"}]})
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/visits/0/by", "reference_not_found")
    ]


def test_a_report_shows_people_and_departments_by_name(desk: TestClient, users: Users) -> None:
    """A report grouped by a member or department field shows (and charts, and exports) who and
    which department by user name and key; its rows keep the ids (a drill-through filters on
    them)."""
    for manager in ("alice", "alice", "bob"):
        made = desk.post(RECORDS, json={"customer": "C", "manager": manager, "branch": "north"})
        assert made.status_code == 201, made.text
    spec = {
        "dataset": {"form": "case"},
        "dimensions": [
            {"key": "manager", "field": "manager"},
            {"key": "branch", "field": "branch"},
        ],
        "measures": [{"key": "cases", "function": "count"}],
        "chart": {"type": "bar", "x": "manager", "y": ["cases"]},
    }
    draft(desk, APP, "report", "by_manager", spec)
    assert desk.post(f"{APP}/definitions/report/by_manager/publish").status_code == 201
    ran = desk.post(f"{APP}/reports/by_manager/run", json={})
    assert ran.status_code == 200, ran.text
    result = ran.json()
    alice, bob = user_id(users, "alice"), user_id(users, "bob")
    north = users.department("north").id
    assert sorted(map(tuple, result["rows"])) == sorted([(alice, north, "2"), (bob, north, "1")])
    assert sorted(map(tuple, result["display"])) == [("alice", "north", "2"), ("bob", "north", "1")]
    assert alice not in str(result["chart"]) and "alice" in str(result["chart"])
    exported = desk.post(f"{APP}/reports/by_manager/export", json={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert "alice" in exported.text and alice not in exported.text
