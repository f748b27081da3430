"""What the identity administration modules share: the security-administrator check, the
identity service's parts, and audit helpers. Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.roles import SECURITY_ADMIN
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.models import User
from brickwork.platform.vocabulary import I18nText


def text_of(value: I18nText) -> dict[str, str]:
    return value.model_dump(by_alias=True, exclude_none=True)


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed = [key for key in after if after[key] != before.get(key)]
    return {
        "before": {key: before.get(key) for key in changed},
        "after": {key: after[key] for key in changed},
    }


class DirectoryBase:
    def __init__(self, identities: IdentityService) -> None:
        self.identities = identities
        self.repo = identities.repo
        self.audit = identities.audit
        self.roles = identities.roles
        self.permissions = identities.permissions

    def _require(self, actor: Actor) -> None:
        self.permissions.require_admin(actor, SECURITY_ADMIN, "identity")

    def _touch(self, session: Session, user: User, actor: Actor) -> None:
        user.updated_at = self.identities.clock()
        user.updated_by = actor.username
        self.repo.save(session)

    def _audit_user(
        self, session: Session, actor: Actor, action: str, user: User, details: dict[str, Any]
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="user",
            object_id=user.id,
            details={"user": user.username, **details},
        )
