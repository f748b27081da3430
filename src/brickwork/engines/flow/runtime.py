"""Advance a flow instance: `start` and `step` (pure).

A step copies the live parts of the state into a `_Run`, applies the event, moves tokens
through every node that does not wait (gateways, actions, CC, ends) until each token waits at a
task, a join, a timer, a subflow or an incident, and freezes the result. A refused command
raises `CommandRefused` with the state it was given, so nothing changes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal, NoReturn

from brickwork.engines.bilingual import Words
from brickwork.engines.expr import CompiledExpression, EvaluationContext
from brickwork.engines.expr import values as v
from brickwork.engines.flow.assignees import named, resolve
from brickwork.engines.flow.compiler import CompiledFlow, NodePlan, VoteRule
from brickwork.engines.flow.definition import (
    ActionNode,
    ApprovalNode,
    CcNode,
    Edge,
    EndNode,
    Sla,
    SubflowNode,
    TaskNode,
    TimerNode,
)
from brickwork.engines.flow.effects import (
    CancelTimer,
    CloseOutcome,
    CreateRecord,
    Effect,
    Finished,
    History,
    Incident,
    Notify,
    NotifyKind,
    ScheduleTimer,
    SetFields,
    StartSubflow,
    TaskClosed,
    TaskCreated,
    TaskKind,
    UpdateRecords,
)
from brickwork.engines.flow.environment import World
from brickwork.engines.flow.events import (
    Abstain,
    AddSigner,
    Approve,
    Cc,
    Comment,
    Complete,
    Delegate,
    Event,
    Reassign,
    Reject,
    ResolveIncident,
    Resubmit,
    Return,
    SubflowFinished,
    Terminate,
    TimerFired,
    Transfer,
    Urge,
    Withdraw,
)
from brickwork.engines.flow.problems import CommandRefused
from brickwork.engines.flow.refusals import (
    CAPABILITY,
    STATUS,
    WANTED,
    WHY,
    node_words,
    refusal,
    words_of,
)
from brickwork.engines.flow.state import (
    FINISHED,
    FlowState,
    Seat,
    Task,
    Timer,
    Token,
    Transition,
)
from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.engines.rules.rule_definition import (
    CallDecision,
)
from brickwork.engines.rules.rule_definition import (
    CreateRecord as CreateRecordAction,
)
from brickwork.engines.rules.rule_definition import (
    SetFields as SetFieldsAction,
)

_new = tuple.__new__
"""Builds a named tuple (a record of the state, an effect) from a complete tuple of its fields,
without the keyword handling of its constructor: steps build dozens of them."""
SYSTEM = "system"
INITIATOR = "initiator"
MAX_ENTRIES = 10_000
"""Node entries one step may make before a loop that never waits is stopped as an incident."""
WEEKDAYS = BusinessCalendar(key="weekdays")
"""Working days when the flow names no calendar: Monday to Friday."""
RETURN_TARGETS = frozenset({"start", "approval", "task"})
_EMPTY_STATE = FlowState("", "", 0, "running")[4:]
"""The fields of a new instance's state after its status (nothing live yet)."""
Outcome = Literal["approved", "rejected"]


def start(
    flow: CompiledFlow, *, instance_id: str, initiator: str, now: datetime, world: World
) -> Transition:
    """Start an instance: the initiator submits at the start node."""
    state = _new(FlowState, (instance_id, initiator, 0, "running", *_EMPTY_STATE))
    run = _Run(flow, state, now, world)
    run.path = (flow.start,)
    run.emit(flow.plans[flow.start].entered)
    run.emit(_new(History, (initiator, "submit", flow.start, None, None, None)))
    run.leave(flow.start, "approved", ())
    return run.finish_step()


def step(
    flow: CompiledFlow, state: FlowState, event: Event, *, now: datetime, world: World
) -> Transition:
    """Advance one instance by one event; raises `CommandRefused` (state unchanged)."""
    run = _Run(flow, state, now, world)
    handler = _HANDLERS.get(type(event))
    if handler is None:  # pragma: no cover - the union is closed
        raise TypeError(f"not a flow event: {event!r}")
    if state.status in FINISHED and not isinstance(event, Comment):
        run.refuse("E_FLOW_FINISHED", "finished", status=words_of(STATUS, state.status))
    handler(run, event)
    return run.finish_step()


