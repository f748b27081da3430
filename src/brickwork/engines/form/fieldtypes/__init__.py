"""Field types of the form engine: a registry (`FIELD_TYPES`) and functions over field values.

`coerce_value` turns raw input (JSON-decoded API data, CSV cells, expression results) into a
typed value, `validate_value` checks the field's own constraints, `check_value` does both;
`display_value`, `storage_of`, `field_schema`, `to_json_value`, `mask_of` and `sensitivity_of`
answer the other questions the platform asks about a field. All pure: the caller passes the
date (`CoerceContext`) and the reader's language and zone (`DisplayContext`). This package must
not decide required-ness, visibility or read-only policy: the record validator does.
"""

from __future__ import annotations

from typing import Any

from brickwork.engines.form.elements import FieldBase, Sensitivity, label_text
from brickwork.engines.form.fieldtypes.base import (
    CoerceContext,
    Coerced,
    DisplayContext,
    FieldType,
    JsonSchema,
    Storage,
    StorageKind,
    coerce_with,
    is_blank,
)
from brickwork.engines.form.fieldtypes.files import FileRef
from brickwork.engines.form.fieldtypes.registry import FIELD_TYPES, ROW_TYPES
from brickwork.engines.form.fieldtypes.structured import Location
from brickwork.engines.form.masking import mask_text
from brickwork.engines.form.problems import Problem

__all__ = [
    "FIELD_TYPES",
    "ROW_TYPES",
    "CoerceContext",
    "Coerced",
    "DisplayContext",
    "FieldType",
    "FileRef",
    "JsonSchema",
    "Location",
    "Storage",
    "StorageKind",
    "check_value",
    "coerce_value",
    "display_value",
    "entry_of",
    "field_schema",
    "is_blank",
    "mask_of",
    "mask_value",
    "sensitivity_of",
    "storage_of",
    "to_json_value",
    "validate_value",
]


def entry_of(field: FieldBase) -> FieldType[Any]:
    """The registry entry of `field` (every definition model has a `type`)."""
    return FIELD_TYPES[field.type]


def coerce_value(field: FieldBase, raw: object, *, context: CoerceContext) -> Coerced:
    """Strict conversion of `raw` to the field's value type; blank input gives None."""
    return coerce_with(entry_of(field), raw, field, context)


def validate_value(field: FieldBase, value: object) -> tuple[Problem, ...]:
    """The field's own constraints (length, range, pattern, options, counts); None passes."""
    return () if value is None else entry_of(field).validate(value, field)


def check_value(field: FieldBase, raw: object, *, context: CoerceContext) -> Coerced:
    """`coerce_value`, then `validate_value` on what it produced."""
    coerced = coerce_value(field, raw, context=context)
    if not coerced.ok or coerced.value is None:
        return coerced
    problems = validate_value(field, coerced.value)
    if problems:
        return Coerced(None, problems, coerced.warnings)
    return coerced


def display_value(field: FieldBase, value: object, context: DisplayContext | None = None) -> str:
    """The value as text for people (empty for None). Not masked: see `mask_value`."""
    if value is None:
        return ""
    return entry_of(field).display(value, field, context or DisplayContext())


def storage_of(field: FieldBase) -> Storage:
    return entry_of(field).storage(field)


def to_json_value(field: FieldBase, value: object) -> Any:
    """The JSON-ready form of a coerced value (Decimals stay exact; None stays None)."""
    return None if value is None else entry_of(field).to_json(value, field)


def field_schema(field: FieldBase) -> JsonSchema:
    """The JSON Schema (2020-12) of the field's API input, null allowed (no value)."""
    schema: JsonSchema = {
        "anyOf": [entry_of(field).schema(field), {"type": "null"}],
        "title": label_text(field.label, "en"),
        "x-brickwork-type": entry_of(field).name,
    }
    if field.help_text is not None:
        schema["description"] = label_text(field.help_text, "en")
    return schema


def mask_of(field: FieldBase) -> str:
    """The masking preset: the field's own, or its type's default."""
    return field.mask or entry_of(field).mask


def sensitivity_of(field: FieldBase) -> Sensitivity:
    """The sensitivity class: the field's own, or its type's default."""
    return field.sensitivity or entry_of(field).sensitivity


def mask_value(
    field: FieldBase, value: object, context: DisplayContext | None = None, *, preset: str = ""
) -> str:
    """The value masked with `preset` (default: the field's preset); empty for None.

    Text values are masked as stored (display groups digits, which would shift what is kept);
    other values as displayed.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else display_value(field, value, context)
    return mask_text(text, preset or mask_of(field))
