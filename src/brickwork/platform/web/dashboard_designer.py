"""The dashboard layout editor: published reports placed on the 12-column grid.

Each item is moved and resized with buttons (left, right, up, down, wider, narrower, taller,
shorter, also Alt+arrow keys and Alt+Shift+arrow keys), so the keyboard does everything, or by
dragging its handles on the grid (the move handle places its top left corner, the corner handle
sets its size); each press or drop saves the draft (the same definition as
the API's) and answers the grid again with the server's problems next to their items (an item
outside the grid, two items overlapping, an unknown report). Publishing is offered only when
there are none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.engines.report import text_of
from brickwork.engines.report.dashboards import COLUMNS
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import PlatformError
from brickwork.platform.metadata.schemas import DraftUpdate, Kind
from brickwork.platform.metadata.validation import validate_definition
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import navigation
from brickwork.platform.web.report_designer import (
    AppKey,
    DefinitionKey,
    create_draft,
    designer_of,
    history_context,
    kept,
    label_parts,
    place,
    publish_page,
    refusal,
    save_draft,
    with_history,
)
from brickwork.platform.web.views import Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)

MOVES: dict[str, tuple[str, int]] = {
    "left": ("x", -1),
    "right": ("x", 1),
    "up": ("y", -1),
    "down": ("y", 1),
    "narrower": ("w", -1),
    "wider": ("w", 1),
    "shorter": ("h", -1),
    "taller": ("h", 1),
}
"""What each button does to an item: the attribute and the step."""
DROPS: dict[str, tuple[str, str]] = {"place": ("x", "y"), "size": ("w", "h")}
"""What a drop on the grid sets: the place of the item's top left corner, or its size."""
LOWEST = {"x": 0, "y": 0, "w": 1, "h": 1}
HIGHEST = {"x": COLUMNS - 1, "y": 1000, "w": COLUMNS, "h": 100}
NEW_ITEM = {"w": 6, "h": 4}


@router.post("/apps/{app}/design/dashboards", response_model=None)
def create_dashboard(
    request: Request, session: SessionDep, app: AppKey, sent: FormListsDep
) -> Response:
    return create_draft(request, session, app, "dashboard", {"items": []}, sent)


@router.get("/apps/{app}/design/dashboards/{key}", response_model=None)
def dashboard_editor(
    request: Request, session: SessionDep, app: AppKey, key: DefinitionKey
) -> Response:
    viewer = designer_of(request, session, app)
    published = request.query_params.get("published")
    return _editor(request, session, viewer, app, key, published=published)


@router.post("/apps/{app}/design/dashboards/{key}", response_model=None)
def edit_dashboard(
    request: Request, session: SessionDep, app: AppKey, key: DefinitionKey, sent: FormListsDep
) -> Response:
    """Apply one edit (the name, then the pressed button) and save the draft."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    metadata = request.app.state.metadata
    definition = metadata.definition(session, app, Kind.DASHBOARD, key)
    draft = definition.draft or {}
    spec, undo, redo = with_history(
        dict(draft.get("spec") or {}), sent, lambda current: edited_layout(current, sent)
    )
    try:
        save_draft(session, viewer, metadata, app, Kind.DASHBOARD, key, draft, spec, sent)
    except PlatformError as exc:
        return _editor(request, session, viewer, app, key, problem=exc, history=kept(sent))
    session.commit()
    if request.headers.get("HX-Request"):
        return _editor(request, session, viewer, app, key, history=(undo, redo))
    return RedirectResponse(f"/apps/{app}/design/dashboards/{key}", status_code=303)


@router.post("/apps/{app}/design/place", response_model=None)
def place_report(
    request: Request, session: SessionDep, app: AppKey, sent: FormListsDep
) -> Response:
    """A published report added to a dashboard's draft from the report builder (below the
    dashboard's other items), then the dashboard's layout editor."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    metadata = request.app.state.metadata
    key = first(sent, "dashboard", "") or ""
    definition = metadata.definition(session, app, Kind.DASHBOARD, key)
    draft = definition.draft or {}
    spec = edited_layout(
        dict(draft.get("spec") or {}),
        {"action": ["add"], "new-item-report": [first(sent, "report", "") or ""]},
    )
    update = DraftUpdate.model_validate(
        {
            "label": draft.get("label") or key,
            "description": draft.get("description", ""),
            "spec": spec,
        }
    )
    metadata.update_draft(session, viewer.actor, app, Kind.DASHBOARD, key, update)
    session.commit()
    return RedirectResponse(f"/apps/{app}/design/dashboards/{key}", status_code=303)


