"""After aggregation: calculated measures, then the post steps in order, then sort and limit.

Everything here runs on the aggregated rows only (a few thousand at most) in plain Python, so
values stay exact `Decimal`s; pandas is not needed for this and would turn them into floats.

- Calculated measures are evaluated per row with the expression language (`aum / customers`);
  what the language gives null (a division by zero, a null operand) is null.
- Running totals add up in the rows' order (the report's sort, else the dimensions' order),
  within `partition` when given; nulls add nothing.
- Percent of total: value / total of the column (within `partition`), null when the total is
  zero; exact fractions (0.25 shows as 25 % with a percent format).
- Period change: against the row `periods` grains earlier with the same other dimensions;
  `absolute` is the difference, `ratio` the difference over the earlier value (null when there is
  no earlier row or it is zero).
- Top N: the N values of the dimension with the largest totals of the measure (ties by value);
  the rest become one "others" row per combination of the other dimensions, where counts and
  sums add up and other measures are null (they cannot be derived from the rows).
- Pivot (always last): column dimensions' values spread into columns, one per value measure;
  totals add a total column per measure and a total row; subtotals a row after each group of
  the first row dimension. Totals of counts, sums and percents add the cells, of min and max
  take the min or max; averages, medians, percentiles, distinct counts and calculated measures
  have no total (null): they cannot be derived from the cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import Scope, compile_expression
from brickwork.engines.report.plan import (
    Calculated,
    Dimension,
    Label,
    PercentOfTotal,
    PeriodChange,
    Pivot,
    ReportPlan,
    RunningTotal,
    Sort,
    TopN,
)
from brickwork.engines.report.result import Column, ResultTable, RowKind

ADDITIVE = frozenset({"count", "sum"})


def text_of(label: Label, locale: str) -> str:
    """A label in the locale (zh-CN, else en, else any)."""
    if isinstance(label, str):
        return label
    return label.get(locale) or label.get("en") or next(iter(label.values()), "")


def apply_post(
    plan: ReportPlan,
    table: ResultTable,
    *,
    parameters: Mapping[str, Any] | None = None,
    locale: str = "zh-CN",
) -> ResultTable:
    """The result of a summary report after its calculated measures and post steps."""
    rows = [list(row) for row in table.rows]
    columns = list(table.columns)
    for calculated in plan.calculated:
        _calculate(calculated, columns, rows)
    totals_kind = _totals_kinds(plan)
    pivot = None
    presorted = [s for s in plan.sort if any(c.key == s.key for c in columns)]
    rows = _sorted(rows, columns, presorted)
    for step in plan.post:
        if isinstance(step, RunningTotal):
            _running_total(step, columns, rows)
            totals_kind[step.key] = None
        elif isinstance(step, PercentOfTotal):
            _percent(step, columns, rows)
            totals_kind[step.key] = "sum"
        elif isinstance(step, PeriodChange):
            dimension = next(d for d in plan.dimensions if d.key == step.dimension)
            _period_change(step, dimension, columns, rows)
            totals_kind[step.key] = None
        elif isinstance(step, TopN):
            rows = _top_n(step, plan, columns, rows, locale)
        elif isinstance(step, Pivot):
            pivot = step
    rows = _sorted(rows, columns, plan.sort)
    if plan.limit is not None:
        rows = rows[: plan.limit]
    if pivot is not None:
        return _pivot(pivot, columns, rows, totals_kind, table)
    return replace(
        table,
        columns=tuple(columns),
        rows=tuple(tuple(row) for row in rows),
        kinds=tuple("data" for _ in rows),
    )


def _totals_kinds(plan: ReportPlan) -> dict[str, str | None]:
    kinds: dict[str, str | None] = {}
    for measure in plan.measures:
        function = measure.function
        kinds[measure.key] = (
            "sum" if function in ADDITIVE else function if function in ("min", "max") else None
        )
    for calculated in plan.calculated:
        kinds[calculated.key] = None
    return kinds


def _index(columns: Sequence[Column], key: str) -> int:
    for position, column in enumerate(columns):
        if column.key == key:
            return position
    raise KeyError(key)


# ------------------------------------------------------------ calculated measures

_COMPILED: dict[tuple[str, tuple[str, ...]], Any] = {}


def _calculate(calculated: Calculated, columns: list[Column], rows: list[list[Any]]) -> None:
    known = tuple(c.key for c in columns if c.role == "measure")
    cache_key = (calculated.source, known)
    compiled = _COMPILED.get(cache_key)
    if compiled is None:
        compiled = compile_expression(calculated.source, Scope.of(dict.fromkeys(known, "number")))
        if len(_COMPILED) > 1000:
            _COMPILED.clear()
        _COMPILED[cache_key] = compiled
    positions = {key: _index(columns, key) for key in calculated.depends}
    for row in rows:
        variables = {key: row[position] for key, position in positions.items()}
        value = compiled.evaluate(variables).value
        row.append(value if isinstance(value, Decimal) else None)
    columns.append(
        Column(
            calculated.key,
            calculated.label,
            "measure",
            "number",
            (calculated.key,),
            calculated.format,
        )
    )


# ------------------------------------------------------------ window-like steps


def _groups(
    columns: Sequence[Column], rows: Sequence[list[Any]], partition: Sequence[str]
) -> dict[tuple[Any, ...], list[list[Any]]]:
    positions = [_index(columns, key) for key in partition]
    groups: dict[tuple[Any, ...], list[list[Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[i] for i in positions), []).append(row)
    return groups


def _running_total(step: RunningTotal, columns: list[Column], rows: list[list[Any]]) -> None:
    position = _index(columns, step.measure)
    for group in _groups(columns, rows, step.partition).values():
        total = Decimal(0)
        for row in group:
            if row[position] is not None:
                total += row[position]
            row.append(total)
    source = columns[position]
    columns.append(Column(step.key, step.label, "measure", source.type, (step.key,), source.format))


def _percent(step: PercentOfTotal, columns: list[Column], rows: list[list[Any]]) -> None:
    position = _index(columns, step.measure)
    for group in _groups(columns, rows, step.partition).values():
        total = sum((row[position] for row in group if row[position] is not None), Decimal(0))
        for row in group:
            value = row[position]
            row.append(None if value is None or total == 0 else Decimal(value) / total)
    columns.append(Column(step.key, step.label, "measure", "percent", (step.key,), None))


def shift(day: date, grain: str, periods: int) -> date:
    """The start of the period `periods` grains before the one starting on `day`."""
    if grain == "day":
        return day - timedelta(days=periods)
    if grain == "week":
        return day - timedelta(weeks=periods)
    months = {"month": 1, "quarter": 3, "year": 12}[grain] * periods
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)


def _period_change(
    step: PeriodChange, dimension: Dimension, columns: list[Column], rows: list[list[Any]]
) -> None:
    position = _index(columns, step.measure)
    time = _index(columns, step.dimension)
    others = [i for i, c in enumerate(columns) if c.role == "dimension" and i != time]
    found = {
        (tuple(row[i] for i in others), row[time]): row[position]
        for row in rows
        if row[time] is not None
    }
    grain = dimension.grain or "day"
    for row in rows:
        current, day = row[position], row[time]
        earlier = (
            None
            if day is None
            else found.get((tuple(row[i] for i in others), shift(_day(day), grain, step.periods)))
        )
        if current is None or earlier is None:
            row.append(None)
        elif step.mode == "absolute":
            row.append(current - earlier)
        else:
            row.append(None if earlier == 0 else (current - earlier) / earlier)
    kind = "percent" if step.mode == "ratio" else columns[position].type
    columns.append(Column(step.key, step.label, "measure", kind, (step.key,), None))


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[no-any-return]


def _top_n(
    step: TopN, plan: ReportPlan, columns: list[Column], rows: list[list[Any]], locale: str
) -> list[list[Any]]:
    dimension = _index(columns, step.dimension)
    measure = _index(columns, step.measure)
    totals: dict[Any, Decimal] = {}
    for row in rows:
        value = row[measure]
        totals[row[dimension]] = totals.get(row[dimension], Decimal(0)) + (value or 0)
    ranked = sorted(totals, key=lambda v: (-totals[v], _order_key(v)))
    kept = set(ranked[: step.n])
    top = [row for row in rows if row[dimension] in kept]
    if not step.others or len(ranked) <= step.n:
        return top
    functions = {m.key: m.function for m in plan.measures}
    others_dims = [i for i, c in enumerate(columns) if c.role == "dimension" and i != dimension]
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        if row[dimension] in kept:
            continue
        group = tuple(row[i] for i in others_dims)
        target = merged.get(group)
        if target is None:
            target = merged[group] = [None] * len(columns)
            for i in others_dims:
                target[i] = row[i]
            target[dimension] = text_of(step.others_label, locale)
        for i, column in enumerate(columns):
            additive = column.role == "measure" and functions.get(column.key) in ADDITIVE
            if additive and row[i] is not None:
                target[i] = (target[i] or Decimal(0)) + row[i]
    return top + list(merged.values())


# ------------------------------------------------------------ order


def _order_key(value: Any) -> tuple[int, Any]:
    """Nulls last; values of one column compare with each other."""
    return (1, 0) if value is None else (0, value)


def _sorted(
    rows: list[list[Any]], columns: Sequence[Column], sort: Sequence[Sort]
) -> list[list[Any]]:
    for item in reversed(sort):
        position = _index(columns, item.key)
        present = [row for row in rows if row[position] is not None]
        missing = [row for row in rows if row[position] is None]
        present.sort(key=lambda row: row[position], reverse=item.descending)
        rows = present + missing
    return rows


# ------------------------------------------------------------ pivot


@dataclass(frozen=True, slots=True)
class _Grid:
    """The pivoted cells: one source row per (row key, column key)."""

    step: Pivot
    across: Sequence[tuple[Any, ...]]
    cells: Mapping[tuple[tuple[Any, ...], tuple[Any, ...]], Sequence[Any]]
    values: Mapping[str, int]
    totals_kind: Mapping[str, str | None]

    def combine(self, key: str, values: Sequence[Any]) -> Any:
        kind = self.totals_kind.get(key)
        present = [v for v in values if v is not None]
        if kind is None or not present:
            return None
        if kind == "sum":
            return sum(present, Decimal(0))
        return min(present) if kind == "min" else max(present)

    def line(
        self, keys: Sequence[tuple[Any, ...]], head: Sequence[Any], *, data: bool = False
    ) -> list[Any]:
        """A data row (its cells as they are) or a subtotal/total row (combined)."""
        out = list(head)
        per_value: dict[str, list[Any]] = {key: [] for key in self.step.values}
        for c in self.across:
            for key, position in self.values.items():
                found = [self.cells[(r, c)][position] for r in keys if (r, c) in self.cells]
                if data:
                    out.append(found[0] if found else None)
                else:
                    out.append(self.combine(key, found))
                per_value[key].extend(found)
        if self.step.totals:
            out.extend(self.combine(key, per_value[key]) for key in self.step.values)
        return out


def _pivot(
    step: Pivot,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    totals_kind: Mapping[str, str | None],
    table: ResultTable,
) -> ResultTable:
    row_pos = [_index(columns, key) for key in step.rows]
    col_pos = [_index(columns, key) for key in step.columns]
    values = {key: _index(columns, key) for key in step.values}
    row_keys: dict[tuple[Any, ...], None] = {}
    col_keys: dict[tuple[Any, ...], None] = {}
    cells: dict[tuple[tuple[Any, ...], tuple[Any, ...]], Sequence[Any]] = {}
    for row in rows:
        r = tuple(row[i] for i in row_pos)
        c = tuple(row[i] for i in col_pos)
        row_keys.setdefault(r)
        col_keys.setdefault(c)
        cells[(r, c)] = row
    across = sorted(col_keys, key=lambda key: tuple(_order_key(v) for v in key))
    grid = _Grid(step, across, cells, values, totals_kind)
    out_columns = [columns[i] for i in row_pos]
    for c in across:
        for key, position in values.items():
            path = (*(_path_text(v) for v in c), key)
            out_columns.append(replace(columns[position], key="|".join(path), path=path))
    if step.totals:
        out_columns.extend(
            replace(columns[position], key=f"total|{key}", path=("total", key))
            for key, position in values.items()
        )
    down = list(row_keys)
    out_rows: list[list[Any]] = []
    kinds: list[RowKind] = []
    for index, r in enumerate(down):
        out_rows.append(grid.line([r], r, data=True))
        kinds.append("data")
        last_of_group = index + 1 == len(down) or down[index + 1][0] != r[0]
        if step.subtotals and len(row_pos) > 1 and last_of_group:
            group = [k for k in down if k[0] == r[0]]
            out_rows.append(grid.line(group, [r[0], *([None] * (len(row_pos) - 1))]))
            kinds.append("subtotal")
    if step.totals:
        out_rows.append(grid.line(down, [None] * len(row_pos)))
        kinds.append("total")
    return replace(
        table,
        columns=tuple(out_columns),
        rows=tuple(tuple(row) for row in out_rows),
        kinds=tuple(kinds),
    )


def _path_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
