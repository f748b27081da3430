"""Record permissions through the HTTP API: row scopes, field levels, unmasking, token scopes and
the audit administrator's separation of duties (``platform/records/access.py``)."""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent, RecordChange, Role
from brickwork.platform.records.rows import SYSTEM_FIELDS

API = "/api/v1"
APP = f"{API}/apps/kyc"
RECORDS = f"{APP}/forms/customer/records"
IMPORTS = f"{APP}/forms/customer/imports"
OTHER_RECORDS = f"{APP}/forms/other/records"

FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    # In clear on purpose (identifiers are encrypted by default): masking alone must protect them.
    {
        "id": "f_rid",
        "key": "resident_id",
        "type": "resident_id",
        "label": "Resident ID",
        "encrypted": False,
    },
    {"id": "f_mob", "key": "mobile", "type": "phone", "label": "Mobile", "encrypted": False},
    {"id": "f_mail", "key": "email", "type": "email", "label": "E-mail"},
    {"id": "f_holder", "key": "holder", "type": "text", "label": "Holder", "mask": "name"},
    {"id": "f_sal", "key": "salary", "type": "money", "label": "Salary", "currency": "CNY"},
    {"id": "f_branch", "key": "branch", "type": "text", "label": "Branch"},
    {"id": "f_note", "key": "note", "type": "textarea", "label": "Note"},
    {
        "id": "f_pin",
        "key": "pin",
        "type": "text",
        "label": "PIN",
        "sensitivity": "C3",
        "encrypted": True,
    },
]
VALUES = {
    "resident_id": "310115198001011238",
    "mobile": "13812345678",
    "email": "lilei@bank.cn",
    "holder": "张三丰",
    "salary": "87654.32",
    "note": "a note",
    "pin": "4321",
}
MASKED = {
    "resident_id": "310115********1238",
    "mobile": "138****5678",
    "email": "l***@bank.cn",
    "holder": "张**",
    "salary": "******",
    "note": "******",
    "pin": "******",
}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CREATORS = (("head", "head"), ("sh", "branch_sh"), ("pd", "sub_pd"), ("bj", "branch_bj"))
"""(record name and creator, the creator's department): head > branch_sh > sub_pd; branch_bj."""
EVERY_NAME = ["bj", "head", "pd", "sh", "viewer"]
RECORD_ACTIONS = ["create", "read", "update", "delete", "export", "import"]


def customer(actions: list[str], rows: Any = "all", **more: Any) -> dict[str, Any]:
    grant: dict[str, Any] = {"app": "kyc", "form": "customer", "actions": actions, **more}
    if {"read", "update", "delete"} & set(actions):
        grant["rows"] = rows
    return grant


MAKER = [customer(["create", "read"], "own", fields={"pin": "write"})]
"""Creators write the C3 PIN, which is masked (so not writable) unless a grant names it."""


@dataclass
class Office:
    """Records of five users in a department tree, and a viewer whose grants each test sets
    through two roles (``scoped`` and ``second``) the viewer holds, both empty at first."""

    users: Any
    admin: TestClient
    """Reads and writes every record, but the C3 PIN only masked."""
    editor: TestClient
    """Writes every field, the PIN included."""
    viewer: TestClient
    ids: dict[str, str]
    departments: dict[str, str]

    def grant(self, *grants: dict[str, Any], role: str = "scoped") -> None:
        self.users.role(role, list(grants))

    def names(self, client: TestClient | None = None, **params: Any) -> list[str]:
        response = (client or self.viewer).get(RECORDS, params={"limit": 100, **params})
        assert response.status_code == 200, response.text
        return sorted(item["name"] for item in response.json()["items"])

    def url(self, name: str, suffix: str = "") -> str:
        return f"{RECORDS}/{self.ids[name]}{suffix}"


