"""HTTP endpoints of decision models (thin: parse, call the service, reply)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.rules.schemas import EvaluateReply, EvaluateRequest
from brickwork.platform.rules.service import DecisionService
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/apps/{app}/decisions", tags=["decisions"])

AppKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The app's key")]
ModelKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The decision model's key")]
PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: PROBLEM,
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    415: PROBLEM,
    422: PROBLEM,
}
BODY_MODELS: tuple[type[BaseModel], ...] = (EvaluateRequest,)


def decisions(request: Request) -> DecisionService:
    service: DecisionService = request.app.state.decisions
    return service


DecisionsDep = Annotated[DecisionService, Depends(decisions)]


@router.post(
    "/{key}/evaluate",
    response_model=EvaluateReply,
    responses=ERRORS,
    openapi_extra=openapi_body(EvaluateRequest),
)
def evaluate_decision(
    app: AppKey,
    key: ModelKey,
    session: SessionDep,
    actor: ActorDep,
    service: DecisionsDep,
    body: Annotated[EvaluateRequest, Depends(json_body(EvaluateRequest))],
) -> ExactJSONResponse:
    """Evaluate the latest published version of a decision model. Needs an `evaluate` grant on
    the model (or `design` on the app). Bad input values never fail the request: they give null
    with diagnostics that point into the model."""
    result = service.evaluate(
        session, actor, app, key, decision=body.decision, inputs=body.inputs, trace=body.trace
    )
    return reply(result)
