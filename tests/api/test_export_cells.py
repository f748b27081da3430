"""Exported files are safe to open in a spreadsheet: no text runs as a formula (records, audit
events, import problem sheets), numbers stay numbers, structured values read as text; XLSX
imports never drop a formula silently; an exported file's columns import back to the same
values."""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor

API = "/api/v1"
RECORDS = f"{API}/apps/sheet/forms/entry/records"
IMPORTS = f"{API}/apps/sheet/forms/entry/imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DANGEROUS = ["=1+1", "+1+2", "-3+4", "@SUM(A1)", '=HYPERLINK("http://x","y")']
"""Text fields strip surrounding white space: tabs and carriage returns are shown on the audit
export below."""
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {"id": "f_count", "key": "count", "type": "integer", "label": "Count"},
    {"id": "f_rate", "key": "rate", "type": "decimal", "label": "Rate", "scale": 2},
    {"id": "f_ok", "key": "ok", "type": "boolean", "label": "OK"},
    {
        "id": "f_tags",
        "key": "tags",
        "type": "multi_select",
        "label": "Tags",
        "options": ["gold", "vip"],
    },
    {"id": "f_files", "key": "files", "type": "attachment", "label": "Files"},
    {"id": "f_amount", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
]


@pytest.fixture
def sheet(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "sheet", "label": "Sheet"})
    created = client.post(
        f"{API}/apps/sheet/definitions",
        json={"kind": "form", "key": "entry", "label": "Entry", "spec": {"fields": FIELDS}},
    )
    assert created.status_code == 201, created.text
    published = client.post(f"{API}/apps/sheet/definitions/form/entry/publish")
    assert published.status_code == 201, published.text
    return client


def upload(client: TestClient, name: str, size: int) -> dict[str, Any]:
    head = b"%PDF-1.7\n% " + uuid.uuid4().hex.encode() + b"\n"
    content = head + b"0" * (size - len(head) - 6) + b"%%EOF\n"
    response = client.post(
        f"{API}/files",
        content=content,
        headers={"content-type": "application/pdf", "x-filename": f"UTF-8''{quote(name)}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return {k: body[k] for k in ("id", "name", "size", "content_type")}


def cell_values(content: bytes) -> list[list[Any]]:
    active = load_workbook(io.BytesIO(content)).active
    assert active is not None
    return [[c.value for c in row] for row in active.iter_rows()]


def exported_csv(client: TestClient) -> tuple[str, list[dict[str, str]]]:
    response = client.get(f"{RECORDS}/export", params={"format": "csv", "sort": "count"})
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    return text, list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_export_neutralises_formulas_and_quotes_every_field(sheet: TestClient) -> None:
    for index, name in enumerate(DANGEROUS):
        created = sheet.post(RECORDS, json={"name": name, "count": index - 3, "rate": "-1.50"})
        assert created.status_code == 201, created.text
    text, rows = exported_csv(sheet)
    assert [row["name"] for row in rows] == ["'" + name for name in DANGEROUS]
    assert [row["count"] for row in rows] == [str(i - 3) for i in range(len(DANGEROUS))]
    assert {row["rate"] for row in rows} == {"-1.50"}  # numbers are not text: no quote
    raw_lines = text.split("\r\n")
    assert raw_lines[0].startswith('"id","name","count"')
    assert all(line.startswith('"') for line in raw_lines if line)


def test_xlsx_export_has_no_formula_cells_and_keeps_numbers_numeric(sheet: TestClient) -> None:
    for index, text in enumerate(DANGEROUS):
        sheet.post(RECORDS, json={"name": text, "count": index - 3, "rate": "-1.50"})
    response = sheet.get(f"{RECORDS}/export", params={"format": "xlsx", "sort": "count"})
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r"<f[ >]", xml)
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(min_row=2))  # type: ignore[union-attr]
    header = [c.value for c in next(workbook.active.iter_rows(max_row=1))]  # type: ignore[union-attr]
    name, count, rate = (header.index(k) for k in ("name", "count", "rate"))
    assert [r[name].value for r in rows] == ["'" + text for text in DANGEROUS]
    assert {r[name].data_type for r in rows} == {"s"}
    assert [r[count].value for r in rows] == [i - 3 for i in range(len(DANGEROUS))]
    assert {r[count].data_type for r in rows} == {"n"}
    assert {Decimal(str(r[rate].value)) for r in rows} == {Decimal("-1.50")}
    assert {r[rate].data_type for r in rows} == {"n"}


