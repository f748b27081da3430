"""Identity administration of users: search, create, update, enable and disable, unlock, reset
passwords, roles and departments of a user.

A security administrator cannot disable themselves or drop their own ``security_admin`` role, and
the last active holder of ``system_admin`` or ``security_admin`` keeps it. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import (
    Memberships,
    RoleAssignment,
    UserCreate,
    UserUpdate,
)
from brickwork.platform.auth.directory.base import DirectoryBase, changes
from brickwork.platform.auth.identity import ACTIVE
from brickwork.platform.auth.roles import SECURITY_ADMIN, SYSTEM_ADMIN
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden, Invalid
from brickwork.platform.models import Department, Role, User

PROTECTED_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN)
"""Roles the instance must never be left without (an active holder each)."""


@dataclass(frozen=True, slots=True)
class Membership:
    department: Department
    primary: bool


@dataclass(frozen=True, slots=True)
class UserEntry:
    user: User
    roles: tuple[str, ...]
    departments: tuple[Membership, ...]


@dataclass(frozen=True, slots=True)
class UserPage:
    items: tuple[UserEntry, ...]
    total: int
    limit: int
    offset: int


class UserDirectory(DirectoryBase):
    def users(
        self,
        session: Session,
        actor: Actor,
        *,
        q: str | None = None,
        status: str | None = None,
        role: str | None = None,
        department: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> UserPage:
        self._require(actor)
        rows, total = self.repo.search_users(
            session,
            q=q,
            status=status,
            role=role,
            department=department,
            limit=limit,
            offset=offset,
        )
        return UserPage(tuple(self._entries(session, rows)), total, limit, offset)

    def user(self, session: Session, actor: Actor, username: str) -> UserEntry:
        self._require(actor)
        return self._entry(session, self.identities.user(session, username))

    def create_user(self, session: Session, actor: Actor, data: UserCreate) -> UserEntry:
        """A new user who must change the initial password at first sign-in."""
        self._require(actor)
        roles = self._known_roles(session, data.roles, "/roles")
        departments = self._known_departments(session, data.departments, data.primary)
        user = self.identities.create_user(
            session,
            actor,
            username=data.username,
            password=data.password,
            display_name=data.display_name,
            email=data.email,
            must_change_password=True,
        )
        for role in roles:
            self.roles.grant(session, actor, user, role.key)
        if departments:
            self._replace_memberships(session, actor, user, departments, data.primary)
        return self._entry(session, user)

    def update_user(
        self, session: Session, actor: Actor, username: str, data: UserUpdate
    ) -> UserEntry:
        self._require(actor)
        user = self.identities.user(session, username)
        before = {"display_name": user.display_name, "email": user.email}
        if data.display_name is not None:
            user.display_name = data.display_name
        if "email" in data.model_fields_set:
            user.email = data.email
        after = {"display_name": user.display_name, "email": user.email}
        if after != before:
            self._touch(session, user, actor)
            self._audit_user(session, actor, "user.update", user, changes(before, after))
        return self._entry(session, user)

    def set_active(
        self, session: Session, actor: Actor, username: str, *, active: bool
    ) -> UserEntry:
        self._require(actor)
        user = self.identities.user(session, username)
        if not active and user.status == ACTIVE:
            if actor.user_id == user.id:
                message = "you cannot disable your own account; ask another security administrator"
                zh_cn = "不能停用自己的账号：请联系其他安全管理员"
                raise Conflict(message, code="cannot_disable_self", zh_cn=zh_cn)
            for key in self.roles.keys_of(session, user):
                self._keep_a_holder(session, user, key, "")
        self.identities.set_active(session, actor, username, active=active)
        return self._entry(session, user)

    def unlock(self, session: Session, actor: Actor, username: str) -> UserEntry:
        self._require(actor)
        return self._entry(session, self.identities.unlock(session, actor, username))

    def reset_mfa(self, session: Session, actor: Actor, username: str) -> UserEntry:
        """Forget the user's multi-factor enrolment (a lost device); their sessions end."""
        self._require(actor)
        return self._entry(session, self.identities.reset_mfa(session, actor, username))

    def reset_password(
        self, session: Session, actor: Actor, username: str, new_password: str
    ) -> UserEntry:
        """A temporary password the user must change at next sign-in; their sessions end."""
        self._require(actor)
        user = self.identities.reset_password(session, actor, username, new_password)
        return self._entry(session, user)

    def set_roles(
        self, session: Session, actor: Actor, username: str, data: RoleAssignment
    ) -> UserEntry:
        """Make the user's roles exactly ``data.roles``: each grant and revoke goes through the
        role service (separation of duties, audit), then the whole change is audited once."""
        self._require(actor)
        user = self.identities.user(session, username)
        wanted = [role.key for role in self._known_roles(session, data.roles, "/roles")]
        held = self.roles.keys_of(session, user)
        revoked = [key for key in held if key not in wanted]
        granted = [key for key in wanted if key not in held]
        for key in revoked:
            if key == SECURITY_ADMIN and actor.user_id == user.id:
                message = (
                    "you cannot remove your own security_admin role; ask another security "
                    "administrator"
                )
                zh_cn = "不能移除自己的安全管理员角色（security_admin）：请联系其他安全管理员"
                raise Conflict(
                    message,
                    code="cannot_drop_own_admin_role",
                    errors=[ErrorItem("/roles", "cannot_drop_own_admin_role", message)],
                    zh_cn=zh_cn,
                )
            self._keep_a_holder(session, user, key, "/roles")
        if granted and actor.user_id == user.id:
            message = (
                "you cannot give yourself roles; another security administrator must grant them "
                "(separation of duties)"
            )
            zh_cn = "不能给自己分配角色：须由其他安全管理员授予（职责分离）"
            raise Forbidden(
                message,
                code="cannot_grant_self",
                errors=[ErrorItem("/roles", "cannot_grant_self", message)],
                zh_cn=zh_cn,
            )
        for key in revoked:
            self.roles.revoke(session, actor, user, key)
        for key in granted:
            self.roles.grant(session, actor, user, key)
        if revoked or granted:
            details = {"before": list(held), "after": sorted(wanted), "granted": granted}
            self._audit_user(session, actor, "user.roles", user, {**details, "revoked": revoked})
        return self._entry(session, user)

    def set_departments(
        self, session: Session, actor: Actor, username: str, data: Memberships
    ) -> UserEntry:
        self._require(actor)
        user = self.identities.user(session, username)
        departments = self._known_departments(session, data.departments, data.primary)
        self._replace_memberships(session, actor, user, departments, data.primary)
        return self._entry(session, user)

    def _entries(self, session: Session, users: Sequence[User]) -> list[UserEntry]:
        ids = [user.id for user in users]
        roles = self.repo.role_keys_by_user(session, ids)
        departments = self.repo.departments_by_user(session, ids)
        return [
            UserEntry(
                user,
                tuple(roles.get(user.id, ())),
                tuple(Membership(d, primary) for d, primary in departments.get(user.id, ())),
            )
            for user in users
        ]

    def _entry(self, session: Session, user: User) -> UserEntry:
        return self._entries(session, [user])[0]

    def _known_roles(self, session: Session, keys: Sequence[str], pointer: str) -> list[Role]:
        """The roles named (once each, in order), or every unknown one with its pointer. Two
        administrator roles are refused here, before anything changes."""
        found = {role.key: role for role in self.repo.roles_by_keys(session, list(keys))}
        problems = [
            ErrorItem(f"{pointer}/{index}", "role_not_found", f"there is no role {key!r}")
            for index, key in enumerate(keys)
            if key not in found
        ]
        if problems:
            raise Invalid(
                "the request names roles that do not exist",
                errors=problems,
                zh_cn="请求中包含不存在的角色",
            )
        named = [found[key] for key in dict.fromkeys(keys)]
        admin = [role.key for role in named if role.admin_kind]
        if len(admin) > 1:
            message = (
                f"{admin[0]!r} and {admin[1]!r} are both administrator roles; the system, "
                "security and audit administrator roles are exclusive (separation of duties)"
            )
            zh_cn = (
                f"{admin[0]} 和 {admin[1]} 都是管理员角色：系统管理员、安全管理员和审计管理员"
                "三种角色互斥（职责分离）"
            )
            second = f"{pointer}/{list(keys).index(admin[1])}"
            raise Conflict(
                message,
                code="admin_roles_exclusive",
                errors=[ErrorItem(second, "admin_roles_exclusive", message)],
                zh_cn=zh_cn,
            )
        return named

    def _keep_a_holder(self, session: Session, user: User, key: str, pointer: str) -> None:
        """Refuse when ``user`` is the last active holder of a role the instance needs."""
        if key not in PROTECTED_ROLES or user.status != ACTIVE:
            return
        others = [u for u in self.roles.holders(session, key) if u.id != user.id]
        if any(other.status == ACTIVE for other in others):
            return
        message = (
            f"{user.username!r} is the last active {key}; give the role to someone else first so "
            "the instance keeps one"
        )
        zh_cn = (
            f"{user.username} 是最后一位持有 {key} 角色的启用中用户：请先把该角色授予其他人，"
            "确保系统中始终有人持有"
        )
        raise Conflict(
            message,
            code="last_admin_holder",
            errors=[ErrorItem(pointer, "last_admin_holder", message)],
            zh_cn=zh_cn,
        )

    def _known_departments(
        self, session: Session, keys: Sequence[str], primary: str | None
    ) -> list[Department]:
        problems: list[ErrorItem] = []
        found: dict[str, Department] = {}
        for index, key in enumerate(keys):
            department = self.repo.department_by_key(session, key)
            if department is None:
                message = f"there is no department {key!r}"
                problems.append(ErrorItem(f"/departments/{index}", "department_not_found", message))
            else:
                found[key] = department
        if primary is not None and primary not in keys:
            message = "the primary department must be one of `departments`"
            problems.append(ErrorItem("/primary", "primary_not_member", message))
        if problems:
            raise Invalid(
                "the departments cannot be set; nothing was saved",
                errors=problems,
                zh_cn="无法设置部门：未保存任何内容",
            )
        return list(found.values())

    def _replace_memberships(
        self,
        session: Session,
        actor: Actor,
        user: User,
        departments: Sequence[Department],
        primary: str | None,
    ) -> None:
        before = self._membership_snapshot(session, user)
        wanted = {d.id: d.key == primary for d in departments}
        self.repo.replace_memberships(session, user.id, wanted)
        after = self._membership_snapshot(session, user)
        if after != before:
            self._audit_user(
                session, actor, "user.departments", user, {"before": before, "after": after}
            )

    def _membership_snapshot(self, session: Session, user: User) -> dict[str, Any]:
        rows = self.repo.departments_by_user(session, [user.id]).get(user.id, [])
        primary = next((d.key for d, is_primary in rows if is_primary), None)
        return {"departments": [d.key for d, _primary in rows], "primary": primary}
