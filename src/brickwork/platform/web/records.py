"""Record pages: the list of a form (search, filter expression, sort, pages, counts; masked
values shown masked) and a record's detail with its change history.

Everything goes through `RecordService`, as the API does: the same row scope, field levels,
masking and audit of reads. htmx swaps the table alone when the list's state changes and
pushes the state into the address bar, so every list is linkable and the back button works.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import get_currency_precision
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.engines.form.definition import PEOPLE_TYPES
from brickwork.engines.form.money import Money
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.clock import BUSINESS_ZONE
from brickwork.platform.errors import Conflict, Invalid, PlatformError
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.web.diagram import layout
from brickwork.platform.web.i18n import translations
from brickwork.platform.web.lists import (
    OPERATORS,
    Condition,
    chosen_columns,
    compiled,
    conditions_of,
    operators_of,
)
from brickwork.platform.web.params import AppKey, FormKey, FormListsDep, RecordId
from brickwork.platform.web.people import Names
from brickwork.platform.web.relations import relations_graph
from brickwork.platform.web.saved import views_of
from brickwork.platform.web.views import Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
PAGE_SIZES = (20, 50, 100)
MAX_COLUMNS = 8
LISTED_TYPES = frozenset(
    {
        "text",
        "textarea",
        "integer",
        "decimal",
        "money",
        "percent",
        "date",
        "datetime",
        "time",
        "single_select",
        "multi_select",
        "boolean",
        "email",
        "phone",
        "url",
        "resident_id",
        "uscc",
        "bank_card",
        "lei",
        "iban",
        "swift_bic",
        "passport",
        "member",
        "department",
        "serial_number",
        "computed",
    }
)
NUMERIC_TYPES = frozenset({"integer", "decimal", "money", "percent"})
SEARCHED_TYPES = frozenset({"text", "textarea", "email", "serial_number"})


@router.get("/apps/{app}/forms/{form}", response_model=None)
def record_list(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    q: Annotated[str, Query(max_length=200)] = "",
    filter: Annotated[str, Query(max_length=4000)] = "",  # noqa: A002 (the list's parameter)
    sort: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=0, le=100_000)] = 0,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    cols: Annotated[str, Query(max_length=2000)] = "",
    col: Annotated[list[str] | None, Query(max_length=64)] = None,
    bf: Annotated[list[str] | None, Query(max_length=64)] = None,
    bo: Annotated[list[str] | None, Query(max_length=16)] = None,
    bv: Annotated[list[str] | None, Query(max_length=400)] = None,
    view: Annotated[str, Query(max_length=36)] = "",
) -> Response:
    """A form's records as the viewer may see them: the columns chosen, the quick search, the
    builder's conditions and the typed filter (all must hold), sorted, a page at a time."""
    viewer = viewer_of(request, session)
    records = request.app.state.records
    published = records.form(session, app, form)
    access = records.access(session, viewer.actor, published, "read")
    fields = [
        item
        for item in published.definition.fields
        if item.type in LISTED_TYPES and access.levels.get(item.key) != FieldLevel.HIDDEN
    ]
    wanted = [key for key in (cols.split(",") if cols else col or []) if key]
    columns, unknown = chosen_columns(fields, wanted, MAX_COLUMNS)
    conditions = conditions_of(bf or [], bo or [], bv or [])
    built, unfit = compiled(
        conditions, fields, access, lambda kind, name: held_id(request, session, kind, name)
    )
    typed = " and ".join(f"({part})" for part in (filter.strip(), built or "") if part)
    expression = combined(q, typed, fields, access)
    problem: PlatformError | None = None
    try:
        found = records.search(
            session,
            viewer.actor,
            app,
            form,
            filter_=expression,
            sort=sort or None,
            limit=size,
            offset=page * size,
            total="auto",
        )
        items, total, exact, more = found.items, found.total, found.total_exact, found.has_more
    except PlatformError as exc:  # a filter that does not parse: say where, keep the page
        if exc.code in ("permission_denied", "not_found"):
            raise
        problem, items, total, exact, more = exc, [], 0, True, False
    people = People(request, session, viewer, columns, items)
    state: list[tuple[str, str]] = [("q", q), ("filter", filter)]
    if wanted:
        state.append(("cols", ",".join(item.key for item in columns)))
    for condition in conditions:
        state += [("bf", condition.field), ("bo", condition.operator), ("bv", condition.value)]
    export = [("filter", expression or ""), ("sort", sort)]
    context = {
        "app": app,
        "form": form,
        "columns": [column_of(item, access, viewer.language, sort) for item in columns],
        "rows": [
            {
                "id": item["id"],
                "cells": [
                    shown(people.named(item.get(c.key), c), c, access, viewer.language)
                    for c in columns
                ],
            }
            for item in items
        ],
        "fields": [
            {
                "key": item.key,
                "label": text_in(item.label, viewer.language),
                "operators": operators_of(item.type),
                "masked": access.levels.get(item.key) == FieldLevel.MASKED,
                "options": [
                    text_in(getattr(o, "label", None) or getattr(o, "value", o), viewer.language)
                    for o in getattr(item, "options", None) or ()
                ],
            }
            for item in fields
        ],
        "example": example_filter(fields, access),
        "shown_columns": {item.key for item in columns},
        "conditions": [*conditions, Condition("", "eq", "")],
        "operators": OPERATORS,
        "unknown_columns": unknown,
        "unfit": unfit,
        "q": q,
        "filter": filter,
        "sort": sort,
        "page": page,
        "size": size,
        "sizes": PAGE_SIZES,
        "state": urlencode([(k, v) for k, v in state if v]),
        "kept": [*state, ("sort", sort), ("size", str(size))],
        "view": view,
        "export": urlencode([(k, v) for k, v in export if v]),
        "total": total,
        "total_exact": exact,
        "has_more": more,
        "problem": problem,
        "may_delete": allowed(records, session, viewer, published, "delete"),
        "may_export": allowed(records, session, viewer, published, "export"),
        "startable": startable(request, session, app, form, viewer.language),
    }
    partial = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "records"
    )
    if not partial:  # what only the whole page shows around the table
        context |= {
            "form_label": published_label(request, session, app, form),
            "nav": navigation(request, session, viewer, app),
            "may_create": allowed(records, session, viewer, published, "create"),
            "may_import": allowed(records, session, viewer, published, "import"),
            "views": views_of(request, session, viewer, app, form),
        }
    return render(
        request, "records/_table.html" if partial else "records/list.html", context, viewer=viewer
    )


