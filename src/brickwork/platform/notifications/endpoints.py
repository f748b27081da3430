"""HTTP endpoints of notifications (thin): the signed-in user's own notices, and webhook targets
for system administrators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.notifications.schemas import WebhookBody
from brickwork.platform.notifications.service import NotificationService
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/me/notifications", tags=["notifications"])
webhooks = APIRouter(prefix="/webhooks", tags=["notifications"])
PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((400, 401, 403, 404, 409, 422), PROBLEM)
BODY_MODELS: tuple[type[BaseModel], ...] = (WebhookBody,)
WebhookKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The webhook's key")]
NoticeId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The notification's id")]


def notifications(request: Request) -> NotificationService:
    found: NotificationService = request.app.state.notifications
    return found


NotificationsDep = Annotated[NotificationService, Depends(notifications)]


@router.get("", responses=ERRORS)
def list_notifications(
    session: SessionDep,
    actor: ActorDep,
    service: NotificationsDep,
    unread: Annotated[bool, Query(description="Only notices not read yet")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ExactJSONResponse:
    """Your notices, newest first (`has_more` says whether another page follows), with the
    number of unread ones (`unread_count`)."""
    return reply(service.page(session, actor, unread=unread, limit=limit, offset=offset))


@router.post("/read-all", responses=ERRORS)
def read_all_notifications(
    session: SessionDep, actor: ActorDep, service: NotificationsDep
) -> ExactJSONResponse:
    """Mark all your notices read; answers how many were unread."""
    return reply(service.read_all(session, actor))


@router.post("/{notification_id}/read", responses=ERRORS)
def read_notification(
    notification_id: NoticeId, session: SessionDep, actor: ActorDep, service: NotificationsDep
) -> ExactJSONResponse:
    """Mark one of your notices read (404 for any other id)."""
    return reply(service.read(session, actor, notification_id))


@webhooks.get("", responses=ERRORS)
def list_webhooks(
    session: SessionDep, actor: ActorDep, service: NotificationsDep
) -> ExactJSONResponse:
    """Every webhook target (system administrators; secrets are never shown)."""
    return reply({"items": service.webhooks.listing(session, actor)})


@webhooks.get("/{key}", responses=ERRORS)
def get_webhook(
    key: WebhookKey, session: SessionDep, actor: ActorDep, service: NotificationsDep
) -> ExactJSONResponse:
    return reply(service.webhooks.get(session, actor, key))


@webhooks.put("/{key}", responses=ERRORS, openapi_extra=openapi_body(WebhookBody))
def put_webhook(
    key: WebhookKey,
    session: SessionDep,
    actor: ActorDep,
    service: NotificationsDep,
    body: Annotated[WebhookBody, Depends(json_body(WebhookBody))],
) -> ExactJSONResponse:
    """Create or replace a webhook target that rules name by key (system administrators;
    audited as `webhook.put`, without the secret)."""
    return reply(service.webhooks.put(session, actor, key, body))


@webhooks.delete("/{key}", status_code=204, responses=ERRORS)
def delete_webhook(
    key: WebhookKey, session: SessionDep, actor: ActorDep, service: NotificationsDep
) -> Response:
    """Delete a webhook target no published rule names (`webhook_in_use` otherwise)."""
    service.webhooks.delete(session, actor, key)
    return Response(status_code=204)
