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
lookups as a choice among the target form's records the user may read. Fields whose widgets
are not in the page yet (subtables, attachments, signatures, locations, rich text) are shown
read-only and keep their values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.errors import (
    Conflict,
    ErrorItem,
    Invalid,
    NotFound,
    PlatformError,
)
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.pages import form_lists
from brickwork.platform.web.records import (
    LISTED_TYPES,
    combined,
    navigation,
    published_label,
    title_of,
)
from brickwork.platform.web.views import Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
AppKey = Annotated[str, Path(pattern=KEY_PATTERN)]
FormKey = Annotated[str, Path(pattern=KEY_PATTERN)]
RecordId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
FieldKey = Annotated[str, Path(pattern=KEY_PATTERN)]
PREFIX = "f."
ZONE = ZoneInfo("Asia/Shanghai")
EDITABLE = (LISTED_TYPES - {"computed", "serial_number"}) | {"lookup"}
"""Types with a widget in the page (the others are shown read-only and keep their values)."""
LOOKUP_CHOICES = 200


FormListsDep = Annotated[dict[str, list[str]], Depends(form_lists)]


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
        raise NotFound(f"form {form!r} has no lookup field {field!r}", code="not_found")
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
            name = PREFIX + item.key
            values = sent.get(name, [])
            if item.type == "boolean":
                data[item.key] = bool(values) and values[-1] == "true"
            elif item.type == "multi_select" or (
                item.type == "lookup" and getattr(item, "multiple", False)
            ):
                data[item.key] = [value for value in values if value]
            elif item.type == "datetime":
                text = values[-1].strip() if values else ""
                data[item.key] = with_zone(text) if text else None
            else:
                text = values[-1].strip() if values else ""
                data[item.key] = text or None
        return data

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
        except PlatformError as exc:
            values, errors, hidden = data, list(exc.errors), frozenset()
        touched = set(first(sent, "touched", "").split(",")) | {
            key for key in data if data[key] not in (None, "", [], False)
        }
        messages = by_field(errors)
        return render(
            self.request,
            "records/_checked.html",
            {
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
                "widgets": [
                    self.widget(item, values, messages.get(item.key), language)
                    for item in self.fields
                ],
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

    def widget(
        self, item: Any, values: dict[str, Any], error: str | None, language: str
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
        elif kind == "lookup":
            chosen = [v for v in (value if isinstance(value, list) else [value]) if v]
            found = lookup_choices(self.request, self.session, self.viewer, self.app, item, chosen)
            widget["options"], widget["more"] = found
            widget["chosen"] = set(chosen)
            widget["multiple"] = bool(getattr(item, "multiple", False))
            widget["search"] = f"{self.base}/lookup/{item.key}"
        return widget

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
        {"value": row["id"], "label": title_of(row, form.definition.fields)} for row in ordered
    ], page.has_more


def first(sent: dict[str, list[str]], key: str, default: str | None = None) -> Any:
    values = sent.get(key)
    return values[-1] if values else default


def by_field(errors: Any) -> dict[str, str]:
    """The first problem of each field (`/aum` -> "aum"); the record's own under ""."""
    found: dict[str, str] = {}
    for item in errors or ():
        pointer = item.pointer if isinstance(item, ErrorItem) else item.get("pointer", "")
        message = item.message if isinstance(item, ErrorItem) else item.get("message", "")
        key = pointer.lstrip("/").split("/", 1)[0]
        found.setdefault(key, message)
    return found


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
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZONE)
    return moment.isoformat()


def local_input(value: Any) -> str:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and "amount" in value:
        return f"{value['amount']} {value.get('currency') or ''}".strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
