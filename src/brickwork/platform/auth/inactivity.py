"""Accounts unused for ``BRICKWORK_INACTIVE_DAYS`` (90) are disabled: at sign-in for the account
concerned, by ``brickwork users disable-inactive`` and by the server's periodic check.

An account is used when it signs in or one of its API tokens is; creating or enabling it starts
the period again. The last active holder of ``system_admin`` or ``security_admin`` is never
disabled (the instance would be left without one). Every disabling is audited; never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import ACTIVE, DISABLED, IdentityConfig
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.auth.roles import SECURITY_ADMIN, SYSTEM_ADMIN
from brickwork.platform.clock import Clock
from brickwork.platform.models import User

PROTECTED_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN)
SYSTEM_ACTOR = Actor("system", channel="system", system=True)
"""Who disables accounts when nobody asked (the periodic check, a sign-in)."""


def last_used(user: User, token_use: datetime | None) -> datetime:
    """When the account was last used, created or enabled."""
    moments = [user.created_at, user.last_login_at, user.enabled_at, token_use]
    return max(moment for moment in moments if moment is not None)


class Inactivity:
    def __init__(
        self,
        *,
        clock: Clock,
        config: IdentityConfig,
        repository: IdentityRepository,
        audit: AuditLog,
    ) -> None:
        self.clock = clock
        self.config = config
        self.repo = repository
        self.audit = audit

    def expired(self, session: Session, user: User, now: datetime) -> bool:
        """Whether the account is unused too long and may be disabled for it."""
        limit = self.config.inactive_after
        if limit is None or user.status != ACTIVE:
            return False
        token_use = self.repo.last_token_use(session, [user.id]).get(user.id)
        if now - last_used(user, token_use) < limit:
            return False
        return not self._last_holder(session, user, frozenset())

    def disable(
        self, session: Session, user: User, now: datetime, actor: Actor = SYSTEM_ACTOR
    ) -> None:
        token_use = self.repo.last_token_use(session, [user.id]).get(user.id)
        user.status = DISABLED
        user.updated_at = now
        user.updated_by = actor.username
        self.repo.revoke_sessions(session, user.id, now=now)
        self.repo.save(session)
        self.audit.record(
            session,
            actor,
            "user.disable_inactive",
            object_type="user",
            object_id=user.id,
            details={
                "user": user.username,
                "last_used_at": last_used(user, token_use),
                "inactive_days": self.config.inactive_after.days
                if self.config.inactive_after
                else None,
            },
        )

    def sweep(
        self, session: Session, actor: Actor = SYSTEM_ACTOR, *, dry_run: bool = False
    ) -> list[User]:
        """Disable every account unused too long (``dry_run``: only say which); returns them."""
        limit = self.config.inactive_after
        if limit is None:
            return []
        now = self.clock()
        users = self.repo.active_users(session)
        token_use = self.repo.last_token_use(session)
        chosen: list[User] = []
        gone: set[str] = set()
        for user in users:
            if now - last_used(user, token_use.get(user.id)) < limit:
                continue
            if self._last_holder(session, user, frozenset(gone)):
                continue
            chosen.append(user)
            gone.add(user.id)
        if not dry_run:
            for user in chosen:
                self.disable(session, user, now, actor)
        return chosen

    def _last_holder(self, session: Session, user: User, gone: frozenset[str]) -> bool:
        """Whether disabling ``user`` would leave a protected role without an active holder."""
        held = {role.key for role in self.repo.roles_of(session, user.id)}
        for key in PROTECTED_ROLES:
            if key not in held:
                continue
            others: Sequence[User] = [
                u
                for u in self.repo.holders_of(session, key)
                if u.id != user.id and u.id not in gone
            ]
            if not any(other.status == ACTIVE for other in others):
                return True
        return False
