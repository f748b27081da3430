"""Table ``apps``: an application groups the definitions an analyst builds together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class Application(Base):
    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(63), unique=True)
    label: Mapped[Any] = mapped_column(JsonText)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    publish_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Maker-checker: publishing needs approval by another user holding ``publish``."""
    navigation: Mapped[Any] = mapped_column(JsonText, default=None, nullable=True)
    """The app's menu as the analyst arranged it (see ``metadata.schemas.AppNavigation``);
    None: forms, reports and dashboards in the default order."""
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012  (optimistic locking)
