"""The permission matrix (issue acceptance): every record and metadata path, for an anonymous
caller, a user without grants and a user who reads (and exports) their own rows only.

Each path answers 401/403 or only the rows in scope, with hidden fields absent and masked fields
masked. The clear resident IDs, mobiles, salaries and notes outside the reader's view never show
up in a response body, an export or a captured log line.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

API = "/api/v1"
APP = f"{API}/apps/kyc"
FORM = f"{APP}/definitions/form/customer"
RECORDS = f"{APP}/forms/customer/records"
IMPORTS = f"{APP}/forms/customer/imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    # Stored in clear on purpose (identifiers are encrypted by default): the matrix checks that
    # masking alone keeps clear values from readers, history included.
    {
        "id": "f_rid",
        "key": "resident_id",
        "type": "resident_id",
        "label": "Resident ID",
        "encrypted": False,
    },
    {"id": "f_mob", "key": "mobile", "type": "phone", "label": "Mobile"},
    {"id": "f_sal", "key": "salary", "type": "money", "label": "Salary", "currency": "CNY"},
    {"id": "f_note", "key": "note", "type": "textarea", "label": "Note"},
    {
        "id": "f_files",
        "key": "files",
        "type": "attachment",
        "label": "Files",
        "content_types": ["application/pdf"],
    },
    {
        "id": "f_contacts",
        "key": "contacts",
        "type": "subtable",
        "label": "Contacts",
        "fields": [
            {"id": "f_c_name", "key": "c_name", "type": "text", "label": "Name"},
            {"id": "f_c_mob", "key": "c_mobile", "type": "phone", "label": "Mobile"},
        ],
    },
]

ALICE: dict[str, Any] = {
    "name": "Alice",
    "resident_id": "310115198001011238",
    "mobile": "13812345678",
    "salary": "87654.32",
    "note": "alice first note",
    "contacts": [{"c_name": "Ann", "c_mobile": "13911112222"}],
}
ALICE_NEW_ID = "440305199005057892"
ALICE_NEW_SALARY = "91234.56"
BOB: dict[str, Any] = {
    "name": "Bob Secretname",
    "resident_id": "310115198512124568",
    "mobile": "13987654321",
    "salary": "76543.21",
    "note": "bob confidential note",
    "contacts": [{"c_name": "Bea Hiddencontact", "c_mobile": "13700001111"}],
}
BOB_NEW_ID = "110108197503033212"

SECRETS: tuple[str, ...] = (
    ALICE["resident_id"],
    ALICE_NEW_ID,
    ALICE["salary"],
    ALICE_NEW_SALARY,
    *(BOB[key] for key in ("name", "resident_id", "mobile", "salary", "note")),
    BOB_NEW_ID,
    BOB["contacts"][0]["c_name"],
    BOB["contacts"][0]["c_mobile"],
)
"""Values no caller of the matrix may see: everything of Bob's record, and Alice's resident IDs
(masked for her) and salaries (hidden from her)."""

READ_OWN: list[dict[str, Any]] = [
    {
        "app": "kyc",
        "form": "customer",
        "actions": ["read", "export"],
        "rows": "own",
        "fields": {"resident_id": "masked", "salary": "hidden"},
    }
]
MAKER: list[dict[str, Any]] = [
    {"app": "kyc", "form": "customer", "actions": ["create", "read", "update"], "rows": "own"}
]


@dataclass
class World:
    """The records, files and clients the matrix runs over."""

    admin: TestClient
    callers: dict[str, TestClient]
    alice_record: str
    bob_record: str
    alice_file: dict[str, Any]
    bob_file: dict[str, Any]
    bundle: dict[str, Any]


def upload(client: TestClient, name: str) -> dict[str, Any]:
    content = b"%PDF-1.7\n% " + uuid.uuid4().hex.encode() + b"\n%%EOF\n"
    response = client.post(
        f"{API}/files",
        content=content,
        headers={"content-type": "application/pdf", "x-filename": f"UTF-8''{quote(name)}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return {key: body[key] for key in ("id", "name", "size", "content_type")}


def created(client: TestClient, body: dict[str, Any]) -> str:
    response = client.post(RECORDS, json=body)
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


def patched(client: TestClient, record_id: str, body: dict[str, Any]) -> None:
    response = client.patch(f"{RECORDS}/{record_id}", json=body)
    assert response.status_code == 200, response.text


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every line logged while the test was set up and ran, with tracebacks."""
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    return "\n".join(handler.format(record) for record in records)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture everything at DEBUG; afterwards no line may hold a clear value."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    text = logged_text(caplog)
    assert [secret for secret in SECRETS if secret in text] == [], "clear values in log lines"


