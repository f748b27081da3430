"""A scheduled rule's notices through ``brickwork worker --once``: the tick runs the rule,
which stores an in-app notice and queues an e-mail; the same run sends the e-mail to a real
SMTP server on 127.0.0.1 configured with BRICKWORK_SMTP_URL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from brickwork.cli import app
from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import JobSchedule, Notification
from brickwork.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "api"))
from outbound_servers import Mailbox, smtp_server

runner = CliRunner()
ACTOR = Actor("ops", channel="cli", system=True)
NIGHTLY: dict[str, Any] = {
    "trigger": {"on": "schedule", "cron": "0 2 * * *", "timezone": "Asia/Shanghai"},
    "actions": [
        {
            "type": "notify",
            "channel": channel,
            "to": [{"user": "alice"}],
            "subject": "Nightly review of {{ app.key }}",
            "body": "Run by {{ rule.key }} v{{ rule.version }} at {{ now.isoformat() }}",
        }
        for channel in ("in_app", "email")
    ],
}


@pytest.fixture
def mailbox() -> Iterator[tuple[int, Mailbox]]:
    with smtp_server() as found:
        yield found


def test_worker_once_runs_a_scheduled_rule_and_sends_its_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mailbox: tuple[int, Mailbox]
) -> None:
    port, box = mailbox
    smtp_url = f"smtp://127.0.0.1:{port}"
    monkeypatch.setenv("BRICKWORK_ARGON2_PROFILE", "test")
    monkeypatch.setenv("BRICKWORK_SMTP_URL", smtp_url)
    monkeypatch.setenv("BRICKWORK_MAIL_FROM", "ops@bank.test")
    settings = Settings(data_dir=tmp_path, argon2_profile="test", smtp_url=smtp_url)
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    services = build_services(settings=settings)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        services.metadata.create_app(session, ACTOR, AppCreate(key="credit", label="Credit"))
        user = services.identities.create_user(
            session,
            ACTOR,
            username="alice",
            password="Reviewer-pass-2026",
            must_change_password=False,
        )
        user.email = "alice@bank.test"
        body = {"kind": "rule", "key": "nightly", "label": "nightly", "spec": NIGHTLY}
        services.metadata.create_definition(
            session, ACTOR, "credit", DefinitionCreate.model_validate(body)
        )
        services.metadata.publish(session, ACTOR, "credit", Kind.RULE, "nightly")
    with unit_of_work(factory) as session:
        schedule = session.get(JobSchedule, "rule:credit/nightly")
        assert schedule is not None
        schedule.next_at = datetime(2026, 1, 1, 18, tzinfo=UTC)  # a tick in the past
    result = runner.invoke(app, ["worker", "--once", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 tick(s) queued, 2 job(s) run" in result.output  # the tick, then the e-mail
    (message,) = box.messages
    assert (message["From"], message["To"], message["Subject"]) == (
        "ops@bank.test",
        "alice@bank.test",
        "Nightly review of credit",
    )
    prefix, at = message.get_content().strip().split(" at ")
    assert prefix == "Run by nightly v1"
    assert datetime.fromisoformat(at).tzinfo is not None, "the run's time, time-zone aware"
    with unit_of_work(factory) as session:
        (notice,) = session.scalars(select(Notification)).all()
        assert (notice.recipient, notice.title, notice.link) == (
            "alice",
            "Nightly review of credit",
            None,
        )
    engine.dispose()
