"""Table ``jobs``: durable background work (asynchronous rule actions, scheduled runs, ...).

A job is claimed by one worker at a time under a lease; a worker that dies leaves its lease to
expire and the job runs again. ``key`` de-duplicates: a second job with the same key is not
queued (a scheduled tick is queued once however many schedulers see it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
DEAD = "dead"
"""Statuses: queued (waiting for `run_after`), running (claimed under a lease), done, dead
(failed `max_attempts` times, or no handler knows its kind)."""


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(100))
    key: Mapped[str | None] = mapped_column(String(300), unique=True)
    payload: Mapped[Any] = mapped_column(JsonText)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[Any] = mapped_column(JsonText, nullable=True)
    progress: Mapped[Any] = mapped_column(JsonText, nullable=True)
    """What a long job has done so far, as its handler reports it (``{"done": n, "total": m}``)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
