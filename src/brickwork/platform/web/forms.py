"""Create and edit pages of a form's records, rendered from the form's definition.

One evaluator: the server. While the user types, htmx posts the form to `.../check`, which
validates it exactly as saving would (`RecordService.check`: coercion, computed values,
conditions, required fields) and answers with out-of-band swaps of each field's error, each
computed value and each field's visibility; nothing is saved. Saving goes through
`RecordService.create` / `update`, the API's path: the same permissions, audit and hooks. A
save that meets a newer version (someone else saved first) says so and offers to reload (lose
my edits) or to save mine over theirs, listing what they changed.

Widgets by type: text-like inputs, numbers and amounts as text (exact decimals; the server
parses them), dates, date-times in the user's zone, yes/no, selects and multi-selects,
lookups as a choice among the target form's records the user may read and its `where` admits
(with a search when there are more than the list shows), subtables as a table of rows that
are added, removed and moved by the server (`.../rows`; rows keep their ids, so a moved row
is the same row), attachments as files stored as they are chosen, signatures drawn on a canvas
and stored as an image, locations as latitude and longitude (or the device's position). Rich
text is shown read-only and keeps its value. While a flow runs on the record, an assignee may change
only the fields of their step.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.engines.flow import ResolveIncident
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.clock import BUSINESS_ZONE, wall_time
from brickwork.platform.errors import (
    Conflict,
    ErrorItem,
    Invalid,
    NotFound,
    PlatformError,
)
from brickwork.platform.records.imports import ungrouped_number
from brickwork.platform.records.service import PEOPLE, people_texts
from brickwork.platform.runs.schemas import MAX_ID
from brickwork.platform.web.pages import MAX_FIELD
from brickwork.platform.web.params import (
    AppKey,
    FieldKey,
    FormKey,
    FormListsDep,
    RecordId,
    first,
)
from brickwork.platform.web.records import (
    LISTED_TYPES,
    NUMERIC_TYPES,
    combined,
    money_text,
    navigation,
    published_label,
    title_of,
)
from brickwork.platform.web.views import Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
PREFIX = "f."
FILE_TYPES = frozenset({"attachment", "signature"})
MAX_SUGGESTIONS = 1000
EDITABLE = (
    (LISTED_TYPES - {"computed", "serial_number"}) | {"lookup", "subtable", "location"} | FILE_TYPES
)
"""Types with a widget in the page (the others are shown read-only and keep their values)."""
CELLS = EDITABLE - {"lookup", "subtable", "multi_select", "location"} - FILE_TYPES
"""Types with a widget in a subtable row (the other cells are shown and keep their values)."""
ROW_ID = "_id"
ROW_OPS = ("add", "remove", "up", "down")
LOOKUP_CHOICES = 200


async def form_with_files(
    request: Request,
) -> AsyncIterator[tuple[dict[str, list[str]], dict[str, Any]]]:
    """A record form posted with a file (multipart) or without one: its fields, each with all
    its values, and its files by field name (their temporary files closed after the answer)."""
    async with request.form(max_files=1, max_fields=2000) as posted:
        fields: dict[str, list[str]] = {}
        files: dict[str, Any] = {}
        for name, value in posted.multi_items():
            if isinstance(value, str):
                fields.setdefault(name, []).append(value[:MAX_FIELD])
            else:
                files[name] = value
        yield fields, files


WithFilesDep = Annotated[tuple[dict[str, list[str]], dict[str, Any]], Depends(form_with_files)]


# ---------------------------------------------------------------- pages


@router.get("/apps/{app}/forms/{form}/new", response_model=None)
def new_record(request: Request, session: SessionDep, app: AppKey, form: FormKey) -> Response:
    viewer = viewer_of(request, session)
    page = FormPage(request, session, viewer, app, form, None)
    return page.render({}, [])


@router.post("/apps/{app}/forms/{form}/new", response_model=None)
def create_record(
    request: Request, session: SessionDep, app: AppKey, form: FormKey, sent: FormListsDep
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    page = FormPage(request, session, viewer, app, form, None)
    data = page.data(sent)
    try:
        made = request.app.state.records.create(session, viewer.actor, app, form, data)
    except Invalid as exc:
        session.rollback()
        return page.render(data, exc.errors, problem=exc)
    return RedirectResponse(f"/apps/{app}/forms/{form}/records/{made['id']}", status_code=303)


@router.get("/apps/{app}/forms/{form}/records/{record_id}/edit", response_model=None)
def edit_record(
    request: Request, session: SessionDep, app: AppKey, form: FormKey, record_id: RecordId
) -> Response:
    viewer = viewer_of(request, session)
    page = FormPage(request, session, viewer, app, form, record_id)
    return page.render(page.stored, [])


@router.post("/apps/{app}/forms/{form}/records/{record_id}/edit", response_model=None)
def update_record(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    sent: FormListsDep,
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    page = FormPage(request, session, viewer, app, form, record_id)
    data = page.data(sent)
    opened = first(sent, "version")
    expected = int(opened) if opened and opened.isdigit() else None
    try:
        request.app.state.records.update(
            session, viewer.actor, app, form, record_id, data, expected_version=expected
        )
    except Invalid as exc:
        session.rollback()
        return page.render(data, exc.errors, problem=exc, version=expected)
    except Conflict as exc:
        session.rollback()
        if exc.code != "stale_record":
            raise
        return page.render(data, [], conflict=page.changed_since(expected), version=expected)
    return RedirectResponse(f"/apps/{app}/forms/{form}/records/{record_id}", status_code=303)


@router.post("/apps/{app}/forms/{form}/check", response_model=None)
def check_new(
    request: Request, session: SessionDep, app: AppKey, form: FormKey, sent: FormListsDep
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    return FormPage(request, session, viewer, app, form, None).checked(sent)


@router.post("/apps/{app}/forms/{form}/records/{record_id}/check", response_model=None)
def check_edit(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    sent: FormListsDep,
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    return FormPage(request, session, viewer, app, form, record_id).checked(sent)


@router.post("/apps/{app}/forms/{form}/rows", response_model=None)
def rows_new(
    request: Request, session: SessionDep, app: AppKey, form: FormKey, sent: FormListsDep
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    return FormPage(request, session, viewer, app, form, None).rows(sent, request.query_params)


@router.post("/apps/{app}/forms/{form}/records/{record_id}/rows", response_model=None)
def rows_edit(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    sent: FormListsDep,
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    page = FormPage(request, session, viewer, app, form, record_id)
    return page.rows(sent, request.query_params)


@router.post("/apps/{app}/forms/{form}/attachments/{field}", response_model=None)
def attach_new(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    field: FieldKey,
    posted: WithFilesDep,
) -> Response:
    viewer = viewer_of(request, session, csrf=first(posted[0], "csrf_token"))
    page = FormPage(request, session, viewer, app, form, None)
    return page.attachments(field, *posted, remove=request.query_params.get("remove"))


@router.post(
    "/apps/{app}/forms/{form}/records/{record_id}/attachments/{field}", response_model=None
)
def attach_edit(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    field: FieldKey,
    posted: WithFilesDep,
) -> Response:
    viewer = viewer_of(request, session, csrf=first(posted[0], "csrf_token"))
    page = FormPage(request, session, viewer, app, form, record_id)
    return page.attachments(field, *posted, remove=request.query_params.get("remove"))


@router.get("/apps/{app}/forms/{form}/lookup/{field}", response_model=None)
def lookup_options(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    field: FieldKey,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The choices of a lookup field whose words match `q` (the chosen ones first), as the
    options of its select: the target's records the viewer may read, searched in their text
    fields the viewer sees in clear."""
    viewer = viewer_of(request, session)
    published = request.app.state.records.form(session, app, form)
    item = next((f for f in published.definition.fields if f.key == field), None)
    if item is None or item.type != "lookup":
        raise NotFound(
            f"form {form!r} has no lookup field {field!r}",
            code="not_found",
            zh_cn=f"表单 {form} 没有关联字段 {field}",
        )
    chosen = [v for v in request.query_params.getlist(PREFIX + field) if v][:LOOKUP_CHOICES]
    options, _more = lookup_choices(request, session, viewer, app, item, chosen, words=q)
    return render(
        request,
        "records/_options.html",
        {
            "options": options,
            "chosen": set(chosen),
            "multiple": bool(getattr(item, "multiple", False)),
        },
        viewer=viewer,
    )


