"""Who is acting, and from where. Sign-in fills this in; until then a header names the user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    username: str
    roles: tuple[str, ...] = ()
    ip: str | None = None
    request_id: str | None = None
    channel: str = "api"
    locale: str = "en"
    """Language of messages: "zh-CN" or "en" (from Accept-Language)."""
