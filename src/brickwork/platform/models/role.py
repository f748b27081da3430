"""Table ``roles``: named sets of permissions; three built-in administrator roles are exclusive."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from brickwork.platform.db.base import Base, JsonText


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(63), unique=True)
    label: Mapped[Any] = mapped_column(JsonText)
    builtin: Mapped[bool] = mapped_column(Boolean)
    admin_kind: Mapped[str | None] = mapped_column(String(16))  # system | security | audit
    permissions: Mapped[Any] = mapped_column(JsonText, default=list, server_default="[]")
    """The role's grants (``auth.policy.Grant`` as JSON): app x form x actions, rows, fields."""
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    require_mfa: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Holders sign in with a TOTP code (always so for the administrator roles)."""
