"""Table ``rule_executions``: every rule evaluation that acted (or, in shadow mode, would have):
which rule and version, on which record and event, its inputs, outcome and trace. ``dedupe_key``
is unique: an alert with a de-duplication key is raised once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class RuleExecution(Base):
    __tablename__ = "rule_executions"
    __table_args__ = (Index("ix_rule_executions_record", "app_key", "form_key", "record_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    app_key: Mapped[str] = mapped_column(String(63))
    rule_key: Mapped[str] = mapped_column(String(63))
    rule_version: Mapped[int] = mapped_column(Integer)
    form_key: Mapped[str | None] = mapped_column(String(63))
    record_id: Mapped[str | None] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(16))
    shadow: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[Any] = mapped_column(JsonText)
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(128))
