"""Bulk paths through the HTTP API: batch create, CSV/XLSX import (all or nothing), export."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

API = "/api/v1"
RECORDS = f"{API}/apps/crm/forms/client/records"
IMPORTS = f"{API}/apps/crm/forms/client/imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIELDS: list[dict[str, Any]] = [
    {
        "id": "f_name",
        "key": "name",
        "type": "text",
        "label": {"zh-CN": "姓名", "en": "Name"},
        "required": True,
    },
    {"id": "f_card", "key": "card", "type": "bank_card", "label": "Card"},
    {"id": "f_bal", "key": "balance", "type": "money", "label": "Balance", "currency": "CNY"},
    {"id": "f_open", "key": "opened", "type": "date", "label": "Opened"},
]
GOOD_CARD = "4111111111111111"


@pytest.fixture
def crm(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "crm", "label": "CRM"})
    client.post(
        f"{API}/apps/crm/definitions",
        json={"kind": "form", "key": "client", "label": "Client", "spec": {"fields": FIELDS}},
    )
    response = client.post(f"{API}/apps/crm/definitions/form/client/publish")
    assert response.status_code == 201, response.text
    return client


def csv_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def count(client: TestClient) -> int:
    total: int = client.get(RECORDS, params={"limit": 1}).json()["total"]
    return total


def test_import_of_1000_rows_with_5_bad_reports_exactly_those_and_writes_nothing(
    crm: TestClient,
) -> None:
    rows = [["姓名", "Card", "balance", "opened"]]
    bad = {
        17: ("card", "4111111111111112", "luhn_checksum"),
        205: ("balance", "10.001", "money_scale"),
        511: ("name", "", "required"),
        777: ("opened", "2026-02-30", "date_invalid"),
        998: ("balance", "abc", "number_format"),
    }
    for index in range(1000):
        row = [f"client {index}", GOOD_CARD, f"{index}.50", "2026-01-15"]
        if index in bad:
            column = ["name", "card", "balance", "opened"].index(bad[index][0])
            row[column] = bad[index][1]
        rows.append(row)
    response = crm.post(IMPORTS, content=csv_file(rows), headers={"content-type": "text/csv"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "import_invalid"
    reported = {(e["row"], e["code"]) for e in body["rows"]}
    assert reported == {(index + 2, code) for index, (_k, _v, code) in bad.items()}
    first = next(e for e in body["rows"] if e["code"] == "luhn_checksum")
    assert (first["row"], first["column"], first["value"]) == (19, "Card", "4111111111111112")
    assert count(crm) == 0

    sheet = crm.post(
        IMPORTS, content=csv_file(rows), headers={"content-type": "text/csv", "accept": XLSX}
    )
    assert sheet.status_code == 422
    workbook = load_workbook(io.BytesIO(sheet.content))
    assert workbook.active is not None
    cells = list(workbook.active.iter_rows(values_only=True))
    assert cells[0] == ("row", "column", "value", "code", "message")
    assert len(cells) == 6


def test_good_import_writes_every_row_and_dry_run_writes_none(crm: TestClient) -> None:
    rows = [["name", "card", "balance", "opened"]]
    rows += [[f"c{i}", GOOD_CARD, "1.10", "2026-01-01"] for i in range(50)]
    preview = crm.post(
        IMPORTS,
        params={"dry_run": True},
        content=csv_file(rows),
        headers={"content-type": "text/csv"},
    )
    assert preview.json()["created"] == 0
    assert preview.json()["dry_run"] is True
    assert count(crm) == 0
    done = crm.post(IMPORTS, content=csv_file(rows), headers={"content-type": "text/csv"})
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 50
    assert count(crm) == 50
    history = crm.get(f"{RECORDS}/{crm.get(RECORDS).json()['items'][0]['id']}/history").json()
    assert history[0]["action"] == "import"


def test_xlsx_import_reads_numbers_and_dates_exactly(crm: TestClient) -> None:
    from datetime import date

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "balance", "opened"])
    sheet.append(["王五", 1234.56, date(2026, 3, 1)])
    sheet.append(["赵六", 7, date(2026, 3, 2)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = crm.post(IMPORTS, content=buffer.getvalue(), headers={"content-type": XLSX})
    assert response.status_code == 200, response.text
    summary = crm.get(f"{RECORDS}/summary", params={"sum": "balance"})
    assert b'"balance":"1241.56"' in summary.content


@pytest.mark.parametrize(
    ("content", "media_type", "code"),
    [
        (b"name,colour\nx,red\n", "text/csv", "import_columns"),
        (b"", "text/csv", "import_empty"),
        (b"not a zip", XLSX, "import_format"),
        (b"{}", "application/json", "import_format"),
    ],
)
def test_bad_files_are_refused_clearly(
    crm: TestClient, content: bytes, media_type: str, code: str
) -> None:
    response = crm.post(IMPORTS, content=content, headers={"content-type": media_type})
    assert response.status_code in {400, 415, 422}
    assert response.json()["code"] == code
    assert count(crm) == 0


def test_zip_bomb_is_refused(crm: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    response = crm.post(IMPORTS, content=buffer.getvalue(), headers={"content-type": XLSX})
    assert response.status_code == 413
    assert response.json()["code"] == "import_bomb"


def test_batch_create_is_all_or_nothing(crm: TestClient) -> None:
    good = {"name": "a", "balance": "1.00"}
    refused = crm.post(f"{RECORDS}/batch", json={"records": [good, {"balance": "x"}]})
    assert refused.status_code == 422
    assert {e["pointer"] for e in refused.json()["errors"]} == {
        "/records/1/name",
        "/records/1/balance",
    }
    assert count(crm) == 0
    created = crm.post(f"{RECORDS}/batch", json={"records": [good, good]})
    assert created.status_code == 201
    assert created.json()["created"] == 2


def test_export_respects_the_filter(crm: TestClient) -> None:
    crm.post(
        f"{RECORDS}/batch",
        json={
            "records": [
                {"name": "big", "balance": "90000.00"},
                {"name": "small", "balance": "5.00"},
            ]
        },
    )
    exported = crm.get(f"{RECORDS}/export", params={"filter": "balance > 1000"})
    assert exported.status_code == 200
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "name", "card", "balance"]
    assert [r[1] for r in rows[1:]] == ["big"]
    assert rows[1][3] == "90000.00 CNY"
    xlsx = crm.get(f"{RECORDS}/export", params={"format": "xlsx"})
    assert xlsx.headers["content-type"] == XLSX
    assert len(list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows())) == 3  # type: ignore[union-attr]


def test_sum_of_100000_cents_through_the_api_is_exactly_1000(crm: TestClient) -> None:
    for _ in range(100):
        response = crm.post(
            f"{RECORDS}/batch", json={"records": [{"name": "c", "balance": "0.01"}] * 1000}
        )
        assert response.status_code == 201
    summary = crm.get(f"{RECORDS}/summary", params={"sum": "balance"})
    assert summary.json()["count"] == 100_000
    assert b'"sum":{"balance":"1000.00"}' in summary.content
    assert Decimal(summary.json()["sum"]["balance"]) == Decimal("1000.00")


def test_partial_import_writes_good_rows_and_reports_bad(crm: TestClient) -> None:
    rows = [["name", "card"], ["ok 1", GOOD_CARD], ["bad", "4111111111111112"], ["ok 2", ""]]
    response = crm.post(
        IMPORTS,
        params={"partial": True},
        content=csv_file(rows),
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["partial"], body["error_count"]) == (2, True, 1)
    assert body["errors"][0]["row"] == 3
    assert count(crm) == 2


def test_a_csv_saved_by_a_spreadsheet_program_imports_its_dates_and_grouped_numbers(
    crm: TestClient,
) -> None:
    """A Chinese Excel saves dates as `2026/1/9` and shows amounts with thousands separators;
    year-first dates and properly grouped numbers are read as the API writes them, anything
    ambiguous is still refused with its cell."""
    rows = [
        ["姓名", "Balance", "Opened"],
        ["slashes", "1,234,567.89", "2026/1/9"],
        ["dots", "-1,000", "2026.01.09"],
        ["chinese", "12.50", "2026年1月9日"],
        ["single digits", "1,000.5", "2026-1-9"],
    ]
    done = crm.post(IMPORTS, content=csv_file(rows), headers={"content-type": "text/csv"})
    assert done.status_code == 200, done.text
    items = crm.get(RECORDS, params={"sort": "name", "limit": 10}).json()["items"]
    assert [(i["name"], i["balance"]["amount"], i["opened"]) for i in items] == [
        ("chinese", "12.50", "2026-01-09"),
        ("dots", "-1000.00", "2026-01-09"),
        ("single digits", "1000.50", "2026-01-09"),
        ("slashes", "1234567.89", "2026-01-09"),
    ]
    bad = [
        ["姓名", "Balance", "Opened"],
        ["comma decimal", "1,5", "2026/1/9"],
        ["bad grouping", "12,34.00", "2026/1/9"],
        ["day first", "1.00", "9/1/2026"],
        ["no such day", "1.00", "2026/2/30"],
    ]
    refused = crm.post(IMPORTS, content=csv_file(bad), headers={"content-type": "text/csv"})
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/rows/2/Balance", "number_format"),
        ("/rows/3/Balance", "number_format"),
        ("/rows/4/Opened", "date_format"),
        ("/rows/5/Opened", "date_invalid"),
    ]
    assert count(crm) == 4
