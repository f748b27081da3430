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
    assert alice not in str(result["chart"])
    assert "alice" in str(result["chart"])
    exported = desk.post(f"{APP}/reports/by_manager/export", json={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert "alice" in exported.text
    assert alice not in exported.text


@pytest.mark.parametrize(
    ("kind", "spec", "pointer", "code"),
    [
        (
            "rule",
            {
                "trigger": {"on": "record", "form": "case", "events": ["created"]},
                "condition": 'manager = "alice"',
                "actions": [{"type": "set_fields", "values": {"customer": '"key account"'}}],
                "phase": "before_save",
            },
            "/spec/condition",
            "E_RULE_PEOPLE_BY_NAME",
        ),
        (
            "rule",
            {
                "trigger": {"on": "record", "form": "case", "events": ["created"]},
                "aggregates": [
                    {
                        "name": "theirs",
                        "function": "count",
                        "form": "case",
                        "where": 'it.branch = "north" and it.manager = record.manager',
                    }
                ],
                "condition": "theirs > 10",
                "phase": "before_save",
                "actions": [{"type": "block", "message": "busy", "field": "manager"}],
            },
            "/spec/aggregates/0/where",
            "E_RULE_PEOPLE_BY_NAME",
        ),
    ],
)
def test_a_rule_comparing_a_person_with_a_name_is_refused(
    desk: TestClient, kind: str, spec: dict[str, Any], pointer: str, code: str
) -> None:
    """A rule reads member and department fields as the ids they hold: `manager = "alice"`
    would never match, so the rule would never fire. Refused at publish, in both languages."""
    draft(desk, APP, kind, "named", spec)
    answers = {
        language: desk.post(
            f"{APP}/definitions/{kind}/named/publish", headers={"Accept-Language": language}
        )
        for language in ("en", "zh-CN")
    }
    for answer in answers.values():
        assert answer.status_code == 422, answer.text
    [item] = answers["en"].json()["errors"]
    assert (item["pointer"], item["code"]) == (pointer, code)
    assert "holds the id of a user or department" in item["message"]
    assert "存放的是用户或部门的 id" in answers["zh-CN"].json()["errors"][0]["message"]


def test_a_form_comparing_a_person_with_a_name_is_refused(desk: TestClient, users: Users) -> None:
    validation = {
        "id": "v_self",
        "expression": 'manager != "alice"',
        "message": "Not alice",
    }
    draft(desk, APP, "form", "case", {"fields": FIELDS, "validations": [validation]})
    refused = desk.post(f"{APP}/definitions/form/case/publish")
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/validations/0/expression", "expression_people_by_name")
    ]
    # Another field of its kind, or an id, is compared as it holds.
    fine = {
        **validation,
        "expression": f'manager != reviewers[1] and branch != "{user_id(users, "bob")}"',
    }
    draft(desk, APP, "form", "case", {"fields": FIELDS, "validations": [fine]})
    published = desk.post(f"{APP}/definitions/form/case/publish")
    assert published.status_code == 201, published.text


def test_a_form_change_that_makes_a_rule_compare_a_person_with_a_name_is_refused(
    desk: TestClient,
) -> None:
    """The protection holds when the form changes under a published rule: a text field
    `handler` compared with "alice" becomes a member field."""
    text = {"id": "f_handler", "key": "handler", "type": "text", "label": "Handler"}
    draft(desk, APP, "form", "case", {"fields": [*FIELDS, text]})
    assert desk.post(f"{APP}/definitions/form/case/publish").status_code == 201
    rule = {
        "trigger": {"on": "record", "form": "case", "events": ["created"]},
        "condition": 'handler = "alice"',
        "phase": "before_save",
        "actions": [{"type": "block", "message": "not alice's", "field": "handler"}],
    }
    draft(desk, APP, "rule", "alices", rule)
    assert desk.post(f"{APP}/definitions/rule/alices/publish").status_code == 201
    member = {**text, "type": "member"}
    draft(desk, APP, "form", "case", {"fields": [*FIELDS, member]})
    refused = desk.post(
        f"{APP}/definitions/form/case/publish", json={"conversions": {"f_handler": "cast"}}
    )
    assert refused.status_code == 409, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/rules/alices/condition", "E_RULE_PEOPLE_BY_NAME")
    ]


