"""Table ``definitions``: one definition (form, flow, rule, ...) and its editable draft."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class Definition(Base):
    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("app_id", "kind", "key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(63))
    draft: Mapped[Any] = mapped_column(JsonText)
    draft_revision: Mapped[int] = mapped_column(Integer, default=1)
    latest_version: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012  (optimistic locking)
