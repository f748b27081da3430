"""Out-of-office delegation: while a user is away (a date range), flow tasks given to them go
to the delegate they named (the engine asks ``Directory.delegate_of`` at task creation). Users
manage their own entries; every change is audited. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound
from brickwork.platform.models import OutOfOffice
from brickwork.platform.runs.directory import SqlDirectory
from brickwork.platform.runs.repository import RunRepository


def absence_json(row: OutOfOffice) -> dict[str, Any]:
    return {
        "id": row.id,
        "delegate": row.delegate,
        "from": row.starts_at,
        "to": row.ends_at,
        "created_at": row.created_at,
    }


class OutOfOfficeService:
    def __init__(
        self, *, audit: AuditLog, clock: Clock = system_clock, repo: RunRepository | None = None
    ) -> None:
        self.audit = audit
        self.clock = clock
        self.repo = repo or RunRepository()

    def listing(self, session: Session, actor: Actor) -> list[dict[str, Any]]:
        return [absence_json(row) for row in self.repo.absences(session, actor.username)]

    def add(
        self, session: Session, actor: Actor, delegate: str, starts: datetime, ends: datetime
    ) -> dict[str, Any]:
        """Name `delegate` for tasks given to the actor from `starts` until `ends`."""
        if ends <= starts:
            raise Invalid(
                "the end of an absence must come after its start",
                code="out_of_office_invalid",
                errors=[ErrorItem("/to", "out_of_office_invalid", "must be after `from`")],
                zh_cn="外出的结束时间须晚于开始时间",
            )
        if delegate == actor.username:
            raise Invalid(
                "you cannot stand in for yourself; name another user",
                code="out_of_office_invalid",
                errors=[ErrorItem("/delegate", "out_of_office_invalid", "name another user")],
                zh_cn="不能由自己代理自己：请指定另一位用户",
            )
        if not SqlDirectory(session).is_active(delegate):
            raise Invalid(
                f"there is no active user {delegate!r} to stand in for you",
                code="delegate_unknown",
                errors=[ErrorItem("/delegate", "delegate_unknown", "not an active user")],
                zh_cn=f"没有启用中的用户 {delegate} 可以代理您",
            )
        clash = self.repo.overlapping(session, actor.username, starts, ends)
        if clash is not None:
            raise Conflict(
                f"this absence overlaps absence {clash.id} "
                f"({clash.starts_at.isoformat()} to {clash.ends_at.isoformat()}); "
                "delete or shorten that one first",
                code="out_of_office_overlap",
                zh_cn=f"与已有的外出安排（{clash.starts_at:%Y-%m-%d %H:%M} 至 "
                f"{clash.ends_at:%Y-%m-%d %H:%M}）重叠：请先删除或缩短那一条",
            )
        row = OutOfOffice(
            username=actor.username,
            delegate=delegate,
            starts_at=starts,
            ends_at=ends,
            created_at=self.clock(),
        )
        self.repo.add(session, row)
        found = absence_json(row)
        self.audit.record(
            session,
            actor,
            "out_of_office.add",
            object_type="user",
            object_id=actor.username,
            details={"delegate": delegate, "from": starts.isoformat(), "to": ends.isoformat()},
        )
        return found

    def remove(self, session: Session, actor: Actor, entry_id: int) -> None:
        row = self.repo.absence(session, entry_id)
        if row is None or row.username != actor.username:
            raise NotFound(
                f"you have no out-of-office entry {entry_id}",
                code="out_of_office_not_found",
                zh_cn=f"您没有编号为 {entry_id} 的外出安排",
            )
        self.repo.delete(session, row)
        self.audit.record(
            session,
            actor,
            "out_of_office.remove",
            object_type="user",
            object_id=actor.username,
            details={"id": entry_id, "delegate": row.delegate},
        )
