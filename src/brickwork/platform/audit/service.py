"""The audit trail: every significant action becomes a hash-chained, append-only event.

Each event's hash covers its own content, its id and the previous event's hash, so a changed,
deleted, inserted or reordered event breaks the chain at a point ``verify`` names. Appends take the
chain head's row lock (PostgreSQL) or run inside SQLite's single writer, so the chain stays linear
under concurrency. Never commits: the event is part of the caller's transaction, so an action and
its audit record are saved together or not at all.

Reading the trail is audited too: ``search``, ``event``, ``export`` and ``verify`` with an actor
record ``audit.search``, ``audit.read``, ``audit.export`` and ``audit.verify`` after the query ran,
so a result never holds (or checks) the event of the request that produced it; the next query
sees it. Who may read
the trail is decided by the caller (the audit administrator, in ``audit.endpoints``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from brickwork.jsonio import canonical_dumps, dumps, to_jsonable
from brickwork.platform.actor import Actor
from brickwork.platform.audit.repository import AuditFilter, AuditRepository
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import Invalid, NotFound
from brickwork.platform.models import AuditEvent

GENESIS_HASH = "sha256:" + "0" * 64
MAX_CATCH_UP = 20
UNBOUNDED = 2**62
"""Without a chain head (an empty trail, or a deleted head row) the walk takes every event."""
"""How many times ``verify`` follows a chain head that moved while it walked."""
Progress = Callable[[int, int], None]
MAX_EXPORT_ROWS = 1_000_000
"""An export refuses to run when more events match: narrow it with ``since``/``until``."""
EVENT_COLUMNS = (
    "id",
    "occurred_at",
    "actor",
    "roles",
    "ip",
    "request_id",
    "channel",
    "action",
    "object_type",
    "object_id",
    "result",
    "details",
    "prev_hash",
    "hash",
)
ExportFormat = Literal["csv", "jsonl"]


def event_hash(event: AuditEvent) -> str:
    content = {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "roles": event.roles,
        "ip": event.ip,
        "request_id": event.request_id,
        "channel": event.channel,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "result": event.result,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    digest = hashlib.sha256(canonical_dumps(content).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """Every column of the event, ``roles`` and ``details`` as stored."""
    return {column: getattr(event, column) for column in EVENT_COLUMNS}


@dataclass(frozen=True, slots=True)
class Break:
    """Where the chain is broken and how."""

    event_id: int
    kind: str  # modified | missing | reordered | head_mismatch | unchained
    message: str


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    breaks: tuple[Break, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: tuple[AuditEvent, ...]
    total: int
    """How many events match, on every page."""
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class AuditExport:
    body: bytes
    rows: int


class AuditLog:
    def __init__(
        self, *, clock: Clock = system_clock, repository: AuditRepository | None = None
    ) -> None:
        self.clock = clock
        self.repo = repository or AuditRepository()

    def record(
        self,
        session: Session,
        actor: Actor,
        action: str,
        *,
        object_type: str,
        object_id: str | None = None,
        result: str = "success",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        head = self.repo.lock_chain(session)
        event = AuditEvent(
            id=(head.last_event_id + 1) if head else 1,
            occurred_at=self.clock(),
            actor=actor.username,
            roles=list(actor.roles),
            ip=actor.ip,
            request_id=actor.request_id,
            channel=actor.channel,
            action=action,
            object_type=object_type,
            object_id=object_id,
            result=result,
            details=to_jsonable(dict(details or {})),
            prev_hash=head.last_hash if head else GENESIS_HASH,
        )
        event.hash = event_hash(event)
        self.repo.append(session, event, head)
        return event

    # ------------------------------------------------------------ reading (audited)

    def search(
        self,
        session: Session,
        actor: Actor,
        filters: AuditFilter,
        *,
        limit: int,
        offset: int = 0,
        descending: bool = True,
    ) -> AuditPage:
        """One page of the matching events (newest first unless ``descending=False``)."""
        items = self.repo.search(
            session, filters, descending=descending, limit=limit, offset=offset
        )
        total = self.repo.count(session, filters)
        self.record(
            session,
            actor,
            "audit.search",
            object_type="audit",
            details={
                "filters": filters.given(),
                "order": "desc" if descending else "asc",
                "limit": limit,
                "offset": offset,
                "total": total,
            },
        )
        return AuditPage(tuple(items), total, limit, offset)

    def event(self, session: Session, actor: Actor, event_id: int) -> AuditEvent:
        """One event by id (``audit_event_not_found`` when there is none)."""
        event = self.repo.event(session, event_id)
        if event is None:
            raise NotFound(f"the audit trail has no event {event_id}", code="audit_event_not_found")
        self.record(session, actor, "audit.read", object_type="audit", object_id=str(event_id))
        return event

    def export(
        self,
        session: Session,
        actor: Actor,
        filters: AuditFilter,
        *,
        format_: ExportFormat,
        descending: bool = False,
    ) -> AuditExport:
        """Every matching event (at most ``MAX_EXPORT_ROWS``) as CSV or JSON Lines."""
        total = self.repo.count(session, filters)
        if total > MAX_EXPORT_ROWS:
            raise Invalid(
                f"{total} events match, more than the {MAX_EXPORT_ROWS} an export may hold; "
                "narrow the export with since/until or other filters",
                code="export_too_large",
            )
        events = self.repo.stream(session, filters, descending=descending, limit=MAX_EXPORT_ROWS)
        body, rows = EXPORT_WRITERS[format_](events)
        self.record(
            session,
            actor,
            "audit.export",
            object_type="audit",
            details={
                "filters": filters.given(),
                "format": format_,
                "order": "desc" if descending else "asc",
                "rows": rows,
            },
        )
        return AuditExport(body, rows)

    def verify(
        self,
        session: Session,
        *,
        actor: Actor | None = None,
        progress: Progress | None = None,
        every: int = 10_000,
    ) -> Verification:
        """Walk the whole chain; report each break with the event id where it shows.

        With an ``actor`` (a person asking over the API) the walk is audited as
        ``audit.verify`` afterwards."""
        result = self._walk(session, progress=progress, every=every)
        if actor is not None:
            self.record(
                session,
                actor,
                "audit.verify",
                object_type="audit",
                details={
                    "checked": result.checked,
                    "intact": result.intact,
                    "breaks": len(result.breaks),
                },
            )
        return result

    def _walk(self, session: Session, *, progress: Progress | None, every: int) -> Verification:
        """Walk up to the chain head; if others appended meanwhile (a live system), walk on to
        the new head, so concurrent appends are never mistaken for tampering. Events beyond the
        final head were never chained: they are reported."""
        total = self.repo.count(session)
        breaks: list[Break] = []
        expected_id, previous_hash, checked = 1, GENESIS_HASH, 0
        head = self._head(session)
        walked_to = 0
        for _round in range(MAX_CATCH_UP):
            target = head[0] if head is not None else UNBOUNDED
            for event in self.repo.between(session, walked_to, target):
                breaks.extend(_check_event(event, expected_id, previous_hash))
                expected_id, previous_hash = event.id + 1, event.hash
                checked += 1
                if progress is not None and checked % every == 0:
                    progress(checked, max(total, checked))
            walked_to = target
            newer = self._head(session)
            if newer is None or head is None or newer[0] == head[0]:
                break
            head = newer
        if head is not None and head != (expected_id - 1, previous_hash):
            breaks.append(
                Break(
                    head[0],
                    "head_mismatch",
                    f"the newest recorded event is {head[0]}, but the "
                    f"trail ends at {expected_id - 1}: events were removed at the end",
                )
            )
        if head is not None and self.repo.ids_after(session, walked_to):
            breaks.append(
                Break(
                    walked_to + 1,
                    "unchained",
                    f"events after {walked_to} are not part of the chain: they were inserted "
                    "behind the application's back",
                )
            )
        if progress is not None:
            progress(checked, max(total, checked))
        return Verification(checked, tuple(breaks))

    def _head(self, session: Session) -> tuple[int, str] | None:
        """(last event id, last hash) as the database has them now."""
        head = self.repo.chain(session, fresh=True)
        return None if head is None else (head.last_event_id, head.last_hash)


def _csv(events: Iterable[AuditEvent]) -> tuple[bytes, int]:
    """UTF-8 with BOM (Excel reads it right); ``roles``/``details`` as canonical JSON and instants
    as ISO 8601, the texts the hash covers; an empty cell is a null."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(EVENT_COLUMNS)
    rows = 0
    for event in events:
        writer.writerow([_cell(value) for value in event_fields(event).values()])
        rows += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), rows


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return canonical_dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _jsonl(events: Iterable[AuditEvent]) -> tuple[bytes, int]:
    """One JSON object per line, shaped like an item of the search (each line's hash can be
    recomputed from the line alone)."""
    buffer = io.StringIO()
    rows = 0
    for event in events:
        buffer.write(dumps(event_fields(event)))
        buffer.write("\n")
        rows += 1
    return buffer.getvalue().encode("utf-8"), rows


EXPORT_WRITERS: dict[ExportFormat, Callable[[Iterable[AuditEvent]], tuple[bytes, int]]] = {
    "csv": _csv,
    "jsonl": _jsonl,
}


def _check_event(event: AuditEvent, expected_id: int, previous_hash: str) -> list[Break]:
    breaks: list[Break] = []
    if event.id != expected_id:
        breaks.append(
            Break(
                event.id,
                "missing",
                f"events {expected_id}..{event.id - 1} are missing before {event.id}",
            )
        )
    elif event.prev_hash != previous_hash:
        breaks.append(
            Break(
                event.id,
                "reordered",
                f"event {event.id} does not follow event {event.id - 1}: the trail "
                "was reordered or an event was replaced",
            )
        )
    if event_hash(event) != event.hash:
        breaks.append(
            Break(event.id, "modified", f"event {event.id} was modified after it was recorded")
        )
    return breaks
