"""Table ``serial_counters``: the last number handed out per serial-number field and prefix."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base


class SerialCounter(Base):
    __tablename__ = "serial_counters"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