class _Run:
    """One step's working copy of the state and the effects so far."""

    __slots__ = (
        "_approvers",
        "_context",
        "_variables",
        "assigned_kind",
        "counter",
        "decided",
        "directory",
        "effects",
        "emit",
        "end_outcome",
        "entries",
        "flow",
        "initiator",
        "jumps",
        "now",
        "path",
        "queue",
        "rejected_node",
        "state",
        "status",
        "tasks",
        "timers",
        "tokens",
        "version",
        "world",
    )

    def __init__(self, flow: CompiledFlow, state: FlowState, now: datetime, world: World) -> None:
        # one unpacking reads the state's fields faster than an attribute each
        (_, initiator, version, status, counter, tokens, tasks, timers, path, _, jumps) = state[:11]
        self.flow = flow
        self.state = state
        self.now = now
        self.world = world
        self.directory = world.directory
        self.initiator = initiator
        self.version = version + 1
        self.status = status
        self.counter = counter
        # loops, not comprehensions: on Python 3.11 each comprehension is a function call
        self.tokens: dict[str, Token] = {}
        for token in tokens:
            self.tokens[token.id] = token
        self.tasks: dict[str, Task] = {}
        for task in tasks:
            self.tasks[task.id] = task
        self.timers: dict[str, Timer] = {t.id: t for t in timers} if timers else {}
        self.path = path
        self._approvers: dict[str, tuple[str, ...]] | None = None
        self.jumps: dict[str, tuple[str, ...]] = {}
        if jumps:
            for target, returner in jumps:
                self.jumps[target] = (*self.jumps.get(target, ()), returner)
        self.decided = state.decided
        self.rejected_node = state.rejected_node
        self.effects: list[Effect] = []
        self.emit: Callable[[Effect], None] = self.effects.append
        self.queue: deque[tuple[Edge, tuple[str, ...]]] = deque()
        self._variables: dict[str, Any] | None = None
        self._context: EvaluationContext | None = None
        self.end_outcome: Outcome = "approved"
        self.entries = 0
        self.assigned_kind: NotifyKind = "assigned"

    def approver_table(self) -> dict[str, tuple[str, ...]]:
        """Per approval node on the path, who approved there: made from the state the first time
        a step reads or changes it; a step that does neither hands the state's tuple on."""
        if self._approvers is None:
            self._approvers = dict(self.state.approvers)
        return self._approvers

    @property
    def calendar(self) -> BusinessCalendar:
        """The flow's business calendar, Monday to Friday when it names none."""
        return self.flow.calendar or WEEKDAYS

    @property
    def variables(self) -> dict[str, Any]:
        """The record's fields (people by username, departments by key; with values set by
        actions so far) and `initiator`."""
        if self._variables is None:
            record = self.world.record
            if self.flow.people:
                record = named(record, self.flow.people, self.world.directory)
            self._variables = {**record, INITIATOR: self.initiator}
        return self._variables

    @property
    def context(self) -> EvaluationContext:
        if self._context is None:
            self._context = EvaluationContext(
                now=self.now, calendar=self.flow.calendar, parameters=self.world.parameters
            )
        return self._context

    def expression(self, pointer: str) -> CompiledExpression:
        return self.flow.expressions[pointer]

    # ------------------------------------------------------------ bookkeeping

    def refuse(self, code: str, key: str, pointer: str = "", **params: object) -> NoReturn:
        """Refuse the command with `code`, saying refusal `key` (see `refusals`) with `params`."""
        zh_cn, message = refusal(key, **params)
        raise CommandRefused(code, message, self.state, pointer, zh_cn)

    def node_words(self, node_id: str) -> Words:
        node = self.flow.nodes.get(node_id)
        return node_words(node_id, getattr(node, "label", None))

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def finish_step(self) -> Transition:
        if self.queue or self.flow.inclusive_joins:
            self.drain()
        if self.status not in FINISHED:
            if not self.tokens:
                self.finish(self.end_outcome)
            else:
                self.status = "running"
                for token in self.tokens.values():
                    if token.wait == "incident":
                        self.status = "incident"
                        break
        jumps = self.jumps
        state = _new(
            FlowState,
            (
                self.state.instance_id,
                self.initiator,
                self.version,
                self.status,
                self.counter,
                tuple(self.tokens.values()),
                tuple(self.tasks.values()),
                tuple(self.timers.values()) if self.timers else (),
                self.path,
                self.state.approvers if self._approvers is None else tuple(self._approvers.items()),
                tuple([(t, r) for t, returners in jumps.items() for r in returners])
                if jumps
                else (),
                self.decided,
                self.rejected_node,
            ),
        )
        return _new(Transition, (state, tuple(self.effects)))

    def task_of(
        self, task_id: str, actor: str, expected: int | None, kind: TaskKind | None = None
    ) -> Task:
        """The open task `task_id` that `actor` may act on (at version `expected`, to be done
        as `kind`, when given)."""
        task = self.open_task(task_id, expected)
        if actor != task.assignee:
            self.refuse("E_FLOW_NOT_YOUR_TASK", "not_your_task", task=task_id, actor=actor)
        if kind is not None and task.kind != kind:
            wanted = words_of(WANTED, task.kind)
            self.refuse("E_FLOW_TASK_KIND", "task_kind", task=task_id, wanted=wanted)
        return task

    def open_task(self, task_id: str, expected: int | None) -> Task:
        """The open task `task_id` (at version `expected`, when given), whoever holds it."""
        task = self.tasks.get(task_id)
        if task is None:
            self.refuse("E_FLOW_UNKNOWN_TASK", "unknown_task", task=task_id)
        if expected is not None and expected != task.version:
            self.refuse(
                "E_FLOW_STALE", "task_stale", task=task_id, version=task.version, expected=expected
            )
        return task

    def check_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.state.version:
            self.refuse(
                "E_FLOW_STALE", "instance_stale", version=self.state.version, expected=expected
            )

    def evaluate(self, pointer: str) -> Any:
        compiled = self.flow.expressions[pointer]
        result = compiled.evaluate(self.variables, context=self.context)
        if result.diagnostics:
            raise _EvaluationFailed(pointer, result.diagnostics[0].words())
        return result.value

    # ------------------------------------------------------------ tasks and timers

    def new_task(
        self,
        node: str,
        user: str,
        kind: TaskKind,
        token: str,
        *,
        owner: str | None = None,
        sla: Sla | None = None,
    ) -> str:
        """Open a task (with its SLA timers); its id."""
        if sla is None:
            return self.new_tasks(node, (user,), kind, token, owner=owner)[0]
        due = self.due(sla)
        task_id = self.new_tasks(node, (user,), kind, token, owner=owner, due=due)[0]
        if sla.remind_before is not None:
            remind = due - _duration(sla.remind_before)
            if remind > self.now:
                self.schedule(remind, "sla_remind", node, token, task_id)
        self.schedule(due, "sla_breach", node, token, task_id)
        return task_id

    def new_tasks(
        self,
        node: str,
        users: Sequence[str],
        kind: TaskKind,
        token: str,
        *,
        owner: str | None = None,
        due: datetime | None = None,
    ) -> list[str]:
        """Open a task for each of `users`, in order, without SLA timers; their ids. A CC task
        is only announced: it waits for nothing."""
        counter = self.counter
        version = self.version
        tasks = self.tasks
        effects = self.effects
        notify = "cc" if kind == "cc" else self.assigned_kind
        opened: list[str] = []
        for user in users:
            counter += 1
            task_id = f"t{counter}"
            opened.append(task_id)
            if kind != "cc":
                tasks[task_id] = _new(Task, (task_id, node, user, kind, version, token, owner, due))
            effects += (
                _new(TaskCreated, (task_id, node, user, kind, due)),
                _new(Notify, (notify, (user,), task_id)),
            )
        self.counter = counter
        return opened

    def due(self, sla: Sla) -> datetime:
        if sla.duration is not None:
            return self.now + _duration(sla.duration)
        assert sla.working_days is not None
        day = self.calendar.add_working_days(self.now.date(), sla.working_days)
        return datetime.combine(day, self.now.timetz())

    def schedule(
        self,
        due: datetime,
        purpose: Literal["sla_remind", "sla_breach", "timer"],
        node: str,
        token: str,
        task: str | None = None,
    ) -> None:
        timer_id = self.new_id("m")
        self.timers[timer_id] = _new(Timer, (timer_id, due, purpose, node, token, task))
        self.emit(_new(ScheduleTimer, (timer_id, due, purpose)))

    def close_task(self, task_id: str, outcome: CloseOutcome) -> Task:
        task = self.tasks.pop(task_id)
        self.emit(_new(TaskClosed, (task_id, outcome)))
        if self.timers:
            for timer in [t for t in self.timers.values() if t.task == task_id]:
                del self.timers[timer.id]
                self.emit(_new(CancelTimer, (timer.id,)))
        return task

    def kill_token(self, token_id: str, outcome: CloseOutcome = "cancelled") -> None:
        """Remove a token with its open tasks and timers."""
        self.tokens.pop(token_id, None)
        for task in tuple(self.tasks.values()):  # a copy: closing a task removes it
            if task.token == token_id:
                self.close_task(task.id, outcome)
        if self.timers:
            for timer in [t for t in self.timers.values() if t.token == token_id]:
                del self.timers[timer.id]
                self.emit(_new(CancelTimer, (timer.id,)))

    def finish(self, outcome: Literal["approved", "rejected", "withdrawn", "terminated"]) -> None:
        close: CloseOutcome = "withdrawn" if outcome == "withdrawn" else "cancelled"
        for token_id in list(self.tokens):
            self.kill_token(token_id, close)
        self.queue.clear()
        self.jumps.clear()
        self.status = outcome
        self.effects += (
            _new(Finished, (outcome,)),
            _new(Notify, ("finished", (self.initiator,), None)),
        )

    # ------------------------------------------------------------ moving tokens

    def leave(self, node: str, outcome: Outcome, prev: tuple[str, ...]) -> None:
        """`node` is done with `outcome`: follow its edges (or a pending jump back)."""
        plan = self.flow.plans[node]
        if outcome == "approved":
            self.emit(plan.left_approved)
            if node in self.jumps:
                for returner in self.jumps.pop(node):
                    self.enter(returner, prev)
                return
            if plan.follow is not None:
                self.queue.append((plan.follow, prev))
                return
            edges = plan.on_approved
        else:
            self.emit(plan.left_rejected)
            edges = plan.on_rejected
            if not edges:
                self.rejected_node = node
                self.finish("rejected")
                return
            if len(edges) == 1 and edges[0].condition is None:  # what `choose` gives for any kind
                self.queue.append((edges[0], prev))
                return
        chosen = self.choose(node, edges, prev)
        if chosen is None:
            return
        for edge in chosen:
            self.queue.append((edge, prev))

    def choose(
        self, node: str, edges: tuple[Edge, ...], prev: tuple[str, ...]
    ) -> tuple[Edge, ...] | None:
        kind = self.flow.plans[node].kind
        if kind == "parallel":
            return edges
        if not edges:
            said = Words("没有连线离开这个节点", "no edge leaves this node")
            self.incident(node, "E_FLOW_DEAD_END", said, prev)
            return None
        if len(edges) == 1 and edges[0].condition is None:
            return edges
        taken: list[Edge] = []
        for edge in edges:
            if edge.default:
                continue
            if edge.condition is None or self.holds(edge):
                taken.append(edge)
                if kind != "inclusive":
                    break
        if not taken:
            taken = [e for e in edges if e.default][:1]
        if not taken:
            said = Words(
                "没有条件成立，也没有默认连线", "no condition holds and there is no default edge"
            )
            self.incident(node, "E_FLOW_NO_PATH", said, prev)
            return None
        return tuple(taken)

    def holds(self, edge: Edge) -> bool:
        compiled = self.flow.conditions[edge.id]
        direct = compiled.direct
        if direct is not None:
            decided = direct(self.variables)
            if decided is True or decided is False:
                return decided
        return compiled.evaluate(self.variables, context=self.context).value is True

    def incident(self, node: str, code: str, said: Words, prev: tuple[str, ...]) -> None:
        """The token stops at `node` until an administrator resolves it (`ResolveIncident`);
        `said`: why, in both languages."""
        token_id = self.new_id("k")
        self.tokens[token_id] = Token(token_id, node, "incident", prev=prev)
        self.emit(Incident(node, code, said.en, said.zh_cn))

    def drain(self) -> None:
        """Move queued tokens until each waits; then fire inclusive joins nobody can reach."""
        while True:
            queue = self.queue
            joins = self.flow.joins
            while queue:
                edge, prev = queue.popleft()
                if edge.to in joins:
                    self.arrive(edge, prev)
                else:
                    self.enter(edge.to, prev)
            if not self.flow.inclusive_joins or not self.fire_inclusive():
                return

    def arrive(self, edge: Edge, prev: tuple[str, ...]) -> None:
        target = edge.to
        if target in self.flow.joins:
            token_id = self.new_id("k")
            self.tokens[token_id] = _new(
                Token, (token_id, target, "join", edge.id, (), 0, 0, 0, 0, (), prev)
            )
            if self.flow.plans[target].kind == "parallel":
                self.fire_parallel(target)
            return
        self.enter(target, prev)

    def fire_parallel(self, node: str) -> None:
        waiting: dict[str, Token] = {}
        for token in self.tokens.values():
            if token.node == node and token.wait == "join" and token.edge is not None:
                waiting.setdefault(token.edge, token)
        if len(waiting) < len(self.flow.incoming[node]):
            return
        self.join(node, list(waiting.values()))

    def fire_inclusive(self) -> bool:
        fired = False
        for node in self.flow.inclusive_joins:
            waiting = [t for t in self.tokens.values() if t.node == node and t.wait == "join"]
            if not waiting:
                continue
            if any(self.can_reach(t, node) for t in self.tokens.values() if t.node != node):
                continue
            first: dict[str, Token] = {}
            for token in waiting:
                first.setdefault(token.edge or "", token)
            self.join(node, list(first.values()))
            fired = True
            while self.queue:
                edge, prev = self.queue.popleft()
                self.arrive(edge, prev)
        return fired

    def can_reach(self, token: Token, node: str) -> bool:
        return node in self.flow.reach[token.node]

    def join(self, node: str, tokens: list[Token]) -> None:
        merged: dict[str, None] = {}
        for token in tokens:
            del self.tokens[token.id]
            merged.update(dict.fromkeys(token.prev))
        self.enter(node, tuple(merged))

    def enter(self, node_id: str, prev: tuple[str, ...]) -> None:
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            self.queue.clear()
            said = Words("流程在循环中一直没有停下等待", "the flow loops without waiting anywhere")
            self.incident(node_id, "E_FLOW_LOOP", said, prev)
            return
        plan = self.flow.plans[node_id]
        if node_id not in self.path:
            self.path += (node_id,)
        self.emit(plan.entered)
        kind = plan.kind
        if kind in _PASSED:
            self.leave(node_id, "approved", prev)
            return
        try:
            _ENTER[kind](self, plan, prev)
        except _EvaluationFailed as exc:
            said = Words(f"{exc.pointer}：{exc.said.zh_cn}", f"{exc.pointer}: {exc.said.en}")
            self.incident(node_id, "E_FLOW_EVALUATION", said, prev)

    # ------------------------------------------------------------ approvals

    def seat_of(self, token: Token, task_id: str) -> int:
        for index, seat in enumerate(token.seats):
            if seat.task == task_id:
                return index
        raise LookupError(task_id)  # pragma: no cover - a task's token seats it

    def settle(self, token: Token) -> None:
        """Close the approval/task node of `token` when its outcome is known."""
        plan = self.flow.plans[token.node]
        self.tokens[token.id] = token
        mode = plan.mode
        if mode == "vote":
            assert plan.vote is not None
            outcome = _vote_outcome(plan.vote, token)
        elif token.rejected:
            outcome = "rejected"
        elif mode == "or" or mode == "single":
            outcome = "approved" if token.approved or not token.seats else None
        else:
            outcome = None if token.seats else "approved"
        if outcome is None:
            return
        self.kill_token(token.id)
        approvers = token.approvers if outcome == "approved" else ()
        if approvers:
            self.approver_table()[token.node] = approvers
        self.leave(token.node, outcome, approvers)


