"""The signed-in user's API tokens: the list (never their secrets), a new token (its secret
shown once, on the page that made it) and revocation. The same `TokenService` as the API: the
scopes are checked the same way and a token never does more than its user's roles allow.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.schemas import TokenCreate
from brickwork.platform.clock import BUSINESS_ZONE
from brickwork.platform.errors import ErrorItem, Invalid, PlatformError
from brickwork.platform.web.admin import admin_areas, optional, parsed
from brickwork.platform.web.forms import by_field
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import when
from brickwork.platform.web.views import Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)
TokenId = Annotated[str, Path(max_length=36)]
SCOPE_CHOICES = ("all", "read", "create", "update", "delete", "export", "import")


@router.get("/me/tokens", response_model=None)
def tokens_page(request: Request, session: SessionDep) -> Response:
    viewer = viewer_of(request, session)
    return tokens_view(request, session, viewer)


@router.post("/me/tokens", response_model=None)
def create_token(request: Request, session: SessionDep, sent: FormListsDep) -> Response:
    """A new token: its secret is on this answer only."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    scopes = [scope for scope in sent.get("scopes", []) if scope]
    scopes += (first(sent, "more_scopes", "") or "").split()
    values = {"name": first(sent, "name", ""), "scopes": scopes, "expires": first(sent, "expires")}
    try:
        document: dict[str, Any] = {"name": (values["name"] or "").strip(), "scopes": scopes}
        expires = optional(values["expires"])
        if expires:
            document["expires_at"] = end_of(expires)
        body = parsed(TokenCreate, document)
        service = request.app.state.identities
        issued = service.tokens.create(
            session,
            viewer.actor,
            viewer.identity.user,
            name=body.name,
            scopes=body.scopes,
            expires_at=body.expires_at if "expires_at" in body.model_fields_set else "default",
        )
    except PlatformError as exc:
        session.rollback()
        return tokens_view(request, session, viewer, problem=exc, values=values)
    return tokens_view(request, session, viewer, secret=issued.secret, made=issued.row.name)


@router.post("/me/tokens/{token_id}/revoke", response_model=None)
def revoke_token(
    request: Request, session: SessionDep, token_id: TokenId, sent: FormListsDep
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    service = request.app.state.identities
    service.tokens.revoke(session, viewer.actor, viewer.identity.user, token_id)
    return RedirectResponse("/me/tokens", status_code=303)


def tokens_view(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    problem: PlatformError | None = None,
    values: dict[str, Any] | None = None,
    secret: str | None = None,
    made: str | None = None,
) -> Response:
    service = request.app.state.identities
    now = request.app.state.clock()
    tokens = [
        {
            "id": token.id,
            "name": token.name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "expires_at": when(token.expires_at),
            "revoked": token.revoked_at is not None,
            "expired": token.expires_at is not None and token.expires_at <= now,
            "last_used_at": when(token.last_used_at),
            "created_at": when(token.created_at),
        }
        for token in service.tokens.list_for(session, viewer.identity.user)
    ]
    return render(
        request,
        "account/tokens.html",
        {
            "tokens": tokens,
            "choices": SCOPE_CHOICES,
            "problem": problem,
            "errors": by_field(problem.errors if problem else ()),
            "values": values or {},
            "secret": secret,
            "made": made,
            "areas": admin_areas(viewer),
        },
        viewer=viewer,
    )


def end_of(day: str) -> str:
    """The last second of a date in the local zone, as an instant."""
    try:
        moment = datetime.combine(
            datetime.fromisoformat(day).date(), time(23, 59, 59), BUSINESS_ZONE
        )
    except ValueError:
        message = "the expiry is not a date such as 2027-03-31"
        raise Invalid(
            message,
            errors=[ErrorItem("/expires_at", "invalid_value", message)],
            zh_cn="有效期不是日期：请按 2027-03-31 的格式填写",
        ) from None
    return moment.isoformat()
