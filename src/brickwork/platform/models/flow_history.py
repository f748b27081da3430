"""Table ``flow_history``: the timeline of a flow instance, one row per thing that happened
(who, what, when, on which node and task, the comment, and details such as the form diff). It
only grows; the instance's state keeps only what is live."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class FlowHistory(Base):
    __tablename__ = "flow_history"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    instance_id: Mapped[str] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    node: Mapped[str | None] = mapped_column(String(63))
    task: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[Any] = mapped_column(JsonText, nullable=True)
