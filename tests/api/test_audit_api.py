"""Searching, exporting and verifying the audit trail through create_app(): audit administrator
only, every read itself audited, and no way to change the trail over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from brickwork import jsonio
from brickwork.platform.actor import Actor
from brickwork.platform.audit import service as audit_service
from brickwork.platform.audit.service import EVENT_COLUMNS, AuditLog, event_hash
from brickwork.platform.models import AuditChain, AuditEvent

API = "/api/v1/audit"
PROBLEM = "application/problem+json"
SEEDED = ("zhang.san", "wang.wu")
BEIJING = timezone(timedelta(hours=8))


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
def auditor(users: Any) -> TestClient:
    return users.client("audit.li", roles=("audit_admin",))


@pytest.fixture
def seeded(users: Any, session: Session) -> list[AuditEvent]:
    """Six events by two users, next to whatever signing in recorded."""
    log: AuditLog = users.app.state.audit
    zhang = Actor("zhang.san", roles=("teller",), request_id="req-1")
    wang = Actor("wang.wu", roles=("manager",), request_id="req-2")
    events = [
        log.record(session, zhang, "record.create", object_type="form", object_id="kyc/customer"),
        log.record(
            session,
            zhang,
            "record.update",
            object_type="form",
            object_id="kyc/customer",
            details={"changed": ["aum"], "aum": {"before": "1.50", "after": "2.75"}},
        ),
        log.record(session, wang, "record.export", object_type="form", object_id="kyc/loan"),
        log.record(session, wang, "auth.login", object_type="user", result="failure"),
        log.record(session, wang, "record_job.start", object_type="job", object_id="j-1"),
        log.record(session, wang, "recordXjob.start", object_type="job", object_id="j-2"),
    ]
    session.commit()
    return events


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/events", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def audit_events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


# ---------------------------------------------------------------- search


def test_items_carry_every_column_as_stored(auditor: TestClient, seeded: list[AuditEvent]) -> None:
    body = search(auditor, actor="zhang.san", action="record.update")
    assert body["total"] == 1
    assert (body["limit"], body["offset"]) == (100, 0)
    [item] = body["items"]
    assert list(item) == list(EVENT_COLUMNS)
    event = seeded[1]
    assert item == {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": "zhang.san",
        "roles": ["teller"],
        "ip": None,
        "request_id": "req-1",
        "channel": "api",
        "action": "record.update",
        "object_type": "form",
        "object_id": "kyc/customer",
        "result": "success",
        "details": {"changed": ["aum"], "aum": {"before": "1.50", "after": "2.75"}},
        "prev_hash": seeded[0].hash,
        "hash": event.hash,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "zhang.san"}, [1, 0]),
        ({"actor": "wang.wu", "result": "failure"}, [3]),
        ({"action": "record.export"}, [2]),
        ({"object_type": "form", "object_id": "kyc/customer"}, [1, 0]),
        ({"object_type": "job"}, [5, 4]),
        ({"request_id": "req-2", "object_type": "form"}, [2]),
        ({"actor": "nobody"}, []),
    ],
)
def test_each_filter_narrows_the_search(
    auditor: TestClient, seeded: list[AuditEvent], params: dict[str, str], expected: list[int]
) -> None:
    body = search(auditor, **params)
    assert ids(body) == [seeded[index].id for index in expected]
    assert body["total"] == len(expected)


def test_action_prefix_matches_literally_and_case_sensitively(
    auditor: TestClient, seeded: list[AuditEvent]
) -> None:
    def actions(action: str) -> list[str]:
        items = search(auditor, action=action, order="asc")["items"]
        return [item["action"] for item in items if item["actor"] in SEEDED]

    assert actions("record.*") == ["record.create", "record.update", "record.export"]
    assert actions("record_*") == ["record_job.start"]  # "_" is no wildcard
    assert actions("rec%*") == []
    assert actions("Record.*") == []  # SQLite's LIKE ignores case; the search does not
    assert actions("record.create*") == ["record.create"]
    assert actions("record.*e") == []  # "*" only means a prefix at the end
    assert len(actions("*")) == len(seeded)


def test_pages_come_with_the_total_in_either_order(
    auditor: TestClient, seeded: list[AuditEvent]
) -> None:
    newest_first = [event.id for event in reversed(seeded[2:])]
    first = search(auditor, actor="wang.wu", limit=2)
    second = search(auditor, actor="wang.wu", limit=2, offset=2)
    past_the_end = search(auditor, actor="wang.wu", limit=2, offset=4)
    assert ids(first) + ids(second) == newest_first
    assert ids(past_the_end) == []
    assert {first["total"], second["total"], past_the_end["total"]} == {4}
    assert (second["limit"], second["offset"]) == (2, 2)
    assert ids(search(auditor, actor="wang.wu", order="asc")) == newest_first[::-1]
    everything = ids(search(auditor, limit=500))
    assert everything == sorted(everything, reverse=True)


def test_since_and_until_select_a_half_open_range(
    auditor: TestClient, seeded: list[AuditEvent]
) -> None:
    def window(**bounds: datetime) -> list[int]:
        params = {name: value.isoformat() for name, value in bounds.items()}
        return [i for i in ids(search(auditor, order="asc", **params)) if i <= seeded[-1].id]

    second, fourth = seeded[1].occurred_at, seeded[3].occurred_at
    assert window(since=second, until=fourth) == [seeded[1].id, seeded[2].id]
    # The same instants written in Beijing time select the same events.
    assert window(since=second.astimezone(BEIJING), until=fourth.astimezone(BEIJING)) == [
        seeded[1].id,
        seeded[2].id,
    ]
    assert window(since=seeded[-1].occurred_at) == [seeded[-1].id]
    assert seeded[0].id not in window(until=seeded[0].occurred_at)
    assert window(since=fourth, until=second) == []


def test_one_event_by_id(auditor: TestClient, seeded: list[AuditEvent]) -> None:
    response = auditor.get(f"{API}/events/{seeded[2].id}")
    assert response.status_code == 200, response.text
    assert response.json()["hash"] == seeded[2].hash
    problem_of(auditor.get(f"{API}/events/999999"), 404, "audit_event_not_found")


# ---------------------------------------------------------------- export


def test_csv_export_holds_the_rows_of_the_search(
    auditor: TestClient, seeded: list[AuditEvent]
) -> None:
    response = auditor.get(f"{API}/events/export", params={"format": "csv", "action": "record.*"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="audit-events.csv"'
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = search(auditor, action="record.*", order="asc")["items"]
    assert [row["id"] for row in rows] == [str(item["id"]) for item in expected]
    for row, item in zip(rows, expected, strict=True):
        assert list(row) == list(EVENT_COLUMNS)
        assert jsonio.loads(row["details"]) == item["details"]
        assert jsonio.loads(row["roles"]) == item["roles"]
        assert row["occurred_at"] == item["occurred_at"]
        assert row["ip"] == ""  # None
        for column in ("actor", "action", "object_id", "result", "prev_hash", "hash"):
            assert row[column] == item[column]


def test_jsonl_export_is_the_search_one_line_each_and_verifiable(
    auditor: TestClient, seeded: list[AuditEvent]
) -> None:
    params = {"format": "jsonl", "actor": "zhang.san", "order": "desc"}
    response = auditor.get(f"{API}/events/export", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="audit-events.jsonl"'
    lines = [jsonio.loads(line) for line in response.text.splitlines()]
    assert lines == search(auditor, actor="zhang.san")["items"]
    for line in lines:  # the file alone is enough to recompute every hash
        event = AuditEvent(**{**line, "occurred_at": datetime.fromisoformat(line["occurred_at"])})
        assert event_hash(event) == line["hash"]


def test_an_export_too_large_is_refused(
    auditor: TestClient, seeded: list[AuditEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_service, "MAX_EXPORT_ROWS", 3)
    body = problem_of(auditor.get(f"{API}/events/export"), 422, "export_too_large")
    assert "since/until" in body["detail"]
    small = auditor.get(f"{API}/events/export", params={"actor": "zhang.san"})
    assert small.status_code == 200, small.text


# ---------------------------------------------------------------- verify


@pytest.fixture
def without_guards(connection: Connection) -> None:
    """Remove the append-only guards inside the test transaction, as a database admin could."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER trg_audit_events_no_update")
        connection.exec_driver_sql("DROP TRIGGER trg_audit_events_no_delete")
    else:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")