@router.get("/apps/{app}/forms/{form}/records/{record_id}", response_model=None)
def record_detail(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
) -> Response:
    """One record: every field the viewer may see, and its history."""
    viewer = viewer_of(request, session)
    return detail_page(request, session, viewer, app, form, record_id)


@router.post("/apps/{app}/forms/{form}/records/{record_id}/reveal", response_model=None)
def reveal(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    sent: FormListsDep,
) -> Response:
    """Masked fields in clear, on this answer only, for the reason given: the grant's `unmask`
    decides, `RecordService.unmask` checks and audits, as the API's unmask does."""
    viewer = viewer_of(request, session, csrf=sent.get("csrf_token", [""])[-1])
    fields = [key for key in sent.get("fields", []) if key]
    reason = (sent.get("reason") or [""])[-1]
    try:
        if not fields:
            said = translations(viewer.language).gettext("choose the fields to show in clear")
            raise Invalid(said, code="unmask_fields_missing", zh_cn="请选择要查看明文的字段")
        shown_clear = request.app.state.records.unmask(
            session, viewer.actor, app, form, record_id, fields=fields, reason=reason
        )
    except PlatformError as exc:
        if exc.code in ("not_found",):
            raise
        session.rollback()
        return detail_page(request, session, viewer, app, form, record_id, problem=exc)
    return detail_page(
        request, session, viewer, app, form, record_id, revealed=shown_clear["values"]
    )


@router.post("/apps/{app}/forms/{form}/records/{record_id}/delete", response_model=None)
def delete_record(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    sent: FormListsDep,
) -> Response:
    """Delete the record (the API's delete: its permission, version check and audit)."""
    viewer = viewer_of(request, session, csrf=sent.get("csrf_token", [""])[-1])
    opened = (sent.get("version") or [""])[-1]
    try:
        request.app.state.records.delete(
            session,
            viewer.actor,
            app,
            form,
            record_id,
            expected_version=int(opened) if opened.isdigit() else None,
        )
    except Conflict as exc:
        session.rollback()
        return detail_page(request, session, viewer, app, form, record_id, problem=exc)
    return RedirectResponse(f"/apps/{app}/forms/{form}", status_code=303)


