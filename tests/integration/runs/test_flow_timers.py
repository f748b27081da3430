"""Flow timers are jobs the worker (`brickwork worker`) runs: an SLA reminder, then an
escalation that moves the task, each exactly once however often the worker looks; a timer whose
task was decided in time is cancelled and never fires."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from brickwork.cli import app as cli
from brickwork.engines.flow import Approve
from brickwork.platform.assembly import Services, build_services, job_runners
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import FlowHistory, Job
from brickwork.platform.models.job import RUNNING
from brickwork.platform.runs.notify import Notice
from brickwork.platform.runs.service import TIMER_JOB
from brickwork.settings import Settings

OPS = Actor("ops", system=True)
FIELDS = [{"id": "f_title", "key": "title", "type": "text", "label": "Title"}]
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
FLOW: dict[str, Any] = {
    "form": "case",
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "review",
            "type": "approval",
            "mode": "or",
            "assignees": [{"type": "user", "user": "boss"}],
            "sla": {
                "duration": "PT4H",
                "remind_before": "PT1H",
                "on_breach": "escalate",
                "escalate_to": [{"type": "user", "user": "deputy"}],
            },
        },
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "review"},
        {"id": "e2", "from": "review", "to": "end"},
    ],
}


class ManualClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def prepare(
    url: str, engines: list[Engine], data_dir: Path, clock: ManualClock
) -> tuple[sessionmaker[Session], Services]:
    engine = make_engine(url)
    engines.append(engine)
    factory = make_session_factory(engine)
    settings = Settings(data_dir=data_dir, database_url=url, argon2_profile="test")
    services = build_services(settings=settings, data_dir=data_dir, clock=clock)
    with unit_of_work(factory) as session:
        for name in ("boss", "deputy"):
            services.identities.create_user(
                session, OPS, username=name, password="Tester-pass-2026", must_change_password=False
            )
        services.metadata.create_app(session, OPS, AppCreate(key="ops", label="Ops"))
        for kind, key, spec in (("form", "case", {"fields": FIELDS}), ("flow", "review", FLOW)):
            body = {"kind": kind, "key": key, "label": key, "spec": spec}
            services.metadata.create_definition(
                session, OPS, "ops", DefinitionCreate.model_validate(body)
            )
            services.metadata.publish(session, OPS, "ops", Kind(kind), key)
    return factory, services


def start(factory: sessionmaker[Session], services: Services) -> dict[str, Any]:
    with unit_of_work(factory) as session:
        record = services.records.create(session, OPS, "ops", "case", {"title": "loan"})
        return services.runs.start_flow(session, OPS, "ops", "case", record["id"], "review")


def timeline(factory: sessionmaker[Session], instance: str) -> list[tuple[str, str]]:
    with unit_of_work(factory) as session:
        rows = session.execute(
            select(FlowHistory.action, FlowHistory.detail)
            .where(FlowHistory.instance_id == instance)
            .order_by(FlowHistory.seq)
        ).all()
        return [(action, (detail or {}).get("kind", "")) for action, detail in rows]


def url_of(backend: str, urls: dict[str, str]) -> str:
    if backend not in urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    return urls[backend]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_sla_reminds_then_escalates_once(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    clock = ManualClock()
    factory, services = prepare(url_of(backend, fresh_database_urls), engines, tmp_path, clock)
    started = start(factory, services)
    assert [t["assignee"] for t in started["tasks"]] == ["boss"]
    worker, _scheduler = job_runners(services, factory, name="w1", clock=clock)
    assert worker.run_until_idle() == 0  # nothing due yet
    clock.now = T0 + timedelta(hours=3, minutes=1)
    assert worker.run_until_idle() == 1  # the reminder
    assert ("notified", "reminder") in timeline(factory, started["id"])
    clock.now = T0 + timedelta(hours=4, minutes=1)
    assert worker.run_until_idle() == 1  # the breach
    assert worker.run_until_idle() == 0
    with unit_of_work(factory) as session:
        now = services.runs.view(session, started["id"])
    assert [t["assignee"] for t in now["tasks"]] == ["deputy"]
    lines = timeline(factory, started["id"])
    assert lines.count(("notified", "escalated")) == 1
    assert [a for a, _k in lines].count("sla_breached") == 1
    clock.now += timedelta(days=3)
    assert worker.run_until_idle() == 0  # nothing fires twice


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_task_decided_in_time_cancels_its_timers(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    clock = ManualClock()
    factory, services = prepare(url_of(backend, fresh_database_urls), engines, tmp_path, clock)
    started = start(factory, services)
    (task,) = started["tasks"]
    with unit_of_work(factory) as session:
        after = services.runs.task_command(
            session,
            Actor("boss"),
            task["id"],
            lambda engine_task, version: Approve("boss", engine_task, version),
            expected_version=task["version"],
            key=None,
            action="approve",
        )
    assert after["status"] == "approved"
    with unit_of_work(factory) as session:
        jobs = session.execute(select(Job.status, Job.result).where(Job.kind == TIMER_JOB)).all()
    assert [tuple(j) for j in jobs] == [("done", {"cancelled": True})] * 2
    worker, _scheduler = job_runners(services, factory, name="w1", clock=clock)
    clock.now = T0 + timedelta(days=1)
    assert worker.run_until_idle() == 0
    assert [a for a, _k in timeline(factory, started["id"])].count("sla_breached") == 0


class FailOnce:
    """A notifier that fails the first escalation notice (a worker dying half-way through the
    escalation: its transaction is rolled back)."""

    def __init__(self) -> None:
        self.failed = False
        self.delivered: list[str] = []

    def notify(self, session: Session, notice: Notice) -> None:
        del session
        if notice.kind == "escalated" and not self.failed:
            self.failed = True
            raise RuntimeError("the worker died here")
        self.delivered.append(notice.kind)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_escalation_interrupted_half_way_happens_once_on_retry(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    clock = ManualClock()
    factory, services = prepare(url_of(backend, fresh_database_urls), engines, tmp_path, clock)
    notifier = FailOnce()
    services.runs.use_notifier(notifier)
    started = start(factory, services)
    worker, _scheduler = job_runners(services, factory, name="w1", clock=clock)
    clock.now = T0 + timedelta(hours=4, minutes=1)
    assert worker.run_until_idle() == 2  # the reminder, then the breach that fails
    assert notifier.failed
    lines = timeline(factory, started["id"])
    assert [a for a, _k in lines].count("sla_breached") == 0  # rolled back entirely
    with unit_of_work(factory) as session:
        assert [t["assignee"] for t in services.runs.view(session, started["id"])["tasks"]] == [
            "boss"
        ]
    clock.now += timedelta(minutes=1)  # after the retry delay
    assert worker.run_until_idle() == 1
    assert worker.run_until_idle() == 0
    lines = timeline(factory, started["id"])
    assert [a for a, _k in lines].count("sla_breached") == 1
    assert lines.count(("notified", "escalated")) == 1
    assert notifier.delivered.count("escalated") == 1
    with unit_of_work(factory) as session:
        assert [t["assignee"] for t in services.runs.view(session, started["id"])["tasks"]] == [
            "deputy"
        ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_escalation_left_by_a_killed_worker_runs_once_after_its_lease(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    clock = ManualClock()
    factory, services = prepare(url_of(backend, fresh_database_urls), engines, tmp_path, clock)
    started = start(factory, services)
    clock.now = T0 + timedelta(hours=4, minutes=1)
    with unit_of_work(factory) as session:  # kill -9 after the claim: a lease nobody renews
        session.execute(
            update(Job)
            .where(Job.kind == TIMER_JOB)
            .values(
                status=RUNNING,
                locked_by="killed",
                locked_until=clock.now + timedelta(minutes=5),
                attempts=1,
            )
        )
    worker, _scheduler = job_runners(services, factory, name="w2", clock=clock)
    assert worker.run_until_idle() == 0  # the leases still hold
    clock.now += timedelta(minutes=5, seconds=1)
    assert worker.run_until_idle() == 2
    assert worker.run_until_idle() == 0
    lines = timeline(factory, started["id"])
    assert [a for a, _k in lines].count("sla_breached") == 1
    assert lines.count(("notified", "escalated")) == 1


def test_brickwork_worker_escalates_an_overdue_task_once(
    tmp_path: Path, engines: list[Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRICKWORK_ARGON2_PROFILE", "test")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = Settings(data_dir=data_dir).effective_database_url
    setup = make_engine(url)
    engines.append(setup)
    migrate.upgrade(setup)
    clock = ManualClock()
    clock.now = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)  # long overdue by any clock
    factory, services = prepare(url, engines, data_dir, clock)
    started = start(factory, services)
    runner = CliRunner()
    for expected in ("2 job(s) run", "0 job(s) run"):
        result = runner.invoke(cli, ["worker", "--once", "--data-dir", str(data_dir)])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    with unit_of_work(factory) as session:
        assert [t["assignee"] for t in services.runs.view(session, started["id"])["tasks"]] == [
            "deputy"
        ]
    assert timeline(factory, started["id"]).count(("notified", "escalated")) == 1
