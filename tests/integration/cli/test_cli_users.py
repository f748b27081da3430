"""``brickwork users disable-inactive`` and ``users reset-mfa``, and the server's periodic check
for unused accounts, on throw-away SQLite data directories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from brickwork.app import create_app, disable_inactive_accounts
from brickwork.cli import app
from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.models import AuditEvent, User
from brickwork.settings import Settings

runner = CliRunner()
SETUP = Actor("setup", channel="cli", system=True)
PASSWORD = "Sturdy-pass-2026"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("BRICKWORK_ARGON2_PROFILE", "test")
    monkeypatch.delenv("BRICKWORK_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("BRICKWORK_INACTIVE_DAYS", raising=False)
    data = tmp_path / "d"
    data.mkdir()
    settings = Settings(data_dir=data, argon2_profile="test")
    migrate.upgrade(make_engine(settings.effective_database_url))
    return settings


def create_users(
    settings: Settings, *, days_ago: int, admins: dict[str, str], users: list[str]
) -> None:
    """Users created ``days_ago`` days ago (and never used since)."""
    then = datetime.now(UTC) - timedelta(days=days_ago)
    services = build_services(clock=lambda: then, settings=settings)
    factory = make_session_factory(make_engine(settings.effective_database_url))
    with unit_of_work(factory) as session:
        for name, role in admins.items():
            services.identities.create_admin(
                session, SETUP, username=name, password=PASSWORD, role=role
            )
        for name in users:
            services.identities.create_user(session, SETUP, username=name, password=PASSWORD)


def statuses(settings: Settings) -> dict[str, str]:
    factory = make_session_factory(make_engine(settings.effective_database_url))
    with factory() as session:
        return {u.username: u.status for u in session.scalars(select(User))}


def test_disable_inactive_spares_recent_users_and_the_last_administrators(
    settings: Settings,
) -> None:
    create_users(
        settings,
        days_ago=100,
        admins={"root": "system_admin", "sec": "security_admin", "aud": "audit_admin"},
        users=["old.li"],
    )
    create_users(settings, days_ago=10, admins={}, users=["new.wu"])
    data = str(settings.data_dir)
    dry = runner.invoke(app, ["users", "disable-inactive", "--dry-run", "--data-dir", data])
    assert dry.exit_code == 0, dry.output
    assert "aud: would be disabled" in dry.output
    assert "old.li: would be disabled" in dry.output
    assert "2 account(s) unused for 90 days would be disabled" in dry.output
    assert set(statuses(settings).values()) == {"active"}

    done = runner.invoke(app, ["users", "disable-inactive", "--data-dir", data])
    assert done.exit_code == 0, done.output
    assert statuses(settings) == {
        "root": "active",  # the only system administrator
        "sec": "active",  # the only security administrator
        "aud": "disabled",
        "old.li": "disabled",
        "new.wu": "active",
    }
    factory = make_session_factory(make_engine(settings.effective_database_url))
    with factory() as session:
        query = select(AuditEvent).where(AuditEvent.action == "user.disable_inactive")
        events = list(session.scalars(query))
    assert sorted(e.details["user"] for e in events) == ["aud", "old.li"]
    assert {e.actor for e in events} == {"system"}
    again = runner.invoke(app, ["users", "disable-inactive", "--data-dir", data])
    assert "0 account(s)" in again.output


def test_the_server_check_disables_unused_accounts(settings: Settings) -> None:
    create_users(settings, days_ago=100, admins={"root": "system_admin"}, users=["old.li"])
    server = create_app(settings)
    assert disable_inactive_accounts(server) == 1
    server.state.engine.dispose()
    assert statuses(settings) == {"root": "active", "old.li": "disabled"}


def test_reset_mfa(settings: Settings) -> None:
    create_users(settings, days_ago=0, admins={"root": "system_admin"}, users=[])
    services = build_services(settings=settings)
    factory = make_session_factory(make_engine(settings.effective_database_url))
    with unit_of_work(factory) as session:
        user = services.identities.user(session, "root")
        services.identities.mfa.enrol_now(session, SETUP, user)
    data = str(settings.data_dir)
    result = runner.invoke(app, ["users", "reset-mfa", "root", "--data-dir", data])
    assert result.exit_code == 0, result.output
    assert "they enrol again at next sign-in" in result.output
    with factory() as session:
        row = session.scalars(select(User).where(User.username == "root")).one()
        assert (row.mfa_secret, row.mfa_enabled_at) == (None, None)
    unknown = runner.invoke(app, ["users", "reset-mfa", "nobody", "--data-dir", data])
    assert (unknown.exit_code, "[user_not_found]" in unknown.output) == (2, True)
