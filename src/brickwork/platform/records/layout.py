"""Physical layout of a form's records: table and column names, column types, system columns.

A published form gets a real table; each subtable field a child table. Columns are named after
field **ids**, which never change, so renaming a field (its key or label) needs no DDL. A column is
never dropped or retyped in place: a removed field's column is *retired* (kept with its data), and
a type change moves the field to a new column after an explicit conversion. The layout of every
form table is recorded in ``form_tables`` so the platform knows which column holds which field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.types import TypeEngine

from brickwork.platform.db.base import ExactDecimal, JsonText, UtcDateTime

MAX_NAME = 63
SYSTEM_COLUMNS = (
    "id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "owner",
    "department",
    "version",
    "form_version",
    "flow_status",
    "deleted_at",
    "parent_id",
    "row_order",
)


def _decimal(type_key: str) -> TypeEngine[Any]:
    return ExactDecimal(int(type_key.split(":", 1)[1]))


CURRENCY_SUFFIX = "_ccy"
BLIND_INDEX_SUFFIX = "_bidx"
ENCRYPTED = "enc"

COLUMN_TYPES: dict[str, Callable[[str], TypeEngine[Any]]] = {
    "text": lambda _k: Text(),
    "bigint": lambda _k: BigInteger(),
    "boolean": lambda _k: Boolean(),
    "date": lambda _k: Date(),
    "datetime": lambda _k: UtcDateTime(),
    "time": lambda _k: Time(),
    "json": lambda _k: JsonText(),
    "ref": lambda _k: String(36),
    "decimal": _decimal,
    "money": _decimal,
    ENCRYPTED: lambda _k: Text(),
}
"""Storage type keys (``decimal:<scale>`` and ``money:<scale>`` carry their scale) and their
column types. A money field has a second column, ``<column>_ccy``, with its ISO 4217 currency; an
encrypted field (``enc``) holds ciphertext text and has a second column, ``<column>_bidx``, with
its blind index (indexed: equality filters and uniqueness go through it)."""


def column_type(type_key: str) -> TypeEngine[Any]:
    base = type_key.split(":", 1)[0]
    if base not in COLUMN_TYPES:
        raise ValueError(f"unknown storage type {type_key!r}")
    return COLUMN_TYPES[base](type_key)


def safe_name(prefix: str, *parts: str, taken: Iterable[str] = ()) -> str:
    """A lower-case SQL identifier of at most 63 characters, unique among ``taken``."""
    raw = "_".join(re.sub(r"[^a-z0-9]+", "_", part.lower()).strip("_") for part in parts)
    name = f"{prefix}{raw}"
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[: MAX_NAME - 9]}_{digest}"
    used = set(taken)
    candidate, counter = name, 2
    while candidate in used:
        suffix = f"_{counter}"
        candidate, counter = f"{name[: MAX_NAME - len(suffix)]}{suffix}", counter + 1
    return candidate


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    field_id: str
    column: str
    type_key: str
    retired: bool = False


@dataclass(frozen=True, slots=True)
class TableLayout:
    table: str
    columns: tuple[ColumnLayout, ...] = ()
    children: tuple[ChildLayout, ...] = ()
    unique: tuple[str, ...] = ()
    """Field ids whose value no two live records may share (a partial unique index each)."""

    def live(self) -> dict[str, ColumnLayout]:
        return {c.field_id: c for c in self.columns if not c.retired}

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "columns": [_column_json(c) for c in self.columns],
            "children": [child.to_json() for child in self.children],
            "unique": list(self.unique),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> TableLayout:
        return TableLayout(
            table=data["table"],
            columns=tuple(ColumnLayout(**c) for c in data["columns"]),
            children=tuple(ChildLayout.from_json(c) for c in data.get("children", [])),
            unique=tuple(data.get("unique", ())),
        )


@dataclass(frozen=True, slots=True)
class ChildLayout:
    field_id: str
    table: str
    columns: tuple[ColumnLayout, ...] = ()
    retired: bool = False

    def live(self) -> dict[str, ColumnLayout]:
        return {c.field_id: c for c in self.columns if not c.retired}

    def to_json(self) -> dict[str, Any]:
        return {
            "field_id": self.field_id,
            "table": self.table,
            "retired": self.retired,
            "columns": [_column_json(c) for c in self.columns],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> ChildLayout:
        return ChildLayout(
            field_id=data["field_id"],
            table=data["table"],
            retired=data.get("retired", False),
            columns=tuple(ColumnLayout(**c) for c in data["columns"]),
        )

    def with_columns(self, columns: tuple[ColumnLayout, ...]) -> ChildLayout:
        return replace(self, columns=columns)


def _column_json(column: ColumnLayout) -> dict[str, Any]:
    return {
        "field_id": column.field_id,
        "column": column.column,
        "type_key": column.type_key,
        "retired": column.retired,
    }


@dataclass(slots=True)
class TableSet:
    """SQLAlchemy tables of one form: the main table and its child tables by field id."""

    main: Table
    children: dict[str, Table] = field(default_factory=dict)


def unique_index_name(table: str, column: str) -> str:
    return safe_name("ux_", table[:30], column)


def blind_index_name(table: str, column: str) -> str:
    return safe_name("ix_", table[:30], column + BLIND_INDEX_SUFFIX)


def unique_column(layout: ColumnLayout) -> str:
    """The column a unique field's index covers: its blind index when it is encrypted."""
    return layout.column + (BLIND_INDEX_SUFFIX if layout.type_key == ENCRYPTED else "")


