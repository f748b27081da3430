"""Table ``webhooks``: outbound webhook targets kept by system administrators. Rules name a
target by key, never a URL. ``secret`` is the HMAC signing secret, encrypted with the key file
(context ``webhooks:secret``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, UtcDateTime


class Webhook(Base):
    __tablename__ = "webhooks"

    key: Mapped[str] = mapped_column(String(63), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
