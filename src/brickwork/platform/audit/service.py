"""The audit trail: every significant action becomes a hash-chained, append-only event.

Each event's hash covers its own content, its id and the previous event's hash, so a changed,
deleted, inserted or reordered event breaks the chain at a point ``verify`` names. Appends take the
chain head's row lock (PostgreSQL) or run inside SQLite's single writer, so the chain stays linear
under concurrency. The head is anchored with an HMAC whose key lives outside the database
(``audit.anchor``), so events cut from the end show too. ``record`` never commits: the event is
part of the caller's transaction, so an action and its audit record are saved together or not
at all. In the server's and the worker's sessions it is chained as that transaction commits,
so the head's lock is held for the commit only, not for the rest of a request or a long job.

Reads are audited without writing in the reader's transaction (``record_later``): the event is
appended in a short transaction of its own once the reading one committed, one per request.
Reading the trail is audited that way too: ``search``, ``event``, ``export`` and ``verify`` with
an actor record ``audit.search``, ``audit.read``, ``audit.export`` and ``audit.verify`` after the
query ran, so a result never holds (or checks) the event of the request that produced it; the
next query sees it. Who may read the trail is decided by the caller (the audit administrator, in
``audit.endpoints``).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from brickwork.jsonio import canonical_dumps, dumps, to_jsonable
from brickwork.platform import spreadsheets
from brickwork.platform.actor import Actor
from brickwork.platform.audit.anchor import AnchorKeys
from brickwork.platform.audit.repository import AuditFilter, AuditRepository, Head
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.db.session import AUDIT_AT_COMMIT, unit_of_work
from brickwork.platform.errors import Invalid, NotFound
from brickwork.platform.models import AuditChain, AuditEvent

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
ANCHOR_BROKEN = "audit.anchor_broken"
"""Appended (by ``system``) before the next event when the chain head's anchor did not hold."""
SYSTEM_ACTOR = Actor("system", channel="system", system=True)
PENDING = "brickwork.audit.pending_reads"
WRITES = "brickwork.audit.pending_writes"


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """An event waiting to be chained at its transaction's commit (see ``AuditLog.record``)."""

    at: datetime
    actor: Actor
    action: str
    object_type: str
    object_id: str | None
    result: str
    details: Any
    """As stored (JSON-ready)."""
    savepoint: SessionTransaction | None
    """The innermost savepoint open when it was recorded: rolling that back drops it."""


@dataclass(frozen=True, slots=True)
class PendingRead:
    """A read waiting for its transaction to commit (see ``AuditLog.record_later``)."""

    actor: Actor
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, Any]

    def described(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            **self.details,
        }


