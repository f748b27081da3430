"""How flow notices (assigned, urged, escalated, returned, finished, cc, reminder) reach
people. The platform hands each `Notify` effect to a `Notifier` inside the command's
transaction; an in-app notifications service plugs in here. Without one, notices are kept in
the instance's timeline only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from brickwork.platform.notifications.service import NotificationService


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


INSTANCE_LINK = "/flow-instances/"
"""How a flow notice's `link` names its instance (the API's path of the instance)."""


def linked_instance(link: str | None) -> str | None:
    """The instance a flow notice's `link` names (None: the link names none)."""
    if link is None or not link.startswith(INSTANCE_LINK):
        return None
    return link[len(INSTANCE_LINK) :] or None


TITLES = {
    "assigned": "A task of flow `{flow}` is waiting for you",
    "urged": "You are reminded of a task of flow `{flow}`",
    "escalated": "A task of flow `{flow}` is overdue and was escalated to you",
    "returned": "Flow `{flow}` was returned to you",
    "finished": "Flow `{flow}` has finished",
    "cc": "You are copied on flow `{flow}`",
    "reminder": "A task of flow `{flow}` is due soon",
}


class InAppNotices:
    """Flow notices as in-app notifications (`GET /me/notifications`), of kind
    `flow.<kind>`, linking to the instance (and naming the task in the inbox)."""

    def __init__(self, notifications: NotificationService) -> None:
        self.notifications = notifications

    def notify(self, session: Session, notice: Notice) -> None:
        title = TITLES.get(notice.kind, "Flow `{flow}`: " + notice.kind).format(
            flow=notice.flow_key
        )
        where = f"record {notice.record_id} of form `{notice.form_key}`"
        body = where if notice.task is None else f"task {notice.task}, {where}"
        self.notifications.notify(
            session,
            notice.users,
            app_key=notice.app_key,
            kind=f"flow.{notice.kind}",
            title=title,
            body=body,
            link=f"{INSTANCE_LINK}{notice.instance_id}",
        )


def recipients(users: Sequence[str]) -> tuple[str, ...]:
    """Users once each, in order, without the reserved `system` actor."""
    return tuple(dict.fromkeys(user for user in users if user != "system"))