class _EvaluationFailed(Exception):
    """An expression of the flow (at `pointer`) failed; `said` is why, in each language."""

    def __init__(self, pointer: str, said: Words) -> None:
        self.pointer = pointer
        self.said = said
        super().__init__(f"{pointer}: {said.en}")


@lru_cache(maxsize=256)
def _duration(text: str) -> timedelta:
    found = v.parse_duration(text)
    assert isinstance(found, timedelta)  # the model's pattern admits days-and-time only
    return found


def _quorate(vote: VoteRule, counted: int, voters: int) -> bool:
    """Whether `counted` votes of `voters` reach the vote's quorum (it has one)."""
    assert vote.quorum is not None
    numerator, denominator = vote.quorum
    return counted * denominator >= numerator * voters


def _vote_outcome(vote: VoteRule, token: Token) -> Outcome | None:
    ratio = vote.pass_ratio
    strict = vote.strict
    quorum = vote.quorum  # without one, any number of counted votes makes the vote valid
    abstained = token.abstained
    extra_for = abstained if vote.abstain == "for" else 0
    extra_against = abstained if vote.abstain == "against" else 0
    approved = token.approved + extra_for
    rejected = token.rejected + extra_against
    open_seats = len(token.seats)
    counted = approved + rejected
    if not open_seats:
        valid = quorum is None or _quorate(vote, counted, token.voters)
        return "approved" if valid and _passes(ratio, strict, approved, rejected) else "rejected"
    if not vote.early_decision:
        return None
    if quorum is not None and not _quorate(vote, counted + open_seats, token.voters):
        return "rejected"  # even if every open seat votes, the quorum is out of reach
    # approve early only if every way the open seats may still vote passes: all against, and,
    # when abstentions are left out, all abstaining (no counted vote at all is a rejection)
    if (
        (counted or vote.abstain != "exclude")
        and (quorum is None or _quorate(vote, counted, token.voters))
        and _passes(ratio, strict, approved, rejected + open_seats)
    ):
        return "approved"
    if not _passes(ratio, strict, approved + open_seats, rejected):
        return "rejected"
    return None


