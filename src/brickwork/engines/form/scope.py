"""How form fields look to the expression language: static types (`Scope`) and run-time values.

Each field type maps to one expression type (a table, `EXPRESSION_TYPES`) and one converter from
the typed value the field registry produces to the value an expression reads: money is its
`Decimal` amount, whole numbers become `Decimal`, a location is a context `{lat, lng}`, a file is
a context `{id, name, size, content_type}`, multi-valued fields are lists and a subtable is a
list of row contexts (so `sum(guarantors.amount)` and `guarantors[amount > 100]` work). Null
stays null. This module must not evaluate expressions or decide policy about records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import Scope
from brickwork.engines.expr.datatypes import (
    BOOLEAN,
    DATE,
    DATETIME,
    NUMBER,
    STRING,
    TIME,
    ExprType,
    context_of,
    list_of,
)
from brickwork.engines.form.definition import ComputedField, FormDefinition, SubtableField
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import FileRef, Location
from brickwork.engines.form.money import Money

Converter = Callable[[Any], Any]
"""A typed, non-null field value → its expression value."""

FILE_TYPE = context_of({"id": STRING, "name": STRING, "size": NUMBER, "content_type": STRING})
LOCATION_TYPE = context_of({"lat": NUMBER, "lng": NUMBER})

_TEXT_TYPES = (
    "text textarea rich_text single_select email phone url resident_id uscc bank_card lei iban "
    "swift_bic passport serial_number"
)
EXPRESSION_TYPES: dict[str, ExprType] = {
    **dict.fromkeys(_TEXT_TYPES.split(), STRING),
    **dict.fromkeys(("integer", "decimal", "money", "percent"), NUMBER),
    "boolean": BOOLEAN,
    "date": DATE,
    "datetime": DATETIME,
    "time": TIME,
    "multi_select": list_of(STRING),
    "attachment": list_of(FILE_TYPE),
    "signature": FILE_TYPE,
    "location": LOCATION_TYPE,
}
"""Expression type per field type; references, computed fields and subtables depend on options."""

COMPUTED_TYPES: dict[str, ExprType] = {
    "text": STRING,
    "integer": NUMBER,
    "decimal": NUMBER,
    "money": NUMBER,
    "percent": NUMBER,
    "boolean": BOOLEAN,
    "date": DATE,
    "datetime": DATETIME,
}
REFERENCE_TYPES = frozenset({"lookup", "member", "department"})


def expression_type(field: FieldBase) -> ExprType:
    """The static type an expression sees for `field`."""
    if isinstance(field, ComputedField):
        return COMPUTED_TYPES[field.result_type]
    if isinstance(field, SubtableField):
        return list_of(row_type(field))
    if field.type in REFERENCE_TYPES:
        return list_of(STRING) if getattr(field, "multiple", False) else STRING
    return EXPRESSION_TYPES[field.type]


def row_type(field: SubtableField) -> ExprType:
    """The context type of one row of a subtable."""
    return context_of({column.key: expression_type(column) for column in field.fields})


def form_scope(definition: FormDefinition) -> Scope:
    """Every field of the form by key (subtables as lists of row contexts)."""
    return Scope(fields={field.key: expression_type(field) for field in definition.fields})


def row_scope(parent: Scope, field: SubtableField) -> Scope:
    """A row's scope: the row's own fields, then the parent's (row keys shadow parent keys)."""
    own = {column.key: expression_type(column) for column in field.fields}
    return Scope(fields={**parent.fields, **own}, user=parent.user, extra=parent.extra)


# ---------------------------------------------------------------- run-time values


def _same(value: Any) -> Any:
    return value


def _number(value: int) -> Decimal:
    return Decimal(value)


def _amount(value: Money) -> Decimal:
    return value.amount


def _items(value: tuple[Any, ...] | list[Any]) -> list[Any]:
    return list(value)


def file_context(ref: FileRef) -> dict[str, Any]:
    return {
        "id": ref.file_id,
        "name": ref.name,
        "size": Decimal(ref.size),
        "content_type": ref.content_type,
    }


def _files(value: tuple[FileRef, ...] | list[FileRef]) -> list[dict[str, Any]]:
    return [file_context(ref) for ref in value]


def _location(value: Location) -> dict[str, Decimal]:
    return {"lat": value.lat, "lng": value.lng}


def _reference(value: str | tuple[str, ...] | list[str]) -> str | list[str]:
    return value if isinstance(value, str) else list(value)


CONVERTERS: dict[str, Converter] = {
    "integer": _number,
    "money": _amount,
    "multi_select": _items,
    "attachment": _files,
    "signature": file_context,
    "location": _location,
    **dict.fromkeys(REFERENCE_TYPES, _reference),
}
"""Field types whose values need converting; every other type is read as it is."""

_COMPUTED_CONVERTERS: dict[str, Converter] = {"integer": _number, "money": _amount}


def converter_of(field: FieldBase) -> Converter:
    """The converter of a non-subtable field (subtables are converted row by row)."""
    if isinstance(field, ComputedField):
        return _COMPUTED_CONVERTERS.get(field.result_type, _same)
    return CONVERTERS.get(field.type, _same)


def is_identity(convert: Converter) -> bool:
    return convert is _same


def to_expression_values(
    values: Mapping[str, Any], converters: Mapping[str, Converter], zone: tzinfo | None = None
) -> dict[str, Any]:
    """`values` converted for expressions (keys without a converter are taken as they are);
    with `zone`, date-times (also in subtable rows) as that zone's clock shows them: the same
    instants, whose `hour`, `day` and `date` are that zone's."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        convert = converters.get(key)
        found = value if value is None or convert is None else convert(value)
        out[key] = in_zone(found, zone)
    return out


def in_zone(value: Any, zone: tzinfo | None) -> Any:
    """A value with its date-times (and those of subtable rows) seen in `zone` (None: as
    they are)."""
    if zone is None:
        return value
    if type(value) is datetime:
        return value.astimezone(zone)
    if type(value) is list and value and type(value[0]) is dict:
        return [{k: in_zone(v, zone) for k, v in row.items()} for row in value]
    return value
