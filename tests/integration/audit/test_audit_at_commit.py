"""The server's sessions (``audit_at_commit``) chain their audit events when they commit: the
chain head's row lock is held for the commit alone, a rolled-back transaction or savepoint drops
the events recorded in it, and reading the trail in the same transaction chains them first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.actor import Actor
from brickwork.platform.audit.repository import AuditFilter
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.db.session import make_engine, make_session_factory
from brickwork.platform.models import AuditEvent

ACTOR = Actor("ops", roles=("clerk",))
NO_SERVER = "no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, fresh_database_urls: dict[str, str]) -> Iterator[Engine]:
    if request.param not in fresh_database_urls:
        pytest.skip(NO_SERVER)
    engine = make_engine(fresh_database_urls[request.param])
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine, audit_at_commit=True)


def record(log: AuditLog, session: Session, label: str) -> AuditEvent | None:
    return log.record(session, ACTOR, "record.update", object_type="record", object_id=label)


def stored(engine: Engine) -> list[str | None]:
    """The committed record events, in chain order (read beside any open writer)."""
    query = (
        select(AuditEvent.object_id)
        .where(AuditEvent.action == "record.update")
        .order_by(AuditEvent.id)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def intact(engine: Engine) -> bool:
    with make_session_factory(engine)() as session:
        return AuditLog().verify(session).intact


def ticking() -> Callable[[], datetime]:
    moments = iter(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=n) for n in range(99))
    return lambda: next(moments)


def test_events_wait_for_the_commit_and_keep_their_order_and_times(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    log = AuditLog(clock=ticking())
    with factory() as session:
        assert record(log, session, "a") is None  # nothing chained yet: no id to give
        record(log, session, "b")
        session.flush()
        assert stored(engine) == []
        session.commit()
    assert stored(engine) == ["a", "b"]
    with engine.connect() as connection:
        times = connection.execute(select(AuditEvent.occurred_at).order_by(AuditEvent.id)).scalars()
        recorded = [m.astimezone(UTC) if m.tzinfo else m.replace(tzinfo=UTC) for m in times]
    first = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert recorded == [first, first + timedelta(minutes=1)]  # when recorded, not committed
    assert intact(engine)


def test_a_rolled_back_savepoint_drops_only_the_events_recorded_in_it(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    log = AuditLog()
    with factory() as session:
        record(log, session, "kept")
        savepoint = session.begin_nested()
        record(log, session, "undone")
        inner = session.begin_nested()
        record(log, session, "undone with its savepoint")
        inner.commit()
        savepoint.rollback()
        with session.begin_nested():
            record(log, session, "released")
        record(log, session, "after")
        session.commit()
    assert stored(engine) == ["kept", "released", "after"]
    assert intact(engine)


def test_a_rolled_back_transaction_chains_nothing(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    log = AuditLog()
    with factory() as session:
        record(log, session, "first")
        session.commit()
        record(log, session, "dropped")
        session.rollback()
        record(log, session, "second")
        session.commit()
    assert stored(engine) == ["first", "second"]
    assert intact(engine)


def test_reading_the_trail_in_the_same_transaction_chains_first(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    log = AuditLog()
    with factory() as session:
        record(log, session, "a")
        page = log.search(session, ACTOR, AuditFilter(action="record.update"), limit=10)
        assert [event.object_id for event in page.items] == ["a"]
        session.commit()
    assert stored(engine) == ["a"]  # chained once
    assert intact(engine)


def test_an_open_transaction_holds_no_lock_on_the_chain(
    fresh_database_urls: dict[str, str],
) -> None:
    """On PostgreSQL a writer used to take the head's row lock at its first event and keep it
    until it committed; another writer's event waited all that time (the tail of write latency
    under concurrency). Now the lock is taken at the commit. (SQLite has one writer at a time
    anyway: a transaction holds the whole database from its start.)"""
    if "postgresql" not in fresh_database_urls:
        pytest.skip(NO_SERVER)
    engine = make_engine(fresh_database_urls["postgresql"])
    factory = make_session_factory(engine, audit_at_commit=True)
    log = AuditLog()
    try:
        with factory() as slow:
            record(log, slow, "slow")
            slow.flush()
            with factory() as quick:
                quick.execute(text("SET LOCAL lock_timeout = '3s'"))
                record(log, quick, "quick")
                quick.commit()  # would wait for `slow`, and fail after 3 s, on a locked head
            slow.commit()
        assert stored(engine) == ["quick", "slow"]
        assert intact(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_request_chains_its_events_as_it_commits(
    backend: str,
    app_on_fresh_database: Callable[[str], FastAPI],
    admin_on_own_database: Callable[[TestClient], TestClient],
) -> None:
    app = app_on_fresh_database(backend)
    with TestClient(app) as client:
        admin_on_own_database(client)
        created = client.post("/api/v1/apps", json={"key": "kyc", "label": "KYC"})
        assert created.status_code == 201, created.text
        refused = client.post("/api/v1/apps", json={"key": "kyc", "label": "Again"})
        assert refused.status_code == 409, refused.text
    engine = app.state.engine
    with engine.connect() as connection:
        actions = connection.execute(
            select(AuditEvent.action, AuditEvent.object_id).order_by(AuditEvent.id)
        ).all()
    assert [tuple(row) for row in actions if row[0] == "app.create"] == [("app.create", "kyc")]
    assert intact(engine)