def _passes(ratio: tuple[int, int], strict: bool, votes_for: int, against: int) -> bool:
    """Whether `votes_for` of the counted votes reach the pass ratio."""
    counted = votes_for + against
    if counted == 0:
        return False
    numerator, denominator = ratio
    left, right = votes_for * denominator, numerator * counted
    return left > right if strict else left >= right


# ---------------------------------------------------------------- entering nodes


def _enter_end(run: _Run, plan: NodePlan, prev: tuple[str, ...]) -> None:
    node = plan.node
    assert isinstance(node, EndNode)
    run.emit(plan.left_approved if node.outcome == "approved" else plan.left_rejected)
    if node.terminate:
        run.finish(node.outcome)
        return
    run.end_outcome = node.outcome


def _enter_cc(run: _Run, plan: NodePlan, prev: tuple[str, ...]) -> None:
    node = plan.node
    assert isinstance(node, CcNode)
    users, replaced = resolve(run, node.assignees, plan.assignees_pointer)
    if replaced:
        _record_replacements(run, node.id, replaced)
    run.new_tasks(node.id, users, "cc", "")
    run.leave(node.id, "approved", prev)


def _enter_people(run: _Run, plan: NodePlan, prev: tuple[str, ...]) -> None:
    """An approval or fill-in task node: resolve, apply the policies, open the seats."""
    node = plan.node
    assert isinstance(node, (ApprovalNode, TaskNode))
    node_id = node.id
    users, replaced = resolve(run, node.assignees, plan.assignees_pointer)
    if replaced:
        _record_replacements(run, node_id, replaced)
    approval = node.type == "approval"
    checked = plan.maker_checker
    if checked and run.initiator in users:
        users = [u for u in users if u != run.initiator]
        run.emit(History(SYSTEM, "maker_excluded", node_id, detail={"user": run.initiator}))
    if not users:
        found = _empty_assignee(run, node)
        if found is None:
            run.leave(node_id, "approved", prev)
            return
        if checked and found == run.initiator:
            said = Words(
                f"`{node_id}` 剩下的唯一审批人是发起人（制单与审批须分离）",
                f"the only approver left for `{node_id}` is the initiator (maker-checker)",
            )
            run.incident(node_id, "E_FLOW_MAKER_CHECKER", said, prev)
            return
        users = [found]
    auto: list[str] = []
    if approval:
        policy = _approval_policies(run, plan, users, prev)
        if policy is None:
            run.leave(node_id, "approved", prev)
            return
        users, auto = policy
    token_id = run.new_id("k")
    kind: TaskKind = "approve" if approval else "fill"
    sla = plan.sla
    if plan.mode == "sequential" and users:
        first = run.new_task(node_id, users[0], kind, token_id, sla=sla)
        seats: tuple[Seat, ...] = (Seat(first, tuple(users[1:])),)
    else:
        if sla is None:
            opened = run.new_tasks(node_id, users, kind, token_id)
        else:
            opened = [run.new_task(node_id, u, kind, token_id, sla=sla) for u in users]
        seats = tuple([_new(Seat, (task_id, ())) for task_id in opened])
    count = len(auto)
    token = _new(
        Token,
        (
            token_id,
            node_id,
            "task",
            None,
            seats,
            count,
            0,
            0,
            count + len(seats),
            tuple(auto),
            prev,
        ),
    )
    run.settle(token)


