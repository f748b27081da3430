"""Sign-in with per-source backoff, account lockout and the second factor, browser sessions
(idle timeout, absolute lifetime, CSRF), sign-out, and API-token authentication into an
``Identity``.

Never commits. A sign-in failure comes back as a refusal value, not an exception, so the caller
can commit its bookkeeping (failure counter, lock, audit event) while the request fails. Session
and CSRF tokens are returned once and stored only as SHA-256 digests; neither they nor passwords
are logged or audited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth import credentials
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import (
    ACTIVE,
    ACTIVITY_INTERVAL,
    USERNAME_PATTERN,
    Identity,
    IdentityConfig,
    normalise_username,
)
from brickwork.platform.auth.inactivity import Inactivity
from brickwork.platform.auth.mfa import MfaService
from brickwork.platform.auth.passwords import Hasher
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.auth.roles import RoleService
from brickwork.platform.auth.tokens import TokenService
from brickwork.platform.clock import Clock
from brickwork.platform.db.session import write_side
from brickwork.platform.errors import (
    ErrorItem,
    Forbidden,
    PlatformError,
    TooManyRequests,
    Unauthorized,
)
from brickwork.platform.models import SignInFailure, User, UserSession


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
        mfa: MfaService,
        inactivity: Inactivity,
    ) -> None:
        self.clock = clock
        self.config = config
        self.repo = repository
        self.audit = audit
        self.hasher = hasher
        self.roles = roles
        self.tokens = tokens
        self.mfa = mfa
        self.inactivity = inactivity

    def login(
        self,
        session: Session,
        username: str,
        password: str,
        *,
        ip: str | None,
        user_agent: str | None,
        request_id: str | None = None,
        otp: str | None = None,
        recovery_code: str | None = None,
    ) -> LoginOutcome:
        """Check the credentials (and the second factor of an enrolled user); on success open a
        session. A refusal is returned (not raised) after its bookkeeping, so the caller commits
        it and then raises it.

        Every refusal before the second factor is ``invalid_credentials`` after exactly one
        password verification, whether the name is unknown, the account locked or disabled, or
        the password wrong; only the audit trail records which. A source address in backoff is
        refused with ``too_many_attempts`` before anything is checked."""
        self.hasher.prime()
        now = self.clock()
        source = (ip or "unknown")[:64]
        wait = self._backoff(session, source, now)
        if wait is not None:
            return LoginOutcome(refusal=wait)
        name = normalise_username(username)
        known_shape = USERNAME_PATTERN.match(name) is not None
        origin = Actor(username=name if known_shape else "anonymous", ip=ip, request_id=request_id)
        user = self.repo.user_by_username(session, name, lock=True) if known_shape else None
        if user is None:
            self.hasher.verify_dummy(password)
            return self._failure(session, origin, source, None, "unknown_user", now)
        password_ok = self.hasher.verify(user.password_hash, password)
        if user.locked_until is not None and now >= user.locked_until:
            user.locked_until, user.failed_attempts = None, 0
        if user.locked_until is not None:
            return self._failure(session, origin, source, user, "locked", now, counts=False)
        if not password_ok:
            return self._failure(session, origin, source, user, "wrong_password", now)
        if user.status == ACTIVE and self.inactivity.expired(session, user, now):
            self.inactivity.disable(session, user, now)
        if user.status != ACTIVE:
            return self._failure(session, origin, source, user, "disabled", now, counts=False)
        if user.mfa_enabled_at is not None:
            second = self._second_factor(session, origin, source, user, now, otp, recovery_code)
            if second is not None:
                return second
        return LoginOutcome(sign_in=self._sign_in(session, origin, user, password, now, user_agent))

    def _sign_in(
        self,
        session: Session,
        origin: Actor,
        user: User,
        password: str,
        now: datetime,
        user_agent: str | None,
    ) -> SignIn:
        if self.hasher.needs_rehash(user.password_hash):
            user.password_hash = self.hasher.hash(password)
        user.failed_attempts = 0
        user.last_login_at = now
        self.repo.forget_failures(session, user_id=user.id)
        max_age = self.config.password_max_age
        if (
            max_age is not None
            and not user.must_change_password
            and now - user.password_changed_at >= max_age
        ):
            user.must_change_password = True
            details = {
                "password_changed_at": user.password_changed_at,
                "max_age_days": max_age.days,
            }
            self._audit_user(session, origin, "user.password_expired", user, details)
        sign_in = self._open_session(session, user, now, ip=origin.ip, user_agent=user_agent)
        self.audit.record(
            session,
            _with_roles(origin, sign_in.roles),
            "auth.login",
            object_type="user",
            object_id=user.id,
            details={"ip": origin.ip, "user_agent": (user_agent or "")[:500] or None},
        )
        return sign_in

    def _second_factor(
        self,
        session: Session,
        origin: Actor,
        source: str,
        user: User,
        now: datetime,
        otp: str | None,
        recovery_code: str | None,
    ) -> LoginOutcome | None:
        """None when the TOTP code (or a recovery code) is right; otherwise the refusal."""
        if not otp and not recovery_code:
            message = "send the code of your authenticator app as `otp` (or a `recovery_code`)"
            zh_cn = "请输入身份验证器显示的动态验证码（或一个恢复码）"
            refusal = Unauthorized(
                message,
                code="mfa_required",
                errors=[ErrorItem("/otp", "mfa_required", message)],
                zh_cn=zh_cn,
            )
            return self._refuse(session, origin, user, "mfa_required", refusal)
        if otp and self.mfa.code_ok(user, otp):
            return None
        if not otp and recovery_code and self.mfa.recovery_ok(session, origin, user, recovery_code):
            return None
        pointer = "/otp" if otp else "/recovery_code"
        message = "the code is wrong or was used already; wait for the next one"
        zh_cn = "验证码错误或已被使用：请等待下一个验证码"
        refusal = Unauthorized(
            message,
            code="mfa_code_invalid",
            errors=[ErrorItem(pointer, "mfa_code_invalid", message)],
            zh_cn=zh_cn,
        )
        return self._failure(
            session, origin, source, user, "wrong_second_factor", now, refusal=refusal
        )

    def _backoff(self, session: Session, source: str, now: datetime) -> TooManyRequests | None:
        """The refusal of a source still waiting after its last failure, or None."""
        throttle = self.config.throttle
        failures, last = self.repo.source_failures(session, source, since=now - throttle.window)
        delay = throttle.delay(failures)
        if last is None or not delay or now >= last + delay:
            return None
        seconds = math.ceil((last + delay - now).total_seconds())
        return TooManyRequests(
            f"too many failed sign-ins from this address; try again in {seconds} seconds",
            retry_after=seconds,
            zh_cn=f"此地址登录失败次数过多：请在 {seconds} 秒后重试",
        )

    def _failure(
        self,
        session: Session,
        origin: Actor,
        source: str,
        user: User | None,
        reason: str,
        now: datetime,
        *,
        counts: bool = True,
        refusal: PlatformError | None = None,
    ) -> LoginOutcome:
        """Record a failed sign-in for the source (and, when ``counts``, for the account: a
        locked or disabled account gathers no further count) and answer it."""
        counted = user if counts else None
        self.repo.add(
            session,
            SignInFailure(source=source, user_id=counted.id if counted else None, at=now),
        )
        self.repo.forget_failures(
            session, before=now - max(self.config.throttle.window, self.config.lockout)
        )
        if counted is not None:
            self._count_toward_lock(session, origin, counted, now)
        throttle = self.config.throttle
        failures, _last = self.repo.source_failures(session, source, since=now - throttle.window)
        delay = throttle.delay(failures)
        if delay:
            details = {
                "source": source,
                "failures": failures,
                "retry_after": int(delay.total_seconds()),
            }
            self.audit.record(
                session,
                origin,
                "auth.throttle",
                object_type="source",
                object_id=source,
                result="failure",
                details=details,
            )
        return self._refuse(session, origin, user, reason, refusal or invalid_credentials())

    def _count_toward_lock(
        self, session: Session, origin: Actor, user: User, now: datetime
    ) -> None:
        """Lock the account after ``lockout_attempts`` failures within the lockout period,
        counting at most ``lockout_per_source`` from any one address: one stranger cannot lock
        an account, however often they try."""
        per_source = self.repo.account_failures_by_source(
            session, user.id, since=now - self.config.lockout
        )
        user.failed_attempts = sum(min(n, self.config.lockout_per_source) for n in per_source)
        if user.failed_attempts >= self.config.lockout_attempts:
            user.locked_until = now + self.config.lockout
            self.repo.forget_failures(session, user_id=user.id)
            self.repo.save(session)
            self._audit_user(
                session,
                origin,
                "auth.lockout",
                user,
                {
                    "attempts": user.failed_attempts,
                    "sources": len(per_source),
                    "locked_until": user.locked_until,
                },
            )

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
        token = credentials.new_secret()
        csrf = credentials.csrf_for(token)
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
        lifetime and (for unsafe methods) the CSRF token. Marks the session as seen, at most once
        per ``ACTIVITY_INTERVAL`` and outside a read request's transaction (``write_side``)."""
        found = self.repo.session_with_user(session, credentials.digest(token))
        if found is None or found[0].revoked_at is not None:
            raise Unauthorized(
                "the session is not valid; sign in again",
                code="session_invalid",
                zh_cn="会话无效：请重新登录",
            )
        row, user, held = found
        now = self.clock()
        if now >= row.expires_at or now - row.last_seen_at >= self.config.idle_timeout:
            raise Unauthorized(
                "the session has expired; sign in again",
                code="session_expired",
                zh_cn="会话已过期：请重新登录",
            )
        if user.status != ACTIVE:
            raise Unauthorized(
                "the session is not valid; sign in again",
                code="session_invalid",
                zh_cn="会话无效：请重新登录",
            )
        if require_csrf and (
            not csrf_token or not credentials.same_digest(csrf_token, row.csrf_hash)
        ):
            raise Forbidden(
                "send the CSRF token from sign-in in the X-CSRF-Token header",
                code="csrf_failed",
                zh_cn="请在 X-CSRF-Token 请求头中发送登录时获得的 CSRF 令牌",
            )
        if now - row.last_seen_at >= ACTIVITY_INTERVAL:
            with write_side(session) as target:
                self.repo.touch_session(target, row.id, now=now)
        roles = self.roles.remember(session, user, held)
        return Identity(
            user,
            tuple(role.key for role in roles),
            session_id=row.id,
            second_factor=any(role.admin_kind is not None or role.require_mfa for role in roles),
        )

    def authenticate_token(self, session: Session, secret: str) -> Identity:
        row, user = self.tokens.authenticate(session, secret)
        return Identity(
            user,
            tuple(role.key for role in self.roles.of(session, user)),
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
    """The same answer for an unknown user, a wrong password, and a locked or disabled account
    (no user enumeration)."""
    return Unauthorized(
        "the user name or password is wrong", code="invalid_credentials", zh_cn="用户名或密码错误"
    )


def _with_roles(actor: Actor, roles: tuple[str, ...]) -> Actor:
    return Actor(
        username=actor.username,
        roles=roles,
        ip=actor.ip,
        request_id=actor.request_id,
        channel=actor.channel,
        locale=actor.locale,
    )
