"""Who is acting, and from where. Over HTTP filled in only from a session or API token
(``auth.deps``); the CLI and pack installers act as trusted ``system`` actors. Every area records
actors (the audit trail too), so the type sits below all of them."""

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
    user_id: str | None = None
    """The signed-in user's id; None for header-named or CLI actors."""
    scopes: tuple[str, ...] | None = None
    """An API token's scopes; None when not authenticated by a token."""
    system: bool = False
    """A trusted internal caller (CLI on the host, pack installer, stored-data checks): not
    subject to permissions. Never set for anything that arrives over HTTP."""

    def holds(self, role_key: str) -> bool:
        return role_key in self.roles