def test_verify_reports_an_intact_chain_and_names_a_break(
    auditor: TestClient, session: Session, seeded: list[AuditEvent], without_guards: None
) -> None:
    intact = auditor.get(f"{API}/verify")
    assert intact.status_code == 200, intact.text
    body = intact.json()
    assert body["intact"] is True
    assert body["breaks"] == []
    assert body["checked"] >= len(seeded)

    session.execute(
        update(AuditEvent).where(AuditEvent.id == seeded[1].id).values(actor="someone.else")
    )
    session.commit()
    session.expire_all()
    broken = auditor.get(f"{API}/verify").json()
    assert broken["intact"] is False
    assert broken["breaks"] == [
        {
            "event_id": seeded[1].id,
            "kind": "modified",
            "message": f"event {seeded[1].id} was modified after it was recorded",
        }
    ]


def test_verify_detects_events_cut_from_the_end_with_the_head_rewritten(
    auditor: TestClient, session: Session, seeded: list[AuditEvent], without_guards: None
) -> None:
    assert auditor.get(f"{API}/verify").json()["intact"] is True
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(4)).all()
    keep = last[-1]
    session.execute(delete(AuditEvent).where(AuditEvent.id > keep.id))
    session.execute(update(AuditChain).values(last_event_id=keep.id, last_hash=keep.hash))
    session.commit()
    broken = auditor.get(f"{API}/verify").json()
    assert broken["intact"] is False
    assert [(item["event_id"], item["kind"]) for item in broken["breaks"]] == [
        (keep.id, "anchor_mismatch")
    ]


