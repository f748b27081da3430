"""Schema sync: bring a form's tables in line with a newly published version, never losing data.

``plan_sync`` compares the recorded layout with the columns the new version needs and returns the
steps (pure, so a dry run can show them); ``apply_plan`` carries them out on a connection inside the
caller's transaction (DDL is transactional on both PostgreSQL and SQLite as configured here).

Rules: a new field gets a new nullable column; a removed field's column is retired (kept, with its
data); a field that comes back with the same type gets its old column back; a type change moves
the field to a new column and converts the values, automatically when the change is lossless
(integer → decimal, a larger decimal scale, anything → text), otherwise only with an explicit
conversion named in the publish request. Nothing is ever dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Index, MetaData, inspect, select, update
from sqlalchemy.schema import CreateIndex, CreateTable

from brickwork.platform.errors import ErrorItem
from brickwork.platform.records.layout import (
    CURRENCY_SUFFIX,
    ENCRYPTED,
    RECORD_INDEXES,
    ChildLayout,
    ColumnLayout,
    TableLayout,
    blind_index_name,
    build_tables,
    field_columns,
    field_index,
    field_index_name,
    record_index_name,
    safe_name,
    unique_column,
    unique_index_name,
)


class Cells(dict[str, Any]):
    """A converter's result that fills several columns (an encrypted value and its blind index)
    instead of the one new column."""


Converter = Callable[[Any], Any]
CONVERSION_BATCH = 1000


@dataclass(frozen=True, slots=True)
class DesiredColumn:
    field_id: str
    type_key: str
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class DesiredChild:
    field_id: str
    columns: tuple[DesiredColumn, ...]
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class DesiredLayout:
    table: str
    columns: tuple[DesiredColumn, ...]
    children: tuple[DesiredChild, ...] = ()
    unique: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One change: ``action`` is create_table, add_column, retire_column, revive_column,
    move_column or create_child_table / retire_child_table."""

    action: str
    table: str
    field_id: str = ""
    column: ColumnLayout | None = None
    previous: ColumnLayout | None = None
    conversion: str | None = None


@dataclass(frozen=True, slots=True)
class SyncPlan:
    layout: TableLayout
    steps: tuple[Step, ...]
    problems: tuple[ErrorItem, ...]

    @property
    def changes_schema(self) -> bool:
        return bool(self.steps)


def _lossless(old: str, new: str) -> bool:
    old_base, new_base = old.split(":")[0], new.split(":")[0]
    if new_base == "text":
        return old_base in {
            "text",
            "bigint",
            "decimal",
            "date",
            "datetime",
            "time",
            "boolean",
            "ref",
        }
    if (old_base, new_base) == ("bigint", "decimal"):
        return True
    if old_base == new_base and old_base in {"decimal", "money"}:
        return int(new.split(":")[1]) >= int(old.split(":")[1])
    return False


def plan_sync(
    current: TableLayout | None,
    desired: DesiredLayout,
    conversions: Mapping[str, str] | None = None,
) -> SyncPlan:
    conversions = conversions or {}
    steps: list[Step] = []
    problems: list[ErrorItem] = []
    base = current or TableLayout(table=desired.table)
    if current is None:
        steps.append(Step("create_table", desired.table))
    columns = _plan_columns(
        base.table,
        base.columns,
        desired.columns,
        conversions,
        steps,
        problems,
        fresh=current is None,
    )
    children = list(base.children)
    wanted = {child.field_id: child for child in desired.children}
    for index, child in enumerate(children):
        if child.field_id not in wanted and not child.retired:
            steps.append(Step("retire_child_table", child.table, child.field_id))
            children[index] = replace(child, retired=True)
    known = {child.field_id: index for index, child in enumerate(children)}
    taken = {c.table for c in children} | {base.table}
    for want in desired.children:
        if want.field_id in known:
            index = known[want.field_id]
            child = children[index]
            child_columns = _plan_columns(
                child.table, child.columns, want.columns, conversions, steps, problems, fresh=False
            )
            children[index] = ChildLayout(want.field_id, child.table, child_columns)
            continue
        table = safe_name(f"{base.table[:40]}__", want.field_id, taken=taken)
        taken.add(table)
        steps.append(Step("create_child_table", table, want.field_id))
        child_columns = _plan_columns(
            table, (), want.columns, conversions, steps, problems, fresh=True
        )
        children.append(ChildLayout(want.field_id, table, child_columns))
    unique = tuple(f for f in desired.unique if f in {c.field_id for c in columns if not c.retired})
    live = {c.field_id: c for c in columns if not c.retired}
    for field_id in base.unique:
        if field_id not in unique or (
            field_id in live and field_id in base.live() and live[field_id] != base.live()[field_id]
        ):
            steps.append(
                Step(
                    "drop_unique_index",
                    base.table,
                    field_id,
                    column=base.live().get(field_id) or _retired(columns, field_id),
                )
            )
    for field_id in unique if current is not None else ():  # a new table gets its indexes
        if field_id not in base.unique or live[field_id] != base.live().get(field_id):
            steps.append(Step("create_unique_index", base.table, field_id, column=live[field_id]))
    layout = TableLayout(base.table, columns, tuple(children), unique)
    return SyncPlan(layout, tuple(steps), tuple(problems))