def _drop_pending(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back transaction sent nothing out: its reads are not audited."""
    if previous.parent is None:
        session.info[PENDING] = []


def _drop_rolled_back_writes(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back transaction drops every event recorded in it; a rolled-back savepoint,
    those recorded since it began."""
    pending: list[PendingWrite] = session.info.get(WRITES) or []
    if not pending:
        return
    if previous.parent is None:
        session.info[WRITES] = []
    elif previous.nested:
        session.info[WRITES] = [w for w in pending if not _inside(w.savepoint, previous)]


def _inside(scope: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while scope is not None:
        if scope is savepoint:
            return True
        scope = scope.parent
    return False


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
    kind: str
    """modified | missing | reordered | head_mismatch | unchained | head_missing |
    anchor_missing | anchor_mismatch | anchor_broken"""
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
        self,
        *,
        clock: Clock = system_clock,
        repository: AuditRepository | None = None,
        anchor: AnchorKeys | None = None,
    ) -> None:
        self.clock = clock
        self.repo = repository or AuditRepository()
        self.anchor = anchor
        """Without keys the head is not anchored (nor is an anchor checked)."""
        self.session_factory: sessionmaker[Session] | None = None
        """Where ``record_later`` appends once the reading transaction committed (None: at
        once, in the caller's transaction)."""
        self._last_head: Head | None = None
        """The head as this process last wrote or read it: the next append tries to move it
        from there in one statement (``AuditRepository.advance``); the database decides."""

    def use_session_factory(self, factory: sessionmaker[Session]) -> None:
        self.session_factory = factory

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
    ) -> AuditEvent | None:
        """Add an event to the trail in ``session``'s transaction, at the clock's time now; the
        event, or None when it is chained at the commit.

        Sessions of a factory made with ``audit_at_commit`` (the server's and the worker's)
        chain their events when the transaction commits, just before the commit and inside it
        (``chain_pending``): the head's row lock, which puts concurrent appends in a line, is
        then held for the commit alone rather than for the rest of the request, and it is the
        last lock the transaction takes. A transaction or savepoint rolled back drops the
        events recorded in it. Other sessions (the CLI, tools, tests that read back what they
        wrote) chain at once."""
        write = self._now(
            actor,
            action,
            object_type,
            object_id,
            result,
            details or {},
            savepoint=session.get_nested_transaction(),
        )
        if not session.info.get(AUDIT_AT_COMMIT):
            return self._chain(session, write)
        if not session.in_transaction():
            session.connection()  # the event belongs to a transaction, which a rollback ends
        pending: list[PendingWrite] | None = session.info.get(WRITES)
        if pending is None:
            pending = session.info[WRITES] = []
            orm_events.listen(session, "before_commit", self._before_commit)
            orm_events.listen(session, "after_soft_rollback", _drop_rolled_back_writes)
        pending.append(write)
        return None

    def _before_commit(self, session: Session) -> None:
        if not session.in_nested_transaction():  # a released savepoint's events wait
            self.chain_pending(session)

    def chain_pending(self, session: Session) -> None:
        """Chain the events ``record`` added in ``session``'s transaction so far: at its commit,
        or before the trail is read or anchored in the same transaction."""
        pending: list[PendingWrite] | None = session.info.get(WRITES)
        if not pending:
            return
        session.info[WRITES] = []
        session.flush()  # every other write first: holding the head, nothing is left to wait for
        for write in pending:
            self._chain(session, write)

    def _chain(self, session: Session, write: PendingWrite) -> AuditEvent:
        known = self._last_head
        if known is not None and self._anchor_holds(known):
            event = self._event(known, write)
            moved = self._moved(known, event)
            if self.repo.advance(session, event, known, moved):
                self._last_head = moved
                return event
        head = self.repo.lock_chain(session)
        if head is not None and self.anchor is not None and head.anchor is not None:
            problem = self.anchor.check(
                head.anchor_key, head.anchor, head.last_event_id, head.last_hash
            )
            if problem is not None:
                # Never re-sign a rewritten head silently: the chain itself keeps the finding.
                details = {"problem": problem, "head_hash": head.last_hash}
                self._append(
                    session,
                    head,
                    self._now(
                        SYSTEM_ACTOR,
                        ANCHOR_BROKEN,
                        "audit",
                        str(head.last_event_id),
                        "failure",
                        details,
                    ),
                )
                head = self.repo.lock_chain(session)
        event = self._append(session, head, write)
        chain = self.repo.chain(session)
        self._last_head = None if chain is None else Head.of(chain)
        return event

    def _now(
        self,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str | None,
        result: str,
        details: Mapping[str, Any],
        *,
        savepoint: SessionTransaction | None = None,
    ) -> PendingWrite:
        """An event at the clock's time now (``savepoint``: the innermost one open)."""
        return PendingWrite(
            self.clock(),
            actor,
            action,
            object_type,
            object_id,
            result,
            to_jsonable(dict(details)),
            savepoint,
        )

    def _anchor_holds(self, head: Head) -> bool:
        """Whether an append may follow ``head`` without the checks of a locked read: its
        anchor holds (or nothing is anchored)."""
        if self.anchor is None or head.anchor is None:
            return True
        found = self.anchor.check(head.anchor_key, head.anchor, head.last_event_id, head.last_hash)
        return found is None

    def _moved(self, head: Head, event: AuditEvent) -> Head:
        """The head after ``event``: signed unless the trail is not anchored yet."""
        if self.anchor is None or head.anchor is None:
            # An unanchored trail (from before anchoring) stays so until `brickwork audit
            # anchor` checked it: appending must not bless a head nobody verified.
            return Head(event.id, event.hash, None, None)
        return Head(event.id, event.hash, *self.anchor.sign(event.id, event.hash))

    def record_later(
        self,
        session: Session,
        actor: Actor,
        action: str,
        *,
        object_type: str,
        object_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Audit a read without writing in the reader's transaction: the event is appended in
        its own short write transaction once the reading one committed (readers never queue for
        the write lock), one event for all the reads of that transaction. A transaction that
        rolls back showed nothing: its reads are dropped. Without a session factory (CLI,
        worker) the event is recorded at once."""
        if self.session_factory is None:
            self.record(
                session,
                actor,
                action,
                object_type=object_type,
                object_id=object_id,
                details=details,
            )
            return
        if PENDING not in session.info:
            session.info[PENDING] = []
            orm_events.listen(session, "after_commit", self._after_commit)
            orm_events.listen(session, "after_soft_rollback", _drop_pending)
        pending: list[PendingRead] = session.info[PENDING]
        pending.append(PendingRead(actor, action, object_type, object_id, dict(details or {})))

    def _after_commit(self, session: Session) -> None:
        reads: list[PendingRead] = session.info.get(PENDING) or []
        if not reads or self.session_factory is None:
            return
        session.info[PENDING] = []
        by_reader: dict[str, list[PendingRead]] = {}
        for read in reads:  # one event per reader (rules' notices read for their recipients)
            by_reader.setdefault(read.actor.username, []).append(read)
        with unit_of_work(self.session_factory) as own:
            for group in by_reader.values():
                self._record_reads(own, group)

    def _record_reads(self, session: Session, reads: list[PendingRead]) -> None:
        first = reads[0]
        if len(reads) == 1:
            details: dict[str, Any] = first.details
        else:
            details = {"reads": [read.described() for read in reads]}
        same_object = all(read.object_id == first.object_id for read in reads)
        self.record(
            session,
            first.actor,
            first.action if all(r.action == first.action for r in reads) else "read",
            object_type=first.object_type,
            object_id=first.object_id if same_object else None,
            details=details,
        )

    def _append(self, session: Session, head: AuditChain | None, write: PendingWrite) -> AuditEvent:
        known = None if head is None else Head.of(head)
        event = self._event(known, write)
        anchor = None
        if self.anchor is not None and (head is None or head.anchor is not None):
            # An unanchored trail (from before anchoring) stays so until `brickwork audit
            # anchor` checked it: appending must not bless a head nobody verified.
            anchor = self.anchor.sign(event.id, event.hash)
        self.repo.append(session, event, head, anchor)
        return event

    def _event(self, head: Head | None, write: PendingWrite) -> AuditEvent:
        """The next event after ``head``, hashed."""
        actor = write.actor
        event = AuditEvent(
            id=(head.last_event_id + 1) if head else 1,
            occurred_at=write.at,
            actor=actor.username,
            roles=list(actor.roles),
            ip=actor.ip,
            request_id=actor.request_id,
            channel=actor.channel,
            action=write.action,
            object_type=write.object_type,
            object_id=write.object_id,
            result=write.result,
            details=write.details,
            prev_hash=head.last_hash if head else GENESIS_HASH,
        )
        event.hash = event_hash(event)
        return event

    def anchor_head(self, session: Session, actor: Actor) -> Verification:
        """Sign the chain head after a walk found the trail intact (the first anchoring of a
        trail recorded before anchoring existed, or after the key file was replaced). Audited
        as ``audit.anchor``; a broken trail is left as it is."""
        if self.anchor is None:
            raise Invalid(
                "no keys are configured to anchor the audit trail",
                code="no_keys",
                zh_cn="没有配置用于锚定审计日志的密钥",
            )
        result = self._walk(session, progress=None, every=10_000, anchored=False)
        if not result.intact:
            return result
        head = self.repo.lock_chain(session)
        write = self._now(
            actor, "audit.anchor", "audit", None, "success", {"checked": result.checked}
        )
        event = self._append(session, head, write)
        chain = self.repo.lock_chain(session)
        assert chain is not None
        chain.anchor_key, chain.anchor = self.anchor.sign(event.id, event.hash)
        session.flush()
        return result

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
        self.chain_pending(session)
        items = self.repo.search(
            session, filters, descending=descending, limit=limit, offset=offset
        )
        total = self.repo.count(session, filters)
        self.record_later(
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
        self.chain_pending(session)
        event = self.repo.event(session, event_id)
        if event is None:
            raise NotFound(
                f"the audit trail has no event {event_id}",
                code="audit_event_not_found",
                zh_cn=f"审计日志中没有编号为 {event_id} 的事件",
            )
        self.record_later(
            session, actor, "audit.read", object_type="audit", object_id=str(event_id)
        )
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
        self.chain_pending(session)
        total = self.repo.count(session, filters)
        if total > MAX_EXPORT_ROWS:
            raise Invalid(
                f"{total} events match, more than the {MAX_EXPORT_ROWS} an export may hold; "
                "narrow the export with since/until or other filters",
                code="export_too_large",
                zh_cn=f"有 {total} 条事件符合条件，超过单次导出上限 {MAX_EXPORT_ROWS} 条："
                "请缩小起止时间或增加其他筛选条件",
            )
        events = self.repo.stream(session, filters, descending=descending, limit=MAX_EXPORT_ROWS)
        body, rows = EXPORT_WRITERS[format_](events)
        self.record_later(
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
            self.record_later(
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

    def _walk(
        self, session: Session, *, progress: Progress | None, every: int, anchored: bool = True
    ) -> Verification:
        """Walk up to the chain head; if others appended meanwhile (a live system), walk on to
        the new head, so concurrent appends are never mistaken for tampering. Events beyond the
        final head were never chained: they are reported."""
        self.chain_pending(session)
        total = self.repo.count(session)
        breaks: list[Break] = []
        expected_id, previous_hash, checked = 1, GENESIS_HASH, 0
        head = self._head(session)
        walked_to = 0
        for _round in range(MAX_CATCH_UP):
            target = head[0] if head is not None else UNBOUNDED
            for event in self.repo.between(session, walked_to, target):
                breaks.extend(_check_event(event, expected_id, previous_hash))
                if event.action == ANCHOR_BROKEN and anchored and self.anchor is not None:
                    breaks.append(_anchor_break(event))
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
        if head is None and checked:
            breaks.append(
                Break(
                    expected_id - 1,
                    "head_missing",
                    "the trail has events but no chain head: the head row was deleted",
                )
            )
        if anchored and self.anchor is not None and head is not None:
            breaks.extend(self._anchor_breaks(session))
        if progress is not None:
            progress(checked, max(total, checked))
        return Verification(checked, tuple(breaks))

    def _anchor_breaks(self, session: Session) -> list[Break]:
        """Whether the chain head is the one the key last signed (a trail cut at its end and a
        head rewritten to match show here)."""
        assert self.anchor is not None
        chain = self.repo.chain(session, fresh=True)
        if chain is None:
            return []
        problem = self.anchor.check(
            chain.anchor_key, chain.anchor, chain.last_event_id, chain.last_hash
        )
        if problem is None:
            return []
        kind = "anchor_missing" if chain.anchor is None else "anchor_mismatch"
        hint = (
            "; if the trail predates anchoring, run `brickwork audit anchor` once"
            if chain.anchor is None
            else ": events were removed at the end of the trail or the head was forged"
        )
        return [Break(chain.last_event_id, kind, problem + hint)]

    def _head(self, session: Session) -> tuple[int, str] | None:
        """(last event id, last hash) as the database has them now."""
        head = self.repo.chain(session, fresh=True)
        return None if head is None else (head.last_event_id, head.last_hash)


def _csv(events: Iterable[AuditEvent]) -> tuple[bytes, int]:
    """UTF-8 with BOM (Excel reads it right), every field quoted; ``roles``/``details`` as
    canonical JSON and instants as ISO 8601, the texts the hash covers; an empty cell is a null.
    Text that a spreadsheet would run as a formula gets a leading ``'`` (see `spreadsheets`);
    drop it before recomputing a hash, or use the JSON Lines export, which keeps the texts."""
    rows = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal rows
        for event in events:
            rows += 1
            yield list(event_fields(event).values())

    return spreadsheets.csv_bytes(EVENT_COLUMNS, counted()), rows


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


def _anchor_break(event: AuditEvent) -> Break:
    problem = (event.details or {}).get("problem", "the anchor did not hold")
    return Break(
        event.id,
        "anchor_broken",
        f"before event {event.id} the chain head's anchor did not hold ({problem}): the end of "
        "the trail was cut or rewritten",
    )


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
