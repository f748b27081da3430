"""Table ``publish_requests``: maker-checker requests to publish a definition's draft.

The request pins the draft revision and checksum it was made for; approving a draft that changed
since is refused. The requester can never decide their own request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class PublishRequest(Base):
    __tablename__ = "publish_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[str] = mapped_column(
        ForeignKey("definitions.id", ondelete="RESTRICT"), index=True
    )
    draft_revision: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(71))
    note: Mapped[str] = mapped_column(Text)
    conversions: Mapped[Any] = mapped_column(JsonText)
    """Explicit type conversions to apply when the request is approved (as for publish)."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    # pending | approved | rejected | withdrawn
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    published_version: Mapped[int | None] = mapped_column(Integer)
