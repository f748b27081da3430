"""Table ``saved_views``: a user's named list of a form's records (search, conditions, filter,
sort, page size, columns), private or shared with everyone who may read the form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class SavedView(Base):
    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "app_key", "form_key", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    app_key: Mapped[str] = mapped_column(String(63))
    form_key: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[Any] = mapped_column(JsonText)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
