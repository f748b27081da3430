"""HTTP endpoints of flow runs (thin: parse, call the service, reply): starting flows on
records, commands on tasks and instances, the inbox, instance detail, out of office, and the
simulation of a flow for its designers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from brickwork.engines.flow import (
    Abstain,
    AddSigner,
    Approve,
    Cc,
    Comment,
    Complete,
    Delegate,
    Event,
    Reject,
    ResolveIncident,
    Resubmit,
    Return,
    Transfer,
    Urge,
    Withdraw,
)
from brickwork.platform.api.body import json_body, openapi_body, optional_json_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.errors import ErrorItem, Invalid
from brickwork.platform.runs.absence import OutOfOfficeService
from brickwork.platform.runs.schemas import (
    MAX_ID,
    AbsenceRequest,
    AddSignerRequest,
    BatchApproveRequest,
    CcRequest,
    CommandRequest,
    HandOverRequest,
    HandoverRequest,
    ReassignRequest,
    ResolveIncidentRequest,
    ReturnRequest,
    SimulateRequest,
    SimulationOut,
    StartRequest,
    TerminateRequest,
)
from brickwork.platform.runs.service import FlowService
from brickwork.platform.runs.simulation import FlowSimulator
from brickwork.platform.vocabulary import KEY_PATTERN

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
    entry: Annotated[int, Path(ge=1, le=MAX_ID, description="The entry's id")],
    session: SessionDep,
    actor: ActorDep,
    service: AbsencesDep,
) -> Response:
    service.remove(session, actor, entry)
    return Response(status_code=204)


starts = APIRouter(prefix="/apps/{app}/forms/{form}/records/{record_id}/flows", tags=["flows"])
tasks = APIRouter(prefix="/tasks", tags=["flows"])
instances = APIRouter(prefix="/flow-instances", tags=["flows"])
inbox = APIRouter(prefix="/inbox", tags=["flows"])
designs = APIRouter(prefix="/apps/{app}/flows", tags=["flows"])
app_tasks = APIRouter(prefix="/apps/{app}/flow-tasks", tags=["flows"])
app_instances = APIRouter(prefix="/apps/{app}/flow-instances", tags=["flows"])

AppKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The app's key")]
FormKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The form's key")]
RecordId = Annotated[str, Path(min_length=1, max_length=36, description="Record id")]
TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="The task's id (as the inbox lists it)")]
InstanceId = Annotated[str, Path(min_length=1, max_length=36, description="Flow instance id")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A key the client makes once per command: the same key again does nothing",
    ),
]


def flows(request: Request) -> FlowService:
    service: FlowService = request.app.state.runs
    return service


FlowsDep = Annotated[FlowService, Depends(flows)]


def simulator(request: Request) -> FlowSimulator:
    runs: FlowService = request.app.state.runs
    return FlowSimulator(records=runs.records, compiler=runs.compiler, clock=runs.clock)


SimulatorDep = Annotated[FlowSimulator, Depends(simulator)]
FlowKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The flow's key")]


@starts.post("", status_code=201, responses=ERRORS, openapi_extra=openapi_body(StartRequest))
def start_flow(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    body: Annotated[StartRequest, Depends(json_body(StartRequest))],
) -> ExactJSONResponse:
    """Start the latest published version of a flow bound to this form on a record you may
    read (you are its initiator). A flow runs once at a time per record."""
    return reply(service.start_flow(session, actor, app, form, record_id, body.flow), 201)


@starts.get("", responses=ERRORS)
def record_flows(
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
) -> ExactJSONResponse:
    """The flows of a record (running and finished, oldest first) with their open tasks, for
    those who may read the record."""
    return reply({"items": service.of_record(session, actor, app, form, record_id)})


@tasks.get("/{task}", responses=ERRORS)
def task_view(
    task: TaskId, session: SessionDep, actor: ActorDep, service: FlowsDep
) -> ExactJSONResponse:
    """A task of yours as you work on it (the approval form): the task, its instance and step,
    the record as the step shows it to you (hidden fields left out; `fields` gives each shown
    field's level: `masked`, `read` or `write`), the commands you may give now and the nodes a
    return may go back to. Someone else's task is not found."""
    return reply(service.task_view(session, actor, task))


TaskEvent = Callable[[Actor, str, int | None, Any], Event]
"""(actor, engine task id, expected version, body) -> the engine's event."""


def _task_route(name: str, model: type[CommandRequest], make: TaskEvent, summary: str) -> None:
    reader = optional_json_body(model) if model is CommandRequest else json_body(model)

    def endpoint(
        task: TaskId,
        session: SessionDep,
        actor: ActorDep,
        service: FlowsDep,
        body: Annotated[Any, Depends(reader)],
        idempotency_key: IdempotencyKey = None,
    ) -> ExactJSONResponse:
        result = service.task_command(
            session,
            actor,
            task,
            lambda engine_task, version: make(actor, engine_task, version, body),
            expected_version=body.expected_version,
            key=idempotency_key,
            comment=body.comment,
            action=name.replace("-", "_"),
        )
        return reply(result)

    endpoint.__annotations__["body"] = Annotated[Any, Depends(reader)]
    endpoint.__name__ = f"task_{name.replace('-', '_')}"
    endpoint.__doc__ = summary + _COMMAND_NOTE
    tasks.add_api_route(
        f"/{{task}}/{name}",
        endpoint,
        methods=["POST"],
        responses=ERRORS,
        openapi_extra=openapi_body(model, required=model is not CommandRequest),
    )


@tasks.post("/{task}/reassign", responses=ERRORS, openapi_extra=openapi_body(ReassignRequest))
def task_reassign(
    task: TaskId,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    body: Annotated[ReassignRequest, Depends(json_body(ReassignRequest))],
    idempotency_key: IdempotencyKey = None,
) -> ExactJSONResponse:
    """Give an open task to `to` in its holder's place (administrators of the app: the holder
    left, is away for long, or may not decide it). `to` must be active and hold no task at the
    step; under maker-checker an approval never goes to the initiator; the initiator's own task
    stays theirs. A delegated task keeps its owner. The task's SLA starts again; `reason` (at
    least 5 visible characters) goes to the timeline and the new holder is told. Send
    `expected_version` (the task's) or an `Idempotency-Key` header."""
    result = service.reassign(
        session,
        actor,
        task,
        body.to,
        body.reason,
        expected_version=body.expected_version,
        key=idempotency_key,
    )
    return reply(result)


_COMMAND_NOTE = (
    " Send `expected_version` (the task's version) or an `Idempotency-Key` header: a stale or "
    "repeated command answers 409 with the instance as it is now (`current`) and does nothing."
)


def _comment_text(body: CommandRequest) -> str:
    if not body.comment:
        raise Invalid(
            "a comment needs its text",
            code="validation_failed",
            zh_cn="请填写评论内容",
            errors=[ErrorItem("/comment", "required", "give the comment's text")],
        )
    return body.comment


_task_route(
    "approve",
    CommandRequest,
    lambda a, t, v, b: Approve(a.username, t, v, b.comment),
    "Approve the task.",
)
_task_route(
    "reject",
    CommandRequest,
    lambda a, t, v, b: Reject(a.username, t, v, b.comment),
    "Reject the task.",
)
_task_route(
    "complete",
    CommandRequest,
    lambda a, t, v, b: Complete(a.username, t, v, b.comment),
    "Submit a fill-in task.",
)
_task_route(
    "abstain",
    CommandRequest,
    lambda a, t, v, b: Abstain(a.username, t, v, b.comment),
    "Abstain in a vote.",
)
_task_route(
    "return",
    ReturnRequest,
    lambda a, t, v, b: Return(a.username, t, b.target, b.resume, v, b.comment),
    "Return the instance to a node already executed on this path, or to the initiator.",
)
_task_route(
    "transfer",
    HandOverRequest,
    lambda a, t, v, b: Transfer(a.username, t, b.to, v, b.comment),
    "Hand the task over to another user for good.",
)
_task_route(
    "delegate",
    HandOverRequest,
    lambda a, t, v, b: Delegate(a.username, t, b.to, v, b.comment),
    "Let another user act on the task; it comes back to you to decide.",
)
_task_route(
    "add-signer",
    AddSignerRequest,
    lambda a, t, v, b: AddSigner(a.username, t, tuple(b.users), b.position, v, b.comment),
    "Add approvers before you, after you, or alongside you.",
)
_task_route(
    "comment",
    CommandRequest,
    lambda a, t, v, b: Comment(a.username, _comment_text(b), t, v),
    "Comment on the task (the comment goes to the timeline).",
)
_task_route(
    "urge",
    CommandRequest,
    lambda a, t, v, b: Urge(a.username, t, v, b.comment),
    "Remind the task's assignee.",
)


InstanceEvent = Callable[[Actor, int | None, Any], Event]


def _instance_route(
    name: str, model: type[CommandRequest], make: InstanceEvent, summary: str
) -> None:
    reader = optional_json_body(model) if model is CommandRequest else json_body(model)

    def endpoint(
        instance: InstanceId,
        session: SessionDep,
        actor: ActorDep,
        service: FlowsDep,
        body: Annotated[Any, Depends(reader)],
        idempotency_key: IdempotencyKey = None,
    ) -> ExactJSONResponse:
        result = service.instance_command(
            session,
            actor,
            instance,
            lambda version: make(actor, version, body),
            expected_version=body.expected_version,
            key=idempotency_key,
            comment=body.comment,
            action=name,
        )
        return reply(result)

    endpoint.__annotations__["body"] = Annotated[Any, Depends(reader)]
    endpoint.__name__ = f"instance_{name}"
    endpoint.__doc__ = summary + _COMMAND_NOTE.replace("the task's", "the instance's")
    instances.add_api_route(
        f"/{{instance}}/{name}",
        endpoint,
        methods=["POST"],
        responses=ERRORS,
        openapi_extra=openapi_body(model, required=model is not CommandRequest),
    )


_instance_route(
    "withdraw",
    CommandRequest,
    lambda a, v, b: Withdraw(a.username, v, b.comment),
    "Withdraw the instance (its initiator, before the first decision).",
)
_instance_route(
    "resubmit",
    CommandRequest,
    lambda a, v, b: Resubmit(a.username, None, v, b.comment),
    "Submit again after the instance was returned to you.",
)
_instance_route(
    "urge",
    CommandRequest,
    lambda a, v, b: Urge(a.username, None, v, b.comment),
    "Remind the assignees of every open task (the initiator).",
)
_instance_route(
    "cc",
    CcRequest,
    lambda a, v, b: Cc(a.username, tuple(b.users), None, v, b.comment),
    "Copy the instance to users (read-only CC tasks in their inbox).",
)


@instances.post(
    "/{instance}/resolve-incident",
    responses=ERRORS,
    openapi_extra=openapi_body(ResolveIncidentRequest),
)
def instance_resolve_incident(
    instance: InstanceId,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    body: Annotated[ResolveIncidentRequest, Depends(json_body(ResolveIncidentRequest))],
    idempotency_key: IdempotencyKey = None,
) -> ExactJSONResponse:
    """Resolve the incident at `node` (administrators of the app): its token enters `to`, by
    default `node` again (an exclusive gateway chooses again against the record as it is now).
    """
    result = service.admin_command(
        session,
        actor,
        instance,
        lambda version: ResolveIncident(actor.username, body.node, body.to, version, body.comment),
        expected_version=body.expected_version,
        key=idempotency_key,
        comment=body.comment,
        action="resolve_incident",
    )
    return reply(result)


@instances.post(
    "/{instance}/terminate", responses=ERRORS, openapi_extra=openapi_body(TerminateRequest)
)
def instance_terminate(
    instance: InstanceId,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    body: Annotated[TerminateRequest, Depends(json_body(TerminateRequest))],
    idempotency_key: IdempotencyKey = None,
) -> ExactJSONResponse:
    """End a running instance for good (administrators of the app): every open task is
    cancelled with its timers and subflows, the record shows the flow as `terminated` and may
    start a flow again. `reason` (at least 5 visible characters) goes to the timeline. A
    finished instance is refused (409 `flow_command_refused`); a stale `expected_version` gets
    409 `flow_stale` with the current state."""
    result = service.terminate(
        session,
        actor,
        instance,
        body.reason,
        expected_version=body.expected_version,
        key=idempotency_key,
    )
    return reply(result)


@instances.get("/{instance}", responses=ERRORS)
def instance_detail(
    instance: InstanceId, session: SessionDep, actor: ActorDep, service: FlowsDep
) -> ExactJSONResponse:
    """The instance with every task, its timeline (who, what, when, comment, form diff) and a
    diagram (nodes with status, edges taken). For its participants, its initiator and readers
    of its record."""
    return reply(service.detail(session, actor, instance))


@tasks.post("/batch-approve", responses=ERRORS, openapi_extra=openapi_body(BatchApproveRequest))
def batch_approve(
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    body: Annotated[BatchApproveRequest, Depends(json_body(BatchApproveRequest))],
) -> ExactJSONResponse:
    """Approve several tasks, each with its expected version; each succeeds or is refused on
    its own (`results`: one per task, in order)."""
    items = [(item.task, item.expected_version) for item in body.tasks]
    return reply({"results": service.batch_approve(session, actor, items, body.comment)})


@inbox.get("", responses=ERRORS)
def my_inbox(
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    tab: Literal["todo", "done", "initiated", "cc"] = "todo",
    app: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    flow: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ExactJSONResponse:
    """Your inbox: tasks to do, tasks you did, instances you started, and what was copied to
    you; filtered by app, flow and text (flow, form, initiator, record id); with how many items
    each tab holds under the same filters."""
    page = service.inbox(
        session, actor, tab, app_key=app, flow_key=flow, text=text, limit=limit, offset=offset
    )
    return reply(page)


@designs.post(
    "/{key}/simulate",
    response_model=SimulationOut,
    responses=ERRORS,
    openapi_extra=openapi_body(SimulateRequest, required=False),
)
def simulate_flow(
    app: AppKey,
    key: FlowKey,
    session: SessionDep,
    actor: ActorDep,
    service: SimulatorDep,
    body: Annotated[SimulateRequest, Depends(optional_json_body(SimulateRequest))],
) -> ExactJSONResponse:
    """Simulate the flow (its draft, or a published `version`) on sample values, for those
    who design the app: you are the initiator, the directory answers who would be asked, each
    task is decided with the outcome given for its node (approved by default), timers fire at
    once, set-fields actions change the values in memory. The steps in order, the end or the
    incident, and the diagram with the path taken. Nothing is stored. Sample values that do
    not fit the form answer 422 with pointers under `/values`; a draft that does not compile,
    422 with the problems under `/spec`."""
    found = service.simulate(
        session, actor, app, key, body.values, body.outcomes, version=body.version
    )
    return reply(found)


@app_tasks.get("", responses=ERRORS)
def open_tasks_of_app(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    assignee: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    flow: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ExactJSONResponse:
    """The open tasks of the app's flows, longest waiting first (administrators of the app):
    who holds what and what is past its due time, filtered by holder, flow and `overdue`; each
    with its instance, as the inbox lists tasks, and `total`."""
    page = service.app_tasks(
        session,
        actor,
        app,
        assignee=assignee,
        flow_key=flow,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return reply(page)


@app_tasks.post("/handover", responses=ERRORS, openapi_extra=openapi_body(HandoverRequest))
def hand_over_tasks(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    body: Annotated[HandoverRequest, Depends(json_body(HandoverRequest))],
) -> ExactJSONResponse:
    """Give every open task `from` holds in the app's flows to `to` (administrators of the
    app; someone who left or moved), oldest first, at most 200 a call: each as
    `POST /tasks/{task}/reassign` would, on its own (`results`: one per task, `ok` or the
    refusal's `code` and `message`). `still_open`: how many of `from`'s tasks are still open
    in the app (the refused ones included); call again while it is above the refused ones."""
    return reply(service.hand_over(session, actor, app, body.holder, body.to, body.reason))


@app_instances.get("", responses=ERRORS)
def instances_of_app(
    app: AppKey,
    session: SessionDep,
    actor: ActorDep,
    service: FlowsDep,
    status: Literal["running", "incident", "approved", "rejected", "withdrawn", "terminated"]
    | None = None,
    flow: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ExactJSONResponse:
    """The app's flow instances, oldest first (administrators of the app), e.g. those stopped
    in an incident (`status=incident`); `total` counts them all."""
    page = service.app_instances(
        session, actor, app, status=status, flow_key=flow, limit=limit, offset=offset
    )
    return reply(page)
