"""SQL of identities: users, password history, roles, sessions and API tokens.

Nothing else in the area runs queries. Never commits; never sees a clear-text secret (only hashes).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brickwork.platform.errors import Conflict
from brickwork.platform.models import (
    ApiToken,
    Department,
    PasswordHistory,
    RecoveryCode,
    Role,
    SignInFailure,
    User,
    UserDepartment,
    UserRole,
    UserSession,
)


class IdentityRepository:
    # ------------------------------------------------------------ users

    def user_by_username(
        self, session: Session, username: str, *, lock: bool = False
    ) -> User | None:
        query = select(User).where(User.username == username)
        if lock:
            query = query.with_for_update()
        return session.scalars(query).one_or_none()

    def user_by_id(self, session: Session, user_id: str) -> User | None:
        return session.get(User, user_id)

    def add(
        self,
        session: Session,
        row: User
        | PasswordHistory
        | UserRole
        | UserSession
        | ApiToken
        | Role
        | RecoveryCode
        | SignInFailure,
    ) -> None:
        session.add(row)
        self.save(session)

    def save(self, session: Session) -> None:
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(
                "someone else changed this at the same moment; reload and try again",
                code="concurrent_change",
                zh_cn="他人同时修改了此内容：请刷新后重试",
            ) from exc

    # ------------------------------------------------------------ password history

    def recent_password_hashes(self, session: Session, user_id: str, count: int) -> list[str]:
        if count <= 0:
            return []
        query = (
            select(PasswordHistory.hash)
            .where(PasswordHistory.user_id == user_id)
            .order_by(PasswordHistory.id.desc())
            .limit(count)
        )
        return list(session.scalars(query))

    def prune_password_history(self, session: Session, user_id: str, keep: int) -> None:
        kept = (
            select(PasswordHistory.id)
            .where(PasswordHistory.user_id == user_id)
            .order_by(PasswordHistory.id.desc())
            .limit(max(keep, 1))
        )
        session.execute(
            delete(PasswordHistory).where(
                PasswordHistory.user_id == user_id,
                PasswordHistory.id.not_in(kept.scalar_subquery()),
            )
        )

    # ------------------------------------------------------------ roles

    def role_by_key(self, session: Session, key: str) -> Role | None:
        return session.scalars(select(Role).where(Role.key == key)).one_or_none()

    def roles_of(self, session: Session, user_id: str) -> Sequence[Role]:
        return session.scalars(_ROLES_OF, {"user": user_id}).all()

    def user_role(self, session: Session, user_id: str, role_id: str) -> UserRole | None:
        return session.get(UserRole, (user_id, role_id))

    def revoke_grant(self, session: Session, row: UserRole) -> None:
        session.delete(row)
        session.flush()

    def holders_of(self, session: Session, role_key: str) -> Sequence[User]:
        query = (
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Role, Role.id == UserRole.role_id)
            .where(Role.key == role_key)
            .order_by(User.username)
        )
        return session.scalars(query).all()

    def roles_by_keys(self, session: Session, keys: Sequence[str]) -> Sequence[Role]:
        if not keys:
            return ()
        return session.scalars(_ROLES_BY_KEYS, {"keys": list(keys)}).all()

    # ------------------------------------------------------------ departments

    def memberships(self, session: Session, user_id: str) -> Sequence[UserDepartment]:
        return session.scalars(_MEMBERSHIPS, {"user": user_id}).all()

    def departments_of(self, session: Session, user_id: str) -> list[tuple[str, bool]]:
        """(department id, primary?) of the user's memberships, as plain values (every
        permission check reads them)."""
        found = session.execute(_DEPARTMENTS_OF, {"user": user_id})
        return [(row[0], bool(row[1])) for row in found]

    def department_links(self, session: Session) -> list[tuple[str, str | None]]:
        """(id, parent id) of every department: the tree, for scope expansion."""
        rows = session.execute(select(Department.id, Department.parent_id)).all()
        return [(row[0], row[1]) for row in rows]

    # ------------------------------------------------------------ sessions

    def session_by_id(self, session: Session, session_id: str) -> UserSession | None:
        return session.get(UserSession, session_id)

    def session_with_user(
        self, session: Session, session_id: str
    ) -> tuple[UserSession, User, list[Role]] | None:
        """A session, its user and the user's roles (by key) in one query: every request
        authenticates this way."""
        rows = session.execute(_SESSION_WITH_USER, {"session": session_id}).all()
        if not rows:
            return None
        roles = [row[2] for row in rows if row[2] is not None]
        return rows[0][0], rows[0][1], roles

    def revoke_sessions(
        self, session: Session, user_id: str, *, now: datetime, keep: str | None = None
    ) -> int:
        statement = update(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(UserSession.id != keep)
        result = session.execute(
            statement.values(revoked_at=now), execution_options={"synchronize_session": "fetch"}
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def touch_session(self, session: Session, session_id: str, *, now: datetime) -> None:
        session.execute(
            update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
        )

    # ------------------------------------------------------------ API tokens

    def touch_token(self, session: Session, token_id: str, *, now: datetime) -> None:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))

    def token_by_hash(self, session: Session, token_hash: str) -> ApiToken | None:
        return session.scalars(
            select(ApiToken).where(ApiToken.token_hash == token_hash)
        ).one_or_none()

    def token_by_id(self, session: Session, token_id: str) -> ApiToken | None:
        return session.get(ApiToken, token_id)

    def tokens_of(self, session: Session, user_id: str) -> Sequence[ApiToken]:
        query = (
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at, ApiToken.id)
        )
        return session.scalars(query).all()

    # ------------------------------------------------------------ failed sign-ins

    def source_failures(
        self, session: Session, source: str, *, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many failures ``source`` had since ``since``, and when the last one was."""
        row = session.execute(
            select(func.count(), func.max(SignInFailure.at)).where(
                SignInFailure.source == source, SignInFailure.at >= since
            )
        ).one()
        return int(row[0] or 0), row[1]

    def account_failures_by_source(
        self, session: Session, user_id: str, *, since: datetime
    ) -> list[int]:
        """The account's failures since ``since``, counted per source address."""
        query = (
            select(func.count())
            .where(SignInFailure.user_id == user_id, SignInFailure.at >= since)
            .group_by(SignInFailure.source)
        )
        return [int(count) for count in session.scalars(query)]

    def forget_failures(
        self, session: Session, *, user_id: str | None = None, before: datetime | None = None
    ) -> None:
        """Drop the account's failures (after a success or an unlock), or every failure older
        than ``before`` (no window looks that far back)."""
        statement = delete(SignInFailure)
        if user_id is not None:
            statement = statement.where(SignInFailure.user_id == user_id)
        if before is not None:
            statement = statement.where(SignInFailure.at < before)
        session.execute(statement)

    # ------------------------------------------------------------ multi-factor sign-in

    def recovery_codes(self, session: Session, user_id: str) -> Sequence[RecoveryCode]:
        query = select(RecoveryCode).where(RecoveryCode.user_id == user_id)
        return session.scalars(query.order_by(RecoveryCode.created_at, RecoveryCode.id)).all()

    def drop_recovery_codes(self, session: Session, user_id: str) -> None:
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))

    def roles_requiring_mfa(self, session: Session, user_id: str) -> list[str]:
        """Keys of the user's roles that ask for a second factor (administrator roles always)."""
        query = (
            select(Role.key)
            .join(UserRole, UserRole.role_id == Role.id)
            .where(
                UserRole.user_id == user_id,
                or_(Role.admin_kind.is_not(None), Role.require_mfa.is_(True)),
            )
            .order_by(Role.key)
        )
        return list(session.scalars(query))

    # ------------------------------------------------------------ inactivity

    def active_users(self, session: Session) -> Sequence[User]:
        query = select(User).where(User.status == "active").order_by(User.username)
        return session.scalars(query).all()

    def last_token_use(
        self, session: Session, user_ids: Sequence[str] | None = None
    ) -> dict[str, datetime]:
        """When each user's API tokens were last used (users whose tokens never were: absent)."""
        query = select(ApiToken.user_id, func.max(ApiToken.last_used_at)).where(
            ApiToken.last_used_at.is_not(None)
        )
        if user_ids is not None:
            query = query.where(ApiToken.user_id.in_(set(user_ids)))
        rows = session.execute(query.group_by(ApiToken.user_id)).all()
        return {user_id: used for user_id, used in rows if used is not None}

    # ------------------------------------------------------------ administration (directory)

    def search_users(
        self,
        session: Session,
        *,
        q: str | None = None,
        status: str | None = None,
        role: str | None = None,
        department: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[Sequence[User], int]:
        """A page of users by user name, and how many match in all. ``q`` matches user and
        display names (case-insensitive, wildcards taken literally); ``role`` and
        ``department`` are keys (direct membership)."""
        conditions: list[ColumnElement[bool]] = []
        if q:
            conditions.append(
                or_(
                    User.username.icontains(q, autoescape=True),
                    User.display_name.icontains(q, autoescape=True),
                )
            )
        if status is not None:
            conditions.append(User.status == status)
        if role is not None:
            holders = (
                select(UserRole.user_id)
                .join(Role, Role.id == UserRole.role_id)
                .where(Role.key == role)
            )
            conditions.append(User.id.in_(holders))
        if department is not None:
            members = (
                select(UserDepartment.user_id)
                .join(Department, Department.id == UserDepartment.department_id)
                .where(Department.key == department)
            )
            conditions.append(User.id.in_(members))
        total = session.scalar(select(func.count()).select_from(User).where(*conditions))
        query = select(User).where(*conditions).order_by(User.username).limit(limit).offset(offset)
        return session.scalars(query).all(), int(total or 0)

    def display_names(self, session: Session, usernames: Collection[str]) -> dict[str, str]:
        """The display names of those of ``usernames`` that have one, by user name."""
        if not usernames:
            return {}
        rows = session.execute(
            select(User.username, User.display_name).where(User.username.in_(set(usernames)))
        ).all()
        return {username: display for username, display in rows if display}

    def users_by_ids(self, session: Session, user_ids: Sequence[str]) -> dict[str, User]:
        if not user_ids:
            return {}
        rows = session.scalars(select(User).where(User.id.in_(set(user_ids)))).all()
        return {row.id: row for row in rows}

    def role_keys_by_user(self, session: Session, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """The role keys of each of the users (sorted; users without roles are absent)."""
        if not user_ids:
            return {}
        query = (
            select(UserRole.user_id, Role.key)
            .join(Role, Role.id == UserRole.role_id)
            .where(UserRole.user_id.in_(set(user_ids)))
            .order_by(Role.key)
        )
        keys: dict[str, list[str]] = {}
        for user_id, key in session.execute(query).all():
            keys.setdefault(user_id, []).append(key)
        return keys

    def departments_by_user(
        self, session: Session, user_ids: Sequence[str]
    ) -> dict[str, list[tuple[Department, bool]]]:
        """The departments of each of the users, with whether each is their primary one."""
        if not user_ids:
            return {}
        query = (
            select(UserDepartment.user_id, Department, UserDepartment.is_primary)
            .join(Department, Department.id == UserDepartment.department_id)
            .where(UserDepartment.user_id.in_(set(user_ids)))
            .order_by(Department.key)
        )
        found: dict[str, list[tuple[Department, bool]]] = {}
        for user_id, department, is_primary in session.execute(query).all():
            found.setdefault(user_id, []).append((department, bool(is_primary)))
        return found

    def replace_memberships(self, session: Session, user_id: str, wanted: dict[str, bool]) -> None:
        """Make the user's departments exactly ``wanted`` (department id -> is primary)."""
        current = {row.department_id: row for row in self.memberships(session, user_id)}
        for department_id, row in current.items():
            if department_id not in wanted:
                session.delete(row)
        for department_id, primary in wanted.items():
            kept = current.get(department_id)
            if kept is None:
                session.add(
                    UserDepartment(user_id=user_id, department_id=department_id, is_primary=primary)
                )
            else:
                kept.is_primary = primary
        self.save(session)

    def departments(self, session: Session) -> Sequence[Department]:
        return session.scalars(select(Department).order_by(Department.key)).all()

    def department_by_key(self, session: Session, key: str) -> Department | None:
        return session.scalars(select(Department).where(Department.key == key)).one_or_none()

    def department_by_id(self, session: Session, department_id: str | None) -> Department | None:
        return session.get(Department, department_id) if department_id else None

    def add_department(self, session: Session, department: Department) -> None:
        session.add(department)
        self.save(session)

    def delete_department(self, session: Session, department: Department) -> None:
        session.delete(department)
        self.save(session)

    def department_usage(self, session: Session, department_id: str) -> tuple[int, int]:
        """(child departments, members) of the department."""
        children = session.scalar(
            select(func.count())
            .select_from(Department)
            .where(Department.parent_id == department_id)
        )
        members = session.scalar(
            select(func.count())
            .select_from(UserDepartment)
            .where(UserDepartment.department_id == department_id)
        )
        return int(children or 0), int(members or 0)

    def roles(self, session: Session) -> Sequence[Role]:
        return session.scalars(select(Role).order_by(Role.key)).all()

    def role_holder_counts(self, session: Session) -> dict[str, int]:
        """How many users hold each role, by role id (roles nobody holds are absent)."""
        query = select(UserRole.role_id, func.count()).group_by(UserRole.role_id)
        return {role_id: int(count) for role_id, count in session.execute(query).all()}

    def delete_role(self, session: Session, role: Role) -> None:
        session.delete(role)
        self.save(session)


# Read on every request that authenticates or checks permissions: built once (building one costs
# more than running it on SQLite).
_ROLES_BY_KEYS = (
    select(Role).where(Role.key.in_(bindparam("keys", expanding=True))).order_by(Role.key)
)
_MEMBERSHIPS = (
    select(UserDepartment)
    .where(UserDepartment.user_id == bindparam("user"))
    .order_by(UserDepartment.department_id)
)
_USER_DEPARTMENTS: Table = UserDepartment.__table__  # type: ignore[assignment]
_DEPARTMENTS_OF = (
    select(_USER_DEPARTMENTS.c.department_id, _USER_DEPARTMENTS.c.is_primary)
    .where(_USER_DEPARTMENTS.c.user_id == bindparam("user"))
    .order_by(_USER_DEPARTMENTS.c.department_id)
)
_SESSION_WITH_USER = (
    select(UserSession, User, Role)
    .join(User, User.id == UserSession.user_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .outerjoin(Role, Role.id == UserRole.role_id)
    .where(UserSession.id == bindparam("session"))
    .order_by(Role.key)
)
_ROLES_OF = (
    select(Role)
    .join(UserRole, UserRole.role_id == Role.id)
    .where(UserRole.user_id == bindparam("user"))
    .order_by(Role.key)
)
