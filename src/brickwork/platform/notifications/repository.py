"""SQL of notifications and webhook targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from brickwork.platform.models import (
    Application,
    Definition,
    DefinitionVersion,
    Notification,
    Webhook,
)

_NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]
_INSERT = insert(_NOTIFICATIONS)
"""Built once: flows and rules store notices in most of their commands."""


class NotificationRepository:
    def insert_all(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """New notices in one statement (no unit-of-work bookkeeping: nobody reads them back
        in the writing transaction)."""
        if rows:
            session.execute(_INSERT, list(rows))

    def page(
        self, session: Session, recipient: str, *, unread: bool, limit: int, offset: int
    ) -> list[Notification]:
        """The recipient's notices, newest first (`limit + 1` rows tell whether more follow)."""
        statement = select(Notification).where(Notification.recipient == recipient)
        if unread:
            statement = statement.where(Notification.read_at.is_(None))
        statement = statement.order_by(Notification.created_at.desc(), Notification.id.desc())
        return list(session.scalars(statement.limit(limit).offset(offset)))

    def unread_count(self, session: Session, recipient: str) -> int:
        statement = select(func.count()).where(
            Notification.recipient == recipient, Notification.read_at.is_(None)
        )
        return int(session.execute(statement).scalar_one())

    def own(self, session: Session, recipient: str, notification_id: int) -> Notification | None:
        row = session.get(Notification, notification_id)
        return row if row is not None and row.recipient == recipient else None

    def mark_all_read(self, session: Session, recipient: str, now: datetime) -> int:
        statement = (
            update(Notification)
            .where(Notification.recipient == recipient, Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        result: Any = session.execute(statement)
        return int(result.rowcount)

    # ------------------------------------------------------------ webhooks

    def webhook(self, session: Session, key: str) -> Webhook | None:
        return session.get(Webhook, key)

    def webhooks(self, session: Session) -> list[Webhook]:
        return list(session.scalars(select(Webhook).order_by(Webhook.key)))

    def add_webhook(self, session: Session, row: Webhook) -> None:
        session.add(row)

    def save(self, session: Session) -> None:
        session.flush()

    def delete_webhook(self, session: Session, row: Webhook) -> None:
        session.delete(row)
        session.flush()

    def rules_naming_webhook(self, session: Session, key: str) -> list[str]:
        """`app/rule` of the live published rules whose latest version notifies webhook `key`."""
        statement = (
            select(Application.key, Definition.key, DefinitionVersion.body)
            .join(Definition, Definition.app_id == Application.id)
            .join(
                DefinitionVersion,
                (DefinitionVersion.definition_id == Definition.id)
                & (DefinitionVersion.version == Definition.latest_version),
            )
            .where(Definition.kind == "rule", Definition.archived_at.is_(None))
        )
        return [
            f"{app}/{rule}"
            for app, rule, body in session.execute(statement)
            if any(
                isinstance(action, dict) and action.get("webhook") == key
                for action in (body or {}).get("spec", {}).get("actions", ())
            )
        ]