@pytest.fixture
def world(
    debug_logs: pytest.LogCaptureFixture,
    client: TestClient,
    users: Any,
    anonymous_client: TestClient,
) -> World:
    client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"})
    client.post(f"{APP}/definitions", json={"kind": "form", "key": "customer", "label": "C"})
    assert (
        client.put(FORM, json={"label": "Customer", "spec": {"fields": FIELDS}}).status_code == 200
    )
    assert client.post(f"{FORM}/publish", json={}).status_code == 201
    alice = users.client("alice", grants=MAKER, departments=("branch_sh",))
    bob = users.client("bob", grants=MAKER, departments=("branch_bj",))
    alice_file, bob_file = upload(alice, "alice.pdf"), upload(bob, "bob.pdf")
    alice_record = created(alice, {**ALICE, "files": [alice_file]})
    bob_record = created(bob, {**BOB, "files": [bob_file]})
    patched(alice, alice_record, {"resident_id": ALICE_NEW_ID, "salary": ALICE_NEW_SALARY})
    patched(bob, bob_record, {"resident_id": BOB_NEW_ID})
    users.role("role_alice", READ_OWN)
    users.user("nobody", departments=("branch_sh",))
    bundle = client.get(f"{APP}/export")
    assert bundle.status_code == 200, bundle.text
    callers = {
        "anonymous": anonymous_client,
        "no_grants": users.sign_in("nobody"),
        "own_rows": alice,
    }
    return World(client, callers, alice_record, bob_record, alice_file, bob_file, bundle.json())


# ---------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)


Expect = tuple[int, str]
OK: Expect = (200, "")
DENIED: Expect = (403, "permission_denied")
ANONYMOUS: Expect = (401, "not_authenticated")


def csv_upload(rows: list[list[str]]) -> dict[str, Any]:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return {"content": buffer.getvalue().encode(), "headers": {"content-type": "text/csv"}}


def record_paths(w: World) -> Iterator[tuple[str, Call, Expect, Expect]]:
    """(name, call, answer without grants, answer to the reader of own rows)."""
    mine, theirs = f"{RECORDS}/{w.alice_record}", f"{RECORDS}/{w.bob_record}"
    not_found: Expect = (404, "record_not_found")
    yield "list", Call("GET", RECORDS), DENIED, OK
    yield "list deleted", Call("GET", RECORDS, {"params": {"deleted": True}}), DENIED, OK
    yield "detail own", Call("GET", mine), DENIED, OK
    yield "detail other", Call("GET", theirs), DENIED, not_found
    yield "history own", Call("GET", f"{mine}/history"), DENIED, OK
    yield "history other", Call("GET", f"{theirs}/history"), DENIED, not_found
    yield "summary count", Call("GET", f"{RECORDS}/summary"), DENIED, OK
    summed = Call("GET", f"{RECORDS}/summary", {"params": {"sum": "salary"}})
    yield "summary sum hidden", summed, DENIED, (403, "field_not_readable")
    by_salary = Call("GET", RECORDS, {"params": {"filter": "salary > 1"}})
    yield "filter hidden", by_salary, DENIED, (403, "field_not_readable")
    by_id = Call("GET", RECORDS, {"params": {"sort": "resident_id"}})
    yield "sort masked", by_id, DENIED, (403, "field_not_readable")
    probe = {"params": {"filter": 'resident_id = "310115000000000000"'}}
    yield "filter masked", Call("GET", RECORDS, probe), DENIED, (403, "field_not_readable")
    counted = Call("GET", f"{RECORDS}/summary", {"params": {"filter": "salary > 50000"}})
    yield "summary filter hidden", counted, DENIED, (403, "field_not_readable")
    exported = Call("GET", f"{RECORDS}/export", {"params": {"filter": "salary > 50000"}})
    yield "export filter hidden", exported, DENIED, (403, "field_not_readable")
    for format_ in ("csv", "xlsx"):
        export = Call("GET", f"{RECORDS}/export", {"params": {"format": format_}})
        yield f"export {format_}", export, DENIED, OK
    sheet = csv_upload([["name", "mobile"], ["Mallory", "13812345678"]])
    yield "import csv", Call("POST", IMPORTS, sheet), DENIED, DENIED
    batch = {"json": {"records": [{"name": "Mallory"}]}}
    yield "batch create", Call("POST", f"{RECORDS}/batch", batch), DENIED, DENIED
    yield "create", Call("POST", RECORDS, {"json": {"name": "Mallory"}}), DENIED, DENIED
    change = {"json": {"note": "changed"}}
    yield "update own", Call("PATCH", mine, change), DENIED, DENIED
    yield "update other", Call("PATCH", theirs, change), DENIED, DENIED
    yield "delete own", Call("DELETE", mine), DENIED, DENIED
    yield "delete other", Call("DELETE", theirs), DENIED, DENIED
    yield "restore own", Call("POST", f"{mine}/restore"), DENIED, DENIED
    yield "restore other", Call("POST", f"{theirs}/restore"), DENIED, DENIED
    reveal = {"json": {"fields": ["resident_id"], "reason": "customer called in"}}
    refused: Expect = (403, "unmask_not_allowed")
    yield "unmask own", Call("POST", f"{mine}/unmask", reveal), DENIED, refused
    yield "unmask other", Call("POST", f"{theirs}/unmask", reveal), DENIED, refused
    alice_file, bob_file = w.alice_file["id"], w.bob_file["id"]
    yield "attachment own", Call("GET", f"{mine}/files/{alice_file}"), DENIED, OK
    yield "attachment other", Call("GET", f"{theirs}/files/{bob_file}"), DENIED, not_found
    no_file: Expect = (404, "file_not_found")
    yield "attachment via own record", Call("GET", f"{mine}/files/{bob_file}"), DENIED, no_file


