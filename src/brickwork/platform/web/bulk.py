"""Actions on the rows chosen in a record list: delete them, or start a flow on each. Each
record goes through the service the API uses (its own permission check, version and audit)
in a savepoint of its own, so one refusal (a row out of the viewer's scope, a flow already
running) costs only that row; the page then says how many were done and why the others were
not.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import Invalid, PlatformError
from brickwork.platform.web.i18n import translations
from brickwork.platform.web.params import AppKey, FormKey, FormListsDep, first
from brickwork.platform.web.records import navigation, published_label, title_of
from brickwork.platform.web.views import render, viewer_of

router = APIRouter(include_in_schema=False)
MAX_ROWS = 100
ACTIONS = ("delete", "start")


@router.post("/apps/{app}/forms/{form}/bulk", response_model=None)
def bulk_action(
    request: Request, session: SessionDep, app: AppKey, form: FormKey, sent: FormListsDep
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    action = first(sent, "action", "")
    chosen = sent.get("ids") or (sent.get("page", []) if "all" in sent else [])
    ids = list(dict.fromkeys(chosen))
    if action not in ACTIONS:
        raise Invalid(
            f"unknown action {action!r}", code="validation_failed", zh_cn=f"未知的操作 {action!r}"
        )
    _ = translations(viewer.language).gettext
    if not ids:
        raise Invalid(
            _("select the rows to act on first"),
            code="bulk_nothing_selected",
            zh_cn="请先选择要操作的记录",
        )
    if len(ids) > MAX_ROWS:
        too_many = _("at most %(num)d rows at a time") % {"num": MAX_ROWS}
        raise Invalid(too_many, code="bulk_too_many", zh_cn=f"一次最多操作 {MAX_ROWS} 条记录")
    state = request.app.state
    flow = first(sent, "flow", "")
    done: list[str] = []
    refused: list[dict[str, Any]] = []
    published = state.records.form(session, app, form)
    for record_id in ids:
        try:
            with session.begin_nested():
                title = title_of(
                    state.records.get(session, viewer.actor, app, form, record_id),
                    published.definition.fields,
                )
                if action == "delete":
                    state.records.delete(session, viewer.actor, app, form, record_id)
                else:
                    state.runs.start_flow(session, viewer.actor, app, form, record_id, flow)
            done.append(title)
        except PlatformError as exc:
            refused.append({"id": record_id, "message": exc.text(viewer.language)})
    return render(
        request,
        "records/bulk_done.html",
        {
            "app": app,
            "form": form,
            "form_label": published_label(request, session, app, form),
            "action": action,
            "flow": flow,
            "done": done,
            "refused": refused,
            "back": f"/apps/{app}/forms/{form}",
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
    )
