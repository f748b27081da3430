"""What a step asks the platform to do, as data, in the order the platform applies them.

Effects are named tuples, like the state's records: a step builds dozens, and a tuple costs a
third of a frozen dataclass. Compare an effect with effects of its own type (as tuples, two
effects of different types with equal fields compare equal)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, NamedTuple

TaskKind = Literal["approve", "fill", "cc"]
CloseOutcome = Literal[
    "approved",
    "rejected",
    "completed",
    "abstained",
    "returned",
    "transferred",
    "delegated",
    "cancelled",
    "withdrawn",
    "auto",
]
NotifyKind = Literal["assigned", "urged", "escalated", "returned", "finished", "cc", "reminder"]
TimerPurpose = Literal["sla_remind", "sla_breach", "timer"]


class TaskCreated(NamedTuple):
    task: str
    node: str
    assignee: str
    kind: TaskKind
    due: datetime | None = None


class TaskClosed(NamedTuple):
    task: str
    outcome: CloseOutcome


class Notify(NamedTuple):
    kind: NotifyKind
    users: tuple[str, ...]
    task: str | None = None


class SetFields(NamedTuple):
    """New values for fields of the bound record (JSON-shaped, money as `Decimal`)."""

    values: Mapping[str, Any]


class CreateRecord(NamedTuple):
    form: str
    values: Mapping[str, Any]


class UpdateRecords(NamedTuple):
    """Set `values` on the records of `form` matching `where` (FEEL: `it.<field>` the record
    to update, `record.<field>` the bound record)."""

    form: str
    where: str
    values: Mapping[str, Any]


class ScheduleTimer(NamedTuple):
    timer: str
    due: datetime
    purpose: TimerPurpose


class CancelTimer(NamedTuple):
    timer: str


class StartSubflow(NamedTuple):
    node: str
    flow: str
    version: int
    record: Mapping[str, Any]


class NodeEntered(NamedTuple):
    node: str


class NodeLeft(NamedTuple):
    node: str
    outcome: str


class Incident(NamedTuple):
    node: str
    code: str
    message: str
    zh_cn: str | None = None
    """The message in Chinese, when the engine knows it (an expression's failure)."""


class Finished(NamedTuple):
    outcome: Literal["approved", "rejected", "withdrawn", "terminated"]


class History(NamedTuple):
    actor: str
    action: str
    node: str | None = None
    task: str | None = None
    comment: str | None = None
    detail: Mapping[str, Any] | None = None


Effect = (
    TaskCreated
    | TaskClosed
    | Notify
    | SetFields
    | CreateRecord
    | UpdateRecords
    | ScheduleTimer
    | CancelTimer
    | StartSubflow
    | NodeEntered
    | NodeLeft
    | Incident
    | Finished
    | History
)
