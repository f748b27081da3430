"""Report and dashboard pages: parameters, the chart (ECharts, SVG renderer, from the option
the report engine builds), the result table as the viewer's language writes it, drill-through
by click, and exports. Everything runs through `ReportService` / `DashboardService`, as the
API does: the viewer's row scope and field levels, the cache, the audit of exports.

The chart's option travels as JSON in a `data-option` attribute and `app.js` draws it: no
inline script, no function in the option (the Content-Security-Policy allows neither).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.engines.report import text_of
from brickwork.engines.report.parameters import ParameterError, resolve_parameters
from brickwork.jsonio import to_jsonable
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.clock import business_date
from brickwork.platform.errors import PlatformError
from brickwork.platform.reports.exports import EXPORT_TYPES, export_report
from brickwork.platform.reports.shown import run_json
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import render, viewer_of

router = APIRouter(include_in_schema=False)
AppKey = Annotated[str, Path(pattern=KEY_PATTERN)]
ReportKey = Annotated[str, Path(pattern=KEY_PATTERN)]
FORMATS = ("xlsx", "csv", "pdf")


@router.get("/apps/{app}/reports/{key}", response_model=None)
def report_page(request: Request, session: SessionDep, app: AppKey, key: ReportKey) -> Response:
    """A report run with the parameters of the address (`p.<key>`, a date range as
    `p.<key>.start` and `p.<key>.end`)."""
    viewer = viewer_of(request, session)
    service = request.app.state.reports
    plan, _version = service.compiler.plan(session, app, key)
    given = parameters_of(request.query_params.multi_items(), plan.parameters)
    problem: PlatformError | None = None
    result: dict[str, Any] | None = None
    try:
        run = service.run(session, viewer.actor, app, key, parameters=given)
        result = run_json(run, viewer.language)
    except PlatformError as exc:
        if exc.code in ("permission_denied", "report_not_found"):
            raise
        problem = exc
    return render(
        request,
        "reports/report.html",
        {
            "app": app,
            "key": key,
            "title": text_of(plan.title, viewer.language),
            "parameters": parameter_inputs(plan.parameters, given, result, viewer.language),
            "result": result,
            "table": table_of(result) if result else None,
            "option": chart_json(result),
            "drills": {d["on"] for d in result["drill"]} if result else set(),
            "query": [(k, v) for k, v in request.query_params.multi_items() if k.startswith("p.")],
            "formats": FORMATS,
            "problem": problem,
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
    )


@router.post("/apps/{app}/reports/{key}/export", response_model=None)
def export_page(
    request: Request, session: SessionDep, app: AppKey, key: ReportKey, sent: FormListsDep
) -> Response:
    """The report as a file, with the parameters of the page (audited like the API's)."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    chosen = first(sent, "format", "xlsx")
    format_ = chosen if chosen in FORMATS else "xlsx"
    service = request.app.state.reports
    plan, _version = service.compiler.plan(session, app, key)
    pairs = [(name, value) for name, values in sent.items() for value in values]
    given = parameters_of(pairs, plan.parameters)
    content = export_report(service, session, viewer.actor, app, key, format_, given)
    return Response(
        content,
        media_type=EXPORT_TYPES[format_],
        headers={"Content-Disposition": f'attachment; filename="{app}-{key}.{format_}"'},
    )


@router.post("/apps/{app}/reports/{key}/drill", response_model=None)
def drill_page(
    request: Request, session: SessionDep, app: AppKey, key: ReportKey, sent: FormListsDep
) -> Response:
    """Where a click on a value leads: the record list filtered to the clicked row (and the
    page's parameters), or another report with parameters."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    service = request.app.state.reports
    plan, _version = service.compiler.plan(session, app, key)
    pairs = [(name, value) for name, values in sent.items() for value in values]
    row = json.loads(first(sent, "row", "{}") or "{}")
    found = service.drill(
        session,
        viewer.actor,
        app,
        key,
        on=first(sent, "on", ""),
        row=row,
        parameters=parameters_of(pairs, plan.parameters),
    )
    if found["kind"] == "list":
        query = {"filter": found["filter"]} if found["filter"] else {}
        return RedirectResponse(
            f"/apps/{app}/forms/{found['form']}?{urlencode(query)}", status_code=303
        )
    params = [
        (f"p.{name}", value)
        for name, value in found["parameters"].items()
        if value is not None and not isinstance(value, dict)
    ]
    return RedirectResponse(
        f"/apps/{app}/reports/{found['report']}?{urlencode(params)}", status_code=303
    )


@router.get("/apps/{app}/dashboards/{key}", response_model=None)
def dashboard_page(request: Request, session: SessionDep, app: AppKey, key: ReportKey) -> Response:
    """The dashboard's reports on its grid, with its shared parameters."""
    viewer = viewer_of(request, session)
    service = request.app.state.dashboards
    plan = service.plan(session, app, key)
    given = parameters_of(request.query_params.multi_items(), plan.parameters)
    ran = service.run(session, viewer.actor, app, key, parameters=given, clicks={})
    items = []
    for item in sorted(ran["items"], key=lambda each: (each["y"], each["x"])):
        result = item.get("result")
        items.append(
            {
                "id": item["id"],
                "report": item["report"],
                "width": max(1, min(12, int(item["w"]))),
                "title": result["title"] if result else item.get("title") or item["report"],
                "error": item.get("error"),
                "option": chart_json(result),
                "table": table_of(result) if result else None,
            }
        )
    return render(
        request,
        "reports/dashboard.html",
        {
            "app": app,
            "key": key,
            "title": ran["title"],
            "parameters": parameter_inputs(
                plan.parameters,
                given,
                {"parameters": in_force(plan, given, request)},
                viewer.language,
            ),
            "items": items,
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
    )


# ---------------------------------------------------------------- helpers


def chart_json(result: dict[str, Any] | None) -> str | None:
    """The chart's option for `data-option`, without the title when it only repeats the
    report's (the page or the dashboard panel shows it as a heading)."""
    option = (result or {}).get("chart")
    if not option:
        return None
    assert result is not None
    if (option.get("title") or {}).get("text") == result.get("title"):
        option = {name: value for name, value in option.items() if name != "title"}
    return json.dumps(option, ensure_ascii=False)


def in_force(plan: Any, given: dict[str, Any], request: Request) -> dict[str, Any]:
    """The dashboard's parameter values as its reports got them (given, else the defaults),
    for its inputs; none when they do not resolve (the items say what is wrong)."""
    try:
        values = resolve_parameters(plan, given, today=business_date(request.app.state.clock()))
    except ParameterError:
        return {}
    return dict(to_jsonable(values))


def parameters_of(pairs: Any, declared: Any) -> dict[str, Any]:
    """Parameter values from `p.<key>` (`p.<key>.start`/`.end` for a date range; repeated for a
    multiple select); blanks are left to the defaults."""
    kinds = {p.key: p for p in declared}
    given: dict[str, Any] = {}
    for name, value in pairs:
        if not name.startswith("p.") or value == "":
            continue
        key, _, part = name[2:].partition(".")
        parameter = kinds.get(key)
        if parameter is None:
            given[key] = value  # unknown: the service names it
        elif part in ("start", "end"):
            given.setdefault(key, {})[part] = value
        elif getattr(parameter, "multiple", False):
            given.setdefault(key, []).append(value)
        else:
            given[key] = value
    return given


def parameter_inputs(
    declared: Any, given: dict[str, Any], result: dict[str, Any] | None, language: str
) -> list[dict[str, Any]]:
    used = (result or {}).get("parameters") or {}
    inputs = []
    for parameter in declared:
        value = given.get(parameter.key, used.get(parameter.key))
        inputs.append(
            {
                "key": parameter.key,
                "label": text_of(parameter.label, language) if parameter.label else parameter.key,
                "type": parameter.type,
                "value": value,
                "options": [str(o) for o in getattr(parameter, "options", None) or ()],
            }
        )
    return inputs


def table_of(result: dict[str, Any]) -> dict[str, Any]:
    """Columns and rows of a run as the page shows them (text from `display`)."""
    columns = [
        {
            "key": column["key"],
            "label": " / ".join([*column["path"][:-1], column["label"]])
            if len(column["path"]) > 1
            else column["label"],
            "numeric": column["role"] == "measure",
            "masked": column.get("masked", False),
        }
        for column in result["columns"]
    ]
    dimensions = [c["key"] for c in result["columns"] if c["role"] == "dimension"]
    rows = []
    for raw, shown, kind in zip(result["rows"], result["display"], result["kinds"], strict=True):
        clicked = {
            key: value
            for key, value in zip((c["key"] for c in result["columns"]), raw, strict=True)
            if key in dimensions
        }
        rows.append(
            {
                "kind": kind,
                "cells": ["" if value is None else value for value in shown],
                "row": json.dumps(clicked, ensure_ascii=False, default=str),
            }
        )
    return {"columns": columns, "rows": rows}
