"""Helpers shared by the form engine's unit tests (pure: no database, no clock)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import TypeAdapter

from brickwork.engines.form import CompiledForm, RecordContext, compile_form
from brickwork.engines.form.definition import FieldDefinition, FormDefinition
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import CoerceContext
from brickwork.engines.form.problems import Problem

TODAY = date(2026, 1, 15)
CONTEXT = CoerceContext(today=TODAY)

_FIELD = TypeAdapter[Any](FieldDefinition)


def make_field(field_type: str, **options: Any) -> FieldBase:
    """A validated field definition of `field_type` with the given options."""
    data = {"id": "f1", "key": "f", "label": "F", "type": field_type, **options}
    field = _FIELD.validate_python(data)
    assert isinstance(field, FieldBase)
    return field


def codes(problems: Iterable[Problem]) -> list[str]:
    return [p.code for p in problems]


def fullwidth(text: str) -> str:
    """`text` with ASCII letters and digits as their full-width forms (as Chinese IMEs type)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


# ---------------------------------------------------------------- forms and records

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
RECORD_CONTEXT = RecordContext(now=NOW, user={"id": "u1", "department": "ops"})


def make_form(
    *fields: dict[str, Any], validations: Iterable[dict[str, Any]] = ()
) -> FormDefinition:
    """A form of `fields` (ids f0, f1, ... unless given; labels "L" unless given)."""
    numbered = [{"id": f"f{index}", "label": "L", **field} for index, field in enumerate(fields)]
    return FormDefinition.model_validate({"fields": numbered, "validations": list(validations)})


def compile_fields(
    *fields: dict[str, Any], validations: Iterable[dict[str, Any]] = ()
) -> CompiledForm:
    return compile_form(make_form(*fields, validations=validations), today=TODAY)


def pairs(problems: Iterable[Problem]) -> list[tuple[str, str]]:
    """(pointer, code) of each problem, in order."""
    return [(p.pointer, p.code) for p in problems]
