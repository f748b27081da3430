"""Windowed aggregates: count/sum/min/max/avg of the records of a form that match a filter and
lie in a time window, in one SQL statement, through the reader's permissions.

Rules ask such questions of other records ("cash deposits of the same customer in the last 7 days
between 45,000 and 49,999.99"). The filter names the candidate record's fields as `it.<field>`
and the triggering record's values as `record.<field>`; the latter become bound values. The
reader (the rule's owner) sees only the rows and fields its grants allow, exactly as in a list:
a field hidden or masked for it cannot be filtered or aggregated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal, localcontext
from typing import Any, Literal

from sqlalchemy import ColumnElement, Date, Index

from brickwork.engines.expr import Scope, values
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.sql_ir import (
    SqlAnd,
    SqlColumn,
    SqlEquals,
    SqlExpr,
    SqlIsNull,
    SqlLiteral,
    SqlOr,
)
from brickwork.platform.clock import BUSINESS_ZONE, business_date
from brickwork.platform.errors import ErrorItem, Invalid
from brickwork.platform.query.sql_expr import map_children
from brickwork.platform.records.layout import BLIND_INDEX_SUFFIX, ENCRYPTED, record_index_name
from brickwork.platform.records.published import PublishedForm

AggregateFunction = Literal["count", "sum", "min", "max", "avg"]
FUNCTIONS: tuple[str, ...] = ("count", "sum", "min", "max", "avg")
CANDIDATE = "it"
TRIGGER = "record"


@dataclass(frozen=True, slots=True)
class Window:
    """Candidate records whose `field` lies between `start` and `end` (None: open on that side).
    Bounds are dates for a date field and aware date-times for a date-and-time field."""

    field: str
    start: date | datetime | None = None
    end: date | datetime | None = None
    start_included: bool = True
    end_included: bool = True


def related_scope(candidate: Mapping[str, t.ExprType], trigger: Mapping[str, Any]) -> Scope:
    """`it` is a candidate record (its form's field types), `record` the triggering one (the
    types of its values)."""
    trigger_types = {key: _value_type(value) for key, value in trigger.items()}
    return Scope(
        fields={CANDIDATE: t.context_of(dict(candidate)), TRIGGER: t.context_of(trigger_types)}
    )


def _value_type(value: Any) -> t.ExprType:
    try:
        kind = values.kind_of(values.norm(value))
    except values.UnsupportedValue:
        return t.ANY
    return t.SCALARS.get(kind, t.ANY)


def bind_trigger(node: SqlExpr, trigger: Mapping[str, Any]) -> SqlExpr:
    """`node` with every `record.<field>` replaced by the triggering record's value; a null-safe
    equality against a known value becomes a plain, indexable one with the same meaning."""
    if isinstance(node, SqlColumn) and node.path[0] == TRIGGER:
        if len(node.path) != 2:
            raise _not_a_field(".".join(node.path))
        value = values.norm(trigger.get(node.path[1]))
        return SqlLiteral(value, values.kind_of(value))
    if isinstance(node, SqlEquals):
        left, right = bind_trigger(node.left, trigger), bind_trigger(node.right, trigger)
        known = right if isinstance(right, SqlLiteral) else left
        other = left if known is right else right
        if node.null_safe and isinstance(known, SqlLiteral) and not isinstance(other, SqlLiteral):
            if known.value is None:
                return SqlIsNull(other, negated=node.negated)
            plain = SqlEquals(other, known, negated=node.negated, null_safe=False)
            if node.negated:  # NULL differs from a value
                return SqlOr((SqlIsNull(other), plain))
            return SqlAnd((SqlIsNull(other, negated=True), plain))
        return replace(node, left=left, right=right)
    return map_children(node, lambda child: bind_trigger(child, trigger))


def _not_a_field(path: str) -> Invalid:
    return Invalid(
        f"`{path}` is not a field of the triggering record",
        code="filter_invalid",
        zh_cn=f"{path} 不是触发记录的字段",
        errors=[ErrorItem("/where", "not_pushable", f"use record.<field>, not {path}")],
    )


def equality_keys(node: SqlExpr) -> list[str]:
    """Candidate fields that a filter's top-level conjunction compares for equality with the
    triggering record's values (`it.customer = record.customer and ...`): the leading columns
    of the index its aggregate needs."""
    if isinstance(node, SqlAnd):
        found: list[str] = []
        for operand in node.operands:
            found.extend(key for key in equality_keys(operand) if key not in found)
        return found
    if isinstance(node, SqlEquals) and not node.negated:
        for mine, theirs in ((node.left, node.right), (node.right, node.left)):
            if (
                isinstance(mine, SqlColumn)
                and isinstance(theirs, SqlColumn)
                and mine.path[0] == CANDIDATE
                and len(mine.path) == 2
                and theirs.path[0] == TRIGGER
            ):
                return [mine.path[1]]
    return []


def window_bounds(column: ColumnElement[Any], window: Window) -> list[ColumnElement[bool]]:
    """The window as conditions on `column`, its bounds in the column's terms: an instant (the
    evaluation time, a date-time anchor) bounds a date field by the business's date then
    (Shanghai's), a date bounds a date-and-time field from its midnight there."""
    conditions: list[ColumnElement[bool]] = []
    on_dates = isinstance(column.type, Date)
    if window.start is not None:
        low = _bound(window.start, on_dates)
        conditions.append(column >= low if window.start_included else column > low)
    if window.end is not None:
        high = _bound(window.end, on_dates)
        conditions.append(column <= high if window.end_included else column < high)
    return conditions


def _bound(value: date | datetime, on_dates: bool) -> date | datetime:
    if isinstance(value, datetime):
        return business_date(value) if on_dates else value
    return value if on_dates else datetime.combine(value, time(0), BUSINESS_ZONE)


def window_index(form: PublishedForm, keys: Sequence[str]) -> Index:
    """The index windowed aggregates over `keys` use (live rows only), named by its columns."""
    layouts = {item.key: column for item, column in form.shape.columns}
    columns = []
    for position, key in enumerate(keys):
        layout = layouts.get(key)
        if layout is None or layout.type_key == "json":
            raise Invalid(
                f"{key!r} is not a stored field of form {form.form_key!r}; it cannot be indexed",
                code="aggregate_invalid",
                zh_cn=f"{key} 不是表单 {form.form_key} 中存储的字段：不能为它建立索引",
                errors=[ErrorItem(f"/index/{position}", "not_aggregatable", f"{key!r}")],
            )
        suffix = BLIND_INDEX_SUFFIX if layout.type_key == ENCRYPTED else ""
        columns.append(form.table.c[layout.column + suffix])
    if not columns:
        raise ValueError("an index needs at least one field")
    digest = hashlib.sha256("|".join(c.name for c in columns).encode()).hexdigest()[:10]
    live = form.table.c.deleted_at.is_(None)
    name = record_index_name(form.table.name, f"w{digest}")
    return Index(name, *columns, sqlite_where=live, postgresql_where=live)


def average(total: Decimal | None, count: int) -> Decimal | None:
    """An exact average (SQL's AVG would go through floating point on SQLite)."""
    if total is None or count == 0:
        return None
    with localcontext(values.DECIMAL_CONTEXT):
        return Decimal(total) / count
