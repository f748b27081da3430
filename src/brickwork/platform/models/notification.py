"""Table ``notifications``: in-app notices for one user each (a rule's notify action, flow
tasks assigned, urged, escalated, returned or finished). Written in the transaction of their
cause; ``read_at`` is set when the recipient reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, UtcDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    recipient: Mapped[str] = mapped_column(String(128))
    app_key: Mapped[str | None] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