def _empty_assignee(run: _Run, node: ApprovalNode | TaskNode) -> str | None:
    policy = run.flow.spec.settings.empty_assignee
    if policy.policy == "skip":
        run.emit(History(SYSTEM, "skipped", node.id, detail={"reason": "no_assignee"}))
        return None
    user = policy.user if policy.policy == "user" else run.world.directory.administrator()
    assert user is not None
    run.emit(History(SYSTEM, "assigned", node.id, detail={"reason": "no_assignee", "user": user}))
    return user


def _approval_policies(
    run: _Run, plan: NodePlan, users: list[str], prev: tuple[str, ...]
) -> tuple[list[str], list[str]] | None:
    """Initiator-is-approver and approver de-duplication: the users still asked and those
    approved automatically (recorded as the system actor); None: skip the node."""
    initiator = run.initiator
    auto: list[str] = []
    dedupe = plan.dedupe
    if initiator not in users and (
        dedupe == "none" or (dedupe == "consecutive" and set(prev).isdisjoint(users))
    ):
        return users, auto  # nobody to leave out or approve automatically
    node = plan.node
    assert isinstance(node, ApprovalNode)
    settings = run.flow.spec.settings
    if settings.maker_checker:
        pass  # the initiator was left out at resolution (`_enter_people`)
    elif (
        initiator in users
        and settings.initiator_is_approver != "handle"
        and not any(a.type == "initiator" for a in node.assignees)
    ):
        if settings.initiator_is_approver == "skip_node":
            run.emit(History(SYSTEM, "skipped", node.id, detail={"reason": "initiator"}))
            return None
        users = [u for u in users if u != initiator]
        auto.append(initiator)
        run.emit(
            History(
                SYSTEM, "auto_approve", node.id, detail={"user": initiator, "reason": "initiator"}
            )
        )
    if dedupe != "none":
        if dedupe == "consecutive":
            earlier = set(prev)
        else:
            earlier = {user for node_id, seen in run.approver_table().items() for user in seen}
        for user in [u for u in users if u in earlier]:
            users.remove(user)
            auto.append(user)
            run.emit(
                History(SYSTEM, "auto_approve", node.id, detail={"user": user, "reason": "dedupe"})
            )
    return users, auto


def _record_replacements(run: _Run, node: str, replaced: list[tuple[str, str]]) -> None:
    for user, delegate in replaced:
        run.emit(
            History(SYSTEM, "out_of_office", node, detail={"user": user, "delegate": delegate})
        )


def _enter_action(run: _Run, plan: NodePlan, prev: tuple[str, ...]) -> None:
    node = plan.node
    assert isinstance(node, ActionNode)
    base = run.flow.pointer(node.id)
    effects: list[Effect] = []
    for index, action in enumerate(node.actions):
        pointer = f"{base}/actions/{index}"
        if isinstance(action, CallDecision):
            values = _decision(run, action, pointer)
            run.variables.update(values)
            effects.append(SetFields(values))
            continue
        values = {key: run.evaluate(f"{pointer}/values/{_token(key)}") for key in action.values}
        if isinstance(action, SetFieldsAction):
            run.variables.update(values)
            effects.append(SetFields(values))
        elif isinstance(action, CreateRecordAction):
            effects.append(CreateRecord(action.form, values))
        else:
            effects.append(UpdateRecords(action.form, action.where, values))
    run.effects.extend(effects)
    run.leave(node.id, "approved", prev)


def _decision(run: _Run, action: CallDecision, pointer: str) -> dict[str, Any]:
    inputs = {name: run.evaluate(f"{pointer}/inputs/{_token(name)}") for name in action.inputs}
    model = run.flow.env.decisions[action.model]
    result = model.evaluate(action.decision, inputs, context=run.context)
    if result.diagnostics:
        first = result.diagnostics[0]
        where = first.pointer or "/"
        if first.line:
            where += f"，第 {first.line} 行第 {first.column} 列"
        zh_cn = f"{first.code}（{where}）：{first.said('zh-CN')[0]}"
        raise _EvaluationFailed(f"{pointer}/model", Words(zh_cn, str(first)))
    variables = {"result": result.value}
    values: dict[str, Any] = {}
    for key in action.outputs:
        here = f"{pointer}/outputs/{_token(key)}"
        found = run.flow.expressions[here].evaluate(variables, context=run.context)
        if found.diagnostics:
            raise _EvaluationFailed(here, found.diagnostics[0].words())
        values[key] = found.value
    return values


def _enter_timer(run: _Run, plan: NodePlan, prev: tuple[str, ...]) -> None:
    node = plan.node
    assert isinstance(node, TimerNode)
    if node.wait is not None:
        due = run.now + _duration(node.wait)
    elif node.working_days is not None:
        day = run.calendar.add_working_days(run.now.date(), node.working_days)
        due = datetime.combine(day, run.now.timetz())
    else:
        due = _moment(run, run.evaluate(f"{run.flow.pointer(node.id)}/until"), node.id)
    if due <= run.now:
        run.leave(node.id, "approved", prev)
        return
    token_id = run.new_id("k")
    run.tokens[token_id] = Token(token_id, node.id, "timer", prev=prev)
    run.schedule(due, "timer", node.id, token_id)


def _moment(run: _Run, value: Any, node: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=run.now.tzinfo or UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=run.now.tzinfo or UTC)
    said = Words(
        f"结果是 {value!r}，不是日期或日期时间", f"gives {value!r}, not a date or date and time"
    )
    raise _EvaluationFailed(f"{run.flow.pointer(node)}/until", said)


def _enter_subflow(run: _Run, plan: NodePlan, prev: tuple[str, ...]) -> None:
    node = plan.node
    assert isinstance(node, SubflowNode)
    token_id = run.new_id("k")
    run.tokens[token_id] = Token(token_id, node.id, "subflow", prev=prev)
    record = {k: val for k, val in run.variables.items() if k != INITIATOR}
    run.emit(StartSubflow(node.id, node.flow, node.version, record))


_PASSED = frozenset({"start", "exclusive", "parallel", "inclusive"})
"""Nodes that, entered, are left at once (`leave` chooses among their edges)."""
_ENTER: dict[str, Callable[[_Run, NodePlan, tuple[str, ...]], None]] = {
    "end": _enter_end,
    "approval": _enter_people,
    "task": _enter_people,
    "cc": _enter_cc,
    "action": _enter_action,
    "timer": _enter_timer,
    "subflow": _enter_subflow,
}


def _token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------- commands


