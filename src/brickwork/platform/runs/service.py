"""Flow runs: instances of published flows on records, their tasks and timeline. Never commits.

A flow starts on a record its initiator may read, at the latest published version of the flow,
and stays pinned to that version. Every command runs in the caller's transaction:

1. the instance's row is read (and locked on PostgreSQL, `SELECT ... FOR UPDATE`);
2. with an `Idempotency-Key`, the key is stored; a key stored before refuses the command;
3. the engine steps the state (it refuses a stale `expected_version`, a task not the actor's,
   a withdraw after the first decision, ...);
4. the new state replaces the old one only while the version read is still current
   (`UPDATE ... WHERE version = :read`), so two commands racing never both act;
5. the effects are applied in order: task rows, timeline rows (each also an audit event),
   record writes through the records service as the `system` actor, timers as jobs, notices,
   subflows.

A refused command changes nothing and answers 409 with the instance as it is now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from brickwork.engines.flow import (
    Approve,
    CancelTimer,
    CommandRefused,
    CompiledFlow,
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
    Reassign,
    ScheduleTimer,
    SetFields,
    StartSubflow,
    SubflowFinished,
    TaskClosed,
    TaskCreated,
    Terminate,
    TimerFired,
    Transition,
    UpdateRecords,
    World,
    diagram,
    field_permissions,
    start,
    step,
)
from brickwork.engines.form.compiled import computed_sources
from brickwork.engines.form.scope import to_expression_values
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import (
    BUSINESS_ZONE,
    Clock,
    business_date,
    business_time,
    new_id,
    system_clock,
)
from brickwork.platform.errors import (
    Conflict,
    ErrorItem,
    Forbidden,
    Invalid,
    NotFound,
    PlatformError,
)
from brickwork.platform.jobs.service import JobContext, JobQueue
from brickwork.platform.models import FlowHistory, FlowInstance, FlowTask
from brickwork.platform.models.flow_task import CLOSED, OPEN
from brickwork.platform.records.access import MIN_REASON, visible_length
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.rows import typed_values
from brickwork.platform.records.service import RecordService
from brickwork.platform.runs.absence import OutOfOfficeService
from brickwork.platform.runs.definitions import FlowCompiler, PinnedFlow
from brickwork.platform.runs.directory import SYSTEM, SqlDirectory
from brickwork.platform.runs.notify import Notice, Notifier, TimelineOnly, recipients
from brickwork.platform.runs.repository import RunRepository, text_match

TIMER_JOB = "flow.timer"
"""The job kind of a flow timer (SLA reminders and breaches, timer nodes)."""
SYSTEM_ACTOR = Actor(SYSTEM, channel="flow", system=True)
SIGNALS = "brickwork.flow_signals"
STALE_CODES = frozenset({"E_FLOW_STALE"})
NOT_ALLOWED_CODES = frozenset({"E_FLOW_NOT_YOUR_TASK", "E_FLOW_NOT_INITIATOR"})
"""Engine refusals that answer 403 (not the actor's to give); every other refusal is a 409."""


DONE_OUTCOMES = (
    "approved",
    "rejected",
    "completed",
    "abstained",
    "returned",
    "transferred",
    "delegated",
)
WORK = ("approve", "fill")
TABS: dict[str, Callable[[str], list[ColumnElement[bool]]]] = {
    "todo": lambda me: [FlowTask.assignee == me, FlowTask.status == OPEN, FlowTask.kind.in_(WORK)],
    "done": lambda me: [
        FlowTask.assignee == me,
        FlowTask.status == CLOSED,
        FlowTask.kind.in_(WORK),
        FlowTask.outcome.in_(DONE_OUTCOMES),
    ],
    "cc": lambda me: [FlowTask.assignee == me, FlowTask.kind == "cc"],
}
ORDERS: dict[str, tuple[Any, ...]] = {
    "todo": (FlowTask.created_at.desc(), FlowTask.id.desc()),
    "done": (FlowTask.closed_at.desc(), FlowTask.id.desc()),
    "cc": (FlowTask.created_at.desc(), FlowTask.id.desc()),
}


HANDOVER_BATCH = 200
"""Tasks one hand-over call moves at most (call again for the rest)."""


def _open_work(
    app_key: str, assignee: str | None, flow_key: str | None
) -> list[ColumnElement[bool]]:
    """Open approval and fill-in tasks of the app's flows (of `assignee`, of flow `flow_key`)."""
    where = [FlowInstance.app_key == app_key, FlowTask.status == OPEN, FlowTask.kind.in_(WORK)]
    if assignee is not None:
        where.append(FlowTask.assignee == assignee)
    if flow_key is not None:
        where.append(FlowInstance.flow_key == flow_key)
    return where


class FlowConflict(Conflict):
    """A refused command: 409 with the instance as it is now (`current`)."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        current: Mapping[str, Any],
        errors: Sequence[ErrorItem] = (),
        zh_cn: str | None = None,
    ) -> None:
        super().__init__(message, code=code, errors=errors, zh_cn=zh_cn)
        self.extra = {"current": dict(current)}


def _no_task(task_id: int) -> NotFound:
    """A task that does not exist, or that the actor may not see (the same answer)."""
    return NotFound(
        f"there is no task {task_id}", code="task_not_found", zh_cn=f"没有任务 {task_id}"
    )


def _no_instance(instance_id: str) -> NotFound:
    """An instance that does not exist, or that the actor may not see (the same answer)."""
    return NotFound(
        f"there is no flow instance {instance_id}",
        code="flow_instance_not_found",
        zh_cn=f"没有流程实例 {instance_id}",
    )


def _refused_item(task: int | str, refused: PlatformError, locale: str | None) -> dict[str, Any]:
    """One task's refusal in a batch's results, said in the actor's language."""
    return {"task": task, "ok": False, "code": refused.code, "message": refused.text(locale)}


FlowEventListener = Callable[[Session, Actor, FlowInstance, Mapping[str, str | None]], None]
"""Told each flow event (`started`, `node_entered`, `approved`, `rejected`, `finished`) of an
instance after its effects are applied, in the command's transaction: the facts are `key`,
`event`, `node`, `outcome`, `instance` and `initiator` (the rules engine's flow triggers)."""
DECIDING_NODES = frozenset({"approval", "task"})


@dataclass(slots=True)
class _Apply:
    """What applying one transition's effects needs to know."""

    instance: FlowInstance
    pinned: PinnedFlow
    actor: Actor
    now: datetime
    world: World
    comment: str | None = None
    task: str | None = None
    seq: int = 0
    finished: str | None = None
    tasks: dict[str, FlowTask] = field(default_factory=dict)
    state: FlowState | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    """Timeline rows of the step, written in one statement with its audit event."""
    orphan: bool = False
    """Ended because its parent left the subflow node: the parent is not told."""


def _require_reason(reason: str, why: str, why_zh: str, code: str) -> None:
    """A reason of at least `MIN_REASON` visible characters, for why (in English and Chinese)
    something is done."""
    if visible_length(reason) < MIN_REASON:
        message = f"say why {why} (at least {MIN_REASON} visible characters)"
        zh_cn = f"请写明{why_zh}的原因（至少 {MIN_REASON} 个可见字符）"
        item = ErrorItem("/reason", code, message)
        raise Invalid(message, code=code, errors=[item], zh_cn=zh_cn)


def running_key(pinned: PinnedFlow, record_id: str) -> str:
    """What makes a flow run once at a time per record (unique while the instance runs)."""
    return f"{pinned.app_key}/{pinned.form_key}/{record_id}/{pinned.key}"


def _flow_events(context: _Apply, transition: Transition) -> list[dict[str, str | None]]:
    """The flow events of one transition, in order."""
    instance = context.instance
    nodes = context.pinned.compiled.nodes
    found: list[tuple[str, str | None, str | None]] = []
    if transition.state.version == 1:
        found.append(("started", None, None))
    for effect in transition.effects:
        if isinstance(effect, NodeEntered):
            found.append(("node_entered", effect.node, None))
        elif isinstance(effect, NodeLeft) and nodes[effect.node].type in DECIDING_NODES:
            found.append((effect.outcome, effect.node, effect.outcome))
        elif isinstance(effect, Finished):
            found.append(("finished", None, effect.outcome))
    return [
        {
            "key": instance.flow_key,
            "event": event,
            "node": node,
            "outcome": outcome,
            "instance": instance.id,
            "initiator": instance.initiator,
        }
        for event, node, outcome in found
    ]


class FlowService:
    def __init__(
        self,
        *,
        audit: AuditLog,
        records: RecordService,
        compiler: FlowCompiler,
        clock: Clock = system_clock,
        queue: JobQueue | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.audit = audit
        self.records = records
        self.compiler = compiler
        self.clock = clock
        self.repo = RunRepository()
        self.queue = queue or JobQueue(clock=clock)
        self.notifier: Notifier = notifier or TimelineOnly()
        self.listeners: list[FlowEventListener] = []
        self.absences = OutOfOfficeService(audit=audit, clock=clock, repo=self.repo)

    def add_listener(self, listener: FlowEventListener) -> None:
        """Tell `listener` every flow event (see `FlowEventListener`)."""
        self.listeners.append(listener)

    def use_notifier(self, notifier: Notifier) -> None:
        """Deliver notices through `notifier` (e.g. in-app notifications)."""
        self.notifier = notifier

    # ------------------------------------------------------------ starting

    def start_flow(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        flow_key: str,
    ) -> dict[str, Any]:
        """Start the latest published version of `flow_key` on a record the actor may read;
        one running instance per flow and record."""
        self._require_reader(session, actor, app_key, form_key, record_id)
        pinned = self.compiler.latest(session, app_key, flow_key)
        if pinned.form_key != form_key:
            raise Invalid(
                f"flow {flow_key!r} is bound to form {pinned.form_key!r}, not {form_key!r}",
                code="flow_not_for_form",
                zh_cn=f"流程 {flow_key} 绑定的是表单 {pinned.form_key}，不是 {form_key}",
                errors=[ErrorItem("/flow", "flow_not_for_form", "start it on its own form")],
            )
        instance = self._start(session, actor, pinned, record_id, initiator=actor.username)
        self._drain(session)
        return self.view(session, instance.id)

    def start_from_rule(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        flow_key: str,
    ) -> None:
        """A rule's `start_flow` action: the latest published version of `flow_key` on the
        record, `actor` (who saved it) as the initiator; a flow already running on the record
        is left alone."""
        pinned = self.compiler.latest(session, app_key, flow_key)
        if pinned.form_key != form_key:  # rebound to another form since the rule's publish
            raise Invalid(
                f"a rule starts flow {flow_key!r} on form {form_key!r}, but the flow now runs on "
                f"form {pinned.form_key!r}; nothing was saved. A designer updates the rule or "
                "the flow",
                code="flow_not_for_form",
                zh_cn=f"有规则要在表单 {form_key} 上发起流程 {flow_key}，但该流程现在绑定的是表单 "
                f"{pinned.form_key}：未保存任何内容。请设计人员修改规则或流程",
            )
        if self.repo.running_key_taken(session, running_key(pinned, record_id)):
            return
        self._start(session, actor, pinned, record_id, initiator=actor.username)
        self._drain(session)

    def _start(
        self,
        session: Session,
        actor: Actor,
        pinned: PinnedFlow,
        record_id: str,
        *,
        initiator: str,
        parent: tuple[str, str] | None = None,
    ) -> FlowInstance:
        running = running_key(pinned, record_id)
        if self.repo.running_key_taken(session, running):
            raise Conflict(
                f"flow {pinned.key!r} already runs on record {record_id}; it runs once at a "
                "time per record",
                code="flow_already_running",
                zh_cn="这条记录上已有此流程在运行：同一流程在一条记录上同时只能运行一个",
            )
        now = self.clock()
        instance = FlowInstance(
            id=new_id(),
            app_key=pinned.app_key,
            flow_key=pinned.key,
            flow_version=pinned.version,
            form_key=pinned.form_key,
            record_id=record_id,
            initiator=initiator,
            status="running",
            state={},
            version=0,
            running_key=running,
            parent_id=None if parent is None else parent[0],
            parent_node=None if parent is None else parent[1],
            started_at=now,
        )
        try:
            with session.begin_nested():
                self.repo.add(session, instance)
        except IntegrityError:
            raise Conflict(
                f"flow {pinned.key!r} already runs on record {record_id}",
                code="flow_already_running",
                zh_cn="这条记录上已有此流程在运行",
            ) from None
        world = self._world(session, pinned.app_key, pinned.form_key, record_id)
        transition = start(
            pinned.compiled,
            instance_id=instance.id,
            initiator=initiator,
            now=business_time(now),
            world=world,
        )
        self._store(session, instance, transition, now)
        self._apply(session, _Apply(instance, pinned, actor, now, world), transition)
        return instance

    # ------------------------------------------------------------ commands

    def task_command(
        self,
        session: Session,
        actor: Actor,
        task_id: int,
        make: Callable[[str, int | None], Event],
        *,
        expected_version: int | None,
        key: str | None,
        comment: str | None = None,
        action: str,
    ) -> dict[str, Any]:
        """A command on a task (approve, reject, ...): `make(engine task id, version)` builds
        the engine's event."""
        row = self.repo.task_row(session, task_id)
        if row is None or not self._involved(session, actor, row):
            raise _no_task(task_id)
        return self._command(
            session,
            actor,
            row.instance_id,
            lambda: make(row.task, expected_version),
            expected_version=expected_version,
            key=key,
            comment=comment,
            task=row.task,
            action=action,
        )

    def instance_command(
        self,
        session: Session,
        actor: Actor,
        instance_id: str,
        make: Callable[[int | None], Event],
        *,
        expected_version: int | None,
        key: str | None,
        comment: str | None = None,
        action: str,
    ) -> dict[str, Any]:
        """A command on an instance (withdraw, resubmit, cc): `expected_version` is the
        instance's version."""
        instance = self.repo.find_instance(session, instance_id)
        if instance is None or not self._may_see(session, actor, instance):
            raise _no_instance(instance_id)
        return self._command(
            session,
            actor,
            instance_id,
            lambda: make(expected_version),
            expected_version=expected_version,
            key=key,
            comment=comment,
            task=None,
            action=action,
        )

    def admin_command(
        self,
        session: Session,
        actor: Actor,
        instance_id: str,
        make: Callable[[int | None], Event],
        *,
        expected_version: int | None,
        key: str | None,
        comment: str | None = None,
        action: str,
    ) -> dict[str, Any]:
        """A command on an instance only administrators of its app (`admin` grant) give:
        resolve an incident, terminate the instance."""
        self._administered(session, actor, instance_id)
        return self._command(
            session,
            actor,
            instance_id,
            lambda: make(expected_version),
            expected_version=expected_version,
            key=key,
            comment=comment,
            task=None,
            action=action,
        )

    def terminate(
        self,
        session: Session,
        actor: Actor,
        instance_id: str,
        reason: str,
        *,
        expected_version: int | None,
        key: str | None,
    ) -> dict[str, Any]:
        """An administrator of the instance's app ends it for good (an instance started in
        error, or one nobody can move on): its open tasks are cancelled with their timers and
        subflows, and the record may start a flow again. The reason goes to the timeline."""
        self._administered(session, actor, instance_id)
        _require_reason(reason, "the instance ends", "终止流程", "terminate_reason_required")
        return self._command(
            session,
            actor,
            instance_id,
            lambda: Terminate(actor.username, reason, expected_version),
            expected_version=expected_version,
            key=key,
            comment=reason,
            task=None,
            action="terminate",
        )

    def reassign(
        self,
        session: Session,
        actor: Actor,
        task_id: int,
        to: str,
        reason: str,
        *,
        expected_version: int | None,
        key: str | None,
    ) -> dict[str, Any]:
        """An administrator of the app gives an open task to `to` in its holder's place (the
        holder left, is away for long, or may not decide it); `expected_version` is the
        task's. The reason goes to the timeline; the new holder is told."""
        row = self.repo.task_row(session, task_id)
        instance = None if row is None else self.repo.find_instance(session, row.instance_id)
        if row is None or instance is None or not self._may_see(session, actor, instance):
            raise _no_task(task_id)
        self.records.permissions.require(session, actor, "admin", instance.app_key)
        _require_reason(
            reason, "the task goes to someone else", "把任务交给他人", "reassign_reason_required"
        )
        return self._reassign(session, actor, row, to, reason, expected_version, key)

    def _reassign(
        self,
        session: Session,
        actor: Actor,
        row: FlowTask,
        to: str,
        reason: str,
        expected_version: int | None,
        key: str | None,
    ) -> dict[str, Any]:
        """`reassign` once the actor's right and the reason were checked."""
        engine_task = row.task
        return self._command(
            session,
            actor,
            row.instance_id,
            lambda: Reassign(actor.username, engine_task, to, reason, expected_version),
            expected_version=expected_version,
            key=key,
            comment=reason,
            task=engine_task,
            action="reassign",
        )

    def _administered(self, session: Session, actor: Actor, instance_id: str) -> FlowInstance:
        """The instance, when the actor sees it and administers its app."""
        instance = self.repo.find_instance(session, instance_id)
        if instance is None or not self._may_see(session, actor, instance):
            raise _no_instance(instance_id)
        self.records.permissions.require(session, actor, "admin", instance.app_key)
        return instance

    def _command(
        self,
        session: Session,
        actor: Actor,
        instance_id: str,
        make: Callable[[], Event],
        *,
        expected_version: int | None,
        key: str | None,
        comment: str | None,
        task: str | None,
        action: str,
    ) -> dict[str, Any]:
        if expected_version is None and key is None:
            raise Invalid(
                "send the expected version of what you act on, or an Idempotency-Key header",
                code="flow_version_required",
                zh_cn="请提供所办理对象的预期版本，或 Idempotency-Key 请求头",
                errors=[
                    ErrorItem("/expected_version", "flow_version_required", "give the version")
                ],
            )
        instance, seq = self.repo.instance_to_step(session, instance_id)
        now = self.clock()
        if key is not None and not self.repo.claim_key(
            session, instance_id, key, action, actor.username, now
        ):
            raise FlowConflict(
                f"this command (Idempotency-Key {key!r}) was applied before; nothing was done "
                "again",
                code="flow_command_repeated",
                current=self.view(session, instance_id),
                zh_cn="此操作已经办理过，没有重复办理",
            )
        pinned = self.compiler.pinned(
            session, instance.app_key, instance.flow_key, instance.flow_version
        )
        world = self._world(session, instance.app_key, instance.form_key, instance.record_id)
        state = FlowState.from_json(instance.state)
        try:
            transition = step(pinned.compiled, state, make(), now=business_time(now), world=world)
        except CommandRefused as refused:
            raise self._refused(session, instance_id, refused, actor.locale) from None
        self._swap(session, instance, transition, now)
        context = _Apply(instance, pinned, actor, now, world, comment=comment, task=task, seq=seq)
        self._apply(session, context, transition)
        if self._drain(session):
            return self.view(session, instance_id)  # a parent moved on too: read it all again
        open_tasks = sorted(
            (row for row in context.tasks.values() if row.status == OPEN), key=lambda r: r.id
        )
        return {**instance_json(instance), "tasks": [task_json(row) for row in open_tasks]}

    def _refused(
        self, session: Session, instance_id: str, refused: CommandRefused, locale: str | None
    ) -> PlatformError:
        """The engine's refusal as the platform's; its item in the actor's language."""
        current = self.view(session, instance_id)
        item = [ErrorItem(refused.pointer, refused.code, refused.text(locale))]
        message, zh_cn = refused.message, refused.zh_cn
        if refused.code in NOT_ALLOWED_CODES:
            return Forbidden(message, code="flow_not_allowed", errors=item, zh_cn=zh_cn)
        code = "flow_stale" if refused.code in STALE_CODES else "flow_command_refused"
        return FlowConflict(message, code=code, current=current, errors=item, zh_cn=zh_cn)

    def _swap(
        self, session: Session, instance: FlowInstance, transition: Transition, now: datetime
    ) -> None:
        read = instance.version
        values = self._values(transition, now)
        if not self.repo.swap(session, instance.id, read, values):
            session.expire(instance)
            raise FlowConflict(
                "the instance changed meanwhile; reload it and try again",
                code="flow_stale",
                current=self.view(session, instance.id),
                zh_cn="流程在此期间已有变化：请刷新后再操作",
            )
        status = instance.status
        for name, value in values.items():
            set_committed_value(instance, name, value)  # as stored, without a second write
        if instance.status != status:
            self._show_status(session, instance)

    def _store(
        self, session: Session, instance: FlowInstance, transition: Transition, now: datetime
    ) -> None:
        """The first state of a new instance."""
        for name, value in self._values(transition, now).items():
            setattr(instance, name, value)
        session.flush()
        self._show_status(session, instance)

    def _show_status(self, session: Session, instance: FlowInstance) -> None:
        """The record's `flow_status` column (lists, filters, reports) follows the flow started
        last on it: a new flow shows `running`, its end its outcome; an earlier flow ending
        meanwhile leaves it alone."""
        if instance.parent_id is not None:
            return
        app_key, form_key, record_id = instance.app_key, instance.form_key, instance.record_id
        if self.repo.latest_of_record(session, app_key, form_key, record_id) == instance.id:
            self.records.set_flow_status(session, app_key, form_key, record_id, instance.status)

    def _values(self, transition: Transition, now: datetime) -> dict[str, Any]:
        state = transition.state
        values: dict[str, Any] = {
            "state": state.to_json(),
            "version": state.version,
            "status": state.status,
        }
        if state.finished:
            values.update(finished_at=now, running_key=None)
        return values

    # ------------------------------------------------------------ timers

    def run_timer(self, session: Session, payload: Any, job: JobContext) -> dict[str, Any]:
        """A flow timer is due (a job of kind `TIMER_JOB`): the engine is told, as `system`.
        A timer no longer live (cancelled, or its instance finished) does nothing."""
        instance = self.repo.find_instance(session, payload["instance"])
        if instance is None:
            return {"fired": False, "why": "the instance is gone"}
        instance = self.repo.instance(session, instance.id, lock=True)
        state = FlowState.from_json(instance.state)
        if state.finished or all(timer.id != payload["timer"] for timer in state.timers):
            return {"fired": False, "why": "the timer is no longer live"}
        pinned = self.compiler.pinned(
            session, instance.app_key, instance.flow_key, instance.flow_version
        )
        world = self._world(session, instance.app_key, instance.form_key, instance.record_id)
        transition = step(
            pinned.compiled,
            state,
            TimerFired(payload["timer"]),
            now=business_time(job.now),
            world=world,
        )
        self._swap(session, instance, transition, job.now)
        self._apply(session, _Apply(instance, pinned, SYSTEM_ACTOR, job.now, world), transition)
        self._drain(session)
        return {"fired": True, "version": transition.state.version}

    # ------------------------------------------------------------ effects

    def _apply(self, session: Session, context: _Apply, transition: Transition) -> None:
        instance = context.instance
        context.seq = context.seq or self.repo.next_seq(session, instance.id)
        context.tasks = {row.task: row for row in self.repo.tasks_of(session, instance.id, OPEN)}
        context.state = transition.state
        for effect in transition.effects:
            self._effect(session, context, effect)
        self._sync_tasks(session, context, transition.state)
        self._audit(session, context)
        if self.listeners:
            for facts in _flow_events(context, transition):
                for listener in self.listeners:
                    listener(session, context.actor, instance, facts)
        if (
            context.finished is not None
            and instance.parent_id
            and instance.parent_node
            and not context.orphan
        ):
            signals: list[tuple[str, str, str]] = session.info.setdefault(SIGNALS, [])
            signals.append((instance.parent_id, instance.parent_node, context.finished))
        if context.pinned.has_subflows:
            self._end_orphans(session, context, transition.state)

    def _end_orphans(self, session: Session, context: _Apply, state: FlowState) -> None:
        """Subflows whose node the parent no longer waits at (the parent finished, was
        withdrawn, or returned past that node) are terminated with their tasks and timers."""
        waiting = {token.node for token in state.tokens} if not state.finished else set()
        for child in self.repo.running_children(session, context.instance.id):
            if child.parent_node in waiting:
                continue
            pinned = self.compiler.pinned(
                session, child.app_key, child.flow_key, child.flow_version
            )
            current = FlowState.from_json(child.state)
            ended = current._replace(
                version=current.version + 1,
                status="terminated",
                tokens=(),
                tasks=(),
                timers=(),
            )
            reason = {"parent": context.instance.id, "node": child.parent_node}
            effects: list[Effect] = [TaskClosed(task.id, "cancelled") for task in current.tasks]
            effects += [CancelTimer(timer.id) for timer in current.timers]
            effects += [
                History(SYSTEM, "terminated", child.parent_node, detail=reason),
                Finished("terminated"),
            ]
            transition = Transition(ended, tuple(effects))
            self._swap(session, child, transition, context.now)
            world = World({}, SqlDirectory(session))
            ending = _Apply(child, pinned, SYSTEM_ACTOR, context.now, world, orphan=True)
            self._apply(session, ending, transition)

    def _effect(self, session: Session, context: _Apply, effect: Effect) -> None:  # noqa: C901
        instance = context.instance
        if isinstance(effect, TaskCreated):
            self._task_created(session, context, effect)
        elif isinstance(effect, TaskClosed):
            self._task_closed(context, effect)
        elif isinstance(effect, History):
            self._history(session, context, effect)
        elif isinstance(effect, Notify):
            self._notify(session, context, effect)
        elif isinstance(effect, SetFields):
            self._set_fields(session, context, effect)
        elif isinstance(effect, CreateRecord):
            created = self.records.create(
                session, SYSTEM_ACTOR, instance.app_key, effect.form, dict(effect.values)
            )
            detail = {"form": effect.form, "id": created["id"]}
            self._line(session, context, "record_created", actor=SYSTEM, detail=detail)
        elif isinstance(effect, UpdateRecords):
            self._update_records(session, context, effect)
        elif isinstance(effect, ScheduleTimer):
            self.queue.enqueue(
                session,
                TIMER_JOB,
                {"instance": instance.id, "timer": effect.timer, "purpose": effect.purpose},
                key=timer_key(instance.id, effect.timer),
                run_after=effect.due,
            )
        elif isinstance(effect, CancelTimer):
            self.repo.cancel_job(session, timer_key(instance.id, effect.timer), context.now)
        elif isinstance(effect, StartSubflow):
            self._start_subflow(session, context, effect)
        elif isinstance(effect, Incident):
            detail = {"code": effect.code, "message": effect.message}
            if effect.zh_cn is not None:
                detail["zh_cn"] = effect.zh_cn
            self._line(session, context, "incident", actor=SYSTEM, node=effect.node, detail=detail)
        elif isinstance(effect, Finished):
            context.finished = effect.outcome

    def _task_created(self, session: Session, context: _Apply, effect: TaskCreated) -> None:
        live = None if context.state is None else context.state.task(effect.task)
        row = FlowTask(
            instance_id=context.instance.id,
            task=effect.task,
            node=effect.node,
            assignee=effect.assignee,
            owner=None if live is None else live.owner,
            kind=effect.kind,
            status=OPEN,
            version=1 if live is None else live.version,
            due=effect.due,
            created_at=context.now,
        )
        if effect.kind == "cc":  # a copy to read: nothing to decide, nothing stays open
            row.status, row.outcome, row.closed_at = CLOSED, "copied", context.now
        self.repo.add(session, row)
        context.tasks[effect.task] = row

    def _task_closed(self, context: _Apply, effect: TaskClosed) -> None:
        row = context.tasks.get(effect.task)
        if row is None or row.status == CLOSED:
            return
        row.status = CLOSED
        row.outcome = effect.outcome
        row.closed_at = context.now
        if effect.task == context.task:
            row.comment = context.comment

    def _sync_tasks(self, session: Session, context: _Apply, state: FlowState) -> None:
        """Open task rows follow the engine's open tasks (assignee, owner, version, due); a
        row the engine no longer holds open is closed as cancelled."""
        live = {task.id: task for task in state.tasks}
        for task_id, row in context.tasks.items():
            found = live.get(task_id)
            if found is None:
                if row.status == OPEN:
                    row.status, row.outcome, row.closed_at = CLOSED, "cancelled", context.now
                continue
            if row.status == CLOSED:
                continue
            row.assignee = found.assignee
            row.owner = found.owner
            row.version = found.version
            row.due = found.due
        session.flush()

    def _history(self, session: Session, context: _Apply, effect: History) -> None:
        self._line(
            session,
            context,
            effect.action,
            actor=effect.actor,
            node=effect.node,
            task=effect.task,
            comment=effect.comment,
            detail=None if effect.detail is None else dict(effect.detail),
        )

    def _line(
        self,
        session: Session,
        context: _Apply,
        action: str,
        *,
        actor: str | None = None,
        node: str | None = None,
        task: str | None = None,
        comment: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One timeline row (the audit chain gets the step's rows at its end, see `_audit`)."""
        context.lines.append(
            {
                "instance_id": context.instance.id,
                "seq": context.seq,
                "at": context.now,
                "actor": actor or context.actor.username,
                "action": action[:32],
                "node": node,
                "task": task,
                "comment": comment,
                "detail": _jsonable(detail),
            }
        )
        context.seq += 1

    def _audit(self, session: Session, context: _Apply) -> None:
        """One audit event per step of an instance, naming its first action other than a
        notice and listing every timeline row it wrote."""
        if not context.lines:
            return
        instance = context.instance
        lines = context.lines
        self.repo.add_history(session, lines)
        main = next((line["action"] for line in lines if line["action"] != "notified"), "notified")
        self.audit.record(
            session,
            context.actor,
            f"flow.{main}",
            object_type="flow_instance",
            object_id=instance.id,
            details={
                "app": instance.app_key,
                "flow": instance.flow_key,
                "record": instance.record_id,
                "lines": [
                    {
                        "seq": line["seq"],
                        "actor": line["actor"],
                        "action": line["action"],
                        **({"node": line["node"]} if line["node"] else {}),
                        **({"task": line["task"]} if line["task"] else {}),
                    }
                    for line in lines
                ],
            },
        )
        context.lines = []

    def _notify(self, session: Session, context: _Apply, effect: Notify) -> None:
        users = recipients(effect.users)
        if not users:
            return
        instance = context.instance
        row = None if effect.task is None else context.tasks.get(effect.task)
        self._line(
            session,
            context,
            "notified",
            actor=SYSTEM,
            task=effect.task,
            detail={"kind": effect.kind, "users": list(users)},
        )
        self.notifier.notify(
            session,
            Notice(
                kind=effect.kind,
                users=users,
                app_key=instance.app_key,
                flow_key=instance.flow_key,
                instance_id=instance.id,
                form_key=instance.form_key,
                record_id=instance.record_id,
                task=None if row is None else row.id,
            ),
        )

    def _set_fields(self, session: Session, context: _Apply, effect: SetFields) -> None:
        instance = context.instance
        before = self.records.stored(
            session, instance.app_key, instance.form_key, instance.record_id
        )
        self.records.update(
            session,
            SYSTEM_ACTOR,
            instance.app_key,
            instance.form_key,
            instance.record_id,
            dict(effect.values),
        )
        after = self.records.stored(
            session, instance.app_key, instance.form_key, instance.record_id
        )
        changes = {
            key: {"before": before.get(key), "after": after.get(key)}
            for key in effect.values
            if before.get(key) != after.get(key)
        }
        self._line(session, context, "fields_set", actor=SYSTEM, detail={"changes": changes})

    def _update_records(self, session: Session, context: _Apply, effect: UpdateRecords) -> None:
        instance = context.instance
        ids = self.records.matching_ids(
            session,
            SYSTEM_ACTOR,
            instance.app_key,
            effect.form,
            where=effect.where,
            trigger=context.world.record,
        )
        for record_id in ids:
            self.records.update(
                session, SYSTEM_ACTOR, instance.app_key, effect.form, record_id, dict(effect.values)
            )
        self._line(
            session,
            context,
            "records_updated",
            actor=SYSTEM,
            detail={"form": effect.form, "ids": ids},
        )

    def _start_subflow(self, session: Session, context: _Apply, effect: StartSubflow) -> None:
        """The child runs on the parent's record when it is bound to the same form; otherwise on
        a new record of its own form made of `effect.record`."""
        instance = context.instance
        pinned = self.compiler.pinned(session, instance.app_key, effect.flow, effect.version)
        record_id = instance.record_id
        if pinned.form_key != instance.form_key:
            created = self.records.create(
                session, SYSTEM_ACTOR, instance.app_key, pinned.form_key, dict(effect.record)
            )
            record_id = created["id"]
        child = self._start(
            session,
            context.actor,
            pinned,
            record_id,
            initiator=instance.initiator,
            parent=(instance.id, effect.node),
        )
        self._line(
            session,
            context,
            "subflow_started",
            actor=SYSTEM,
            node=effect.node,
            detail={"instance": child.id, "flow": effect.flow, "version": effect.version},
        )

    def _drain(self, session: Session) -> bool:
        """Tell parents of finished subflows (after the command's own effects); whether there
        were any."""
        signals: list[tuple[str, str, str]] = session.info.setdefault(SIGNALS, [])
        told = bool(signals)
        while signals:
            parent_id, node, outcome = signals.pop(0)
            parent = self.repo.instance(session, parent_id, lock=True)
            state = FlowState.from_json(parent.state)
            if state.finished:
                continue
            pinned = self.compiler.pinned(
                session, parent.app_key, parent.flow_key, parent.flow_version
            )
            now = self.clock()
            world = self._world(session, parent.app_key, parent.form_key, parent.record_id)
            event = SubflowFinished(node, outcome)  # type: ignore[arg-type]
            transition = step(pinned.compiled, state, event, now=business_time(now), world=world)
            self._swap(session, parent, transition, now)
            self._apply(session, _Apply(parent, pinned, SYSTEM_ACTOR, now, world), transition)
        return told

    # ------------------------------------------------------------ reading

    def _world(self, session: Session, app_key: str, form_key: str, record_id: str) -> World:
        """What a step reads: the record (read when the step first looks at it) and the
        directory."""

        def load() -> dict[str, Any]:
            form = self.records.form(session, app_key, form_key)
            stored = self.records.stored(session, app_key, form_key, record_id, form=form)
            return record_values(form, stored, business_date(self.clock()))

        return World(
            record=LazyRecord(load),
            directory=SqlDirectory(session),
            parameters=self.records.parameters.source(session, app_key),
        )

    def _involved(self, session: Session, actor: Actor, row: FlowTask) -> bool:
        if actor.username in (row.assignee, row.owner):
            return True
        instance = self.repo.find_instance(session, row.instance_id)
        return instance is not None and self._may_see(session, actor, instance)

    def _require_reader(
        self, session: Session, actor: Actor, app_key: str, form_key: str, record_id: str
    ) -> None:
        """404 (or 403) unless `actor` may read the record; reads nothing out of it."""
        self.records.reads_in_clear(session, actor, app_key, form_key, record_id)

    def _may_see(self, session: Session, actor: Actor, instance: FlowInstance) -> bool:
        """Participants (assignees and owners of its tasks), its initiator, and readers of its
        record see an instance."""
        if actor.system or actor.username == instance.initiator:
            return True
        if actor.username in self.repo.participants(session, instance.id):
            return True
        try:
            self._require_reader(
                session, actor, instance.app_key, instance.form_key, instance.record_id
            )
        except (NotFound, Forbidden):
            return False
        return True

    def view(self, session: Session, instance_id: str) -> dict[str, Any]:
        """The instance with its open tasks (what a command answers)."""
        instance = self.repo.instance(session, instance_id)
        return {
            **instance_json(instance),
            "tasks": [task_json(row) for row in self.repo.tasks_of(session, instance_id, OPEN)],
        }

    def detail(self, session: Session, actor: Actor, instance_id: str) -> dict[str, Any]:
        """The instance for those who may see it: every task, the timeline and the diagram."""
        instance = self.repo.find_instance(session, instance_id)
        if instance is None or not self._may_see(session, actor, instance):
            raise _no_instance(instance_id)
        pinned = self.compiler.pinned(
            session, instance.app_key, instance.flow_key, instance.flow_version
        )
        state = FlowState.from_json(instance.state)
        timeline = [history_json(row) for row in self.repo.history(session, instance_id)]
        return {
            **instance_json(instance),
            "tasks": [task_json(row) for row in self.repo.tasks_of(session, instance_id)],
            "timeline": timeline,
            "diagram": diagram(pinned.compiled, state),
            "incidents": _open_incidents(state, timeline),
        }

    def task_view(self, session: Session, actor: Actor, task_id: int) -> dict[str, Any]:
        """A task as its assignee (or, when delegated, its owner) works on it: the task, its
        instance, the step, the record as seen at that step (`participant_view`: hidden
        fields left out, each shown field's level), the commands the step allows them now and
        the nodes a return may go back to."""
        row = self.repo.task_row(session, task_id)
        if row is None or actor.username not in (row.assignee, row.owner):
            raise NotFound(
                f"there is no task {task_id} of yours",
                code="task_not_found",
                zh_cn=f"您没有任务 {task_id}",
            )
        instance = self.repo.instance(session, row.instance_id)
        pinned = self.compiler.pinned(
            session, instance.app_key, instance.flow_key, instance.flow_version
        )
        flow = pinned.compiled
        node = flow.nodes[row.node]
        default = "write" if row.node == flow.start else "read"
        step = {key: node.field_permissions.get(key, default) for key in flow.env.fields}
        open_task = row.status == OPEN and row.kind != "cc" and actor.username == row.assignee
        if not open_task:  # a closed task, a copy or a delegated one: look, do not touch
            step = {key: "read" if level == "write" else level for key, level in step.items()}
        record, fields = self.records.participant_view(
            session, actor, instance.app_key, instance.form_key, instance.record_id, step
        )
        state = FlowState.from_json(instance.state)
        commands, targets = _task_commands(flow, state, row, actor.username, open_task)
        return {
            "task": task_json(row),
            "instance": instance_json(instance),
            "node": {
                "id": node.id,
                "type": node.type,
                "label": node.label,
                "mode": getattr(node, "mode", None),
            },
            "record": record,
            "fields": fields,
            "commands": commands,
            "return_targets": targets,
        }

    def of_record(
        self, session: Session, actor: Actor, app_key: str, form_key: str, record_id: str
    ) -> list[dict[str, Any]]:
        """The flows of a record, oldest first, for those who may read it."""
        self._require_reader(session, actor, app_key, form_key, record_id)
        found = []
        for instance in self.repo.of_record(session, app_key, form_key, record_id):
            found.append(self.view(session, instance.id))
        return found

    # ------------------------------------------------------------ the records save hook

    def before_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> Mapping[str, Any]:
        """While a flow runs on a record, a user holding one of its open tasks may change only
        the fields their task's node lets them `write`; any other change is refused (403, with
        the field's pointer). Others edit as their roles allow."""
        if kind != "updated" or previous is None or actor.username == SYSTEM:
            return {}  # the flow's own writes run under the command's lock
        # Locked before the save takes the record and the audit trail, in the order commands
        # take them: an edit and a command on the instance never wait for each other in a cycle.
        writable = self.step_writable(
            session, actor, form.app_key, form.form_key, previous["id"], lock=True
        )
        if writable is None:
            return {}
        refused = [
            ErrorItem(
                f"/{key}",
                "flow_field_not_writable",
                f"your task in the running flow does not let you change `{key}`",
            )
            for key in _changed(form, record, previous, business_date(self.clock()))
            if key not in writable
        ]
        if refused:
            raise Forbidden(
                "a running flow lets you change only the fields of your task's step; nothing "
                "was saved",
                code="flow_field_not_writable",
                errors=refused,
                zh_cn="流程进行中只能修改您当前步骤可编辑的字段：未保存任何内容",
            )
        return {}

    def step_writable(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        *,
        lock: bool = False,
    ) -> frozenset[str] | None:
        """The fields `actor` may change while a flow runs on the record and they hold one of
        its open tasks (the union over their tasks' nodes); None when no running flow restricts
        them (no flow runs, or they hold no task in it)."""
        running = self.repo.running_of(session, app_key, form_key, record_id, lock=lock)
        if actor.system:
            return None
        writable: set[str] = set()
        holds_task = False
        for instance in running:
            state = FlowState.from_json(instance.state)
            if not any(t.assignee == actor.username and t.kind != "cc" for t in state.tasks):
                continue
            holds_task = True
            pinned = self.compiler.pinned(
                session, instance.app_key, instance.flow_key, instance.flow_version
            )
            levels = field_permissions(pinned.compiled, state, actor.username)
            writable |= {key for key, level in levels.items() if level == "write"}
        return frozenset(writable) if holds_task else None

    def reads_records(self, session: Session, form: PublishedForm) -> bool:
        """New records are not read around their save here (a batch may be saved at once)."""
        return False

    def after_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> None:
        """An edit of a record while flows run on it is a line of their timelines, with the
        form diff (the flow's own field changes are lines of their own)."""
        if kind != "updated" or previous is None or actor.username == SYSTEM:
            return
        running = self.repo.running_of(session, form.app_key, form.form_key, previous["id"])
        if not running:
            return
        today = business_date(self.clock())
        before = typed_values(form.definition, previous, today)
        after = typed_values(form.definition, record, today)
        changes = {
            key: {"before": before.get(key), "after": after.get(key)}
            for key in _changed(form, record, previous, today)
        }
        if not changes:
            return
        now = self.clock()
        for instance in running:
            pinned = self.compiler.pinned(
                session, instance.app_key, instance.flow_key, instance.flow_version
            )
            context = _Apply(instance, pinned, actor, now, World({}, SqlDirectory(session)))
            context.seq = self.repo.next_seq(session, instance.id)  # locked in before_save
            self._line(session, context, "record_edited", detail={"changes": changes})
            self._audit(session, context)

    # ------------------------------------------------------------ the inbox

    def inbox(
        self,
        session: Session,
        actor: Actor,
        tab: str,
        *,
        app_key: str | None = None,
        flow_key: str | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """One page of a tab of the actor's inbox (`todo`, `done`, `initiated`, `cc`), with
        how many items every tab holds under the same filters."""
        filters: list[ColumnElement[bool]] = []
        if app_key is not None:
            filters.append(FlowInstance.app_key == app_key)
        if flow_key is not None:
            filters.append(FlowInstance.flow_key == flow_key)
        if text:
            filters.append(text_match(text))
        me = actor.username
        cases = {name: conditions(me) for name, conditions in TABS.items()}
        counts = self.repo.count_each(session, cases, [FlowTask.assignee == me, *filters])
        mine = [FlowInstance.initiator == me, FlowInstance.parent_id.is_(None), *filters]
        if tab == "initiated":
            rows, total = self.repo.instances(
                session, mine, limit=limit, offset=offset, newest_first=True
            )
            counts["initiated"] = total
            items = [instance_json(row) for row in rows]
        else:
            counts["initiated"] = self.repo.count_instances(session, mine)
            pairs = self.repo.inbox_page(
                session, [*cases[tab], *filters], order=ORDERS[tab], limit=limit, offset=offset
            )
            total = counts[tab]  # the page's conditions, counted above
            items = [
                {
                    **task_json(task),
                    "node_label": self._label(session, instance, task.node),
                    "flow": instance_json(instance),
                }
                for task, instance in pairs
                if task is not None
            ]
        return {"tab": tab, "items": items, "total": total, "counts": counts}

    def notice_targets(
        self, session: Session, actor: Actor, instance_ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Where notices about these instances lead the actor: each existing instance's app,
        form, record, flow and status, with the actor's first open task in it (`task`, None
        when none is open now). Two queries; reading the record stays the record pages'
        decision."""
        wanted = list(dict.fromkeys(instance_ids))
        found: dict[str, dict[str, Any]] = {
            row.id: {
                "app": row.app_key,
                "form": row.form_key,
                "record": row.record_id,
                "flow": row.flow_key,
                "status": row.status,
                "task": None,
            }
            for row in self.repo.instances_by_id(session, wanted)
        }
        for task in self.repo.open_tasks_in(session, actor.username, list(found)):
            if found[task.instance_id]["task"] is None:
                found[task.instance_id]["task"] = task.id
        return found

    def open_tasks(self, session: Session, actor: Actor) -> int:
        """How many tasks wait for the actor (the inbox's to-do count; one query)."""
        return int(self.repo.count(session, TABS["todo"](actor.username)))

    def _label(self, session: Session, instance: FlowInstance, node: str) -> Any:
        """The node's label in the instance's flow version (None when it has none, or when
        that version no longer compiles)."""
        try:
            pinned = self.compiler.pinned(
                session, instance.app_key, instance.flow_key, instance.flow_version
            )
        except PlatformError:
            return None
        found = pinned.compiled.nodes.get(node)
        return None if found is None else found.label

    def app_tasks(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        *,
        assignee: str | None = None,
        flow_key: str | None = None,
        overdue: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """The open tasks of an app's flows, longest waiting first, for administrators of the
        app (who hold what, what is overdue): filtered by holder, flow and overdue."""
        self.records.permissions.require(session, actor, "admin", app_key)
        where = _open_work(app_key, assignee, flow_key)
        if overdue:
            where.append(FlowTask.due < self.clock())
        order = (FlowTask.created_at, FlowTask.id)
        pairs, total = self.repo.inbox(session, where, order=order, limit=limit, offset=offset)
        items = [
            {
                **task_json(task),
                "node_label": self._label(session, instance, task.node),
                "flow": instance_json(instance),
            }
            for task, instance in pairs
            if task is not None
        ]
        return {"items": items, "total": total}

    def app_instances(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        *,
        status: str | None = None,
        flow_key: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """The app's flow instances, oldest first, for administrators of the app (e.g. those
        stopped in an incident): filtered by status and flow."""
        self.records.permissions.require(session, actor, "admin", app_key)
        where = [FlowInstance.app_key == app_key]
        if status is not None:
            where.append(FlowInstance.status == status)
        if flow_key is not None:
            where.append(FlowInstance.flow_key == flow_key)
        rows, total = self.repo.instances(session, where, limit=limit, offset=offset)
        return {"items": [instance_json(row) for row in rows], "total": total}

    def hand_over(
        self, session: Session, actor: Actor, app_key: str, holder: str, to: str, reason: str
    ) -> dict[str, Any]:
        """Give every open task `holder` has in the app's flows to `to` (a holder who left or
        moved), oldest first and at most `HANDOVER_BATCH` a call, each on its own: one refused
        (`to` already asked at that step, maker-checker) does not stop the others. Each
        result, and how many of the holder's tasks are still open in the app."""
        self.records.permissions.require(session, actor, "admin", app_key)
        _require_reason(
            reason, "the tasks go to someone else", "把任务交给他人", "reassign_reason_required"
        )
        where = _open_work(app_key, holder, None)
        order = (FlowTask.created_at, FlowTask.id)
        pairs = self.repo.inbox_page(session, where, order=order, limit=HANDOVER_BATCH, offset=0)
        results: list[dict[str, Any]] = []
        for task, instance in pairs:
            assert task is not None  # the conditions name the task
            try:
                with session.begin_nested():
                    if not self._may_see(session, actor, instance):
                        raise _no_task(task.id)
                    self._reassign(session, actor, task, to, reason, task.version, None)
            except PlatformError as refused:
                results.append(_refused_item(task.id, refused, actor.locale))
            else:
                results.append({"task": task.id, "ok": True})
        return {"results": results, "still_open": self.repo.count(session, where)}

    def batch_approve(
        self,
        session: Session,
        actor: Actor,
        items: Sequence[tuple[int, int]],
        comment: str | None,
    ) -> list[dict[str, Any]]:
        """Approve each (task, expected version) on its own: one refused does not stop the
        others (each runs in a savepoint)."""
        results: list[dict[str, Any]] = []
        for task_id, version in items:
            try:
                with session.begin_nested():
                    self.task_command(
                        session,
                        actor,
                        task_id,
                        lambda task, expected: Approve(actor.username, task, expected, comment),
                        expected_version=version,
                        key=None,
                        comment=comment,
                        action="approve",
                    )
            except PlatformError as refused:
                results.append(_refused_item(task_id, refused, actor.locale))
            else:
                results.append({"task": task_id, "ok": True})
        return results


class LazyRecord(Mapping[str, Any]):
    """A record read on first use (most approvals never look at it)."""

    def __init__(self, load: Callable[[], dict[str, Any]]) -> None:
        self._load = load
        self._values: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        if self._values is None:
            self._values = self._load()
        return self._values

    def __getitem__(self, key: str) -> Any:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def timer_key(instance_id: str, timer: str) -> str:
    return f"flow-timer:{instance_id}:{timer}"


def record_values(form: PublishedForm, stored: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A stored record as the flow's expressions see it (money as its amount), with its id."""
    values = expression_values(form, typed_values(form.definition, stored, today))
    values["id"] = stored["id"]
    return values


def expression_values(form: PublishedForm, typed: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of a record of `form` (as the form engine gives them) as the flow's
    expressions see them (money as its amount)."""
    converters = {
        plan.key: plan.convert
        for plan in form.compiled.plans
        if getattr(plan, "convert", None) is not None
    }
    return to_expression_values(
        {key: typed.get(key) for key in form.compiled.fields_by_key}, converters, BUSINESS_ZONE
    )


def _changed(
    form: PublishedForm, record: Mapping[str, Any], previous: Mapping[str, Any], today: date
) -> list[str]:
    """Stored (not computed) fields whose value the save changes."""
    computed = set(computed_sources(form.compiled))
    before = typed_values(form.definition, previous, today)
    after = typed_values(form.definition, record, today) if "version" in record else record
    return [
        item.key
        for item in form.definition.fields
        if item.key not in computed and after.get(item.key) != before.get(item.key)
    ]


def instance_json(row: FlowInstance) -> dict[str, Any]:
    return {
        "id": row.id,
        "app": row.app_key,
        "flow": row.flow_key,
        "flow_version": row.flow_version,
        "form": row.form_key,
        "record": row.record_id,
        "initiator": row.initiator,
        "status": row.status,
        "version": row.version,
        "parent": row.parent_id,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
    }


RETURNABLE = frozenset({"approval", "task"})


def _task_commands(
    flow: CompiledFlow, state: FlowState, row: FlowTask, username: str, open_task: bool
) -> tuple[list[str], list[str]]:
    """The commands a task's holder may give now, and the return targets (nodes executed on
    the current path that can be returned to, then the initiator)."""
    if not open_task:
        return ["comment"], []
    node = flow.nodes[row.node]
    delegated = row.owner is not None and row.owner != username
    commands = ["approve", "reject"] if row.kind == "approve" else ["complete"]
    if getattr(node, "mode", None) == "vote":
        commands.append("abstain")
    allowed = set(getattr(node, "allow", ())) if not delegated else set()
    commands += [
        c.replace("_", "-")
        for c in ("return", "transfer", "delegate", "add_signer")
        if c in allowed
    ]
    commands.append("comment")
    targets: list[str] = []
    if "return" in allowed:
        targets = [
            node_id
            for node_id in state.path
            if node_id != row.node and flow.nodes[node_id].type in RETURNABLE
        ] + ["initiator"]
    return commands, targets


def task_json(row: FlowTask) -> dict[str, Any]:
    return {
        "id": row.id,
        "task": row.task,
        "instance": row.instance_id,
        "node": row.node,
        "assignee": row.assignee,
        "owner": row.owner,
        "kind": row.kind,
        "status": row.status,
        "version": row.version,
        "due": row.due,
        "created_at": row.created_at,
        "closed_at": row.closed_at,
        "outcome": row.outcome,
        "comment": row.comment,
    }


def _open_incidents(state: FlowState, timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where the instance stopped and waits for an administrator: each node with an incident
    token, with the code and message of its latest incident."""
    stopped = [token.node for token in state.tokens if token.wait == "incident"]
    latest = {
        line["node"]: line["detail"] or {} for line in timeline if line["action"] == "incident"
    }
    return [{"node": node, **latest.get(node, {})} for node in dict.fromkeys(stopped)]


def history_json(row: FlowHistory) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "node": row.node,
        "task": row.task,
        "comment": row.comment,
        "detail": row.detail,
    }


def _jsonable(value: Any) -> Any:
    """Details as JSON (dates as ISO text; decimals stay exact)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
