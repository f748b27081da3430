"""The form designer: the forms of an app for whoever designs it, a new form, and the designer
page (palette, canvas, properties). The page edits the form's draft in the browser and keeps it
through the definition API (`PUT .../definitions/form/{key}` with the draft revision, the
validation problems with their pointers, the dry run of publishing with the planned schema
changes, the diff against the published version, publishing or asking for it when the app
requires a second person). Nothing here evaluates an expression; the checker answers.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse
from brickwork.platform.errors import Invalid, PlatformError
from brickwork.platform.metadata.schemas import DefinitionCreate, Kind
from brickwork.platform.web.expressions import raw_body
from brickwork.platform.web.pages import FormDep
from brickwork.platform.web.params import AppKey, FormKey
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import PAGE_POLICY, Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)
MAX_PREVIEW = 512 * 1024

# The palette: groups of field types, each with its name in both languages (the default label of
# a new field). The order is the order on the page.
PALETTE: tuple[tuple[str, dict[str, str], tuple[tuple[str, str, str], ...]], ...] = (
    (
        "text",
        {"zh-CN": "文本", "en": "Text"},
        (
            ("text", "单行文本", "Text"),
            ("textarea", "多行文本", "Long text"),
            ("email", "电子邮箱", "Email"),
            ("phone", "电话", "Phone"),
            ("url", "网址", "Web address"),
        ),
    ),
    (
        "numbers",
        {"zh-CN": "数字", "en": "Numbers"},
        (
            ("integer", "整数", "Whole number"),
            ("decimal", "小数", "Decimal"),
            ("money", "金额", "Money"),
            ("percent", "百分比", "Percent"),
        ),
    ),
    (
        "choices",
        {"zh-CN": "选择", "en": "Choices"},
        (
            ("single_select", "单选", "Single choice"),
            ("multi_select", "多选", "Multiple choice"),
            ("boolean", "是/否", "Yes/no"),
        ),
    ),
    (
        "time",
        {"zh-CN": "日期时间", "en": "Date and time"},
        (
            ("date", "日期", "Date"),
            ("datetime", "日期时间", "Date and time"),
            ("time", "时间", "Time"),
        ),
    ),
    (
        "identifiers",
        {"zh-CN": "证件与账号", "en": "Identifiers"},
        (
            ("resident_id", "身份证号", "Resident ID"),
            ("uscc", "统一社会信用代码", "USCC"),
            ("bank_card", "银行卡号", "Bank card"),
            ("passport", "护照号", "Passport"),
            ("lei", "LEI", "LEI"),
            ("iban", "IBAN", "IBAN"),
            ("swift_bic", "SWIFT/BIC", "SWIFT/BIC"),
        ),
    ),
    (
        "references",
        {"zh-CN": "关联", "en": "References"},
        (
            ("lookup", "关联记录", "Lookup"),
            ("member", "成员", "Member"),
            ("department", "部门", "Department"),
        ),
    ),
    (
        "structured",
        {"zh-CN": "结构与计算", "en": "Structure and formulas"},
        (
            ("subtable", "子表", "Subtable"),
            ("computed", "计算字段", "Computed"),
            ("serial_number", "流水号", "Serial number"),
            ("attachment", "附件", "Attachments"),
            ("signature", "签名", "Signature"),
            ("location", "位置", "Location"),
        ),
    ),
)


def designs(request: Request, session: Session, viewer: Viewer, app: str) -> Any:
    """The app, when the viewer holds `design` on it (refused otherwise, and audited)."""
    metadata = request.app.state.metadata
    metadata.require(session, viewer.actor, "design", app)
    return metadata.app(session, app)


def sent_label(sent: dict[str, str]) -> dict[str, str]:
    """A new definition's name from a page's `label_zh` and `label_en` (the ones given)."""
    given = (("zh-CN", sent.get("label_zh", "")), ("en", sent.get("label_en", "")))
    return {language: text.strip() for language, text in given if text.strip()}


def _forms(request: Request, session: Session, app: str) -> list[Any]:
    return [
        row
        for row in request.app.state.metadata.list_definitions(session, app)
        if row.kind == Kind.FORM and row.archived_at is None
    ]


@router.get("/apps/{app}/design/forms", response_model=None)
def form_list(request: Request, session: SessionDep, app: AppKey) -> Response:
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
    return render(
        request,
        "design/forms.html",
        {
            "app": app,
            "app_row": found,
            "forms": _forms(request, session, app),
            "nav": navigation(request, session, viewer, app),
            "problem": problem,
            "sent": sent or {},
        },
        viewer=viewer,
        status=status,
    )


@router.post("/apps/{app}/design/forms", response_model=None)
def new_form(request: Request, session: SessionDep, app: AppKey, sent: FormDep) -> Response:
    """A new form (an empty draft) under the key and labels given; then its designer."""
    viewer = viewer_of(request, session, csrf=sent.get("csrf_token"))
    label = sent_label(sent)
    key = sent.get("key", "").strip()
    try:
        data = DefinitionCreate(kind=Kind.FORM, key=key, label=label or key)
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
    return RedirectResponse(f"/apps/{app}/design/forms/{key}", status_code=303)


@router.get("/apps/{app}/design/forms/{form}", response_model=None)
def designer_page(request: Request, session: SessionDep, app: AppKey, form: FormKey) -> Response:
    viewer = viewer_of(request, session)
    found = designs(request, session, viewer, app)
    metadata = request.app.state.metadata
    row = metadata.definition(session, app, Kind.FORM, form)
    others = [
        {"key": other.key, "label": (other.draft or {}).get("label") or other.key}
        for other in _forms(request, session, app)
        if other.key != form
    ]
    return render(
        request,
        "design/form.html",
        {
            "app": app,
            "form": form,
            "row": row,
            "draft": row.draft or {},
            "problems": [p.as_dict(viewer.language) for p in metadata.problems(row)],
            "approval": bool(found.publish_approval),
            "others": others,
            "palette": PALETTE,
            "nav": navigation(request, session, viewer, app),
            "designer": True,
        },
        viewer=viewer,
    )


@router.post("/apps/{app}/design/forms/{form}/preview", response_model=None)
def preview(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    raw: Annotated[bytes, Depends(raw_body)],
) -> JSONResponse:
    """A record of the draft the page holds (`{"spec": ..., "values": ...}`, the sample values
    as typed): its computed values, the fields hidden and read-only, every problem with its
    pointer. Nothing is saved; the browser evaluates nothing itself."""
    viewer = viewer_of(request, session)
    if len(raw) > MAX_PREVIEW:
        return _answer({"code": "too_large", "message": f"send at most {MAX_PREVIEW} bytes"}, 413)
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("spec"), dict)
        or not isinstance(body.get("values", {}), dict)
    ):
        message = 'send {"spec": {...}, "values": {...}}: the draft and the sample values'
        return _answer({"code": "bad_json", "message": message}, 422)
    request.app.state.metadata.definition(session, app, Kind.FORM, form)  # 404 when unknown
    try:
        found = request.app.state.records.preview(
            session, viewer.actor, app, body["spec"], body.get("values", {})
        )
    except Invalid as exc:
        return _answer(
            {
                "code": exc.code,
                "message": exc.text(viewer.language),
                "errors": [item.as_dict(viewer.language) for item in exc.errors],
            },
            422,
        )
    return _answer(
        {
            "ok": not found.errors,
            "values": found.values,
            "errors": [item.as_dict(viewer.language) for item in found.errors],
            "warnings": found.warnings,
            "hidden": sorted(found.hidden),
            "readonly": sorted(found.readonly),
        }
    )


def _answer(content: dict[str, Any], status: int = 200) -> JSONResponse:
    """JSON with amounts as strings of their exact digits."""
    return ExactJSONResponse(content, status, headers={"Content-Security-Policy": PAGE_POLICY})
