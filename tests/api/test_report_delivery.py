"""Report exports as background jobs (with progress, stored as the requester's file) and
reports delivered on a schedule to the subscriber's notices, on SQLite and PostgreSQL; both
run as the requester, with what they may see when the job runs."""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker
from test_reports_api import API, APP, CLERK, MANAGER, RECORDS, define, report, wealth

from brickwork.platform.assembly import job_runners
from brickwork.platform.jobs.service import Scheduler, Worker
from brickwork.platform.models import AuditEvent, Job, User
from conftest import FakeClock, Users

__all__ = ["wealth"]  # the fixture, shared with the report tests
DETAIL = {
    "kind": "detail",
    "dataset": {"form": "customer"},
    "columns": [
        {"key": "name", "field": "name"},
        {"key": "aum", "field": "aum"},
        {"key": "mobile", "field": "mobile"},
    ],
}
BY_TIER = {
    "dataset": {"form": "customer"},
    "dimensions": [{"key": "tier", "field": "tier"}],
    "measures": [
        {"key": "n", "function": "count"},
        {"key": "aum", "function": "sum", "field": "aum"},
    ],
    "sort": [{"key": "tier"}],
}
READER = [{**grant, "actions": ["read"]} for grant in MANAGER]


@pytest.fixture
def runners(users: Users, connection: Connection, clock: FakeClock) -> tuple[Worker, Scheduler]:
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return job_runners(users.app.state.services, factory, name="test", clock=clock)


def rows_of(client: TestClient, url: str) -> list[list[str]]:
    download = client.get(url)
    assert download.status_code == 200, download.text
    return list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))


def test_a_large_detail_export_runs_as_a_job_with_progress_and_lands_in_the_notices(
    wealth: TestClient, users: Users, runners: tuple[Worker, Scheduler], session: Session
) -> None:
    boss = users.client("boss", grants=MANAGER, departments=("hq",))
    for index in range(130):  # more than one page of the first run
        made = wealth.post(RECORDS, json={"name": f"P{index:03}", "tier": "C", "aum": "1.25"})
        assert made.status_code == 201, made.text
    report(wealth, "everyone", DETAIL)
    asked = boss.post(f"{APP}/reports/everyone/export-jobs", json={"format": "csv"})
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job["status"] == "queued"
    assert asked.headers["location"] == f"{API}/me/report-exports/{job['id']}"
    worker, _scheduler = runners
    assert worker.run_until_idle() == 1
    done = boss.get(f"{API}/me/report-exports/{job['id']}").json()
    assert done["status"] == "done", done
    assert done["rows"] == 136
    assert done["progress"] == {"stage": "writing", "rows": 136, "total": 136}
    rows = rows_of(boss, done["file"]["url"])
    assert rows[0] == ["Name", "AUM", "Mobile"]
    assert len(rows) == 1 + 136, "every page, not only the first"
    assert {row[0] for row in rows[1:]} >= {"P000", "P129", "Li", "Qian"}
    assert next(row for row in rows if row[0] == "P000")[1] == "1.25", "the exact amount"
    (notice,) = boss.get(f"{API}/me/notifications").json()["items"]
    assert notice["link"] == done["file"]["url"]
    assert notice["title"] == "Report ready: everyone"
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export"))
    (event,) = [e for e in events if e.actor == "boss"]
    assert event.details["job"] == job["id"]
    assert event.details["rows"] == 136
    # the job and the file are the requester's alone
    other = users.client("other", grants=MANAGER, departments=("hq",))
    assert other.get(f"{API}/me/report-exports/{job['id']}").status_code == 404
    assert other.get(done["file"]["url"]).status_code == 403


