"""Generated and structured field types: serial_number, location, computed and subtable.

`computed` and `subtable` delegate to other entries, so they are built by factories from the
registry of the types they may use (rows never contain subtables; computed values take the type
of their `result_type`). Serial numbers are allocated by the platform; here they are only
checked against their pattern. This module must not evaluate expressions or allocate numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, assert_never

from brickwork.engines.form.definition import (
    BooleanField,
    ComputedField,
    DateField,
    DatetimeField,
    DecimalField,
    IntegerField,
    LocationField,
    MoneyField,
    PercentField,
    SerialNumberField,
    SubtableField,
    TextField,
)
from brickwork.engines.form.elements import FieldBase, Sensitivity
from brickwork.engines.form.fieldtypes.base import (
    CoerceContext,
    Coerced,
    DisplayContext,
    FieldType,
    JsonSchema,
    Storage,
    StorageKind,
    accept,
    as_text,
    check_count,
    coerce_with,
    fixed,
    no_constraints,
    refuse,
)
from brickwork.engines.form.fieldtypes.numeric import parse_decimal
from brickwork.engines.form.fieldtypes.references import REFERENCE_ID
from brickwork.engines.form.money import quantize_half_up
from brickwork.engines.form.problems import Problem, Words, pointer_token, problem, wrong_type
from brickwork.engines.form.serial import SerialPatternError, parse_serial_pattern

LOCATION_SCALE = 7
"""Decimals kept for degrees (about 1 cm); more are rounded half-up, never refused."""
LOCATION_KEYS = frozenset({"lat", "lng"})
ROW_ID_KEY = "_id"
"""Optional id of an existing subtable row (keys cannot start with _, so it never collides)."""
COMPUTED_TEXT_LENGTH = 10_000
COMPUTED_PRECISION = 38


# ---------------------------------------------------------------- serial number


def coerce_serial(raw: object, field: SerialNumberField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, str):
        return refuse(wrong_type("string"))
    text = raw.strip()
    try:
        matches = parse_serial_pattern(field.pattern).matches(text)
    except SerialPatternError:
        matches = False
    return accept(text) if matches else refuse(problem("serial_format"))


# ---------------------------------------------------------------- location


@dataclass(frozen=True, slots=True)
class Location:
    lat: Decimal
    lng: Decimal


def coerce_location(raw: object, field: LocationField, context: CoerceContext) -> Coerced:
    if isinstance(raw, Location):
        raw = {"lat": raw.lat, "lng": raw.lng}
    if not isinstance(raw, Mapping) or set(raw) != LOCATION_KEYS:
        return refuse(problem("location_format"))
    lat, lng = parse_decimal(raw["lat"]), parse_decimal(raw["lng"])
    if isinstance(lat, Problem):
        return refuse(lat.under("/lat"))
    if isinstance(lng, Problem):
        return refuse(lng.under("/lng"))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return refuse(problem("location_range"))
    return accept(
        Location(quantize_half_up(lat, LOCATION_SCALE), quantize_half_up(lng, LOCATION_SCALE))
    )


def display_location(value: Location, field: LocationField, context: DisplayContext) -> str:
    return f"{value.lat.normalize():f}, {value.lng.normalize():f}"


LOCATION_SCHEMA: JsonSchema = {
    "type": "object",
    "properties": {
        "lat": {"anyOf": [{"type": "number", "minimum": -90, "maximum": 90}, {"type": "string"}]},
        "lng": {"anyOf": [{"type": "number", "minimum": -180, "maximum": 180}, {"type": "string"}]},
    },
    "required": ["lat", "lng"],
    "additionalProperties": False,
}

ENTRIES = (
    FieldType[SerialNumberField](
        name="serial_number",
        summary=Words("流水号", "serial number"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=128)),
        coerce=coerce_serial,
        validate=no_constraints,
        display=as_text,
        schema=lambda field: {"type": "string", "readOnly": True},
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[LocationField](
        name="location",
        summary=Words("地理位置", "location (latitude/longitude)"),
        storage=fixed(Storage(kind=StorageKind.JSON)),
        coerce=coerce_location,
        validate=no_constraints,
        display=display_location,
        schema=lambda field: LOCATION_SCHEMA,
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=lambda value, field: {"lat": value.lat, "lng": value.lng},
    ),
)


# ---------------------------------------------------------------- computed


def result_field(field: ComputedField) -> FieldBase:
    """A field of the computed field's result type, carrying its scale and currency.

    Computed results are rounded half-up to the scale (they are not typed by a person).
    """
    common: dict[str, Any] = {"id": field.id, "key": field.key, "label": field.label}
    scale: dict[str, Any] = {} if field.scale is None else {"scale": field.scale}
    match field.result_type:
        case "text":
            return TextField.model_construct(type="text", max_length=COMPUTED_TEXT_LENGTH, **common)
        case "integer":
            return IntegerField.model_construct(type="integer", **common)
        case "decimal":
            return DecimalField.model_construct(
                type="decimal", precision=COMPUTED_PRECISION, rounding="half_up", **scale, **common
            )
        case "money":
            return MoneyField.model_construct(
                type="money",
                currency=field.currency,
                precision=COMPUTED_PRECISION,
                rounding="half_up",
                **common,
            )
        case "percent":
            return PercentField.model_construct(
                type="percent", precision=COMPUTED_PRECISION, rounding="half_up", **scale, **common
            )
        case "boolean":
            return BooleanField.model_construct(type="boolean", **common)
        case "date":
            return DateField.model_construct(type="date", **common)
        case "datetime":
            return DatetimeField.model_construct(type="datetime", **common)
        case _:
            assert_never(field.result_type)


def computed_entry(types: Mapping[str, FieldType[Any]]) -> FieldType[ComputedField]:
    """The `computed` entry, delegating each function to the entry of the result type."""

    def target(field: ComputedField) -> tuple[FieldType[Any], FieldBase]:
        return types[field.result_type], result_field(field)

    def storage(field: ComputedField) -> Storage:
        entry, result = target(field)
        return entry.storage(result)

    def coerce(raw: object, field: ComputedField, context: CoerceContext) -> Coerced:
        entry, result = target(field)
        return entry.coerce(raw, result, context)

    def validate(value: Any, field: ComputedField) -> tuple[Problem, ...]:
        entry, result = target(field)
        return entry.validate(value, result)

    def display(value: Any, field: ComputedField, context: DisplayContext) -> str:
        entry, result = target(field)
        return entry.display(value, result, context)

    def schema(field: ComputedField) -> JsonSchema:
        entry, result = target(field)
        return {**entry.schema(result), "readOnly": True}

    def to_json(value: Any, field: ComputedField) -> Any:
        entry, result = target(field)
        return entry.to_json(value, result)

    return FieldType[ComputedField](
        name="computed",
        summary=Words("计算字段", "computed (read-only)"),
        storage=storage,
        coerce=coerce,
        validate=validate,
        display=display,
        schema=schema,
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=to_json,
    )


# ---------------------------------------------------------------- subtable

Row = dict[str, Any]
Types = Mapping[str, FieldType[Any]]


def _row_id_problems(raw: Mapping[str, Any], row: Row) -> list[Problem]:
    row_id = raw.get(ROW_ID_KEY)
    if row_id is None:
        return []
    if isinstance(row_id, str) and REFERENCE_ID.fullmatch(row_id):
        row[ROW_ID_KEY] = row_id
        return []
    return [problem("reference_format", pointer=pointer_token(ROW_ID_KEY))]


def coerce_row(types: Types, raw: object, field: SubtableField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, Mapping):
        return refuse(problem("subtable_format"))
    columns = {column.key: column for column in field.fields}
    problems = [
        problem("unknown_field", pointer=pointer_token(key))
        for key in raw
        if key not in columns and key != ROW_ID_KEY
    ]
    row: Row = {}
    problems.extend(_row_id_problems(raw, row))
    for key, column in columns.items():
        cell = coerce_with(types[column.type], raw.get(key), column, context)
        row[key] = cell.value
        problems.extend(p.under(pointer_token(key)) for p in cell.problems)
    return refuse(*problems) if problems else accept(row)


def coerce_rows(types: Types, raw: object, field: SubtableField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, list | tuple):
        return refuse(problem("subtable_format"))
    rows: list[Row] = []
    problems: list[Problem] = []
    for index, item in enumerate(raw):
        found = coerce_row(types, item, field, context)
        rows.append(found.value)
        problems.extend(p.under(pointer_token(index)) for p in found.problems)
    return refuse(*problems) if problems else accept(tuple(rows))


def validate_rows(
    types: Types, value: tuple[Row, ...], field: SubtableField
) -> tuple[Problem, ...]:
    problems = list(check_count(len(value), field.min_rows, field.max_rows))
    for index, row in enumerate(value):
        for column in field.fields:
            cell = row.get(column.key)
            if cell is not None:
                where = pointer_token(index) + pointer_token(column.key)
                problems.extend(p.under(where) for p in types[column.type].validate(cell, column))
    return tuple(problems)


def display_rows(value: tuple[Row, ...], field: SubtableField, context: DisplayContext) -> str:
    return f"{len(value)} 行" if context.locale == "zh-CN" else f"{len(value)} rows"


def rows_schema(types: Types, field: SubtableField) -> JsonSchema:
    cells: JsonSchema = {
        column.key: {"anyOf": [types[column.type].schema(column), {"type": "null"}]}
        for column in field.fields
    }
    cells[ROW_ID_KEY] = {"type": "string"}
    return {
        "type": "array",
        "items": {"type": "object", "properties": cells, "additionalProperties": False},
        "minItems": field.min_rows,
        "maxItems": field.max_rows,
    }


def rows_json(types: Types, field: SubtableField, value: tuple[Row, ...]) -> list[Row]:
    columns = {column.key: column for column in field.fields}
    return [
        {
            key: types[columns[key].type].to_json(cell, columns[key])
            if key in columns and cell is not None
            else cell
            for key, cell in row.items()
        }
        for row in value
    ]


def subtable_entry(types: Types) -> FieldType[SubtableField]:
    """The `subtable` entry: rows coerced and validated cell by cell with the row types."""
    return FieldType[SubtableField](
        name="subtable",
        summary=Words("子表", "subtable (repeating rows)"),
        storage=lambda field: Storage(kind=StorageKind.NONE),
        coerce=lambda raw, field, context: coerce_rows(types, raw, field, context),
        validate=lambda value, field: validate_rows(types, value, field),
        display=display_rows,
        schema=lambda field: rows_schema(types, field),
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=lambda value, field: rows_json(types, field, value),
    )