def _decide(
    run: _Run,
    task: Task,
    outcome: Literal["approved", "rejected", "abstained", "completed"],
    actor: str,
    comment: str | None,
) -> None:
    """A decision on an open task: delegated tasks go back to their owner; otherwise the seat
    moves on or completes and the node settles when its outcome is known."""
    run.decided = True
    run.close_task(task.id, outcome)
    action = outcome if actor != SYSTEM else f"auto_{outcome}"
    run.emit(_new(History, (actor, action, task.node, task.id, comment, None)))
    token = run.tokens[task.token]
    index = run.seat_of(token, task.id)
    seat = token.seats[index]
    if task.owner is not None:
        sla = run.flow.plans[task.node].sla
        back = run.new_task(task.node, task.owner, task.kind, token.id, sla=sla)
        run.tokens[token.id] = _replace_seat(token, index, Seat(back, seat.rest))
        return
    if outcome in ("approved", "completed") and seat.rest:
        sla = run.flow.plans[task.node].sla
        following = run.new_task(task.node, seat.rest[0], task.kind, token.id, sla=sla)
        run.tokens[token.id] = _replace_seat(token, index, Seat(following, seat.rest[1:]))
        return
    seats = token.seats[:index] + token.seats[index + 1 :]
    if outcome in ("approved", "completed"):
        # the commonest decision: one unpacking reads the token faster than an attribute each
        (token_id, node, wait, edge, _, approved, rejected, abstained, voters, approvers, prev) = (
            token
        )
        if actor != SYSTEM:
            approvers = (*approvers, actor)
        token = _new(
            Token,
            (
                token_id,
                node,
                wait,
                edge,
                seats,
                approved + 1,
                rejected,
                abstained,
                voters,
                approvers,
                prev,
            ),
        )
    elif outcome == "rejected":
        token = _copy(token, seats, rejected=token.rejected + 1)
    else:
        token = _copy(token, seats, abstained=token.abstained + 1)
    run.settle(token)


def _copy(
    token: Token,
    seats: tuple[Seat, ...],
    *,
    approved: int | None = None,
    rejected: int | None = None,
    abstained: int | None = None,
    voters: int | None = None,
    approvers: tuple[str, ...] | None = None,
) -> Token:
    return _new(
        Token,
        (
            token.id,
            token.node,
            token.wait,
            token.edge,
            seats,
            token.approved if approved is None else approved,
            token.rejected if rejected is None else rejected,
            token.abstained if abstained is None else abstained,
            token.voters if voters is None else voters,
            token.approvers if approvers is None else approvers,
            token.prev,
        ),
    )


def _replace_seat(token: Token, index: int, seat: Seat) -> Token:
    return _copy(token, (*token.seats[:index], seat, *token.seats[index + 1 :]))


def _on_approve(run: _Run, event: Approve) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version, "approve")
    _decide(run, task, "approved", event.actor, event.comment)


def _on_reject(run: _Run, event: Reject) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version, "approve")
    _decide(run, task, "rejected", event.actor, event.comment)


def _on_abstain(run: _Run, event: Abstain) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version, "approve")
    if run.flow.plans[task.node].mode != "vote":
        run.refuse("E_FLOW_NOT_ALLOWED", "abstain_vote_only")
    _decide(run, task, "abstained", event.actor, event.comment)


def _on_complete(run: _Run, event: Complete) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version, "fill")
    if task.node == run.flow.start:
        _resubmit(run, task, event.actor, event.comment)
        return
    _decide(run, task, "completed", event.actor, event.comment)


def _allowed(run: _Run, task: Task, capability: str) -> None:
    node = run.flow.nodes[task.node]
    if task.owner is not None:
        run.refuse("E_FLOW_NOT_ALLOWED", "delegate_decides")
    can = words_of(CAPABILITY, capability)
    if isinstance(node, ApprovalNode):
        if capability not in node.allow:
            named = run.node_words(node.id)
            run.refuse("E_FLOW_NOT_ALLOWED", "node_disallows", node=named, capability=can)
    elif capability == "add_signer" or task.node == run.flow.start:
        named = run.node_words(node.id)
        run.refuse("E_FLOW_NOT_ALLOWED", "task_disallows", node=named, capability=can)


def _user(run: _Run, user: str) -> None:
    if not user or not run.world.directory.is_active(user):
        run.refuse("E_FLOW_UNKNOWN_USER", "inactive_user", user=user)


def _not_maker(run: _Run, task: Task, user: str, pointer: str) -> None:
    """Under `maker_checker` no approval task goes to the initiator."""
    if task.kind == "approve" and run.flow.spec.settings.maker_checker and user == run.initiator:
        run.refuse("E_FLOW_MAKER_CHECKER", "maker_checker", pointer, user=user)


def _receiver(run: _Run, task: Task, user: str) -> None:
    """`user` may take over `task`: active, not the maker under maker-checker, and holding no
    open task of the same node visit."""
    _user(run, user)
    _not_maker(run, task, user, "/to")
    if any(t.token == task.token and t.assignee == user for t in run.tasks.values()):
        run.refuse("E_FLOW_NOT_ALLOWED", "already_at_node", user=user)


def _on_transfer(run: _Run, event: Transfer) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version)
    _allowed(run, task, "transfer")
    _receiver(run, task, event.to)
    _hand_over(run, task, event.to, None, "transferred")
    run.emit(History(event.actor, "transfer", task.node, task.id, event.comment, {"to": event.to}))


def _on_delegate(run: _Run, event: Delegate) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version)
    _allowed(run, task, "delegate")
    _receiver(run, task, event.to)
    _hand_over(run, task, event.to, task.assignee, "delegated")
    run.emit(History(event.actor, "delegate", task.node, task.id, event.comment, {"to": event.to}))


def _hand_over(
    run: _Run, task: Task, to: str, owner: str | None, outcome: CloseOutcome, *, sla: bool = True
) -> str:
    run.close_task(task.id, outcome)
    token = run.tokens[task.token]
    new = run.new_task(
        task.node,
        to,
        task.kind,
        token.id,
        owner=owner,
        sla=run.flow.plans[task.node].sla if sla else None,
    )
    if token.seats:
        index = run.seat_of(token, task.id)
        run.tokens[token.id] = _replace_seat(token, index, Seat(new, token.seats[index].rest))
    return new