def test_an_export_job_is_refused_at_once_when_running_it_would_be(
    wealth: TestClient, users: Users
) -> None:
    report(wealth, "by_tier", BY_TIER)
    reader = users.client("reader", grants=READER, departments=("hq",))
    assert reader.post(f"{APP}/reports/by_tier/run", json={}).status_code == 200
    for path in ("export", "export-jobs"):
        refused = reader.post(f"{APP}/reports/by_tier/{path}", json={"format": "csv"})
        assert refused.status_code == 403, f"{path}: {refused.text}"
    missing = wealth.post(f"{APP}/reports/nothing/export-jobs", json={"format": "csv"})
    assert missing.status_code == 404, missing.text
    report(
        wealth,
        "by_mobile",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "mobile", "field": "mobile"}],
            "measures": [{"key": "n", "function": "count"}],
        },
    )
    clerk = users.client("clerk", grants=CLERK, departments=("north",))
    masked = clerk.post(f"{APP}/reports/by_mobile/export-jobs", json={"format": "csv"})
    assert masked.status_code == 403, masked.text
    assert masked.json()["code"] == "field_not_readable"
    assert masked.json()["errors"][0]["pointer"] == "/dimensions/0/field"


def test_an_export_runs_with_what_the_requester_may_see_when_it_runs(
    wealth: TestClient, users: Users, runners: tuple[Worker, Scheduler], session: Session
) -> None:
    report(wealth, "by_tier", BY_TIER)
    clerk = users.client("clerk", grants=CLERK, departments=("north",))
    made = clerk.post(RECORDS, json={"name": "N1", "tier": "A", "aum": "10.00"})
    assert made.status_code == 201, made.text
    first = clerk.post(f"{APP}/reports/by_tier/export-jobs", json={"format": "csv"}).json()
    second = clerk.post(f"{APP}/reports/by_tier/export-jobs", json={"format": "csv"}).json()
    worker, _scheduler = runners
    assert worker.run_pending(limit=1) == 1
    done = clerk.get(f"{API}/me/report-exports/{first['id']}").json()
    assert rows_of(clerk, done["file"]["url"]) == [["Tier", "Count", "AUM"], ["A", "1", "10.00"]]
    # the clerk is disabled before the second job runs: nothing is made for them
    user = session.scalars(select(User).where(User.username == "clerk")).one()
    user.status = "disabled"
    session.commit()
    assert worker.run_until_idle() == 1
    job = session.get(Job, second["id"])
    assert job is not None
    assert job.result["error"]["code"] == "report_requester_inactive"
    assert "file" not in job.result


def test_an_export_takes_the_field_levels_of_the_grants_that_allow_exporting(
    wealth: TestClient, users: Users, runners: tuple[Worker, Scheduler]
) -> None:
    shown = {"app": "wealth", "form": "customer", "actions": ["read"], "rows": "all"}
    grants = [
        {**shown, "fields": {"mobile": "read"}},
        {**shown, "actions": ["read", "export"], "fields": {"mobile": "masked"}},
    ]
    made = wealth.post(RECORDS, json={"name": "M1", "tier": "A", "mobile": "13800138001"})
    assert made.status_code == 201, made.text
    report(wealth, "everyone", DETAIL)
    officer = users.client("officer", grants=grants)
    on_screen = officer.post(f"{APP}/reports/everyone/run", json={}).json()
    assert ["M1", None, "13800138001"] in on_screen["rows"], "read in clear on screen"
    exported = officer.post(f"{APP}/reports/everyone/export", json={"format": "csv"})
    assert exported.status_code == 200, exported.text
    (row,) = [r for r in csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))) if r[0] == "M1"]
    assert row[2] == "138****8001", "masked in the file"
    job = officer.post(f"{APP}/reports/everyone/export-jobs", json={"format": "csv"}).json()
    worker, _scheduler = runners
    assert worker.run_until_idle() == 1
    done = officer.get(f"{API}/me/report-exports/{job['id']}").json()
    (row,) = [r for r in rows_of(officer, done["file"]["url"]) if r[0] == "M1"]
    assert row[2] == "138****8001", "masked in the job's file"


