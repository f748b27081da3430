"""Choice field types: single_select and multi_select.

Coercion checks the shape (a string; a list of distinct strings); `validate` checks membership
in static options. Options read from another form (`options_from`) can only be checked by the
platform, which knows the records: this module must not look them up.
"""

from __future__ import annotations

import unicodedata

from brickwork.engines.form.definition import MultiSelectField, SingleSelectField
from brickwork.engines.form.elements import Sensitivity, label_text
from brickwork.engines.form.fieldtypes.base import (
    CoerceContext,
    Coerced,
    DisplayContext,
    FieldType,
    JsonSchema,
    Storage,
    StorageKind,
    accept,
    check_count,
    joined,
    refuse,
)
from brickwork.engines.form.problems import Problem, Words, pointer_token, problem, wrong_type

MAX_OPTION_LENGTH = 100


def _option(raw: object, pointer: str = "") -> str | Problem:
    if not isinstance(raw, str):
        return wrong_type("string", pointer=pointer)
    text = unicodedata.normalize("NFC", raw).strip()
    if not text or len(text) > MAX_OPTION_LENGTH:
        return problem("option_unknown", pointer=pointer)
    return text


def _unknown(
    value: str, field: SingleSelectField | MultiSelectField, pointer: str
) -> list[Problem]:
    if field.options_from is not None or value in field.option_values():
        return []
    return [problem("option_unknown", pointer=pointer)]


def option_label(
    value: str, field: SingleSelectField | MultiSelectField, context: DisplayContext
) -> str:
    for option in field.options:
        if not isinstance(option, str) and option.value == value and option.label is not None:
            return label_text(option.label, context.locale)
    return value


def _option_schema(field: SingleSelectField | MultiSelectField) -> JsonSchema:
    if field.options_from is not None:
        return {"type": "string", "maxLength": MAX_OPTION_LENGTH}
    return {"enum": list(field.option_values())}


# ---------------------------------------------------------------- single


def coerce_single(raw: object, field: SingleSelectField, context: CoerceContext) -> Coerced:
    found = _option(raw)
    return refuse(found) if isinstance(found, Problem) else accept(found)


def validate_single(value: str, field: SingleSelectField) -> tuple[Problem, ...]:
    return tuple(_unknown(value, field, ""))


def display_single(value: str, field: SingleSelectField, context: DisplayContext) -> str:
    return option_label(value, field, context)


# ---------------------------------------------------------------- multi


def coerce_multi(raw: object, field: MultiSelectField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, list | tuple):
        return refuse(wrong_type("list"))
    values: list[str] = []
    problems: list[Problem] = []
    for index, item in enumerate(raw):
        found = _option(item, pointer_token(index))
        if isinstance(found, Problem):
            problems.append(found)
        elif found in values:
            problems.append(problem("duplicate_item", pointer=pointer_token(index)))
        else:
            values.append(found)
    return refuse(*problems) if problems else accept(tuple(values))


def validate_multi(value: tuple[str, ...], field: MultiSelectField) -> tuple[Problem, ...]:
    problems = [p for i, v in enumerate(value) for p in _unknown(v, field, pointer_token(i))]
    return (*problems, *check_count(len(value), field.min_items, field.max_items))


def display_multi(value: tuple[str, ...], field: MultiSelectField, context: DisplayContext) -> str:
    return joined([option_label(v, field, context) for v in value], context)


def multi_schema(field: MultiSelectField) -> JsonSchema:
    schema: JsonSchema = {"type": "array", "items": _option_schema(field), "uniqueItems": True}
    if field.min_items is not None:
        schema["minItems"] = field.min_items
    if field.max_items is not None:
        schema["maxItems"] = field.max_items
    return schema


ENTRIES = (
    FieldType[SingleSelectField](
        name="single_select",
        summary=Words("单选", "single choice"),
        storage=lambda field: Storage(kind=StorageKind.TEXT, max_length=MAX_OPTION_LENGTH),
        coerce=coerce_single,
        validate=validate_single,
        display=display_single,
        schema=_option_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[MultiSelectField](
        name="multi_select",
        summary=Words("多选", "multiple choice"),
        storage=lambda field: Storage(kind=StorageKind.JSON, multiple=True),
        coerce=coerce_multi,
        validate=validate_multi,
        display=display_multi,
        schema=multi_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=lambda value, field: list(value),
    ),
)
