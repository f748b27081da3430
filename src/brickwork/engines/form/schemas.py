"""JSON Schema (2020-12) of a form's record input, compiled from its definition.

The schema documents the API and gives fast structural pre-checks; it is deliberately looser
than the engine (normalisation such as spaces in card numbers or full-width digits happens in
coercion, and conditions in expressions are not expressible here). The engine's coercion and
validation stay the authority. This module must not evaluate expressions.
"""

from __future__ import annotations

from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import JsonSchema, field_schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"
READ_ONLY_TYPES = frozenset({"computed", "serial_number"})


def always_required(field: FieldBase) -> bool:
    """Required whatever the record holds: no condition could hide it or lift the requirement."""
    return (
        field.required
        and field.required_when is None
        and field.visible_when is None
        and field.readonly_when is None
        and field.default is None
        and field.default_expression is None
        and field.type not in READ_ONLY_TYPES
    )


def form_schema(definition: FormDefinition, *, title: str | None = None) -> JsonSchema:
    """An object schema with one property per field key; unknown properties are refused."""
    schema: JsonSchema = {
        "$schema": DIALECT,
        "type": "object",
        "properties": {field.key: field_schema(field) for field in definition.fields},
        "additionalProperties": False,
    }
    required = [field.key for field in definition.fields if always_required(field)]
    if required:
        schema["required"] = required
    if title is not None:
        schema["title"] = title
    return schema
