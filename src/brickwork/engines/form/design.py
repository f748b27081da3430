"""Design-time checks of a form definition's fields, with stable codes and JSON pointers.

What pydantic cannot say about one model in isolation: duplicate keys and ids, keys reserved for
system columns, inverted bounds, unsafe regular expressions, duplicate options, unknown
currencies and masks, malformed serial patterns, C3 data without encryption, and defaults that
their own field would refuse. Expressions are *not* checked here (unknown names, types, cycles):
that needs the expression engine and lives with the record validator. This module must not
read the clock: `today` is passed in for defaults whose validity depends on the date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from brickwork.engines.form.definition import (
    ComputedField,
    FormDefinition,
    MoneyField,
    MultiSelectField,
    SerialNumberField,
    SingleSelectField,
    SubtableField,
    TextField,
)
from brickwork.engines.form.elements import FieldBase, Sensitivity
from brickwork.engines.form.fieldtypes import CoerceContext, check_value
from brickwork.engines.form.masking import MASKS
from brickwork.engines.form.money import CURRENCY_SCALES
from brickwork.engines.form.problems import Problem, pointer_token, problem
from brickwork.engines.form.serial import SerialPatternError, parse_serial_pattern

RESERVED_KEYS = frozenset(
    {"id", "created_at", "created_by", "updated_at", "updated_by", "owner", "department"}
    | {"version", "flow_status", "deleted_at", "parent_id", "row_order", "app", "form"}
    | {"warnings"}
)
"""System columns of record tables (DESIGN §4) and words the API uses next to field keys."""

BOUNDS: tuple[tuple[str, str], ...] = (
    ("minimum", "maximum"),
    ("min_length", "max_length"),
    ("min_items", "max_items"),
    ("min_rows", "max_rows"),
)


def check_definition(definition: FormDefinition, *, today: date) -> tuple[Problem, ...]:
    """Every problem found, each with a pointer into the definition (e.g. `/fields/2/pattern`)."""
    problems = list(_check_fields(definition.fields, "/fields", today))
    problems.extend(_duplicate_ids(definition))
    keys = {field.key for field in definition.fields}
    for index, validation in enumerate(definition.validations):
        for position, key in enumerate(validation.fields):
            if key not in keys:
                pointer = f"/validations/{index}/fields/{position}"
                problems.append(problem("validation_unknown_field", pointer=pointer))
    placed: set[str] = set()
    for index, section in enumerate(definition.layout):
        for position, key in enumerate(section.fields):
            pointer = f"/layout/{index}/fields/{position}"
            if key not in keys:
                problems.append(problem("layout_unknown_field", pointer=pointer))
            elif key in placed:
                problems.append(problem("layout_field_twice", pointer=pointer))
            placed.add(key)
    if definition.graph is not None:
        problems.extend(_graph_fields(definition))
    return tuple(problems)


def _graph_fields(definition: FormDefinition) -> Iterator[Problem]:
    """The graph names a record by a text field of the form, and a node by any field of it."""
    graph = definition.graph
    assert graph is not None
    by_key = {field.key: field for field in definition.fields}
    if not isinstance(by_key.get(graph.key), TextField):
        yield problem("graph_key_field", pointer="/graph/key")
    if graph.label is not None and graph.label not in by_key:
        yield problem("graph_unknown_field", pointer="/graph/label")


def _check_fields(fields: Sequence[FieldBase], base: str, today: date) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, field in enumerate(fields):
        where = f"{base}/{index}"
        if field.key in seen:
            yield problem("field_key_duplicate", pointer=f"{where}/key")
        seen.add(field.key)
        if field.key in RESERVED_KEYS:
            yield problem("field_key_reserved", pointer=f"{where}/key")
        for found in check_field(field, today=today):
            yield found.under(where)
        if isinstance(field, SubtableField):
            yield from _check_fields(field.fields, f"{where}/fields", today)


def _duplicate_ids(definition: FormDefinition) -> Iterator[Problem]:
    seen: set[str] = set()
    elements: list[tuple[str, str]] = []
    for index, field in enumerate(definition.fields):
        elements.append((field.id, f"/fields/{index}/id"))
        if isinstance(field, SubtableField):
            elements.extend(
                (column.id, f"/fields/{index}/fields/{position}/id")
                for position, column in enumerate(field.fields)
            )
    elements.extend(
        (validation.id, f"/validations/{index}/id")
        for index, validation in enumerate(definition.validations)
    )
    elements.extend(
        (section.id, f"/layout/{index}/id") for index, section in enumerate(definition.layout)
    )
    for element_id, pointer in elements:
        if element_id in seen:
            yield problem("element_id_duplicate", pointer=pointer)
        seen.add(element_id)


def check_field(field: FieldBase, *, today: date) -> tuple[Problem, ...]:
    """Problems of one field, with pointers relative to the field."""
    problems = [*_common(field, today), *_bounds(field)]
    match field:
        case TextField(pattern=str(pattern)):
            problems.extend(p.under("/pattern") for p in check_pattern(pattern))
        case SingleSelectField() | MultiSelectField():
            problems.extend(_duplicate_options(field.option_values()))
        case MoneyField():
            problems.extend(_currencies(field.currency, field.currencies))
        case ComputedField(result_type="money", currency=None):
            problems.append(problem("money_currency_required", pointer="/currency"))
        case ComputedField(currency=str(currency)):
            problems.extend(_currencies(currency, ()))
        case SerialNumberField():
            problems.extend(_serial(field.pattern))
    if isinstance(field, ComputedField) and field.options:
        if field.result_type != "text":
            problems.append(problem("options_need_text_result", pointer="/options"))
        problems.extend(_duplicate_options(tuple(o.value for o in field.options)))
    return tuple(problems)


def _common(field: FieldBase, today: date) -> Iterator[Problem]:
    if field.default is not None and field.default_expression is not None:
        yield problem("default_conflict", pointer="/default_expression")
    if field.mask is not None and field.mask not in MASKS:
        yield problem("mask_unknown", pointer="/mask")
    if field.sensitivity is Sensitivity.C3 and not field.encrypted:
        yield problem("sensitivity_unencrypted", pointer="/encrypted")
    context = CoerceContext(today=today)
    if field.default is not None and not check_value(field, field.default, context=context).ok:
        yield problem("default_invalid", pointer="/default")


def _bounds(field: FieldBase) -> Iterator[Problem]:
    for low_name, high_name in BOUNDS:
        low: Any = getattr(field, low_name, None)
        high: Any = getattr(field, high_name, None)
        if low is not None and high is not None and low > high:
            yield problem("range_inverted", pointer=pointer_token(low_name))


def _duplicate_options(values: tuple[str, ...]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield problem("option_value_duplicate", pointer=f"/options/{index}")
        seen.add(value)


def _currencies(currency: str | None, allowed: tuple[str, ...]) -> Iterator[Problem]:
    if currency is not None and currency not in CURRENCY_SCALES:
        yield problem("currency_unknown", pointer="/currency")
    for index, code in enumerate(allowed):
        if code not in CURRENCY_SCALES:
            yield problem("currency_unknown", pointer=f"/currencies/{index}")


def _serial(pattern: str) -> Iterator[Problem]:
    try:
        parse_serial_pattern(pattern)
    except SerialPatternError:
        yield problem("serial_pattern_invalid", pointer="/pattern")


# ---------------------------------------------------------------- regular expressions


def check_pattern(pattern: str) -> tuple[Problem, ...]:
    """`pattern_invalid` if it does not compile, `pattern_unsafe` if it risks runaway matching.

    Python's `re` has no time limit, so patterns are screened: back-references and groups that
    repeat something that itself repeats without bound (`(a+)+`, `(\\w*)*`, `(a{2,})*`) are
    refused. A heuristic, paired with the length limits on patterns and values.
    """
    try:
        re.compile(pattern)
    except re.error:
        return (problem("pattern_invalid"),)
    if _has_backreference(pattern) or _nested_repetition(pattern):
        return (problem("pattern_unsafe"),)
    return ()


_BACKREFERENCE = re.compile(r"(?<!\\)(?:\\\\)*\\[1-9]|\(\?P=")
_UNBOUNDED = re.compile(r"[*+]|\{[0-9]*,\}")


def _has_backreference(pattern: str) -> bool:
    return _BACKREFERENCE.search(pattern) is not None


def _nested_repetition(pattern: str) -> bool:
    """True when a repeated group contains an unbounded repetition."""
    stack: list[bool] = []  # per open group: does it contain an unbounded repeat?
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(pattern, index)
            continue
        if char == "(":
            stack.append(False)
        elif char == ")" and stack:
            inner = stack.pop()
            repeated = _UNBOUNDED.match(pattern, index + 1) or pattern.startswith("{", index + 1)
            if inner and repeated:
                return True
            if stack and (inner or repeated):
                stack[-1] = True
        elif stack and _UNBOUNDED.match(pattern, index):
            stack[-1] = True
        index += 1
    return False


def _class_end(pattern: str, start: int) -> int:
    """Index just past the character class opening at `start`."""
    index = start + 1
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1
