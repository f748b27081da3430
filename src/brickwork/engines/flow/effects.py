"""What a step asks the platform to do, as data, in the order the platform applies them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

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


@dataclass(frozen=True, slots=True)
class TaskCreated:
    task: str
    node: str
    assignee: str
    kind: TaskKind
    due: datetime | None = None


@dataclass(frozen=True, slots=True)
class TaskClosed:
    task: str
    outcome: CloseOutcome


@dataclass(frozen=True, slots=True)
class Notify:
    kind: NotifyKind
    users: tuple[str, ...]
    task: str | None = None


@dataclass(frozen=True, slots=True)
class SetFields:
    """New values for fields of the bound record (JSON-shaped, money as `Decimal`)."""

    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CreateRecord:
    form: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class UpdateRecords:
    """Set `values` on the records of `form` matching `where` (FEEL: `it.<field>` the record
    to update, `record.<field>` the bound record)."""

    form: str
    where: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    timer: str
    due: datetime
    purpose: TimerPurpose


@dataclass(frozen=True, slots=True)
class CancelTimer:
    timer: str


@dataclass(frozen=True, slots=True)
class StartSubflow:
    node: str
    flow: str
    version: int
    record: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class NodeEntered:
    node: str


@dataclass(frozen=True, slots=True)
class NodeLeft:
    node: str
    outcome: str


@dataclass(frozen=True, slots=True)
class Incident:
    node: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Finished:
    outcome: Literal["approved", "rejected", "withdrawn", "terminated"]


@dataclass(frozen=True, slots=True)
class History:
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