def publish(client: TestClient, key: str, fields: list[dict[str, Any]]) -> None:
    client.post(f"{APP}/definitions", json={"kind": "form", "key": key, "label": key})
    form = f"{APP}/definitions/form/{key}"
    assert client.put(form, json={"label": key, "spec": {"fields": fields}}).status_code == 200
    response = client.post(f"{form}/publish", json={})
    assert response.status_code == 201, response.text


def create(client: TestClient, body: dict[str, Any], url: str = RECORDS) -> dict[str, Any]:
    response = client.post(url, json=body)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


@pytest.fixture
def office(client: TestClient, users: Any) -> Office:
    client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"})
    publish(client, "customer", FIELDS)
    publish(client, "other", FIELDS[:1])
    parents = {"head": None, "branch_sh": "head", "sub_pd": "branch_sh", "branch_bj": None}
    departments = {key: users.department(key, parent).id for key, parent in parents.items()}
    users.role("maker", MAKER)
    branch = {"head": departments["branch_sh"], "bj": departments["branch_sh"]}
    ids: dict[str, str] = {}
    for name, department in CREATORS:
        maker = users.client(name, roles=("maker",), departments=(department,))
        body = {"name": name, **VALUES, "branch": branch.get(name)}
        ids[name] = create(maker, body)["id"]
    users.role("scoped", MAKER)
    users.role("second", [])
    viewer = users.client("viewer", roles=("scoped", "second"), departments=("branch_sh",))
    ids["viewer"] = create(viewer, {"name": "viewer", **VALUES})["id"]
    users.role("scoped", [])
    editor = users.client("editor", grants=[customer(RECORD_ACTIONS, fields={"pin": "write"})])
    return Office(users, client, editor, viewer, ids, departments)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.json().get("code")) == (status, code), response.text
    body: dict[str, Any] = response.json()
    return body


def pointers(response: Any) -> set[tuple[str, str]]:
    return {(e["pointer"], e["code"]) for e in response.json()["errors"]}


def events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


# ---------------------------------------------------------------- rows


def test_records_carry_their_creator_and_department(office: Office) -> None:
    record = office.admin.get(office.url("pd")).json()
    assert (record["owner"], record["department"]) == ("pd", office.departments["sub_pd"])
    forged = office.admin.post(RECORDS, json={"name": "x", "owner": "pd", "department": "d"})
    assert forged.status_code == 422
    assert {("/owner", "unknown_field"), ("/department", "unknown_field")} <= pointers(forged)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param("own", ["viewer"], id="own"),
        pytest.param("department", ["sh", "viewer"], id="department"),
        pytest.param("department_tree", ["pd", "sh", "viewer"], id="department_tree"),
        pytest.param("all", EVERY_NAME, id="all"),
        pytest.param({"expression": "owner = $user.username"}, ["viewer"], id="user-name"),
        pytest.param(
            {"expression": "department = $user.department"}, ["sh", "viewer"], id="user-dept"
        ),
        pytest.param({"expression": "branch = $user.department"}, ["bj", "head"], id="field"),
        pytest.param(
            {"expression": "branch = $user.department or created_by = $user.username"},
            ["bj", "head", "viewer"],
            id="field-or-creator",
        ),
        pytest.param(
            {"expression": 'owner = "pd" and department = $user.department'}, [], id="neither"
        ),
    ],
)
def test_row_scopes(office: Office, rows: Any, expected: list[str]) -> None:
    office.grant(customer(["read", "export"], rows))
    assert office.names() == expected
    assert office.viewer.get(f"{RECORDS}/summary").json()["count"] == len(expected)
    exported = office.viewer.get(f"{RECORDS}/export")
    lines = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert sorted(line["name"] for line in lines) == expected
    for name in EVERY_NAME:
        detail = office.viewer.get(office.url(name))
        if name in expected:
            assert detail.status_code == 200, detail.text
        else:
            problem(detail, 404, "record_not_found")
            problem(office.viewer.get(office.url(name, "/history")), 404, "record_not_found")