# ---------------------------------------------------------------- reading is audited


def test_every_read_of_the_trail_is_audited_after_it_ran(
    auditor: TestClient, session: Session, seeded: list[AuditEvent]
) -> None:
    body = search(auditor, actor="wang.wu", action="record.*", since="2026-01-05T00:00:00Z")
    assert all(item["action"] != "audit.search" for item in body["items"])
    [searched] = audit_events(session, "audit.search")
    assert (searched.actor, searched.object_type, searched.result) == (
        "audit.li",
        "audit",
        "success",
    )
    assert searched.roles == ["audit_admin"]
    assert searched.details == {
        "filters": {"actor": "wang.wu", "action": "record.*", "since": "2026-01-05T00:00:00+00:00"},
        "order": "desc",
        "limit": 100,
        "offset": 0,
        "total": 1,
    }
    assert search(auditor, action="audit.search")["total"] == 1  # the next search sees it

    auditor.get(f"{API}/events/export", params={"format": "jsonl", "actor": "zhang.san"})
    [exported] = audit_events(session, "audit.export")
    assert exported.object_type == "audit"
    assert exported.details == {
        "filters": {"actor": "zhang.san"},
        "format": "jsonl",
        "order": "asc",
        "rows": 2,
    }

    checked = auditor.get(f"{API}/verify").json()["checked"]
    [verified] = audit_events(session, "audit.verify")
    assert verified.object_type == "audit"
    assert verified.details == {"checked": checked, "intact": True, "breaks": 0}
    assert verified.id == checked + 1  # the walk did not include its own event

    auditor.get(f"{API}/events/{seeded[0].id}")
    [read] = audit_events(session, "audit.read")
    assert (read.object_type, read.object_id) == ("audit", str(seeded[0].id))


# ---------------------------------------------------------------- who may read

ROUTES = ("/events", "/events/export", "/verify", "/events/1")


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_requests_must_sign_in(anonymous_client: TestClient, route: str) -> None:
    problem_of(anonymous_client.get(API + route), 401, "not_authenticated")


@pytest.mark.parametrize("route", ROUTES)
def test_other_administrators_are_refused(client: TestClient, users: Any, route: str) -> None:
    security = users.client("sec.wang", roles=("security_admin",))
    for other in (client, security):  # client: the system administrator
        body = problem_of(other.get(API + route), 403, "admin_role_required")
        assert "audit administrator" in body["detail"]


def test_refusal_comes_before_parameter_checks(client: TestClient) -> None:
    response = client.get(f"{API}/events", params={"since": "2026-01-05T09:00:00", "limit": 0})
    problem_of(response, 403, "admin_role_required")


