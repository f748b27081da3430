"""The rule editor: the rules of an app for whoever designs it (what starts each one, its
published version and draft, whether it runs in shadow), a new rule, and the editor page
(trigger, condition, typed actions, shadow mode, examples). The page edits the rule's draft in
the browser and keeps it through the definition API (`PUT .../definitions/rule/{key}` with the
draft revision, the problems with their pointers, the dry run of publishing, the diff against
the published version, publishing or asking for it when the app requires a second person); its
examples run through `POST /api/v1/apps/{app}/rules/{key}/examples/run`. Nothing here evaluates
an expression; the server answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork import jsonio
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import PlatformError
from brickwork.platform.metadata.schemas import DefinitionCreate, Kind
from brickwork.platform.web.designer import designs
from brickwork.platform.web.pages import FormDep
from brickwork.platform.web.params import AppKey, FormKey
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)

TRIGGERS = ("record", "schedule", "manual", "flow")
"""What may start a new rule, in the order the new-rule form offers them."""


def new_spec(trigger: str, form: str) -> dict[str, Any]:
    """The draft of a new rule: what starts it on `form`, in the phase that trigger allows,
    and no action yet (the editor asks for one before it can be published)."""
    if trigger == "schedule":
        return {
            "trigger": {
                "on": "schedule",
                "cron": "0 2 * * *",
                "timezone": "Asia/Shanghai",
                "for_each": {"form": form},
            },
            "phase": "after_save",
            "condition": "true",
            "actions": [],
        }
    if trigger == "manual":
        return {"trigger": {"on": "manual", "form": form}, "condition": "true", "actions": []}
    if trigger == "flow":
        found = {"on": "flow", "form": form, "flow": "", "events": ["finished"]}
        return {"trigger": found, "condition": "true", "actions": []}
    return {
        "trigger": {"on": "record", "form": form, "events": ["created", "updated"]},
        "phase": "before_save",
        "condition": "true",
        "actions": [],
    }


def _rows(request: Request, session: Session, app: str, kind: Kind) -> list[Any]:
    return [
        row
        for row in request.app.state.metadata.list_definitions(session, app)
        if row.kind == kind and row.archived_at is None
    ]


def _fields(raw: Any) -> list[dict[str, Any]]:
    """A form's fields as its draft has them (the editor picks fields from them and the
    expression checker types them)."""
    return (
        [f for f in raw if isinstance(f, dict) and isinstance(f.get("key"), str)]
        if isinstance(raw, list)
        else []
    )


def forms_of(request: Request, session: Session, app: str) -> list[dict[str, Any]]:
    """The app's forms with their fields (as their drafts have them)."""
    return [
        {
            "key": row.key,
            "label": (row.draft or {}).get("label") or row.key,
            "fields": _fields(((row.draft or {}).get("spec") or {}).get("fields")),
            "published": bool(row.latest_version),
        }
        for row in _rows(request, session, app, Kind.FORM)
    ]


def decisions_of(request: Request, session: Session, app: str) -> list[dict[str, Any]]:
    """The app's decision models: their input data, decisions and the entry table's outputs."""
    found = []
    for row in _rows(request, session, app, Kind.DECISION_TABLE):
        spec = (row.draft or {}).get("spec") or {}
        decisions = [d for d in spec.get("decisions") or [] if isinstance(d, dict)]
        logic = (decisions[0].get("logic") if decisions else None) or {}
        found.append(
            {
                "key": row.key,
                "label": (row.draft or {}).get("label") or row.key,
                "published": bool(row.latest_version),
                "inputs": [i.get("name") for i in spec.get("inputs") or [] if isinstance(i, dict)],
                "decisions": [d.get("name") for d in decisions],
                "outputs": [
                    o.get("name") for o in logic.get("outputs") or [] if isinstance(o, dict)
                ],
            }
        )
    return found


