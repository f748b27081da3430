"""API tokens for machines: created (the secret shown once), authenticated, listed, revoked.

Only the SHA-256 of a token is stored, with its first 8 characters so people can tell tokens
apart. A token names at least one scope (``auth/policy.py`` says what scopes are and what they
allow) and always expires: after the default lifetime (``BRICKWORK_TOKEN_DAYS``) unless the
request names an earlier or later instant within the maximum (``BRICKWORK_TOKEN_MAX_DAYS``).
Never commits and never logs or audits a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth import credentials
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import ACTIVITY_INTERVAL
from brickwork.platform.auth.policy import scope_problem
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.clock import Clock, new_id, system_clock
from brickwork.platform.db.session import write_side
from brickwork.platform.errors import ErrorItem, Invalid, NotFound, Unauthorized
from brickwork.platform.models import ApiToken, User


def scope_items(scopes: Sequence[str]) -> list[ErrorItem]:
    """Why ``scopes`` cannot be a token's (empty when they can): none at all, or invalid ones."""
    if not scopes:
        message = (
            "name at least one scope, e.g. 'read:onboarding' (or 'all' for everything you may "
            "do); a token without scopes could do nothing"
        )
        return [ErrorItem("/scopes", "scopes_required", message)]
    items: list[ErrorItem] = []
    for index, scope in enumerate(scopes):
        problem = scope_problem(scope)
        if problem is not None:
            items.append(ErrorItem(f"/scopes/{index}", "scope_invalid", problem))
    return items


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token and its secret: the only moment the secret exists outside the client."""

    row: ApiToken
    secret: str


class TokenService:
    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        repository: IdentityRepository,
        audit: AuditLog,
        lifetime: timedelta = timedelta(days=90),
        max_lifetime: timedelta = timedelta(days=365),
    ) -> None:
        self.clock = clock
        self.repo = repository
        self.audit = audit
        self.lifetime = lifetime
        self.max_lifetime = max(max_lifetime, lifetime)

    def create(
        self,
        session: Session,
        actor: Actor,
        user: User,
        *,
        name: str,
        scopes: Sequence[str],
        expires_at: datetime | Literal["default"] | None = "default",
    ) -> IssuedToken:
        """``expires_at`` "default" (not given): the default lifetime from now; None (a token
        that never expires) and instants past the maximum lifetime are refused."""
        now = self.clock()
        expires_at = self._expiry(now, expires_at)
        problems = scope_items(scopes)
        if problems:
            message = "a token needs at least one scope and only valid ones; no token was created"
            zh_cn = "令牌至少需要一个权限范围，且只能是有效的范围：未创建令牌"
            raise Invalid(message, errors=problems, zh_cn=zh_cn)
        secret = credentials.new_api_token()
        row = ApiToken(
            id=new_id(),
            user_id=user.id,
            name=name,
            prefix=secret[: credentials.PREFIX_LENGTH],
            token_hash=credentials.digest(secret),
            scopes=list(dict.fromkeys(scopes)),
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
            created_at=now,
        )
        self.repo.add(session, row)
        self.audit.record(
            session,
            actor,
            "token.create",
            object_type="api_token",
            object_id=row.id,
            details={
                "user": user.username,
                "name": name,
                "prefix": row.prefix,
                "scopes": row.scopes,
                "expires_at": expires_at,
            },
        )
        return IssuedToken(row, secret)

    def _expiry(self, now: datetime, wanted: datetime | Literal["default"] | None) -> datetime:
        if wanted == "default":
            return now + self.lifetime
        if wanted is not None and wanted <= now:
            message = "the expiry must lie in the future"
            zh_cn = "到期时间必须晚于当前时间"
            raise Invalid(
                message,
                code="token_expiry_invalid",
                errors=[ErrorItem("/expires_at", "token_expiry_invalid", message)],
                zh_cn=zh_cn,
            )
        latest = now + self.max_lifetime
        if wanted is None or wanted > latest:
            days = self.max_lifetime.days
            message = (
                f"API tokens live at most {days} days: give an expires_at no later than "
                f"{latest.isoformat()} (or leave it out for {self.lifetime.days} days)"
            )
            zh_cn = (
                f"API 令牌最长有效 {days} 天：到期时间不能晚于 {latest.isoformat()}"
                f"（不填则为 {self.lifetime.days} 天）"
            )
            raise Invalid(
                message,
                code="token_expiry_too_long",
                errors=[ErrorItem("/expires_at", "token_expiry_too_long", message)],
                zh_cn=zh_cn,
            )
        return wanted

    def authenticate(self, session: Session, secret: str) -> tuple[ApiToken, User]:
        """The token and its user, or ``token_invalid`` / ``token_expired``."""
        row = self.repo.token_by_hash(session, credentials.digest(secret))
        if row is None or not credentials.same_digest(secret, row.token_hash):
            raise Unauthorized(
                "the API token is not valid", code="token_invalid", zh_cn="API 令牌无效"
            )
        if row.revoked_at is not None:
            raise Unauthorized(
                "the API token is not valid", code="token_invalid", zh_cn="API 令牌无效"
            )
        now = self.clock()
        if row.expires_at is not None and now >= row.expires_at:
            raise Unauthorized(
                "the API token has expired; create a new one",
                code="token_expired",
                zh_cn="API 令牌已过期：请创建新的令牌",
            )
        user = self.repo.user_by_id(session, row.user_id)
        if user is None or user.status != "active":
            raise Unauthorized(
                "the API token is not valid", code="token_invalid", zh_cn="API 令牌无效"
            )
        if row.last_used_at is None or now - row.last_used_at >= ACTIVITY_INTERVAL:
            with write_side(session) as target:  # at most once a minute, never in a read
                self.repo.touch_token(target, row.id, now=now)
        return row, user

    def list_for(self, session: Session, user: User) -> Sequence[ApiToken]:
        return self.repo.tokens_of(session, user.id)

    def revoke(self, session: Session, actor: Actor, user: User, token_id: str) -> ApiToken:
        """Revoke one of ``user``'s tokens (revoking twice is harmless)."""
        row = self.repo.token_by_id(session, token_id)
        if row is None or row.user_id != user.id:
            raise NotFound(
                f"you have no API token {token_id!r}",
                code="token_not_found",
                zh_cn=f"您没有编号为 {token_id} 的 API 令牌",
            )
        if row.revoked_at is None:
            row.revoked_at = self.clock()
            self.repo.save(session)
            self.audit.record(
                session,
                actor,
                "token.revoke",
                object_type="api_token",
                object_id=row.id,
                details={"user": user.username, "name": row.name, "prefix": row.prefix},
            )
        return row
