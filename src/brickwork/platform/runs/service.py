"""Flow runs: instances of published flows on records, their tasks and timeline. Never commits."""

from __future__ import annotations

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.runs.absence import OutOfOfficeService
from brickwork.platform.runs.repository import RunRepository


class FlowService:
    def __init__(self, *, audit: AuditLog, clock: Clock = system_clock) -> None:
        self.audit = audit
        self.clock = clock
        self.repo = RunRepository()
        self.absences = OutOfOfficeService(audit=audit, clock=clock, repo=self.repo)
