"""Static types of the expression language, as used by the checker and the SQL translator.

An `ExprType` names a value kind (see `values`), with an item type for lists and ranges and known
fields for contexts. `ANY` means "not known statically" and is compatible with everything. This
module is pure data plus small helpers; it must not know about syntax or evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from brickwork.engines.expr import values as v


@dataclass(frozen=True, slots=True)
class ExprType:
    kind: str
    item: ExprType | None = None
    fields: tuple[tuple[str, ExprType], ...] | None = None

    def __str__(self) -> str:
        if self.kind in (v.LIST, v.RANGE) and self.item is not None and self.item != ANY:
            return f"{self.kind}<{self.item}>"
        if self.kind == v.FUNCTION:
            return self.kind
        if self.kind == v.CONTEXT and self.fields:
            inner = ", ".join(f"{k}: {t}" for k, t in self.fields)
            return f"context{{{inner}}}"
        return self.kind

    def field(self, name: str) -> ExprType | None:
        if self.fields is None:
            return None
        for key, found in self.fields:
            if key == name:
                return found
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.fields or ())


ANY = ExprType("any")
NULL = ExprType(v.NULL)
NUMBER = ExprType(v.NUMBER)
STRING = ExprType(v.STRING)
BOOLEAN = ExprType(v.BOOLEAN)
DATE = ExprType(v.DATE)
TIME = ExprType(v.TIME)
DATETIME = ExprType(v.DATETIME)
DT_DURATION = ExprType(v.DT_DURATION)
YM_DURATION = ExprType(v.YM_DURATION)
ANY_LIST = ExprType(v.LIST, ANY)
ANY_CONTEXT = ExprType(v.CONTEXT)
FUNCTION = ExprType(v.FUNCTION)
"""A function value; `fields` (when known) are its parameters, `item` its result type."""

SCALARS: dict[str, ExprType] = {
    t.kind: t
    for t in (ANY, NULL, NUMBER, STRING, BOOLEAN, DATE, TIME, DATETIME, DT_DURATION, YM_DURATION)
}
# Friendlier spellings accepted in scope descriptions (form field types).
SCALARS.update(
    {
        "money": NUMBER,
        "decimal": NUMBER,
        "integer": NUMBER,
        "text": STRING,
        "datetime": DATETIME,
        "duration": DT_DURATION,
        "context": ANY_CONTEXT,
        "list": ANY_LIST,
        "function": FUNCTION,
    }
)


def list_of(item: ExprType) -> ExprType:
    return ExprType(v.LIST, item)


def range_of(item: ExprType) -> ExprType:
    return ExprType(v.RANGE, item)


def context_of(fields: Mapping[str, ExprType | str]) -> ExprType:
    return ExprType(v.CONTEXT, fields=tuple((k, as_type(t)) for k, t in fields.items()))


_LIST_SPEC = re.compile(r"^list<(.+)>$")


def as_type(spec: ExprType | str | Mapping[str, object]) -> ExprType:
    """Accept an `ExprType`, a name (`"number"`, `"list<number>"`) or a field mapping."""
    if isinstance(spec, ExprType):
        return spec
    if isinstance(spec, Mapping):
        return context_of({str(k): as_type(t) for k, t in spec.items()})  # type: ignore[arg-type]
    text = spec.strip().lower()
    match = _LIST_SPEC.match(text)
    if match:
        return list_of(as_type(match.group(1)))
    found = SCALARS.get(text)
    if found is None:
        raise ValueError(f"unknown expression type `{spec}`")
    return found


def is_known(t: ExprType) -> bool:
    return t.kind not in ("any", v.NULL)


def compatible(actual: ExprType, expected: ExprType) -> bool:
    """Whether a value of type `actual` may be used where `expected` is wanted."""
    if not is_known(actual) or expected.kind == "any":
        return True
    if actual.kind != expected.kind:
        return False
    if actual.item is not None and expected.item is not None:
        return compatible(actual.item, expected.item)
    return True


def unify(a: ExprType, b: ExprType) -> ExprType:
    """The type of a value that is either `a` or `b` (`ANY` when they differ)."""
    if a == b:
        return a
    if a.kind == v.NULL:
        return b
    if b.kind == v.NULL:
        return a
    if a.kind == b.kind and a.kind in (v.LIST, v.RANGE):
        return ExprType(a.kind, unify(a.item or ANY, b.item or ANY))
    if a.kind == b.kind == v.CONTEXT:
        return ANY_CONTEXT
    return ANY


def of_value(value: object) -> ExprType:
    """The static type of a literal runtime value."""
    kind = v.kind_of(value)
    if kind == v.LIST:
        item = NULL
        for element in value:  # type: ignore[attr-defined]
            item = unify(item, of_value(v.norm(element)))
        return list_of(ANY if item == NULL else item)
    return SCALARS.get(kind, ANY)
