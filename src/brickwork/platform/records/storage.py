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
from brickwork.jsonio import JsonError, canonical_dumps, loads, to_jsonable
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.crypto.errors import DecryptionFailed, KeyringError
from brickwork.platform.records.layout import (
    BLIND_INDEX_SUFFIX,
    CURRENCY_SUFFIX,
    ENCRYPTED,
    ColumnLayout,
)
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
    if field.encrypted:
        return ENCRYPTED
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


def plaintext_of(field: FieldBase, value: Any) -> str:
    """The normalised text an encrypted field's value is encrypted and blind-indexed as."""
    return canonical_dumps(to_jsonable(to_json_value(field, value)))


def _need(cipher: Cipher | None, table: str, column: ColumnLayout) -> Cipher:
    if cipher is None:
        raise KeyringError(f"{table}.{column.column} is encrypted but no key file is configured")
    return cipher


def to_columns(
    field: FieldBase,
    column: ColumnLayout,
    value: Any,
    *,
    cipher: Cipher | None = None,
    table: str = "",
) -> dict[str, Any]:
    """Column values for one typed field value (None clears the column). Encrypted fields need
    the ``cipher`` and the ``table`` (the ciphertext is bound to its column)."""
    if column.type_key == ENCRYPTED:
        bidx = column.column + BLIND_INDEX_SUFFIX
        if value is None:
            return {column.column: None, bidx: None}
        crypt, context = _need(cipher, table, column), f"{table}:{column.column}"
        plaintext = plaintext_of(field, value)
        return {
            column.column: crypt.encrypt(plaintext, context=context),
            bidx: crypt.blind_index(plaintext, context=context),
        }
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


def from_columns(
    field: FieldBase,
    column: ColumnLayout,
    row: Mapping[str, Any],
    *,
    cipher: Cipher | None = None,
    table: str = "",
) -> Any:
    """The JSON form of a field's value from a database row (encrypted ones decrypted: a value
    that does not decrypt raises ``DecryptionFailed`` naming the record and column)."""
    value = row[column.column]
    if value is None:
        return None
    if column.type_key == ENCRYPTED:
        return decrypt_cell(field, column, value, cipher=cipher, table=table, row_id=row.get("id"))
    if column.type_key.startswith("money:"):
        return {"amount": value, "currency": row[column.column + CURRENCY_SUFFIX]}
    # isinstance first: asking a pydantic model for an attribute it lacks is slow
    if isinstance(field, MoneyField) or (isinstance(field, ComputedField) and field.currency):
        return {"amount": value, "currency": field.currency}
    return value


def decrypt_cell(
    field: FieldBase,
    column: ColumnLayout,
    token: str,
    *,
    cipher: Cipher | None,
    table: str,
    row_id: Any,
) -> Any:
    """The JSON form of one stored ciphertext; never a guess, never silently None."""
    try:
        plaintext = _need(cipher, table, column).decrypt(token, context=f"{table}:{column.column}")
        return loads(plaintext, stored=True)
    except (DecryptionFailed, JsonError) as exc:
        reason = exc.message if isinstance(exc, DecryptionFailed) else "it is not a stored value"
        raise DecryptionFailed(
            f"record {row_id} of {table}: field {field.key!r} (column {column.column}) cannot be "
            f"decrypted; {reason}. Check the key file; nothing is returned in its place"
        ) from None