def file_paths(w: World) -> Iterator[tuple[str, Call, Expect, Expect]]:
    """Only the uploader opens a file by its id (Alice uploaded hers)."""
    forbidden: Expect = (403, "file_forbidden")
    for who, ref, own_rows in (("own", w.alice_file, OK), ("other", w.bob_file, forbidden)):
        for suffix in ("", "/meta"):
            call = Call("GET", f"{API}/files/{ref['id']}{suffix}")
            yield f"file{suffix} by id, {who}", call, forbidden, own_rows


def metadata_paths(w: World) -> Iterator[tuple[str, Call, Expect, Expect]]:
    draft = {"json": {"label": "Customer", "spec": {"fields": FIELDS[:2]}}}
    yield "app list", Call("GET", f"{API}/apps"), OK, OK
    yield "app", Call("GET", APP), DENIED, OK
    yield "definitions", Call("GET", f"{APP}/definitions"), DENIED, OK
    yield "definition", Call("GET", FORM), DENIED, OK
    yield "versions", Call("GET", f"{FORM}/versions"), DENIED, OK
    yield "design draft", Call("PUT", FORM, draft), DENIED, DENIED
    new_form = {"json": {"kind": "form", "key": "other", "label": "Other"}}
    yield "create definition", Call("POST", f"{APP}/definitions", new_form), DENIED, DENIED
    yield "publish", Call("POST", f"{FORM}/publish", {"json": {}}), DENIED, DENIED
    yield "export bundle", Call("GET", f"{APP}/export"), DENIED, DENIED
    bundle = Call("POST", f"{API}/apps/import", {"json": w.bundle})
    yield "import bundle", bundle, DENIED, DENIED
    yield "app openapi", Call("GET", f"{APP}/openapi.json"), DENIED, OK


def all_paths(w: World) -> list[tuple[str, Call, Expect, Expect]]:
    return [*record_paths(w), *file_paths(w), *metadata_paths(w)]