def test_api_tokens_need_the_audit_scope(
    auditor: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    def token(scopes: list[str]) -> dict[str, str]:
        created = auditor.post("/api/v1/auth/tokens", json={"name": "siem", "scopes": scopes})
        assert created.status_code == 201, created.text
        return {"Authorization": f"Bearer {created.json()['token']}"}

    narrow = token(["read"])
    for route in ROUTES[:3]:
        response = anonymous_client.get(API + route, headers=narrow)
        problem_of(response, 403, "token_scope_insufficient")
    audit_scope = token(["audit"])
    for route in ROUTES[:3]:
        response = anonymous_client.get(API + route, headers=audit_scope)
        assert response.status_code == 200, response.text
    assert [event.actor for event in audit_events(session, "audit.verify")] == ["audit.li"]


# ---------------------------------------------------------------- the trail cannot change


def test_the_trail_cannot_be_changed_through_the_api(
    auditor: TestClient, session: Session, seeded: list[AuditEvent]
) -> None:
    target = f"{API}/events/{seeded[0].id}"
    before = auditor.get(target).json()
    for method in ("PUT", "PATCH", "DELETE"):
        response = auditor.request(method, target, json={"actor": "forged"})
        problem_of(response, 405, "method_not_allowed")
    for route in ("/events", "/events/export", "/verify"):
        problem_of(auditor.post(API + route, json={}), 405, "method_not_allowed")
    assert auditor.get(target).json() == before
    assert auditor.get(f"{API}/verify").json()["intact"] is True


def test_no_route_under_audit_writes(auditor: TestClient) -> None:
    document = auditor.get("/api/v1/openapi.json").json()
    audit_paths = {path: ops for path, ops in document["paths"].items() if "/audit" in path}
    assert set(audit_paths) == {
        "/api/v1/audit/events",
        "/api/v1/audit/events/export",
        "/api/v1/audit/events/{event_id}",
        "/api/v1/audit/verify",
    }
    assert {method for ops in audit_paths.values() for method in ops} == {"get"}


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("name", ["since", "until"])
def test_naive_instants_are_refused_naming_the_parameter(auditor: TestClient, name: str) -> None:
    for route in ("/events", "/events/export"):
        response = auditor.get(API + route, params={name: "2026-01-05T09:00:00"})
        body = problem_of(response, 422, "validation_failed")
        assert name in body["detail"]
        assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
            (f"/query/{name}", "timezone_required")
        ]


@pytest.mark.parametrize(
    ("params", "pointer", "code"),
    [
        ({"limit": 0}, "/query/limit", "too_small"),
        ({"limit": 501}, "/query/limit", "too_large"),
        ({"limit": "ten"}, "/query/limit", "wrong_type"),
        ({"offset": -1}, "/query/offset", "too_small"),
        ({"order": "sideways"}, "/query/order", "invalid_choice"),
        ({"actor": "x" * 129}, "/query/actor", "too_long"),
        ({"actor": "a\x01b"}, "/query/actor", "pattern_mismatch"),
        ({"since": "yesterday"}, "/query/since", "invalid_value"),
        ({"since": "0001-01-01T00:00:00+08:00"}, "/query/since", "invalid_value"),
    ],
)
def test_bad_search_parameters_are_problems(
    auditor: TestClient, params: dict[str, Any], pointer: str, code: str
) -> None:
    body = problem_of(auditor.get(f"{API}/events", params=params), 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [(pointer, code)]


def test_nul_in_a_search_parameter_is_refused_up_front(auditor: TestClient) -> None:
    problem_of(auditor.get(f"{API}/events", params={"actor": "a\x00b"}), 400, "nul_character")


def test_bad_export_format_and_event_id_are_problems(auditor: TestClient) -> None:
    response = auditor.get(f"{API}/events/export", params={"format": "xml"})
    body = problem_of(response, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/query/format"
    assert body["errors"][0]["message"].startswith("Input should be")
    chinese = auditor.get(
        f"{API}/events/export", params={"format": "xml"}, headers={"accept-language": "zh-CN"}
    )
    said = problem_of(chinese, 422, "validation_failed")
    assert said["detail"] == "请求的参数无效"
    assert said["errors"][0]["pointer"] == "/query/format"
    assert said["errors"][0]["message"].startswith("应为 ")
    problem_of(auditor.get(f"{API}/events/0"), 422, "validation_failed")
    problem_of(auditor.get(f"{API}/events/{2**63}"), 422, "validation_failed")
