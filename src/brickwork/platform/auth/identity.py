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
BACKOFF_BASE = timedelta(seconds=10)
ACTIVITY_INTERVAL = timedelta(minutes=1)
"""A session's last-seen time and a token's last use are written at most this often, so reads
stay reads. The idle timeout counts from the last written activity: a session may expire up to
this much earlier than ``idle_timeout`` after its last request, never later."""


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    """Deployment rules of identities (from ``BRICKWORK_*`` settings)."""

    policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    password_max_age: timedelta | None = timedelta(days=90)
    """None: passwords never expire."""
    lockout_attempts: int = 5
    lockout: timedelta = timedelta(minutes=30)
    """How long a lock lasts, and the window in which failures count toward one."""
    lockout_per_source: int = 2
    throttle: Throttle = field(default_factory=lambda: Throttle())
    idle_timeout: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=12)
    token_lifetime: timedelta = timedelta(days=90)
    token_max_lifetime: timedelta = timedelta(days=365)
    inactive_after: timedelta | None = timedelta(days=90)
    """None: accounts are never disabled for inactivity."""
    argon2_profile: str = "default"

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityConfig:
        return cls(
            policy=PasswordPolicy(
                min_length=settings.password_min_length,
                min_classes=settings.password_min_classes,
                history=settings.password_history,
            ),
            password_max_age=_days(settings.password_max_age_days),
            lockout_attempts=settings.lockout_attempts,
            lockout=timedelta(minutes=settings.lockout_minutes),
            lockout_per_source=settings.lockout_per_source,
            throttle=Throttle(
                free_attempts=settings.throttle_free_attempts,
                window=timedelta(minutes=settings.throttle_window_minutes),
                max_delay=timedelta(seconds=settings.throttle_max_seconds),
            ),
            idle_timeout=timedelta(minutes=settings.idle_timeout_minutes),
            session_lifetime=timedelta(hours=settings.session_hours),
            token_lifetime=timedelta(days=settings.token_days),
            token_max_lifetime=timedelta(days=max(settings.token_max_days, settings.token_days)),
            inactive_after=_days(settings.inactive_days),
            argon2_profile=settings.argon2_profile,
        )


@dataclass(frozen=True, slots=True)
class Throttle:
    """Per-source backoff: from the ``free_attempts``-th failed sign-in of one address within
    ``window`` on, the address waits 10, 20, 40, ... seconds (at most ``max_delay``) after each
    failure before it may try again."""

    free_attempts: int = 5
    window: timedelta = timedelta(minutes=15)
    max_delay: timedelta = timedelta(minutes=15)

    def delay(self, failures: int) -> timedelta:
        """How long a source with ``failures`` recent failures waits after its last one."""
        if failures < self.free_attempts:
            return timedelta(0)
        exponent = min(failures - self.free_attempts, 30)
        delay: timedelta = BACKOFF_BASE * (1 << exponent)
        return min(delay, self.max_delay)


def _days(days: int) -> timedelta | None:
    return timedelta(days=days) if days > 0 else None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request is authenticated as, and by what (a session or an API token)."""

    user: User
    roles: tuple[str, ...]
    session_id: str | None = None
    token_id: str | None = None
    scopes: tuple[str, ...] | None = None
    """The API token's scopes; None for a browser session."""
    second_factor: bool | None = None
    """Whether a role of the user asks for a second factor, when known from authentication;
    None: not known (asked from the database when needed)."""

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
