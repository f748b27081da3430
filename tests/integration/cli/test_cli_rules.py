"""``brickwork rules test`` (examples of every rule, drafts first) and ``brickwork worker
--once`` (a due scheduled rule runs once), on throw-away SQLite data directories."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brickwork.cli import app
from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, DraftUpdate, Kind
from brickwork.platform.models import JobSchedule
from brickwork.settings import Settings

runner = CliRunner()
ACTOR = Actor("ops", channel="cli", system=True)
LIMIT = {
    "trigger": {"on": "record", "form": "loan"},
    "phase": "before_save",
    "condition": "amount > income * 5",
    "actions": [{"type": "block", "message": "at most 5 times the income"}],
    "examples": [
        {
            "name": "six times",
            "given": {"record": {"amount": 600, "income": 100}},
            "expect": {"matched": True, "blocked": "at most 5 times the income"},
        },
        {
            "name": "four times",
            "given": {"record": {"amount": 400, "income": 100}},
            "expect": {"matched": False},
        },
    ],
}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRICKWORK_ARGON2_PROFILE", "test")
    data = tmp_path / "d"
    data.mkdir()
    settings = Settings(data_dir=data, argon2_profile="test")
    engine = make_engine(settings.effective_database_url)
    migrate.upgrade(engine)
    services = build_services(settings=settings)
    fields = [
        {"id": "f_amt", "key": "amount", "type": "decimal", "label": "Amount", "scale": 2},
        {"id": "f_inc", "key": "income", "type": "decimal", "label": "Income", "scale": 2},
    ]
    with unit_of_work(make_session_factory(engine)) as session:
        metadata = services.metadata
        metadata.create_app(session, ACTOR, AppCreate(key="credit", label="Credit"))
        for kind, key, spec in (("form", "loan", {"fields": fields}), ("rule", "limit", LIMIT)):
            body = {"kind": kind, "key": key, "label": key, "spec": spec}
            metadata.create_definition(
                session, ACTOR, "credit", DefinitionCreate.model_validate(body)
            )
            metadata.publish(session, ACTOR, "credit", Kind(kind), key)
    engine.dispose()
    return data


def draft(data_dir: Path, spec: dict[str, Any]) -> None:
    settings = Settings(data_dir=data_dir, argon2_profile="test")
    engine = make_engine(settings.effective_database_url)
    with unit_of_work(make_session_factory(engine)) as session:
        build_services(settings=settings).metadata.update_draft(
            session,
            ACTOR,
            "credit",
            Kind.RULE,
            "limit",
            DraftUpdate.model_validate({"label": "limit", "spec": spec}),
        )
    engine.dispose()


def test_rules_test_reports_every_example_and_fails_on_a_broken_draft(data_dir: Path) -> None:
    result = runner.invoke(app, ["rules", "test", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "PASS credit/limit: six times" in result.output
    assert "PASS credit/limit: four times" in result.output
    assert "2 passed, 0 failed" in result.output
    wrong = {**LIMIT, "condition": "amount > income * 7"}
    draft(data_dir, wrong)
    result = runner.invoke(app, ["rules", "test", "--app", "credit", "--data-dir", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert "FAIL credit/limit: six times: expected the rule to match" in result.output
    assert "1 passed, 1 failed" in result.output


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["rules", "test", "--app", "nope"], "app_not_found"),
        (["packs", "test", "nope"], "pack_not_found"),
    ],
)
def test_a_test_command_naming_what_is_not_there_says_so(
    data_dir: Path, args: list[str], code: str, caplog: pytest.LogCaptureFixture
) -> None:
    options = ["--data-dir", str(data_dir)] if args[0] == "rules" else []
    result = runner.invoke(app, [*args, *options])
    assert result.exit_code == 2, result.output
    assert f"[{code}]" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if args[0] == "packs":  # said before a scratch database (and its key file) is made
        assert "key file" not in caplog.text


def test_worker_once_runs_a_due_scheduled_rule_once(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, argon2_profile="test")
    engine = make_engine(settings.effective_database_url)
    services = build_services(settings=settings)
    nightly = {
        "trigger": {"on": "schedule", "cron": "0 2 * * *", "timezone": "Asia/Shanghai"},
        "actions": [
            {"type": "create_record", "form": "loan", "values": {"amount": "1", "income": "1"}}
        ],
    }
    with unit_of_work(make_session_factory(engine)) as session:
        body = {"kind": "rule", "key": "nightly", "label": "nightly", "spec": nightly}
        services.metadata.create_definition(
            session, ACTOR, "credit", DefinitionCreate.model_validate(body)
        )
        services.metadata.publish(session, ACTOR, "credit", Kind.RULE, "nightly")
    result = runner.invoke(app, ["worker", "--once", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "0 tick(s) queued, 0 job(s) run" in result.output  # 02:00 has not come
    with unit_of_work(make_session_factory(engine)) as session:
        schedule = session.get(JobSchedule, "rule:credit/nightly")
        assert schedule is not None
        schedule.next_at = datetime(2026, 1, 1, 18, tzinfo=UTC)  # a tick in the past
    for expected in ("1 tick(s) queued, 1 job(s) run", "0 tick(s) queued, 0 job(s) run"):
        result = runner.invoke(app, ["worker", "--once", "--data-dir", str(data_dir)])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    with unit_of_work(make_session_factory(engine)) as session:
        page = services.records.search(session, ACTOR, "credit", "loan")
        assert len(page.items) == 1
    engine.dispose()
