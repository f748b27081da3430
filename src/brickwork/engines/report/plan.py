"""A compiled report: what `compile_report` makes of a definition, and what the platform runs.

The plan names fields, never tables or columns: the platform maps each `FieldRef` to the
stored column of the form it belongs to, adds the viewer's row scope and field levels, and
builds the one SQL query. Every element keeps the JSON pointer of the definition part it came
from, so an error found while running (a field the viewer may not read) points at it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from brickwork.engines.expr.sql_ir import SqlExpr

Label = str | Mapping[str, str]
"""Shown text: one string, or one per language (`{"zh-CN": ..., "en": ...}`)."""

Grain = Literal["day", "week", "month", "quarter", "year"]
Function = Literal["count", "count_distinct", "sum", "avg", "min", "max", "median", "percentile"]
ValueType = Literal[
    "text", "number", "money", "percent", "boolean", "date", "datetime", "user", "department"
]


@dataclass(frozen=True, slots=True)
class Format:
    """How a value is shown: `style` number | money | percent | date | datetime | text;
    `decimals` fixed places (None: as stored); `currency` an ISO 4217 code for money;
    `pattern` a CLDR date pattern. The locale comes from the viewer."""

    style: str = "text"
    decimals: int | None = None
    currency: str | None = None
    pattern: str | None = None


PARENT = "parent"
"""In a dataset over subtable rows, the source (alias) of the record each row belongs to."""


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field of the dataset: `source` "" is the base form (or its subtable rows), otherwise
    a join alias; `field` is a field key of that form or a system column (`id`, `created_at`,
    `updated_at`, `created_by`, `owner`, `department`, `flow_status`); `type` its value type."""

    source: str
    field: str
    type: ValueType


@dataclass(frozen=True, slots=True)
class Join:
    """Rows of `form` reached from `source` ("" base, or an earlier alias) through its lookup
    field `lookup`; rows without a match keep NULLs (a left join)."""

    alias: str
    source: str
    lookup: str
    form: str
    pointer: str


@dataclass(frozen=True, slots=True)
class Dataset:
    """`form` of this app; with `subtable`, one dataset row per subtable row, the parent's
    fields reached as source `"parent"`."""

    form: str
    subtable: str | None = None
    joins: tuple[Join, ...] = ()


@dataclass(frozen=True, slots=True)
class Buckets:
    """Numeric bucketing: `bounds` ascending; a value v falls in bucket i when
    bounds[i-1] <= v < bounds[i] (below the first: bucket 0; from the last up: the last).
    `labels` has len(bounds) + 1 entries."""

    bounds: tuple[Decimal, ...]
    labels: tuple[Label, ...]


@dataclass(frozen=True, slots=True)
class Dimension:
    """A GROUP BY key. A date/datetime with `grain` is truncated to the period's first day
    (weeks start on Monday; datetimes in `timezone` of the plan); with `buckets`, the
    bucket label."""

    key: str
    label: Label
    ref: FieldRef
    pointer: str
    grain: Grain | None = None
    buckets: Buckets | None = None
    format: Format | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    """An aggregate computed in the database. `ref` None only for `count` (rows);
    `percentile` in (0, 100) for `percentile` (median is percentile 50, continuous)."""

    key: str
    label: Label
    function: Function
    ref: FieldRef | None
    pointer: str
    percentile: Decimal | None = None
    format: Format | None = None


@dataclass(frozen=True, slots=True)
class Calculated:
    """A measure computed from other measures of the same row after aggregation, in the
    expression language (`source`, over `depends`: measure keys)."""

    key: str
    label: Label
    source: str
    depends: tuple[str, ...]
    pointer: str
    format: Format | None = None


@dataclass(frozen=True, slots=True)
class Filter:
    """A WHERE condition: the expression's SQL IR. Paths: `(field,)` base fields,
    `(alias, field)` joined fields, `("parent", field)` the parent of subtable rows,
    `("$params", key[, "start" | "end"])` parameters, `("$user", ...)`, `("$today",)`,
    `("$now",)`; the platform binds values for the `$` paths."""

    source: str
    ir: SqlExpr
    pointer: str


