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
STATE_FORMAT = 1


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
            "instance_id": self.instance_id,
            "initiator": self.initiator,
            "version": self.version,
            "status": self.status,
            "counter": self.counter,
            "tokens": [_token_json(t) for t in self.tokens],
            "tasks": [_task_json(t) for t in self.tasks],
            "timers": [_timer_json(t) for t in self.timers],
            "path": list(self.path),
        }
        if self.approvers:
            data["approvers"] = {node: list(users) for node, users in self.approvers}
        if self.jumps:
            data["jumps"] = [list(pair) for pair in self.jumps]
        if self.decided:
            data["decided"] = True
        if self.rejected_node is not None:
            data["rejected_node"] = self.rejected_node
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlowState:
        get = data.get
        approvers = get("approvers")
        jumps = get("jumps")
        return cls(
            data["instance_id"],
            data["initiator"],
            int(data["version"]),
            data["status"],
            int(get("counter", 0)),
            tuple([_token_of(t) for t in get("tokens", ())]),
            tuple([_task_of(t) for t in get("tasks", ())]),
            tuple([_timer_of(t) for t in get("timers", ())]),
            tuple(get("path", ())),
            tuple([(n, tuple(u)) for n, u in approvers.items()]) if approvers else (),
            tuple([(a, b) for a, b in jumps]) if jumps else (),
            bool(get("decided", False)),
            get("rejected_node"),
        )


@dataclass(frozen=True, slots=True)
class Transition:
    state: FlowState
    effects: tuple[Effect, ...]


# Tokens, tasks and timers are arrays in the JSON (their fields in declaration order; a
# token's seats as [task, *rest] and its tally as [approved, rejected, abstained, voters];
# datetimes as ISO text): smaller and faster to save and load on every command.


def _token_json(token: Token) -> list[Any]:
    return [
        token.id,
        token.node,
        token.wait,
        token.edge,
        [[s.task, *s.rest] for s in token.seats],
        [token.approved, token.rejected, token.abstained, token.voters],
        list(token.approvers),
        list(token.prev),
    ]


def _token_of(row: Sequence[Any]) -> Token:
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


def _task_json(task: Task) -> list[Any]:
    due = task.due
    return [*task[:7], None if due is None else due.isoformat()]


def _task_of(row: Sequence[Any]) -> Task:
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


def _timer_json(timer: Timer) -> list[Any]:
    return [timer.id, timer.due.isoformat(), *timer[2:]]


def _timer_of(row: Sequence[Any]) -> Timer:
    ident, due, purpose, node, token, task = row
    return Timer(ident, datetime.fromisoformat(due), purpose, node, token, task)