@router.post("/apps/{app}/forms/{form}/records/{record_id}/flows", response_model=None)
def start_flow(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    sent: FormListsDep,
) -> Response:
    """Start a flow on the record (the viewer is its initiator), then back to the record."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    request.app.state.runs.start_flow(
        session, viewer.actor, app, form, record_id, first(sent, "flow", "")
    )
    return RedirectResponse(f"/apps/{app}/forms/{form}/records/{record_id}", status_code=303)


@router.post(
    "/apps/{app}/forms/{form}/records/{record_id}/flows/{instance}/terminate",
    response_model=None,
)
def terminate_flow(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    instance: RecordId,
    sent: FormListsDep,
) -> Response:
    """End one of the record's flows for good (administrators of the app), with a reason and
    the version the page showed; then back to the record."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    request.app.state.runs.terminate(
        session,
        viewer.actor,
        instance,
        first(sent, "reason", ""),
        expected_version=_sent_version(sent),
        key=None,
    )
    return RedirectResponse(f"/apps/{app}/forms/{form}/records/{record_id}", status_code=303)


@router.post(
    "/apps/{app}/forms/{form}/records/{record_id}/tasks/{task}/reassign", response_model=None
)
def reassign_task(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    task: Annotated[int, Path(ge=1, le=MAX_ID)],
    sent: FormListsDep,
) -> Response:
    """Give an open task of one of the record's flows to someone else (administrators of the
    app), with a reason and the version the page showed; then back to the record."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    request.app.state.runs.reassign(
        session,
        viewer.actor,
        task,
        first(sent, "to", "").strip(),
        first(sent, "reason", ""),
        expected_version=_sent_version(sent),
        key=None,
    )
    return RedirectResponse(f"/apps/{app}/forms/{form}/records/{record_id}", status_code=303)


@router.post(
    "/apps/{app}/forms/{form}/records/{record_id}/flows/{instance}/resolve",
    response_model=None,
)
def resolve_incident(
    request: Request,
    session: SessionDep,
    app: AppKey,
    form: FormKey,
    record_id: RecordId,
    instance: RecordId,
    sent: FormListsDep,
) -> Response:
    """Resolve where one of the record's flows stopped (administrators of the app): enter the
    node again, or another one, with a comment; then back to the record."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    node = first(sent, "node", "")
    to = first(sent, "to", "") or None
    comment = first(sent, "comment", "").strip() or None
    user = viewer.actor.username
    request.app.state.runs.admin_command(
        session,
        viewer.actor,
        instance,
        lambda version: ResolveIncident(user, node, to, version, comment),
        expected_version=_sent_version(sent),
        key=None,
        comment=comment,
        action="resolve_incident",
    )
    return RedirectResponse(f"/apps/{app}/forms/{form}/records/{record_id}", status_code=303)


