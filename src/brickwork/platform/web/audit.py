"""The audit trail's pages for the audit administrator: search by user, action (exact or a
prefix such as `record.*`), object, result, request and time (in the local zone), newest first,
a page per event with every column, the export of the same search, and the check of the hash
chain.

Everything goes through `AuditLog`, as the API's endpoints do: only the audit administrator
gets through, and each search, read and check is itself audited.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.audit.repository import AuditFilter
from brickwork.platform.audit.service import AuditLog, event_fields
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.roles import AUDIT_ADMIN
from brickwork.platform.clock import BUSINESS_ZONE, wall_time
from brickwork.platform.errors import ErrorItem, Invalid, PlatformError
from brickwork.platform.web.admin import admin_page
from brickwork.platform.web.views import Viewer, viewer_of

router = APIRouter(include_in_schema=False)
PAGE = 50
TEXT = r"^[^\x00-\x1f\x7f]*$"
Text = Annotated[str, Query(max_length=200, pattern=TEXT)]
RESULTS = ("success", "failure", "denied")


def audit_viewer(request: Request, session: Session) -> Viewer:
    viewer = viewer_of(request, session)
    PermissionService.require_admin(viewer.actor, AUDIT_ADMIN, "audit")
    return viewer


@router.get("/admin/audit", response_model=None)
def audit_page(
    request: Request,
    session: SessionDep,
    actor: Text = "",
    action: Text = "",
    object_type: Text = "",
    object_id: Text = "",
    result: Annotated[str, Query(pattern=r"^(success|failure|denied)?$")] = "",
    request_id: Text = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=0, le=20_000)] = 0,
) -> Response:
    """Events matching every filter given, newest first, a page at a time."""
    viewer = audit_viewer(request, session)
    log: AuditLog = request.app.state.audit
    filters = {
        "actor": actor.strip(),
        "action": action.strip(),
        "object_type": object_type.strip(),
        "object_id": object_id.strip(),
        "result": result,
        "request_id": request_id.strip(),
        "since": since,
        "until": until,
    }
    problem: PlatformError | None = None
    events: list[dict[str, Any]] = []
    total = 0
    try:
        chosen = AuditFilter(
            actor=filters["actor"] or None,
            action=filters["action"] or None,
            object_type=filters["object_type"] or None,
            object_id=filters["object_id"] or None,
            result=result or None,
            request_id=filters["request_id"] or None,
            since=local_instant("since", since),
            until=local_instant("until", until),
        )
        found = log.search(
            session, viewer.actor, chosen, limit=PAGE, offset=page * PAGE, descending=True
        )
        events = [row_of(event_fields(event)) for event in found.items]
        total = found.total
    except Invalid as exc:
        problem = exc
    given = {key: value for key, value in filters.items() if value}
    exported = {key: value for key, value in given.items() if key not in ("since", "until")}
    for key in ("since", "until"):
        if given.get(key) and problem is None:
            moment = local_instant(key, given[key])
            exported[key] = moment.isoformat() if moment else ""
    return admin_page(
        request,
        viewer,
        "admin/audit.html",
        "audit",
        {
            "filters": filters,
            "results": RESULTS,
            "events": events,
            "total": total,
            "page": page,
            "has_more": (page + 1) * PAGE < total,
            "problem": problem,
            "query": urlencode(given),
            "export": "/api/v1/audit/events/export?" + urlencode(exported),
        },
    )


@router.get("/admin/audit/verify", response_model=None)
def verify_page(request: Request, session: SessionDep) -> Response:
    """Walk the whole hash chain; every break is listed with the event where it shows."""
    viewer = audit_viewer(request, session)
    log: AuditLog = request.app.state.audit
    result = log.verify(session, actor=viewer.actor)
    return admin_page(
        request,
        viewer,
        "admin/audit_verify.html",
        "audit",
        {"checked": result.checked, "intact": result.intact, "breaks": result.breaks},
    )


@router.get("/admin/audit/{event_id}", response_model=None)
def event_page(
    request: Request,
    session: SessionDep,
    event_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> Response:
    viewer = audit_viewer(request, session)
    log: AuditLog = request.app.state.audit
    event = row_of(event_fields(log.event(session, viewer.actor, event_id)))
    return admin_page(request, viewer, "admin/audit_event.html", "audit", {"event": event})


def local_instant(name: str, text: str) -> datetime | None:
    """A `datetime-local` value, read in the local zone (or an instant with its offset)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        message = f"{name} is not a date and time such as 2026-01-05T09:00"
        raise Invalid(
            message,
            errors=[ErrorItem(f"/query/{name}", "invalid_value", message)],
            zh_cn=f"{name} 不是日期时间：请按 2026-01-05T09:00 的格式填写",
        ) from None
    return wall_time(moment)


def row_of(fields: dict[str, Any]) -> dict[str, Any]:
    """An event as the pages show it: the time in the local zone, details as indented JSON."""
    shown = dict(fields)
    for key, value in fields.items():
        if isinstance(value, datetime):
            shown[key] = value.astimezone(BUSINESS_ZONE).strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(value, (dict, list)):
            shown[key] = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return shown
