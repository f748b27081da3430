"""Table ``business_calendars``: working weekdays, holidays and make-up working days, per key
(shared by rules and, later, flow SLAs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class BusinessCalendarRow(Base):
    __tablename__ = "business_calendars"

    key: Mapped[str] = mapped_column(String(63), primary_key=True)
    body: Mapped[Any] = mapped_column(JsonText)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
