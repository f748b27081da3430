"""Refused requests in the audit trail, each in its own transaction and rate limited.

A refusal (401, 403, a 404 that hides a row of another scope) rolls the request's transaction
back, so its event is written in a transaction of its own, after that rollback. A flood of
refusals must not fill the disk: per source (actor and address) the first ``per_source`` refusals
of a window are written one by one, at most ``per_window`` of them from all sources together;
the rest are counted and written as one ``access.denied_summary`` event per source (and one for
the sources that were not tracked) when the window has closed, with the next refusal. The limits
hold per process.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from brickwork.platform.actor import Actor
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.db.session import unit_of_work
from brickwork.platform.errors import PlatformError

log = logging.getLogger(__name__)

DENIED = "denied"
DENIED_ACTION = "access.denied"
SUMMARY_ACTION = "access.denied_summary"
UNTRACKED = Actor("(untracked sources)", channel="api")
"""Who a summary of refusals beyond ``per_window`` names: their sources were not kept."""


@dataclass(frozen=True, slots=True)
class DenialLimits:
    per_source: int = 20
    """Refusals written one by one per actor and address in a window."""
    per_window: int = 600
    """Refusals written one by one in a window, all sources together (bounds memory too)."""
    window_seconds: int = 60


@dataclass(frozen=True, slots=True)
class Denial:
    """One refused request."""

    actor: Actor
    """The authenticated actor, or ``anonymous`` with the request's address and id."""
    method: str
    path: str
    status: int
    code: str


@dataclass(slots=True)
class _Source:
    actor: Actor
    written: int = 0
    suppressed: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Window:
    start: datetime
    sources: dict[tuple[str, str | None], _Source] = field(default_factory=dict)
    written: int = 0
    untracked: Counter[str] = field(default_factory=Counter)


class DenialAudit:
    def __init__(
        self, audit: AuditLog, *, limits: DenialLimits | None = None, clock: Clock = system_clock
    ) -> None:
        self.audit = audit
        self.limits = limits or DenialLimits()
        self.clock = clock
        self._lock = threading.Lock()
        self._window: _Window | None = None

    def record(self, factory: sessionmaker[Session], denial: Denial) -> None:
        """Write the refusal (when within the limits) and the summaries of closed windows."""
        with self._lock:
            now = self.clock()
            closed = self._roll(now)
            individual = self._admit(denial)
        if not individual and closed is None:
            return
        with unit_of_work(factory) as session:
            if closed is not None:
                self._summarise(session, closed)
            if individual:
                self.audit.record(
                    session,
                    denial.actor,
                    DENIED_ACTION,
                    object_type="request",
                    object_id=f"{denial.method} {denial.path}"[:200],
                    result=DENIED,
                    details={"status": denial.status, "code": denial.code},
                )

    def _roll(self, now: datetime) -> _Window | None:
        """Start the window ``now`` falls in; the one it replaces when that held suppressions."""
        seconds = self.limits.window_seconds
        start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)
        current = self._window
        if current is not None and current.start == start:
            return None
        self._window = _Window(start)
        if current is None:
            return None
        held = current.untracked or any(s.suppressed for s in current.sources.values())
        return current if held else None

    def _admit(self, denial: Denial) -> bool:
        window = self._window
        assert window is not None
        key = (denial.actor.username, denial.actor.ip)
        source = window.sources.get(key)
        if source is None:
            if window.written >= self.limits.per_window:
                window.untracked[denial.code] += 1
                return False
            source = window.sources[key] = _Source(denial.actor)
        if source.written >= self.limits.per_source or window.written >= self.limits.per_window:
            source.suppressed[denial.code] += 1
            return False
        source.written += 1
        window.written += 1
        return True

    def _summarise(self, session: Session, window: _Window) -> None:
        end = window.start + timedelta(seconds=self.limits.window_seconds)
        span = {"window_start": window.start, "window_end": end}
        for source in window.sources.values():
            if source.suppressed:
                actor = replace(source.actor, request_id=None)
                self._summary(session, actor, source.suppressed, span)
        if window.untracked:
            self._summary(session, UNTRACKED, window.untracked, span)

    def _summary(
        self, session: Session, actor: Actor, codes: Counter[str], span: dict[str, Any]
    ) -> None:
        self.audit.record(
            session,
            actor,
            SUMMARY_ACTION,
            object_type="request",
            result=DENIED,
            details={
                "suppressed": sum(codes.values()),
                "codes": dict(sorted(codes.items())),
                **span,
            },
        )


def refusal_recorder(
    denials: DenialAudit,
) -> Callable[[Request, PlatformError, int], Awaitable[None]]:
    """The hook ``api.errors`` calls for each refusal: who (the actor the request authenticated
    as, else ``anonymous``), from where, what, and the error code, written with the app's
    normal write sessions after the request's own transaction rolled back."""

    async def record(request: Request, error: PlatformError, status: int) -> None:
        actor = getattr(request.state, "actor", None)
        if not isinstance(actor, Actor):
            actor = Actor(
                "anonymous",
                ip=request.client.host if request.client else None,
                request_id=getattr(request.state, "request_id", None),
            )
        denial = Denial(actor, request.method, request.url.path, status, error.code)
        try:
            # The trail's own write sessions when it has them, else the app's.
            factory = denials.audit.session_factory or request.app.state.session_factory
            await run_in_threadpool(denials.record, factory, denial)
        except Exception:  # the refusal stands; a failing trail must not turn it into a 500
            log.exception("could not audit the refusal of %s %s", request.method, denial.path)

    return record
