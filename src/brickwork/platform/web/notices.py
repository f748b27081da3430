"""The viewer's notifications: what the flows told them (a task waits, a reminder, a return, an
escalation, a flow finished, a copy) and the notices of rules, newest first, unread ones marked.

A flow's notice reads in the viewer's language with the flow's label and the record's title
(when the viewer may read the record); opening it marks it read and leads to the viewer's open
task in that flow, else to the record. A rule's notice shows the subject and text its rule wrote.
Marking read is a POST with the session's CSRF token, as every change is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.runs.notify import linked_instance
from brickwork.platform.web.inbox import FormLabels
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import flow_label, when
from brickwork.platform.web.views import render, viewer_of

router = APIRouter(include_in_schema=False)
NoticeId = Annotated[int, Path(ge=1, le=2**63 - 1)]
PAGE = 30
FLOW_KIND = "flow."


@router.get("/notifications", response_model=None)
def notifications_page(
    request: Request,
    session: SessionDep,
    unread: bool = False,
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    viewer = viewer_of(request, session)
    notices = request.app.state.notifications
    found = notices.page(session, viewer.actor, unread=unread, limit=PAGE, offset=page * PAGE)
    items = found["items"]
    about = [_instance_of(item) for item in items]
    targets = request.app.state.runs.notice_targets(
        session, viewer.actor, [instance for instance in about if instance is not None]
    )
    labels = FormLabels(request, session, viewer.language, viewer)
    labels.read_titles([{"flow": target} for target in targets.values()])
    flows: dict[tuple[str, str], str] = {}
    shown = []
    for item, instance in zip(items, about, strict=True):
        target = None if instance is None else targets.get(instance)
        entry: dict[str, Any] = {
            "id": item["id"],
            "kind": item["kind"],
            "title": item["title"],
            "body": item["body"],
            "read": item["read"],
            "at": when(item["created_at"]),
        }
        if target is not None:
            key = (target["app"], target["flow"])
            if key not in flows:  # a page names the same flow again and again
                flows[key] = flow_label(request, session, *key, viewer.language)
            entry |= {
                "flow": flows[key],
                "form_label": labels.of(target["app"], target["form"]),
                "record_title": labels.title(target["record"]),
                "status": target["status"],
            }
        shown.append(entry)
    context = {
        "items": shown,
        "unread_only": unread,
        "unread_count": found["unread_count"],
        "page": page,
        "has_more": found["has_more"],
    }
    return render(request, "notifications.html", context, viewer=viewer)


@router.post("/notifications/{notice_id}/open", response_model=None)
def open_notice(
    request: Request, session: SessionDep, notice_id: NoticeId, sent: FormListsDep
) -> Response:
    """Mark the notice read and go where it leads: the viewer's open task in its flow, else
    the record; a rule's notice to the record it links, else back to the list."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    notice = request.app.state.notifications.read(session, viewer.actor, notice_id)
    instance = _instance_of(notice)
    target = "/notifications"
    if instance is not None:
        found = request.app.state.runs.notice_targets(session, viewer.actor, [instance])
        where = found.get(instance)
        if where is not None and where["task"] is not None:
            target = f"/inbox/tasks/{where['task']}"
        elif where is not None:
            target = f"/apps/{where['app']}/forms/{where['form']}/records/{where['record']}"
    elif (notice.get("link") or "").startswith("/apps/"):
        target = notice["link"]
    return RedirectResponse(target, status_code=303)


@router.post("/notifications/read-all", response_model=None)
def read_all(request: Request, session: SessionDep, sent: FormListsDep) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    request.app.state.notifications.read_all(session, viewer.actor)
    return RedirectResponse("/notifications", status_code=303)


def _instance_of(notice: dict[str, Any]) -> str | None:
    """The flow instance a flow's notice is about (None for any other notice)."""
    if not str(notice.get("kind", "")).startswith(FLOW_KIND):
        return None
    return linked_instance(notice.get("link"))