def visible_text(response: Any) -> str:
    """Everything a caller gets back: headers and body (an XLSX workbook's cells)."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    if response.headers.get("content-type", "").startswith(XLSX) and response.status_code == 200:
        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        cells = [
            str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row
        ]
        return headers + "\n" + "\n".join(cells)
    body: bytes = response.content
    return headers + "\n" + body.decode("utf-8", "replace")


def answer(response: Any) -> Expect:
    return (response.status_code, response.json()["code"] if response.status_code >= 400 else "")


def stored_state(admin: TestClient) -> list[tuple[str, int, Any]]:
    """Every record (live or deleted) with its version and deletion time, as the admin sees it."""
    items = [
        item
        for deleted in (False, True)
        for item in admin.get(RECORDS, params={"deleted": deleted}).json()["items"]
    ]
    return sorted((item["id"], item["version"], item["deleted_at"]) for item in items)


@pytest.mark.parametrize("who", ["anonymous", "no_grants", "own_rows"])
def test_every_path_refuses_or_filters(world: World, who: str) -> None:
    caller = world.callers[who]
    before = stored_state(world.admin)
    wrong: list[str] = []
    for name, call, without_grants, own_rows in all_paths(world):
        expected = {"anonymous": ANONYMOUS, "no_grants": without_grants, "own_rows": own_rows}[who]
        response = caller.request(call.method, call.url, **call.options)
        if answer(response) != expected:
            wrong.append(f"{name}: expected {expected}, got {answer(response)}: {response.text}")
        text = visible_text(response)
        leaked = [secret for secret in SECRETS if secret in text]
        if leaked:
            wrong.append(f"{name}: clear values in the answer: {leaked}")
    assert wrong == []
    assert stored_state(world.admin) == before
    assert len(before) == 2


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


MASKED_ID = "440305********7892"
SHOWN_COLUMNS = ["id", "name", "resident_id", "mobile", "note", "files", "created_at", "updated_at"]


def test_the_reader_of_own_rows_gets_them_masked_and_nothing_else(world: World) -> None:
    alice = world.callers["own_rows"]
    listed = alice.get(RECORDS).json()
    assert (listed["total"], [r["id"] for r in listed["items"]]) == (1, [world.alice_record])
    item = listed["items"][0]
    assert "salary" not in item
    assert (item["owner"], item["resident_id"], item["mobile"]) == (
        "alice",
        MASKED_ID,
        ALICE["mobile"],
    )
    detail = alice.get(f"{RECORDS}/{world.alice_record}").json()
    assert "salary" not in detail
    assert detail["resident_id"] == MASKED_ID
    assert [{k: v for k, v in row.items() if k != "_id"} for row in detail["contacts"]] == ALICE[
        "contacts"
    ]
    history = alice.get(f"{RECORDS}/{world.alice_record}/history").json()
    assert [change for entry in history for change in entry["changes"]] == [
        {"field": "resident_id", "before": "310115********1238", "after": MASKED_ID}
    ]
    assert alice.get(f"{RECORDS}/summary").json() == {"count": 1, "sum": {}}
    for rows in (
        csv_rows(alice.get(f"{RECORDS}/export")),
        xlsx_rows(alice.get(f"{RECORDS}/export", params={"format": "xlsx"})),
    ):
        assert rows[0] == SHOWN_COLUMNS
        assert [row[0] for row in rows[1:]] == [world.alice_record]
        assert rows[1][2:4] == [MASKED_ID, ALICE["mobile"]]


def test_an_empty_export_does_not_name_hidden_columns(world: World) -> None:
    alice = world.callers["own_rows"]
    nothing = {"filter": 'name = "Zed"'}
    assert csv_rows(alice.get(f"{RECORDS}/export", params=nothing)) == [SHOWN_COLUMNS]
    xlsx = alice.get(f"{RECORDS}/export", params={**nothing, "format": "xlsx"})
    assert xlsx_rows(xlsx) == [SHOWN_COLUMNS]


def test_without_grants_no_app_is_listed(world: World) -> None:
    assert world.callers["no_grants"].get(f"{API}/apps").json() == []


def test_another_users_file_cannot_be_attached_to_open_it(world: World, users: Any) -> None:
    """Knowing a file's reference (id, name, size, type: e.g. from an old export) must not open
    it: attaching someone else's upload to one's own record would make it downloadable through
    that record, around the uploader-only rule for files."""
    users.role("role_alice", MAKER)
    alice = world.callers["own_rows"]
    smuggled = alice.post(RECORDS, json={"name": "smuggler", "files": [world.bob_file]})
    assert smuggled.status_code in (403, 422), smuggled.text
    swapped = alice.patch(f"{RECORDS}/{world.alice_record}", json={"files": [world.bob_file]})
    assert swapped.status_code in (403, 422), swapped.text
    opened = alice.get(f"{RECORDS}/{world.alice_record}/files/{world.bob_file['id']}")
    assert opened.status_code == 404