def _retired(columns: Sequence[ColumnLayout], field_id: str) -> ColumnLayout | None:
    matches = [c for c in columns if c.field_id == field_id]
    return matches[-1] if matches else None


def _plan_columns(
    table: str,
    existing: Sequence[ColumnLayout],
    desired: Sequence[DesiredColumn],
    conversions: Mapping[str, str],
    steps: list[Step],
    problems: list[ErrorItem],
    *,
    fresh: bool,
) -> tuple[ColumnLayout, ...]:
    result = list(existing)
    taken = {c.column for c in existing}
    wanted = {d.field_id: d for d in desired}
    for index, column in enumerate(result):
        if not column.retired and column.field_id not in wanted:
            result[index] = replace(column, retired=True)
            steps.append(Step("retire_column", table, column.field_id, column=column))
    for want in desired:
        live = [i for i, c in enumerate(result) if c.field_id == want.field_id and not c.retired]
        if live:
            old = result[live[0]]
            if old.type_key == want.type_key:
                continue
            conversion = conversions.get(want.field_id)
            if conversion is None and not _lossless(old.type_key, want.type_key):
                problems.append(
                    ErrorItem(
                        want.pointer,
                        "unsafe_type_change",
                        f"changing {want.field_id!r} from {old.type_key} to {want.type_key}"
                        " may lose data; publish with an explicit conversion for this field"
                        " (its values are then converted and checked) or keep the old type",
                    )
                )
                continue
            new = ColumnLayout(want.field_id, _new_column_name(want.field_id, taken), want.type_key)
            taken.add(new.column)
            result[live[0]] = replace(old, retired=True)
            result.append(new)
            steps.append(
                Step(
                    "move_column",
                    table,
                    want.field_id,
                    column=new,
                    previous=old,
                    conversion=conversion or "lossless",
                )
            )
            continue
        revived = [
            i
            for i, c in enumerate(result)
            if c.field_id == want.field_id and c.retired and c.type_key == want.type_key
        ]
        if revived:
            column = result[revived[-1]]
            result[revived[-1]] = replace(column, retired=False)
            steps.append(Step("revive_column", table, want.field_id, column=column))
            continue
        new = ColumnLayout(want.field_id, _new_column_name(want.field_id, taken), want.type_key)
        taken.add(new.column)
        result.append(new)
        if not fresh:
            steps.append(Step("add_column", table, want.field_id, column=new))
    return tuple(result)


def _new_column_name(field_id: str, taken: set[str]) -> str:
    return safe_name("c_", field_id, taken=taken)


# ---------------------------------------------------------------- applying


def describe(plan: SyncPlan, connection: Connection) -> list[str]:
    """The DDL and data steps of a plan, as the database would run them (for dry runs)."""
    dialect = connection.dialect
    tables = build_tables(plan.layout)
    statements: list[str] = []
    for step in plan.steps:
        if step.action in {"create_table", "create_child_table"}:
            table = tables.main if step.action == "create_table" else tables.children[step.field_id]
            statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
            statements.extend(
                str(CreateIndex(ix).compile(dialect=dialect))
                for ix in sorted(table.indexes, key=lambda i: str(i.name))
            )
        elif step.action in {"create_unique_index", "drop_unique_index"}:
            assert step.column is not None
            name = unique_index_name(step.table, unique_column(step.column))
            statements.append(
                f"CREATE UNIQUE INDEX {name} ON {step.table} ({unique_column(step.column)})"
                " WHERE deleted_at IS NULL"
                if step.action == "create_unique_index"
                else f"DROP INDEX {name}"
            )
        elif step.action in {"add_column", "move_column"}:
            assert step.column is not None
            statements.extend(
                f"ALTER TABLE {step.table} ADD COLUMN {column.name} "
                f"{column.type.compile(dialect=dialect)}"
                for column in field_columns(step.column)
            )
            if step.column.type_key == ENCRYPTED:
                name = blind_index_name(step.table, step.column.column)
                statements.append(
                    f"CREATE INDEX {name} ON {step.table} ({unique_column(step.column)})"
                )
            if step.action == "move_column":
                assert step.previous is not None
                statements.append(
                    f"-- convert {step.previous.column} -> {step.column.column} "
                    f"({step.conversion}); {step.previous.column} is retired"
                )
        else:
            statements.append(
                f"-- {step.action.replace('_', ' ')} {step.table}"
                + (f" ({step.field_id})" if step.field_id else "")
                + "; nothing is dropped"
            )
    return statements


