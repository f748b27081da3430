"""The audit trail: every significant action becomes a hash-chained, append-only event.

Each event's hash covers its own content, its id and the previous event's hash, so a changed,
deleted, inserted or reordered event breaks the chain at a point ``verify`` names. Appends take the
chain head's row lock (PostgreSQL) or run inside SQLite's single writer, so the chain stays linear
under concurrency. Never commits: the event is part of the caller's transaction, so an action and
its audit record are saved together or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.jsonio import canonical_dumps, to_jsonable
from brickwork.platform.audit.repository import AuditRepository
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.models import AuditEvent

GENESIS_HASH = "sha256:" + "0" * 64
Progress = Callable[[int, int], None]


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


@dataclass(frozen=True, slots=True)
class Break:
    """Where the chain is broken and how."""

    event_id: int
    kind: str  # modified | missing | reordered | head_mismatch
    message: str


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    breaks: tuple[Break, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


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

    def verify(
        self, session: Session, *, progress: Progress | None = None, every: int = 10_000
    ) -> Verification:
        """Walk the whole chain; report each break with the event id where it shows."""
        total = self.repo.count(session)
        breaks: list[Break] = []
        expected_id, previous_hash, checked = 1, GENESIS_HASH, 0
        for event in self.repo.stream(session):
            breaks.extend(_check_event(event, expected_id, previous_hash))
            expected_id, previous_hash = event.id + 1, event.hash
            checked += 1
            if progress is not None and checked % every == 0:
                progress(checked, total)
        head = self.repo.chain(session)
        if head is not None and (head.last_event_id, head.last_hash) != (
            expected_id - 1,
            previous_hash,
        ):
            breaks.append(
                Break(
                    head.last_event_id,
                    "head_mismatch",
                    f"the newest recorded event is {head.last_event_id}, but the "
                    f"trail ends at {expected_id - 1}: events were removed at the end",
                )
            )
        if progress is not None:
            progress(checked, total)
        return Verification(checked, tuple(breaks))


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