def test_a_subscription_delivers_the_report_on_its_schedule(
    wealth: TestClient,
    users: Users,
    runners: tuple[Worker, Scheduler],
    clock: FakeClock,
) -> None:
    report(wealth, "by_tier", BY_TIER)
    boss = users.client("boss", grants=MANAGER, departments=("hq",))
    url = f"{APP}/reports/by_tier/subscriptions"
    bad = boss.post(url, json={"every": "week", "at": "25:00", "timezone": "Mars/Base"})
    assert bad.status_code == 422, bad.text
    assert {e["pointer"] for e in bad.json()["errors"]} == {"/at", "/weekday", "/timezone"}
    made = boss.post(url, json={"every": "week", "weekday": "monday", "at": "08:00"})
    assert made.status_code == 201, made.text
    subscription = made.json()
    # 2026-01-05 is a Monday; the clock is past 08:00 Shanghai, so the next one is a week on
    assert subscription["next_at"] == "2026-01-12T00:00:00+00:00"
    listed = boss.get(f"{API}/me/report-subscriptions").json()["items"]
    assert [item["id"] for item in listed] == [subscription["id"]]
    other = users.client("other", grants=MANAGER, departments=("hq",))
    assert other.get(f"{API}/me/report-subscriptions").json()["items"] == []
    gone = other.delete(f"{API}/me/report-subscriptions/{subscription['id']}")
    assert gone.status_code == 404
    worker, scheduler = runners
    assert scheduler.tick() == 0, "not due yet"
    clock.now = datetime(2026, 1, 12, 0, 0, 30, tzinfo=UTC)
    assert scheduler.tick() == 1
    assert worker.run_until_idle() == 1
    boss = users.sign_in("boss")  # a week later: signed in again
    (notice,) = boss.get(f"{API}/me/notifications").json()["items"]
    assert notice["title"] == "Report ready: by_tier"
    delivered = boss.get(notice["link"])
    assert delivered.status_code == 200, delivered.text
    assert delivered.content.startswith(b"PK"), "an XLSX workbook"
    clock.now += timedelta(days=7)
    assert scheduler.tick() == 1
    assert worker.run_until_idle() == 1
    boss = users.sign_in("boss")
    assert len(boss.get(f"{API}/me/notifications").json()["items"]) == 2
    cancelled = boss.delete(f"{API}/me/report-subscriptions/{subscription['id']}")
    assert cancelled.status_code == 204, cancelled.text
    clock.now += timedelta(days=7)
    assert scheduler.tick() == 0
    boss = users.sign_in("boss")
    assert boss.get(f"{API}/me/report-subscriptions").json()["items"] == []


def test_a_subscriber_who_lost_access_is_told_and_gets_no_file(
    wealth: TestClient,
    users: Users,
    runners: tuple[Worker, Scheduler],
    clock: FakeClock,
) -> None:
    report(wealth, "by_tier", BY_TIER)
    boss = users.client("boss", grants=MANAGER, departments=("hq",))
    daily = {"every": "day", "at": "07:30", "format": "csv"}
    made = boss.post(f"{APP}/reports/by_tier/subscriptions", json=daily)
    assert made.status_code == 201, made.text
    users.role("role_boss", READER)  # export taken away
    clock.now = datetime(2026, 1, 6, 0, 0, tzinfo=UTC)
    worker, scheduler = runners
    assert scheduler.tick() == 1
    assert worker.run_until_idle() == 1
    boss = users.sign_in("boss")  # a day later: signed in again
    listed = boss.get(f"{API}/me/notifications")
    assert listed.status_code == 200, listed.text
    (notice,) = listed.json()["items"]
    assert notice["link"] is None
    assert notice["body"].startswith("permission_denied: you may not export form 'customer'")
    assert "could not be made" in notice["title"]


