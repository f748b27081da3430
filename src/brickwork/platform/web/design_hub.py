"""The app's design overview: every form, flow, rule, decision table, report and dashboard it
holds, with its published version and whether its draft has changed since, each linked to its
designer; and the start of a new report or dashboard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from brickwork.engines.report import text_of
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import PlatformError
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.web.params import AppKey
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)

SECTIONS: tuple[tuple[Kind, str], ...] = (
    (Kind.FORM, "forms"),
    (Kind.FLOW, "flows"),
    (Kind.RULE, "rules"),
    (Kind.DECISION_TABLE, "decisions"),
    (Kind.REPORT, "reports"),
    (Kind.DASHBOARD, "dashboards"),
)
"""The overview's sections in order: each kind and where its designers live under
`/apps/{app}/design/`."""


@router.get("/apps/{app}/design", response_model=None)
def design_home(request: Request, session: SessionDep, app: AppKey) -> Response:
    """The app's definitions of every kind (drafts and published), and new reports and
    dashboards."""
    viewer = viewer_of(request, session)
    request.app.state.metadata.require(session, viewer.actor, "design", app)
    return home_page(request, session, viewer, app, problem=None)


def home_page(
    request: Request, session: Session, viewer: Viewer, app: str, *, problem: PlatformError | None
) -> Response:
    """The overview, with what went wrong starting a report or dashboard (`problem`)."""
    metadata = request.app.state.metadata
    found: dict[str, list[dict[str, Any]]] = {kind.value: [] for kind, _path in SECTIONS}
    for definition in metadata.list_definitions(session, app):
        if definition.kind not in found:
            continue
        found[definition.kind].append(
            {
                "key": definition.key,
                "label": text_of(
                    (definition.draft or {}).get("label") or definition.key, viewer.language
                ),
                "version": definition.latest_version,
                "changed": definition.latest_version is not None
                and metadata.draft_differs(session, definition),
            }
        )
    sections = [
        {"kind": kind.value, "path": path, "rows": found[kind.value]} for kind, path in SECTIONS
    ]
    forms = sorted(request.app.state.reports.compiler.environment(session, app).forms)
    return render(
        request,
        "design/home.html",
        {
            "app": app,
            "sections": sections,
            "reports": found[Kind.REPORT.value],
            "dashboards": found[Kind.DASHBOARD.value],
            "forms": forms,
            "problem": problem,
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
        status=422 if problem is not None else 200,
    )
