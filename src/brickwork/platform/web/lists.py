"""What a record list shows and filters by, from its address: the columns chosen (`cols`), and
the conditions of the filter builder (`bf`, `bo`, `bv`: field, operator and value, repeated),
compiled to the expression language on the server (values written as literals of their
type, never pasted into the expression as typed).

A column or condition that does not fit the form (a field renamed or removed since a view was
saved, a field the viewer may not see or sees masked, a value that is not of the field's type)
is reported by name; the rest of the list still works.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from brickwork.engines.form.definition import PEOPLE_TYPES
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.clock import wall_time

NUMBER_TYPES = frozenset({"integer", "decimal", "money", "percent"})
TIME_TYPES = frozenset({"date", "datetime"})
CHOICE_TYPES = frozenset({"single_select", "boolean"})
COMPARISONS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "contains", "empty", "filled")
ORDERED = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "filled")
MAX_CONDITIONS = 20


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    operator: str
    value: str


def operators_of(kind: str) -> tuple[str, ...]:
    """The operators a field of `kind` can be filtered with."""
    if kind in NUMBER_TYPES or kind in TIME_TYPES:
        return ORDERED
    if kind in CHOICE_TYPES or kind in PEOPLE_TYPES:
        return ("eq", "ne", "empty", "filled")
    return ("contains", "eq", "ne", "empty", "filled")


def conditions_of(
    fields: Sequence[str], operators: Sequence[str], values: Sequence[str]
) -> list[Condition]:
    """The builder's rows as the address has them (rows without a field are left out)."""
    found = []
    for index, key in enumerate(fields[:MAX_CONDITIONS]):
        if not key:
            continue
        operator = operators[index] if index < len(operators) else "eq"
        value = values[index] if index < len(values) else ""
        found.append(Condition(key, operator, value))
    return found


def chosen_columns(
    fields: Sequence[Any], wanted: Sequence[str], default: int
) -> tuple[list[Any], list[str]]:
    """The columns named by `wanted` (in that order) among the fields the viewer may see, or
    the first `default` fields; and the keys that name no such field."""
    if not wanted:
        return list(fields[:default]), []
    by_key = {item.key: item for item in fields}
    columns = [by_key[key] for key in dict.fromkeys(wanted) if key in by_key]
    unknown = [key for key in dict.fromkeys(wanted) if key not in by_key]
    return (columns or list(fields[:default])), unknown


Held = Callable[[str, str], str | None]
"""The id a member (`kind` "member") or department field holds for a user name or department
key as people type it; None when it names none."""


def compiled(
    conditions: Sequence[Condition], fields: Sequence[Any], access: Any, held: Held
) -> tuple[str | None, list[dict[str, str]]]:
    """The conditions as one expression (all must hold), and a problem for each that cannot
    be one: `{"field", "code", "value"}` (the page words it). A member or department field is
    compared with the id of the user or department typed by name (`held`)."""
    by_key = {item.key: item for item in fields}
    parts: list[str] = []
    problems: list[dict[str, str]] = []
    for condition in conditions:
        item = by_key.get(condition.field)
        if item is None:
            problems.append({"field": condition.field, "code": "unknown_field", "value": ""})
            continue
        if access.levels.get(item.key) == FieldLevel.MASKED:
            problems.append({"field": condition.field, "code": "masked_field", "value": ""})
            continue
        if condition.operator not in operators_of(item.type):
            problems.append(
                {"field": condition.field, "code": "operator_unfit", "value": condition.operator}
            )
            continue
        if getattr(item, "multiple", False) and condition.operator in COMPARISONS:
            # several people or departments are kept as a list, which the database cannot
            # compare: only whether the field is filled
            problems.append(
                {"field": condition.field, "code": "operator_unfit", "value": condition.operator}
            )
            continue
        if item.type in PEOPLE_TYPES and condition.operator in COMPARISONS:
            part = people_clause(item, condition, held)
            if part is None:
                problems.append(
                    {"field": condition.field, "code": "nobody_named", "value": condition.value}
                )
                continue
            parts.append(part)
            continue
        part = clause(item, condition)
        if part is None:
            problems.append(
                {"field": condition.field, "code": "value_unfit", "value": condition.value}
            )
            continue
        parts.append(part)
    if not parts:
        return None, problems
    return " and ".join(parts), problems


def clause(item: Any, condition: Condition) -> str | None:
    """One condition in the expression language (None: the value is not of the field's type)."""
    key, operator = item.key, condition.operator
    if operator == "empty":
        return f"{key} = null"
    if operator == "filled":
        return f"{key} != null"
    written = literal(item, condition.value.strip())
    if written is None:
        return None
    if operator == "contains":
        return f"contains({key}, {written})"
    return f"{key} {COMPARISONS[operator]} {written}"


def people_clause(item: Any, condition: Condition, held: Held) -> str | None:
    """A member or department field equal (or not) to whom or which department is typed by
    name: the record holds ids (None: the text names nobody)."""
    name = condition.value.strip()
    found = held(item.type, name) if name else None
    if found is None:
        return None
    return f"{item.key} {COMPARISONS[condition.operator]} {json.dumps(found)}"


def literal(item: Any, text: str) -> str | None:
    """`text` as a literal of the field's type."""
    kind = item.type
    if kind in NUMBER_TYPES:
        return number_literal(text, percent=kind == "percent")
    if kind in TIME_TYPES:
        return time_literal(text, with_time=kind == "datetime")
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "yes", "是", "1"):
            return "true"
        if lowered in ("false", "no", "否", "0"):
            return "false"
        return None
    return json.dumps(text, ensure_ascii=False) if text else None


def number_literal(text: str, *, percent: bool) -> str | None:
    cleaned = text.replace(",", "").replace("，", "")
    hundredths = percent and cleaned.endswith("%")  # 12.5% is the ratio 0.125
    try:
        number = Decimal(cleaned[:-1] if hundredths else cleaned)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return format(number / 100 if hundredths else number, "f")


def time_literal(text: str, *, with_time: bool) -> str | None:
    try:
        if not with_time:
            return f'date("{date.fromisoformat(text).isoformat()}")'
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return f'date and time("{wall_time(moment).isoformat()}")'  # as the user's page shows
