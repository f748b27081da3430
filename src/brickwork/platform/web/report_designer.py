"""The report builder of an app, and the start of a new report.

An analyst picks the dataset (a form and joins along its lookups), adds dimensions and
measures, filters, parameters and a chart type; each change saves the draft (the same
versioned definition as the API's `PUT .../definitions/report/{key}`) and answers the builder
again with the preview: the draft run through the same compiler and statement as a published
report. The server's problems (shape at save, compilation against the app) come back with
pointers, and each is shown next to its element; publishing is offered only when there are none.

Everything works with plain form posts (one submit button per action: add, remove, move up or
down), so the keyboard does all of it; htmx swaps the builder in place when it is there. A row
also moves by dragging its handle (or Alt+arrow keys), and Ctrl+Z and Ctrl+Y press Undo and
Redo.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.engines.report import text_of
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import ErrorItem, Invalid, PlatformError
from brickwork.platform.metadata.schemas import DefinitionCreate, DraftUpdate, Kind
from brickwork.platform.metadata.validation import validate_definition
from brickwork.platform.reports.shown import run_json
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.design_hub import home_page
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import navigation
from brickwork.platform.web.reports import chart_json, table_of
from brickwork.platform.web.views import Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)
AppKey = Annotated[str, Path(pattern=KEY_PATTERN)]
DefinitionKey = Annotated[str, Path(pattern=KEY_PATTERN)]

FUNCTIONS = ("count", "count_distinct", "sum", "avg", "min", "max", "median")
GRAINS = ("", "day", "week", "month", "quarter", "year")
CHARTS = ("", "table", "bar", "stacked_bar", "line", "area", "pie", "kpi", "funnel")
PARAMETER_TYPES = ("text", "number", "date", "date_range", "select", "user", "department")
LISTS = {
    "joins": "/dataset/joins",
    "dimensions": "/dimensions",
    "measures": "/measures",
    "filters": "/filters",
    "parameters": "/parameters",
}
"""The builder's lists and where each lives in the report's spec."""
USABLE = frozenset(
    {"text", "number", "money", "date", "datetime", "boolean", "choice", "user", "department"}
)


def designer_of(request: Request, session: Session, app: str) -> Viewer:
    """The viewer, if they may design the app (403 otherwise)."""
    viewer = viewer_of(request, session)
    request.app.state.metadata.require(session, viewer.actor, "design", app)
    return viewer


# ---------------------------------------------------------------- new reports


@router.post("/apps/{app}/design/reports", response_model=None)
def create_report(
    request: Request, session: SessionDep, app: AppKey, sent: FormListsDep
) -> Response:
    spec = {"dataset": {"form": first(sent, "form", "") or ""}}
    return create_draft(request, session, app, "report", spec, sent)


def create_draft(
    request: Request,
    session: Session,
    app: str,
    kind: str,
    spec: dict[str, Any],
    sent: dict[str, list[str]],
) -> Response:
    """A new definition of `kind` named as sent, then its designer; or the design home page
    with what is wrong (a malformed or taken key)."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    key = (first(sent, "key", "") or "").strip()
    label = (first(sent, "label", "") or "").strip() or key
    try:
        data = DefinitionCreate.model_validate(
            {"kind": kind, "key": key, "label": label, "spec": spec}
        )
        request.app.state.metadata.create_definition(session, viewer.actor, app, data)
    except PlatformError as exc:
        return home_page(request, session, viewer, app, problem=exc)
    except ValueError:
        invalid = Invalid(
            "a key starts with a small letter and holds small letters, digits and _",
            code="validation_failed",
            errors=[ErrorItem("/key", "validation_failed", "not a key", "不是有效的编码")],
            zh_cn="编码须以小写字母开头，只含小写字母、数字和下划线",
        )
        return home_page(request, session, viewer, app, problem=invalid)
    session.commit()
    return RedirectResponse(f"/apps/{app}/design/{kind}s/{key}", status_code=303)


