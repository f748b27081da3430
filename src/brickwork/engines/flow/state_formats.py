"""Flow states saved in earlier JSON formats, loaded into today's records (`FlowState.from_json`
reads format 3 itself and hands older saves here). Nothing is saved in these formats any more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from brickwork.engines.flow.state import FlowState, Seat, Task, Timer, Token

_new = tuple.__new__
"""Builds a named tuple from a complete tuple of its fields, without the keyword handling."""


def from_old_json(data: Mapping[str, Any]) -> FlowState:
    """A state saved in format 2 or 1."""
    return _from_json_v2(data) if data.get("format") == 2 else _from_json_v1(data)


def _from_json_v2(data: Mapping[str, Any]) -> FlowState:
    """A state saved in format 2 (ids and counts joined by spaces, usernames as items)."""
    instance_id, initiator, version, status, counter, path, decided, rejected = data["state"]
    get = data.get
    timers = get("timers")
    approvers = get("approvers")
    jumps = get("jumps")
    return FlowState(
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
    )


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
