"""Flow timers are jobs the worker (`brickwork worker`) runs: an SLA reminder, then an
escalation that moves the task, each exactly once however often the worker looks; a timer whose
task was decided in time is cancelled and never fires."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from brickwork.engines.flow import Approve
from brickwork.platform.assembly import Services, build_services, job_runners
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import FlowHistory, Job
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
