"""HTTP endpoints of the audit trail: search, export and verify, for the audit administrator only
(thin: parse, check the role, call ``AuditLog``, shape the reply).

Read-only by design: there is no POST, PUT, PATCH or DELETE route here, so the trail cannot be
changed through the API (other methods answer 405). Each request is itself audited
(``audit.search``, ``audit.read``, ``audit.export``, ``audit.verify``, object type ``audit``, the
filters in ``details``) after its query ran: a result never contains the event of its own request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from brickwork.platform.actor import Actor
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.audit.repository import AuditFilter
from brickwork.platform.audit.service import AuditLog, event_fields
from brickwork.platform.auth.deps import ActorDep, PermissionsDep
from brickwork.platform.auth.roles import AUDIT_ADMIN
from brickwork.platform.errors import ErrorItem, Invalid

router = APIRouter(prefix="/audit", tags=["audit"])

PROBLEM = {"description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((401, 403, 422), PROBLEM)
MAX_EVENT_ID = 2**63 - 1
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
TEXT = r"^[^\x00-\x1f\x7f]+$"
"""Filter values are printable text (PostgreSQL would fail on a NUL character)."""
INSTANT = (
    "Timezone-aware ISO 8601 instant, e.g. 2026-01-05T09:00:00Z or 2026-01-05T17:00:00%2B08:00"
)


async def audit_log(request: Request) -> AuditLog:
    service: AuditLog = request.app.state.audit
    return service


AuditDep = Annotated[AuditLog, Depends(audit_log)]


def audit_admin(actor: ActorDep, permissions: PermissionsDep) -> Actor:
    """The actor, when they are the audit administrator (checked before any parameter)."""
    permissions.require_admin(actor, AUDIT_ADMIN, "audit")
    return actor


AuditAdminDep = Annotated[Actor, Depends(audit_admin)]


def _instant(name: str, value: datetime | None) -> datetime | None:
    """An aware instant in UTC, or a problem naming the query parameter."""
    if value is None:
        return None
    pointer = f"/query/{name}"
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(
            f"{name} needs a time zone: add Z or an offset such as +08:00",
            errors=[ErrorItem(pointer, "timezone_required", f"{name} has no time zone")],
            zh_cn=f"{name} 缺少时区：请加上 Z 或 +08:00 这样的时区偏移",
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise Invalid(
            f"{name} is outside the range of instants",
            errors=[ErrorItem(pointer, "invalid_value", f"{name} is out of range")],
            zh_cn=f"{name} 超出了可表示的时间范围",
        ) from None


def audit_filter(
    actor: Annotated[
        str | None, Query(max_length=128, pattern=TEXT, description="User name, exact")
    ] = None,
    action: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=TEXT,
            description="Action, exact (`record.update`) or a prefix ending in `*` (`record.*`)",
        ),
    ] = None,
    object_type: Annotated[str | None, Query(max_length=64, pattern=TEXT)] = None,
    object_id: Annotated[str | None, Query(max_length=200, pattern=TEXT)] = None,
    result: Annotated[
        str | None,
        Query(max_length=16, pattern=TEXT, description="`success`, `failure` or `denied`"),
    ] = None,
    request_id: Annotated[str | None, Query(max_length=64, pattern=TEXT)] = None,
    since: Annotated[
        datetime | None, Query(description=f"Events at or after this instant. {INSTANT}")
    ] = None,
    until: Annotated[
        datetime | None, Query(description=f"Events before this instant. {INSTANT}")
    ] = None,
) -> AuditFilter:
    return AuditFilter(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        result=result,
        request_id=request_id,
        since=_instant("since", since),
        until=_instant("until", until),
    )


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]
Order = Literal["asc", "desc"]


@router.get("/events", responses=ERRORS)
def search_events(
    session: SessionDep,
    actor: AuditAdminDep,
    audit: AuditDep,
    filters: FilterDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    order: Annotated[Order, Query(description="By event id; `desc` is newest first")] = "desc",
) -> ExactJSONResponse:
    """Audit events matching every filter given, one page at a time, with the total."""
    page = audit.search(
        session, actor, filters, limit=limit, offset=offset, descending=order == "desc"
    )
    return reply(
        {
            "items": [event_fields(event) for event in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
    )


@router.get("/events/export", responses=ERRORS)
def export_events(
    session: SessionDep,
    actor: AuditAdminDep,
    audit: AuditDep,
    filters: FilterDep,
    format_: Annotated[Literal["csv", "jsonl"], Query(alias="format")] = "csv",
    order: Annotated[Order, Query(description="By event id; `asc` is oldest first")] = "asc",
) -> Response:
    """Every matching event (up to 1,000,000) as CSV (UTF-8 with BOM) or JSON Lines."""
    export = audit.export(session, actor, filters, format_=format_, descending=order == "desc")
    disposition = {"Content-Disposition": f'attachment; filename="audit-events.{format_}"'}
    return Response(export.body, media_type=MEDIA_TYPES[format_], headers=disposition)


@router.get("/events/{event_id}", responses={**ERRORS, 404: PROBLEM})
def get_event(
    session: SessionDep,
    actor: AuditAdminDep,
    audit: AuditDep,
    event_id: Annotated[int, Path(ge=1, le=MAX_EVENT_ID, description="The event's id")],
) -> ExactJSONResponse:
    """One event with every column. Events never change: PUT, PATCH and DELETE answer 405."""
    return reply(event_fields(audit.event(session, actor, event_id)))


@router.get("/verify", responses=ERRORS)
def verify_trail(session: SessionDep, actor: AuditAdminDep, audit: AuditDep) -> ExactJSONResponse:
    """Walk the whole hash chain; every break names the event where it shows."""
    result = audit.verify(session, actor=actor)
    return reply(
        {
            "checked": result.checked,
            "intact": result.intact,
            "breaks": [
                {"event_id": item.event_id, "kind": item.kind, "message": item.message}
                for item in result.breaks
            ],
        }
    )
