"""Table ``flow_commands``: the idempotency keys of commands applied to a flow instance. A
command sent again with a key already stored has no second effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, UtcDateTime


class FlowCommand(Base):
    __tablename__ = "flow_commands"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
