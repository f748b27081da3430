"""Table ``flow_instances``: one run of a published flow on a record, pinned to the flow's
version. ``state`` is the engine's live state (JSON) and ``version`` its compare-and-swap
counter: a command updates the row only while the version it read is still current.
``running_key`` is set while the instance runs and unique, so a record runs one instance of a
flow at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText, UtcDateTime


class FlowInstance(Base):
    __tablename__ = "flow_instances"
    __table_args__ = (
        Index("ix_flow_instances_record", "app_key", "form_key", "record_id"),
        Index("ix_flow_instances_initiator", "initiator", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_key: Mapped[str] = mapped_column(String(63))
    flow_key: Mapped[str] = mapped_column(String(63))
    flow_version: Mapped[int] = mapped_column(Integer)
    form_key: Mapped[str] = mapped_column(String(63))
    record_id: Mapped[str] = mapped_column(String(36))
    initiator: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[Any] = mapped_column(JsonText)
    version: Mapped[int] = mapped_column(Integer)
    running_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    parent_id: Mapped[str | None] = mapped_column(String(36), index=True)
    parent_node: Mapped[str | None] = mapped_column(String(63))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
