"""Table ``job_schedules``: recurring work (a cron expression in a time zone) and when it is due
next. The scheduler queues one job per due tick and moves ``next_at`` on, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class JobSchedule(Base):
    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[Any] = mapped_column(JsonText)
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_tick_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