def _on_add_signer(run: _Run, event: AddSigner) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version)
    _allowed(run, task, "add_signer")
    token = run.tokens[task.token]
    busy = {run.tasks[s.task].assignee for s in token.seats} | {
        user for s in token.seats for user in s.rest
    }
    users = [u for u in dict.fromkeys(event.users) if u not in busy]
    for user in users:
        _user(run, user)
        _not_maker(run, task, user, f"/users/{list(event.users).index(user)}")
    if not users:
        run.refuse("E_FLOW_NOT_ALLOWED", "all_already_sign")
    run.emit(
        History(
            event.actor,
            "add_signer",
            task.node,
            task.id,
            event.comment,
            {"users": list(users), "position": event.position},
        )
    )
    index = run.seat_of(token, task.id)
    seat = token.seats[index]
    sla = run.flow.plans[task.node].sla
    if event.position == "after":
        run.tokens[token.id] = _replace_seat(token, index, Seat(seat.task, (*users, *seat.rest)))
    elif event.position == "before":
        run.close_task(task.id, "delegated")
        first = run.new_task(task.node, users[0], "approve", token.id, sla=sla)
        rest = (*users[1:], task.assignee, *seat.rest)
        run.tokens[token.id] = _replace_seat(token, index, Seat(first, rest))
    else:
        added = tuple(Seat(run.new_task(task.node, u, "approve", token.id, sla=sla)) for u in users)
        run.tokens[token.id] = _copy(
            token, (*token.seats, *added), voters=token.voters + len(added)
        )


def _on_return(run: _Run, event: Return) -> None:
    task = run.task_of(event.task, event.actor, event.expected_version)
    _allowed(run, task, "return")
    flow = run.flow
    target = flow.start if event.target == INITIATOR else event.target
    if (
        target not in run.path
        or target == task.node
        or task.node not in flow.reach[target]
        or flow.nodes[target].type not in RETURN_TARGETS
    ):
        named = Words("发起人", INITIATOR) if event.target == INITIATOR else None
        at = run.node_words(task.node)
        named = named or run.node_words(event.target)
        run.refuse("E_FLOW_RETURN_TARGET", "return_target", target=named, node=at)
    run.decided = True
    run.close_task(task.id, "returned")
    run.emit(
        History(
            event.actor,
            "return",
            task.node,
            task.id,
            event.comment,
            {"target": event.target, "resume": event.resume},
        )
    )
    region: set[str] = {*flow.reach[target], target}
    if event.resume == "jump_back":
        returner = task.node
        region = {n for n in region if n == returner or returner in flow.reach[n]}
        _jump_back(run, target, returner, region)
    else:
        rerun = flow.reach[target] | {target}
        run.path = tuple([node for node in run.path if node not in rerun])
        for node in rerun:
            run.approver_table().pop(node, None)
        run.jumps = {
            k: kept
            for k, val in run.jumps.items()
            if k not in region and (kept := tuple(r for r in val if r not in region))
        }
    sources = flow.sources
    for token in [
        t
        for t in run.tokens.values()
        # a token waiting at a join is after the target only when it came from there
        if (sources[t.edge] if t.wait == "join" and t.edge is not None else t.node) in region
    ]:
        run.kill_token(token.id)
    if event.resume == "rerun":
        _keep_finished_branches(run, region - {target})
    run.assigned_kind = "returned"
    if target == flow.start:
        if target not in run.path:
            run.path += (target,)
        run.emit(flow.plans[target].entered)
        token_id = run.new_id("k")
        run.tokens[token_id] = Token(token_id, target, "resubmit")
        run.new_task(target, run.initiator, "fill", token_id)
    else:
        run.enter(target, ())
    run.drain()
    run.assigned_kind = "assigned"


def _jump_back(run: _Run, target: str, returner: str, region: set[str]) -> None:
    """Where a jump-back return goes once `target` is done again: straight to `returner`, and
    to every node the jump passes over (`region`: between the two) whose decision is still owed,
    which then goes on as it would have. A node is owed when a task of it is open (it is about
    to be cancelled) or an earlier jump-back return waits for it. When the target itself was
    waiting to go on along its edges (after a re-run return, say), it still does so: that path
    reaches the returner, and the branches beside it too."""
    jumps = run.jumps
    waiting = {t.node for t in run.tokens.values() if t.wait != "join"}
    if target in waiting and target not in jumps:
        return
    owed = [
        n
        for n in run.path
        if n in region and n != target and n != returner and (n in jumps or n in waiting)
    ]
    returners = jumps.get(target, ())
    for node in (returner, *owed):
        if node not in returners:
            returners = (*returners, node)
    jumps[target] = returners


def _keep_finished_branches(run: _Run, region: set[str]) -> None:
    """After a re-run return, a join that will be reached again keeps the arrival of each
    branch that is not re-run: one that was executed on this path and that no live token will
    come down again."""
    flow = run.flow
    for join in flow.joins & region:
        for edge_id in flow.incoming[join]:
            source = flow.sources[edge_id]
            if source in region or source not in run.path:
                continue
            if any(
                (t.node == join and t.edge == edge_id)
                or t.node == source
                or source in flow.reach[t.node]
                for t in run.tokens.values()
            ):
                continue
            token_id = run.new_id("k")
            run.tokens[token_id] = Token(token_id, join, "join", edge_id)


def _on_resubmit(run: _Run, event: Resubmit) -> None:
    if event.task is not None:
        task = run.task_of(event.task, event.actor, event.expected_version)
    else:
        run.check_version(event.expected_version)
        found = [t for t in run.tasks.values() if t.node == run.flow.start]
        if not found:
            run.refuse("E_FLOW_NOT_RETURNED", "not_returned")
        task = found[0]
        if event.actor != task.assignee:
            run.refuse("E_FLOW_NOT_INITIATOR", "only_initiator_resubmits")
    if task.node != run.flow.start:
        run.refuse("E_FLOW_NOT_RETURNED", "not_resubmission", task=task.id)
    _resubmit(run, task, event.actor, event.comment)


def _resubmit(run: _Run, task: Task, actor: str, comment: str | None) -> None:
    run.close_task(task.id, "completed")
    run.tokens.pop(task.token, None)
    run.emit(History(actor, "resubmit", task.node, task.id, comment))
    run.leave(task.node, "approved", ())


def _on_withdraw(run: _Run, event: Withdraw) -> None:
    run.check_version(event.expected_version)
    if event.actor != run.initiator:
        run.refuse("E_FLOW_NOT_INITIATOR", "only_initiator_withdraws")
    if run.flow.spec.settings.withdraw == "never":
        run.refuse("E_FLOW_WITHDRAW_CLOSED", "withdraw_never")
    returned = bool(run.tokens) and all(t.wait == "resubmit" for t in run.tokens.values())
    if run.decided and not returned:
        run.refuse("E_FLOW_WITHDRAW_CLOSED", "withdraw_decided")
    run.emit(History(event.actor, "withdraw", comment=event.comment))
    run.finish("withdrawn")


