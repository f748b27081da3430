"""What identities share: the deployment rules (``IdentityConfig``), the authenticated
``Identity`` of a request, and user-name rules. Pure data: no database, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.passwords import PasswordPolicy
from brickwork.platform.models import User
from brickwork.settings import Settings

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,127}$")
ACTIVE, DISABLED = "active", "disabled"


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    """Deployment rules of identities (from ``BRICKWORK_*`` settings)."""

    policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    lockout_attempts: int = 5
    lockout: timedelta = timedelta(minutes=30)
    idle_timeout: timedelta = timedelta(minutes=30)
    session_lifetime: timedelta = timedelta(hours=12)
    argon2_profile: str = "default"

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityConfig:
        return cls(
            policy=PasswordPolicy(
                min_length=settings.password_min_length,
                min_classes=settings.password_min_classes,
                history=settings.password_history,
            ),
            lockout_attempts=settings.lockout_attempts,
            lockout=timedelta(minutes=settings.lockout_minutes),
            idle_timeout=timedelta(minutes=settings.idle_timeout_minutes),
            session_lifetime=timedelta(hours=settings.session_hours),
            argon2_profile=settings.argon2_profile,
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request is authenticated as, and by what (a session or an API token)."""

    user: User
    roles: tuple[str, ...]
    session_id: str | None = None
    token_id: str | None = None
    scopes: tuple[str, ...] | None = None
    """The API token's scopes; None for a browser session."""

    def actor(
        self, *, ip: str | None = None, request_id: str | None = None, locale: str = "en"
    ) -> Actor:
        return Actor(
            username=self.user.username,
            roles=self.roles,
            ip=ip,
            request_id=request_id,
            locale=locale,
            user_id=self.user.id,
            scopes=self.scopes,
        )


def normalise_username(username: str) -> str:
    return username.strip().lower()
