"""How typed field values become column values and back, per storage kind.

The form engine describes storage (`Storage.kind`, scale, multiple); this module chooses the
column type key for each field (see ``layout.COLUMN_TYPES``) and converts values both ways. Values
read back are in their *JSON form* (what the API returns: Decimals exact, dates as date objects,
money as ``{"amount", "currency"}``); the form engine re-coerces that form when it needs typed
values (updates, expressions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from brickwork.engines.form.definition import (
    ComputedField,
    FormDefinition,
    MoneyField,
    SubtableField,
)
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import storage_of, to_json_value
from brickwork.engines.form.fieldtypes.base import Storage, StorageKind
from brickwork.engines.form.money import Money
from brickwork.platform.records.layout import CURRENCY_SUFFIX, ColumnLayout
from brickwork.platform.records.schema_sync import DesiredChild, DesiredColumn, DesiredLayout

DEFAULT_DECIMAL_SCALE = 2


def _scaled(prefix: str) -> Callable[[Storage], str]:
    return lambda storage: f"{prefix}:{storage.scale if storage.scale is not None else 2}"


TYPE_KEYS: dict[StorageKind, Callable[[Storage], str]] = {
    StorageKind.TEXT: lambda _s: "text",
    StorageKind.INTEGER: lambda _s: "bigint",
    StorageKind.DECIMAL: _scaled("decimal"),
    StorageKind.MONEY: _scaled("money"),
    StorageKind.BOOLEAN: lambda _s: "boolean",
    StorageKind.DATE: lambda _s: "date",
    StorageKind.DATETIME: lambda _s: "datetime",
    StorageKind.TIME: lambda _s: "time",
    StorageKind.JSON: lambda _s: "json",
    StorageKind.REFERENCE: lambda s: "json" if s.multiple else "ref",
}


def type_key_of(field: FieldBase) -> str:
    storage = storage_of(field)
    return TYPE_KEYS[storage.kind](storage)


def desired_layout(table: str, definition: FormDefinition) -> DesiredLayout:
    """The columns and child tables that a form version needs."""
    columns: list[DesiredColumn] = []
    children: list[DesiredChild] = []
    for index, field in enumerate(definition.fields):
        pointer = f"/spec/fields/{index}"
        if isinstance(field, SubtableField):
            children.append(
                DesiredChild(
                    field.id,
                    tuple(
                        DesiredColumn(row.id, type_key_of(row), f"{pointer}/fields/{i}/type")
                        for i, row in enumerate(field.fields)
                    ),
                    pointer,
                )
            )
        else:
            columns.append(DesiredColumn(field.id, type_key_of(field), f"{pointer}/type"))
    unique = tuple(f.id for f in definition.fields if f.unique and not isinstance(f, SubtableField))
    return DesiredLayout(table, tuple(columns), tuple(children), unique)


def to_columns(field: FieldBase, column: ColumnLayout, value: Any) -> dict[str, Any]:
    """Column values for one typed field value (None clears the column)."""
    if column.type_key.startswith("money:"):
        amount = None if value is None else value.amount
        currency = None if value is None else value.currency
        return {column.column: amount, column.column + CURRENCY_SUFFIX: currency}
    if value is None:
        return {column.column: None}
    if isinstance(value, Money):  # a fixed-currency money field keeps only the amount
        return {column.column: value.amount}
    if column.type_key == "json":
        return {column.column: to_json_value(field, value)}
    if column.type_key.startswith("decimal:") and not isinstance(value, Decimal):
        return {column.column: to_json_value(field, value)}
    return {column.column: value}


def from_columns(field: FieldBase, column: ColumnLayout, row: Mapping[str, Any]) -> Any:
    """The JSON form of a field's value from a database row."""
    value = row[column.column]
    if value is None:
        return None
    if column.type_key.startswith("money:"):
        return {"amount": value, "currency": row[column.column + CURRENCY_SUFFIX]}
    currency = getattr(field, "currency", None)
    if isinstance(field, MoneyField) or (isinstance(field, ComputedField) and currency):
        return {"amount": value, "currency": currency}
    return value
