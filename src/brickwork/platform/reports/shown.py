"""A report run as the API shows it: labels in the viewer's locale, exact values."""

from __future__ import annotations

from typing import Any

from brickwork.engines.report import text_of
from brickwork.engines.report.charts import chart_option
from brickwork.platform.reports.formatting import choice_names, display_rows
from brickwork.platform.reports.service import ReportRun


def run_json(run: ReportRun, locale: str) -> dict[str, Any]:
    plan, table = run.plan, run.table
    names = choice_names(run.choices, locale)
    return {
        "report": plan.key,
        "version": run.version,
        "title": text_of(plan.title, locale),
        "kind": plan.kind,
        "parameters": dict(run.parameters),
        "columns": [
            {
                "key": column.key,
                "label": text_of(column.label, locale),
                "role": column.role,
                "type": column.type,
                "path": list(column.path),
                "masked": column.masked,
                **({"format": _format(column.format)} if column.format is not None else {}),
            }
            for column in table.columns
        ],
        "rows": [list(row) for row in table.rows],
        "display": display_rows(plan, table, locale, names),
        "kinds": list(table.kinds),
        "truncated": table.truncated,
        "cap": table.cap,
        "message": run.message,
        **({"page": run.page, "has_more": run.has_more} if plan.kind == "detail" else {}),
        "drill": [{"on": link.on, "kind": link.kind, "target": link.target} for link in plan.drill],
        "chart": chart_option(plan, table, locale=locale, names=names),
    }


def _format(found: Any) -> dict[str, Any]:
    return {
        key: value
        for key, value in (
            ("style", found.style),
            ("decimals", found.decimals),
            ("currency", found.currency),
            ("pattern", found.pattern),
        )
        if value is not None
    }