def _on_urge(run: _Run, event: Urge) -> None:
    if event.actor != run.initiator:
        run.refuse("E_FLOW_NOT_INITIATOR", "only_initiator_urges")
    if event.task is not None:
        tasks = [run.open_task(event.task, event.expected_version)]
    else:
        run.check_version(event.expected_version)
        tasks = [t for t in run.tasks.values() if t.node != run.flow.start]
    if not tasks:
        run.refuse("E_FLOW_UNKNOWN_TASK", "nothing_to_urge")
    run.emit(History(event.actor, "urge", tasks[0].node, event.task, event.comment))
    for task in tasks:
        run.emit(Notify("urged", (task.assignee,), task.id))


def _on_comment(run: _Run, event: Comment) -> None:
    run.check_version(event.expected_version)
    node = None
    if event.task is not None:
        task = run.tasks.get(event.task)
        node = task.node if task is not None else None
    run.emit(History(event.actor, "comment", node, event.task, event.text))


def _on_cc(run: _Run, event: Cc) -> None:
    run.check_version(event.expected_version)
    users = [u for u in dict.fromkeys(event.users) if u]
    for user in users:
        _user(run, user)
    node = run.flow.start
    if event.task is not None:
        task = run.tasks.get(event.task)
        node = task.node if task is not None else node
    run.emit(History(event.actor, "cc", node, event.task, event.comment, {"users": users}))
    run.new_tasks(node, users, "cc", "")


def _on_timer(run: _Run, event: TimerFired) -> None:
    timer = run.timers.get(event.timer)
    if timer is None:
        run.refuse("E_FLOW_UNKNOWN_TIMER", "unknown_timer", timer=event.timer)
        return
    del run.timers[timer.id]
    if timer.purpose == "timer":
        token = run.tokens.pop(timer.token)
        run.leave(timer.node, "approved", token.prev)
        return
    assert timer.task is not None
    task = run.tasks[timer.task]
    if timer.purpose == "sla_remind":
        run.emit(Notify("reminder", (task.assignee,), task.id))
        return
    _breach(run, task)


def _breach(run: _Run, task: Task) -> None:
    node = run.flow.nodes[task.node]
    sla = run.flow.plans[task.node].sla
    assert sla is not None  # a breach timer is only set for a node with an SLA
    run.emit(
        History(SYSTEM, "sla_breached", task.node, task.id, detail={"on_breach": sla.on_breach})
    )
    if sla.on_breach == "remind":
        run.emit(Notify("reminder", (task.assignee,), task.id))
    elif sla.on_breach == "escalate":
        pointer = f"{run.flow.pointer(node.id)}/sla/escalate_to"
        users, _ = resolve(run, sla.escalate_to, pointer)
        users = [u for u in users if u != task.assignee]
        if task.kind == "approve" and run.flow.spec.settings.maker_checker:
            users = [u for u in users if u != run.initiator]
        if not users:
            run.emit(Notify("reminder", (task.assignee,), task.id))
            return
        new = _hand_over(run, task, users[0], None, "transferred", sla=False)
        run.emit(Notify("escalated", tuple(users), new))
    elif task.kind == "fill":
        _decide(run, task, "completed", SYSTEM, None)
    else:
        _decide(run, task, "approved" if sla.on_breach == "approve" else "rejected", SYSTEM, None)


def _on_subflow(run: _Run, event: SubflowFinished) -> None:
    token = next(
        (t for t in run.tokens.values() if t.node == event.node and t.wait == "subflow"), None
    )
    if token is None:
        run.refuse("E_FLOW_UNKNOWN_SUBFLOW", "not_waiting_subflow", node=run.node_words(event.node))
        return
    del run.tokens[token.id]
    run.emit(History(SYSTEM, "subflow_finished", event.node, detail={"outcome": event.outcome}))
    run.leave(event.node, "approved" if event.outcome == "approved" else "rejected", token.prev)


def _on_resolve_incident(run: _Run, event: ResolveIncident) -> None:
    run.check_version(event.expected_version)
    token = next(
        (t for t in run.tokens.values() if t.node == event.node and t.wait == "incident"), None
    )
    if token is None:
        run.refuse("E_FLOW_NO_INCIDENT", "no_incident", node=run.node_words(event.node))
        return
    target = event.to or event.node
    if target not in run.flow.nodes or target == run.flow.start:
        run.refuse("E_FLOW_UNKNOWN_NODE", "unknown_target", target=run.node_words(target))
    del run.tokens[token.id]
    detail = {"to": target}
    run.emit(History(event.actor, "incident_resolved", event.node, None, event.comment, detail))
    run.enter(target, token.prev)


def _reason(run: _Run, reason: str, why: Literal["terminate", "reassign"]) -> None:
    """A reason shows something: not only spaces, controls or invisible format characters."""
    if not any(char.isprintable() and not char.isspace() for char in reason):
        run.refuse("E_FLOW_REASON_REQUIRED", "reason_required", "/reason", why=WHY[why])


def _on_terminate(run: _Run, event: Terminate) -> None:
    run.check_version(event.expected_version)
    _reason(run, event.reason, "terminate")
    run.emit(History(event.actor, "terminate", comment=event.reason))
    run.finish("terminated")


def _on_reassign(run: _Run, event: Reassign) -> None:
    task = run.open_task(event.task, event.expected_version)
    _reason(run, event.reason, "reassign")
    if task.node == run.flow.start:
        run.refuse("E_FLOW_NOT_ALLOWED", "initiator_task_stays")
    _receiver(run, task, event.to)
    # a delegated task keeps its owner, who decides once the new delegate has given an opinion
    _hand_over(run, task, event.to, task.owner, "transferred")
    detail = {"from": task.assignee, "to": event.to}
    run.emit(History(event.actor, "reassign", task.node, task.id, event.reason, detail))


_HANDLERS: dict[type, Callable[[_Run, Any], None]] = {
    Approve: _on_approve,
    Reject: _on_reject,
    Abstain: _on_abstain,
    Complete: _on_complete,
    Return: _on_return,
    Transfer: _on_transfer,
    Delegate: _on_delegate,
    AddSigner: _on_add_signer,
    Withdraw: _on_withdraw,
    Resubmit: _on_resubmit,
    Urge: _on_urge,
    Comment: _on_comment,
    Cc: _on_cc,
    TimerFired: _on_timer,
    SubflowFinished: _on_subflow,
    ResolveIncident: _on_resolve_incident,
    Terminate: _on_terminate,
    Reassign: _on_reassign,
}
