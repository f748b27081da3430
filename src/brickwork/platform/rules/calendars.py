"""Business calendars on the platform: kept per key by system administrators (audited), read
by rules that name one (`"calendar": "cn"`) for the working-day expression functions."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.roles import SYSTEM_ADMIN
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound, pointer_of
from brickwork.platform.models import (
    Application,
    BusinessCalendarRow,
    Definition,
    DefinitionVersion,
)


class CalendarService:
    def __init__(self, *, audit: AuditLog, clock: Clock = system_clock) -> None:
        self.audit = audit
        self.clock = clock

    @staticmethod
    def _rules_naming(session: Session, key: str) -> list[str]:
        """`app/rule` of the live published rules whose latest version names calendar `key`."""
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
            if (body or {}).get("spec", {}).get("calendar") == key
        ]

    def calendar(self, session: Session, key: str) -> BusinessCalendar | None:
        row = session.get(BusinessCalendarRow, key)
        return None if row is None else BusinessCalendar.model_validate(row.body)

    def listing(self, session: Session) -> list[dict[str, Any]]:
        rows = session.execute(select(BusinessCalendarRow).order_by(BusinessCalendarRow.key))
        return [row.body for row in rows.scalars()]

    def get(self, session: Session, key: str) -> dict[str, Any]:
        row = session.get(BusinessCalendarRow, key)
        if row is None:
            raise NotFound(
                f"there is no business calendar {key!r}",
                code="calendar_not_found",
                zh_cn=f"没有营业日历 {key!r}",
            )
        body: dict[str, Any] = row.body
        return body

    def put(self, session: Session, actor: Actor, key: str, body: Any) -> dict[str, Any]:
        """Create or replace a calendar (system administrators; audited with before/after)."""
        PermissionService.require_admin(actor, SYSTEM_ADMIN, "admin")
        if not isinstance(body, dict):
            raise Invalid(
                "send the calendar as a JSON object",
                errors=[ErrorItem("", "wrong_type", "a JSON object", "应为 JSON 对象")],
                zh_cn="请以 JSON 对象发送营业日历",
            )
        try:
            calendar = BusinessCalendar.model_validate({**body, "key": key})
        except ValidationError as exc:
            raise Invalid(
                "the calendar is invalid; nothing was saved",
                code="calendar_invalid",
                errors=[
                    ErrorItem(
                        pointer_of(error["loc"]),
                        "invalid_value",
                        error["msg"],
                        f"营业日历的内容不符合要求：{error['msg']}",
                    )
                    for error in exc.errors()
                ],
                zh_cn="营业日历无效：未保存任何内容",
            ) from None
        stored = calendar.model_dump(mode="json", exclude_none=True)
        row = session.get(BusinessCalendarRow, key)
        before = None if row is None else row.body
        if row is None:
            row = BusinessCalendarRow(key=key)
            session.add(row)
        row.body = stored
        row.updated_at = self.clock()
        row.updated_by = actor.username
        session.flush()
        self.audit.record(
            session,
            actor,
            "calendar.put",
            object_type="calendar",
            object_id=key,
            details={"before": before, "after": stored},
        )
        return stored

    def delete(self, session: Session, actor: Actor, key: str) -> None:
        """Delete a calendar no published rule names (a rule would lose its working days)."""
        PermissionService.require_admin(actor, SYSTEM_ADMIN, "admin")
        row = session.get(BusinessCalendarRow, key)
        if row is None:
            raise NotFound(
                f"there is no business calendar {key!r}",
                code="calendar_not_found",
                zh_cn=f"没有营业日历 {key!r}",
            )
        users = self._rules_naming(session, key)
        if users:
            raise Conflict(
                f"business calendar {key!r} is named by published rules; change them first",
                code="calendar_in_use",
                errors=[
                    ErrorItem(f"/rules/{name}", "calendar_in_use", name, name) for name in users
                ],
                zh_cn=f"已发布的规则在使用营业日历 {key!r}：请先修改这些规则",
            )
        self.audit.record(
            session,
            actor,
            "calendar.delete",
            object_type="calendar",
            object_id=key,
            details={"before": row.body},
        )
        session.delete(row)
        session.flush()
