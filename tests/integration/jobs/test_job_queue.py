"""The durable job queue on real databases: de-duplication, exactly-once database effects,
retries, abandoned leases, concurrent workers and schedulers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.errors import Conflict
from brickwork.platform.jobs.service import (
    JobContext,
    JobQueue,
    JobService,
    Scheduler,
    Worker,
)
from brickwork.platform.models import Job, JobSchedule, SerialCounter
from brickwork.platform.models.job import DEAD, DONE, QUEUED, RUNNING

BACKENDS = ["sqlite", "postgresql"]


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def database(backend: str, urls: dict[str, str], engines: list[Engine]) -> sessionmaker[Session]:
    if backend not in urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    engine = make_engine(urls[backend], pool_size=10, max_overflow=20)
    engines.append(engine)
    return make_session_factory(engine)


def mark(session: Session, payload: Any, job: JobContext) -> dict[str, int]:
    """A handler whose database effect is one row per job."""
    session.add(SerialCounter(scope="job", prefix=str(job.id), value=job.attempt))
    session.flush()
    return {"marked": job.id}


def marks(factory: sessionmaker[Session]) -> list[str]:
    with unit_of_work(factory) as session:
        rows = session.execute(select(SerialCounter.prefix).where(SerialCounter.scope == "job"))
        return sorted(rows.scalars(), key=int)


def statuses(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as session:
        rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
        return {status: int(count) for status, count in rows}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_key_queues_one_job_and_the_job_runs_once_with_its_effects(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    queue = JobQueue(clock=clock)
    with unit_of_work(factory) as session:
        first = queue.enqueue(session, "mark", {"n": 1}, key="alert:c1:2026-W10")
        second = queue.enqueue(session, "mark", {"n": 2}, key="alert:c1:2026-W10")
    assert first is not None
    assert second is None
    worker = Worker(factory, {"mark": mark}, name="w1", clock=clock)
    assert worker.run_until_idle() == 1
    assert worker.run_until_idle() == 0
    assert marks(factory) == [str(first)]
    with unit_of_work(factory) as session:
        job = session.get(Job, first)
        assert job is not None
        assert (job.status, job.attempts, job.result, job.payload) == (
            DONE, 1, {"marked": first}, {"n": 1}
        )  # fmt: skip
        assert job.locked_by is None
        assert job.finished_at == clock.now


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_job_is_queued_only_if_its_cause_commits(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    queue = JobQueue(clock=ManualClock())

    def cause_fails() -> None:
        with unit_of_work(factory) as session:
            queue.enqueue(session, "mark", {})
            raise RuntimeError("the cause failed")

    with pytest.raises(RuntimeError):
        cause_fails()
    assert statuses(factory) == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_job_is_retried_with_backoff_then_dead_and_can_be_retried(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    attempts: list[int] = []

    def flaky(session: Session, payload: Any, job: JobContext) -> None:
        mark(session, payload, job)  # rolled back with the failure
        attempts.append(job.attempt)
        raise ValueError(f"the service answered 503 on attempt {job.attempt}")

    with unit_of_work(factory) as session:
        job_id = JobQueue(clock=clock).enqueue(session, "flaky", {}, max_attempts=3)
    worker = Worker(factory, {"flaky": flaky}, name="w1", clock=clock)
    assert worker.run_pending() == 1
    with unit_of_work(factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.status == QUEUED
        assert job.run_after == clock.now + timedelta(seconds=10)
        assert job.last_error == "ValueError: the service answered 503 on attempt 1"
    assert worker.run_pending() == 0  # not due yet
    clock.now += timedelta(seconds=10)
    assert worker.run_pending() == 1
    clock.now += timedelta(seconds=19)
    assert worker.run_pending() == 0  # the second delay is 20 s
    clock.now += timedelta(seconds=1)
    assert worker.run_pending() == 1
    assert attempts == [1, 2, 3]
    assert marks(factory) == []
    assert statuses(factory) == {DEAD: 1}
    with unit_of_work(factory) as session:
        JobService(clock=clock).retry(session, job_id or 0)
    assert statuses(factory) == {QUEUED: 1}
    with pytest.raises(Conflict) as refused, unit_of_work(factory) as session:
        JobService(clock=clock).retry(session, job_id or 0)
    assert refused.value.code == "job_not_dead"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_kind_without_a_handler_is_dead_at_once(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    with unit_of_work(factory) as session:
        JobQueue(clock=clock).enqueue(session, "retired kind", {})
    Worker(factory, {"mark": mark}, name="w1", clock=clock).run_until_idle()
    with unit_of_work(factory) as session:
        job = session.execute(select(Job)).scalar_one()
        assert (job.status, job.attempts) == (DEAD, 1)
        assert job.last_error == "no handler for jobs of kind 'retired kind'"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_job_left_running_by_a_dead_worker_runs_again_after_its_lease(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    """kill -9 of a worker leaves its job `running` under a lease nobody renews."""
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    with unit_of_work(factory) as session:
        job_id = JobQueue(clock=clock).enqueue(session, "mark", {})
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=RUNNING,
                locked_by="gone",
                locked_until=clock.now + timedelta(minutes=5),
                attempts=1,
            )
        )
    worker = Worker(factory, {"mark": mark}, name="w2", clock=clock)
    assert worker.run_pending() == 0  # the lease still holds
    clock.now += timedelta(minutes=5, seconds=1)
    assert worker.run_pending() == 1
    assert marks(factory) == [str(job_id)]
    assert statuses(factory) == {DONE: 1}


def test_a_worker_that_overran_its_lease_commits_nothing(
    fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    """While a slow handler runs, its lease expires and another worker runs the job: only the
    second run's effects are committed (PostgreSQL: SQLite runs one writer at a time)."""
    factory = database("postgresql", fresh_database_urls, engines)
    clock = ManualClock()
    with unit_of_work(factory) as session:
        job_id = JobQueue(clock=clock).enqueue(session, "slow", {})
    second = Worker(factory, {"slow": mark}, name="w2", clock=clock)
    ran_inside: list[int] = []

    def slow(session: Session, payload: Any, job: JobContext) -> None:
        session.add(SerialCounter(scope="job", prefix="slow", value=1))
        session.flush()
        clock.now += timedelta(minutes=6)
        ran_inside.append(second.run_pending())

    Worker(factory, {"slow": slow}, name="w1", clock=clock).run_pending()
    assert ran_inside == [1]
    assert marks(factory) == [str(job_id)]  # not "slow"
    with unit_of_work(factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.status, job.attempts) == (DONE, 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_run_every_job_exactly_once(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    with unit_of_work(factory) as session:
        ids = [JobQueue(clock=clock).enqueue(session, "mark", {"i": i}) for i in range(120)]
    runs: list[int] = []
    lock = threading.Lock()

    def counted(session: Session, payload: Any, job: JobContext) -> None:
        mark(session, payload, job)
        with lock:
            runs.append(job.id)

    workers = [Worker(factory, {"mark": counted}, name=f"w{n}", clock=clock) for n in (1, 2)]
    barrier = threading.Barrier(2)
    done: list[int] = []

    def work(worker: Worker) -> None:
        barrier.wait(timeout=30)
        done.append(worker.run_until_idle(batch=5))

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(runs) == sorted(ids)
    assert sum(done) == 120
    assert marks(factory) == [str(i) for i in sorted(i for i in ids if i is not None)]
    assert statuses(factory) == {DONE: 120}


def every_minute(cron: str, zone: str, after: datetime) -> datetime:
    return after.replace(second=0, microsecond=0) + timedelta(minutes=1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_tick_is_queued_once_however_many_schedulers_see_it(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    schedulers = [Scheduler(factory, every_minute, clock=clock) for _ in range(4)]
    with unit_of_work(factory) as session:
        schedulers[0].put(
            session, "rule:aml/daily", "rule", {"rule": "daily"}, cron="* * * * *",
            timezone="Asia/Shanghai",
        )  # fmt: skip
    assert sum(s.tick() for s in schedulers) == 0  # the first tick is 09:01
    clock.now = clock.now.replace(minute=1, second=5)
    barrier = threading.Barrier(len(schedulers))
    queued: list[int] = []

    def tick(scheduler: Scheduler) -> None:
        barrier.wait(timeout=30)
        queued.append(scheduler.tick())

    threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(queued) == [0, 0, 0, 1]
    with unit_of_work(factory) as session:
        job = session.execute(select(Job)).scalar_one()
        assert job.key == "schedule:rule:aml/daily:2026-03-02T09:01:00+00:00"
        assert job.payload == {
            "schedule": "rule:aml/daily",
            "tick": "2026-03-02T09:01:00+00:00",
            "payload": {"rule": "daily"},
        }
        schedule = session.get(JobSchedule, "rule:aml/daily")
        assert schedule is not None
        assert schedule.next_at == datetime(2026, 3, 2, 9, 2, tzinfo=UTC)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ticks_missed_while_no_scheduler_ran_are_coalesced_into_one(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    scheduler = Scheduler(factory, every_minute, clock=clock)
    with unit_of_work(factory) as session:
        scheduler.put(session, "nightly", "rule", {}, cron="* * * * *", timezone="UTC")
    clock.now += timedelta(minutes=30)
    assert scheduler.tick() == 1
    assert scheduler.tick() == 0
    with unit_of_work(factory) as session:
        schedule = session.get(JobSchedule, "nightly")
        assert schedule is not None
        assert schedule.last_tick_at == datetime(2026, 3, 2, 9, 1, tzinfo=UTC)
        assert schedule.next_at == datetime(2026, 3, 2, 9, 31, tzinfo=UTC)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_long_job_reads_beside_its_transaction_and_shows_its_progress_while_it_runs(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    factory = database(backend, fresh_database_urls, engines)
    clock = ManualClock()
    with unit_of_work(factory) as session:
        job_id = JobQueue(clock=clock).enqueue(session, "long", {"steps": 3})
    seen: list[Any] = []

    def long(session: Session, payload: Any, job: JobContext) -> dict[str, int]:
        assert job.reader is not None
        with job.reader() as reader:
            for step in range(payload["steps"]):
                reader.execute(select(func.count()).select_from(Job)).scalar_one()
                job.progress({"rows": step + 1, "total": payload["steps"]})
                # another writer gets in while the job reads (no write lock is held), and
                # sees the progress committed
                with unit_of_work(factory) as other:
                    found = other.get(Job, job.id)
                    assert found is not None
                    seen.append(found.progress)
        return mark(session, payload, job)

    assert Worker(factory, {"long": long}, name="w1", clock=clock).run_until_idle() == 1
    assert seen == [{"rows": n, "total": 3} for n in (1, 2, 3)]
    assert statuses(factory) == {DONE: 1}
    assert marks(factory) == [str(job_id)]
