"""How flow notices (assigned, urged, escalated, returned, finished, cc, reminder) reach
people. The platform hands each `Notify` effect to a `Notifier` inside the command's
transaction; an in-app notifications service plugs in here. Without one, notices are kept in
the instance's timeline only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    """assigned | urged | escalated | returned | finished | cc | reminder"""
    users: tuple[str, ...]
    app_key: str
    flow_key: str
    instance_id: str
    form_key: str
    record_id: str
    task: int | None
    """The task's id in the inbox (None: about the instance)."""


class Notifier(Protocol):
    def notify(self, session: Session, notice: Notice) -> None:
        """Deliver `notice` (in the command's transaction: it exists only if the command
        commits)."""
        ...


class TimelineOnly:
    """The default: a notice is a line of the timeline (`notified`), nothing more."""

    def notify(self, session: Session, notice: Notice) -> None:
        del session, notice


def recipients(users: Sequence[str]) -> tuple[str, ...]:
    """Users once each, in order, without the reserved `system` actor."""
    return tuple(dict.fromkeys(user for user in users if user != "system"))
