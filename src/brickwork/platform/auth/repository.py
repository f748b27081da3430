"""SQL of identities: users, password history, roles, sessions and API tokens.

Nothing else in the area runs queries. Never commits; never sees a clear-text secret (only hashes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brickwork.platform.errors import Conflict
from brickwork.platform.models import (
    ApiToken,
    Department,
    PasswordHistory,
    Role,
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
        row: User | PasswordHistory | UserRole | UserSession | ApiToken | Role,
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
        query = (
            select(Role)
            .join(UserRole, UserRole.role_id == Role.id)
            .where(UserRole.user_id == user_id)
            .order_by(Role.key)
        )
        return session.scalars(query).all()

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
        return session.scalars(select(Role).where(Role.key.in_(keys)).order_by(Role.key)).all()

    # ------------------------------------------------------------ departments

    def memberships(self, session: Session, user_id: str) -> Sequence[UserDepartment]:
        query = select(UserDepartment).where(UserDepartment.user_id == user_id)
        return session.scalars(query.order_by(UserDepartment.department_id)).all()

    def department_links(self, session: Session) -> list[tuple[str, str | None]]:
        """(id, parent id) of every department: the tree, for scope expansion."""
        rows = session.execute(select(Department.id, Department.parent_id)).all()
        return [(row[0], row[1]) for row in rows]

    # ------------------------------------------------------------ sessions

    def session_by_id(self, session: Session, session_id: str) -> UserSession | None:
        return session.get(UserSession, session_id)

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

    # ------------------------------------------------------------ API tokens

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
