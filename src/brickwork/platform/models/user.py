"""Table ``users``: people who sign in. Never deleted (disabled instead); never holds a password,
only its argon2id hash, nor a clear TOTP secret, only its ciphertext under the key file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, UtcDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # active | disabled
    must_change_password: Mapped[bool] = mapped_column(Boolean)
    failed_attempts: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))
    enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When an administrator last enabled the account (restarts the inactivity period)."""
    mfa_secret: Mapped[str | None] = mapped_column(Text)
    """The TOTP secret, encrypted (``users:mfa_secret``); set at enrolment, confirmed later."""
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the enrolment was confirmed by a first code (None: not enrolled)."""
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger)
    """The TOTP time step of the last accepted code: no code is accepted twice."""
