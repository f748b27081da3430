"""The business date is the date in Asia/Shanghai, where the bank works, not in UTC: between
00:00 and 08:00 in Shanghai the two differ. Serial numbers, `today()` (defaults, filters,
rules), and working-day SLAs count in the business's days."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from conftest import FakeClock, Users

API = "/api/v1"
APP = f"{API}/apps/ops"
RECORDS = f"{APP}/forms/case/records"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS: list[dict[str, Any]] = [
    {
        "id": "f_no",
        "key": "no",
        "type": "serial_number",
        "label": "No.",
        "pattern": "C{YYYY}{MM}{DD}-{seq:3}",
    },
    {"id": "f_title", "key": "title", "type": "text", "label": "Title"},
    {
        "id": "f_opened",
        "key": "opened",
        "type": "date",
        "label": "Opened",
        "default_expression": "today()",
    },
]
FLOW: dict[str, Any] = {
    "form": "case",
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "review",
            "type": "approval",
            "assignees": [{"type": "user", "user": "boss"}],
            "sla": {"working_days": 1, "on_breach": "remind"},
        },
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "review"},
        {"id": "e2", "from": "review", "to": "end"},
    ],
}
SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_0730_IN_SHANGHAI = datetime(2026, 1, 8, 23, 30, tzinfo=UTC)
"""Friday 9 January 2026, 07:30 in Shanghai: still Thursday in UTC."""


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> None:
    body = {"kind": kind, "key": key, "label": key}
    assert client.post(f"{APP}/definitions", json=body).status_code == 201
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    published = client.post(f"{APP}/definitions/{kind}/{key}/publish")
    assert published.status_code == 201, published.text


@pytest.fixture
def early(clock: FakeClock) -> None:
    clock.now = FRIDAY_0730_IN_SHANGHAI


@pytest.fixture
def ops(early: None, client: TestClient, users: Users) -> TestClient:
    users.user("boss")
    assert client.post(f"{API}/apps", json={"key": "ops", "label": "Ops"}).status_code == 201
    define(client, "form", "case", {"fields": FIELDS})
    define(client, "flow", "review", FLOW)
    return client


def test_serial_numbers_and_defaults_take_the_date_in_shanghai(ops: TestClient) -> None:
    made = ops.post(RECORDS, json={"title": "early"})
    assert made.status_code == 201, made.text
    assert made.json()["no"] == "C20260109-001"
    assert made.json()["opened"] == "2026-01-09"


def test_a_working_day_sla_counts_working_days_in_shanghai(ops: TestClient) -> None:
    made = ops.post(RECORDS, json={"title": "early"})
    started = ops.post(f"{RECORDS}/{made.json()['id']}/flows", json={"flow": "review"})
    assert started.status_code == 201, started.text
    # Friday 07:30 + one working day = Monday 07:30 in Shanghai (not Saturday, as counting
    # from Thursday in UTC would give)
    due = datetime.fromisoformat(started.json()["tasks"][0]["due"]).astimezone(SHANGHAI)
    assert (due.date(), due.hour, due.minute) == (date(2026, 1, 12), 7, 30)


def test_a_rule_comes_into_force_at_midnight_in_shanghai(ops: TestClient) -> None:
    rule = {
        "trigger": {"on": "record", "form": "case"},
        "phase": "before_save",
        "actions": [{"type": "set_fields", "values": {"title": '"new policy"'}}],
        "effective_from": "2026-01-09",
    }
    define(ops, "rule", "policy", rule)
    made = ops.post(RECORDS, json={"title": "early"})
    assert made.status_code == 201, made.text
    assert made.json()["title"] == "new policy"


def test_a_reports_today_is_the_date_in_its_time_zone(ops: TestClient) -> None:
    for zone, day in (("Asia/Shanghai", "2026-01-09"), ("UTC", "2026-01-08")):
        key = f"today_{zone.replace('/', '_').lower()}"
        spec = {
            "dataset": {"form": "case"},
            "dimensions": [{"key": "title", "field": "title"}],
            "measures": [{"key": "cases", "function": "count"}],
            "parameters": [{"key": "period", "type": "date_range", "default": "today"}],
            "filters": ["opened >= $params.period.start and opened <= $params.period.end"],
            "timezone": zone,
        }
        define(ops, "report", key, spec)
        ran = ops.post(f"{APP}/reports/{key}/run", json={})
        assert ran.status_code == 200, ran.text
        assert ran.json()["parameters"]["period"] == {"start": day, "end": day}


NEW_YEAR_0030_IN_SHANGHAI = "2025-12-31T16:30:00Z"
"""00:30 on 1 January 2026 in Shanghai: still 31 December 2025 in UTC."""


WITH_AT = [
    *FIELDS,
    {"id": "f_at", "key": "at", "type": "datetime", "label": "At"},
    {"id": "f_hour", "key": "hour", "type": "computed", "label": "Hour",
     "expression": "at.hour", "result_type": "integer"},
    {"id": "f_on", "key": "on", "type": "computed", "label": "On",
     "expression": "date(at)", "result_type": "date"},
    {"id": "f_note", "key": "note", "type": "text", "label": "Note"},
]  # fmt: skip


def with_at(client: TestClient) -> None:
    spec = {"label": "case", "spec": {"fields": WITH_AT}}
    assert client.put(f"{APP}/definitions/form/case", json=spec).status_code == 200
    assert client.post(f"{APP}/definitions/form/case/publish").status_code == 201


def test_expressions_read_stored_date_times_in_shanghai_in_memory_and_in_sql(
    ops: TestClient,
) -> None:
    with_at(ops)
    rule = {
        "trigger": {"on": "record", "form": "case"},
        "phase": "before_save",
        "condition": "year(at) = 2026 and month(at) = 1 and day(at) = 1",
        "actions": [{"type": "set_fields", "values": {"note": '"new year"'}}],
    }
    define(ops, "rule", "new_year", rule)
    made = ops.post(RECORDS, json={"title": "midnight", "at": NEW_YEAR_0030_IN_SHANGHAI})
    assert made.status_code == 201, made.text
    record = made.json()
    assert datetime.fromisoformat(record["at"]) == datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    assert (record["hour"], record["on"], record["note"]) == (0, "2026-01-01", "new year")
    for condition, found in (
        ("year(at) = 2026 and month(at) = 1 and day(at) = 1", ["midnight"]),
        ("day(at) = 31", []),
        ('date(at) = @"2026-01-01"', ["midnight"]),
        ('date(at) < @"2026-01-01"', []),
    ):
        listed = ops.get(RECORDS, params={"filter": condition})
        assert listed.status_code == 200, listed.text
        assert [item["title"] for item in listed.json()["items"]] == found, condition
    report = {
        "dataset": {"form": "case"},
        "dimensions": [{"key": "title", "field": "title"}],
        "measures": [{"key": "cases", "function": "count"}],
        "parameters": [{"key": "period", "type": "date_range"}],
        "filters": ["date(at) >= $params.period.start and date(at) <= $params.period.end"],
    }
    define(ops, "report", "by_day", report)
    for start, end, found in (("2026-01-01", "2026-01-01", ["midnight"]),
                              ("2025-12-01", "2025-12-31", [])):  # fmt: skip
        period = {"period": {"start": start, "end": end}}
        ran = ops.post(f"{APP}/reports/by_day/run", json={"parameters": period})
        assert ran.status_code == 200, ran.text
        assert [row[0] for row in ran.json()["rows"]] == found, period


def test_imports_read_date_times_without_an_offset_as_shanghai_time(ops: TestClient) -> None:
    with_at(ops)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["title", "at"])
    sheet.append(["cell", datetime(2026, 1, 9, 7, 30)])  # noqa: DTZ001 - cells keep no offset
    sheet.append(["text", "2026-01-09 07:30"])
    sheet.append(["utc", "2026-01-08T23:30:00Z"])
    sheet.append(["slashes", "2026/1/9 7:30"])  # as a Chinese Excel writes it in CSV
    sheet.append(["bad", "2026-01-09 25:30"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    imports = f"{APP}/forms/case/imports"
    refused = ops.post(imports, content=buffer.getvalue(), headers={"content-type": XLSX})
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/rows/6/at", "datetime_invalid")
    ]
    sheet.delete_rows(6)
    buffer = io.BytesIO()
    workbook.save(buffer)
    done = ops.post(imports, content=buffer.getvalue(), headers={"content-type": XLSX})
    assert done.status_code == 200, done.text
    items = ops.get(RECORDS, params={"sort": "title"}).json()["items"]
    assert [(i["title"], datetime.fromisoformat(i["at"]), i["hour"]) for i in items] == [
        (title, datetime(2026, 1, 8, 23, 30, tzinfo=UTC), 7)
        for title in ("cell", "slashes", "text", "utc")
    ]


def test_a_window_over_a_date_field_counts_the_business_days_on_both_databases(
    ops: TestClient,
) -> None:
    fields = [
        {"id": "f_title", "key": "title", "type": "text", "label": "Title"},
        {"id": "f_expiry", "key": "expiry", "type": "date", "label": "Expiry"},
        {"id": "f_soon", "key": "soon", "type": "integer", "label": "Soon"},
    ]
    define(ops, "form", "document", {"fields": fields})
    documents = f"{APP}/forms/document/records"
    for day in ("2026-01-08", "2026-02-08", "2026-02-08", "2026-02-09"):
        assert ops.post(documents, json={"title": day, "expiry": day}).status_code == 201
    rule = {
        "trigger": {"on": "record", "form": "document"},
        "phase": "before_save",
        "aggregates": [
            {
                "name": "expiring",
                "form": "document",
                "function": "count",
                "window": {"field": "expiry", "before": "P0D", "after": "P30D"},
            }
        ],
        "actions": [{"type": "set_fields", "values": {"soon": "expiring"}}],
    }
    define(ops, "rule", "expiring", rule)
    # Friday 9 January in Shanghai: documents expiring from 9 January to 8 February
    made = ops.post(documents, json={"title": "check"})
    assert made.status_code == 201, made.text
    assert made.json()["soon"] == 2
