"""The audit trail: written with every change, append-only, and tampering is found by verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from brickwork.platform.actor import Actor
from brickwork.platform.audit.anchor import AnchorKeys
from brickwork.platform.audit.service import GENESIS_HASH, AuditLog, event_hash
from brickwork.platform.models import AuditChain, AuditEvent

API = "/api/v1"


def record_some(session: Session, count: int) -> AuditLog:
    log = AuditLog()
    for index in range(count):
        log.record(
            session,
            Actor("ops", roles=("clerk",), ip="10.0.0.1"),
            "record.update",
            object_type="record",
            object_id=str(index),
            details={"n": index},
        )
    return log


def events(session: Session, after: int = 0) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
    return list(session.scalars(query))


def last_id(session: Session) -> int:
    trail = events(session)
    return trail[-1].id if trail else 0


@pytest.fixture
def without_guards(connection: Connection) -> None:
    """Remove the append-only guards inside the test transaction, as a database admin could."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER trg_audit_events_no_update")
        connection.exec_driver_sql("DROP TRIGGER trg_audit_events_no_delete")
    else:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")


def test_api_changes_are_audited_with_who_and_where(users: Any, session: Session) -> None:
    client = users.client("li.wei", roles=("system_admin",))
    start = last_id(session)
    headers = {"X-Request-ID": "req-42"}
    client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}, headers=headers)
    client.post(
        f"{API}/apps/kyc/definitions",
        headers=headers,
        json={"kind": "form", "key": "c", "label": "C"},
    )
    client.put(
        f"{API}/apps/kyc/definitions/form/c",
        headers=headers,
        json={
            "label": "C",
            "spec": {"fields": [{"id": "f1", "key": "one", "type": "text", "label": "one"}]},
        },
    )
    response = client.post(f"{API}/apps/kyc/definitions/form/c/publish", headers=headers)
    assert response.headers["x-request-id"] == "req-42"
    client.get(f"{API}/apps/kyc/export", headers=headers)

    trail = events(session, after=start)
    assert [e.action for e in trail] == [
        "app.create",
        "definition.create",
        "definition.edit",
        "definition.publish",
        "app.export",
    ]
    assert {(e.actor, e.request_id, e.channel) for e in trail} == {("li.wei", "req-42", "api")}
    assert trail[2].details["changes"] == [
        {
            "path": "spec.fields",
            "change": "added",
            "after": [{"id": "f1", "key": "one", "type": "text", "label": "one"}],
        }
    ]
    assert trail[3].object_id == "kyc/form/c"
    assert trail[3].details["version"] == 1
    assert AuditLog().verify(session).intact


def test_failed_requests_leave_no_half_audit(client: TestClient, session: Session) -> None:
    start = last_id(session)
    client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"})
    client.post(
        f"{API}/apps/kyc/definitions",
        json={"kind": "form", "key": "c", "label": "C", "spec": {"f": [{"id": "a"}, {"id": "a"}]}},
    )
    assert client.post(f"{API}/apps/kyc/definitions/form/c/publish").status_code == 422
    assert [e.action for e in events(session, start)] == ["app.create", "definition.create"]


def test_chain_links_each_event_to_the_previous(session: Session) -> None:
    record_some(session, 3)
    first, second, third = events(session)
    assert first.prev_hash == GENESIS_HASH
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert all(event_hash(e) == e.hash for e in (first, second, third))
    assert session.get(AuditChain, 1).last_hash == third.hash  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'nobody' WHERE id = 1",
        "DELETE FROM audit_events WHERE id = 1",
    ],
)
def test_database_refuses_changes_to_events(session: Session, statement: str) -> None:
    record_some(session, 2)
    session.flush()
    nested = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    nested.rollback()


TAMPERING = {
    "modified": (
        ["UPDATE audit_events SET details = '{\"n\":99}' WHERE id = 3"],
        {(3, "modified")},
    ),
    "deleted": (["DELETE FROM audit_events WHERE id = 3"], {(4, "missing")}),
    "reordered": (
        [
            "UPDATE audit_events SET id = 100 WHERE id = 3",
            "UPDATE audit_events SET id = 3 WHERE id = 4",
            "UPDATE audit_events SET id = 4 WHERE id = 100",
        ],
        {(3, "reordered"), (3, "modified"), (4, "reordered"), (4, "modified"), (5, "reordered")},
    ),
    "truncated": (["DELETE FROM audit_events WHERE id = 5"], {(5, "head_mismatch")}),
    "appended behind the chain": (
        [
            "INSERT INTO audit_events (id, occurred_at, actor, roles, ip, request_id, channel,"
            " action, object_type, object_id, result, details, prev_hash, hash)"
            " SELECT 6, occurred_at, actor, roles, ip, request_id, channel, action, object_type,"
            " object_id, result, details, hash, hash FROM audit_events WHERE id = 5"
        ],
        {(6, "unchained")},
    ),
}


def test_events_appended_while_verifying_are_not_tampering(session: Session) -> None:
    """On a live system others append while verify walks: it follows the moving head."""
    log = record_some(session, 5)
    appended: list[int] = []

    def append_once(done: int, total: int) -> None:
        if not appended:
            appended.append(done)
            log.record(session, Actor("ops"), "record.update", object_type="record")

    result = log.verify(session, progress=append_once, every=1)
    assert result.intact, result.breaks
    assert result.checked == 6


@pytest.mark.usefixtures("without_guards")
@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_verify_names_the_tampered_event(session: Session, case: str) -> None:
    log = record_some(session, 5)
    assert log.verify(session).intact
    statements, expected = TAMPERING[case]
    for statement in statements:
        session.connection().exec_driver_sql(statement)
    session.expire_all()
    result = log.verify(session)
    assert not result.intact
    assert {(b.event_id, b.kind) for b in result.breaks} == expected


def test_verify_of_100000_events_reports_progress(session: Session) -> None:
    rows: list[dict[str, Any]] = []
    previous = GENESIS_HASH
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(1, 100_001):
        event = AuditEvent(
            id=number,
            occurred_at=start + timedelta(seconds=number),
            actor="batch",
            roles=[],
            ip=None,
            request_id=None,
            channel="job",
            action="record.create",
            object_type="record",
            object_id=str(number),
            result="success",
            details={},
            prev_hash=previous,
        )
        event.hash = event_hash(event)
        previous = event.hash
        rows.append({c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns})
    session.execute(insert(AuditEvent), rows)
    keys = AnchorKeys(lambda: ("k1", {"k1": bytes(range(32))}))
    key_id, anchor = keys.sign(100_000, previous)
    session.add(
        AuditChain(
            id=1, last_event_id=100_000, last_hash=previous, anchor_key=key_id, anchor=anchor
        )
    )
    session.flush()

    seen: list[tuple[int, int]] = []
    log = AuditLog(anchor=keys)
    result = log.verify(session, progress=lambda done, total: seen.append((done, total)))
    assert result.intact
    assert result.checked == 100_000
    assert seen[0] == (10_000, 100_000)
    assert seen[-1] == (100_000, 100_000)
    assert len(seen) == 11
