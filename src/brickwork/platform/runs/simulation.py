"""Simulate a flow on sample data: the path one record would take, and nothing written.

A designer gives the bound form's values and, per approval node, the outcome its approvers
would give. The values are typed exactly as the records layer types a new record of the form;
the flow (its draft compiled as publishing would compile it, or a published version) runs in
the real engine, in memory, with the caller as its initiator and the platform's directory read
as it is. Every open task is decided by the first of its assignees with the outcome given for
its node (approved by default; a fill-in task is completed), timer nodes fire at once, a
subflow finishes with the outcome given for its node. Set-fields actions change the values in
memory, so later conditions see them; records to create or update, notices and subflows are
only listed as what would happen. The run stops when the flow finishes, at an incident, or
after `MAX_EVENTS` decisions.

Nothing is stored: no instance, task, record, timer job or notice (the session is only read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from brickwork.engines.flow import (
    Approve,
    CommandRefused,
    CompiledFlow,
    Complete,
    CreateRecord,
    Effect,
    Event,
    Finished,
    FlowState,
    History,
    Incident,
    NodeEntered,
    NodeLeft,
    Notify,
    Reject,
    ScheduleTimer,
    SetFields,
    StartSubflow,
    SubflowFinished,
    TaskClosed,
    TaskCreated,
    TimerFired,
    UpdateRecords,
    World,
    diagram,
    start,
    step,
)
from brickwork.engines.form import RecordContext, validate_record
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import Clock, business_time, system_clock
from brickwork.platform.errors import ErrorItem, Invalid
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.records.service import RecordService
from brickwork.platform.runs.definitions import FlowCompiler
from brickwork.platform.runs.directory import SqlDirectory
from brickwork.platform.runs.service import expression_values

MAX_EVENTS = 200
"""Decisions, timers and subflow ends one simulation gives before it stops (a loop that
waits at a task on every round never finishes on its own)."""
DECIDED = frozenset({"approved", "rejected", "completed", "abstained"})
NOTED = frozenset({"auto_approve", "skipped", "assigned", "out_of_office", "maker_excluded"})
"""What the engine does by itself at a node and a designer wants to see (approvers approved
automatically, a node skipped or given to the fallback, an absent approver's delegate)."""
DECIDING = frozenset({"approval", "subflow"})
"""Node types whose outcome a simulation may choose."""
ABSENT_ALLOWED = frozenset({"required"})
"""Record problems a simulation passes over: sample data need not be complete."""
Outcome = Literal["approved", "rejected"]


@dataclass
class _Log:
    """The steps of a simulation, built from the engine's effects as they come."""

    flow: CompiledFlow
    values: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    at: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Node id -> its latest step."""
    tasks: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Engine task id -> (node, assignee)."""
    incident: dict[str, str | None] | None = None
    finished: str | None = None

    def take(self, effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            self.one(effect)

    def one(self, effect: Effect) -> None:  # noqa: C901 - one branch per effect type
        match effect:
            case NodeEntered(node=node):
                self.enter(node)
            case NodeLeft(node=node, outcome=outcome):
                self.step_of(node)["outcome"] = outcome
            case TaskCreated(task=task, node=node, assignee=user, kind=kind):
                self.tasks[task] = (node, user)
                self.step_of(node)["cc" if kind == "cc" else "assignees"].append(user)
            case TaskClosed(task=task, outcome=outcome) if outcome in DECIDED:
                node, user = self.tasks[task]
                self.step_of(node)["decisions"].append({"user": user, "outcome": outcome})
            case SetFields(values=values):
                self.values.update(values)
                self.would({"type": "set_fields", "values": dict(values)})
            case CreateRecord(form=form, values=values):
                self.would({"type": "create_record", "form": form, "values": dict(values)})
            case UpdateRecords(form=form, where=where, values=values):
                self.would(
                    {"type": "update_records", "form": form, "where": where, "values": dict(values)}
                )
            case Notify(kind=kind, users=users, task=task):
                node = self.tasks[task][0] if task in self.tasks else None
                self.would({"type": "notify", "kind": kind, "users": list(users)}, node)
            case StartSubflow(node=node, flow=flow, version=version):
                self.would({"type": "start_subflow", "flow": flow, "version": version}, node)
            case ScheduleTimer(due=due, purpose="timer"):
                self.would({"type": "wait", "until": due})
            case Incident(node=node, code=code, message=message, zh_cn=zh_cn):
                self.incident = {"node": node, "code": code, "message": message, "zh_cn": zh_cn}
                self.step_of(node)["incident"] = self.incident
            case History(action=action, node=node, detail=detail) if action in NOTED and node:
                note = {"action": action, **(dict(detail) if detail else {})}
                self.step_of(node)["notes"].append(note)
            case Finished(outcome=outcome):
                self.finished = outcome
            case _:
                pass

    def enter(self, node_id: str) -> None:
        node = self.flow.nodes[node_id]
        entry: dict[str, Any] = {
            "node": node_id,
            "type": node.type,
            "label": node.label,
            "assignees": [],
            "cc": [],
            "decisions": [],
            "outcome": None,
            "effects": [],
            "notes": [],
            "incident": None,
        }
        self.steps.append(entry)
        self.at[node_id] = entry

    def step_of(self, node_id: str) -> dict[str, Any]:
        if node_id not in self.at:  # a node the state already held (not entered in this run)
            self.enter(node_id)
        return self.at[node_id]

    def would(self, effect: dict[str, Any], node: str | None = None) -> None:
        """Something the run would do, at `node` (else at the step entered last)."""
        if node is not None:
            self.step_of(node)["effects"].append(effect)
        elif self.steps:
            self.steps[-1]["effects"].append(effect)


def next_event(
    flow: CompiledFlow, state: FlowState, outcomes: Mapping[str, Outcome]
) -> Event | None:
    """What the simulation does next: decide the first open task, else fire the first timer
    node, else finish a subflow the flow waits for; None when nothing moves it on."""
    for task in state.tasks:
        if task.kind == "fill":
            return Complete(task.assignee, task.id)
        if outcomes.get(task.node, "approved") == "rejected":
            return Reject(task.assignee, task.id)
        return Approve(task.assignee, task.id)
    for timer in state.timers:
        if timer.purpose == "timer":
            return TimerFired(timer.id)
    for token in state.tokens:
        if token.wait == "subflow":
            return SubflowFinished(token.node, outcomes.get(token.node, "approved"))
    return None


def run(
    flow: CompiledFlow,
    values: Mapping[str, Any],
    outcomes: Mapping[str, Outcome],
    *,
    initiator: str,
    now: datetime,
    world: World,
) -> dict[str, Any]:
    """Run `flow` on `values` (as its expressions see them) in memory (see the module)."""
    log = _Log(flow, dict(values))
    transition = start(
        flow, instance_id="simulation", initiator=initiator, now=now, world=_world(world, log)
    )
    log.take(transition.effects)
    state = transition.state
    stopped: dict[str, Any] | None = None
    events = 0
    while state.status == "running":
        event = next_event(flow, state, outcomes)
        if event is None:
            waiting = sorted({token.node for token in state.tokens})
            stopped = {
                "reason": "waiting",
                "nodes": waiting,
                "message": "the flow waits for something a simulation does not give "
                f"(at {', '.join(waiting)})",
            }
            break
        if events == MAX_EVENTS:
            stopped = {
                "reason": "step_limit",
                "nodes": sorted({token.node for token in state.tokens}),
                "message": f"stopped after {MAX_EVENTS} decisions: the flow may loop without "
                "end with these outcomes",
            }
            break
        events += 1
        try:
            transition = step(flow, state, event, now=now, world=_world(world, log))
        except CommandRefused as refused:
            stopped = {"reason": "refused", "nodes": [], "message": refused.message}
            break
        log.take(transition.effects)
        state = transition.state
    picture = diagram(flow, state)
    if log.incident is not None:
        for node in picture["nodes"]:
            if node["id"] == log.incident["node"]:
                node["status"] = "incident"
    return {
        "status": state.status,
        "finished": None if log.finished is None else {"outcome": log.finished},
        "incident": log.incident,
        "stopped": stopped,
        "steps": log.steps,
        "values": log.values,
        "diagram": picture,
    }


def _world(world: World, log: _Log) -> World:
    """The world of one step: the values as the actions so far left them."""
    return World(dict(log.values), world.directory, world.parameters)


class FlowSimulator:
    """Simulations of flows for those who design their app (`design`)."""

    def __init__(
        self, *, records: RecordService, compiler: FlowCompiler, clock: Clock = system_clock
    ) -> None:
        self.records = records
        self.compiler = compiler
        self.clock = clock

    def compiled(
        self, session: Session, actor: Actor, app_key: str, key: str, version: int | None
    ) -> CompiledFlow:
        """Version `version` of flow `key`, or (None) its draft compiled as publishing would."""
        metadata = self.records.metadata
        metadata.require(session, actor, "design", app_key)
        definition = metadata.definition(session, app_key, Kind.FLOW, key)
        if version is not None:
            return self.compiler.pinned(session, app_key, key, version).compiled
        spec = (definition.draft or {}).get("spec")
        return self.compiler.compile_spec(
            session,
            app_key,
            spec,
            refusal=f"the draft of flow {key!r} does not compile; fix it to simulate it",
            refusal_zh=f"流程 {key} 的草稿有错误：请修正后再模拟",
        )

    def simulate(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        key: str,
        values: Mapping[str, Any],
        outcomes: Mapping[str, Outcome],
        *,
        version: int | None = None,
    ) -> dict[str, Any]:
        """The path a record with `values` would take through flow `key` (see the module)."""
        flow = self.compiled(session, actor, app_key, key, version)
        _check_outcomes(flow, outcomes)
        now = business_time(self.clock())
        form = self.records.form(session, app_key, flow.spec.form)
        parameters = self.records.parameters.source(session, app_key)
        context = RecordContext(
            now=now,
            user={"username": actor.username, "roles": list(actor.roles)},
            parameters=parameters,
        )
        result = validate_record(form.compiled, values, context=context)
        problems = [p for p in result.errors if p.code not in ABSENT_ALLOWED]
        if problems:
            raise Invalid(
                f"the sample values have {len(problems)} problem(s); nothing was simulated",
                code="record_invalid",
                zh_cn=f"示例值有 {len(problems)} 个问题：未进行模拟",
                errors=[
                    ErrorItem(
                        f"/values{p.pointer}", p.code, p.zh_cn if actor.locale == "zh-CN" else p.en
                    )
                    for p in problems
                ],
            )
        world = World({}, SqlDirectory(session), parameters)
        found = run(
            flow,
            expression_values(form, result.values),
            outcomes,
            initiator=actor.username,
            now=now,
            world=world,
        )
        return {"flow": key, "version": version, "initiator": actor.username, **found}


def _check_outcomes(flow: CompiledFlow, outcomes: Mapping[str, Outcome]) -> None:
    """Outcomes are chosen for approval and subflow nodes only (a fill-in task is completed)."""
    errors = []
    for node_id in outcomes:
        node = flow.nodes.get(node_id)
        pointer = "/outcomes/" + node_id.replace("~", "~0").replace("/", "~1")
        if node is None:
            errors.append(
                ErrorItem(pointer, "outcome_not_applicable", f"the flow has no node `{node_id}`")
            )
        elif node.type not in DECIDING:
            errors.append(
                ErrorItem(
                    pointer,
                    "outcome_not_applicable",
                    f"`{node_id}` is a {node.type} node: only approval and subflow nodes have "
                    "an outcome to choose",
                )
            )
    if errors:
        raise Invalid(
            "outcomes were given for nodes that take no decision; nothing was simulated",
            code="validation_failed",
            zh_cn="为不做决策的节点指定了结果：未进行模拟",
            errors=errors,
        )