@router.post("/apps/{app}/design/dashboards/{key}/publish", response_model=None)
def publish_dashboard(
    request: Request, session: SessionDep, app: AppKey, key: DefinitionKey, sent: FormListsDep
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    return publish_page(request, session, viewer, app, Kind.DASHBOARD, key, _editor)


def edited_layout(stored: Mapping[str, Any], sent: dict[str, list[str]]) -> dict[str, Any]:
    """The stored layout with the pressed button applied: `add` (the chosen report, below
    the others), `remove:<i>`, a move such as `left:<i>` or `wider:<i>`, or a drop on the
    grid: `place:<i>:<column>:<row>` or `size:<i>:<width>:<height>` (kept inside the grid's
    bounds; overlaps are the server's problems to show)."""
    spec: dict[str, Any] = dict(stored)
    items = [dict(item) for item in spec.get("items") or () if isinstance(item, Mapping)]
    verb, *where = (first(sent, "action", "") or "").split(":")
    numbers = [int(part) for part in where if part.isdigit()]
    index = numbers[0] if len(numbers) == len(where) and numbers else -1
    if verb == "add":
        report = first(sent, "new-item-report", "") or ""
        if report:
            taken = {str(item.get("id")) for item in items}
            item_id, n = report, 2
            while item_id in taken:
                item_id, n = f"{report}_{n}", n + 1
            bottom = max((_int(i, "y") + _int(i, "h") for i in items), default=0)
            items.append({"id": item_id, "report": report, "x": 0, "y": bottom, **NEW_ITEM})
    elif 0 <= index < len(items):
        if verb == "remove":
            items.pop(index)
        elif verb in DROPS and len(numbers) == 3:
            _drop(items[index], DROPS[verb], numbers[1], numbers[2])
        elif verb in MOVES:
            name, step = MOVES[verb]
            item = items[index]
            value = _int(item, name) + step
            value = max(LOWEST[name], min(HIGHEST[name], value))
            if name == "x":
                value = min(value, COLUMNS - _int(item, "w"))
            if name == "w":
                value = min(value, COLUMNS - _int(item, "x"))
            item[name] = max(LOWEST[name], value)
    spec["items"] = items
    return spec


def _drop(item: dict[str, Any], names: tuple[str, str], one: int, two: int) -> None:
    """An item dropped on the grid: its place (column, row) or its size (width, height),
    inside the grid's bounds (a place keeps the width, a size keeps the place)."""
    for name, value in zip(names, (one, two), strict=True):
        item[name] = max(LOWEST[name], min(HIGHEST[name], value))
    if names[0] == "x":
        item["x"] = max(0, min(_int(item, "x"), COLUMNS - _int(item, "w")))
    else:
        item["w"] = max(1, min(_int(item, "w"), COLUMNS - _int(item, "x")))


def _int(item: Mapping[str, Any], name: str) -> int:
    value = item.get(name)
    return value if isinstance(value, int) else LOWEST[name]


def _editor(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    key: str,
    *,
    problem: PlatformError | None = None,
    published: str | None = None,
    history: tuple[list[Any], list[Any]] = ([], []),
) -> Response:
    metadata = request.app.state.metadata
    definition = metadata.definition(session, app, Kind.DASHBOARD, key)
    body = definition.draft or {}
    spec = body.get("spec") or {}
    problems = validate_definition(body) or request.app.state.dashboards.draft_problems(
        session, app, key, body
    )
    if problem is not None:
        problems = refusal(problem, viewer.language)
    items = [item for item in spec.get("items") or () if isinstance(item, Mapping)]
    places = [f"/spec/items/{i}" for i in range(len(items))] + ["/spec/items", "/label"]
    placed = place(problems, places, viewer.language)
    reports = _published_reports(request, session, app, viewer.language)
    return render(
        request,
        "design/dashboard.html",
        {
            "app": app,
            "key": key,
            "title": text_of(body.get("label") or key, viewer.language),
            "names": label_parts(body.get("label")),
            "revision": definition.draft_revision,
            "version": definition.latest_version,
            "published": published,
            "items": [
                {
                    **item,
                    "index": index,
                    "name": reports.get(str(item.get("report")), str(item.get("report"))),
                    "cells": _cells(item),
                }
                for index, item in enumerate(items)
            ],
            "reports": reports,
            "columns": COLUMNS,
            "errors": placed,
            "general": [*placed.get("", []), *placed.get("/spec/items", [])],
            "can_publish": not problems,
            "nav": navigation(request, session, viewer, app),
            **history_context(history),
        },
        viewer=viewer,
        status=422 if problem is not None else 200,
    )


def _cells(item: Mapping[str, Any]) -> str:
    """The grid classes that place an item (the page's policy allows no inline style)."""
    x, y, w, h = (_int(item, name) for name in ("x", "y", "w", "h"))
    return f"gx-{min(x, 11)} gw-{min(w, 12)} gy-{min(y, 40)} gh-{min(h, 12)}"


def _published_reports(
    request: Request, session: Session, app: str, language: str
) -> dict[str, str]:
    """The app's published reports (a dashboard shows only those), by key, with their names."""
    metadata = request.app.state.metadata
    return {
        d.key: text_of((d.draft or {}).get("label") or d.key, language)
        for d in metadata.list_definitions(session, app, kind=Kind.REPORT)
        if d.latest_version is not None
    }