def save_draft(
    session: Session,
    viewer: Viewer,
    metadata: Any,
    app: str,
    kind: Kind,
    key: str,
    draft: Mapping[str, Any],
    spec: dict[str, Any],
    sent: dict[str, list[str]],
) -> None:
    """The edited `spec` and the name as sent saved over `draft`, against the revision the
    page was built from (a stale page is refused)."""
    revision = first(sent, "revision")
    update = DraftUpdate.model_validate(
        {
            "label": label_sent(sent, draft.get("label"), key),
            "description": draft.get("description", ""),
            "spec": spec,
            "base_revision": int(revision) if revision and revision.isdigit() else None,
        }
    )
    metadata.update_draft(session, viewer.actor, app, kind, key, update)


# ---------------------------------------------------------------- the report builder


@router.get("/apps/{app}/design/reports/{key}", response_model=None)
def report_builder(
    request: Request, session: SessionDep, app: AppKey, key: DefinitionKey
) -> Response:
    viewer = designer_of(request, session, app)
    published = request.query_params.get("published")
    return _builder(request, session, viewer, app, key, published=published)


@router.post("/apps/{app}/design/reports/{key}", response_model=None)
def edit_report(
    request: Request, session: SessionDep, app: AppKey, key: DefinitionKey, sent: FormListsDep
) -> Response:
    """Apply one edit (the fields as sent, then the button's action) and save the draft."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    metadata = request.app.state.metadata
    definition = metadata.definition(session, app, Kind.REPORT, key)
    draft = definition.draft or {}
    spec, undo, redo = with_history(
        dict(draft.get("spec") or {}), sent, lambda current: edited_spec(current, sent)
    )
    try:
        save_draft(session, viewer, metadata, app, Kind.REPORT, key, draft, spec, sent)
    except PlatformError as exc:
        return _builder(request, session, viewer, app, key, problem=exc, history=kept(sent))
    session.commit()
    if request.headers.get("HX-Request"):
        return _builder(
            request, session, viewer, app, key, history=(undo, redo), focus=focus_after(sent)
        )
    return RedirectResponse(f"/apps/{app}/design/reports/{key}", status_code=303)


@router.post("/apps/{app}/design/reports/{key}/publish", response_model=None)
def publish_report(
    request: Request, session: SessionDep, app: AppKey, key: DefinitionKey, sent: FormListsDep
) -> Response:
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    return publish_page(request, session, viewer, app, Kind.REPORT, key, _builder)


def publish_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    kind: Kind,
    key: str,
    page: Callable[..., Response],
) -> Response:
    try:
        outcome = request.app.state.metadata.publish(session, viewer.actor, app, kind, key)
    except PlatformError as exc:
        session.rollback()
        return page(request, session, viewer, app, key, problem=exc)
    session.commit()
    return RedirectResponse(
        f"/apps/{app}/design/{kind.value}s/{key}?published={outcome.version_number}",
        status_code=303,
    )


def _builder(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    key: str,
    *,
    problem: PlatformError | None = None,
    published: str | None = None,
    history: tuple[list[Any], list[Any]] = ([], []),
    focus: str = "",
) -> Response:
    metadata = request.app.state.metadata
    definition = metadata.definition(session, app, Kind.REPORT, key)
    body = definition.draft or {}
    spec = body.get("spec") or {}
    env = request.app.state.reports.compiler.environment(session, app)
    problems, result = _check_and_preview(request, session, viewer, app, key, body)
    if problem is not None:
        problems = refusal(problem, viewer.language)
    placed = place(problems, _places(spec), viewer.language)
    given = spec.get("dataset")
    dataset: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    return render(
        request,
        "design/report.html",
        {
            "app": app,
            "key": key,
            "title": text_of(body.get("label") or key, viewer.language),
            "names": label_parts(body.get("label")),
            "revision": definition.draft_revision,
            "version": definition.latest_version,
            "published": published,
            "spec": spec,
            "dataset": dataset,
            "forms": sorted(env.forms),
            "lookups": _lookups(env, dataset.get("form")),
            "fields": field_choices(env, dataset, viewer.language),
            "functions": FUNCTIONS,
            "grains": GRAINS,
            "charts": CHARTS,
            "parameter_types": PARAMETER_TYPES,
            "chart": (spec.get("chart") or {}).get("type", ""),
            "sortable": [
                str(row.get("key"))
                for name in ("dimensions", "measures")
                for row in _list_at(spec, name)
                if isinstance(row, Mapping) and row.get("key")
            ],
            "order": _first_sort(spec),
            "dashboards": [
                {
                    "key": d.key,
                    "label": text_of((d.draft or {}).get("label") or d.key, viewer.language),
                }
                for d in metadata.list_definitions(session, app, kind=Kind.DASHBOARD)
            ],
            "errors": placed,
            "general": placed.get("", []),
            "can_publish": not problems,
            "result": result,
            "table": table_of(result) if result else None,
            "option": chart_json(result),
            "nav": navigation(request, session, viewer, app),
            **history_context(history),
            "focus": focus,
        },
        viewer=viewer,
        status=422 if problem is not None else 200,
    )


def focus_after(sent: dict[str, list[str]]) -> str:
    """Where the keyboard goes after a row moved up or down: `<verb>:<list>:<new index>`
    (the page focuses the same move on the row's new place, or the other one at an end)."""
    verb, _, rest = (first(sent, "action", "") or "").partition(":")
    name, _, where = rest.partition(":")
    if verb not in ("up", "down") or not where.isdigit():
        return ""
    index = max(0, int(where) + (-1 if verb == "up" else 1))
    return f"{verb}:{name}:{index}"


def kept(sent: dict[str, list[str]]) -> tuple[list[Any], list[Any]]:
    """The undo and redo stacks as the page sent them (a refused save loses none of them)."""
    return history_of(sent, "undo"), history_of(sent, "redo")


def refusal(problem: PlatformError, language: str) -> list[ErrorItem]:
    """A refused save's problems to show: a stale page's own message (it says what to do),
    else its problems with their pointers."""
    if problem.code == "stale_revision" or not problem.errors:
        return [ErrorItem("", problem.code, problem.text(language))]
    return [*problem.errors]


def history_context(history: tuple[list[Any], list[Any]]) -> dict[str, Any]:
    undo, redo = history
    return {
        "undo": json.dumps(undo, ensure_ascii=False, separators=(",", ":")),
        "redo": json.dumps(redo, ensure_ascii=False, separators=(",", ":")),
        "can_undo": bool(undo),
        "can_redo": bool(redo),
    }


def label_sent(sent: dict[str, list[str]], stored: Any, fallback: str) -> Any:
    """The name as sent in its two languages: both given, a label per language; one, that
    text; none, the stored name."""
    chinese = (first(sent, "label-zh", "") or "").strip()
    english = (first(sent, "label-en", "") or "").strip()
    if chinese and english:
        return {"zh-CN": chinese, "en": english}
    return chinese or english or stored or fallback


def label_parts(label: Any) -> dict[str, str]:
    """A stored name for the two inputs (a plain text goes in the Chinese one)."""
    if isinstance(label, Mapping):
        return {"zh": str(label.get("zh-CN", "")), "en": str(label.get("en", ""))}
    return {"zh": str(label or ""), "en": ""}


def _first_sort(spec: Mapping[str, Any]) -> dict[str, Any]:
    stored = spec.get("sort")
    found = stored[0] if isinstance(stored, list) and stored else None
    return dict(found) if isinstance(found, Mapping) else {}


def _check_and_preview(
    request: Request, session: Session, viewer: Viewer, app: str, key: str, body: Any
) -> tuple[list[ErrorItem], dict[str, Any] | None]:
    """The draft's problems (shape, then compilation against the app), else its preview."""
    problems = validate_definition(body)
    if problems:
        return problems, None
    try:
        run = request.app.state.reports.preview(session, viewer.actor, app, key, body)
    except PlatformError as exc:
        return [*exc.errors] or [ErrorItem("", exc.code, exc.text(viewer.language))], None
    return [], run_json(run, viewer.language)


def _places(spec: Mapping[str, Any]) -> list[str]:
    """Every element of the builder a problem can be shown next to, most specific first."""
    found: list[str] = []
    for name, pointer in LISTS.items():
        items = _list_at(spec, name)
        found.extend(f"/spec{pointer}/{index}" for index in range(len(items)))
        found.append(f"/spec{pointer}")
    found.extend(
        [
            "/spec/dataset/form",
            "/spec/dataset",
            "/spec/sort",
            "/spec/limit",
            "/spec/chart",
            "/label",
        ]
    )
    return found


def place(
    problems: Sequence[ErrorItem], places: Sequence[str], language: str
) -> dict[str, list[str]]:
    """Problems in `language` by the element they belong to (its pointer, or one above it); the
    rest under "" (shown at the top of the page)."""
    placed: dict[str, list[str]] = {}
    for problem in problems:
        pointer = problem.pointer or ""
        where = next(
            (p for p in places if pointer == p or pointer.startswith(p + "/")),
            "",
        )
        message = problem.as_dict(language)["message"]
        placed.setdefault(where, []).append(f"{message} ({problem.code})")
    return placed


def _lookups(env: Any, form: Any) -> list[str]:
    info = env.forms.get(form) if isinstance(form, str) else None
    if info is None:
        return []
    return sorted(key for key, field in info.fields.items() if field.type == "lookup")


def field_choices(env: Any, dataset: Mapping[str, Any], language: str) -> list[dict[str, str]]:
    """The fields a dimension, measure or filter may use: the form's, then each join's as
    `alias.field`, with labels in the viewer's language."""
    from brickwork.engines.report import SYSTEM_FIELDS

    info = env.forms.get(dataset.get("form"))
    if info is None:
        return []
    found = []
    for key, field in info.fields.items():
        if field.type in USABLE:
            found.append({"value": key, "label": f"{text_of(field.label, language)} ({key})"})
    for key, field in SYSTEM_FIELDS.items():
        found.append({"value": key, "label": f"{text_of(field.label, language)} ({key})"})
    aliases = {"": info}
    for join in dataset.get("joins") or ():
        if not isinstance(join, Mapping):
            continue
        source, _, lookup = str(join.get("lookup", "")).rpartition(".")
        origin = aliases.get(source)
        target = origin.fields.get(lookup) if origin is not None else None
        joined = env.forms.get(target.lookup_form) if target is not None else None
        if joined is None:
            continue
        alias = str(join.get("as", ""))
        aliases[alias] = joined
        for key, field in joined.fields.items():
            if field.type in USABLE:
                found.append(
                    {
                        "value": f"{alias}.{key}",
                        "label": f"{alias} · {text_of(field.label, language)} ({alias}.{key})",
                    }
                )
    return found


# ---------------------------------------------------------------- undo and redo

HISTORY = 20
"""How many earlier (and undone) states of a draft the page keeps."""


def history_of(sent: dict[str, list[str]], name: str) -> list[dict[str, Any]]:
    """Earlier specs the page carries (`undo` or `redo`, JSON); anything else reads as none.
    A designer can only set their own draft to what they could have sent anyway."""
    try:
        found = json.loads(first(sent, name, "[]") or "[]")
    except ValueError:
        return []
    if not isinstance(found, list):
        return []
    return [item for item in found if isinstance(item, dict)][-HISTORY:]


def with_history(
    current: dict[str, Any],
    sent: dict[str, list[str]],
    edit: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The spec after the pressed button, and the undo and redo stacks after it: `undo`
    goes back one state, `redo` forward again, any other change forgets what was undone."""
    undo, redo = history_of(sent, "undo"), history_of(sent, "redo")
    action = first(sent, "action", "")
    if action == "undo" and undo:
        return undo.pop(), undo, [*redo, current][-HISTORY:]
    if action == "redo" and redo:
        return redo.pop(), [*undo, current][-HISTORY:], redo
    changed = edit(current)
    if changed == current:
        return changed, undo, redo
    return changed, [*undo, current][-HISTORY:], []


# ---------------------------------------------------------------- reading an edit


def _list_at(spec: Mapping[str, Any], name: str) -> list[Any]:
    holder = spec.get("dataset") if name == "joins" else spec
    found = (holder or {}).get(name) if isinstance(holder, Mapping) else None
    return list(found) if isinstance(found, list) else []


def _unique(base: str, taken: set[str]) -> str:
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in base.lower()).strip("_")
    if not base or not base[0].isalpha():
        base = f"k_{base}" if base else "k"
    base = base[:56]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def edited_spec(stored: Mapping[str, Any], sent: dict[str, list[str]]) -> dict[str, Any]:
    """The stored spec with the builder's fields as sent, then the pressed button's action
    (`add:<list>`, `remove:<list>:<i>`, `up:<list>:<i>`, `down:<list>:<i>`, or a dragged
    row's `move:<list>:<from>:<to>`). Whatever the
    builder does not show (formats, sort, post steps, drill links...) is kept as it was."""
    spec: dict[str, Any] = dict(stored)
    given = spec.get("dataset")
    dataset = dict(given) if isinstance(given, Mapping) else {}
    form = first(sent, "form")
    if form is not None:
        if form != dataset.get("form"):
            dataset["joins"] = []
        dataset["form"] = form
    lists = {
        name: [
            dict(item) if isinstance(item, Mapping) else item
            for item in _list_at({**spec, "dataset": dataset}, name)
        ]
        for name in LISTS
    }
    _read_rows(lists, sent)
    action = (first(sent, "action", "") or "").split(":")
    verb, name = [*action, "", ""][:2]
    index = int(action[2]) if len(action) > 2 and action[2].isdigit() else -1
    target = int(action[3]) if len(action) > 3 and action[3].isdigit() else -1
    if name in lists:
        _apply(verb, name, (index, target), lists, sent)
    dataset["joins"] = lists["joins"]
    if not dataset["joins"]:
        del dataset["joins"]
    spec["dataset"] = dataset
    for name in ("dimensions", "measures", "filters", "parameters"):
        if lists[name]:
            spec[name] = lists[name]
        else:
            spec.pop(name, None)
    _read_order(spec, sent)
    chart = first(sent, "chart")
    if chart is not None:
        spec = _with_chart(spec, chart)
    return spec


def _read_order(spec: dict[str, Any], sent: dict[str, list[str]]) -> None:
    """The first sort key and its direction (further keys written through the API are kept),
    and the row limit."""
    chosen = first(sent, "sort")
    if chosen is not None:
        stored = spec.get("sort")
        rest = list(stored[1:]) if isinstance(stored, list) else []
        direction = "desc" if first(sent, "sort-direction") == "desc" else "asc"
        order = [{"key": chosen, "direction": direction}, *rest] if chosen else rest
        _set(spec, "sort", order)
    limit = first(sent, "limit")
    if limit is not None:
        text = limit.strip()
        _set(spec, "limit", int(text) if text.isdigit() else text)


def _apply(
    verb: str,
    name: str,
    where: tuple[int, int],
    lists: dict[str, list[Any]],
    sent: dict[str, list[str]],
) -> None:
    """One button's action on list `name`: add the adder's row, remove, move up or down, or
    move a dragged row from one place (`where`'s first) to another (its second)."""
    rows = lists[name]
    index, target = where
    if verb == "add":
        added = _new_row(name, sent, lists)
        if added is not None:
            rows.append(added)
    elif not 0 <= index < len(rows):
        return
    elif verb == "remove":
        rows.pop(index)
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    elif verb == "move" and 0 <= target < len(rows):
        rows.insert(target, rows.pop(index))


def _read_rows(lists: dict[str, list[Any]], sent: dict[str, list[str]]) -> None:
    """Each shown row's inputs as sent, over the stored row (rows the builder cannot show,
    such as a row that is not an object, are left for the server's checks to name)."""
    for name, read in READERS.items():
        for index, row in enumerate(lists[name]):
            if isinstance(row, dict):
                read(row, f"{name}-{index}", sent)
    lists["filters"] = [
        first(sent, f"filters-{index}", text) if isinstance(text, str) else text
        for index, text in enumerate(lists["filters"])
    ]


def _set(row: dict[str, Any], name: str, value: Any) -> None:
    """`name` set to `value`, or left out when it is blank."""
    if value:
        row[name] = value
    else:
        row.pop(name, None)


def _read_join(row: dict[str, Any], at: str, sent: dict[str, list[str]]) -> None:
    row["lookup"] = first(sent, f"{at}-lookup", row.get("lookup", ""))


def _read_dimension(row: dict[str, Any], at: str, sent: dict[str, list[str]]) -> None:
    row["field"] = first(sent, f"{at}-field", row.get("field", ""))
    _set(row, "grain", first(sent, f"{at}-grain", row.get("grain") or ""))


def _read_measure(row: dict[str, Any], at: str, sent: dict[str, list[str]]) -> None:
    if "expression" in row:
        row["expression"] = first(sent, f"{at}-expression", row["expression"])
        return
    row["function"] = first(sent, f"{at}-function", row.get("function", ""))
    _set(row, "field", first(sent, f"{at}-field", row.get("field") or ""))


def _read_parameter(row: dict[str, Any], at: str, sent: dict[str, list[str]]) -> None:
    row["type"] = first(sent, f"{at}-type", row.get("type", "text"))
    default = first(sent, f"{at}-default")
    if default is not None:
        _set(row, "default", default)


READERS: dict[str, Callable[[dict[str, Any], str, dict[str, list[str]]], None]] = {
    "joins": _read_join,
    "dimensions": _read_dimension,
    "measures": _read_measure,
    "parameters": _read_parameter,
}
"""How the builder's inputs of each list's rows are read."""


def _new_row(name: str, sent: dict[str, list[str]], lists: dict[str, list[Any]]) -> Any:
    """The row the adder of list `name` describes, or None when it is blank."""
    taken = {
        str(row.get("key") or row.get("as"))
        for rows in lists.values()
        for row in rows
        if isinstance(row, Mapping)
    }
    if name == "joins":
        lookup = first(sent, "new-join-lookup", "")
        return {"as": _unique(lookup, taken), "lookup": lookup} if lookup else None
    if name == "dimensions":
        chosen = first(sent, "new-dimension-field", "")
        return {"key": _unique(chosen, taken), "field": chosen} if chosen else None
    if name == "measures":
        function = first(sent, "new-measure-function", "count") or "count"
        chosen = first(sent, "new-measure-field", "")
        row = {"key": _unique(f"{function}_{chosen}" if chosen else function, taken)}
        row["function"] = function
        if chosen:
            row["field"] = chosen
        return row
    if name == "filters":
        text = (first(sent, "new-filter", "") or "").strip()
        return text or None
    if name == "parameters":
        key = (first(sent, "new-parameter-key", "") or "").strip()
        kind = first(sent, "new-parameter-type", "text") or "text"
        return {"key": key, "type": kind} if key else None
    return None


def _with_chart(spec: dict[str, Any], chart: str) -> dict[str, Any]:
    """The chart of the chosen type over the report's first dimension and its measures (a pie
    or a KPI shows the first measure); none when no type is chosen."""
    if not chart:
        spec.pop("chart", None)
        return spec
    dimensions = [d.get("key") for d in spec.get("dimensions", ()) if isinstance(d, Mapping)]
    measures = [m.get("key") for m in spec.get("measures", ()) if isinstance(m, Mapping)]
    kept = {
        name: value
        for name, value in (spec.get("chart") or {}).items()
        if name in ("horizontal", "title")
    }
    found: dict[str, Any] = {"type": chart, **kept}
    if chart != "table":
        if dimensions and chart != "kpi":
            found["x"] = dimensions[0]
        found["y"] = measures[:1] if chart in ("pie", "kpi", "funnel") else measures
        if chart == "stacked_bar" and len(dimensions) > 1:
            found["series"] = dimensions[1]
    spec["chart"] = found
    return spec