ParameterType = Literal["date_range", "date", "select", "user", "department", "number", "text"]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A typed input of the report. `default`: a value of the type, or for `date_range` a
    relative period (`today`, `this_week`, `last_week`, `this_month`, `last_month`,
    `this_quarter`, `last_quarter`, `this_year`, `last_year`, `last_7_days`, `last_30_days`,
    `last_90_days`, `last_12_months`); `options` the allowed values of a `select`."""

    key: str
    label: Label
    type: ParameterType
    pointer: str
    required: bool = False
    default: Any = None
    options: tuple[Any, ...] | None = None
    multiple: bool = False


@dataclass(frozen=True, slots=True)
class Sort:
    key: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Pivot:
    """Values of `columns` dimensions spread into columns; `totals` adds a total row and a
    total column per value measure; `subtotals` adds a subtotal row after each group of the
    first row dimension (when there are two or more)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: tuple[str, ...]
    totals: bool
    subtotals: bool
    pointer: str


@dataclass(frozen=True, slots=True)
class RunningTotal:
    measure: str
    key: str
    label: Label
    pointer: str
    partition: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PercentOfTotal:
    """measure / total of measure (over the whole result, or within `partition`), as a
    Decimal fraction (0.25 shown as 25% by a percent format)."""

    measure: str
    key: str
    label: Label
    pointer: str
    partition: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PeriodChange:
    """Change of `measure` against the row `periods` earlier along the time dimension
    `dimension` (same values of the other dimensions): `absolute` (difference) or `ratio`
    (difference / earlier, null when the earlier value is 0 or missing)."""

    measure: str
    dimension: str
    key: str
    label: Label
    pointer: str
    periods: int = 1
    mode: Literal["absolute", "ratio"] = "ratio"


@dataclass(frozen=True, slots=True)
class TopN:
    """Keep the `n` values of `dimension` with the largest `measure` (ties by the dimension's
    value); with `others`, the rest summed into one row labelled `others_label` (count and sum
    add up; other measures of that row are null)."""

    dimension: str
    measure: str
    n: int
    pointer: str
    others: bool = True
    others_label: Label = field(default_factory=lambda: {"zh-CN": "其他", "en": "Others"})


PostStep = Pivot | RunningTotal | PercentOfTotal | PeriodChange | TopN


@dataclass(frozen=True, slots=True)
class DrillLink:
    """Clicking a value of `on` (a dimension or measure key) opens `target`: a record list of
    form `target` (kind "list", filtered to the clicked row's dimension values and the
    report's filters) or report `target` (kind "report") with `parameters`: target parameter
    key -> this report's dimension or parameter key."""

    on: str
    kind: Literal["list", "report"]
    target: str
    pointer: str
    parameters: Mapping[str, str] = field(default_factory=dict)


ChartType = Literal[
    "table",
    "bar",
    "stacked_bar",
    "line",
    "area",
    "pie",
    "scatter",
    "kpi",
    "funnel",
    "heatmap",
    "pivot",
]


@dataclass(frozen=True, slots=True)
class Chart:
    """`x`: the category dimension (pie/funnel: the slice names); `y`: measure keys;
    `series`: a dimension whose values become series (bar, stacked bar, line, area; heatmap:
    the second axis); `horizontal` for bars."""

    type: ChartType
    pointer: str
    x: str | None = None
    y: tuple[str, ...] = ()
    series: str | None = None
    horizontal: bool = False
    title: Label | None = None


@dataclass(frozen=True, slots=True)
class DetailColumn:
    """A column of a detail (row-level) report."""

    key: str
    label: Label
    ref: FieldRef
    pointer: str
    format: Format | None = None


@dataclass(frozen=True, slots=True)
class ReportPlan:
    """`kind` summary: one row per combination of dimension values with the measures;
    detail: one row per dataset row with `columns`, paged."""

    key: str
    title: Label
    kind: Literal["summary", "detail"]
    dataset: Dataset
    dimensions: tuple[Dimension, ...] = ()
    measures: tuple[Measure, ...] = ()
    calculated: tuple[Calculated, ...] = ()
    columns: tuple[DetailColumn, ...] = ()
    filters: tuple[Filter, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    sort: tuple[Sort, ...] = ()
    limit: int | None = None
    post: tuple[PostStep, ...] = ()
    drill: tuple[DrillLink, ...] = ()
    chart: Chart | None = None
    timezone: str = "Asia/Shanghai"