def pdf_text(content: bytes) -> str:
    """The text shown on the pages of a PDF written by the exports (CID font, UTF-16)."""
    shown = []
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        raw = stream.group(1).strip()
        if raw.endswith(b"~>"):
            raw = base64.a85decode(raw[:-2])
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            continue
        for literal in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", raw, re.S):
            unescaped = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1).isdigit() else m.group(1),
                literal.group(1),
            )
            shown.append(unescaped.decode("utf-16-be", errors="replace"))
    return "\n".join(shown)


def test_a_dashboard_exports_as_one_pdf_with_what_the_viewer_may_export(
    wealth: TestClient, users: Users, session: Session
) -> None:
    report(wealth, "by_tier", {**BY_TIER, "chart": {"type": "bar", "x": "tier", "y": ["aum"]}})
    report(
        wealth,
        "branches",
        {
            "dataset": {"form": "branch"},
            "dimensions": [{"key": "name", "field": "name"}],
            "measures": [{"key": "n", "function": "count"}],
        },
    )
    items = [
        {"id": "tiers", "report": "by_tier", "x": 0, "y": 0, "w": 6, "h": 4},
        {"id": "branches", "report": "branches", "x": 6, "y": 0, "w": 6, "h": 4},
    ]
    published = define(wealth, "dashboard", "overview", {"title": "Overview", "items": items})
    assert published.status_code == 201, published.text
    whole = wealth.post(f"{APP}/dashboards/overview/export", json={"format": "pdf"})
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"] == "application/pdf"
    text = pdf_text(whole.content)
    for shown in ("Overview", "by_tier", "branches", "Tier", "CN¥3,500,000.50", "North", "South"):
        assert shown in text, shown
    clerk = users.client("clerk", grants=CLERK, departments=("north",))
    made = clerk.post(RECORDS, json={"name": "N1", "tier": "A", "aum": "10.00"})
    assert made.status_code == 201, made.text
    partial = clerk.post(f"{APP}/dashboards/overview/export", json={})
    assert partial.status_code == 200, partial.text
    text = pdf_text(partial.content)
    assert "CN¥10.00" in text
    assert "CN¥3,500,000.50" not in text, "only the clerk's rows"
    assert "permission_denied" in text, "branches may be read, not exported, by the clerk"
    assert "North" not in text
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "dashboard.export"))
    by_actor = {event.actor: event.details["items"] for event in events}
    assert by_actor["clerk"] == {"tiers": 1, "branches": "permission_denied"}
    assert by_actor["admin"] == {"tiers": 3, "branches": 2}


def test_a_run_shows_each_value_as_the_viewers_locale_writes_it(wealth: TestClient) -> None:
    spec = {
        **BY_TIER,
        "dimensions": [
            {"key": "tier", "field": "tier"},
            {"key": "month", "field": "opened", "grain": "month"},
        ],
        "sort": [{"key": "tier"}, {"key": "month"}],
        "limit": 2,
    }
    report(wealth, "monthly", spec)
    for language, first in (
        ("zh-CN", ["A", "2026年1月", "2", "¥3,500,000.50"]),
        ("en", ["A", "Jan 2026", "2", "CN¥3,500,000.50"]),
    ):
        ran = wealth.post(
            f"{APP}/reports/monthly/run", json={}, headers={"Accept-Language": language}
        )
        assert ran.status_code == 200, ran.text
        result = ran.json()
        assert result["rows"][0] == ["A", "2026-01-01", "2", "3500000.50"], "exact values"
        assert result["display"][0] == first


def test_the_delivery_endpoints_are_in_the_openapi_document(client: TestClient) -> None:
    paths: dict[str, Any] = client.get(f"{API}/openapi.json").json()["paths"]
    for path in (
        f"{API}/apps/{{app}}/reports/{{key}}/export-jobs",
        f"{API}/apps/{{app}}/reports/{{key}}/subscriptions",
        f"{API}/me/report-exports/{{job_id}}",
        f"{API}/me/report-subscriptions",
        f"{API}/me/report-subscriptions/{{subscription}}",
        f"{API}/apps/{{app}}/dashboards/{{key}}/export",
    ):
        assert path in paths