def _sent_version(sent: dict[str, list[str]]) -> int | None:
    """The version a page showed (in its `expected_version` field), if it sent one."""
    version = first(sent, "expected_version", "")
    return int(version) if version.isdigit() else None


# ---------------------------------------------------------------- the page


class FormPage:
    """One create or edit page: which fields it shows, with which widgets, and how the
    submitted strings become the record's values."""

    def __init__(
        self,
        request: Request,
        session: Session,
        viewer: Viewer,
        app: str,
        form: str,
        record_id: str | None,
    ) -> None:
        self.request = request
        self.session = session
        self.viewer = viewer
        self.app = app
        self.form = form
        self.record_id = record_id
        records = request.app.state.records
        self.records = records
        self.published = records.form(session, app, form)
        action = "create" if record_id is None else "update"
        self.access = records.access(session, viewer.actor, self.published, action)
        self.stored: dict[str, Any] = {}
        if record_id is not None:
            self.stored = records.get(session, viewer.actor, app, form, record_id)
        writable = self.access.writable.get(action, frozenset())
        self.fields = [
            item
            for item in self.published.definition.fields
            if self.access.levels.get(item.key, FieldLevel.HIDDEN) != FieldLevel.HIDDEN
        ]
        self.suggested: dict[str, list[dict[str, str]]] = {}
        self.step: frozenset[str] | None = None
        """While a flow runs and the viewer holds a task in it: the fields their step lets
        them change (the others are shown read-only, as saving would refuse them)."""
        if record_id is not None:
            self.step = request.app.state.runs.step_writable(
                session, viewer.actor, app, form, record_id
            )
            if self.step is not None:
                writable = writable & self.step
        self.writable = {
            item.key
            for item in self.fields
            if item.key in writable
            and item.type in EDITABLE
            and self.access.levels.get(item.key) != FieldLevel.MASKED
        }

    @property
    def base(self) -> str:
        return f"/apps/{self.app}/forms/{self.form}"

    @property
    def action(self) -> str:
        if self.record_id is None:
            return f"{self.base}/new"
        return f"{self.base}/records/{self.record_id}/edit"

    def data(self, sent: dict[str, list[str]]) -> dict[str, Any]:
        """The record's values from the submitted strings (the server's coercion does the rest:
        amounts stay exact text, dates are parsed and checked there)."""
        data: dict[str, Any] = {}
        for item in self.fields:
            if item.key not in self.writable:
                continue
            if item.type == "subtable":
                data[item.key] = rows_of(item, sent)
            elif item.type == "location":
                data[item.key] = place_of(item.key, sent)
            else:  # people by user name, departments by key: the save holds their ids
                data[item.key] = value_of(item, sent.get(PREFIX + item.key, []))
        return data

    def cell_text(self, value: Any, kind: str) -> str:
        """A subtable cell's value as its input shows it: people by user name, departments by
        key, as they are typed."""
        if kind in PEOPLE and value:
            return self.names_of(kind, value)
        return cell_text(value, kind)

    def names_of(self, kind: str, value: Any) -> str:
        """The ids a member or department field keeps, as the user names or keys people type."""
        ids = [v for v in (value if isinstance(value, list) else [value]) if v]
        repo = self.request.app.state.identities.repo
        if kind == "member":
            users = repo.users_by_ids(self.session, ids)
            names = [users[i].username if i in users else str(i) for i in ids]
        else:
            rows = {i: repo.department_by_id(self.session, i) for i in ids}
            names = [row.key if (row := rows[i]) is not None else str(i) for i in ids]
        return ", ".join(names)

    def checked(self, sent: dict[str, list[str]]) -> Response:
        """Errors, computed values and visibility of the form as it stands (nothing saved)."""
        data = self.data(sent)
        try:
            found = self.records.check(
                self.session,
                self.viewer.actor,
                self.app,
                self.form,
                data,
                record_id=self.record_id,
            )
            values, errors, hidden = found.values, found.errors, found.hidden
            warnings = found.warnings
        except PlatformError as exc:
            values, errors, hidden = data, list(exc.errors), frozenset()
            warnings = []
        touched = set(first(sent, "touched", "").split(",")) | {
            key for key in data if data[key] not in (None, "", [], False)
        }
        messages = by_field(errors)
        labels = {item.key: text_in(item.label, self.viewer.language) for item in self.fields}
        return render(
            self.request,
            "records/_checked.html",
            {
                "warnings": [
                    {"key": key, "label": labels.get(key, key), "message": item["message"]}
                    for item in warnings
                    if (key := field_key(item["pointer"])) in touched or not key
                ],
                "fields": [
                    {
                        "key": item.key,
                        "error": messages.get(item.key) if item.key in touched else None,
                        "hidden": item.key in hidden,
                        "computed": item.type == "computed",
                        "value": plain(values.get(item.key)),
                    }
                    for item in self.fields
                ],
            },
            viewer=self.viewer,
        )

    def render(
        self,
        values: dict[str, Any],
        errors: Any,
        *,
        problem: PlatformError | None = None,
        conflict: list[dict[str, Any]] | None = None,
        version: int | None = None,
    ) -> Response:
        messages = by_field(errors)
        cells = by_cell(errors)
        language = self.viewer.language
        labels = {item.key: text_in(item.label, language) for item in self.fields}
        return render(
            self.request,
            "records/form.html",
            {
                "app": self.app,
                "form": self.form,
                "form_label": published_label(self.request, self.session, self.app, self.form),
                "record_id": self.record_id,
                "title": title_of(self.stored, self.published.definition.fields)
                if self.stored
                else None,
                "action": self.action,
                "check": f"{self.action.rsplit('/', 1)[0]}/check"
                if self.record_id
                else f"{self.base}/check",
                "cancel": f"{self.base}/records/{self.record_id}" if self.record_id else self.base,
                "version": version if version is not None else self.stored.get("version"),
                "sections": self.sections(
                    [
                        self.widget(item, values, messages.get(item.key), language, cells)
                        for item in self.fields
                    ],
                    language,
                ),
                "problem": problem,
                "summary": [
                    {"key": key, "label": labels.get(key, ""), "message": message}
                    for key, message in messages.items()
                ],
                "conflict": conflict,
                "step": self.step is not None,
                "nav": navigation(self.request, self.session, self.viewer, self.app),
            },
            viewer=self.viewer,
        )

    def attachments(
        self,
        key: str,
        sent: dict[str, list[str]],
        files: dict[str, Any],
        *,
        remove: str | None,
    ) -> Response:
        """An attachment field again after storing the file chosen in it (as the API's upload
        does: the same checks and quota) or taking one off (`remove`), checked as saving would
        check it; the record itself is saved only with the form."""
        item = next((f for f in self.fields if f.key == key and f.type in FILE_TYPES), None)
        if item is None or key not in self.writable:
            raise NotFound(
                f"the form has no attachment field {key!r} you may change",
                zh_cn=f"表单中没有您可以修改的附件字段 {key}",
            )
        signature = item.type == "signature"
        found_refs = value_of(item, sent.get(PREFIX + key, []))
        refs = [found_refs] if signature and found_refs else [] if signature else found_refs
        if remove:
            refs = [ref for ref in refs if not isinstance(ref, dict) or ref.get("id") != remove]
        problem: str | None = None
        chosen = files.get(f"upload.{key}")
        if chosen is not None and chosen.filename:
            try:
                stored = self.request.app.state.files.upload(
                    self.session,
                    self.viewer.actor,
                    chosen.file.read(),
                    name=chosen.filename,
                    content_type=chosen.content_type,
                )
            except PlatformError as exc:
                problem = exc.text(self.viewer.language)
            else:
                if signature:
                    refs = []  # a new signature replaces the one before
                refs.append(
                    {
                        "id": stored.id,
                        "name": stored.name,
                        "size": stored.size,
                        "content_type": stored.content_type,
                    }
                )
        value: Any = (refs[0] if refs else None) if signature else refs
        if problem is None:
            data = {**self.data(sent), key: value}
            try:
                found = self.records.check(
                    self.session,
                    self.viewer.actor,
                    self.app,
                    self.form,
                    data,
                    record_id=self.record_id,
                )
                problem = by_field(found.errors).get(key)
            except PlatformError as exc:
                problem = by_field(exc.errors).get(key)
        widget = self.widget(item, {key: value}, problem, self.viewer.language)
        return render(self.request, "records/_attachments.html", {"w": widget}, viewer=self.viewer)

    def rows(self, sent: dict[str, list[str]], asked: Mapping[str, str]) -> Response:
        """A subtable again after adding, removing or moving a row (`op`, `row` and `subtable`
        of the address), with the rows as the page has them; nothing is saved."""
        key = asked.get("subtable", "")
        item = next(
            (f for f in self.fields if f.key == key and f.type == "subtable"),
            None,
        )
        if item is None or key not in self.writable:
            raise NotFound(
                f"the form has no subtable {key!r} you may change",
                code="not_found",
                zh_cn=f"表单中没有您可以修改的子表 {key}",
            )
        op = asked.get("op", "")
        if op not in ROW_OPS:
            raise Invalid(
                f"unknown row operation {op!r}",
                code="validation_failed",
                zh_cn=f"未知的行操作 {op!r}",
            )
        rows = rows_of(item, sent)
        row = asked.get("row", "")
        at = int(row) if row.isdigit() and len(row) < 6 else 0
        if op == "add" and len(rows) < getattr(item, "max_rows", 500):
            rows.append({})
        elif op == "remove" and at < len(rows):
            rows.pop(at)
        elif op == "up" and 0 < at < len(rows):
            rows[at - 1], rows[at] = rows[at], rows[at - 1]
        elif op == "down" and at + 1 < len(rows):
            rows[at], rows[at + 1] = rows[at + 1], rows[at]
        widget = self.widget(item, {key: rows}, None, self.viewer.language)
        return render(self.request, "records/_subtable.html", {"w": widget}, viewer=self.viewer)

    def widget(
        self,
        item: Any,
        values: dict[str, Any],
        error: str | None,
        language: str,
        cells: dict[tuple[str, str], str] | None = None,
    ) -> dict[str, Any]:
        value = values.get(item.key, self.stored.get(item.key))
        kind = item.type
        widget: dict[str, Any] = {
            "key": item.key,
            "name": PREFIX + item.key,
            "label": text_in(item.label, language),
            "help": text_in(getattr(item, "help_text", None), language),
            "required": bool(getattr(item, "required", False)),
            "error": error,
            "kind": kind,
            "editable": item.key in self.writable,
            "masked": self.access.levels.get(item.key) == FieldLevel.MASKED,
            "text": plain(value),
            "value": value,
        }
        if kind == "money":
            amount = value.get("amount") if isinstance(value, dict) else value
            widget["text"] = "" if amount is None else str(amount)
            widget["currency"] = getattr(item, "currency", None) or (
                value.get("currency") if isinstance(value, dict) else None
            )
        elif kind == "percent" and value not in (None, ""):
            widget["text"] = f"{value}"
        elif kind == "datetime" and value:
            widget["text"] = local_input(value)
        elif kind in ("single_select", "multi_select"):
            widget["options"] = options(item, language)
            widget["chosen"] = set(value) if isinstance(value, list) else {value}
        elif kind == "subtable":
            widget.update(self.subtable(item, value, cells or {}, language))
        elif kind in FILE_TYPES:
            widget.update(self.attached(item, value))
        elif kind in PEOPLE:
            widget["suggestions"] = self.suggestions(kind)
            widget["text"] = self.names_of(kind, value)
        elif kind == "location":
            place = value if isinstance(value, dict) else {}
            widget["lat"] = plain(place.get("lat"))
            widget["lng"] = plain(place.get("lng"))
        elif kind == "lookup":
            chosen = [v for v in (value if isinstance(value, list) else [value]) if v]
            found = lookup_choices(self.request, self.session, self.viewer, self.app, item, chosen)
            widget["options"], widget["more"] = found
            widget["chosen"] = set(chosen)
            widget["multiple"] = bool(getattr(item, "multiple", False))
            widget["search"] = f"{self.base}/lookup/{item.key}"
        return widget

    def suggestions(self, kind: str) -> list[dict[str, str]]:
        """Who or which department a member or department field may name, as the field's
        input suggests them (active users by user name; departments by key)."""
        cached = self.suggested
        if kind not in cached:
            repo = self.request.app.state.identities.repo
            if kind == "member":
                cached[kind] = [
                    {"value": user.username, "label": user.display_name or user.username}
                    for user in repo.active_users(self.session)[:MAX_SUGGESTIONS]
                ]
            else:
                cached[kind] = [
                    {"value": row.key, "label": text_in(row.name, self.viewer.language)}
                    for row in repo.departments(self.session)[:MAX_SUGGESTIONS]
                ]
        return cached[kind]

    def sections(self, widgets: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
        """The page's sections as the form's layout places its fields (the fields no section
        names, or every field without a layout, in a last section without a title)."""
        by_key = {widget["key"]: widget for widget in widgets}
        found = []
        placed: set[str] = set()
        for section in self.published.definition.layout:
            shown = [by_key[key] for key in section.fields if key in by_key]
            placed.update(section.fields)
            if shown:
                found.append(
                    {
                        "label": text_in(section.label, language),
                        "columns": section.columns,
                        "widgets": shown,
                    }
                )
        rest = [widget for widget in widgets if widget["key"] not in placed]
        if rest:
            found.append({"label": "", "columns": None, "widgets": rest})
        return found

    def attached(self, item: Any, value: Any) -> dict[str, Any]:
        """An attachment field's files (each with its reference, kept in the page as JSON, and
        where to download it) and where the page sends a new one."""
        stored = self.stored.get(item.key)
        kept = {
            ref.get("id")
            for ref in (stored if isinstance(stored, list) else [stored] if stored else [])
            if isinstance(ref, dict)
        }
        files = []
        for ref in value if isinstance(value, list) else [value] if value else []:
            if not isinstance(ref, dict):
                continue
            if self.record_id is not None and ref.get("id") in kept:
                link = f"/api/v1{self.base}/records/{self.record_id}/files/{ref.get('id')}"
            else:
                link = f"/api/v1/files/{ref.get('id')}"  # the uploader's, until it is saved
            files.append(
                {
                    "ref": json.dumps(ref, ensure_ascii=False),
                    "id": ref.get("id"),
                    "name": ref.get("name"),
                    "size": ref.get("size"),
                    "link": link,
                }
            )
        base = self.action.rsplit("/", 1)[0] if self.record_id else self.base
        return {
            "files": files,
            "upload_url": f"{base}/attachments/{item.key}",
            "accept": ",".join(getattr(item, "content_types", ()) or ()),
            "max_files": 1 if item.type == "signature" else getattr(item, "max_files", None),
            "signature": item.type == "signature",
        }

    def subtable(
        self, item: Any, value: Any, cells: dict[tuple[str, str], str], language: str
    ) -> dict[str, Any]:
        """A subtable's columns and rows, each cell with its widget, value and problem."""
        editable = item.key in self.writable
        columns = [
            {
                "key": column.key,
                "label": text_in(column.label, language),
                "kind": column.type,
                "required": bool(getattr(column, "required", False)),
                "editable": editable and column.type in CELLS,
                "options": options(column, language),
                "currency": getattr(column, "currency", None),
            }
            for column in item.fields
        ]
        stored = {
            row.get(ROW_ID): row
            for row in self.stored.get(item.key) or []
            if isinstance(row, dict) and row.get(ROW_ID)
        }
        rows = []
        for index, row in enumerate(value if isinstance(value, list) else []):
            sent = row if isinstance(row, dict) else {}
            shown = {**stored.get(sent.get(ROW_ID), {}), **sent}  # cells not sent keep theirs
            rows.append(
                {
                    "id": shown.get(ROW_ID) or "",
                    "cells": [
                        {
                            "key": column["key"],
                            "name": f"{PREFIX}{item.key}.{index}.{column['key']}",
                            "value": shown.get(column["key"]),
                            "text": self.cell_text(shown.get(column["key"]), column["kind"]),
                            "error": cells.get((f"{item.key}/{index}", column["key"])),
                        }
                        for column in columns
                    ],
                }
            )
        return {
            "columns": columns,
            "rows": rows,
            "rows_url": f"{self.action.rsplit('/', 1)[0]}/rows"
            if self.record_id
            else f"{self.base}/rows",
            "max_rows": getattr(item, "max_rows", None),
        }

    def changed_since(self, version: int | None) -> list[dict[str, Any]]:
        """What was saved after `version` (who, when, which fields), as this viewer sees it."""
        if self.record_id is None or version is None:
            return []
        history = self.records.history(
            self.session, self.viewer.actor, self.app, self.form, self.record_id
        )
        labels = {item.key: text_in(item.label, self.viewer.language) for item in self.fields}
        return [
            {
                "by": entry["changed_by"],
                "version": entry["version"],
                "fields": [labels.get(c["field"], c["field"]) for c in entry["changes"]],
            }
            for entry in history
            if entry["version"] > version
        ]


# ---------------------------------------------------------------- helpers


def reference_ids(request: Request, session: Session, kind: str, named: Any) -> Any:
    """Users named by user name, departments by key, as the ids the record keeps (a name
    that matches none is kept as typed: saving says it names no one); one lookup for all."""
    given = [name for name in people_texts(named) if name]
    ids = request.app.state.records.repo.held_ids(session, kind, given) if given else {}
    if isinstance(named, list):
        return [ids.get(name, name) if isinstance(name, str) else name for name in named]
    return ids.get(named, named) if isinstance(named, str) else named


def value_of(item: Any, values: list[str]) -> Any:
    """One field's value from its submitted strings (the last one, or all for several)."""
    if item.type == "boolean":
        return bool(values) and values[-1] == "true"
    if item.type == "attachment":  # each a file's reference, as JSON (the server checks it)
        return [loaded(text) for text in values if text]
    if item.type == "signature":  # one file's reference (an image drawn in the page)
        return loaded(values[-1]) if values and values[-1] else None
    if item.type == "multi_select" or (item.type == "lookup" and getattr(item, "multiple", False)):
        return [value for value in values if value]
    if item.type in PEOPLE and getattr(item, "multiple", False):  # "li.lei, han.meimei"
        text = values[-1] if values else ""
        return [part for part in re.split(r"[,，\s]+", text) if part]
    text = values[-1].strip() if values else ""
    if item.type == "datetime":
        return with_zone(text) if text else None
    if item.type in NUMERIC_TYPES:  # typed as people write them: `1,234.50` is 1234.50
        return ungrouped_number(text) or None
    return text or None


def place_of(key: str, sent: dict[str, list[str]]) -> dict[str, str] | None:
    """A location from its latitude and longitude inputs (both empty: no location)."""
    lat = (first(sent, f"{PREFIX}{key}.lat", "") or "").strip()
    lng = (first(sent, f"{PREFIX}{key}.lng", "") or "").strip()
    return {"lat": lat, "lng": lng} if lat or lng else None


def loaded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # the server says what is wrong with it


def rows_of(item: Any, sent: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A subtable's rows from `f.<key>.<n>.<column>` in the order the page has them; a row
    keeps its `_id` (cells not sent keep their stored values), a row without one is new."""
    head = f"{PREFIX}{item.key}."
    order: list[str] = []
    for name in sent:
        if name.startswith(head):
            index = name[len(head) :].split(".", 1)[0]
            if index.isdigit() and index not in order:
                order.append(index)
    rows = []
    for index in order:
        row: dict[str, Any] = {}
        row_id = (first(sent, f"{head}{index}.{ROW_ID}", "") or "").strip()
        if row_id:
            row[ROW_ID] = row_id
        for column in item.fields:
            name = f"{head}{index}.{column.key}"
            if column.type in CELLS and name in sent:
                row[column.key] = value_of(column, sent[name])
        rows.append(row)
    return rows


def lookup_choices(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    item: Any,
    chosen: list[str],
    *,
    words: str = "",
) -> tuple[list[dict[str, str]], bool]:
    """Records of the lookup's form the viewer may read and its `where` admits, newest first
    (at most 200; with `words`, those whose text fields contain them), the chosen ones always
    among them; and
    whether there are more than shown (the page then offers a search)."""
    records = request.app.state.records
    target = item.target.form
    app = item.target.app or app  # a lookup may point into another app
    try:
        form = records.form(session, app, target)
        access = records.access(session, viewer.actor, form, "read")
        searched = [f for f in form.definition.fields if f.type in LISTED_TYPES]
        page = records.search(
            session,
            viewer.actor,
            app,
            target,
            filter_=combined(words, getattr(item, "where", None) or "", searched, access),
            limit=LOOKUP_CHOICES,
            total="none",
        )
    except PlatformError:
        return [], False
    rows = {row["id"]: row for row in page.items}
    for record_id in chosen:
        if record_id not in rows:
            try:
                rows[record_id] = records.get(session, viewer.actor, app, target, record_id)
            except PlatformError:
                continue  # gone or out of reach: the server says so when it is saved
    ordered = [rows[k] for k in chosen if k in rows] + [
        row for key, row in rows.items() if key not in chosen
    ]
    return [
        {"value": row["id"], "label": lookup_label(row, item, form.definition.fields)}
        for row in ordered
    ], page.has_more


def lookup_label(row: dict[str, Any], item: Any, fields: Any) -> str:
    """A linked record as the lookup shows it: its `label_template` (`{name} ({id_no})`, the
    values the viewer may see), else the record's title."""
    template = getattr(item, "label_template", None)
    if not template:
        return title_of(row, fields)
    return re.sub(
        r"\{([a-z][a-z0-9_]*)\}", lambda found: plain(row.get(found.group(1))), template
    ).strip() or title_of(row, fields)


def field_key(pointer: str) -> str:
    """The top-level field a problem's pointer is under ("" for the record as a whole)."""
    return pointer.lstrip("/").split("/", 1)[0]


def by_field(errors: Any) -> dict[str, str]:
    """The first problem of each field (`/aum` -> "aum"); the record's own under ""."""
    found: dict[str, str] = {}
    for item in errors or ():
        pointer = item.pointer if isinstance(item, ErrorItem) else item.get("pointer", "")
        message = item.message if isinstance(item, ErrorItem) else item.get("message", "")
        key = pointer.lstrip("/").split("/", 1)[0]
        found.setdefault(key, message)
    return found


def by_cell(errors: Any) -> dict[tuple[str, str], str]:
    """The first problem of each subtable cell (`/rows/2/amount` -> ("rows/2", "amount"))."""
    found: dict[tuple[str, str], str] = {}
    for item in errors or ():
        pointer = item.pointer if isinstance(item, ErrorItem) else item.get("pointer", "")
        message = item.message if isinstance(item, ErrorItem) else item.get("message", "")
        parts = pointer.lstrip("/").split("/")
        if len(parts) >= 3 and parts[1].isdigit():
            found.setdefault((f"{parts[0]}/{parts[1]}", parts[2]), message)
    return found


def cell_text(value: Any, kind: str) -> str:
    """A cell's value as its input shows it."""
    if kind == "money" and isinstance(value, dict):
        return "" if value.get("amount") is None else str(value["amount"])
    if kind == "datetime" and value:
        return local_input(value)
    return plain(value)


def options(item: Any, language: str) -> list[dict[str, str]]:
    found = []
    for option in getattr(item, "options", None) or ():
        value = getattr(option, "value", option)
        label = getattr(option, "label", None)
        found.append({"value": str(value), "label": text_in(label, language) or str(value)})
    return found


def with_zone(text: str) -> str:
    """A `datetime-local` value in the user's zone as an instant with its offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # the server says what is wrong with it
    return wall_time(moment).isoformat()


def local_input(value: Any) -> str:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.astimezone(BUSINESS_ZONE).strftime("%Y-%m-%dT%H:%M")


def plain(value: Any) -> str:
    if value is None:
        return ""
    if (money := money_text(value)) is not None:
        return money
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
