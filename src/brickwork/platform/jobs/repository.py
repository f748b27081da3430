"""SQL of jobs and schedules. Claims skip rows other workers hold (``FOR UPDATE SKIP LOCKED``
on PostgreSQL; SQLite has one writer at a time, so a claim there is exclusive anyway)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from brickwork.platform.models import Job, JobSchedule
from brickwork.platform.models.job import QUEUED, RUNNING


class JobRepository:
    def insert(self, session: Session, values: dict[str, Any]) -> int | None:
        """Queue a job; None when `values["key"]` is already taken (nothing is queued)."""
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql.insert(Job).on_conflict_do_nothing(index_elements=["key"])
        else:
            statement = sqlite.insert(Job).on_conflict_do_nothing(index_elements=["key"])
        found = session.execute(statement.values(**values).returning(Job.id)).scalar()
        return None if found is None else int(found)

    def claimable(self, session: Session, now: datetime, limit: int) -> list[Job]:
        """Due queued jobs and running jobs whose lease ran out, oldest first, locked."""
        due = and_(Job.status == QUEUED, Job.run_after <= now)
        abandoned = and_(Job.status == RUNNING, Job.locked_until < now)
        statement = (
            select(Job)
            .where(or_(due, abandoned))
            .order_by(Job.run_after, Job.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(session.execute(statement).scalars())

    def anything_due(self, session: Session, now: datetime) -> bool:
        """Whether a job is due or abandoned, or a schedule is due (a cheap read)."""
        due = and_(Job.status == QUEUED, Job.run_after <= now)
        abandoned = and_(Job.status == RUNNING, Job.locked_until < now)
        job = session.execute(select(Job.id).where(or_(due, abandoned)).limit(1)).first()
        if job is not None:
            return True
        schedule = select(JobSchedule.name).where(
            JobSchedule.enabled.is_(True), JobSchedule.next_at <= now
        )
        return session.execute(schedule.limit(1)).first() is not None

    def finish(self, session: Session, job_id: int, worker: str, values: dict[str, Any]) -> bool:
        """Update a job this worker still holds; False when its lease went to another worker."""
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.status == RUNNING, Job.locked_by == worker)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def progress(self, session: Session, job_id: int, worker: str, value: Any) -> None:
        """Record a running job's progress (only while ``worker`` holds it)."""
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == RUNNING, Job.locked_by == worker)
            .values(progress=value)
            .execution_options(synchronize_session=False)
        )

    def schedules_of(self, session: Session, kind: str) -> list[JobSchedule]:
        statement = select(JobSchedule).where(JobSchedule.kind == kind).order_by(JobSchedule.name)
        return list(session.execute(statement).scalars())

    def get(self, session: Session, job_id: int) -> Job | None:
        return session.get(Job, job_id)

    def schedule(self, session: Session, name: str) -> JobSchedule | None:
        return session.get(JobSchedule, name)

    def put_schedule(self, session: Session, row: JobSchedule) -> None:
        session.merge(row)
        session.flush()

    def remove_schedule(self, session: Session, name: str) -> None:
        row = session.get(JobSchedule, name)
        if row is not None:
            session.delete(row)
            session.flush()

    def due_schedules(self, session: Session, now: datetime) -> list[JobSchedule]:
        statement = (
            select(JobSchedule)
            .where(JobSchedule.enabled.is_(True), JobSchedule.next_at <= now)
            .order_by(JobSchedule.next_at, JobSchedule.name)
            .with_for_update(skip_locked=True)
        )
        return list(session.execute(statement).scalars())
