"""HTTP endpoints of sign-in, sessions, own password and API tokens (thin: parse, call the
service, shape the reply). The session token travels only in an HttpOnly cookie."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.api.router import PUBLIC
from brickwork.platform.auth import credentials
from brickwork.platform.auth.deps import (
    SESSION_COOKIE,
    CurrentIdentityDep,
    IdentitiesDep,
    SignedInDep,
    actor_of,
    client_ip,
    cookie_options,
    require_session,
)
from brickwork.platform.auth.schemas import (
    LoginOut,
    LoginRequest,
    MeOut,
    MfaConfirm,
    MfaConfirmed,
    MfaEnrolmentOut,
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenOut,
)
from brickwork.platform.errors import Invalid
from brickwork.platform.models import ApiToken, User

router = APIRouter(prefix="/auth", tags=["auth"])

PROBLEM = {"model": None, "description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys(
    (400, 401, 403, 404, 409, 413, 415, 422, 429), PROBLEM
)


def user_out(user: User, roles: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "status": user.status,
        "must_change_password": user.must_change_password,
        "roles": list(roles),
        "last_login_at": user.last_login_at,
        "password_changed_at": user.password_changed_at,
        "mfa_enrolled": user.mfa_enabled_at is not None,
    }


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
        "created_at": token.created_at,
    }


@router.post(
    "/login",
    response_model=LoginOut,
    responses=ERRORS,
    openapi_extra={**openapi_body(schema=LoginRequest.model_json_schema()), **PUBLIC},
)
def login(
    request: Request,
    session: SessionDep,
    service: IdentitiesDep,
    body: Annotated[LoginRequest, Depends(json_body(LoginRequest))],
) -> ExactJSONResponse:
    """Sign in; sets the session cookie and returns the CSRF token for unsafe requests.

    Users enrolled in multi-factor sign-in send the code of their authenticator app as `otp`
    (or a `recovery_code`) in the same request; without it the answer is `mfa_required` and no
    session exists. Repeated failures from one address are refused for a while
    (`too_many_attempts`, with `Retry-After`)."""
    outcome = service.login(
        session,
        body.username,
        body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
        otp=body.otp,
        recovery_code=body.recovery_code,
    )
    if outcome.refusal is not None:
        session.commit()  # the failed attempt (counter, lock, audit event) must outlive the 401
        raise outcome.refusal
    sign_in = outcome.sign_in
    assert sign_in is not None
    response = reply(
        {
            "user": user_out(sign_in.user, sign_in.roles),
            "csrf_token": sign_in.csrf_token,
            "expires_at": sign_in.expires_at,
            "mfa_enrolment_required": service.mfa_enrolment_due(session, sign_in.user),
        }
    )
    max_age = int(service.config.session_lifetime.total_seconds())
    response.set_cookie(
        SESSION_COOKIE, sign_in.session_token, max_age=max_age, **cookie_options(request)
    )
    return response


@router.post("/logout", status_code=204, responses=ERRORS)
def logout(
    request: Request, session: SessionDep, service: IdentitiesDep, identity: CurrentIdentityDep
) -> Response:
    """End the session on the server and clear the cookie."""
    require_session(identity)
    service.logout(session, actor_of(identity, request), identity)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, **cookie_options(request))
    return response


@router.get("/me", response_model=MeOut, responses=ERRORS)
def me(
    request: Request, session: SessionDep, service: IdentitiesDep, identity: CurrentIdentityDep
) -> ExactJSONResponse:
    """Who the credentials belong to (also while a password change or an enrolment is due),
    with the CSRF token of the current session."""
    token = request.cookies.get(SESSION_COOKIE) if identity.session_id else None
    return reply(
        {
            "user": user_out(identity.user, identity.roles),
            "authenticated_by": "session" if identity.session_id else "token",
            "scopes": list(identity.scopes) if identity.scopes is not None else None,
            "csrf_token": credentials.csrf_for(token) if token else None,
            "mfa_enrolment_required": bool(identity.session_id)
            and service.mfa_enrolment_due(
                session, identity.user, second_factor=identity.second_factor
            ),
        }
    )


@router.post("/mfa/enrolment", status_code=201, response_model=MfaEnrolmentOut, responses=ERRORS)
def start_mfa_enrolment(
    request: Request, session: SessionDep, service: IdentitiesDep, identity: CurrentIdentityDep
) -> ExactJSONResponse:
    """Start enrolling in multi-factor sign-in: a new TOTP secret, shown only here (add it to
    an authenticator app, then confirm with its first code). Starting again replaces a pending
    secret."""
    require_session(identity)
    enrolment = service.mfa.start(session, actor_of(identity, request), identity.user)
    return reply({"secret": enrolment.secret, "otpauth_uri": enrolment.uri}, 201)


@router.post(
    "/mfa/enrolment/confirm",
    response_model=MfaConfirmed,
    responses=ERRORS,
    openapi_extra=openapi_body(schema=MfaConfirm.model_json_schema()),
)
def confirm_mfa_enrolment(
    request: Request,
    session: SessionDep,
    service: IdentitiesDep,
    identity: CurrentIdentityDep,
    body: Annotated[MfaConfirm, Depends(json_body(MfaConfirm))],
) -> ExactJSONResponse:
    """Confirm the enrolment with the app's current code; returns ten one-time recovery codes
    (shown only here). From the next sign-in on, the code is asked for."""
    require_session(identity)
    try:
        codes = service.mfa.confirm(session, actor_of(identity, request), identity.user, body.code)
    except Invalid:
        session.commit()  # the audit event of the wrong code must outlive the 422
        raise
    return reply({"recovery_codes": codes})


@router.post(
    "/password",
    status_code=204,
    responses=ERRORS,
    openapi_extra=openapi_body(schema=PasswordChange.model_json_schema()),
)
def change_password(
    request: Request,
    session: SessionDep,
    service: IdentitiesDep,
    identity: CurrentIdentityDep,
    body: Annotated[PasswordChange, Depends(json_body(PasswordChange))],
) -> Response:
    """Change your own password; your other sessions end, this one stays."""
    require_session(identity)
    service.change_password(
        session,
        actor_of(identity, request),
        identity.user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session=identity.session_id,
    )
    return Response(status_code=204)


@router.post(
    "/tokens",
    status_code=201,
    response_model=TokenCreated,
    responses=ERRORS,
    openapi_extra=openapi_body(schema=TokenCreate.model_json_schema()),
)
def create_token(
    request: Request,
    session: SessionDep,
    service: IdentitiesDep,
    identity: SignedInDep,
    body: Annotated[TokenCreate, Depends(json_body(TokenCreate))],
) -> ExactJSONResponse:
    """Create an API token; its secret is in this response only."""
    require_session(identity)
    issued = service.tokens.create(
        session,
        actor_of(identity, request),
        identity.user,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at if "expires_at" in body.model_fields_set else "default",
    )
    return reply({**token_out(issued.row), "token": issued.secret}, 201)


@router.get("/tokens", response_model=list[TokenOut], responses=ERRORS)
def list_tokens(
    session: SessionDep, service: IdentitiesDep, identity: SignedInDep
) -> ExactJSONResponse:
    """Your API tokens (never their secrets)."""
    return reply([token_out(t) for t in service.tokens.list_for(session, identity.user)])


@router.delete("/tokens/{token_id}", status_code=204, responses=ERRORS)
def revoke_token(
    request: Request,
    token_id: Annotated[str, Path(max_length=36, description="The token's id")],
    session: SessionDep,
    service: IdentitiesDep,
    identity: SignedInDep,
) -> Response:
    """Revoke one of your API tokens; it stops working at once."""
    service.tokens.revoke(session, actor_of(identity, request), identity.user, token_id)
    return Response(status_code=204)
