"""The flow designer: the flows of an app for whoever designs it, a new flow, and the canvas.

The canvas page edits the flow's draft in the browser (nodes from a palette, edges drawn
between them, each element's properties in a side panel) and keeps it through the definition
API (`PUT .../definitions/flow/{key}` with the draft revision, the dry run of publishing,
the diff, publishing or asking for it). After every change the page sends the graph it holds
to `POST .../check`, which answers where each node and edge goes (the same layered layout the
instance diagrams use) and every problem the engine finds compiling it against the app as it
is now, with pointers the page shows on the nodes and edges. Nothing here runs a flow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import PlatformError
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.schemas import DefinitionCreate, Kind
from brickwork.platform.models.role import Role
from brickwork.platform.web.designer import designs, sent_label
from brickwork.platform.web.diagram import layout
from brickwork.platform.web.expressions import raw_body
from brickwork.platform.web.pages import FormDep
from brickwork.platform.web.params import AppKey, FormKey
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import PAGE_POLICY, Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
MAX_BODY = 512 * 1024
CONDITION_SHOWN = 24

# The palette: node types in the order the page offers them, with their names (zh-CN, en).
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("approval", "审批", "Approval"),
    ("task", "填写", "Fill-in task"),
    ("cc", "抄送", "CC"),
    ("exclusive", "条件分支", "Exclusive branch"),
    ("parallel", "并行分支", "Parallel branch"),
    ("inclusive", "包容分支", "Inclusive branch"),
    ("action", "自动处理", "Action"),
    ("timer", "等待", "Timer"),
    ("subflow", "子流程", "Subflow"),
    ("end", "结束", "End"),
)


def type_name(node_type: str, language: str) -> str:
    """A node type's name in `language` (empty for a type the palette does not know)."""
    names = {"start": ("开始", "Start"), **{t: (zh, en) for t, zh, en in PALETTE}}
    found = names.get(node_type)
    return "" if found is None else found[0 if language == "zh-CN" else 1]


def new_spec(form: str) -> dict[str, Any]:
    """A new flow's graph: straight from its start to its end."""
    return {
        "form": form,
        "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
        "edges": [{"id": "e_start_end", "from": "start", "to": "end"}],
    }


def _flows(request: Request, session: Session, app: str) -> list[Any]:
    return [
        row
        for row in request.app.state.metadata.list_definitions(session, app)
        if row.kind == Kind.FLOW and row.archived_at is None
    ]


def _published_forms(session: Session, app: str) -> list[str]:
    return sorted(key for _id, key, _n in MetadataRepository().published(session, app, "form"))


@router.get("/apps/{app}/design/flows", response_model=None)
def flow_list(request: Request, session: SessionDep, app: AppKey) -> Response:
    viewer = viewer_of(request, session)
    return _list_page(request, session, viewer, app)


def _list_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    *,
    problem: PlatformError | None = None,
    sent: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = designs(request, session, viewer, app)
    flows = [
        {
            "key": row.key,
            "label": text_in((row.draft or {}).get("label"), viewer.language) or row.key,
            "form": ((row.draft or {}).get("spec") or {}).get("form", ""),
            "version": row.latest_version,
        }
        for row in _flows(request, session, app)
    ]
    return render(
        request,
        "design/flows.html",
        {
            "app": app,
            "app_row": found,
            "flows": flows,
            "forms": _published_forms(session, app),
            "nav": navigation(request, session, viewer, app),
            "problem": problem,
            "sent": sent or {},
        },
        viewer=viewer,
        status=status,
    )


