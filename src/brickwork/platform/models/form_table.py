"""Table ``form_tables``: which physical tables and columns hold each published form's records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class FormTable(Base):
    __tablename__ = "form_tables"

    definition_id: Mapped[str] = mapped_column(
        ForeignKey("definitions.id", ondelete="RESTRICT"), primary_key=True
    )
    table_name: Mapped[str] = mapped_column(String(63), unique=True)
    applied_version: Mapped[int] = mapped_column(Integer)
    layout: Mapped[Any] = mapped_column(JsonText)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
