"""HTTP endpoints of decision models (thin: parse, call the service, reply)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.platform.api.body import json_body, json_document, openapi_body, raw_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.rules.calendars import CalendarService
from brickwork.platform.rules.runner import RuleRunner
from brickwork.platform.rules.schemas import (
    EvaluateReply,
    EvaluateRequest,
    ReplayRequest,
    RunScheduledRequest,
    TryExamplesRequest,
)
from brickwork.platform.rules.service import DecisionService
from brickwork.platform.vocabulary import KEY_PATTERN

router = APIRouter(prefix="/apps/{app}/decisions", tags=["decisions"])
executions = APIRouter(prefix="/apps/{app}/forms/{form}/records/{record_id}", tags=["rules"])
scheduled = APIRouter(prefix="/apps/{app}/rules", tags=["rules"])
calendars = APIRouter(prefix="/calendars", tags=["rules"])
CalendarKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The calendar's key")]

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
CALENDAR_SCHEMA = BusinessCalendar.model_json_schema()
BODY_MODELS: tuple[type[BaseModel], ...] = (
    EvaluateRequest,
    RunScheduledRequest,
    TryExamplesRequest,
)


def decisions(request: Request) -> DecisionService:
    service: DecisionService = request.app.state.decisions
    return service


DecisionsDep = Annotated[DecisionService, Depends(decisions)]


@router.get("/{key}/analysis", responses=ERRORS)
def analyse_decision(
    app: AppKey, key: ModelKey, session: SessionDep, actor: ActorDep, service: DecisionsDep
) -> ExactJSONResponse:
    """Design-time findings on the model's draft, each with a pointer (and, for overlaps and
    gaps, an example input): overlapping rules under U, gaps, rules shadowed under F, type
    mismatches, and cells too complex to analyse. Needs `design` on the app."""
    return reply(service.analysis(session, actor, app, key))


DMN_BODY = {
    "requestBody": {
        "required": True,
        "description": "A DMN 1.3, 1.4 or 1.5 document (as Camunda Modeler or dmn-js write it)",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}


@router.put("/{key}/dmn", responses=ERRORS, openapi_extra=DMN_BODY)
def import_decision_xml(
    app: AppKey,
    key: ModelKey,
    session: SessionDep,
    actor: ActorDep,
    service: DecisionsDep,
    body: Annotated[bytes, Depends(raw_body)],
) -> ExactJSONResponse:
    """Import a DMN document into the model's draft (the model is created when missing; needs
    `design`). Anything not supported is refused with its element id and line; nothing is
    saved then. Publish the draft as usual."""
    return reply(service.import_xml(session, actor, app, key, body))


@router.get(
    "/{key}/dmn",
    responses={**ERRORS, 200: {"content": {"application/xml": {}}, "description": "DMN XML"}},
)
def export_decision_xml(
    app: AppKey,
    key: ModelKey,
    session: SessionDep,
    actor: ActorDep,
    service: DecisionsDep,
    version: Annotated[
        int | None, Query(ge=1, description="A published version (default: the draft)")
    ] = None,
    dmn: Annotated[
        Literal["auto", "1.3", "1.5"],
        Query(
            description="DMN version written; auto: 1.3 (what dmn-js and Camunda Modeler open) "
            "unless the model uses conditional, filter or iterator expressions (1.5)"
        ),
    ] = "auto",
) -> Response:
    """The model as DMN XML with a diagram section (opens in dmn-js and Camunda Modeler)."""
    xml = service.export_xml(session, actor, app, key, version, dmn)
    headers = {"Content-Disposition": f'attachment; filename="{key}.dmn"'}
    return Response(xml, media_type="application/xml", headers=headers)


def runner(request: Request) -> RuleRunner:
    found: RuleRunner = request.app.state.rules
    return found


RunnerDep = Annotated[RuleRunner, Depends(runner)]


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
        session,
        actor,
        app,
        key,
        decision=body.decision,
        inputs=body.inputs,
        trace=body.trace,
        as_of=body.as_of,
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
) -> ExactJSONResponse:
    """What rules did (or, in shadow mode, would have done) on this record, oldest first; for
    those who may read the record. Values derived from the record are left out for readers who
    do not see all of its fields in clear."""
    return reply({"items": rules.executions(session, actor, app, form, record_id)})


@executions.post("/rules/replay", responses=ERRORS)
def replay_rules(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    rules: RunnerDep,
    body: Annotated[ReplayRequest, Depends(json_body(ReplayRequest))],
) -> ExactJSONResponse:
    """How the rules in force at `as_of` would decide on this record as stored now: each rule
    version published by then (and not archived by then) that the event triggers on this form,
    whether it was in force that day (effective dates), what it would do, and the values its
    decision calls give under the decision model versions in force then. Acts on nothing and
    records nothing; for those who may read the record. Values derived from the record are
    left out for readers who do not see all of its fields in clear."""
    items = rules.replay(
        session, actor, app, form, record_id, as_of=body.as_of, event_kind=body.event
    )
    return reply({"as_of": body.as_of, "items": items})


@executions.post("/rules/{key}/run", responses=ERRORS)
def run_rule(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    key: Annotated[str, Path(pattern=KEY_PATTERN, description="The rule's key")],
    session: SessionDep,
    actor: ActorDep,
    rules: RunnerDep,
) -> ExactJSONResponse:
    """Run a rule with a manual trigger (a button) on a record the caller may read; the rule
    acts as its owner. Answers what it did (matched, effects, bindings, diagnostics)."""
    return reply(rules.run_manual(session, actor, app, form, record_id, key))


@scheduled.post("/{key}/run", responses=ERRORS, openapi_extra=openapi_body(RunScheduledRequest))
def run_scheduled_rule(
    app: AppKey,
    key: Annotated[str, Path(pattern=KEY_PATTERN, description="The rule's key")],
    session: SessionDep,
    actor: ActorDep,
    rules: RunnerDep,
    body: Annotated[RunScheduledRequest, Depends(json_body(RunScheduledRequest))],
) -> ExactJSONResponse:
    """Run a scheduled rule now, or as of `at` (a month-end run again after a correction):
    once for the app, or once per record of its `for_each`. Needs `design` on the app; the
    rule acts as its owner. Answers how many records it ran on, how many matched, and the
    records whose run failed (each with its code; the others are kept)."""
    return reply(rules.run_now(session, actor, app, key, body.at))


@scheduled.post(
    "/{key}/examples/run", responses=ERRORS, openapi_extra=openapi_body(TryExamplesRequest)
)
def try_rule_examples(
    app: AppKey,
    key: Annotated[str, Path(pattern=KEY_PATTERN, description="The rule's key")],
    session: SessionDep,
    actor: ActorDep,
    rules: RunnerDep,
    body: Annotated[TryExamplesRequest, Depends(json_body(TryExamplesRequest))],
) -> ExactJSONResponse:
    """Run the examples of a rule's draft (or of `spec`, unsaved) against the app's published
    forms: each with whether it holds and, when not, why. Needs `design` on the app. Nothing
    is saved and the rule acts on nothing; a rule that does not compile is refused with every
    problem and its pointer."""
    return reply(rules.try_examples(session, actor, app, key, body.spec))


def calendar_service(request: Request) -> CalendarService:
    found: CalendarService = request.app.state.rules.calendars
    return found


CalendarsDep = Annotated[CalendarService, Depends(calendar_service)]


@calendars.get("", responses=ERRORS)
def list_calendars(
    session: SessionDep, actor: ActorDep, service: CalendarsDep
) -> ExactJSONResponse:
    """Every business calendar (working weekdays, holidays, make-up working days)."""
    return reply({"items": service.listing(session)})


@calendars.get("/{key}", responses=ERRORS)
def get_calendar(
    key: CalendarKey, session: SessionDep, actor: ActorDep, service: CalendarsDep
) -> ExactJSONResponse:
    return reply(service.get(session, key))


@calendars.put("/{key}", responses=ERRORS, openapi_extra=openapi_body(schema=CALENDAR_SCHEMA))
def put_calendar(
    key: CalendarKey,
    session: SessionDep,
    actor: ActorDep,
    service: CalendarsDep,
    document: Annotated[Any, Depends(json_document)],
) -> ExactJSONResponse:
    """Create or replace a business calendar (system administrators; audited)."""
    return reply(service.put(session, actor, key, document))


@calendars.delete("/{key}", status_code=204, responses=ERRORS)
def delete_calendar(
    key: CalendarKey, session: SessionDep, actor: ActorDep, service: CalendarsDep
) -> Response:
    service.delete(session, actor, key)
    return Response(status_code=204)
