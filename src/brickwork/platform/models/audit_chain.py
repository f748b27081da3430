"""Table ``audit_chain``: one row holding the id and hash of the newest audit event, anchored by
an HMAC whose key lives outside the database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base


class AuditChain(Base):
    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(71))
    anchor_key: Mapped[str | None] = mapped_column(String(32))
    """Id of the keyring key whose derived key signed ``anchor``."""
    anchor: Mapped[str | None] = mapped_column(String(80))
    """HMAC over (last_event_id, last_hash) with a key kept outside the database."""
