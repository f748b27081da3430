"""Sign-in with lockout, browser sessions (idle timeout, absolute lifetime, CSRF), sign-out,
and API-token authentication into an ``Identity``.

Never commits. A sign-in failure comes back as a refusal value, not an exception, so the caller
can commit its bookkeeping (failure counter, lock, audit event) while the request fails. Session
and CSRF tokens are returned once and stored only as SHA-256 digests; neither they nor passwords
are logged or audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth import credentials
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import (
    ACTIVE,
    USERNAME_PATTERN,
    Identity,
    IdentityConfig,
    normalise_username,
)
from brickwork.platform.auth.passwords import Hasher
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.auth.roles import RoleService
from brickwork.platform.auth.tokens import TokenService
from brickwork.platform.clock import Clock
from brickwork.platform.errors import ErrorItem, Forbidden, Locked, PlatformError, Unauthorized
from brickwork.platform.models import User, UserSession


@dataclass(frozen=True, slots=True)
class SignIn:
    """A successful sign-in. ``session_token`` and ``csrf_token`` exist only here."""

    user: User
    roles: tuple[str, ...]
    session_token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    sign_in: SignIn | None = None
    refusal: PlatformError | None = None


class SessionService:
    def __init__(
        self,
        *,
        clock: Clock,
        config: IdentityConfig,
        repository: IdentityRepository,
        audit: AuditLog,
        hasher: Hasher,
        roles: RoleService,
        tokens: TokenService,
    ) -> None:
        self.clock = clock
        self.config = config
        self.repo = repository
        self.audit = audit
        self.hasher = hasher
        self.roles = roles
        self.tokens = tokens

    def login(
        self,
        session: Session,
        username: str,
        password: str,
        *,
        ip: str | None,
        user_agent: str | None,
        request_id: str | None = None,
    ) -> LoginOutcome:
        """Check the credentials; on success open a session. A refusal is returned (not raised)
        after its bookkeeping, so the caller commits it and then raises it."""
        name = normalise_username(username)
        known_shape = USERNAME_PATTERN.match(name) is not None
        origin = Actor(username=name if known_shape else "anonymous", ip=ip, request_id=request_id)
        user = self.repo.user_by_username(session, name, lock=True) if known_shape else None
        if user is None:
            self.hasher.verify_dummy(password)
            return self._refuse(session, origin, None, "unknown_user", invalid_credentials())
        now = self.clock()
        if user.locked_until is not None:
            if now < user.locked_until:
                return self._refuse(session, origin, user, "locked", account_locked(user))
            user.locked_until, user.failed_attempts = None, 0
        if not self.hasher.verify(user.password_hash, password):
            return self._failed_password(session, origin, user, now)
        if user.status != ACTIVE:
            refusal = Forbidden("this account is disabled", code="account_disabled")
            return self._refuse(session, origin, user, "disabled", refusal)
        if self.hasher.needs_rehash(user.password_hash):
            user.password_hash = self.hasher.hash(password)
        user.failed_attempts = 0
        user.last_login_at = now
        sign_in = self._open_session(session, user, now, ip=ip, user_agent=user_agent)
        self.audit.record(
            session,
            _with_roles(origin, sign_in.roles),
            "auth.login",
            object_type="user",
            object_id=user.id,
            details={"ip": ip, "user_agent": (user_agent or "")[:500] or None},
        )
        return LoginOutcome(sign_in=sign_in)

    def _failed_password(
        self, session: Session, origin: Actor, user: User, now: datetime
    ) -> LoginOutcome:
        user.failed_attempts += 1
        if user.failed_attempts >= self.config.lockout_attempts:
            user.locked_until = now + self.config.lockout
            self.repo.save(session)
            self._audit_user(
                session,
                origin,
                "auth.lockout",
                user,
                {"attempts": user.failed_attempts, "locked_until": user.locked_until},
            )
        return self._refuse(session, origin, user, "wrong_password", invalid_credentials())

    def _refuse(
        self,
        session: Session,
        origin: Actor,
        user: User | None,
        reason: str,
        refusal: PlatformError,
    ) -> LoginOutcome:
        self.repo.save(session)
        self.audit.record(
            session,
            origin,
            "auth.login",
            object_type="user",
            object_id=user.id if user else None,
            result="failure",
            details={"reason": reason, "ip": origin.ip},
        )
        return LoginOutcome(refusal=refusal)

    def _open_session(
        self, session: Session, user: User, now: datetime, *, ip: str | None, user_agent: str | None
    ) -> SignIn:
        token, csrf = credentials.new_secret(), credentials.new_secret()
        expires_at = now + self.config.session_lifetime
        row = UserSession(
            id=credentials.digest(token),
            user_id=user.id,
            csrf_hash=credentials.digest(csrf),
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            revoked_at=None,
            ip=ip,
            user_agent=(user_agent or "")[:500] or None,
        )
        self.repo.add(session, row)
        return SignIn(user, self.roles.keys_of(session, user), token, csrf, expires_at)

    def authenticate_session(
        self, session: Session, token: str, *, csrf_token: str | None, require_csrf: bool
    ) -> Identity:
        """The identity behind a session cookie; checks revocation, idle timeout, absolute
        lifetime and (for unsafe methods) the CSRF token. Marks the session as seen."""
        row = self.repo.session_by_id(session, credentials.digest(token))
        if row is None or row.revoked_at is not None:
            raise Unauthorized("the session is not valid; sign in again", code="session_invalid")
        now = self.clock()
        if now >= row.expires_at or now - row.last_seen_at >= self.config.idle_timeout:
            raise Unauthorized("the session has expired; sign in again", code="session_expired")
        user = self.repo.user_by_id(session, row.user_id)
        if user is None or user.status != ACTIVE:
            raise Unauthorized("the session is not valid; sign in again", code="session_invalid")
        if require_csrf and (
            not csrf_token or not credentials.same_digest(csrf_token, row.csrf_hash)
        ):
            raise Forbidden(
                "send the CSRF token from sign-in in the X-CSRF-Token header",
                code="csrf_failed",
            )
        row.last_seen_at = now
        self.repo.save(session)
        return Identity(user, self.roles.keys_of(session, user), session_id=row.id)

    def authenticate_token(self, session: Session, secret: str) -> Identity:
        row, user = self.tokens.authenticate(session, secret)
        self.repo.save(session)
        return Identity(
            user,
            self.roles.keys_of(session, user),
            token_id=row.id,
            scopes=tuple(row.scopes),
        )

    def logout(self, session: Session, actor: Actor, identity: Identity) -> None:
        if identity.session_id is None:
            return
        row = self.repo.session_by_id(session, identity.session_id)
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = self.clock()
        self.repo.save(session)
        self._audit_user(session, actor, "auth.logout", identity.user, {})

    # ------------------------------------------------------------ helpers

    def _audit_user(
        self, session: Session, actor: Actor, action: str, user: User, details: dict[str, object]
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="user",
            object_id=user.id,
            details={"user": user.username, **details},
        )


def invalid_credentials() -> Unauthorized:
    """The same answer for an unknown user and a wrong password (no user enumeration)."""
    return Unauthorized("the user name or password is wrong", code="invalid_credentials")


def account_locked(user: User) -> Locked:
    assert user.locked_until is not None
    until = user.locked_until.isoformat()
    message = f"too many failed sign-ins; the account is locked until {until}"
    item = ErrorItem("", "account_locked", f"locked until {until}")
    return Locked(message, code="account_locked", errors=[item])


def _with_roles(actor: Actor, roles: tuple[str, ...]) -> Actor:
    return Actor(
        username=actor.username,
        roles=roles,
        ip=actor.ip,
        request_id=actor.request_id,
        channel=actor.channel,
        locale=actor.locale,
    )
