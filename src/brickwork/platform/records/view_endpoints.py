"""HTTP endpoints of saved views of a form's record list (thin: parse, call `SavedViews`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.records.saved_views import SavedViews, ViewBody, ViewChange
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/apps/{app}/forms/{form}/views", tags=["records"])
PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((400, 401, 403, 404, 409, 422), PROBLEM)
BODY_MODELS: tuple[type[BaseModel], ...] = (ViewBody, ViewChange)
AppKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The app's key")]
FormKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The form's key")]
ViewId = Annotated[str, Path(max_length=36, description="The view's id")]


def saved_views(request: Request) -> SavedViews:
    found: SavedViews = request.app.state.saved_views
    return found


ViewsDep = Annotated[SavedViews, Depends(saved_views)]


@router.get("", responses=ERRORS)
def list_views(
    app: AppKey, form: FormKey, session: SessionDep, actor: ActorDep, service: ViewsDep
) -> ExactJSONResponse:
    """Your views of the form's list and those shared with its readers (`mine` tells them
    apart)."""
    return reply({"items": service.listing(session, actor, app, form)})


@router.post("", status_code=201, responses=ERRORS, openapi_extra=openapi_body(ViewBody))
def create_view(
    app: AppKey,
    form: FormKey,
    session: SessionDep,
    actor: ActorDep,
    service: ViewsDep,
    body: Annotated[ViewBody, Depends(json_body(ViewBody))],
) -> ExactJSONResponse:
    """Save a view: a name, what the list shows, and whether its readers all see it."""
    return reply(service.create(session, actor, app, form, body), 201)


@router.patch("/{view_id}", responses=ERRORS, openapi_extra=openapi_body(ViewChange))
def change_view(
    app: AppKey,
    form: FormKey,
    view_id: ViewId,
    session: SessionDep,
    actor: ActorDep,
    service: ViewsDep,
    body: Annotated[ViewChange, Depends(json_body(ViewChange))],
) -> ExactJSONResponse:
    """Rename, change or (un)share one of your views."""
    return reply(service.change(session, actor, app, form, view_id, body))


@router.delete("/{view_id}", status_code=204, responses=ERRORS)
def delete_view(
    app: AppKey,
    form: FormKey,
    view_id: ViewId,
    session: SessionDep,
    actor: ActorDep,
    service: ViewsDep,
) -> Response:
    """Delete one of your views."""
    service.delete(session, actor, app, form, view_id)
    return Response(status_code=204)
