"""The state of one flow instance: immutable, small, JSON-serialisable.

It holds only what is live: tokens (where the instance waits, with the open approval's seats
and tally), open tasks, live timers, the nodes executed on the current path (return targets)
with who approved there (approver de-duplication), pending jump-backs and a counter for ids.
History leaves through effects, so the state does not grow across returns and loops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple

from brickwork.engines.flow.effects import Effect

Status = Literal["running", "approved", "rejected", "withdrawn", "terminated", "incident"]
Wait = Literal["task", "join", "timer", "subflow", "resubmit", "incident"]
FINISHED = frozenset({"approved", "rejected", "withdrawn", "terminated"})
STATE_FORMAT = 3


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
        users = [self.instance_id, self.initiator]
        data: dict[str, Any] = {
            "format": STATE_FORMAT,
            "state": (
                f"{self.version} {self.status} {self.counter} {int(self.decided)} "
                f"{self.rejected_node or ''} {' '.join(self.path)}"
            ),
        }
        if self.tokens:
            data["tokens"] = ";".join([_token_text(t, users) for t in self.tokens])
        if self.tasks:
            data["tasks"] = _tasks_text(self.tasks, users)
        if self.timers:
            data["timers"] = ";".join(map(_timer_text, self.timers))
        if self.approvers:
            data["approvers"] = ";".join(
                [f"{node} {_add(approved, users)}" for node, approved in self.approvers]
            )
        if self.jumps:
            data["jumps"] = ";".join([f"{target} {node}" for target, node in self.jumps])
        data["users"] = users
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlowState:
        if data.get("format") != STATE_FORMAT:
            # imported here: the old formats' module builds this module's records
            from brickwork.engines.flow.state_formats import from_old_json

            return from_old_json(data)
        version, status, counter, decided, rejected, path = data["state"].split(" ", 5)
        users = tuple(data["users"])
        get = data.get
        timers = get("timers")
        approvers = get("approvers")
        jumps = get("jumps")
        tokens, at = _tokens_of(get("tokens", ""), users, 2)
        tasks, at = _tasks_of_text(get("tasks", ""), users, at)
        return _new(
            cls,
            (
                users[0],
                users[1],
                int(version),
                status,
                int(counter),
                tokens,
                tasks,
                tuple(map(_timer_of_text, timers.split(";"))) if timers else (),
                tuple(path.split(" ")) if path else (),
                _approvers_of(approvers, users, at) if approvers else (),
                tuple([tuple(pair.split(" ")) for pair in jumps.split(";")]) if jumps else (),
                decided == "1",
                rejected or None,
            ),
        )


class Transition(NamedTuple):
    """What a step gives back: the next state and the effects to apply, in order."""

    state: FlowState
    effects: tuple[Effect, ...]


_new = tuple.__new__
"""Builds a named tuple from a complete tuple of its fields, without the keyword handling."""

# The JSON of a state (format 3) is saved and loaded on every command, and every JSON item and
# container costs time to encode and decode. So all but the usernames travel as a few strings:
# node and edge ids, generated ids (`k…`, `t…`, `m…`), literals, counts and ISO datetimes hold no
# space, `,`, `:` or `;`, so fields are joined by spaces and records by `;`. Usernames and the
# instance id may hold anything: they travel in one list, `users`, in the order the records
# name them, and the records say how many of them they take (a missing value is an empty field).
# - state: "version status counter decided(0|1) rejected_node path…"
# - tokens: "id node wait edge approved rejected abstained voters seats approvers prev" per
#   token; seats "task,task,…", a seat with users after it as "task:count"; approvers and prev
#   as counts of users
# - tasks: "id node kind version token" per task, its assignee taken from `users`; when a task
#   has an owner or a due time, " due owned(0|1)" follows (the owner taken after the assignee)
# - timers: "id purpose node token task due" per timer
# - approvers: "node count" per approval node on the path; jumps: "target node" per jump back
# - users: instance_id, initiator, then per token the users after each seat, its approvers and
#   its prev; per task its assignee and owner; per approval node its approvers
# `tokens`, `tasks`, `timers`, `approvers` and `jumps` are left out when empty.


def _add(names: Sequence[str], users: list[str]) -> int:
    """Append `names` to the saved list of users; their count, for the record's text."""
    users += names
    return len(names)


