"""The ECharts option of a report's chart, built from its result table.

Numbers are written as the exact decimal text (`"1234567.89"`): ECharts reads numeric strings
as numbers, and no float ever rounds the value on its way. Dates are ISO text. Labels are in
the viewer's locale. The option is JSON data only (no functions), rendered by the browser with
the SVG renderer; `table` and `pivot` charts have no option (the table is the view).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from brickwork.engines.report.plan import ReportPlan
from brickwork.engines.report.post import text_of
from brickwork.engines.report.result import ResultTable

SERIES_TYPES = {"bar": "bar", "stacked_bar": "bar", "line": "line", "area": "line"}
LEGEND = {"type": "scroll", "bottom": 0}
"""The legend below the plot, scrolling when long: never over the title or the labels."""


def _value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def chart_option(
    plan: ReportPlan,
    table: ResultTable,
    *,
    locale: str,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any] | None:
    """`names`: per column, the text of a value on the chart (a choice's label)."""
    chart = plan.chart
    if chart is None or chart.type in ("table", "pivot"):
        return None
    if names:
        table = _named(table, names)
    data = [row for row, kind in zip(table.rows, table.kinds, strict=True) if kind == "data"]
    labels = {c.key: text_of(c.label, locale) for c in table.columns}
    position = {c.key: i for i, c in enumerate(table.columns)}
    title = {"text": text_of(chart.title if chart.title is not None else plan.title, locale)}
    option: dict[str, Any] = {"title": title, "tooltip": {}, "animation": False}
    if chart.type == "kpi":
        value = data[0][position[chart.y[0]]] if data else None
        option["graphic"] = [
            {
                "type": "text",
                "left": "center",
                "top": "30%",
                "style": {"text": labels[chart.y[0]], "fontSize": 16},
            },
            {
                "type": "text",
                "left": "center",
                "top": "50%",
                "style": {"text": _value(value) or "-", "fontSize": 36},
            },
        ]
        return option
    if chart.type in ("pie", "funnel"):
        x, y = position[chart.x or ""], position[chart.y[0]]
        option["series"] = [
            {
                "type": chart.type,
                "name": labels[chart.y[0]],
                "data": [{"name": _name(row[x]), "value": _value(row[y])} for row in data],
            }
        ]
        option["legend"] = dict(LEGEND)
        option["series"][0]["radius"] = "58%"
        return option
    if chart.type == "scatter":
        a, b = position[chart.y[0]], position[chart.y[1]]
        option["xAxis"] = {"type": "value", "name": labels[chart.y[0]]}
        option["yAxis"] = {"type": "value", "name": labels[chart.y[1]]}
        option["series"] = [
            {"type": "scatter", "data": [[_value(row[a]), _value(row[b])] for row in data]}
        ]
        return option
    x = position[chart.x or ""]
    categories = list(dict.fromkeys(_name(row[x]) for row in data))
    if chart.type == "heatmap":
        s, v = position[chart.series or ""], position[chart.y[0]]
        rows = list(dict.fromkeys(_name(row[s]) for row in data))
        values = [row[v] for row in data if row[v] is not None]
        option["xAxis"] = {"type": "category", "data": categories}
        option["yAxis"] = {"type": "category", "data": rows}
        option["visualMap"] = {
            "min": _value(min(values)) if values else "0",
            "max": _value(max(values)) if values else "0",
            "calculable": True,
        }
        option["series"] = [
            {
                "type": "heatmap",
                "name": labels[chart.y[0]],
                "data": [
                    [categories.index(_name(row[x])), rows.index(_name(row[s])), _value(row[v])]
                    for row in data
                ],
            }
        ]
        return option
    category_axis = {"type": "category", "data": categories}
    axis_of = _value_axes(chart.y, data, position)
    value_axes: list[dict[str, Any]] = [
        {"type": "value", **({"name": " / ".join(labels[k] for k in keys)} if axis_of else {})}
        for keys in _grouped(chart.y, axis_of)
    ]
    value_axis: Any = value_axes if len(value_axes) > 1 else value_axes[0]
    option["xAxis"], option["yAxis"] = (
        (value_axis, category_axis) if chart.horizontal else (category_axis, value_axis)
    )
    option["legend"] = dict(LEGEND)
    option["grid"] = {"containLabel": True, "left": 8, "right": 16, "top": 40, "bottom": 36}
    series: list[dict[str, Any]] = []
    kind = SERIES_TYPES[chart.type]
    split = position[chart.series] if chart.series is not None else None
    groups = [None] if split is None else list(dict.fromkeys(_name(row[split]) for row in data))
    for key in chart.y:
        y = position[key]
        for group in groups:
            cells = {
                _name(row[x]): _value(row[y])
                for row in data
                if split is None or _name(row[split]) == group
            }
            item: dict[str, Any] = {
                "type": kind,
                "name": labels[key] if group is None else f"{group} · {labels[key]}",
                "data": [cells.get(category) for category in categories],
            }
            if axis_of:
                item["xAxisIndex" if chart.horizontal else "yAxisIndex"] = axis_of[key]
            if chart.type == "stacked_bar":
                item["stack"] = key
            if chart.type == "area":
                item["areaStyle"] = {}
            series.append(item)
    option["series"] = series
    return option


SCALE_GAP = Decimal(10)
"""Measures whose largest values differ by this factor or more get a value axis each (two at
most): on one shared axis the smaller ones would lie flat on the floor."""


def _value_axes(
    keys: Sequence[str], data: Sequence[Sequence[Any]], position: Mapping[str, int]
) -> dict[str, int]:
    """Measure -> value axis (0: the first measure's scale, 1: the other), or {} for one axis.
    A measure joins the second axis when its largest absolute value and the first measure's
    differ by `SCALE_GAP` or more; an empty measure stays on the first."""
    if len(keys) < 2:
        return {}
    peaks = {
        key: max(
            (
                abs(row[position[key]])
                for row in data
                if isinstance(row[position[key]], Decimal | int)
            ),
            default=Decimal(0),
        )
        for key in keys
    }
    first = peaks[keys[0]]
    axis_of = {
        key: int(bool(peak and first) and max(peak, first) >= SCALE_GAP * min(peak, first))
        for key, peak in peaks.items()
    }
    return axis_of if any(axis_of.values()) else {}


def _grouped(keys: Sequence[str], axis_of: Mapping[str, int]) -> list[list[str]]:
    """The measures of each value axis, in order (one group when there is one axis)."""
    if not axis_of:
        return [list(keys)]
    return [[k for k in keys if axis_of[k] == axis] for axis in (0, 1)]


def _named(table: ResultTable, names: Mapping[str, Mapping[str, str]]) -> ResultTable:
    """`table` with the values of named columns replaced by their names."""
    columns = [names.get(column.key) for column in table.columns]
    rows = tuple(
        tuple(
            found.get(value, value) if found is not None and isinstance(value, str) else value
            for value, found in zip(row, columns, strict=True)
        )
        for row in table.rows
    )
    return replace(table, rows=rows)


def _name(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
