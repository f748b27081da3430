"""Table ``flow_tasks``: every task a flow instance handed out (to approve, to fill in, or a
read-only CC), open or closed, with its outcome. The inbox reads it by assignee and status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, UtcDateTime

OPEN = "open"
CLOSED = "closed"


class FlowTask(Base):
    __tablename__ = "flow_tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "task"),
        Index("ix_flow_tasks_inbox", "assignee", "status", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="CASCADE"), index=True
    )
    task: Mapped[str] = mapped_column(String(32))
    """The engine's task id inside the instance (``t17``)."""
    node: Mapped[str] = mapped_column(String(63))
    assignee: Mapped[str] = mapped_column(String(128))
    owner: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # approve | fill | cc
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    version: Mapped[int] = mapped_column(Integer)
    due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
