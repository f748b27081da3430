"""Subtable rows while a record is validated: reading sent rows, current rows and default rows.

A sent list replaces the rows. A row whose `_id` names a current row updates that row (absent
cells keep their values); an `_id` naming no current row is refused (`row_id_unknown`), so a
client cannot adopt another record's rows; rows without `_id` are new (static defaults fill
their absent cells). Structural problems (not a list, a row that is not an object, unknown
keys, bad ids) are collected apart from cell problems, so a hidden subtable can drop them all.
Also the small value helpers the record validator shares. This module must not evaluate
expressions or decide visibility: `record.py` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickwork.engines.form.compiled import FieldPlan, RowsPlan
from brickwork.engines.form.fieldtypes import CoerceContext, Coerced
from brickwork.engines.form.fieldtypes.references import REFERENCE_ID
from brickwork.engines.form.fieldtypes.structured import ROW_ID_KEY
from brickwork.engines.form.problems import Problem, pointer_token, problem

ROW_ID_POINTER = pointer_token(ROW_ID_KEY)


def same_value(left: Any, right: Any) -> bool:
    """Equality of typed values that treats lists and tuples alike (stored data may use lists)."""
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(same_value, left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def missing(value: Any) -> bool:
    """No value for `required`: None, or an empty list."""
    return value is None or (isinstance(value, list | tuple) and not value)


def stored(plan: FieldPlan, value: Any) -> Any:
    """A current value in the registry's shape (multi-valued fields are tuples)."""
    return tuple(value) if plan.multiple and isinstance(value, list) else value


class Marks:
    """What the conditions decided for a record or a row: keys hidden, required, read-only."""

    __slots__ = ("hidden", "readonly", "required")

    def __init__(self) -> None:
        self.hidden: set[str] = set()
        self.required: set[str] = set()
        self.readonly: set[str] = set()


class Row(Marks):
    """One subtable row: its typed cells, what was sent for it and its expression context."""

    __slots__ = ("base", "broken", "context", "given", "locked", "pointer", "reports", "values")

    def __init__(self, pointer: str, base: Mapping[str, Any] | None) -> None:
        super().__init__()
        self.pointer = pointer
        self.base = base
        """The current row this row updates (None: a new row)."""
        self.broken = False
        """Not an object: reported, then left out of the values."""
        self.values: dict[str, Any] = {}
        self.context: dict[str, Any] = {}
        self.given: set[str] = set()
        """Cell keys that were sent."""
        self.reports: dict[str, Coerced] = {}
        """Sent cells with problems or warnings."""
        self.locked: dict[str, Any] = {}
        """Raw values sent for computed and serial-number cells."""

    def failed(self, key: str) -> bool:
        report = self.reports.get(key)
        return report is not None and bool(report.problems)


def initial_cell(column: FieldPlan, row: Row) -> Any:
    """A cell that was not sent (or was dropped): the current cell, else the static default."""
    if row.base is not None:
        return stored(column, row.base.get(column.key))
    return column.default


def read_rows(
    plan: FieldPlan,
    raw: Any,
    current: Any,
    context: CoerceContext,
    problems: list[Problem],
) -> list[Row] | None:
    """The rows of a sent subtable value; None when it is not a list (reported)."""
    assert plan.rows is not None
    if not isinstance(raw, list | tuple):
        problems.append(problem("subtable_format", pointer=plan.pointer))
        return None
    by_id = {
        row[ROW_ID_KEY]: row
        for row in (current if isinstance(current, list | tuple) else ())
        if isinstance(row, Mapping) and row.get(ROW_ID_KEY) is not None
    }
    seen: set[str] = set()
    rows: list[Row] = []
    for index, item in enumerate(raw):
        pointer = f"{plan.pointer}/{index}"
        if isinstance(item, Mapping):
            row_id = _row_id(item.get(ROW_ID_KEY), pointer, by_id, seen, problems)
            row = Row(pointer, None if row_id is None else by_id[row_id])
            if row_id is not None:
                row.values[ROW_ID_KEY] = row_id
            _read_cells(plan.rows, row, item, context, problems)
        else:
            problems.append(problem("subtable_format", pointer=pointer))
            row = Row(pointer, None)
            row.broken = True
        rows.append(row)
    return rows


def _read_cells(
    rows_plan: RowsPlan,
    row: Row,
    item: Mapping[str, Any],
    context: CoerceContext,
    problems: list[Problem],
) -> None:
    sent: dict[str, Any] = {}
    for key, cell in item.items():
        if key == ROW_ID_KEY:
            continue
        column = rows_plan.columns.get(key)
        if column is None:
            problems.append(problem("unknown_field", pointer=row.pointer + pointer_token(str(key))))
            continue
        row.given.add(key)
        if not column.writable:
            row.locked[key] = cell
            continue
        found = column.check(cell, context)
        if type(found) is Coerced:
            row.reports[key] = found
            found = found.value
        sent[key] = found
    for column in rows_plan.plans:
        key = column.key
        row.values[key] = sent[key] if key in sent else initial_cell(column, row)


def initial_rows(plan: FieldPlan, source: Any, *, new: bool) -> list[Row]:
    """Rows not sent in this call: the current rows, or (`new`) the static default rows."""
    assert plan.rows is not None
    rows: list[Row] = []
    for index, item in enumerate(source if isinstance(source, list | tuple) else ()):
        if not isinstance(item, Mapping):
            continue
        row = Row(f"{plan.pointer}/{index}", None if new else item)
        if item.get(ROW_ID_KEY) is not None:
            row.values[ROW_ID_KEY] = item[ROW_ID_KEY]
        for column in plan.rows.plans:
            value = stored(column, item.get(column.key))
            row.values[column.key] = value
            if new and value is not None:
                row.given.add(column.key)
        rows.append(row)
    return rows


def row_snapshot(rows_plan: RowsPlan, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's id and cells, in the registry's shapes, for comparing old and new rows."""
    values = {ROW_ID_KEY: row.get(ROW_ID_KEY)}
    for key, column in rows_plan.columns.items():
        values[key] = stored(column, row.get(key))
    return values


def _row_id(
    raw: Any,
    pointer: str,
    by_id: Mapping[str, Mapping[str, Any]],
    seen: set[str],
    problems: list[Problem],
) -> str | None:
    """The id of the current row that a sent row updates, or None for a new row."""
    if raw is None:
        return None
    where = pointer + ROW_ID_POINTER
    if not isinstance(raw, str) or not REFERENCE_ID.fullmatch(raw):
        problems.append(problem("reference_format", pointer=where))
    elif raw in seen:
        problems.append(problem("duplicate_item", pointer=where))
    elif raw not in by_id:
        problems.append(problem("row_id_unknown", pointer=where))
    else:
        seen.add(raw)
        return raw
    return None
