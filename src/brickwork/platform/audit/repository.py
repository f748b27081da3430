"""SQL of the audit trail: append under the chain lock, read in id order."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditChain, AuditEvent

CHAIN_ROW = 1


class AuditRepository:
    def lock_chain(self, session: Session) -> AuditChain | None:
        """The chain head, locked until the transaction ends so appends are serial."""
        query = select(AuditChain).where(AuditChain.id == CHAIN_ROW).with_for_update()
        return session.scalars(query).one_or_none()

    def chain(self, session: Session) -> AuditChain | None:
        return session.get(AuditChain, CHAIN_ROW)

    def append(self, session: Session, event: AuditEvent, head: AuditChain | None) -> None:
        session.add(event)
        if head is None:
            session.add(AuditChain(id=CHAIN_ROW, last_event_id=event.id, last_hash=event.hash))
        else:
            head.last_event_id, head.last_hash = event.id, event.hash
        session.flush()

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0

    def stream(self, session: Session, *, batch: int = 2000) -> Iterator[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
        yield from session.scalars(query)

    def search(
        self,
        session: Session,
        *,
        actor: str | None,
        action: str | None,
        object_type: str | None,
        object_id: str | None,
        limit: int,
        before_id: int | None,
    ) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        filters = {
            AuditEvent.actor: actor,
            AuditEvent.action: action,
            AuditEvent.object_type: object_type,
            AuditEvent.object_id: object_id,
        }
        for column, value in filters.items():
            if value is not None:
                query = query.where(column == value)
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        return list(session.scalars(query))