def detail_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    form: str,
    record_id: str,
    *,
    revealed: dict[str, Any] | None = None,
    problem: PlatformError | None = None,
) -> Response:
    records = request.app.state.records
    published = records.form(session, app, form)
    access = records.access(session, viewer.actor, published, "read")
    record = records.get(session, viewer.actor, app, form, record_id, with_warnings=True)
    kept = record.pop("warnings", [])
    history = records.history(session, viewer.actor, app, form, record_id)
    labels = {item.key: item for item in published.definition.fields}
    revealed = revealed or {}
    base = f"/api/v1/apps/{app}/forms/{form}/records/{record_id}"
    changed = [
        {c["field"]: c.get(side)}
        for entry in history
        for c in entry["changes"]
        if c.get("field") in labels
        for side in ("before", "after")
    ]
    people = People(request, session, viewer, published.definition.fields, [record, *changed])
    fields = []
    for item in published.definition.fields:
        if item.key not in record:
            continue
        clear = item.key in revealed
        value = revealed[item.key] if clear else record.get(item.key)
        entry: dict[str, Any] = {
            "label": text_in(item.label, viewer.language),
            "key": item.key,
            "kind": item.type,
            "revealed": clear,
            "value": shown(
                people.named(value, item), item, CLEAR if clear else access, viewer.language
            ),
        }
        if item.type == "subtable" and isinstance(value, list):
            entry["columns"] = [text_in(c.label, viewer.language) for c in item.fields]
            entry["rows"] = [
                [
                    shown(people.named(row.get(c.key), c), c, access, viewer.language)
                    for c in item.fields
                ]
                for row in value
                if isinstance(row, dict)
            ]
        elif item.type == "signature" and isinstance(value, dict):
            entry["image"] = f"{base}/files/{value.get('id')}"
        elif item.type == "attachment" and isinstance(value, list):
            entry["files"] = [
                {
                    "name": ref.get("name"),
                    "size": ref.get("size"),
                    "link": f"{base}/files/{ref.get('id')}",
                }
                for ref in value
                if isinstance(ref, dict)
            ]
        fields.append(entry)
    unmaskable = [
        {"key": entry["key"], "label": entry["label"]}
        for entry in fields
        if entry["value"]["masked"] and entry["key"] in access.unmaskable
    ]
    changes = [
        {
            "version": entry["version"],
            "action": entry["action"],
            "at": when(entry["changed_at"]),
            "by": entry["changed_by"],
            "changes": [
                {
                    "label": text_in(labels[c["field"]].label, viewer.language)
                    if c.get("field") in labels
                    else c.get("field"),
                    "before": plain(_named_change(people, labels, c, "before")),
                    "after": plain(_named_change(people, labels, c, "after")),
                }
                for c in entry["changes"]
            ],
        }
        for entry in reversed(history)
    ]
    return render(
        request,
        "records/detail.html",
        {
            "app": app,
            "form": form,
            "form_label": published_label(request, session, app, form),
            "record": record,
            "title": title_of(record, published.definition.fields),
            "fields": fields,
            "unmaskable": unmaskable,
            "warnings": [
                {
                    "key": key,
                    "label": text_in(labels[key].label, viewer.language) if key in labels else "",
                    "message": item["message"],
                }
                for item in kept
                for key in [item["pointer"].lstrip("/").split("/", 1)[0]]
            ],
            "revealed": bool(revealed),
            "problem": problem,
            "history": changes,
            "related": related_of(request, session, viewer, app, form, record_id),
            "graph": None
            if published.definition.graph is None
            else relations_graph(
                request, session, viewer, app, form, record, published.definition.graph
            ),
            "may_update": allowed(records, session, viewer, published, "update"),
            "may_delete": allowed(records, session, viewer, published, "delete"),
            "flows": (flows := flows_of(request, session, viewer, app, form, record_id)),
            "person": Names(
                request,
                session,
                [
                    record.get("created_by"),
                    *(entry["by"] for entry in changes),
                    *(flow["initiator"] for flow in flows),
                    *(step["actor"] for flow in flows for step in flow["timeline"]),
                    *(task["assignee"] for flow in flows for task in flow["open_tasks"]),
                ],
                viewer.language,
            ),
            "may_administer_flows": records.permissions.denial(
                records.permissions.principal(session, viewer.actor), "admin", app
            )
            is None,
            "startable": [
                flow
                for flow in startable(request, session, app, form, viewer.language)
                if not any(f["flow"] == flow["key"] and f["status"] == "running" for f in flows)
            ],
            "created_at": when(record.get("created_at")),
            "updated_at": when(record.get("updated_at")),
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
    )


CLEAR = SimpleNamespace(levels={})
"""The field levels of values shown in clear (revealed for a reason): none masks them."""


# ---------------------------------------------------------------- helpers


def held_id(request: Request, session: Session, kind: str, name: str) -> str | None:
    """The id of the user (`kind` "member") or department named `name` (a user name or a
    department key, as a filter's condition types it, or an id), if any."""
    found: str | None = request.app.state.records.repo.held_ids(session, kind, [name]).get(name)
    return found


def combined(q: str, expression: str, fields: list[Any], access: Any) -> str | None:
    """The quick search (any searchable text field contains the words) and the typed filter."""
    parts = []
    words = q.strip()
    if words:
        searched = [
            item.key
            for item in fields
            if item.type in SEARCHED_TYPES and access.levels.get(item.key) != FieldLevel.MASKED
        ]
        if searched:
            literal = json.dumps(words, ensure_ascii=False)
            parts.append(" or ".join(f"contains({key}, {literal})" for key in searched))
    if expression.strip():
        parts.append(f"({expression.strip()})")
    if not parts:
        return None
    return " and ".join(f"({part})" for part in parts) if len(parts) > 1 else parts[0]


def example_filter(fields: list[Any], access: Any) -> str:
    """A filter over this form's own fields, for the filter box's placeholder: its first
    number over 1000 and its first choice's first option (`version > 1` with neither)."""
    usable = [
        item
        for item in fields
        if access.levels.get(item.key) != FieldLevel.MASKED
        and not getattr(item, "encrypted", False)
    ]
    parts = []
    number = next((item for item in usable if item.type in NUMERIC_TYPES), None)
    if number is not None:
        parts.append(f"{number.key} > 1000")
    choice = next(
        (item for item in usable if item.type == "single_select" and getattr(item, "options", ())),
        None,
    )
    if choice is not None:
        first = choice.options[0]
        parts.append(f"{choice.key} = {json.dumps(getattr(first, 'value', first))}")
    return " and ".join(parts) or "version > 1"


def column_of(item: Any, access: Any, language: str, sort: str) -> dict[str, Any]:
    key = item.key
    direction = "asc" if sort == key else "desc" if sort == f"-{key}" else None
    return {
        "key": key,
        "label": text_in(item.label, language),
        "numeric": item.type in NUMERIC_TYPES,
        "masked": access.levels.get(key) == FieldLevel.MASKED,
        "sorted": direction,
        "next_sort": f"-{key}" if direction == "asc" else key,
        # An encrypted value has no order the database knows (it is refused as a sort key).
        "sortable": access.levels.get(key) not in (FieldLevel.MASKED, FieldLevel.HIDDEN)
        and not getattr(item, "encrypted", False),
    }


def shown(value: Any, item: Any, access: Any, language: str) -> dict[str, Any]:
    """A value as the list shows it: text, whether it is a number (right-aligned), masked or
    negative."""
    masked = access.levels.get(item.key) == FieldLevel.MASKED
    if value is None or value == "":
        return {"text": "", "numeric": False, "masked": False, "negative": False}
    kind = item.type
    if kind == "computed":  # shown as what it yields (money with its currency, a date, ...)
        kind = item.result_type
    if masked:
        return {"text": str(value), "numeric": False, "masked": True, "negative": False}
    if kind in NUMERIC_TYPES:
        return _number_shown(value, item, kind)
    if kind == "boolean":
        yes, no = ("是", "否") if language == "zh-CN" else ("Yes", "No")
        return {"text": yes if value else no, "numeric": False, "masked": False, "negative": False}
    if kind == "single_select" or (kind == "text" and getattr(item, "options", None)):
        return {
            "text": option_label(item, value, language),
            "numeric": False,
            "masked": False,
            "negative": False,
        }
    if kind == "datetime":
        return {"text": when(value), "numeric": False, "masked": False, "negative": False}
    return {"text": plain(value), "numeric": False, "masked": False, "negative": False}


def _number_shown(value: Any, item: Any, kind: str) -> dict[str, Any]:
    """A number as `shown` gives it: grouped, money with its currency, a percent of a ratio."""
    currency = getattr(item, "currency", None)
    if isinstance(value, dict):  # money: {"amount": "...", "currency": "CNY"}
        currency = value.get("currency") or currency
        value = value.get("amount")
    number = Decimal(str(value))
    if kind == "percent":  # a ratio: 0.125 shows as 12.5%
        number *= 100
    places = getattr(item, "scale", None)
    if kind == "money":
        places = get_currency_precision(currency) if currency else None
    text = grouped(number, places if isinstance(places, int) else None)
    if kind == "money" and currency:
        text = f"{text} {currency}"
    elif kind == "percent":
        text = f"{text}%"
    return {"text": text, "numeric": True, "masked": False, "negative": number < 0}


def grouped(number: Decimal, places: int | None) -> str:
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = format(abs(number), "f").partition(".")
    text = f"{int(whole):,}"
    return f"{sign}{text}.{fraction}" if fraction else f"{sign}{text}"


def option_label(item: Any, value: Any, language: str) -> str:
    for option in getattr(item, "options", None) or ():
        key = getattr(option, "value", option)
        if key == value:
            return text_in(getattr(option, "label", None) or key, language)
    return str(value)


def when(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return value.astimezone(BUSINESS_ZONE).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if (money := money_text(value)) is not None:
        return money
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def money_text(value: Any) -> str | None:
    """An amount with its currency, as the form engine yields it (`Money`) or as it is stored
    (`{"amount", "currency"}`); None for anything else."""
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, dict) and "amount" in value:
        return f"{value['amount']} {value.get('currency') or ''}".strip()
    return None


def title_of(record: dict[str, Any], fields: Any) -> str:
    for item in fields:
        if item.type == "text" and record.get(item.key):
            return str(record[item.key])
    return str(record.get("id", ""))


def published_label(
    request: Request, session: Session, app: str, key: str, kind: Kind = Kind.FORM
) -> Any:
    """The label of the app's definition of ``kind`` (a form unless said) named ``key``."""
    definition = request.app.state.metadata.definition(session, app, kind, key)
    found: Any = (definition.draft or {}).get("label")
    return found or key


def flow_label(request: Request, session: Session, app: str, key: str, language: str) -> str:
    """A flow's label in ``language`` (its key when it has none, or is gone)."""
    try:
        label = published_label(request, session, app, key, Kind.FLOW)
    except PlatformError:
        return key
    return text_in(label, language) or key


NODE_TYPES = {
    "start": "Start",
    "end": "End",
    "approval": "Approval",
    "task": "Fill-in task",
    "cc": "Copy",
    "exclusive": "Exclusive split",
    "parallel": "Parallel split",
    "inclusive": "Inclusive split",
    "action": "Automatic action",
    "timer": "Timer",
    "subflow": "Subflow",
}
"""The name of a node's type (English message ids of the catalog), for a node without a label."""
TASK_KINDS = {"approve": "approval", "fill": "task"}
"""The node type a task's kind implies (the inbox knows the kind, not the node)."""


def node_name(label: Any, node_type: str | None, node_id: str, language: str) -> str:
    """A step as pages name it: its label in `language`; a step without one by its type (an
    automatic action, an approval), in the reader's language; else by its id."""
    shown = text_in(label, language)
    if shown:
        return shown
    kind = NODE_TYPES.get(node_type or "")
    return translations(language).gettext(kind) if kind else node_id


def flows_of(
    request: Request, session: Session, viewer: Viewer, app: str, form: str, record_id: str
) -> list[dict[str, Any]]:
    """The record's flows, newest first: status, the nodes with theirs, the timeline, and the
    viewer's open task in it."""
    runs = request.app.state.runs
    found = []
    flow_labels: dict[str, str] = {}
    for instance in reversed(runs.of_record(session, viewer.actor, app, form, record_id)):
        detail = runs.detail(session, viewer.actor, instance["id"])
        mine = next(
            (
                task["id"]
                for task in detail["tasks"]
                if task["assignee"] == viewer.username and task["status"] == "open"
            ),
            None,
        )
        if detail["flow"] not in flow_labels:  # a record runs the same flow again and again
            flow_labels[detail["flow"]] = flow_label(
                request, session, app, detail["flow"], viewer.language
            )
        nodes = detail["diagram"]["nodes"]
        language = viewer.language
        labelled = {node["id"]: text_in(node.get("label"), language) for node in nodes}
        names = {n["id"]: node_name(labelled[n["id"]], n["type"], n["id"], language) for n in nodes}
        starts = {node["id"] for node in detail["diagram"]["nodes"] if node["type"] == "start"}
        found.append(
            {
                "id": detail["id"],
                "version": detail["version"],
                "drawing": layout(detail["diagram"], names),
                "flow": detail["flow"],
                "label": flow_labels[detail["flow"]],
                "status": detail["status"],
                "started": when(detail["started_at"]),
                "initiator": detail["initiator"],
                "nodes": [
                    {
                        "label": names[node["id"]],
                        "status": node["status"],
                        "type": node["type"],
                    }
                    for node in detail["diagram"]["nodes"]
                ],
                "timeline": [
                    {
                        "at": when(step["at"]),
                        "actor": step["actor"],
                        "node": labelled.get(step.get("node") or "", ""),
                        "action": step["action"],
                        "comment": step.get("comment"),
                    }
                    for step in detail["timeline"]
                    if step["action"] != "notified"
                ],
                "task": mine,
                "incidents": [
                    {
                        **incident,
                        "label": names.get(incident["node"], incident["node"]),
                        "message": _incident_message(incident, language),
                    }
                    for incident in detail["incidents"]
                ],
                "targets": [
                    {"id": node["id"], "label": names[node["id"]]}
                    for node in detail["diagram"]["nodes"]
                    if node["id"] not in starts
                ],
                "open_tasks": [
                    {
                        "id": task["id"],
                        "version": task["version"],
                        "node": names.get(task["node"], task["node"]),
                        "assignee": task["assignee"],
                    }
                    for task in detail["tasks"]
                    if task["status"] == "open" and task["node"] not in starts
                ]
                if detail["status"] in ("running", "incident")
                else [],
            }
        )
    return found


class People:
    """The users and departments that member and department fields of a page's records name
    (they keep ids), by display name and department name, read once per page."""

    def __init__(
        self,
        request: Request,
        session: Session,
        viewer: Viewer,
        fields: Any,
        items: list[dict[str, Any]],
    ) -> None:
        wanted: dict[str, set[str]] = {"member": set(), "department": set()}
        for kind, value in _people_values(fields, items):
            wanted[kind].update(
                v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
            )
        repo = request.app.state.identities.repo
        self.names: dict[str, str] = {}
        if wanted["member"]:
            for user_id, user in repo.users_by_ids(session, list(wanted["member"])).items():
                self.names[user_id] = user.display_name or user.username
        for department_id in wanted["department"]:
            row = repo.department_by_id(session, department_id)
            if row is not None:
                self.names[department_id] = text_in(row.name, viewer.language) or row.key

    def named(self, value: Any, item: Any) -> Any:
        """`value` of field `item` with the people and departments it names by name (in a
        subtable's rows too)."""
        if not self.names:
            return value
        if item.type == "subtable" and isinstance(value, list):
            columns = {child.key: child for child in item.fields}
            return [
                {k: self.named(v, columns[k]) if k in columns else v for k, v in row.items()}
                if isinstance(row, dict)
                else row
                for row in value
            ]
        if item.type not in PEOPLE_TYPES:
            return value
        if isinstance(value, list):
            return "、".join(self.names.get(v, str(v)) for v in value)
        return self.names.get(value, value) if isinstance(value, str) else value


def _named_change(people: People, labels: dict[str, Any], change: dict[str, Any], side: str) -> Any:
    """One side of a history entry's change of a field, people and departments by name."""
    item = labels.get(change.get("field", ""))
    return change.get(side) if item is None else people.named(change.get(side), item)


def _people_values(fields: Any, items: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    """(`member` or `department`, value) of each member and department field of `items`, those
    in subtable rows included."""
    for item in fields:
        if item.type in PEOPLE_TYPES:
            yield from ((item.type, row.get(item.key)) for row in items)
        elif item.type == "subtable":
            for child in item.fields:
                if child.type in PEOPLE_TYPES:
                    for row in items:
                        rows = row.get(item.key)
                        for cells in rows if isinstance(rows, list) else []:
                            if isinstance(cells, dict):
                                yield child.type, cells.get(child.key)


RELATED = 10


def related_of(
    request: Request, session: Session, viewer: Viewer, app: str, form: str, record_id: str
) -> list[dict[str, Any]]:
    """Records that point at this one through a lookup field, per form and field, as the
    viewer may see them (a few each, with their count and a link to all of them)."""
    from brickwork.platform.web.pages import apps_of

    records = request.app.state.records
    found = []
    literal = json.dumps(record_id)
    for entry in apps_of(request, session, viewer):
        for definition in entry["forms"]:
            other = records.form(session, entry["app"].key, definition.key)
            for item in other.definition.fields:
                target = getattr(item, "target", None)
                if item.type != "lookup" or target is None or target.form != form:
                    continue
                if (target.app or entry["app"].key) != app:
                    continue
                multiple = bool(getattr(item, "multiple", False))
                condition = (
                    f"list contains({item.key}, {literal})"
                    if multiple
                    else f"{item.key} = {literal}"
                )
                try:
                    page = records.search(
                        session,
                        viewer.actor,
                        entry["app"].key,
                        definition.key,
                        filter_=condition,
                        limit=RELATED,
                        total="auto",
                    )
                except PlatformError:
                    continue  # a field the viewer may not filter by: nothing to show
                if not page.items:
                    continue
                found.append(
                    {
                        "app": entry["app"].key,
                        "form": definition.key,
                        "label": text_in((definition.draft or {}).get("label"), viewer.language)
                        or definition.key,
                        "field": text_in(item.label, viewer.language) or item.key,
                        "rows": [
                            {"id": row["id"], "title": title_of(row, other.definition.fields)}
                            for row in page.items
                        ],
                        "total": page.total,
                        "filter": condition,
                    }
                )
    return found


def startable(
    request: Request, session: Session, app: str, form: str, language: str
) -> list[dict[str, str]]:
    """Published flows bound to the form (a record's page offers to start them): each one's
    key and label."""
    metadata = request.app.state.metadata
    compiler = request.app.state.runs.compiler
    found = []
    for definition in metadata.list_definitions(session, app, kind=Kind.FLOW):
        if definition.latest_version is None:
            continue
        try:
            pinned = compiler.latest(session, app, definition.key)
        except PlatformError:
            continue
        if pinned.form_key == form:
            label = text_in((definition.draft or {}).get("label"), language)
            found.append({"key": definition.key, "label": label or definition.key})
    return found


def allowed(records: Any, session: Session, viewer: Viewer, form: Any, action: str) -> bool:
    """Whether the viewer may `action` on the form at all (the button then shows; the action
    itself is checked again when it runs)."""
    try:
        records.access(session, viewer.actor, form, action)
    except PlatformError:
        return False
    return True


def navigation(request: Request, session: Session, viewer: Viewer, app: str) -> dict[str, Any]:
    """The left navigation: the current app's forms, reports and dashboards."""
    from brickwork.platform.web.pages import apps_of

    for entry in apps_of(request, session, viewer, only=app):
        return entry
    return {
        "app": None,
        "forms": [],
        "reports": [],
        "dashboards": [],
        "menu": [],
        "design": False,
        "administer": False,
    }


def _incident_message(incident: dict[str, Any], language: str) -> str | None:
    """Why the flow stopped, in the reader's language when the engine said it in Chinese too."""
    if language == "zh-CN" and incident.get("zh_cn"):
        return str(incident["zh_cn"])
    message = incident.get("message")
    return None if message is None else str(message)
