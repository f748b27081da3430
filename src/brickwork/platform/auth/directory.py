"""Identity administration: users, their roles and departments, the department tree and business
roles, as the security administrator manages them.

Every method first checks that the actor is a security administrator (or a trusted internal
actor), so the HTTP API, the CLI and any other caller pass the same check. Two invariants hold
whatever the caller asks: a security administrator cannot disable themselves or drop their own
``security_admin`` role, and the last active holder of ``system_admin`` or ``security_admin``
keeps it. Every change is audited in the caller's transaction; never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import (
    DepartmentCreate,
    DepartmentUpdate,
    Memberships,
    RoleAssignment,
    RoleCreate,
    RoleUpdate,
    UserCreate,
    UserUpdate,
)
from brickwork.platform.auth.identity import ACTIVE, normalise_username
from brickwork.platform.auth.policy import grants_json
from brickwork.platform.auth.roles import SECURITY_ADMIN, SYSTEM_ADMIN
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.clock import new_id
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden, Invalid, NotFound
from brickwork.platform.models import Department, Role, User
from brickwork.platform.vocabulary import I18nText

PROTECTED_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN)
"""Roles the instance must never be left without (an active holder each)."""
Links = Sequence[tuple[str, str | None]]


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


@dataclass(frozen=True, slots=True)
class DepartmentEntry:
    department: Department
    parent: str | None
    head: str | None
    depth: int


@dataclass(frozen=True, slots=True)
class RoleEntry:
    role: Role
    holders: int


# ---------------------------------------------------------------- the tree (pure)


def tree_order(links: Links) -> list[tuple[str, int]]:
    """Ids with their depth, each department before its children, siblings in ``links`` order.
    Nodes caught in a (stored, never created here) cycle come last at depth 0."""
    ids = {node for node, _parent in links}
    children: dict[str | None, list[str]] = {}
    for node, parent in links:
        children.setdefault(parent if parent in ids else None, []).append(node)
    ordered: list[tuple[str, int]] = []
    seen: set[str] = set()
    stack = [(node, 0) for node in reversed(children.get(None, []))]
    while stack:
        node, depth = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        ordered.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(node, [])))
    ordered.extend((node, 0) for node, _parent in links if node not in seen)
    return ordered


def ancestors(links: Links, node: str | None) -> list[str]:
    """``node`` and the departments above it, nearest first (stops at a stored cycle)."""
    parents = dict(links)
    chain: list[str] = []
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def creates_cycle(links: Links, node: str, new_parent: str) -> bool:
    """Whether putting ``node`` under ``new_parent`` would make it its own ancestor."""
    return node in ancestors(links, new_parent)


def _text(value: I18nText) -> dict[str, str]:
    return value.model_dump(by_alias=True, exclude_none=True)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed = [key for key in after if after[key] != before.get(key)]
    return {
        "before": {key: before.get(key) for key in changed},
        "after": {key: after[key] for key in changed},
    }


class DirectoryService:
    def __init__(self, identities: IdentityService) -> None:
        self.identities = identities
        self.repo = identities.repo
        self.audit = identities.audit
        self.roles = identities.roles
        self.permissions = identities.permissions

    def _require(self, actor: Actor) -> None:
        self.permissions.require_admin(actor, SECURITY_ADMIN, "identity")

    # ------------------------------------------------------------ users

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
            self._audit_user(session, actor, "user.update", user, _changes(before, after))
        return self._entry(session, user)

    def set_active(
        self, session: Session, actor: Actor, username: str, *, active: bool
    ) -> UserEntry:
        self._require(actor)
        user = self.identities.user(session, username)
        if not active and user.status == ACTIVE:
            if actor.user_id == user.id:
                message = "you cannot disable your own account; ask another security administrator"
                raise Conflict(message, code="cannot_disable_self")
            for key in self.roles.keys_of(session, user):
                self._keep_a_holder(session, user, key, "")
        self.identities.set_active(session, actor, username, active=active)
        return self._entry(session, user)

    def unlock(self, session: Session, actor: Actor, username: str) -> UserEntry:
        self._require(actor)
        return self._entry(session, self.identities.unlock(session, actor, username))

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
                raise Conflict(
                    message,
                    code="cannot_drop_own_admin_role",
                    errors=[ErrorItem("/roles", "cannot_drop_own_admin_role", message)],
                )
            self._keep_a_holder(session, user, key, "/roles")
        if granted and actor.user_id == user.id:
            message = (
                "you cannot give yourself roles; another security administrator must grant them "
                "(separation of duties)"
            )
            raise Forbidden(
                message,
                code="cannot_grant_self",
                errors=[ErrorItem("/roles", "cannot_grant_self", message)],
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

    # ------------------------------------------------------------ departments

    def departments(self, session: Session, actor: Actor) -> list[DepartmentEntry]:
        """Every department in tree order (parents first, siblings by key)."""
        self._require(actor)
        rows = self.repo.departments(session)
        by_id = {row.id: row for row in rows}
        heads = self.repo.users_by_ids(session, [r.head_user_id for r in rows if r.head_user_id])
        entries: list[DepartmentEntry] = []
        for node, depth in tree_order([(row.id, row.parent_id) for row in rows]):
            row = by_id[node]
            parent = by_id.get(row.parent_id) if row.parent_id else None
            head = heads.get(row.head_user_id) if row.head_user_id else None
            entries.append(
                DepartmentEntry(
                    row,
                    parent.key if parent else None,
                    head.username if head else None,
                    depth,
                )
            )
        return entries

    def create_department(
        self, session: Session, actor: Actor, data: DepartmentCreate
    ) -> DepartmentEntry:
        self._require(actor)
        if self.repo.department_by_key(session, data.key) is not None:
            raise Conflict(
                f"a department with key {data.key!r} exists; choose another key",
                code="department_exists",
                errors=[ErrorItem("/key", "department_exists", "this key is taken")],
            )
        parent = self._department_ref(session, data.parent, "/parent")
        head = self._user_ref(session, data.head, "/head")
        department = Department(
            id=new_id(),
            key=data.key,
            name=_text(data.name),
            parent_id=parent.id if parent else None,
            head_user_id=head.id if head else None,
        )
        self.repo.add_department(session, department)
        snapshot = self._department_snapshot(session, department)
        self._audit_department(session, actor, "department.create", department, snapshot)
        return self._department_entry(session, department)

    def update_department(
        self, session: Session, actor: Actor, key: str, data: DepartmentUpdate
    ) -> DepartmentEntry:
        self._require(actor)
        department = self._department(session, key)
        moves = "parent" in data.model_fields_set
        parent = self._department_ref(session, data.parent, "/parent") if moves else None
        if parent is not None and creates_cycle(
            self.repo.department_links(session), department.id, parent.id
        ):
            message = (
                f"{parent.key!r} is {key!r} or lies below it; a department cannot be its own "
                "ancestor"
            )
            raise Invalid(
                message,
                code="department_cycle",
                errors=[ErrorItem("/parent", "department_cycle", message)],
            )
        heads = "head" in data.model_fields_set
        head = self._user_ref(session, data.head, "/head") if heads else None
        before = self._department_snapshot(session, department)
        if data.name is not None:
            department.name = _text(data.name)
        if moves:
            department.parent_id = parent.id if parent else None
        if heads:
            department.head_user_id = head.id if head else None
        self.repo.save(session)
        after = self._department_snapshot(session, department)
        if after != before:
            changes = _changes(before, after)
            self._audit_department(session, actor, "department.update", department, changes)
        return self._department_entry(session, department)

    def delete_department(self, session: Session, actor: Actor, key: str) -> None:
        """Only an empty leaf: no departments below it and no members."""
        self._require(actor)
        department = self._department(session, key)
        children, members = self.repo.department_usage(session, department.id)
        if children or members:
            raise Conflict(
                f"department {key!r} has {children} department(s) below it and {members} "
                "member(s); move them first",
                code="department_in_use",
            )
        snapshot = self._department_snapshot(session, department)
        self._audit_department(session, actor, "department.delete", department, snapshot)
        self.repo.delete_department(session, department)

    # ------------------------------------------------------------ roles

    def all_roles(self, session: Session, actor: Actor) -> list[RoleEntry]:
        self._require(actor)
        counts = self.repo.role_holder_counts(session)
        return [RoleEntry(role, counts.get(role.id, 0)) for role in self.repo.roles(session)]

    def role(self, session: Session, actor: Actor, key: str) -> RoleEntry:
        self._require(actor)
        role = self.roles.role(session, key)
        return RoleEntry(role, self.repo.role_holder_counts(session).get(role.id, 0))

    def create_role(self, session: Session, actor: Actor, data: RoleCreate) -> RoleEntry:
        """A business role without grants (``set_grants`` gives it some)."""
        self._require(actor)
        if self.repo.role_by_key(session, data.key) is not None:
            raise Conflict(
                f"a role with key {data.key!r} exists; choose another key",
                code="role_exists",
                errors=[ErrorItem("/key", "role_exists", "this key is taken")],
            )
        role = Role(
            id=new_id(),
            key=data.key,
            label=_text(data.label),
            builtin=False,
            admin_kind=None,
            permissions=[],
            description=data.description,
        )
        self.repo.add(session, role)
        details = {"label": role.label, "description": role.description}
        self._audit_role(session, actor, "role.create", role, details)
        return RoleEntry(role, 0)

    def update_role(self, session: Session, actor: Actor, key: str, data: RoleUpdate) -> RoleEntry:
        self._require(actor)
        role = self._business_role(session, key)
        before = {"label": role.label, "description": role.description}
        if data.label is not None:
            role.label = _text(data.label)
        if data.description is not None:
            role.description = data.description
        after = {"label": role.label, "description": role.description}
        if after != before:
            self.repo.save(session)
            self._audit_role(session, actor, "role.update", role, _changes(before, after))
        return RoleEntry(role, self.repo.role_holder_counts(session).get(role.id, 0))

    def delete_role(self, session: Session, actor: Actor, key: str) -> None:
        """Only a business role nobody holds (revoke it from its holders first)."""
        self._require(actor)
        role = self._business_role(session, key)
        holders = self.repo.role_holder_counts(session).get(role.id, 0)
        if holders:
            raise Conflict(
                f"{holders} user(s) hold role {key!r}; revoke it from them first",
                code="role_in_use",
            )
        details = {"label": role.label, "grants": role.permissions}
        self._audit_role(session, actor, "role.delete", role, details)
        self.repo.delete_role(session, role)

    def grants(self, session: Session, actor: Actor, key: str) -> list[dict[str, Any]]:
        self._require(actor)
        return grants_json(self.permissions.role_grants(session, self.roles, key))

    def set_grants(
        self, session: Session, actor: Actor, key: str, raw: Any
    ) -> list[dict[str, Any]]:
        """Replace the role's grants (checked and audited by the permission service)."""
        self._require(actor)
        return grants_json(self.permissions.set_role_grants(session, actor, self.roles, key, raw))

    # ------------------------------------------------------------ helpers: users

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
            raise Invalid("the request names roles that do not exist", errors=problems)
        named = [found[key] for key in dict.fromkeys(keys)]
        admin = [role.key for role in named if role.admin_kind]
        if len(admin) > 1:
            message = (
                f"{admin[0]!r} and {admin[1]!r} are both administrator roles; the system, "
                "security and audit administrator roles are exclusive (separation of duties)"
            )
            second = f"{pointer}/{list(keys).index(admin[1])}"
            raise Conflict(
                message,
                code="admin_roles_exclusive",
                errors=[ErrorItem(second, "admin_roles_exclusive", message)],
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
        raise Conflict(
            message,
            code="last_admin_holder",
            errors=[ErrorItem(pointer, "last_admin_holder", message)],
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
            raise Invalid("the departments cannot be set; nothing was saved", errors=problems)
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

    # ------------------------------------------------------------ helpers: departments

    def _department(self, session: Session, key: str) -> Department:
        department = self.repo.department_by_key(session, key)
        if department is None:
            raise NotFound(f"there is no department {key!r}", code="department_not_found")
        return department

    def _department_ref(self, session: Session, key: str | None, pointer: str) -> Department | None:
        if key is None:
            return None
        department = self.repo.department_by_key(session, key)
        if department is None:
            message = f"there is no department {key!r}"
            raise Invalid(message, errors=[ErrorItem(pointer, "department_not_found", message)])
        return department

    def _user_ref(self, session: Session, username: str | None, pointer: str) -> User | None:
        if username is None:
            return None
        user = self.repo.user_by_username(session, normalise_username(username))
        if user is None:
            message = f"there is no user {username!r}"
            raise Invalid(message, errors=[ErrorItem(pointer, "user_not_found", message)])
        return user

    def _department_snapshot(self, session: Session, department: Department) -> dict[str, Any]:
        entry = self._department_entry(session, department)
        return {"name": department.name, "parent": entry.parent, "head": entry.head}

    def _department_entry(self, session: Session, department: Department) -> DepartmentEntry:
        links = self.repo.department_links(session)
        parent = self.repo.department_by_id(session, department.parent_id)
        head = self.repo.user_by_id(session, department.head_user_id or "")
        return DepartmentEntry(
            department,
            parent.key if parent else None,
            head.username if head else None,
            len(ancestors(links, department.id)) - 1,
        )

    def _audit_department(
        self,
        session: Session,
        actor: Actor,
        action: str,
        department: Department,
        details: dict[str, Any],
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="department",
            object_id=department.id,
            details={"department": department.key, **details},
        )

    # ------------------------------------------------------------ helpers: roles

    def _business_role(self, session: Session, key: str) -> Role:
        role = self.roles.role(session, key)
        if role.builtin:
            message = f"{key!r} is a built-in role; it cannot be changed or deleted"
            raise Invalid(
                message, code="role_builtin", errors=[ErrorItem("", "role_builtin", message)]
            )
        return role

    def _audit_role(
        self, session: Session, actor: Actor, action: str, role: Role, details: dict[str, Any]
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="role",
            object_id=role.id,
            details={"role": role.key, **details},
        )
