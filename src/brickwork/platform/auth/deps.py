"""Request dependencies that authenticate: a session cookie (with the CSRF header on unsafe
methods) or ``Authorization: Bearer <API token>``.

Only authenticates (``auth.permissions`` decides what the actor may do). Never logs credentials.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from brickwork.platform.api.deps import SessionDep, preferred_locale
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import Identity
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.errors import Forbidden, Unauthorized

SESSION_COOKIE = "brickwork_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def identities(request: Request) -> IdentityService:
    service: IdentityService = request.app.state.identities
    return service


IdentitiesDep = Annotated[IdentityService, Depends(identities)]


def cookie_options(request: Request) -> dict[str, Any]:
    """How the session cookie is set: ``Secure`` always, unless the deployment says it runs on
    plain http for development (``BRICKWORK_INSECURE_COOKIES``)."""
    insecure = request.app.state.settings.insecure_cookies
    return {
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": not insecure or request.url.scheme == "https",
    }


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_identity(request: Request, session: SessionDep, service: IdentitiesDep) -> Identity:
    """Whoever the credentials name, even if they must still change their password."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized(
                "send an API token as 'Authorization: Bearer <token>'",
                code="token_invalid",
                zh_cn="请按 'Authorization: Bearer <token>' 的格式发送 API 令牌",
            )
        return service.authenticate_token(session, secret.strip())
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized(
            "sign in first (POST /api/v1/auth/login) or send an API token",
            code="not_authenticated",
            zh_cn="请先登录（POST /api/v1/auth/login），或发送 API 令牌",
        )
    return service.authenticate_session(
        session,
        token,
        csrf_token=request.headers.get(CSRF_HEADER),
        require_csrf=request.method not in SAFE_METHODS,
    )


CurrentIdentityDep = Annotated[Identity, Depends(current_identity)]


def signed_in_identity(request: Request, session: SessionDep, service: IdentitiesDep) -> Identity:
    """The current identity, refused while the user must change their password or, in a
    browser session, enrol in multi-factor sign-in.

    It authenticates itself (``current_identity`` called, not depended on): every synchronous
    dependency costs a hop to a worker thread and back, and this one needs only one."""
    identity = current_identity(request, session, service)
    if identity.user.must_change_password:
        raise Forbidden(
            "change your password first (POST /api/v1/auth/password)",
            code="password_change_required",
            zh_cn="请先修改密码（POST /api/v1/auth/password）",
        )
    if (
        identity.session_id is not None
        and identity.roles  # no role, none that asks for a second factor: no query
        and service.mfa_enrolment_due(session, identity.user, second_factor=identity.second_factor)
    ):
        raise Forbidden(
            "your role requires multi-factor sign-in: enrol first (POST "
            "/api/v1/auth/mfa/enrolment, then POST /api/v1/auth/mfa/enrolment/confirm)",
            code="mfa_enrolment_required",
            zh_cn="您的角色要求登录时使用动态验证码：请先绑定身份验证器（POST "
            "/api/v1/auth/mfa/enrolment，然后 POST /api/v1/auth/mfa/enrolment/confirm）",
        )
    return identity


SignedInDep = Annotated[Identity, Depends(signed_in_identity)]


def actor_of(identity: Identity, request: Request) -> Actor:
    """The actor; also kept on the request, so a refusal is audited under their name."""
    actor = identity.actor(
        ip=client_ip(request),
        request_id=getattr(request.state, "request_id", None),
        locale=preferred_locale(request.headers.get("accept-language", "")),
    )
    request.state.actor = actor
    return actor


async def authenticated_actor(request: Request, identity: SignedInDep) -> Actor:
    """The signed-in actor with their roles (and an API token's scopes)."""
    return actor_of(identity, request)


AuthenticatedActorDep = Annotated[Actor, Depends(authenticated_actor)]
ActorDep = AuthenticatedActorDep
"""Every protected endpoint takes its actor from here: a session or an API token, never a header
naming a user."""


async def permissions(request: Request) -> PermissionService:
    service: PermissionService = request.app.state.identities.permissions
    return service


PermissionsDep = Annotated[PermissionService, Depends(permissions)]


def require_session(identity: Identity) -> None:
    """Some actions need a person at a browser, not an API token."""
    if identity.session_id is None:
        raise Forbidden(
            "this needs a signed-in session; API tokens cannot do it",
            code="session_required",
            zh_cn="此操作须在登录后的会话中进行，API 令牌不能执行",
        )