def flows_of(request: Request, session: Session, app: str) -> list[dict[str, Any]]:
    """The app's flows: the form each runs on and its nodes."""
    found = []
    for row in _rows(request, session, app, Kind.FLOW):
        spec = (row.draft or {}).get("spec") or {}
        found.append(
            {
                "key": row.key,
                "label": (row.draft or {}).get("label") or row.key,
                "form": spec.get("form"),
                "nodes": [n.get("id") for n in spec.get("nodes") or [] if isinstance(n, dict)],
            }
        )
    return found


def summary(spec: dict[str, Any]) -> dict[str, Any]:
    """What starts the rule, for the list: its kind and the words that go with it."""
    found = spec.get("trigger")
    trigger: dict[str, Any] = found if isinstance(found, dict) else {}
    on = trigger.get("on")
    if on == "schedule":
        each = trigger.get("for_each") or {}
        return {
            "on": on,
            "cron": trigger.get("cron", ""),
            "timezone": trigger.get("timezone", "UTC"),
            "form": each.get("form") if isinstance(each, dict) else None,
        }
    return {
        "on": on,
        "form": trigger.get("form"),
        "events": list(trigger.get("events") or ([] if on == "manual" else ["created"])),
        "flow": trigger.get("flow"),
        "phase": spec.get("phase", "after_save"),
    }


@router.get("/apps/{app}/design/rules", response_model=None)
def rule_list(request: Request, session: SessionDep, app: AppKey) -> Response:
    """The app's rules, and a form to start a new one."""
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
    rules = [
        {
            "row": row,
            "spec": (row.draft or {}).get("spec") or {},
            "summary": summary((row.draft or {}).get("spec") or {}),
        }
        for row in _rows(request, session, app, Kind.RULE)
    ]
    return render(
        request,
        "design/rules.html",
        {
            "app": app,
            "app_row": found,
            "rules": rules,
            "forms": forms_of(request, session, app),
            "triggers": TRIGGERS,
            "nav": navigation(request, session, viewer, app),
            "problem": problem,
            "sent": sent or {},
        },
        viewer=viewer,
        status=status,
    )


@router.post("/apps/{app}/design/rules", response_model=None)
def new_rule(request: Request, session: SessionDep, app: AppKey, sent: FormDep) -> Response:
    """A new rule (a draft under the key and name given, started by the trigger chosen on the
    form chosen); then its editor."""
    viewer = viewer_of(request, session, csrf=sent.get("csrf_token"))
    key = sent.get("key", "").strip()
    name = sent.get("label", "").strip()
    form = sent.get("form", "").strip()
    trigger = sent.get("trigger", "record")
    forms = {f["key"] for f in forms_of(request, session, app)}
    if form not in forms or trigger not in TRIGGERS:
        problem = PlatformError(
            "choose the form the rule acts on", code="bad_form", zh_cn="请选择规则作用的表单"
        )
        return _list_page(request, session, viewer, app, problem=problem, sent=sent, status=422)
    try:
        data = DefinitionCreate(
            kind=Kind.RULE, key=key, label=name or key, spec=new_spec(trigger, form)
        )
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
    return RedirectResponse(f"/apps/{app}/design/rules/{key}", status_code=303)


@router.get("/apps/{app}/design/rules/{key}", response_model=None)
def rule_page(request: Request, session: SessionDep, app: AppKey, key: FormKey) -> Response:
    """The editor of one rule's draft."""
    viewer = viewer_of(request, session)
    found = designs(request, session, viewer, app)
    metadata = request.app.state.metadata
    row = metadata.definition(session, app, Kind.RULE, key)
    # as JSON text written by jsonio: drafts hold exact decimals (test values, defaults)
    data = {
        "draft": row.draft or {},
        "problems": [p.as_dict(viewer.language) for p in metadata.problems(row)],
        "forms": forms_of(request, session, app),
        "decisions": decisions_of(request, session, app),
        "flows": flows_of(request, session, app),
    }
    return render(
        request,
        "design/rule.html",
        {
            "app": app,
            "key": key,
            "row": row,
            "draft": row.draft or {},
            "data": {name: jsonio.dumps(value) for name, value in data.items()},
            "approval": bool(found.publish_approval),
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
    )
