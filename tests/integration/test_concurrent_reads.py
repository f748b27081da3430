"""Reads on SQLite run in deferred transactions: they proceed while a writer holds the lock, and
what a read must still write (the audit of a sensitive value, session activity) goes into a
short transaction of its own instead of upgrading the read."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from brickwork.app import create_app
from brickwork.platform.db.session import write_side
from brickwork.platform.models import AuditEvent
from brickwork.settings import Settings
from conftest import SETUP, Users, sign_in_admin_committed

API = "/api/v1"
RECORDS = f"{API}/apps/ops/forms/trade/records"
CLERK_GRANT = {
    "app": "ops",
    "form": "trade",
    "actions": ["create", "read"],
    "rows": "all",
    "fields": {"pin": "write"},
}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    """An app on its own SQLite file with a published form ``ops/trade`` (a C3 ``pin``)."""
    url = f"sqlite:///{tmp_path / 'reads.db'}"
    settings = Settings(
        data_dir=tmp_path,
        database_url=url,
        argon2_profile="test",
        auto_upgrade=True,
        insecure_cookies=True,  # the test client speaks plain http
    )
    application = create_app(settings)
    with TestClient(application) as admin:
        sign_in_admin_committed(admin)
        admin.post(f"{API}/apps", json={"key": "ops", "label": "Ops"})
        fields = [
            {"id": "f_ref", "key": "ref", "type": "text", "label": "Ref"},
            {
                "id": "f_pin",
                "key": "pin",
                "type": "text",
                "label": "PIN",
                "sensitivity": "C3",
                "encrypted": True,
            },
        ]
        created = admin.post(
            f"{API}/apps/ops/definitions",
            json={"kind": "form", "key": "trade", "label": "Trade", "spec": {"fields": fields}},
        )
        assert created.status_code == 201, created.text
        published = admin.post(f"{API}/apps/ops/definitions/form/trade/publish")
        assert published.status_code == 201, published.text
        yield application
    application.state.jobs.shutdown()
    application.state.engine.dispose()


READER_GRANT = {"app": "ops", "form": "trade", "actions": ["read"], "rows": "all"}
"""Reads every record, the C3 ``pin`` masked (so nothing to audit)."""


def client_of(app: Any, username: str, grant: dict[str, Any]) -> TestClient:
    with app.state.session_factory() as own:
        return Users(app, own, TestClient(app)).client(username, grants=[grant])


def clerk_of(app: Any) -> TestClient:
    return client_of(app, "clerk", CLERK_GRANT)


def database_file(app: Any) -> str:
    return str(app.state.engine.url.database)


def read_events(app: Any) -> int:
    with app.state.session_factory() as own:
        count = select(func.count()).where(AuditEvent.action == "record.read")
        return int(own.scalar(count) or 0)


def test_reads_proceed_while_a_writer_holds_the_lock(app: Any) -> None:
    clerk = clerk_of(app)
    created = clerk.post(RECORDS, json={"ref": "T1", "pin": "1234"})
    assert created.status_code == 201, created.text
    reader = client_of(app, "reader", READER_GRANT)
    writer = sqlite3.connect(database_file(app), isolation_level=None, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock for the whole test
        listed = reader.get(RECORDS, params={"filter": 'ref = "T1"'})
        assert listed.status_code == 200, listed.text
        assert [item["ref"] for item in listed.json()["items"]] == ["T1"]
        shown = reader.get(f"{RECORDS}/{created.json()['id']}")
        assert (shown.status_code, shown.json()["pin"]) == (200, "******")
        assert reader.get(f"{API}/auth/me").status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_sensitive_read_is_audited_in_its_own_transaction(app: Any) -> None:
    clerk = clerk_of(app)
    record = clerk.post(RECORDS, json={"ref": "T2", "pin": "4321"}).json()
    before = read_events(app)
    shown = clerk.get(f"{RECORDS}/{record['id']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["pin"] == "4321"
    assert read_events(app) == before + 1


def test_a_write_during_a_read_never_upgrades_the_read_transaction(app: Any) -> None:
    """The read began before another writer committed: upgrading it would fail
    (SQLITE_BUSY_SNAPSHOT); the side write succeeds."""
    audit = app.state.audit
    with app.state.read_session_factory() as reading:
        reading.execute(select(func.count()).select_from(AuditEvent)).scalar()  # snapshot taken
        with app.state.session_factory.begin() as other:
            audit.record(other, SETUP, "test.write", object_type="test")
        with pytest.raises(OperationalError):
            reading.execute(text("UPDATE audit_chain SET last_event_id = last_event_id"))
        reading.rollback()
        reading.execute(select(func.count()).select_from(AuditEvent)).scalar()
        with app.state.session_factory.begin() as other:
            audit.record(other, SETUP, "test.write", object_type="test")
        with write_side(reading) as target:
            audit.record(target, SETUP, "test.read", object_type="test")
        reading.commit()
    with app.state.session_factory() as own:
        [stored] = own.scalars(select(AuditEvent).where(AuditEvent.action == "test.read"))
        assert stored.actor == SETUP.username
