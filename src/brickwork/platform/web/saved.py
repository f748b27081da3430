"""Saved views on a record list's page: save what the list shows under a name (optionally for
everyone who reads the form), open one (its address), delete one's own. Through `SavedViews`,
as the API's endpoints: the same checks of who may read the form and who owns a view.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.platform.api.body import parse_model
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import PlatformError
from brickwork.platform.records.saved_views import ViewBody
from brickwork.platform.web.params import AppKey, FormKey, FormListsDep, first
from brickwork.platform.web.views import Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)
ViewId = Annotated[str, Path(max_length=36)]


def address_of(app: str, form: str, view: dict[str, Any]) -> str:
    """The list's address that shows `view`."""
    query = view.get("query") or {}
    pairs: list[tuple[str, Any]] = [
        ("q", query.get("q", "")),
        ("filter", query.get("filter", "")),
        ("sort", query.get("sort", "")),
        ("cols", ",".join(query.get("columns") or [])),
    ]
    for condition in query.get("conditions") or []:
        pairs += [
            ("bf", condition.get("field", "")),
            ("bo", condition.get("operator", "")),
            ("bv", condition.get("value", "")),
        ]
    if query.get("size", 20) != 20:
        pairs.append(("size", query["size"]))
    pairs.append(("view", view["id"]))
    shown = [(key, value) for key, value in pairs if value not in ("", None) or key == "bv"]
    return f"/apps/{app}/forms/{form}?{urlencode(shown)}"


def views_of(
    request: Request, session: Session, viewer: Viewer, app: str, form: str
) -> list[dict[str, Any]]:
    """The viewer's views of the form and those shared with its readers, each with its
    address."""
    found = request.app.state.saved_views.listing(session, viewer.actor, app, form)
    return [{**view, "address": address_of(app, form, view)} for view in found]


@router.post("/apps/{app}/forms/{form}/views", response_model=None)
def save_view(
    request: Request, session: SessionDep, app: AppKey, form: FormKey, sent: FormListsDep
) -> Response:
    """Save what the list shows (the fields of the list's own form) under a name."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    fields, operators, values = sent.get("bf", []), sent.get("bo", []), sent.get("bv", [])
    conditions = [
        {
            "field": key,
            "operator": operators[i] if i < len(operators) else "eq",
            "value": values[i] if i < len(values) else "",
        }
        for i, key in enumerate(fields)
        if key
    ]
    size = first(sent, "size", "20") or "20"
    document = {
        "name": (first(sent, "name", "") or "").strip(),
        "shared": first(sent, "shared") == "on",
        "query": {
            "q": first(sent, "q", "") or "",
            "filter": first(sent, "filter", "") or "",
            "sort": first(sent, "sort", "") or "",
            "size": int(size) if size.isdigit() and len(size) < 4 else 20,
            "columns": [key for key in (first(sent, "cols", "") or "").split(",") if key],
            "conditions": conditions,
        },
    }
    try:
        body = parse_model(ViewBody, document)
        made = request.app.state.saved_views.create(session, viewer.actor, app, form, body)
    except PlatformError as exc:
        session.rollback()
        return render(
            request,
            "records/view_refused.html",
            {"problem": exc, "back": address_of(app, form, {"id": "", "query": document["query"]})},
            viewer=viewer,
        )
    return RedirectResponse(address_of(app, form, made), status_code=303)


@router.post("/apps/{app}/forms/{form}/views/{view_id}/delete", response_model=None)
def delete_view(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    view_id: ViewId,
    sent: FormListsDep,
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    request.app.state.saved_views.delete(session, viewer.actor, app, form, view_id)
    return RedirectResponse(f"/apps/{app}/forms/{form}", status_code=303)
