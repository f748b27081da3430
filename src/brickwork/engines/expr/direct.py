"""Direct answers for the commonest condition shapes, without an evaluation run.

Most `visible_when`/`required_when` conditions are a field compared with a literal
(`kind = "company"`, `amount > 100`), a field in a list of literals (`risk in ("high",
"medium")`), a boolean field (`pep`), or such tests joined by `and`/`or`. For those,
`direct_of(tree)` returns a plain closure `(variables) -> value` that answers exactly when the
compiled closure would take its fast path (the field's value has the literal's exact type, and a
number is finite), which involves no diagnostic, no decimal context and no clock; in every other
case it returns `UNDECIDED` and the caller evaluates the expression as usual. So a decided answer
is always the value `CompiledExpression.evaluate` gives (property tests compare the two). Other
shapes have no direct closure (None). This module must not report diagnostics, read the context
or use `eval`/`exec`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from brickwork.engines.expr.compiler import (
    EQUALITY_FAST_TYPES,
    ORDER_FAST_TYPES,
    constant_value,
    literal_members,
)
from brickwork.engines.expr.runtime import MISSING
from brickwork.engines.expr.syntax import (
    Boolean,
    Compare,
    Expr,
    In,
    Logic,
    Name,
    Number,
    String,
    Temporal,
)
from brickwork.engines.expr.values import Value


class _Undecided:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDECIDED"


UNDECIDED: Any = _Undecided()
"""What a direct closure returns when it cannot answer: evaluate the expression instead."""

Direct = Callable[[Mapping[str, Any]], Value]
"""`(variables) -> value`: the value of the evaluation, or `UNDECIDED`."""

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
"""`c op x` is `x mirrored-op c` for the fast types (total orders on one exact type)."""


_LITERAL = Number | String | Boolean | Temporal


def direct_of(tree: Expr) -> Direct | None:
    """The direct closure of `tree`, or None when its shape has none."""
    # Exact type tests: a `match` over class patterns would try the shapes one by one.
    if type(tree) is Compare:
        left, right = tree.left, tree.right
        if type(left) is Name and isinstance(right, _LITERAL):
            return _compare(left.name, tree.op, constant_value(right))
        if type(right) is Name and isinstance(left, _LITERAL):
            return _compare(right.name, _MIRRORED[tree.op], constant_value(left))
        return None
    if type(tree) is Logic:
        first = direct_of(tree.left)
        second = direct_of(tree.right) if first is not None else None
        if first is None or second is None:
            return None
        return _logic(first, second, stop=tree.op == "or")
    if type(tree) is Name:
        return _boolean_field(tree.name)
    if type(tree) is In and type(tree.value) is Name:
        members = literal_members(tree.tests)
        return None if members is None else _member(tree.value.name, members)
    return None


def _boolean_field(key: str) -> Direct | None:
    if key.startswith("$"):
        return None

    def boolean_field(v: Mapping[str, Any]) -> Value:
        found = v.get(key, MISSING)
        return found if type(found) is bool else UNDECIDED

    return boolean_field


def _compare(key: str, op: str, constant: Value) -> Direct | None:
    """`key op constant`; the compiler's fast path takes the same (exact) types."""
    kind = type(constant)
    allowed = EQUALITY_FAST_TYPES if op in ("=", "!=") else ORDER_FAST_TYPES
    if key.startswith("$") or kind not in allowed:
        return None
    if kind is Decimal:
        return _compare_number(key, _COMPARE[op], constant)
    return _compare_exact(key, _COMPARE[op], constant, kind)


def _compare_number(key: str, test: Callable[[Any, Any], bool], constant: Decimal) -> Direct:
    # A NaN would signal InvalidOperation, or not, depending on the thread's decimal context.
    def compare_number(v: Mapping[str, Any]) -> Value:
        found = v.get(key, MISSING)
        if type(found) is Decimal and found.is_finite():
            return test(found, constant)
        return UNDECIDED

    return compare_number


def _compare_exact(
    key: str, test: Callable[[Any, Any], bool], constant: str | bool | date, kind: type
) -> Direct:
    if test is operator.eq:  # the commonest condition of all: inlined

        def equals(v: Mapping[str, Any]) -> Value:
            found = v.get(key, MISSING)
            return found == constant if type(found) is kind else UNDECIDED

        return equals

    def compare_exact(v: Mapping[str, Any]) -> Value:
        found = v.get(key, MISSING)
        return test(found, constant) if type(found) is kind else UNDECIDED

    return compare_exact


def _member(key: str, members: frozenset[Value]) -> Direct | None:
    if key.startswith("$"):
        return None
    kind = type(next(iter(members)))
    number = kind is Decimal

    def member(v: Mapping[str, Any]) -> Value:
        found = v.get(key, MISSING)
        if type(found) is kind and (not number or found.is_finite()):
            return found in members
        return UNDECIDED

    return member


def _logic(first: Direct, second: Direct, *, stop: bool) -> Direct:
    """`and` (stop=False) / `or` (stop=True) of two decided booleans; the general closure stops
    at the first `stop` the same way, so what it skips cannot report anything either."""

    def logic(v: Mapping[str, Any]) -> Value:
        a = first(v)
        if a is stop or a is UNDECIDED:
            return a
        return second(v)

    return logic