@router.post("/apps/{app}/design/flows", response_model=None)
def new_flow(request: Request, session: SessionDep, app: AppKey, sent: FormDep) -> Response:
    """A new flow on a published form (a draft from start to end); then its canvas."""
    viewer = viewer_of(request, session, csrf=sent.get("csrf_token"))
    label = sent_label(sent)
    key = sent.get("key", "").strip()
    form = sent.get("form", "").strip()
    if form not in _published_forms(session, app):
        designs(request, session, viewer, app)
        problem = PlatformError(
            "choose a published form of the app: the flow's records are its records",
            code="bad_form",
            zh_cn="请选择本应用一个已发布的表单：流程处理的就是它的记录",
        )
        return _list_page(request, session, viewer, app, problem=problem, sent=sent, status=422)
    try:
        data = DefinitionCreate(kind=Kind.FLOW, key=key, label=label or key, spec=new_spec(form))
        request.app.state.metadata.create_definition(session, viewer.actor, app, data)
    except ValidationError:
        session.rollback()
        problem = PlatformError(
            "the key starts with a lower-case letter, then letters, digits or _",
            code="bad_key",
            zh_cn="编码须以小写字母开头，其后为字母、数字或下划线",
        )
        return _list_page(request, session, viewer, app, problem=problem, sent=sent, status=422)
    except PlatformError as exc:
        session.rollback()
        return _list_page(request, session, viewer, app, problem=exc, sent=sent, status=409)
    return RedirectResponse(f"/apps/{app}/design/flows/{key}", status_code=303)


def _form_fields(request: Request, session: Session, app: str, form: str, language: str) -> Any:
    """The bound form's fields as the flow compiles against them: its latest published
    version (key, label, type)."""
    metadata = request.app.state.metadata
    try:
        row = metadata.definition(session, app, Kind.FORM, form)
    except PlatformError:
        return []
    if row.latest_version is None:
        return []
    body = metadata.version(session, app, Kind.FORM, form, row.latest_version).body
    return [
        {
            "key": field["key"],
            "label": text_in(field.get("label"), language) or field["key"],
            "type": field["type"],
        }
        for field in body["spec"].get("fields", ())
    ]


def _forms(request: Request, session: Session, app: str, language: str) -> list[dict[str, Any]]:
    """The app's published forms with their fields as the flow compiles against them: the forms
    a step may create or update records of (the bound one included)."""
    metadata = request.app.state.metadata
    return [
        {
            "key": row.key,
            "label": text_in((row.draft or {}).get("label"), language) or row.key,
            "fields": _form_fields(request, session, app, row.key, language),
        }
        for row in metadata.list_definitions(session, app, kind=Kind.FORM)
        if row.latest_version is not None
    ]


def _decisions(request: Request, session: Session, app: str, language: str) -> list[dict[str, Any]]:
    """The app's published, live decision models a step may call: key, name, inputs and
    decisions (what a call may name: anything else is refused when the flow compiles)."""
    metadata, decisions = request.app.state.metadata, request.app.state.decisions
    found = []
    for row in metadata.list_definitions(session, app, kind=Kind.DECISION_TABLE):
        if row.latest_version is None:
            continue
        model, _version = decisions.model(session, app, row.key)
        label = text_in((row.draft or {}).get("label"), language) or row.key
        found.append(
            {
                "key": row.key,
                "label": label,
                "inputs": list(model.input_names),
                "decisions": list(model.decision_names),
            }
        )
    return found


def _roles(session: Session, language: str) -> list[dict[str, str]]:
    rows = session.execute(select(Role.key, Role.label).order_by(Role.key))
    return [{"key": key, "label": text_in(label, language) or key} for key, label in rows]


@router.get("/apps/{app}/design/flows/{key}", response_model=None)
def canvas_page(request: Request, session: SessionDep, app: AppKey, key: FormKey) -> Response:
    viewer = viewer_of(request, session)
    found = designs(request, session, viewer, app)
    metadata = request.app.state.metadata
    row = metadata.definition(session, app, Kind.FLOW, key)
    draft = row.draft or {}
    spec = draft.get("spec") or {}
    form = str(spec.get("form") or "")
    decisions = _decisions(request, session, app, viewer.language)
    return render(
        request,
        "design/flow.html",
        {
            "app": app,
            "key": key,
            "row": row,
            "draft": draft,
            "form": form,
            "approval": bool(found.publish_approval),
            "fields": _form_fields(request, session, app, form, viewer.language),
            "roles": _roles(session, viewer.language),
            "decisions": decisions,
            "forms": _forms(request, session, app, viewer.language),
            "palette": PALETTE,
            "type_names": {
                node_type: type_name(node_type, viewer.language)
                for node_type in ("start", *(t for t, _zh, _en in PALETTE))
            },
            "nav": navigation(request, session, viewer, app),
            "designer": True,
        },
        viewer=viewer,
    )


