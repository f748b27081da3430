"""Reference field types: lookup (records of another form), member (users) and department.

The value is an id, or a tuple of ids when the field is `multiple`. Coercion checks only the
shape of ids; whether the referenced record, user or department exists and passes the lookup's
`where` expression is the platform's question, so this module must not try to answer it.
"""

from __future__ import annotations

import re

from brickwork.engines.form.definition import DepartmentField, LookupField, MemberField
from brickwork.engines.form.elements import Sensitivity
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

REFERENCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
ID_SCHEMA: JsonSchema = {"type": "string", "pattern": f"^{REFERENCE_ID.pattern}$"}

ReferenceField = LookupField | MemberField | DepartmentField


def _reference(raw: object, pointer: str = "") -> str | Problem:
    if not isinstance(raw, str):
        return wrong_type("string", pointer=pointer)
    text = raw.strip()
    return text if REFERENCE_ID.fullmatch(text) else problem("reference_format", pointer=pointer)


def coerce_reference(raw: object, field: ReferenceField, context: CoerceContext) -> Coerced:
    if not field.multiple:
        found = _reference(raw)
        return refuse(found) if isinstance(found, Problem) else accept(found)
    if not isinstance(raw, list | tuple):
        return refuse(wrong_type("list"))
    ids: list[str] = []
    problems: list[Problem] = []
    for index, item in enumerate(raw):
        found = _reference(item, pointer_token(index))
        if isinstance(found, Problem):
            problems.append(found)
        elif found in ids:
            problems.append(problem("duplicate_item", pointer=pointer_token(index)))
        else:
            ids.append(found)
    return refuse(*problems) if problems else accept(tuple(ids))


def validate_reference(value: str | tuple[str, ...], field: ReferenceField) -> tuple[Problem, ...]:
    if isinstance(value, tuple):
        return check_count(len(value), None, field.max_items)
    return ()


def display_reference(
    value: str | tuple[str, ...], field: ReferenceField, context: DisplayContext
) -> str:
    return joined(list(value), context) if isinstance(value, tuple) else value


def reference_schema(field: ReferenceField) -> JsonSchema:
    if not field.multiple:
        return dict(ID_SCHEMA)
    schema: JsonSchema = {"type": "array", "items": ID_SCHEMA, "uniqueItems": True}
    if field.max_items is not None:
        schema["maxItems"] = field.max_items
    return schema


def lookup_target(field: LookupField) -> str:
    app = f"{field.target.app}/" if field.target.app else ""
    return f"form:{app}{field.target.form}"


def _to_json(value: str | tuple[str, ...], field: ReferenceField) -> str | list[str]:
    return list(value) if isinstance(value, tuple) else value


ENTRIES = (
    FieldType[LookupField](
        name="lookup",
        summary=Words("关联记录", "link to records of another form"),
        storage=lambda field: Storage(
            kind=StorageKind.REFERENCE, target=lookup_target(field), multiple=field.multiple
        ),
        coerce=coerce_reference,
        validate=validate_reference,
        display=display_reference,
        schema=reference_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=_to_json,
    ),
    FieldType[MemberField](
        name="member",
        summary=Words("成员", "user"),
        storage=lambda field: Storage(
            kind=StorageKind.REFERENCE, target="user", multiple=field.multiple
        ),
        coerce=coerce_reference,
        validate=validate_reference,
        display=display_reference,
        schema=reference_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=_to_json,
    ),
    FieldType[DepartmentField](
        name="department",
        summary=Words("部门", "department"),
        storage=lambda field: Storage(
            kind=StorageKind.REFERENCE, target="department", multiple=field.multiple
        ),
        coerce=coerce_reference,
        validate=validate_reference,
        display=display_reference,
        schema=reference_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=_to_json,
    ),
)