def test_a_parent_department_tree_reaches_every_branch_below(office: Office) -> None:
    office.users.role("tree", [customer(["read"], "department_tree")])
    boss = office.users.client("boss", roles=("tree",), departments=("head",))
    assert office.names(boss) == ["head", "pd", "sh", "viewer"]


def test_department_scopes_cover_every_department_but_user_department_is_the_primary(
    office: Office,
) -> None:
    office.users.role("dept", [customer(["read"], "department")])
    both = office.users.client("both", roles=("dept",), departments=("branch_bj", "branch_sh"))
    assert office.names(both) == ["bj", "sh", "viewer"]
    office.users.role("dept", [customer(["read"], {"expression": "department = $user.department"})])
    assert office.names(both) == ["bj"]


def test_a_scope_that_no_longer_compiles_reaches_no_rows(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office.grant(customer(["read"], {"expression": "branch = $user.department"}))
    assert office.names() == ["bj", "head"]
    form = f"{APP}/definitions/form/customer"
    spec = {"fields": [f for f in FIELDS if f["key"] != "branch"]}
    assert office.admin.put(form, json={"label": "c", "spec": spec}).status_code == 200
    refused = office.admin.post(f"{form}/publish", json={})
    problem(refused, 409, "grants_name_missing_fields")
    assert refused.json()["errors"][0]["pointer"] == "/roles/scoped/permissions/0/rows/expression"
    # Grants stored by other means (a restored backup, an older version) are not trusted either.
    session = office.users.session
    role = session.scalars(select(Role).where(Role.key == "scoped")).one()
    role.permissions = [customer(["read"], {"expression": "nowhere = $user.department"})]
    session.commit()
    with caplog.at_level(logging.WARNING, logger="brickwork.platform.records.access"):
        assert office.names() == []
        problem(office.viewer.get(office.url("bj")), 404, "record_not_found")
    assert "no longer compiles" in caplog.text


def test_two_roles_give_the_union_of_their_rows(office: Office) -> None:
    office.grant(customer(["read"], "own"))
    office.grant(customer(["read"], {"expression": "branch = $user.department"}), role="second")
    assert office.names() == ["bj", "head", "viewer"]
    assert office.viewer.get(f"{RECORDS}/summary").json()["count"] == 3


def test_an_export_reaches_only_the_rows_of_grants_that_allow_export(office: Office) -> None:
    """Reading everything through one role and exporting own rows through another exports
    own rows only: rows of a read-only role never leave through an export."""
    office.grant(customer(["read"], "all"))
    office.grant(customer(["read", "export"], "own"), role="second")
    assert office.names() == EVERY_NAME
    exported = office.viewer.get(f"{RECORDS}/export", params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["viewer"]


def test_an_export_shows_fields_as_the_exporting_grants_do(office: Office) -> None:
    """A field one read-only role shows in clear is exported as the exporting grant has it."""
    office.grant(customer(["read"], "own", fields={"salary": "read"}))
    office.grant(
        customer(["read", "export"], "own", fields={"salary": "hidden", "mobile": "masked"}),
        role="second",
    )
    shown = office.viewer.get(office.url("viewer")).json()
    assert (str(shown["salary"]["amount"]), shown["mobile"]) == ("87654.32", VALUES["mobile"])
    exported = office.viewer.get(f"{RECORDS}/export", params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    text = exported.content.decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert "salary" not in row
    assert row["mobile"] == MASKED["mobile"]
    assert "87654.32" not in text
    assert VALUES["mobile"] not in text


def test_each_action_has_its_own_rows(office: Office) -> None:
    office.grant(
        customer(["read", "update", "delete"], {"read": "all", "update": "own", "delete": "own"})
    )
    assert office.names() == EVERY_NAME
    refused = office.viewer.patch(office.url("sh"), json={"note": "mine now"})
    problem(refused, 403, "record_forbidden")
    problem(office.viewer.delete(office.url("sh")), 403, "record_forbidden")
    problem(office.viewer.post(office.url("sh", "/restore")), 403, "record_forbidden")
    assert office.admin.get(office.url("sh")).json()["note"] == "a note"
    assert office.viewer.patch(office.url("viewer"), json={"note": "ok"}).status_code == 200
    assert office.viewer.delete(office.url("viewer")).status_code == 200
    assert office.viewer.post(office.url("viewer", "/restore")).status_code == 200


def test_outside_the_read_rows_a_record_does_not_exist(office: Office) -> None:
    office.grant(
        customer(["read", "update", "delete"], {"read": "own", "update": "all", "delete": "all"})
    )
    for response in (
        office.viewer.get(office.url("sh")),
        office.viewer.patch(office.url("sh"), json={"note": "x"}),
        office.viewer.delete(office.url("sh")),
        office.viewer.get(office.url("sh", "/history")),
        office.viewer.post(office.url("sh", "/restore")),
    ):
        problem(response, 404, "record_not_found")
    assert office.admin.get(office.url("sh")).json()["version"] == 1


OTHER_FORM = {"app": "kyc", "form": "other", "actions": ["create", "read"], "rows": "all"}


@pytest.mark.parametrize(
    ("grants", "creates"),
    [
        pytest.param([], False, id="no-grant"),
        pytest.param([OTHER_FORM], False, id="other-form"),
        pytest.param([customer(["create"])], True, id="create-only"),
    ],
)
def test_deny_by_default(office: Office, grants: list[dict[str, Any]], creates: bool) -> None:
    office.grant(*grants)
    for response in (
        office.viewer.get(RECORDS),
        office.viewer.get(office.url("viewer")),
        office.viewer.get(office.url("viewer", "/history")),
        office.viewer.get(f"{RECORDS}/summary"),
        office.viewer.get(f"{RECORDS}/export"),
        office.viewer.patch(office.url("viewer"), json={"note": "x"}),
        office.viewer.delete(office.url("viewer")),
    ):
        problem(response, 403, "permission_denied")
    created = office.viewer.post(RECORDS, json={"name": "x"})
    if creates:
        assert created.status_code == 201, created.text
        # No read grant: no field comes back, and no warning about one.
        assert set(created.json()) == {*SYSTEM_FIELDS, "warnings"}
        assert created.json()["warnings"] == []
    else:
        problem(created, 403, "permission_denied")


# ---------------------------------------------------------------- fields


def test_hidden_fields_are_never_sent(office: Office) -> None:
    office.grant(customer(["read", "export"], fields={"salary": "hidden", "pin": "hidden"}))
    changed = office.editor.patch(office.url("viewer"), json={"salary": "99999.99", "pin": "9999"})
    assert changed.status_code == 200, changed.text
    listed = office.viewer.get(RECORDS).json()["items"]
    detail = office.viewer.get(office.url("viewer")).json()
    history = office.viewer.get(office.url("viewer", "/history")).json()
    exported = office.viewer.get(f"{RECORDS}/export")
    for record in (*listed, detail):
        assert "salary" not in record
        assert "pin" not in record
    assert [e["changes"] for e in history] == [[], []]
    header = next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert "salary" not in header
    assert "pin" not in header
    for text in (exported.text, office.viewer.get(RECORDS).text):
        assert "87654.32" not in text
        assert "99999.99" not in text


def test_masked_fields_show_their_preset(office: Office) -> None:
    masked = dict.fromkeys(MASKED, "masked")
    office.grant(customer(["read", "export"], fields=masked))
    detail = office.viewer.get(office.url("viewer")).json()
    assert {key: detail[key] for key in MASKED} == MASKED
    listed = next(r for r in office.viewer.get(RECORDS).json()["items"] if r["name"] == "viewer")
    assert {key: listed[key] for key in MASKED} == MASKED
    exported = office.viewer.get(f"{RECORDS}/export")
    line = next(
        row
        for row in csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
        if row["name"] == "viewer"
    )
    assert {key: line[key] for key in MASKED} == MASKED
    body = exported.text + office.viewer.get(RECORDS).text
    # ids are random hex: one may hold a short clear value ("4321") by chance
    body = UUID_TEXT.sub("<id>", body)
    for key, value in VALUES.items():
        assert value not in body, key


def test_history_masks_before_and_after(office: Office) -> None:
    office.grant(customer(["read"], fields={"resident_id": "masked", "mobile": "masked"}))
    changed = office.editor.patch(
        office.url("viewer"), json={"resident_id": "440305199005057892", "mobile": "13987654321"}
    )
    assert changed.status_code == 200, changed.text
    history = office.viewer.get(office.url("viewer", "/history")).json()
    assert sorted(history[1]["changes"], key=lambda c: c["field"]) == [
        {"field": "mobile", "before": "138****5678", "after": "139****4321"},
        {"field": "resident_id", "before": MASKED["resident_id"], "after": "440305********7892"},
    ]


def test_c3_fields_are_masked_unless_a_grant_names_them(office: Office, session: Session) -> None:
    office.grant(customer(["read"]))
    assert office.viewer.get(office.url("viewer")).json()["pin"] == "******"
    problem(
        office.viewer.get(RECORDS, params={"filter": 'pin = "4321"'}), 403, "field_not_readable"
    )
    office.grant(customer(["read"], fields={"pin": "read"}))
    assert office.viewer.get(office.url("viewer")).json()["pin"] == "4321"
    read = [e for e in events(session, "record.read") if e.actor == "viewer"]
    assert "pin" in read[-1].details["fields"]


def test_the_most_open_level_of_any_role_wins(office: Office) -> None:
    office.grant(customer(["read"], fields={"resident_id": "masked", "salary": "hidden"}))
    office.grant(
        customer(["read"], "own", fields={"resident_id": "read", "salary": "masked"}),
        role="second",
    )
    detail = office.viewer.get(office.url("viewer")).json()
    assert (detail["resident_id"], detail["salary"]) == (VALUES["resident_id"], "******")
    office.grant(customer(["read"], "own", fields={"resident_id": "hidden"}), role="second")
    assert office.viewer.get(office.url("viewer")).json()["resident_id"] == MASKED["resident_id"]


def test_a_grant_without_read_opens_no_field_for_reading(office: Office) -> None:
    office.grant(customer(["read"], fields={"salary": "hidden"}))
    office.grant(customer(["create"]), role="second")
    assert "salary" not in office.viewer.get(office.url("sh")).json()


def test_a_create_grant_does_not_make_read_only_fields_updatable(office: Office) -> None:
    office.grant(customer(["read", "update"], fields={"salary": "read"}))
    office.grant(customer(["create"]), role="second")
    refused = office.viewer.patch(office.url("sh"), json={"salary": "1.00"})
    problem(refused, 403, "field_not_writable")
    assert office.admin.get(office.url("sh")).json()["salary"]["amount"] == "87654.32"


WRITER = {"resident_id": "masked", "salary": "hidden", "mobile": "read"}


def test_fields_below_write_cannot_be_written(office: Office) -> None:
    office.grant(customer(RECORD_ACTIONS, "own", fields=WRITER))
    body = {
        "name": "new",
        "resident_id": "440305199005057892",
        "salary": "1.00",
        "mobile": "13987654321",
    }
    refused = office.viewer.post(RECORDS, json=body)
    problem(refused, 403, "field_not_writable")
    assert pointers(refused) == {
        ("/resident_id", "field_not_writable"),
        ("/salary", "field_not_writable"),
        ("/mobile", "field_not_writable"),
    }
    patched = office.viewer.patch(
        office.url("viewer"), json={"note": "ok", "mobile": "13987654321"}
    )
    problem(patched, 403, "field_not_writable")
    assert pointers(patched) == {("/mobile", "field_not_writable")}
    batch = office.viewer.post(
        f"{RECORDS}/batch", json={"records": [{"name": "a"}, {"name": "b", "salary": "1"}]}
    )
    problem(batch, 403, "field_not_writable")
    assert pointers(batch) == {("/records/1/salary", "field_not_writable")}
    sheet = b"name,salary\nimported,1.00\n"
    imported = office.viewer.post(IMPORTS, content=sheet, headers={"content-type": "text/csv"})
    problem(imported, 403, "field_not_writable")
    assert pointers(imported) == {("/columns/salary", "field_not_writable")}
    assert office.admin.get(RECORDS).json()["total"] == 5
    assert office.viewer.patch(office.url("viewer"), json={"note": "ok"}).status_code == 200
    assert office.viewer.post(RECORDS, json={"name": "fine", "note": "n"}).status_code == 201


@pytest.mark.parametrize(
    ("path", "params", "pointer"),
    [
        pytest.param("", {"filter": "salary > 1"}, "/filter", id="filter-hidden"),
        pytest.param("", {"filter": 'resident_id = "x"'}, "/filter", id="filter-masked"),
        pytest.param("", {"filter": 'name = "a" or holder = "张三丰"'}, "/filter", id="filter-or"),
        pytest.param("", {"sort": "-salary"}, "/sort", id="sort-hidden"),
        pytest.param("", {"sort": "name,resident_id"}, "/sort", id="sort-masked"),
        pytest.param("/summary", {"sum": "salary"}, "/sum", id="sum-hidden"),
        pytest.param("/summary", {"filter": "salary > 1"}, "/filter", id="count-hidden"),
        pytest.param("/export", {"filter": "salary > 1"}, "/filter", id="export-hidden"),
        pytest.param("/export", {"sort": "resident_id"}, "/sort", id="export-masked"),
    ],
)
def test_closed_fields_cannot_be_filtered_sorted_or_summed(
    office: Office, path: str, params: dict[str, str], pointer: str
) -> None:
    fields = {"salary": "hidden", "resident_id": "masked", "holder": "masked"}
    office.grant(customer(["read", "export"], fields=fields))
    refused = office.viewer.get(f"{RECORDS}{path}", params=params)
    problem(refused, 403, "field_not_readable")
    assert {p for p, _code in pointers(refused)} == {pointer}


def test_masked_money_cannot_be_summed(office: Office) -> None:
    office.grant(customer(["read"], fields={"salary": "masked"}))
    problem(
        office.viewer.get(f"{RECORDS}/summary", params={"sum": "salary"}), 403, "field_not_readable"
    )
    office.grant(customer(["read"], fields={"salary": "read"}))
    summed = office.viewer.get(f"{RECORDS}/summary", params={"sum": "salary"})
    assert summed.status_code == 200, summed.text
    assert b'"salary":"438271.60"' in summed.content


# ---------------------------------------------------------------- unmask and read audit


def test_unmask_needs_the_permission_and_a_reason(office: Office, session: Session) -> None:
    fields = {"resident_id": "masked", "mobile": "masked", "salary": "hidden"}
    office.grant(customer(["read"], fields=fields, unmask=["resident_id"]))
    url = office.url("sh", "/unmask")
    refused = office.viewer.post(
        url, json={"fields": ["resident_id", "mobile"], "reason": "KYC review"}
    )
    problem(refused, 403, "unmask_not_allowed")
    assert pointers(refused) == {("/fields/1", "unmask_not_allowed")}
    hidden = office.viewer.post(url, json={"fields": ["salary"], "reason": "KYC review"})
    problem(hidden, 403, "unmask_not_allowed")
    for reason in ("", "why", "    x   "):
        short = office.viewer.post(url, json={"fields": ["resident_id"], "reason": reason})
        problem(short, 422, "unmask_reason_required")
        assert pointers(short) == {("/reason", "unmask_reason_required")}
    assert events(session, "record.unmask") == []
    revealed = office.viewer.post(
        url, json={"fields": ["resident_id"], "reason": " customer called "}
    )
    assert revealed.status_code == 200, revealed.text
    assert revealed.json() == {
        "id": office.ids["sh"],
        "values": {"resident_id": VALUES["resident_id"]},
    }
    [event] = events(session, "record.unmask")
    assert (event.actor, event.object_id) == ("viewer", f"kyc/customer/{office.ids['sh']}")
    assert event.details == {"fields": ["resident_id"], "reason": "customer called"}


def test_unmask_stays_inside_the_read_rows(office: Office, session: Session) -> None:
    office.grant(
        customer(["read"], "own", fields={"resident_id": "masked"}, unmask=["resident_id"])
    )
    body = {"fields": ["resident_id"], "reason": "customer called"}
    problem(office.viewer.post(office.url("sh", "/unmask"), json=body), 404, "record_not_found")
    assert events(session, "record.unmask") == []
    assert office.viewer.post(office.url("viewer", "/unmask"), json=body).status_code == 200


def test_clear_reads_of_sensitive_fields_are_audited(office: Office, session: Session) -> None:
    office.grant(customer(["read"], fields={"mobile": "masked", "email": "hidden"}))
    before = len(events(session, "record.read"))
    office.viewer.get(office.url("sh"))
    office.viewer.get(RECORDS, params={"filter": 'name = "pd"'})
    reads = events(session, "record.read")[before:]
    assert [(e.actor, e.object_id) for e in reads] == [("viewer", "kyc/customer")] * 2
    assert [(e.details["fields"], e.details["ids"]) for e in reads] == [
        (["resident_id"], [office.ids["sh"]]),
        (["resident_id"], [office.ids["pd"]]),
    ]
    office.grant(
        customer(["read"], fields={"resident_id": "masked", "mobile": "masked", "email": "hidden"})
    )
    office.viewer.get(office.url("sh"))
    assert len(events(session, "record.read")) == before + 2


# ---------------------------------------------------------------- token scopes


def bearer(office: Office, client: TestClient, scopes: list[str]) -> TestClient:
    created = client.post(f"{API}/auth/tokens", json={"name": "t", "scopes": scopes})
    assert created.status_code == 201, created.text
    fresh = TestClient(office.users.app, raise_server_exceptions=False)
    fresh.headers["Authorization"] = f"Bearer {created.json()['token']}"
    return fresh


def test_token_scopes_narrow_what_the_grants_allow(office: Office) -> None:
    office.grant(
        customer(RECORD_ACTIONS),
        {"app": "kyc", "form": "other", "actions": ["create", "read"], "rows": "all"},
    )
    create_other(office)
    reader = bearer(office, office.viewer, ["read:kyc"])
    assert office.names(reader) == EVERY_NAME
    problem(reader.post(RECORDS, json={"name": "x"}), 403, "token_scope_insufficient")
    problem(reader.patch(office.url("viewer"), json={"note": "x"}), 403, "token_scope_insufficient")
    problem(reader.get(f"{RECORDS}/export"), 403, "token_scope_insufficient")

    one_form = bearer(office, office.viewer, ["read:kyc.customer"])
    assert office.names(one_form) == EVERY_NAME
    problem(one_form.get(OTHER_RECORDS), 403, "token_scope_insufficient")
    problem(
        bearer(office, office.viewer, ["read:crm"]).get(RECORDS), 403, "token_scope_insufficient"
    )

    everything = bearer(office, office.viewer, ["all"])
    assert everything.post(RECORDS, json={"name": "by token"}).status_code == 201
    assert everything.get(OTHER_RECORDS).status_code == 200


def create_other(office: Office) -> None:
    create(office.viewer, {"name": "o"}, OTHER_RECORDS)


def test_a_token_never_exceeds_the_grants(office: Office) -> None:
    office.grant(customer(["read"], "own", fields={"salary": "hidden"}))
    token = bearer(office, office.viewer, ["all"])
    assert office.names(token) == ["viewer"]
    assert "salary" not in token.get(office.url("viewer")).json()
    problem(token.post(RECORDS, json={"name": "x"}), 403, "permission_denied")


# ---------------------------------------------------------------- audit administrator


def test_the_audit_admin_reads_but_never_writes(office: Office) -> None:
    office.users.role("everything", [customer(RECORD_ACTIONS)])
    auditor = office.users.client("audit.li", roles=("audit_admin", "everything"))
    assert office.names(auditor) == EVERY_NAME
    assert auditor.get(f"{RECORDS}/export").status_code == 200
    sheet = b"name\nimported\n"
    for response in (
        auditor.post(RECORDS, json={"name": "x"}),
        auditor.post(f"{RECORDS}/batch", json={"records": [{"name": "x"}]}),
        auditor.patch(office.url("sh"), json={"note": "x"}),
        auditor.delete(office.url("sh")),
        auditor.post(office.url("sh", "/restore")),
        auditor.post(IMPORTS, content=sheet, headers={"content-type": "text/csv"}),
    ):
        problem(response, 403, "audit_admin_read_only")
    assert office.admin.get(RECORDS).json()["total"] == 5


WALLET = f"{APP}/forms/wallet/records"
CARDS: dict[str, Any] = {
    "id": "f_cards",
    "key": "cards",
    "type": "subtable",
    "label": "Cards",
    "fields": [
        {"id": "f_c_no", "key": "card_no", "type": "text", "label": "No."},
        {"id": "f_c_mob", "key": "c_mobile", "type": "phone", "label": "Mobile"},
        {
            "id": "f_c_pin",
            "key": "card_pin",
            "type": "text",
            "label": "PIN",
            "sensitivity": "C3",
            "encrypted": True,
        },
    ],
}


def wallet(office: Office) -> tuple[TestClient, str]:
    """A form whose subtable holds a C3 column, a record in it, and a client writing it."""
    publish(office.admin, "wallet", [FIELDS[0], CARDS])
    grant = {
        "app": "kyc",
        "form": "wallet",
        "actions": ["create", "read", "update"],
        "rows": "all",
        "fields": {"cards": "write"},
    }
    writer = office.users.client("wallet.writer", grants=[grant])
    card = {"card_no": "6222", "c_mobile": "13812345678", "card_pin": "8642"}
    return writer, create(writer, {"name": "w", "cards": [card]}, WALLET)["id"]


def test_a_subtable_with_c3_columns_is_masked_unless_granted(
    office: Office, session: Session
) -> None:
    _writer, record_id = wallet(office)
    grant = {"app": "kyc", "form": "wallet", "actions": ["read"], "rows": "all"}
    office.grant(grant)
    cards = office.viewer.get(f"{WALLET}/{record_id}").json()["cards"]
    assert [{k: v for k, v in row.items() if k != "_id"} for row in cards] == [
        {"card_no": "******", "c_mobile": "138****5678", "card_pin": "******"}
    ]
    before = len(events(session, "record.read"))
    office.grant({**grant, "fields": {"cards": "read"}})
    cards = office.viewer.get(f"{WALLET}/{record_id}").json()["cards"]
    assert cards[0]["card_pin"] == "8642"
    [read] = events(session, "record.read")[before:]
    assert (read.actor, read.details["fields"]) == ("viewer", ["cards"])


def test_history_never_holds_encrypted_subtable_values(office: Office, session: Session) -> None:
    writer, record_id = wallet(office)
    changed = writer.patch(f"{WALLET}/{record_id}", json={"cards": [{"card_pin": "7531"}]})
    assert changed.status_code == 200, changed.text
    history = writer.get(f"{WALLET}/{record_id}/history").json()
    assert history[1]["changes"] == [{"field": "cards", "encrypted": True}]
    stored = session.scalars(select(RecordChange.changes)).all()
    audited = [e.details for e in events(session, "record.update")]
    for text in (str(stored), str(audited)):
        assert "8642" not in text
        assert "7531" not in text