def test_a_report_filter_comparing_a_person_with_a_name_is_refused(desk: TestClient) -> None:
    """`manager = "alice"` would leave every row out; the record's own `owner` holds user
    names and is compared with them (its `department` holds an id)."""
    spec = {
        "dataset": {"form": "case"},
        "dimensions": [{"key": "customer", "field": "customer"}],
        "measures": [{"key": "cases", "function": "count"}],
        "filters": [
            'owner = "admin"',
            'manager = "alice" or branch != "north" or department = "x"',
        ],
    }
    draft(desk, APP, "report", "alices", spec)
    refused = desk.post(f"{APP}/definitions/report/alices/publish")
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/filters/1", "E_REPORT_PEOPLE_BY_NAME"),
        ("/spec/filters/1", "E_REPORT_PEOPLE_BY_NAME"),
        ("/spec/filters/1", "E_REPORT_PEOPLE_BY_NAME"),  # the record's department: an id
    ]
    draft(desk, APP, "report", "alices", {**spec, "filters": ['owner = "admin"']})
    assert desk.post(f"{APP}/definitions/report/alices/publish").status_code == 201


@pytest.mark.parametrize(
    ("rows", "column"),
    [
        ('manager = "alice"', 11),
        ("manager = $user.username", 11),
        ('department != "north"', 15),  # the record's department holds an id too
        ('branch = "north" or owner = $user.username', 10),
    ],
)
def test_a_row_scope_comparing_a_person_with_a_name_is_refused(
    desk: TestClient, users: Users, rows: str, column: int
) -> None:
    """`manager != "alice"` would open every row to the role, `manager = $user.username` none:
    the field holds ids. Refused when the grants are saved; `$user.id` is what it holds."""
    sec = users.client("sec.wang", roles=("security_admin",))
    assert sec.post(f"{API}/roles", json={"key": "rm", "label": {"en": "RM"}}).status_code == 201
    grant = {"app": "desk", "form": "case", "actions": ["read"], "rows": {"expression": rows}}
    refused = sec.put(f"{API}/roles/rm/permissions", json=[grant])
    assert refused.status_code == 422, refused.text
    [item] = refused.json()["errors"]
    assert item["pointer"] == "/0/rows/expression"
    assert item["message"].startswith(f"line 1, column {column}: `")
    assert "holds the id of a user or department" in item["message"]
    mine = {**grant, "rows": {"expression": "manager = $user.id or owner = $user.username"}}
    assert sec.put(f"{API}/roles/rm/permissions", json=[mine]).status_code == 200


def test_a_form_change_that_makes_a_row_scope_compare_a_person_with_a_name_is_refused(
    desk: TestClient, users: Users
) -> None:
    """`handler != "alice"` on a text field is a fine row scope; once `handler` holds the ids
    of users it would open every row. The form change waits until the grant is updated."""
    text = {"id": "f_handler", "key": "handler", "type": "text", "label": "Handler"}
    draft(desk, APP, "form", "case", {"fields": [*FIELDS, text]})
    assert desk.post(f"{APP}/definitions/form/case/publish").status_code == 201
    scope = {"expression": 'handler != "alice"'}
    users.role("desk", [{"app": "desk", "form": "case", "actions": ["read"], "rows": scope}])
    draft(desk, APP, "form", "case", {"fields": [*FIELDS, {**text, "type": "member"}]})
    for body in ({"dry_run": True}, {"conversions": {"f_handler": "cast"}}):
        refused = desk.post(f"{APP}/definitions/form/case/publish", json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "grants_compare_people_by_name"
        assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
            ("/roles/desk/permissions/0/rows/expression", "grant_people_by_name")
        ]