def _answer(content: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(content, status, headers={"Content-Security-Policy": PAGE_POLICY})


def _edge_text(edge: Mapping[str, Any], language: str) -> str:
    """What an edge's line says: its outcome, then its name (a branch's `label`), else its
    condition (shortened) or that it is the default."""
    parts = []
    if edge.get("on") == "rejected":
        parts.append("✗")
    condition = edge.get("condition")
    named = text_in(edge.get("label"), language)
    if named:
        parts.append(named if len(named) <= CONDITION_SHOWN else named[: CONDITION_SHOWN - 1] + "…")
    elif isinstance(condition, str) and condition.strip():
        text = " ".join(condition.split())
        parts.append(text if len(text) <= CONDITION_SHOWN else text[: CONDITION_SHOWN - 1] + "…")
    elif edge.get("default") is True:
        parts.append("默认" if language == "zh-CN" else "default")
    return " ".join(parts)


def drawing_of(spec: Any, language: str) -> dict[str, Any]:
    """Where the page draws each node and edge of `spec` (as much of it as is well formed)."""
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    labels: dict[str, str] = {}
    raw_nodes = spec.get("nodes") if isinstance(spec, Mapping) else None
    raw_edges = spec.get("edges") if isinstance(spec, Mapping) else None
    for node in raw_nodes if isinstance(raw_nodes, list) else ():
        if isinstance(node, Mapping) and isinstance(node.get("id"), str) and node["id"] not in seen:
            seen.add(node["id"])
            nodes.append({"id": node["id"], "type": str(node.get("type", "task"))})
            labels[node["id"]] = (
                text_in(node.get("label"), language)
                or type_name(str(node.get("type")), language)
                or node["id"]
            )
    edges = [
        {
            "id": str(edge.get("id", "")),
            "from": edge["from"],
            "to": edge["to"],
            "label": _edge_text(edge, language),
        }
        for edge in (raw_edges if isinstance(raw_edges, list) else ())
        if isinstance(edge, Mapping)
        and isinstance(edge.get("from"), str)
        and isinstance(edge.get("to"), str)
    ]
    drawn = layout({"nodes": nodes, "edges": edges}, labels, long_below=True)
    return {
        "width": drawn.width,
        "height": drawn.height,
        "boxes": [
            {
                "id": box.id,
                "type": box.type,
                "shape": box.shape,
                "label": box.label,
                "title": box.title,
                "x": box.x,
                "y": box.y,
                "width": box.width,
                "height": box.height,
            }
            for box in drawn.boxes
        ],
        "lines": [
            {"id": line.id, "path": line.path, "label": line.label, "lx": line.lx, "ly": line.ly}
            for line in drawn.lines
        ],
    }


@router.post("/apps/{app}/design/flows/{key}/check", response_model=None)
def check_flow(
    request: Request,
    session: SessionDep,
    app: AppKey,
    key: FormKey,
    raw: Annotated[bytes, Depends(raw_body)],
) -> JSONResponse:
    """The drawing of the graph the page holds (`{"spec": ...}`, unsaved edits included) and
    every problem that would stop it from being published, with pointers under `/spec`."""
    viewer = viewer_of(request, session)
    designs(request, session, viewer, app)
    request.app.state.metadata.definition(session, app, Kind.FLOW, key)  # 404 when unknown
    if len(raw) > MAX_BODY:
        return _answer({"code": "too_large", "message": f"send at most {MAX_BODY} bytes"}, 413)
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    spec = body.get("spec") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        return _answer({"code": "bad_json", "message": 'send {"spec": {...}}: the flow graph'}, 422)
    problems = request.app.state.runs.compiler.problems(session, app, spec)
    return _answer(
        {
            "valid": not problems,
            "problems": [problem.as_dict(viewer.language) for problem in problems],
            "drawing": drawing_of(spec, viewer.language),
        }
    )
