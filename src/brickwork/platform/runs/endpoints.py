"""HTTP endpoints of flow runs (thin: parse, call the service, reply): starting flows on
records, commands on tasks and instances, the inbox, instance detail, out of office."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.runs.absence import OutOfOfficeService
from brickwork.platform.runs.schemas import AbsenceRequest

PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: PROBLEM,
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    409: PROBLEM,
    415: PROBLEM,
    422: PROBLEM,
}

me = APIRouter(prefix="/me/out-of-office", tags=["flows"])


def absences(request: Request) -> OutOfOfficeService:
    service: OutOfOfficeService = request.app.state.runs.absences
    return service


AbsencesDep = Annotated[OutOfOfficeService, Depends(absences)]


@me.get("", responses=ERRORS)
def list_absences(session: SessionDep, actor: ActorDep, service: AbsencesDep) -> ExactJSONResponse:
    """Your out-of-office entries: while one is current, flow tasks given to you go to its
    delegate."""
    return reply({"items": service.listing(session, actor)})


@me.post("", status_code=201, responses=ERRORS, openapi_extra=openapi_body(AbsenceRequest))
def add_absence(
    session: SessionDep,
    actor: ActorDep,
    service: AbsencesDep,
    body: Annotated[AbsenceRequest, Depends(json_body(AbsenceRequest))],
) -> ExactJSONResponse:
    """Name a delegate (an active user) for tasks given to you from `from` until `to`
    (overlapping entries are refused)."""
    return reply(service.add(session, actor, body.delegate, body.starts, body.ends), 201)


@me.delete("/{entry}", status_code=204, responses=ERRORS)
def remove_absence(
    entry: Annotated[int, Path(ge=1, description="The entry's id")],
    session: SessionDep,
    actor: ActorDep,
    service: AbsencesDep,
) -> Response:
    service.remove(session, actor, entry)
    return Response(status_code=204)
