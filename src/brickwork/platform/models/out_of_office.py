"""Table ``out_of_office``: a user away from ``starts_at`` to ``ends_at`` hands the flow tasks
given to them meanwhile to ``delegate``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, UtcDateTime


class OutOfOffice(Base):
    __tablename__ = "out_of_office"
    __table_args__ = (Index("ix_out_of_office_user", "username", "starts_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    username: Mapped[str] = mapped_column(String(128))
    delegate: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