def blind_index(table: Table, layout: ColumnLayout) -> Index:
    """The (non-unique) index over an encrypted column's blind index, bound to ``table``."""
    return Index(
        blind_index_name(table.name, layout.column), table.c[layout.column + BLIND_INDEX_SUFFIX]
    )


RECORD_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("created", ("-created_at", "id")),
    ("owner", ("owner", "-created_at", "id")),
    ("dept", ("department", "-created_at", "id")),
    ("creator", ("created_by", "-created_at", "id")),
    ("trash", ("-created_at", "id")),
)
"""Indexes of every record table: the default order (newest first, ``id`` as tiebreak), alone
and after each row-scope column (``own``, ``department`` scopes, ``created_by`` in expressions),
so a page of a scoped list reads only its rows in order. They are partial, over live rows
(``deleted_at IS NULL``, which every list states), so a scoped count never visits the table; the
trash has its own (deleted rows only)."""
TRASH = "trash"


def record_index_name(table: str, suffix: str) -> str:
    return safe_name("ix_", table[:40], suffix)


def field_index_name(table: str, column: str) -> str:
    return safe_name("ix_", table[:30], column)


def record_indexes(table: Table) -> list[Index]:
    """The system indexes of a record table (see ``RECORD_INDEXES``), bound to ``table``."""
    indexes = []
    for suffix, parts in RECORD_INDEXES:
        columns = [
            table.c[part[1:]].desc() if part.startswith("-") else table.c[part] for part in parts
        ]
        rows = table.c.deleted_at.is_not(None) if suffix == TRASH else table.c.deleted_at.is_(None)
        name = record_index_name(table.name, suffix)
        indexes.append(Index(name, *columns, sqlite_where=rows, postgresql_where=rows))
    return indexes


def field_index(table: Table, layout: ColumnLayout) -> Index | None:
    """An index over a field's column, for lookups and row-scope expressions (an encrypted field
    has its blind index already)."""
    if layout.type_key == ENCRYPTED or layout.type_key == "json":
        return None
    return Index(field_index_name(table.name, layout.column), table.c[layout.column])


def system_columns() -> list[Column[Any]]:
    return [
        Column("id", String(36), primary_key=True),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("created_by", String(128), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("updated_by", String(128), nullable=False),
        Column("owner", String(128), nullable=False),
        Column("department", String(36), nullable=True),
        Column("version", Integer(), nullable=False),
        Column("form_version", Integer(), nullable=False),
        Column("flow_status", String(32), nullable=True),
        Column("deleted_at", UtcDateTime(), nullable=True),
    ]


def field_columns(layout: ColumnLayout) -> list[Column[Any]]:
    columns: list[Column[Any]] = [
        Column(layout.column, column_type(layout.type_key), nullable=True)
    ]
    if layout.type_key.startswith("money:"):
        columns.append(Column(layout.column + CURRENCY_SUFFIX, String(3), nullable=True))
    if layout.type_key == ENCRYPTED:
        columns.append(Column(layout.column + BLIND_INDEX_SUFFIX, String(32), nullable=True))
    return columns


def build_tables(layout: TableLayout, metadata: MetaData | None = None) -> TableSet:
    """The SQLAlchemy tables for a layout (every column, retired ones too: data is kept)."""
    metadata = metadata or MetaData()
    main = Table(
        layout.table,
        metadata,
        *system_columns(),
        *(column for c in layout.columns for column in field_columns(c)),
        Index(f"ix_{layout.table[:55]}_upd", "updated_at"),
    )
    for encrypted in (c for c in layout.columns if c.type_key == ENCRYPTED):
        blind_index(main, encrypted)
    record_indexes(main)
    live = layout.live()
    for lookup in (c for c in live.values() if c.type_key == "ref"):
        field_index(main, lookup)
    for field_id in layout.unique:
        column = main.c[unique_column(live[field_id])]
        Index(
            unique_index_name(layout.table, column.name),
            column,
            unique=True,
            sqlite_where=main.c.deleted_at.is_(None),
            postgresql_where=main.c.deleted_at.is_(None),
        )
    tables = TableSet(main)
    for child in layout.children:
        tables.children[child.field_id] = child_table = Table(
            child.table,
            metadata,
            Column("id", String(36), primary_key=True),
            Column(
                "parent_id",
                String(36),
                ForeignKey(f"{layout.table}.id", ondelete="CASCADE"),
                nullable=False,
                index=True,
            ),
            Column("row_order", Integer(), nullable=False),
            *(column for c in child.columns for column in field_columns(c)),
        )
        for encrypted in (c for c in child.columns if c.type_key == ENCRYPTED):
            blind_index(child_table, encrypted)
    return tables
