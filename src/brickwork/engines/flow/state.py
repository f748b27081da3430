"""The state of one flow instance: immutable, small, JSON-serialisable.

It holds only what is live: tokens (where the instance waits, with the open approval's seats
and tally), open tasks, live timers, the nodes executed on the current path (return targets)
with who approved there (approver de-duplication), pending jump-backs and a counter for ids.
History leaves through effects, so the state does not grow across returns and loops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

from brickwork.engines.flow.effects import Effect

Status = Literal["running", "approved", "rejected", "withdrawn", "terminated", "incident"]
Wait = Literal["task", "join", "timer", "subflow", "resubmit", "incident"]
FINISHED = frozenset({"approved", "rejected", "withdrawn", "terminated"})
STATE_FORMAT = 2


class Seat(NamedTuple):
    """One approver line of an open approval: `task` is open now; `rest` approve after it, in
    order (sequential mode, signers added before/after)."""

    task: str
    rest: tuple[str, ...] = ()


class Token(NamedTuple):
    """Where the instance waits: at `node` for a task, a join (`edge`: the edge it came by), a
    timer, a subflow, the initiator's resubmission or an incident. An approval's open seats and
    its tally (completed seats approved/rejected/abstained of `voters`) live on its token;
    `prev` are the approvers of the approval node before it on its path."""

    id: str
    node: str
    wait: Wait
    edge: str | None = None
    seats: tuple[Seat, ...] = ()
    approved: int = 0
    rejected: int = 0
    abstained: int = 0
    voters: int = 0
    approvers: tuple[str, ...] = ()
    prev: tuple[str, ...] = ()


class Task(NamedTuple):
    id: str
    node: str
    assignee: str
    kind: Literal["approve", "fill", "cc"]
    version: int
    token: str
    owner: str | None = None
    """Whose task it is when `assignee` acts as a delegate (it comes back to the owner)."""
    due: datetime | None = None


class Timer(NamedTuple):
    id: str
    due: datetime
    purpose: Literal["sla_remind", "sla_breach", "timer"]
    node: str
    token: str
    task: str | None = None


class FlowState(NamedTuple):
    instance_id: str
    initiator: str
    version: int
    status: Status
    counter: int = 0
    tokens: tuple[Token, ...] = ()
    tasks: tuple[Task, ...] = ()
    timers: tuple[Timer, ...] = ()
    path: tuple[str, ...] = ()
    """Nodes executed on the current path, in order of first execution (return targets)."""
    approvers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per approval node on the current path, who approved there."""
    jumps: tuple[tuple[str, str], ...] = ()
    """(returned-to node, returning node): when the first is done, go straight to the second."""
    decided: bool = False
    """A decision was taken (withdrawing is closed)."""
    rejected_node: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": STATE_FORMAT,
            "state": [
                self.instance_id,
                self.initiator,
                self.version,
                self.status,
                self.counter,
                " ".join(self.path),
                self.decided,
                self.rejected_node,
            ],
            "tokens": list(map(_token_json, self.tokens)),
        }
        tasks = self.tasks
        if any(t.owner is not None or t.due is not None for t in tasks):
            data["task_rows"] = list(map(_task_json, tasks))
        else:
            data["tasks"] = [
                ",".join([f"{t.id} {t.node} {t.kind} {t.version} {t.token}" for t in tasks]),
                [t.assignee for t in tasks],
            ]
        if self.timers:
            data["timers"] = list(map(_timer_json, self.timers))
        if self.approvers:
            data["approvers"] = {node: list(users) for node, users in self.approvers}
        if self.jumps:
            data["jumps"] = [list(pair) for pair in self.jumps]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlowState:
        if data.get("format") != STATE_FORMAT:
            return _from_json_v1(data)
        instance_id, initiator, version, status, counter, path, decided, rejected = data["state"]
        get = data.get
        timers = get("timers")
        approvers = get("approvers")
        jumps = get("jumps")
        return _new(
            cls,
            (
                instance_id,
                initiator,
                version,
                status,
                counter,
                tuple(map(_token_of, data["tokens"])),
                _tasks_of(get("tasks"), get("task_rows")),
                tuple(map(_timer_of, timers)) if timers else (),
                tuple(path.split(" ")) if path else (),
                tuple([(n, tuple(u)) for n, u in approvers.items()]) if approvers else (),
                tuple([(a, b) for a, b in jumps]) if jumps else (),
                decided,
                rejected,
            ),
        )


@dataclass(frozen=True, slots=True)
class Transition:
    state: FlowState
    effects: tuple[Effect, ...]


_new = tuple.__new__
"""Builds a named tuple from a complete tuple of its fields, without the keyword handling."""

# The JSON of a state (format 2) is built for saving and loading on every command: every item
# costs time to encode and decode, so the fields that are node ids, edge ids, generated ids
# (`k…`, `t…`, `m…`), literals and counts (none of which holds a space) travel joined by spaces
# in one string, and only usernames, the instance id and datetimes stay items of their own:
# - state: [instance_id, initiator, version, status, counter, "path ids", decided, rejected_node]
# - token: ["id node wait edge approved rejected abstained voters", seats, approvers, prev], a
#   missing edge as "", seats as "task task ..." when no seat has users after it, else
#   [[task, *users after it], ...]; empty trailing lists left out
# - tasks: ["id node kind version token,id node kind …", [assignee, …]]; when a task has an
#   owner or a due time, `task_rows` instead: ["id node kind version token", assignee, owner,
#   due] per task, trailing nulls left out
# - timer: ["id purpose node token task", due], a missing task as ""
# Datetimes are ISO text.


