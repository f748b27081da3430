"""Scheduled rules on real databases: publishing schedules them; at each tick exactly one run
happens, however many workers and schedulers are up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.assembly import Services, build_services, job_runners
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import Job, JobSchedule, RuleExecution

ACTOR = Actor("ops", system=True)
DAILY = {
    "trigger": {"on": "schedule", "cron": "0 2 * * *", "timezone": "Asia/Shanghai"},
    "aggregates": [
        {"name": "pending", "form": "case", "function": "count", "where": 'it.status = "open"'}
    ],
    "condition": "pending > 0",
    "actions": [
        {
            "type": "create_record",
            "form": "case",
            "values": {"status": '"reminder"', "note": 'string(pending) + " open"'},
        }
    ],
}


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def prepare(
    url: str, engines: list[Engine], clock: ManualClock
) -> tuple[sessionmaker[Session], Services]:
    engine = make_engine(url, pool_size=10, max_overflow=20)
    engines.append(engine)
    factory = make_session_factory(engine)
    services = build_services(clock=clock)
    fields = [
        {"id": "f_status", "key": "status", "type": "text", "label": "Status"},
        {"id": "f_note", "key": "note", "type": "text", "label": "Note"},
    ]
    with unit_of_work(factory) as session:
        metadata = services.metadata
        metadata.create_app(session, ACTOR, AppCreate(key="ops", label="Ops"))
        for kind, key, spec in (("form", "case", {"fields": fields}), ("rule", "daily", DAILY)):
            body = {"kind": kind, "key": key, "label": key, "spec": spec}
            metadata.create_definition(session, ACTOR, "ops", DefinitionCreate.model_validate(body))
            metadata.publish(session, ACTOR, "ops", Kind(kind), key)
        services.records.create(session, ACTOR, "ops", "case", {"status": "open"})
    return factory, services


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_each_tick_runs_once_with_two_workers(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    if backend not in fresh_database_urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    clock = ManualClock()
    factory, services = prepare(fresh_database_urls[backend], engines, clock)
    with unit_of_work(factory) as session:
        schedule = session.get(JobSchedule, "rule:ops/daily")
        assert schedule is not None
        assert schedule.next_at == datetime(2026, 3, 9, 18, 0, tzinfo=UTC)  # 02:00 in Shanghai
    pairs = [job_runners(services, factory, name=f"w{n}", clock=clock) for n in (1, 2)]

    def run_all() -> list[int]:
        barrier = threading.Barrier(len(pairs))
        ran: list[int] = []

        def run(worker: Any, scheduler: Any) -> None:
            barrier.wait(timeout=30)
            scheduler.tick()
            ran.append(worker.run_until_idle())

        threads = [threading.Thread(target=run, args=pair) for pair in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return ran

    assert sum(run_all()) == 0  # before the first tick
    clock.now = datetime(2026, 3, 9, 18, 0, 30, tzinfo=UTC)
    assert sum(run_all()) == 1
    clock.now += timedelta(hours=1)
    assert sum(run_all()) == 0  # nothing due until the next day
    clock.now = datetime(2026, 3, 10, 18, 5, tzinfo=UTC)
    assert sum(run_all()) == 1
    with unit_of_work(factory) as session:
        page = services.records.search(session, ACTOR, "ops", "case", filter_='status = "reminder"')
        assert sorted(item["note"] for item in page.items) == ["1 open", "1 open"]
        runs = session.execute(select(RuleExecution.event, RuleExecution.rule_key)).all()
        assert [tuple(r) for r in runs] == [("schedule", "daily"), ("schedule", "daily")]
        jobs = session.execute(select(Job.status, Job.key).order_by(Job.id)).all()
        assert [tuple(j) for j in jobs] == [
            ("done", "schedule:rule:ops/daily:2026-03-09T18:00:00+00:00"),
            ("done", "schedule:rule:ops/daily:2026-03-10T18:00:00+00:00"),
        ]