def apply_plan(
    plan: SyncPlan, connection: Connection, converters: Mapping[str, Converter] | None = None
) -> None:
    """Run the plan's steps; ``converters`` maps field ids to explicit value conversions."""
    if plan.problems:
        raise ValueError("a plan with problems cannot be applied")
    converters = converters or {}
    tables = build_tables(plan.layout, MetaData())
    operations = Operations(MigrationContext.configure(connection))
    for step in plan.steps:
        if step.action == "create_table":
            tables.main.create(connection)
        elif step.action == "create_child_table":
            tables.children[step.field_id].create(connection)
        elif step.action == "create_unique_index":
            assert step.column is not None
            name = unique_index_name(step.table, unique_column(step.column))
            index = next(ix for ix in tables.main.indexes if ix.name == name)
            index.create(connection)
        elif step.action == "drop_unique_index":
            assert step.column is not None
            operations.drop_index(
                unique_index_name(step.table, unique_column(step.column)), table_name=step.table
            )
        elif step.action in {"add_column", "move_column"}:
            assert step.column is not None
            for column in field_columns(step.column):
                operations.add_column(step.table, column)
            if step.column.type_key == ENCRYPTED:
                operations.create_index(
                    blind_index_name(step.table, step.column.column),
                    step.table,
                    [unique_column(step.column)],
                )
            if step.action == "move_column":
                assert step.previous is not None
                convert = converters.get(step.field_id) or LOSSLESS
                _copy_converted(connection, step, convert, tables)


def missing_indexes(
    layout: TableLayout, connection: Connection, scope_fields: Iterable[str] = ()
) -> list[Index]:
    """The indexes a form's main table should have but lacks: the system indexes (default
    order, row-scope columns), one per lookup field and one per field that grants' row-scope
    expressions name (``scope_fields``, field ids). A table published before these existed gets
    them on its next publish."""
    main = build_tables(layout).main
    exists = inspect(connection).has_table(main.name)
    present = (
        {str(ix["name"]) for ix in inspect(connection).get_indexes(main.name)}
        if exists
        else {str(ix.name) for ix in main.indexes}  # created with the table
    )
    live = layout.live()
    owned = {record_index_name(main.name, suffix) for suffix, _columns in RECORD_INDEXES}
    owned |= {field_index_name(main.name, c.column) for c in live.values() if c.type_key == "ref"}
    for field_id in scope_fields:
        if field_id in live and field_id not in layout.unique:
            index = field_index(main, live[field_id])
            owned |= {str(index.name)} if index is not None else set()
    return sorted(
        (ix for ix in main.indexes if ix.name in owned and ix.name not in present),
        key=lambda ix: str(ix.name),
    )


def create_indexes(indexes: Iterable[Index], connection: Connection) -> None:
    for index in indexes:
        index.create(connection)


def _copy_converted(connection: Connection, step: Step, convert: Converter, tables: Any) -> None:
    assert step.column is not None
    assert step.previous is not None
    table = (
        tables.main
        if tables.main.name == step.table
        else next(t for t in tables.children.values() if t.name == step.table)
    )
    old, new = table.c[step.previous.column], table.c[step.column.column]
    if step.column.type_key.startswith("money:") and step.previous.type_key.startswith("money:"):
        ccy = CURRENCY_SUFFIX
        connection.execute(
            update(table).values({step.column.column + ccy: table.c[step.previous.column + ccy]})
        )
    last_id = ""
    while True:
        rows = connection.execute(
            select(table.c.id, old)
            .where(table.c.id > last_id, old.is_not(None))
            .order_by(table.c.id)
            .limit(CONVERSION_BATCH)
        ).all()
        if not rows:
            return
        for row_id, value in rows:
            converted = convert(value)
            cells = converted if isinstance(converted, Cells) else {new.name: converted}
            connection.execute(update(table).where(table.c.id == row_id).values(cells))
        last_id = rows[-1][0]


def _lossless_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


LOSSLESS: Converter = _lossless_value
