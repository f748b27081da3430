"""Roles and grants: the built-in administrator roles and their separation of duties.

The system, security and audit administrator roles are exclusive: nobody may hold two of them.
Never commits. Who may grant is decided by the callers (``auth.directory``: security
administrators only, never to themselves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, NotFound
from brickwork.platform.models import Role, User, UserRole

SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"


@dataclass(frozen=True, slots=True)
class BuiltinRole:
    id: str
    key: str
    label: dict[str, str]
    admin_kind: str


BUILTIN_ROLES = (
    BuiltinRole(
        "b2316bf3-edc6-5084-9c88-48c9ce6b937f",
        SYSTEM_ADMIN,
        {"zh-CN": "系统管理员", "en": "System administrator"},
        "system",
    ),
    BuiltinRole(
        "c5ecacb7-576c-5397-b5bc-20675cdf2082",
        SECURITY_ADMIN,
        {"zh-CN": "安全管理员", "en": "Security administrator"},
        "security",
    ),
    BuiltinRole(
        "7ce6cb49-268c-547c-8837-e2efeae2a93d",
        AUDIT_ADMIN,
        {"zh-CN": "审计管理员", "en": "Audit administrator"},
        "audit",
    ),
)
ADMIN_ROLE_KEYS = tuple(role.key for role in BUILTIN_ROLES)
AUTHENTICATED_ROLES = "brickwork.authenticated_roles"
"""``Session.info`` key: the roles authentication loaded, for the rest of that transaction."""


def authenticated_roles(
    session: Session, user_id: str, keys: Sequence[str]
) -> Sequence[Role] | None:
    """The roles with ``keys`` as authentication loaded them for ``user_id`` in the session's
    current transaction (so a request decides permissions without reading them again), or
    None when they were not loaded there."""
    remembered = session.info.get(AUTHENTICATED_ROLES)
    if remembered is None:
        return None
    transaction, owner, roles = remembered
    if transaction is not session.get_transaction() or owner != user_id:
        return None
    found: tuple[Role, ...] = roles
    if {role.key for role in found} != set(keys):
        return None
    return found


def ensure_builtin_roles(session: Session, repository: IdentityRepository | None = None) -> int:
    """Create the built-in roles that are missing (the migration creates them; this repairs).
    Returns how many were created."""
    repo = repository or IdentityRepository()
    created = 0
    for builtin in BUILTIN_ROLES:
        if repo.role_by_key(session, builtin.key) is None:
            repo.add(
                session,
                Role(
                    id=builtin.id,
                    key=builtin.key,
                    label=builtin.label,
                    builtin=True,
                    admin_kind=builtin.admin_kind,
                ),
            )
            created += 1
    return created


class RoleService:
    def __init__(
        self, *, clock: Clock = system_clock, repository: IdentityRepository, audit: AuditLog
    ) -> None:
        self.clock = clock
        self.repo = repository
        self.audit = audit

    def role(self, session: Session, key: str) -> Role:
        role = self.repo.role_by_key(session, key)
        if role is None:
            raise NotFound(
                f"there is no role {key!r}", code="role_not_found", zh_cn=f"没有角色 {key}"
            )
        return role

    def of(self, session: Session, user: User) -> Sequence[Role]:
        """The user's roles, remembered for the rest of the transaction (see
        ``authenticated_roles``)."""
        return self.remember(session, user, self.repo.roles_of(session, user.id))

    @staticmethod
    def remember(session: Session, user: User, roles: Sequence[Role]) -> Sequence[Role]:
        """Keep ``roles``, just read with ``user`` in this transaction, for its permission
        checks (see ``authenticated_roles``)."""
        session.info[AUTHENTICATED_ROLES] = (session.get_transaction(), user.id, tuple(roles))
        return roles

    def keys_of(self, session: Session, user: User) -> tuple[str, ...]:
        return tuple(role.key for role in self.repo.roles_of(session, user.id))

    def holders(self, session: Session, key: str) -> Sequence[User]:
        return self.repo.holders_of(session, key)

    def grant(self, session: Session, actor: Actor, user: User, key: str) -> bool:
        """Give ``user`` the role; False when they already hold it. Refuses a second
        administrator role (``admin_roles_exclusive``)."""
        ensure_builtin_roles(session, self.repo)
        role = self.role(session, key)
        if self.repo.user_role(session, user.id, role.id) is not None:
            return False
        if role.admin_kind is not None:
            held = [r.key for r in self.repo.roles_of(session, user.id) if r.admin_kind]
            if held:
                message = (
                    f"{user.username!r} already holds {held[0]!r}; the system, security and "
                    "audit administrator roles are exclusive (separation of duties)"
                )
                zh_cn = (
                    f"{user.username} 已持有 {held[0]}：系统管理员、安全管理员和审计管理员"
                    "三种角色互斥（职责分离）"
                )
                raise Conflict(
                    message,
                    code="admin_roles_exclusive",
                    errors=[ErrorItem("/role", "admin_roles_exclusive", message)],
                    zh_cn=zh_cn,
                )
        self.repo.add(
            session,
            UserRole(
                user_id=user.id, role_id=role.id, granted_at=self.clock(), granted_by=actor.username
            ),
        )
        self._audit(session, actor, "role.grant", user, role)
        return True

    def revoke(self, session: Session, actor: Actor, user: User, key: str) -> bool:
        role = self.role(session, key)
        row = self.repo.user_role(session, user.id, role.id)
        if row is None:
            return False
        self.repo.revoke_grant(session, row)
        self._audit(session, actor, "role.revoke", user, role)
        return True

    def _audit(self, session: Session, actor: Actor, action: str, user: User, role: Role) -> None:
        details: dict[str, Any] = {"user": user.username, "role": role.key}
        self.audit.record(
            session, actor, action, object_type="user", object_id=user.id, details=details
        )
