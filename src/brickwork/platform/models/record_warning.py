"""Table ``record_warnings``: the warnings a record was last saved with (not blocking, kept so
that readers see them again), one row per record that has any."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class RecordWarning(Base):
    __tablename__ = "record_warnings"

    definition_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    warnings: Mapped[Any] = mapped_column(JsonText)
    """A list of ``{"code", "pointer", "zh-CN", "en"}``: both languages, the reader's is
    picked when shown."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
