"""Identities: users and their passwords, and the facade over sign-in and sessions
(``sessions.py``), roles (``roles.py``) and API tokens (``tokens.py``).

Orchestrates the repository, the hasher and the audit log; never commits (the request or CLI
command owns the transaction). Never logs, audits or returns a password.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import (
    ACTIVE,
    DISABLED,
    USERNAME_PATTERN,
    Identity,
    IdentityConfig,
    normalise_username,
)
from brickwork.platform.auth.inactivity import Inactivity
from brickwork.platform.auth.mfa import MfaService
from brickwork.platform.auth.passwords import MAX_PASSWORD_LENGTH, Hasher, PasswordPolicy
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.auth.roles import SYSTEM_ADMIN, RoleService, ensure_builtin_roles
from brickwork.platform.auth.sessions import LoginOutcome, SessionService
from brickwork.platform.auth.tokens import TokenService
from brickwork.platform.clock import Clock, new_id, system_clock
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden, Invalid, NotFound
from brickwork.platform.models import PasswordHistory, User

__all__ = ["Identity", "IdentityConfig", "IdentityService", "LoginOutcome"]


class IdentityService:
    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        audit: AuditLog | None = None,
        config: IdentityConfig | None = None,
        repository: IdentityRepository | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        """``cipher`` (the key file) keeps TOTP secrets; without it enrolment is refused."""
        self.clock = clock
        self.audit = audit or AuditLog(clock=clock)
        self.config = config or IdentityConfig()
        self.repo = repository or IdentityRepository()
        self.hasher = Hasher(self.config.argon2_profile)
        self.roles = RoleService(clock=clock, repository=self.repo, audit=self.audit)
        self.permissions = PermissionService(repository=self.repo, audit=self.audit)
        self.tokens = TokenService(
            clock=clock,
            repository=self.repo,
            audit=self.audit,
            lifetime=self.config.token_lifetime,
            max_lifetime=self.config.token_max_lifetime,
        )
        self.mfa = MfaService(clock=clock, repository=self.repo, audit=self.audit, cipher=cipher)
        self.inactivity = Inactivity(
            clock=clock, config=self.config, repository=self.repo, audit=self.audit
        )
        self.sessions = SessionService(
            clock=clock,
            config=self.config,
            repository=self.repo,
            audit=self.audit,
            hasher=self.hasher,
            roles=self.roles,
            tokens=self.tokens,
            mfa=self.mfa,
            inactivity=self.inactivity,
        )

    def use_config(self, config: IdentityConfig) -> None:
        """Apply changed deployment rules (password policy, lockout, lifetimes) from now on, in
        this service and the parts that read them."""
        self.config = config
        self.tokens.lifetime = config.token_lifetime
        self.tokens.max_lifetime = max(config.token_max_lifetime, config.token_lifetime)
        self.inactivity.config = config
        self.sessions.config = config

    # ------------------------------------------------------------ users

    def user(self, session: Session, username: str) -> User:
        user = self.repo.user_by_username(session, normalise_username(username))
        if user is None:
            raise NotFound(
                f"there is no user {username!r}",
                code="user_not_found",
                zh_cn=f"没有用户 {username}",
            )
        return user

    def create_user(
        self,
        session: Session,
        actor: Actor,
        *,
        username: str,
        password: str,
        display_name: str | None = None,
        email: str | None = None,
        must_change_password: bool = True,
    ) -> User:
        """A new active user. Their first password must be changed at first sign-in unless
        ``must_change_password`` is False (an administrator who typed their own)."""
        name = normalise_username(username)
        if not USERNAME_PATTERN.match(name):
            message = (
                "user names are 1-128 characters: letters, digits, '.', '_', '@', '-'"
                " (stored in lower case), starting with a letter or digit"
            )
            zh_cn = (
                "用户名须为 1-128 个字符，可用字母、数字及 '.'、'_'、'@'、'-'（按小写保存），"
                "并以字母或数字开头"
            )
            raise Invalid(
                message,
                code="username_invalid",
                errors=[ErrorItem("/username", "username_invalid", message)],
                zh_cn=zh_cn,
            )
        if self.repo.user_by_username(session, name) is not None:
            raise Conflict(
                f"the user name {name!r} is taken",
                code="user_exists",
                errors=[ErrorItem("/username", "user_exists", "this user name is taken")],
                zh_cn=f"用户名 {name} 已被使用",
            )
        self._check_policy(password, username=name, pointer="/password")
        now = self.clock()
        user = User(
            id=new_id(),
            username=name,
            display_name=display_name or name,
            email=email,
            password_hash=self.hasher.hash(password),
            status=ACTIVE,
            must_change_password=must_change_password,
            failed_attempts=0,
            locked_until=None,
            password_changed_at=now,
            last_login_at=None,
            created_at=now,
            created_by=actor.username,
            updated_at=now,
            updated_by=actor.username,
        )
        self.repo.add(session, user)
        self._remember_password(session, user, now)
        self._audit_user(session, actor, "user.create", user, {"display_name": user.display_name})
        return user

    def create_admin(
        self,
        session: Session,
        actor: Actor,
        *,
        username: str,
        password: str,
        role: str = SYSTEM_ADMIN,
        must_change_password: bool = False,
    ) -> User:
        ensure_builtin_roles(session, self.repo)
        self.roles.role(session, role)  # unknown role: fail before creating the user
        user = self.create_user(
            session,
            actor,
            username=username,
            password=password,
            must_change_password=must_change_password,
        )
        self.roles.grant(session, actor, user, role)
        return user

    def system_admins(self, session: Session) -> list[User]:
        ensure_builtin_roles(session, self.repo)
        return list(self.roles.holders(session, SYSTEM_ADMIN))

    def set_active(self, session: Session, actor: Actor, username: str, *, active: bool) -> User:
        user = self.user(session, username)
        if (user.status == ACTIVE) == active:
            return user
        now = self.clock()
        user.status = ACTIVE if active else DISABLED
        if active:
            user.enabled_at = now  # the inactivity period starts again
        self._touch(user, actor, now)
        if not active:
            self.repo.revoke_sessions(session, user.id, now=now)
        self.repo.save(session)
        self._audit_user(session, actor, "user.enable" if active else "user.disable", user)
        return user

    def unlock(self, session: Session, actor: Actor, username: str) -> User:
        user = self.user(session, username)
        user.failed_attempts = 0
        user.locked_until = None
        self.repo.forget_failures(session, user_id=user.id)
        self._touch(user, actor, self.clock())
        self.repo.save(session)
        self._audit_user(session, actor, "user.unlock", user)
        return user

    def reset_mfa(self, session: Session, actor: Actor, username: str) -> User:
        """Forget the user's TOTP enrolment and recovery codes (a lost device); their sessions
        end and they enrol again at next sign-in."""
        user = self.user(session, username)
        self.mfa.reset(session, actor, user)
        self._touch(user, actor, self.clock())
        self.repo.revoke_sessions(session, user.id, now=self.clock())
        self.repo.save(session)
        return user

    def mfa_enrolment_due(
        self, session: Session, user: User, *, second_factor: bool | None = None
    ) -> bool:
        """Whether the user must enrol before anything else: a role of theirs requires a second
        factor (the administrator roles always do) and they have none yet. ``second_factor``:
        whether a role asks for one, when the caller already knows (no query then)."""
        if user.mfa_enabled_at is not None:
            return False
        if second_factor is not None:
            return second_factor
        return bool(self.repo.roles_requiring_mfa(session, user.id))

    # ------------------------------------------------------------ passwords

    def change_password(
        self,
        session: Session,
        actor: Actor,
        user: User,
        *,
        current_password: str,
        new_password: str,
        keep_session: str | None = None,
    ) -> None:
        """The user's own change: needs the current password; other sessions are signed out."""
        if not self.hasher.verify(user.password_hash, current_password):
            message = "the current password is wrong"
            zh_cn = "当前密码不正确"
            raise Forbidden(
                message,
                code="current_password_wrong",
                errors=[ErrorItem("/current_password", "current_password_wrong", message)],
                zh_cn=zh_cn,
            )
        self._set_password(session, actor, user, new_password, must_change=False)
        self.repo.revoke_sessions(session, user.id, now=self.clock(), keep=keep_session)
        self._audit_user(session, actor, "user.password_change", user)

    def reset_password(
        self, session: Session, actor: Actor, username: str, new_password: str
    ) -> User:
        """An administrator's reset: the user must change it at next sign-in; the account is
        unlocked and every session of the user ends."""
        user = self.user(session, username)
        self._set_password(session, actor, user, new_password, must_change=True)
        user.failed_attempts = 0
        user.locked_until = None
        self.repo.revoke_sessions(session, user.id, now=self.clock())
        self._audit_user(session, actor, "user.password_reset", user)
        return user

    def _set_password(
        self, session: Session, actor: Actor, user: User, password: str, *, must_change: bool
    ) -> None:
        self._check_policy(password, username=user.username, pointer="/new_password")
        recent = self.repo.recent_password_hashes(session, user.id, self.config.policy.history)
        if self.hasher.matches_any(recent, password):
            message = (
                f"the password was used recently; choose one that is not among the last "
                f"{self.config.policy.history}"
            )
            zh_cn = f"该密码最近用过：新密码不能与最近 {self.config.policy.history} 次的密码相同"
            raise Invalid(
                message,
                code="password_reused",
                errors=[ErrorItem("/new_password", "password_reused", message)],
                zh_cn=zh_cn,
            )
        now = self.clock()
        user.password_hash = self.hasher.hash(password)
        user.password_changed_at = now
        user.must_change_password = must_change
        self._touch(user, actor, now)
        self.repo.save(session)
        self._remember_password(session, user, now)

    def _check_policy(self, password: str, *, username: str, pointer: str) -> None:
        problems = self.config.policy.problems(password, username=username, pointer=pointer)
        if problems:
            raise Invalid(
                "the password does not meet the password policy: "
                + "; ".join(p.message for p in problems),
                code=problems[0].code,
                errors=problems,
                zh_cn="密码不符合密码策略："
                + "；".join(_policy_zh(self.config.policy, p.code) for p in problems),
            )

    def _remember_password(self, session: Session, user: User, now: datetime) -> None:
        self.repo.add(
            session, PasswordHistory(user_id=user.id, hash=user.password_hash, created_at=now)
        )
        self.repo.prune_password_history(session, user.id, keep=self.config.policy.history)

    # ------------------------------------------------------------ sign-in and sessions

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
        return self.sessions.login(
            session,
            username,
            password,
            ip=ip,
            user_agent=user_agent,
            request_id=request_id,
            otp=otp,
            recovery_code=recovery_code,
        )

    def authenticate_session(
        self, session: Session, token: str, *, csrf_token: str | None, require_csrf: bool
    ) -> Identity:
        return self.sessions.authenticate_session(
            session, token, csrf_token=csrf_token, require_csrf=require_csrf
        )

    def authenticate_token(self, session: Session, secret: str) -> Identity:
        return self.sessions.authenticate_token(session, secret)

    def logout(self, session: Session, actor: Actor, identity: Identity) -> None:
        self.sessions.logout(session, actor, identity)

    # ------------------------------------------------------------ helpers

    def _touch(self, user: User, actor: Actor, now: datetime) -> None:
        user.updated_at = now
        user.updated_by = actor.username

    def _audit_user(
        self,
        session: Session,
        actor: Actor,
        action: str,
        user: User,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="user",
            object_id=user.id,
            details={"user": user.username, **(details or {})},
        )


def _policy_zh(policy: PasswordPolicy, code: str) -> str:
    """A rule of the password policy the password breaks, in Chinese (by its code)."""
    texts = {
        "password_too_short": f"至少使用 {policy.min_length} 个字符",
        "password_too_long": f"最多使用 {MAX_PASSWORD_LENGTH} 个字符",
        "password_classes": f"须包含小写字母、大写字母、数字、符号中的至少 {policy.min_classes} 种",
        "password_contains_username": "不能包含用户名",
    }
    return texts.get(code, code)
