"""HTTP endpoints of decision models (thin: parse, call the service, reply)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from brickwork.platform.api.body import json_body, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.records.service import RecordService
from brickwork.platform.rules.runner import RuleRunner
from brickwork.platform.rules.schemas import EvaluateReply, EvaluateRequest
from brickwork.platform.rules.service import DecisionService
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/apps/{app}/decisions", tags=["decisions"])
executions = APIRouter(prefix="/apps/{app}/forms/{form}/records/{record_id}", tags=["rules"])

AppKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The app's key")]
ModelKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The decision model's key")]
FormKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The form's key")]
RecordId = Annotated[str, Path(min_length=1, max_length=36, description="Record id")]
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


def runner(request: Request) -> RuleRunner:
    found: RuleRunner = request.app.state.rules
    return found


RunnerDep = Annotated[RuleRunner, Depends(runner)]


def records(request: Request) -> RecordService:
    found: RecordService = request.app.state.records
    return found


RecordsDep = Annotated[RecordService, Depends(records)]


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


@executions.get("/rule-executions", responses=ERRORS)
def rule_executions(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    rules: RunnerDep,
    record_service: RecordsDep,
) -> ExactJSONResponse:
    """What rules did (or, in shadow mode, would have done) on this record, oldest first; for
    those who may read the record."""
    record_service.get(session, actor, app, form, record_id)
    return reply({"items": rules.executions(session, app, form, record_id)})
