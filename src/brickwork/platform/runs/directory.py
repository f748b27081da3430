"""The organisation as a flow sees it (the engine's ``Directory``): users by role and
department, department heads up the tree, who is active, and who stands in for whom while
out of office. Reads the users, roles and departments tables through one session; every answer
is kept for the directory's lifetime (one command), so a flow step reads each fact once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from brickwork.platform.auth.identity import ACTIVE
from brickwork.platform.auth.roles import SYSTEM_ADMIN
from brickwork.platform.models import (
    Department,
    OutOfOffice,
    Role,
    User,
    UserDepartment,
    UserRole,
)

T = TypeVar("T")
SYSTEM = "system"
"""The reserved actor of timers and automatic decisions."""


_HOLDERS = (
    select(User.username)
    .join(UserRole, UserRole.user_id == User.id)
    .join(Role, Role.id == UserRole.role_id)
    .where(Role.key == bindparam("role"), User.status == ACTIVE)
    .order_by(User.username)
)
_HOLDERS_IN = (
    _HOLDERS.join(UserDepartment, UserDepartment.user_id == User.id)
    .join(Department, Department.id == UserDepartment.department_id)
    .where(Department.key == bindparam("department"))
)
_DEPARTMENT_OF = (
    select(Department.key)
    .join(UserDepartment, UserDepartment.department_id == Department.id)
    .join(User, User.id == UserDepartment.user_id)
    .where(User.username == bindparam("user"))
    .order_by(UserDepartment.is_primary.desc(), Department.key)
    .limit(1)
)
_HEAD = (
    select(User.username)
    .join(Department, Department.head_user_id == User.id)
    .where(Department.key == bindparam("department"), User.status == ACTIVE)
)
_PARENT_ROW = Department.__table__.alias("parent")
_PARENT = (
    select(_PARENT_ROW.c.key)
    .select_from(Department)
    .join(_PARENT_ROW, _PARENT_ROW.c.id == Department.parent_id)
    .where(Department.key == bindparam("department"))
)
_USERNAMES = select(User.id, User.username).where(User.id.in_(bindparam("ids", expanding=True)))
_DEPARTMENT_KEYS = select(Department.id, Department.key).where(
    Department.id.in_(bindparam("ids", expanding=True))
)
_PERSON = (
    select(User.status, OutOfOffice.delegate, OutOfOffice.starts_at, OutOfOffice.ends_at)
    .select_from(User)
    .outerjoin(OutOfOffice, OutOfOffice.username == User.username)
    .where(User.username == bindparam("username"))
    .order_by(OutOfOffice.created_at.desc(), OutOfOffice.id.desc())
)
"""The directory's statements, built once: building one and its cache key costs more than
running it, and every step of every flow resolves its assignees through them."""


class SqlDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _once(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = load()
        found: T = self._memo[key]
        return found

    def users_with_role(self, role: str, department: str | None) -> Sequence[str]:
        """Active holders of `role` (in `department` when given), by username."""

        def load() -> tuple[str, ...]:
            if department is None:
                return tuple(self.session.scalars(_HOLDERS, {"role": role}))
            found = self.session.scalars(_HOLDERS_IN, {"role": role, "department": department})
            return tuple(found)

        return self._once(("role", role, department), load)

    def department_of(self, username: str) -> str | None:
        """The user's primary department (else the first by key)."""

        def load() -> str | None:
            found: str | None = self.session.scalars(_DEPARTMENT_OF, {"user": username}).first()
            return found

        return self._once(("department_of", username), load)

    def department_head(self, department: str) -> str | None:
        """The head of `department` while their account is active."""

        def load() -> str | None:
            found: str | None = self.session.scalars(_HEAD, {"department": department}).first()
            return found

        return self._once(("head", department), load)

    def parent_department(self, department: str) -> str | None:
        def load() -> str | None:
            found: str | None = self.session.scalars(_PARENT, {"department": department}).first()
            return found

        return self._once(("parent", department), load)

    def usernames_of(self, user_ids: Sequence[str]) -> Mapping[str, str]:
        """Id -> username of the given ids that name a user (a member field holds ids)."""

        def load() -> dict[str, str]:
            rows = self.session.execute(_USERNAMES, {"ids": sorted(set(user_ids))})
            return {row.id: row.username for row in rows}

        return self._once(("usernames", tuple(user_ids)), load) if user_ids else {}

    def department_keys_of(self, department_ids: Sequence[str]) -> Mapping[str, str]:
        """Id -> key of the given ids that name a department (a department field holds ids)."""

        def load() -> dict[str, str]:
            rows = self.session.execute(_DEPARTMENT_KEYS, {"ids": sorted(set(department_ids))})
            return {row.id: row.key for row in rows}

        return self._once(("departments", tuple(department_ids)), load) if department_ids else {}

    def _person(self, username: str) -> tuple[str | None, tuple[Any, ...]]:
        """A user's status and out-of-office entries (newest first), in one statement."""

        def load() -> tuple[str | None, tuple[Any, ...]]:
            rows = self.session.execute(_PERSON, {"username": username}).all()
            if not rows:
                return None, ()
            return rows[0].status, tuple(row for row in rows if row.delegate is not None)

        return self._once(("person", username), load)

    def is_active(self, username: str) -> bool:
        return self._person(username)[0] == ACTIVE

    def delegate_of(self, username: str, at: datetime) -> str | None:
        """Who stands in for `username` at `at` (an active user), from their out-of-office
        entries: the latest entry covering `at` speaks."""
        for entry in self._person(username)[1]:
            if entry.starts_at <= at < entry.ends_at:
                delegate: str = entry.delegate
                if delegate == username or not self.is_active(delegate):
                    return None
                return delegate
        return None

    def administrator(self) -> str:
        """The first active system administrator by username (the reserved `system` when
        there is none): who gets a task no one else was found for."""

        def load() -> str:
            found = self.users_with_role(SYSTEM_ADMIN, None)
            return found[0] if found else SYSTEM

        return self._once(("administrator",), load)