def _token_text(token: Token, users: list[str]) -> str:
    seats = token.seats
    if not seats:
        seated = ""
    elif any(s.rest for s in seats):
        seated = ",".join([f"{s.task}:{_add(s.rest, users)}" for s in seats])
    else:
        seated = ",".join([s.task for s in seats])
    approvers = token.approvers
    prev = token.prev
    users += approvers
    users += prev
    return (
        f"{token.id} {token.node} {token.wait} {token.edge or ''} {token.approved} "
        f"{token.rejected} {token.abstained} {token.voters} {seated} {len(approvers)} {len(prev)}"
    )


def _tokens_of(text: str, users: tuple[str, ...], at: int) -> tuple[tuple[Token, ...], int]:
    """The tokens of `text`, their users read from `users[at:]`; and where the next begin."""
    if not text:
        return (), at
    tokens: list[Token] = []
    for row in text.split(";"):
        (ident, node, wait, edge, approved, rejected, abstained, voters, seats, approvers, prev) = (
            row.split(" ")
        )
        if not seats:
            seated: tuple[Seat, ...] = ()
        elif ":" in seats:
            seated, at = _seats_of(seats, users, at)
        else:
            seated = tuple([_new(Seat, (task, ())) for task in seats.split(",")])
        first = at
        at += int(approvers)
        middle = at
        at += int(prev)
        tokens.append(
            _new(
                Token,
                (
                    ident,
                    node,
                    wait,
                    edge or None,
                    seated,
                    int(approved),
                    int(rejected),
                    int(abstained),
                    int(voters),
                    users[first:middle],
                    users[middle:at],
                ),
            )
        )
    return tuple(tokens), at


def _seats_of(text: str, users: tuple[str, ...], at: int) -> tuple[tuple[Seat, ...], int]:
    seats: list[Seat] = []
    for seat in text.split(","):
        task, _, count = seat.partition(":")
        first = at
        at += int(count or 0)
        seats.append(_new(Seat, (task, users[first:at])))
    return tuple(seats), at


def _tasks_text(tasks: Sequence[Task], users: list[str]) -> str:
    rows: list[str] = []
    for task in tasks:
        users.append(task.assignee)
        row = f"{task.id} {task.node} {task.kind} {task.version} {task.token}"
        owner = task.owner
        due = task.due
        if owner is not None:
            users.append(owner)
            row += f" {'' if due is None else due.isoformat()} 1"
        elif due is not None:
            row += f" {due.isoformat()} 0"
        rows.append(row)
    return ";".join(rows)


def _tasks_of_text(text: str, users: tuple[str, ...], at: int) -> tuple[tuple[Task, ...], int]:
    """The tasks of `text`, their users read from `users[at:]`; and where the next begin."""
    if not text:
        return (), at
    tasks: list[Task] = []
    for row in text.split(";"):
        fields = row.split(" ")
        assignee = users[at]
        at += 1
        if len(fields) == 5:
            ident, node, kind, version, token = fields
            tasks.append(_new(Task, (ident, node, assignee, kind, int(version), token, None, None)))
            continue
        ident, node, kind, version, token, due, owned = fields
        owner = None
        if owned == "1":
            owner = users[at]
            at += 1
        moment = datetime.fromisoformat(due) if due else None
        tasks.append(_new(Task, (ident, node, assignee, kind, int(version), token, owner, moment)))
    return tuple(tasks), at


def _timer_text(timer: Timer) -> str:
    return (
        f"{timer.id} {timer.purpose} {timer.node} {timer.token} {timer.task or ''} "
        f"{timer.due.isoformat()}"
    )


def _timer_of_text(text: str) -> Timer:
    ident, purpose, node, token, task, due = text.split(" ")
    return _new(Timer, (ident, datetime.fromisoformat(due), purpose, node, token, task or None))


def _approvers_of(
    text: str, users: tuple[str, ...], at: int
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    found: list[tuple[str, tuple[str, ...]]] = []
    for row in text.split(";"):
        node, count = row.split(" ")
        first = at
        at += int(count)
        found.append((node, users[first:at]))
    return tuple(found)
