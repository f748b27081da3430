"""SQL of the audit trail: append under the chain lock, read and search in id order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditChain, AuditEvent

CHAIN_ROW = 1


@dataclass(frozen=True, slots=True)
class Head:
    """The chain head's values: the newest event's id and hash, and the anchor over them."""

    last_event_id: int
    last_hash: str
    anchor_key: str | None
    anchor: str | None

    @classmethod
    def of(cls, chain: AuditChain) -> Head:
        return cls(chain.last_event_id, chain.last_hash, chain.anchor_key, chain.anchor)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events a search or export takes; each field given narrows it (None: any)."""

    actor: str | None = None
    action: str | None = None
    """The exact action, or a prefix when it ends in ``*`` (``record.*``)."""
    object_type: str | None = None
    object_id: str | None = None
    result: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    """Timezone-aware; events at or after it."""
    until: datetime | None = None
    """Timezone-aware; events before it (the range is half-open)."""

    def __post_init__(self) -> None:
        for bound in (self.since, self.until):
            if bound is not None and bound.tzinfo is None:
                raise ValueError("audit searches take timezone-aware instants")

    def given(self) -> dict[str, Any]:
        """The fields that narrow the search (for the audit event of the search itself)."""
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


class AuditRepository:
    def lock_chain(self, session: Session) -> AuditChain | None:
        """The chain head, locked until the transaction ends so appends are serial."""
        query = select(AuditChain).where(AuditChain.id == CHAIN_ROW).with_for_update()
        # Fresh values: another transaction (a denial, a read) may have appended since this
        # session loaded the head.
        return session.scalars(query.execution_options(populate_existing=True)).one_or_none()

    def chain(self, session: Session, *, fresh: bool = False) -> AuditChain | None:
        """The chain head; ``fresh`` reads it again from the database (others may have
        appended since it was loaded)."""
        if not fresh:
            return session.get(AuditChain, CHAIN_ROW)
        query = select(AuditChain).where(AuditChain.id == CHAIN_ROW)
        return session.scalars(query.execution_options(populate_existing=True)).one_or_none()

    def ids_after(self, session: Session, event_id: int) -> int:
        """How many events have an id above ``event_id``."""
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.id > event_id)
        return session.scalar(query) or 0

    def between(
        self, session: Session, after: int, up_to: int, batch: int = 2000
    ) -> Iterator[AuditEvent]:
        """Events with ``after < id <= up_to`` in id order, ``batch`` at a time."""
        query = (
            select(AuditEvent)
            .where(AuditEvent.id > after, AuditEvent.id <= up_to)
            .order_by(AuditEvent.id)
        )
        yield from session.scalars(query.execution_options(yield_per=batch))

    def append(
        self,
        session: Session,
        event: AuditEvent,
        head: AuditChain | None,
        anchor: tuple[str, str] | None = None,
    ) -> None:
        """Add the event and move the head to it (``anchor``: key id and HMAC of the new head;
        None leaves the head unanchored)."""
        session.add(event)
        anchor_key, signature = anchor if anchor is not None else (None, None)
        if head is None:
            session.add(
                AuditChain(
                    id=CHAIN_ROW,
                    last_event_id=event.id,
                    last_hash=event.hash,
                    anchor_key=anchor_key,
                    anchor=signature,
                )
            )
        else:
            head.last_event_id, head.last_hash = event.id, event.hash
            head.anchor_key, head.anchor = anchor_key, signature
        session.flush()

    def advance(self, session: Session, event: AuditEvent, expected: Head, moved: Head) -> bool:
        """Move the head from ``expected`` to ``moved`` and add the event, only when the stored
        head is still ``expected`` (a compare-and-set that takes the row lock like
        ``lock_chain``); False (nothing written) when another append moved it."""
        shape = (expected.anchor_key is None, expected.anchor is None)
        statement = _ADVANCES.get(shape)
        if statement is None:
            chain: Table = AuditChain.__table__  # type: ignore[assignment]
            statement = (
                update(chain)
                .where(
                    chain.c.id == bindparam("_row"),
                    chain.c.last_event_id == bindparam("_event"),
                    chain.c.last_hash == bindparam("_hash"),
                    _same(chain.c.anchor_key, None if shape[0] else bindparam("_anchor_key")),
                    _same(chain.c.anchor, None if shape[1] else bindparam("_anchor")),
                )
                .values(
                    last_event_id=bindparam("last_event_id"),
                    last_hash=bindparam("last_hash"),
                    anchor_key=bindparam("anchor_key"),
                    anchor=bindparam("anchor"),
                )
            )
            _ADVANCES[shape] = statement
        changed = session.execute(
            statement,
            {
                "_row": CHAIN_ROW,
                "_event": expected.last_event_id,
                "_hash": expected.last_hash,
                "_anchor_key": expected.anchor_key,
                "_anchor": expected.anchor,
                "last_event_id": moved.last_event_id,
                "last_hash": moved.last_hash,
                "anchor_key": moved.anchor_key,
                "anchor": moved.anchor,
            },
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        stale = session.identity_map.get(session.identity_key(AuditChain, CHAIN_ROW))
        if stale is not None:
            session.expire(stale)
        table: Table = AuditEvent.__table__  # type: ignore[assignment]
        session.execute(_INSERT_EVENT, [{c.key: getattr(event, c.key) for c in table.columns}])
        return True

    def event(self, session: Session, event_id: int) -> AuditEvent | None:
        return session.get(AuditEvent, event_id)

    def count(self, session: Session, filters: AuditFilter | None = None) -> int:
        query = select(func.count()).select_from(AuditEvent)
        if filters is not None:
            query = query.where(*_conditions(filters))
        return session.scalar(query) or 0

    def stream(
        self,
        session: Session,
        filters: AuditFilter | None = None,
        *,
        descending: bool = False,
        limit: int | None = None,
        batch: int = 2000,
    ) -> Iterator[AuditEvent]:
        """Matching events in id order, loaded ``batch`` at a time."""
        query = select(AuditEvent).order_by(_id_order(descending)).limit(limit)
        if filters is not None:
            query = query.where(*_conditions(filters))
        yield from session.scalars(query.execution_options(yield_per=batch))

    def search(
        self,
        session: Session,
        filters: AuditFilter,
        *,
        descending: bool,
        limit: int,
        offset: int,
    ) -> list[AuditEvent]:
        query = (
            select(AuditEvent)
            .where(*_conditions(filters))
            .order_by(_id_order(descending))
            .limit(limit)
            .offset(offset)
        )
        return list(session.scalars(query))


def _same(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


# Every audited write advances the chain: its statements are built once (per shape of the head:
# an anchor or none), since building one costs more than running it on SQLite.
_ADVANCES: dict[tuple[bool, bool], Any] = {}
_INSERT_EVENT = insert(AuditEvent.__table__)  # type: ignore[arg-type]


def _id_order(descending: bool) -> ColumnElement[int]:
    return AuditEvent.id.desc() if descending else AuditEvent.id.asc()


def _conditions(filters: AuditFilter) -> list[ColumnElement[bool]]:
    exact = {
        AuditEvent.actor: filters.actor,
        AuditEvent.object_type: filters.object_type,
        AuditEvent.object_id: filters.object_id,
        AuditEvent.result: filters.result,
        AuditEvent.request_id: filters.request_id,
    }
    conditions = [column == value for column, value in exact.items() if value is not None]
    if filters.action is not None:
        conditions.extend(_action_conditions(filters.action))
    if filters.since is not None:
        conditions.append(AuditEvent.occurred_at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditEvent.occurred_at < filters.until)
    return conditions


def _action_conditions(action: str) -> list[ColumnElement[bool]]:
    if not action.endswith("*"):
        return [AuditEvent.action == action]
    prefix = action.removesuffix("*")
    # LIKE (wildcards escaped) can use an index; SQLite's LIKE ignores case, so compare the
    # prefix exactly as well: both databases then give the same answer.
    return [
        AuditEvent.action.startswith(prefix, autoescape=True),
        func.substr(AuditEvent.action, 1, len(prefix)) == prefix,
    ]
