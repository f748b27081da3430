"""Helpers shared by the form engine's unit tests (pure: no database, no clock)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import TypeAdapter

from brickwork.engines.form.definition import FieldDefinition
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