def test_structured_values_are_exported_as_readable_text(sheet: TestClient) -> None:
    contract = upload(sheet, "contract.pdf", 12 * 1024)
    annex = upload(sheet, "=annex.pdf", 300)
    created = sheet.post(
        RECORDS,
        json={"name": "a", "count": 1, "ok": True, "tags": ["gold", "vip"], "files": [contract]},
    )
    assert created.status_code == 201, created.text
    sheet.post(RECORDS, json={"name": "b", "count": 2, "ok": False, "files": [contract, annex]})
    _, rows = exported_csv(sheet)
    assert [row["files"] for row in rows] == [
        "contract.pdf (12 KB)",
        "contract.pdf (12 KB); =annex.pdf (300 B)",
    ]
    assert [row["ok"] for row in rows] == ["true", "false"]
    assert [row["tags"] for row in rows] == ["gold; vip", ""]
    assert not any(
        re.search(r"[{}\[\]]|True|False", value) for row in rows for value in row.values()
    )
    xlsx = sheet.get(f"{RECORDS}/export", params={"format": "xlsx", "sort": "count"})
    values = cell_values(xlsx.content)
    files = values[0].index("files")
    assert [r[files] for r in values[1:]] == [row["files"] for row in rows]


def test_audit_csv_export_neutralises_formulas(users: Any, session: Session) -> None:
    auditor = users.client("audit.li", roles=("audit_admin",))
    log: AuditLog = users.app.state.audit
    actor = Actor("zhang.san", roles=("teller",), request_id="-2-3")
    log.record(
        session, actor, "record.create", object_type="\tform", object_id="=cmd|' /C calc'!A0"
    )
    log.record(session, actor, "record.update", object_type="\rform", object_id="@x")
    session.commit()
    response = auditor.get(f"{API}/audit/events/export", params={"actor": "zhang.san"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert [(r["object_type"], r["object_id"], r["request_id"]) for r in rows] == [
        ("'\tform", "'=cmd|' /C calc'!A0", "'-2-3"),
        ("'\rform", "'@x", "'-2-3"),
    ]
    assert response.content.decode("utf-8-sig").startswith('"id","occurred_at","actor"')


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    active = workbook.active
    assert active is not None
    for row in rows:
        active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_saved_result(content: bytes, formula: str, result: str) -> bytes:
    """The workbook with a saved result for ``formula``, as a calculating program writes it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":  # `<v />` or `<v></v>`, by XML writer
                empty = re.compile(rb"<f>" + re.escape(formula.encode()) + rb"</f><v\s*(/>|></v>)")
                data = empty.sub(f"<f>{formula}</f><v>{result}</v>".encode(), data)
            target.writestr(name, data)
    return out.getvalue()


def test_xlsx_import_reports_formulas_without_saved_result_per_row(sheet: TestClient) -> None:
    content = workbook_bytes(
        [["name", "count"], ["a", 1], ["b", "=1+2"], ["c", 3], ['=CONCAT("x","y")', None]]
    )
    response = sheet.post(IMPORTS, content=content, headers={"content-type": XLSX})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "import_invalid"
    assert [(e["row"], e["column"], e["code"], e["value"]) for e in body["rows"]] == [
        (3, "count", "import_formula_without_value", "=1+2"),
        (5, "name", "import_formula_without_value", '=CONCAT("x","y")'),
    ]
    assert sheet.get(RECORDS).json()["total"] == 0  # all or nothing

    partial = sheet.post(
        IMPORTS, params={"partial": "true"}, content=content, headers={"content-type": XLSX}
    )
    assert partial.status_code == 200, partial.text
    assert partial.json()["created"] == 2
    assert sorted(r["name"] for r in sheet.get(RECORDS).json()["items"]) == ["a", "c"]

    sheet_of_errors = sheet.post(
        IMPORTS, content=content, headers={"content-type": XLSX, "accept": XLSX}
    )
    with zipfile.ZipFile(io.BytesIO(sheet_of_errors.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    values = cell_values(sheet_of_errors.content)
    assert values[1][2] == "'=1+2"


def test_xlsx_import_uses_the_saved_result_of_a_formula(sheet: TestClient) -> None:
    content = with_saved_result(workbook_bytes([["name", "count"], ["a", "=1+2"]]), "1+2", "3")
    response = sheet.post(IMPORTS, content=content, headers={"content-type": XLSX})
    assert response.status_code == 200, response.text
    [item] = sheet.get(RECORDS).json()["items"]
    assert item["count"] == 3


def without_columns(content: bytes, format_: str, dropped: set[str]) -> bytes:
    """The exported file without the columns ``dropped``, as a person keeps a sheet's columns."""
    if format_ == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        kept = [i for i, name in enumerate(rows[0]) if name not in dropped]
        out = io.StringIO(newline="")
        csv.writer(out, quoting=csv.QUOTE_ALL).writerows([[r[i] for i in kept] for r in rows])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    values = cell_values(content)
    kept = [i for i, name in enumerate(values[0]) if name not in dropped]
    return workbook_bytes([[row[i] for i in kept] for row in values])


def test_an_exported_file_imports_back_to_the_same_values(sheet: TestClient) -> None:
    """What exports write comes back on import: text that starts like a formula loses the
    export's guarding quote (not one more quote per round), money written as ``12.50 CNY`` and
    options written as ``gold; vip`` are read as such, numbers and truth values as they are."""
    bodies: list[dict[str, Any]] = [
        {"name": "=1+1", "count": -3, "rate": "-1.50", "amount": "-12.50", "ok": True},
        {"name": "@SUM(A1)", "count": 2, "rate": "0.25", "amount": "1234567.89", "ok": False},
        {"name": "-minus", "count": 0, "amount": "0.00", "tags": ["vip"]},
        {"name": "'quoted", "tags": ["gold", "vip"]},
    ]
    for body in bodies:
        created = sheet.post(RECORDS, json=body)
        assert created.status_code == 201, created.text

    def stored() -> list[tuple[Any, ...]]:
        items = sheet.get(RECORDS, params={"limit": 100}).json()["items"]
        keys = ("name", "count", "rate", "amount", "ok", "tags")
        return sorted(tuple(repr(item.get(key)) for key in keys) for item in items)

    before = stored()
    for format_, media_type in (("csv", "text/csv"), ("xlsx", XLSX)):
        exported = sheet.get(f"{RECORDS}/export", params={"format": format_})
        assert exported.status_code == 200, exported.text
        content = without_columns(exported.content, format_, {"id", "created_at", "updated_at"})
        imported = sheet.post(IMPORTS, content=content, headers={"content-type": media_type})
        assert imported.status_code == 200, imported.text
        assert stored() == sorted(before * 2), f"the {format_} file imports back the same"
        before = stored()
        unchanged = sheet.post(
            IMPORTS, content=exported.content, headers={"content-type": media_type}
        )
        assert unchanged.status_code == 422, unchanged.text
        if format_ == "xlsx":
            header = cell_values(exported.content)[0]
        else:
            header = next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert [(e["pointer"], e["code"]) for e in unchanged.json()["errors"]] == [
            (f"/columns/{header.index(name)}", "import_system_column")
            for name in ("id", "created_at", "updated_at")
        ]
        assert stored() == before, "nothing was imported"


def test_xlsx_money_is_a_number_with_its_currency_and_long_numbers_stay_exact(
    sheet: TestClient,
) -> None:
    """A fixed-currency money column is numbers a spreadsheet adds up, shown with the currency;
    a number with more than 15 significant digits (what a spreadsheet keeps of a number) is
    text, so opening the file cannot round it; both import back to the same values."""
    bodies: list[dict[str, Any]] = [
        {"name": "small", "count": 1, "rate": "0.10", "amount": "1234.50"},
        {"name": "negative", "count": 2, "rate": "-7.25", "amount": "-0.01"},
        {"name": "long", "count": 3, "rate": "123456789012345.67", "amount": "1234567890123456.78"},
        {"name": "wide", "count": 1234567890123456789, "rate": "1", "amount": "100000000000000"},
    ]  # fmt: skip
    for body in bodies:
        created = sheet.post(RECORDS, json=body)
        assert created.status_code == 201, created.text
    exported = sheet.get(f"{RECORDS}/export", params={"format": "xlsx", "sort": "name"})
    assert exported.status_code == 200, exported.text
    active = load_workbook(io.BytesIO(exported.content)).active
    assert active is not None
    rows = list(active.iter_rows())
    header = [c.value for c in rows[0]]
    cells = {row[header.index("name")].value: row for row in rows[1:]}
    amount, rate, count = (header.index(k) for k in ("amount", "rate", "count"))

    def shown(name: str, column: int) -> tuple[Any, str, str]:
        found = cells[name][column]
        return found.value, found.data_type, found.number_format

    assert shown("small", amount) == (1234.5, "n", '#,##0.00 "CNY"')
    assert shown("negative", amount) == (-0.01, "n", '#,##0.00 "CNY"')
    assert shown("wide", amount) == (100000000000000, "n", '#,##0.00 "CNY"')
    assert shown("long", amount)[:2] == ("1234567890123456.78 CNY", "s")
    assert shown("long", rate)[:2] == ("123456789012345.67", "s")
    assert shown("small", rate)[:2] == (0.1, "n")
    assert shown("wide", count)[:2] == ("1234567890123456789", "s")
    assert shown("long", count)[:2] == (3, "n")

    def stored() -> list[tuple[Any, ...]]:
        items = sheet.get(RECORDS, params={"limit": 100}).json()["items"]
        keys = ("name", "count", "rate", "amount")
        return sorted(tuple(repr(item.get(key)) for key in keys) for item in items)

    before = stored()
    content = without_columns(exported.content, "xlsx", {"id", "created_at", "updated_at"})
    imported = sheet.post(IMPORTS, content=content, headers={"content-type": XLSX})
    assert imported.status_code == 200, imported.text
    assert stored() == sorted(before * 2)


CLOCK = f"{API}/apps/clock/forms/slot/records"


def wall(year: int, month: int, day: int, hour: int = 0, minute: int = 0, s: int = 0) -> datetime:
    """A wall time as an XLSX cell reads back: without a zone (the file keeps none)."""
    return datetime(year, month, day, hour, minute, s, tzinfo=UTC).replace(tzinfo=None)


def test_days_and_instants_are_spreadsheet_dates_in_beijing_time(client: TestClient) -> None:
    """A date is a date cell; a date-time (the API writes instants in UTC) is the wall time in
    Beijing, as the web pages show it: with its offset in CSV, a date-time cell in XLSX (which
    keeps no offset). Both files import back to the same instants."""
    client.post(f"{API}/apps", json={"key": "clock", "label": "Clock"})
    fields = [
        {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
        {"id": "f_day", "key": "day", "type": "date", "label": "Day"},
        {"id": "f_at", "key": "at", "type": "datetime", "label": "At"},
    ]
    created = client.post(
        f"{API}/apps/clock/definitions",
        json={"kind": "form", "key": "slot", "label": "Slot", "spec": {"fields": fields}},
    )
    assert created.status_code == 201, created.text
    assert client.post(f"{API}/apps/clock/definitions/form/slot/publish").status_code == 201
    for body in (
        {"name": "morning", "day": "2026-12-07", "at": "2026-12-07T01:30:00Z"},
        {"name": "new year", "day": "2024-02-29", "at": "2026-12-31T20:15:45+00:00"},
    ):
        assert client.post(CLOCK, json=body).status_code == 201
    text = client.get(f"{CLOCK}/export", params={"format": "csv", "sort": "name"})
    rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8-sig"), newline="")))
    assert [(r["name"], r["day"], r["at"]) for r in rows] == [
        ("morning", "2026-12-07", "2026-12-07T09:30:00+08:00"),
        ("new year", "2024-02-29", "2027-01-01T04:15:45+08:00"),
    ]
    assert all(r["created_at"].endswith("+08:00") for r in rows)
    sheet = client.get(f"{CLOCK}/export", params={"format": "xlsx", "sort": "name"})
    active = load_workbook(io.BytesIO(sheet.content)).active
    assert active is not None
    header, *cells = list(active.iter_rows())
    names = [c.value for c in header]
    day, at, made = (names.index(k) for k in ("day", "at", "created_at"))
    assert [(row[day].value, row[day].number_format) for row in cells] == [
        (wall(2026, 12, 7), "yyyy-mm-dd"),
        (wall(2024, 2, 29), "yyyy-mm-dd"),
    ]
    assert [(row[at].value, row[at].number_format) for row in cells] == [
        (wall(2026, 12, 7, 9, 30), "yyyy-mm-dd hh:mm:ss"),
        (wall(2027, 1, 1, 4, 15, 45), "yyyy-mm-dd hh:mm:ss"),
    ]
    assert all(row[made].is_date for row in cells)

    def stored() -> list[tuple[Any, ...]]:
        items = client.get(CLOCK, params={"limit": 100}).json()["items"]
        return sorted((item["name"], item["day"], item["at"]) for item in items)

    first = stored()
    assert first[0] == ("morning", "2026-12-07", "2026-12-07T01:30:00+00:00")
    before = first
    for format_, media_type, exported in (("csv", "text/csv", text), ("xlsx", XLSX, sheet)):
        content = without_columns(exported.content, format_, {"id", "created_at", "updated_at"})
        imported = client.post(
            f"{API}/apps/clock/forms/slot/imports",
            content=content,
            headers={"content-type": media_type},
        )
        assert imported.status_code == 200, imported.text
        assert stored() == sorted(before + first), f"the {format_} file imports back the same"
        before = stored()