def _token_json(token: Token) -> list[Any]:
    head = (
        f"{token.id} {token.node} {token.wait} {token.edge or ''} "
        f"{token.approved} {token.rejected} {token.abstained} {token.voters}"
    )
    seats = token.seats
    if any(s.rest for s in seats):
        row: list[Any] = [head, [[s.task, *s.rest] for s in seats]]
    else:
        row = [head, " ".join([s.task for s in seats])]
    if token.prev:
        row += [list(token.approvers), list(token.prev)]
    elif token.approvers:
        row.append(list(token.approvers))
    return row


def _token_of(row: Sequence[Any]) -> Token:
    ident, node, wait, edge, approved, rejected, abstained, voters = row[0].split(" ")
    seats = row[1]
    count = len(row)
    return _new(
        Token,
        (
            ident,
            node,
            wait,
            edge or None,
            (tuple([_new(Seat, (t, ())) for t in seats.split(" ")]) if seats else ())
            if isinstance(seats, str)
            else tuple([Seat(s[0], tuple(s[1:])) for s in seats]),
            int(approved),
            int(rejected),
            int(abstained),
            int(voters),
            tuple(row[2]) if count > 2 else (),
            tuple(row[3]) if count > 3 else (),
        ),
    )


def _tasks_of(packed: Sequence[Any] | None, rows: Sequence[Any] | None) -> tuple[Task, ...]:
    if rows is not None:
        return tuple(map(_task_of, rows))
    assert packed is not None
    heads, assignees = packed
    if not heads:
        return ()
    tasks: list[Task] = []
    for head, assignee in zip(heads.split(","), assignees, strict=True):
        ident, node, kind, version, token = head.split(" ")
        tasks.append(_new(Task, (ident, node, assignee, kind, int(version), token, None, None)))
    return tuple(tasks)


def _task_json(task: Task) -> list[Any]:
    row: list[Any] = [
        f"{task.id} {task.node} {task.kind} {task.version} {task.token}",
        task.assignee,
    ]
    if task.due is not None:
        row += [task.owner, task.due.isoformat()]
    elif task.owner is not None:
        row.append(task.owner)
    return row


def _task_of(row: Sequence[Any]) -> Task:
    ident, node, kind, version, token = row[0].split(" ")
    if len(row) == 2:
        return _new(Task, (ident, node, row[1], kind, int(version), token, None, None))
    due = row[3] if len(row) > 3 else None
    return Task(
        ident,
        node,
        row[1],
        kind,
        int(version),
        token,
        row[2],
        None if due is None else datetime.fromisoformat(due),
    )


def _timer_json(timer: Timer) -> list[Any]:
    head = f"{timer.id} {timer.purpose} {timer.node} {timer.token} {timer.task or ''}"
    return [head, timer.due.isoformat()]


def _timer_of(row: Sequence[Any]) -> Timer:
    ident, purpose, node, token, task = row[0].split(" ")
    return Timer(ident, datetime.fromisoformat(row[1]), purpose, node, token, task or None)


def _from_json_v1(data: Mapping[str, Any]) -> FlowState:
    """A state saved in format 1 (tokens, tasks and timers as arrays of their fields)."""
    get = data.get
    approvers = get("approvers")
    jumps = get("jumps")
    return FlowState(
        data["instance_id"],
        data["initiator"],
        int(data["version"]),
        data["status"],
        int(get("counter", 0)),
        tuple(map(_token_of_v1, data["tokens"])),
        tuple(map(_task_of_v1, data["tasks"])),
        tuple(map(_timer_of_v1, data["timers"])) if data["timers"] else (),
        tuple(get("path", ())),
        tuple([(n, tuple(u)) for n, u in approvers.items()]) if approvers else (),
        tuple([(a, b) for a, b in jumps]) if jumps else (),
        bool(get("decided", False)),
        get("rejected_node"),
    )


def _token_of_v1(row: Sequence[Any]) -> Token:
    ident, node, wait, edge, seats, tally, approvers, prev = row
    approved, rejected, abstained, voters = tally
    return Token(
        ident,
        node,
        wait,
        edge,
        tuple([Seat(s[0], tuple(s[1:])) for s in seats]),
        approved,
        rejected,
        abstained,
        voters,
        tuple(approvers),
        tuple(prev),
    )


def _task_of_v1(row: Sequence[Any]) -> Task:
    ident, node, assignee, kind, version, token, owner, due = row
    return Task(
        ident,
        node,
        assignee,
        kind,
        version,
        token,
        owner,
        None if due is None else datetime.fromisoformat(due),
    )


def _timer_of_v1(row: Sequence[Any]) -> Timer:
    ident, due, purpose, node, token, task = row
    return Timer(ident, datetime.fromisoformat(due), purpose, node, token, task)
