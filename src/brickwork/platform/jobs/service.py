"""Durable background work: a queue of jobs in the database, workers that claim them under a
lease, and a scheduler that turns recurring schedules into jobs.

Guarantees, on SQLite and PostgreSQL alike:
- A job's handler runs in the same transaction that marks the job done, and that mark only
  succeeds while the worker still holds the job. So the database effects of a job are committed
  exactly once: a worker that dies (or overruns its lease) has its transaction rolled back and
  the job runs again elsewhere. Effects outside the database (a webhook) are at least once: a
  handler with such effects de-duplicates by the job's id or key.
- A job with a `key` is queued once: a second `enqueue` with the same key is a no-op.
- A schedule's tick is queued once, however many schedulers run at the same instant (the
  schedule row is claimed, and the tick's job has a key). Ticks missed while no scheduler ran
  are coalesced into one run, queued for the latest missed tick.
- A failing job is retried with exponential backoff (10 s, 20 s, 40 s, ... at most an hour) up
  to `max_attempts`, then it is `dead`, with the last error kept. A kind no handler knows goes
  to `dead` at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.db.session import reading_factory, unit_of_work
from brickwork.platform.errors import Conflict, Invalid, NotFound
from brickwork.platform.jobs.repository import JobRepository
from brickwork.platform.models import Job, JobSchedule
from brickwork.platform.models.job import DEAD, DONE, QUEUED, RUNNING

log = logging.getLogger("brickwork.jobs")

LEASE = timedelta(minutes=5)
RETRY_BASE = timedelta(seconds=10)
RETRY_CAP = timedelta(hours=1)
MAX_ERROR_LENGTH = 4000
STATUS_ZH = {QUEUED: "排队中", RUNNING: "运行中", DONE: "已完成", DEAD: "已失败"}
"""A job's status in Chinese (for messages)."""


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler knows of the job it runs."""

    id: int
    kind: str
    key: str | None
    attempt: int
    now: datetime
    progress: Callable[[Any], None] = field(default=lambda _value: None)
    """Record how far the job got (JSON-able), committed at once in a transaction of its own,
    so that whoever waits for a long job can watch it."""
    reader: Callable[[], AbstractContextManager[Session]] | None = None
    """A read-only session outside the job's transaction, for long reads: on SQLite it does not
    hold the write lock while it reads (the job's own session takes it at its first statement).
    None outside a worker."""


@dataclass(frozen=True, slots=True)
class Completed:
    """A handler's result that also replaces the job's payload once it is done: what a job
    needed to run (a rendered message) need not stay in the table after it ran. A job that
    fails for good keeps its payload, so that it can be retried."""

    result: Any
    payload: Any


Handler = Callable[[Session, Any, JobContext], Any]
"""`(session, payload, context) -> result` (JSON-able, None or `Completed`); raising fails
the attempt."""

NextFire = Callable[[str, str, datetime], datetime]
"""`(cron, time zone, after) -> the first tick strictly after `after` (aware, UTC or not)."""


class JobQueue:
    """Queues jobs inside the caller's transaction (so a job exists only if its cause commits)."""

    def __init__(self, *, clock: Clock = system_clock, repo: JobRepository | None = None) -> None:
        self.clock = clock
        self.repo = repo or JobRepository()

    def enqueue(
        self,
        session: Session,
        kind: str,
        payload: Any,
        *,
        key: str | None = None,
        run_after: datetime | None = None,
        max_attempts: int = 5,
    ) -> int | None:
        """The new job's id, or None when a job with `key` already exists."""
        if not 1 <= max_attempts <= 100:
            raise Invalid(
                "max_attempts must be between 1 and 100",
                code="job_attempts_invalid",
                zh_cn="max_attempts 须在 1 到 100 之间",
            )
        now = self.clock()
        return self.repo.insert(
            session,
            {
                "kind": kind,
                "key": key,
                "payload": payload,
                "status": QUEUED,
                "attempts": 0,
                "max_attempts": max_attempts,
                "run_after": run_after or now,
                "created_at": now,
            },
        )


class Worker:
    """Claims due jobs and runs them with their kind's handler, one transaction per job."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        name: str,
        clock: Clock = system_clock,
        lease: timedelta = LEASE,
        repo: JobRepository | None = None,
        reader: sessionmaker[Session] | None = None,
    ) -> None:
        self.factory = factory
        self.reader = reader or reading_factory(factory)
        self.handlers = dict(handlers)
        self.name = name
        self.clock = clock
        self.lease = lease
        self.repo = repo or JobRepository()

    def run_pending(self, limit: int = 20) -> int:
        """Claim up to `limit` due jobs and run them; returns how many were run."""
        claimed = self._claim(limit)
        for job in claimed:
            self._run(job)
        return len(claimed)

    def run_until_idle(self, batch: int = 20, max_jobs: int = 10_000) -> int:
        """Run due jobs until none is left (or `max_jobs` ran); returns how many ran."""
        total = 0
        while total < max_jobs:
            ran = self.run_pending(min(batch, max_jobs - total))
            if ran == 0:
                break
            total += ran
        return total

    def _claim(self, limit: int) -> list[_Claimed]:
        now = self.clock()
        with unit_of_work(self.factory) as session:
            jobs = self.repo.claimable(session, now, limit)
            claimed = []
            for job in jobs:
                job.status = RUNNING
                job.locked_by = self.name
                job.locked_until = now + self.lease
                job.attempts += 1
                claimed.append(
                    _Claimed(job.id, job.kind, job.key, job.payload, job.attempts, job.max_attempts)
                )
        return claimed

    def _run(self, job: _Claimed) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            self._failed(job, f"no handler for jobs of kind {job.kind!r}", final=True)
            return
        now = self.clock()
        context = JobContext(
            job.id,
            job.kind,
            job.key,
            job.attempt,
            now,
            progress=lambda value: self._progress(job.id, value),
            reader=self._read,
        )
        try:
            with unit_of_work(self.factory) as session:
                result = handler(session, job.payload, context)
                done: dict[str, Any] = {
                    "status": DONE,
                    "result": result,
                    "finished_at": self.clock(),
                    "locked_by": None,
                    "locked_until": None,
                    "last_error": None,
                }
                if isinstance(result, Completed):
                    done.update(result=result.result, payload=result.payload)
                if not self.repo.finish(session, job.id, self.name, done):
                    raise _LeaseLost(job.id)
        except _LeaseLost:
            log.warning("job %s ran past its lease and went to another worker", job.id)
        except Exception as exc:  # a handler's failure fails this attempt, never the worker
            log.warning("job %s (%s) failed on attempt %s: %s", job.id, job.kind, job.attempt, exc)
            self._failed(job, f"{type(exc).__name__}: {exc}", final=job.attempt >= job.max)

    def _progress(self, job_id: int, value: Any) -> None:
        with unit_of_work(self.factory) as session:
            self.repo.progress(session, job_id, self.name, value)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with unit_of_work(self.reader) as session:  # commits: audits of reads follow a commit
            yield session

    def _failed(self, job: _Claimed, error: str, *, final: bool) -> None:
        now = self.clock()
        values: dict[str, Any] = {
            "last_error": error[:MAX_ERROR_LENGTH],
            "locked_by": None,
            "locked_until": None,
        }
        if final:
            values.update(status=DEAD, finished_at=now)
        else:
            delay = min(RETRY_BASE * 2 ** (job.attempt - 1), RETRY_CAP)
            values.update(status=QUEUED, run_after=now + delay)
        with unit_of_work(self.factory) as session:
            self.repo.finish(session, job.id, self.name, values)


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    kind: str
    key: str | None
    payload: Any
    attempt: int
    max: int


class _LeaseLost(Exception):
    pass


class Scheduler:
    """Queues one job per due tick of each enabled schedule."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        next_fire: NextFire,
        *,
        clock: Clock = system_clock,
        queue: JobQueue | None = None,
        repo: JobRepository | None = None,
    ) -> None:
        self.factory = factory
        self.next_fire = next_fire
        self.clock = clock
        self.repo = repo or JobRepository()
        self.queue = queue or JobQueue(clock=clock, repo=self.repo)

    def put(
        self, session: Session, name: str, kind: str, payload: Any, *, cron: str, timezone: str
    ) -> JobSchedule:
        """Create or replace a schedule (in the caller's transaction)."""
        return put_schedule(
            session,
            self.repo,
            self.next_fire,
            self.clock(),
            name,
            kind,
            payload,
            cron=cron,
            timezone=timezone,
        )

    def remove(self, session: Session, name: str) -> None:
        self.repo.remove_schedule(session, name)

    def tick(self) -> int:
        """Queue the due ticks; returns how many jobs were queued."""
        now = self.clock()
        queued = 0
        with unit_of_work(self.factory) as session:
            for schedule in self.repo.due_schedules(session, now):
                due = schedule.next_at
                key = f"schedule:{schedule.name}:{due.isoformat()}"
                payload = {
                    "schedule": schedule.name,
                    "tick": due.isoformat(),
                    "payload": schedule.payload,
                }
                if self.queue.enqueue(session, schedule.kind, payload, key=key) is not None:
                    queued += 1
                schedule.last_tick_at = due
                schedule.next_at = self.next_fire(schedule.cron, schedule.timezone, now)
        return queued


def put_schedule(
    session: Session,
    repo: JobRepository,
    next_fire: NextFire,
    now: datetime,
    name: str,
    kind: str,
    payload: Any,
    *,
    cron: str,
    timezone: str,
) -> JobSchedule:
    """Create or replace a schedule in the caller's transaction; its first tick is the first
    one after `now` (a replaced schedule keeps its last tick)."""
    existing = repo.schedule(session, name)
    row = JobSchedule(
        name=name,
        kind=kind,
        payload=payload,
        cron=cron,
        timezone=timezone,
        enabled=True,
        next_at=next_fire(cron, timezone, now),
        last_tick_at=None if existing is None else existing.last_tick_at,
    )
    repo.put_schedule(session, row)
    return row


class JobService:
    """Operations on stored jobs: a dead job queued again."""

    def __init__(self, *, clock: Clock = system_clock, repo: JobRepository | None = None) -> None:
        self.clock = clock
        self.repo = repo or JobRepository()

    def retry(self, session: Session, job_id: int) -> Job:
        job = self.repo.get(session, job_id)
        if job is None:
            raise NotFound(
                f"there is no job {job_id}", code="job_not_found", zh_cn=f"没有作业 {job_id}"
            )
        if job.status != DEAD:
            raise Conflict(
                f"job {job_id} is {job.status}; only a dead job can be retried",
                code="job_not_dead",
                zh_cn=f"作业 {job_id} 当前{STATUS_ZH.get(job.status, job.status)}：只有已失败的作业"
                "才能重试",
            )
        job.status = QUEUED
        job.attempts = 0
        job.run_after = self.clock()
        job.finished_at = None
        session.flush()
        return job


def serve(
    worker: Worker,
    scheduler: Scheduler | None,
    stop: threading.Event,
    poll: float,
    *,
    probe: sessionmaker[Session] | None = None,
) -> None:
    """Run the scheduler and the worker until `stop` is set, sleeping `poll` seconds when idle.
    With `probe` (a read-only session factory), an idle round only reads: on SQLite a round
    that finds nothing due takes no write lock."""
    while not stop.is_set():
        ran = 0
        try:
            if probe is None or _anything_due(probe, worker):
                if scheduler is not None:
                    scheduler.tick()
                ran = worker.run_until_idle(max_jobs=100)
        except Exception:  # the database may be briefly unavailable; try again next round
            log.exception("the job worker failed a round")
        if ran == 0:
            stop.wait(poll)


def _anything_due(probe: sessionmaker[Session], worker: Worker) -> bool:
    with probe() as session:
        return worker.repo.anything_due(session, worker.clock())
