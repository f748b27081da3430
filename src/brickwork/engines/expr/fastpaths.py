"""Hand-specialised closures for number arithmetic, the hottest shapes of formulas.

One closure per operator (`+`, `-`, `*`) and operand shape (field/field, field/constant,
closure/field, closure/constant, closure/closure), with the operator inlined: this is what makes
compiled formulas fast without generating code. Python's operators read the thread's decimal
context, so these closures must only run inside an entry point that has set
`values.DECIMAL_CONTEXT` (see `api.py`); a field holding an int or float is made exact first
(`exact`), and anything but two Decimals then goes to `slow`. This module
must not use `eval`/`exec`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from brickwork.engines.expr.runtime import MISSING, Fn, Run
from brickwork.engines.expr.syntax import Number, Range, String, Temporal, Test, ValueTest
from brickwork.engines.expr.values import Value

Slow = Callable[[Value, Value, Run], Value]


def exact(value: Any) -> Any:
    """A number as it arrives from JSON (`int`, finite `float`) as the Decimal `values.to_value`
    makes of it (a float through its shortest repr, so 0.1 is 0.1); anything else unchanged.

    Closures reading a field call this before their type test, so rows of ints and floats take
    the same fast paths as rows of Decimals, with no float arithmetic and no cache."""
    kind = type(value)
    if kind is float:
        return Decimal(repr(value)) if value - value == 0.0 else value
    if kind is int:
        return Decimal(value)
    return value


def divide(a: Decimal, b: Decimal) -> Decimal:
    """`a / b` with Python's operator; a zero divisor goes to the slow path (which reports the
    division by zero) even when `a` is a NaN, for which the operator would not trap."""
    if not b:
        raise ZeroDivisionError
    return a / b


def _add_nn(lkey: str, rkey: str, slow: Slow) -> Fn:
    def add_nn(v: Any, run: Run) -> Value:
        a = v.get(lkey, MISSING)
        b = v.get(rkey, MISSING)
        if type(a) is not Decimal or type(b) is not Decimal:
            a, b = exact(a), exact(b)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a + b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return add_nn


def _add_nc(lkey: str, b: Decimal, slow: Slow) -> Fn:
    def add_nc(v: Any, run: Run) -> Value:
        a = v.get(lkey, MISSING)
        if type(a) is not Decimal:
            a = exact(a)
        if type(a) is Decimal:
            try:
                return a + b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return add_nc


def _add_fn(f: Fn, rkey: str, slow: Slow) -> Fn:
    def add_fn(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = v.get(rkey, MISSING)
        if type(b) is not Decimal:
            b = exact(b)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a + b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return add_fn


def _add_fc(f: Fn, b: Decimal, slow: Slow) -> Fn:
    def add_fc(v: Any, run: Run) -> Value:
        a = f(v, run)
        if type(a) is Decimal:
            try:
                return a + b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return add_fc


def _add_ff(f: Fn, g: Fn, slow: Slow) -> Fn:
    def add_ff(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = g(v, run)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a + b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return add_ff


def _sub_nn(lkey: str, rkey: str, slow: Slow) -> Fn:
    def sub_nn(v: Any, run: Run) -> Value:
        a = v.get(lkey, MISSING)
        b = v.get(rkey, MISSING)
        if type(a) is not Decimal or type(b) is not Decimal:
            a, b = exact(a), exact(b)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a - b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return sub_nn


def _sub_nc(lkey: str, b: Decimal, slow: Slow) -> Fn:
    def sub_nc(v: Any, run: Run) -> Value:
        a = v.get(lkey, MISSING)
        if type(a) is not Decimal:
            a = exact(a)
        if type(a) is Decimal:
            try:
                return a - b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return sub_nc


def _sub_fn(f: Fn, rkey: str, slow: Slow) -> Fn:
    def sub_fn(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = v.get(rkey, MISSING)
        if type(b) is not Decimal:
            b = exact(b)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a - b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return sub_fn


def _sub_fc(f: Fn, b: Decimal, slow: Slow) -> Fn:
    def sub_fc(v: Any, run: Run) -> Value:
        a = f(v, run)
        if type(a) is Decimal:
            try:
                return a - b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return sub_fc


def _sub_ff(f: Fn, g: Fn, slow: Slow) -> Fn:
    def sub_ff(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = g(v, run)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a - b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return sub_ff


def _mul_nn(lkey: str, rkey: str, slow: Slow) -> Fn:
    def mul_nn(v: Any, run: Run) -> Value:
        a = v.get(lkey, MISSING)
        b = v.get(rkey, MISSING)
        if type(a) is not Decimal or type(b) is not Decimal:
            a, b = exact(a), exact(b)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a * b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return mul_nn


def _mul_nc(lkey: str, b: Decimal, slow: Slow) -> Fn:
    def mul_nc(v: Any, run: Run) -> Value:
        a = v.get(lkey, MISSING)
        if type(a) is not Decimal:
            a = exact(a)
        if type(a) is Decimal:
            try:
                return a * b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return mul_nc


def _mul_fn(f: Fn, rkey: str, slow: Slow) -> Fn:
    def mul_fn(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = v.get(rkey, MISSING)
        if type(b) is not Decimal:
            b = exact(b)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a * b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return mul_fn


def _mul_fc(f: Fn, b: Decimal, slow: Slow) -> Fn:
    def mul_fc(v: Any, run: Run) -> Value:
        a = f(v, run)
        if type(a) is Decimal:
            try:
                return a * b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return mul_fc


def _mul_ff(f: Fn, g: Fn, slow: Slow) -> Fn:
    def mul_ff(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = g(v, run)
        if type(a) is Decimal and type(b) is Decimal:
            try:
                return a * b
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return mul_ff


ARITHMETIC_FAST_PATHS: dict[tuple[str, str], Callable[..., Fn]] = {
    ("+", "nn"): _add_nn,
    ("+", "nc"): _add_nc,
    ("+", "fn"): _add_fn,
    ("+", "fc"): _add_fc,
    ("+", "ff"): _add_ff,
    ("-", "nn"): _sub_nn,
    ("-", "nc"): _sub_nc,
    ("-", "fn"): _sub_fn,
    ("-", "fc"): _sub_fc,
    ("-", "ff"): _sub_ff,
    ("*", "nn"): _mul_nn,
    ("*", "nc"): _mul_nc,
    ("*", "fn"): _mul_fn,
    ("*", "fc"): _mul_fc,
    ("*", "ff"): _mul_ff,
}


def same_type_compare(
    f: Fn, g: Fn, allowed: tuple[type, ...], fast: Callable[[Any, Any], bool], slow: Slow
) -> Fn:
    """`f(...) op g(...)` for two computed values (`date(a) < date(b)`): when both have the same
    exact type among `allowed` (the compiler's fast types, whose Python comparison is the FEEL
    one), Python's operator decides; anything else goes to `slow`."""
    types = frozenset(allowed)

    def compare_same(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = g(v, run)
        if type(a) is type(b) and type(a) in types:
            try:
                return fast(a, b)
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return compare_same


Bounds = tuple[Value, Value, bool, bool]
"""`(low, high, low closed, high closed)` of a range written with two literals of one type."""
_ORDERED = frozenset({Decimal, str, date})
"""Exact types whose Python order is the FEEL order (as `compiler.ORDER_FAST_TYPES`)."""


def literal_range(tests: Sequence[Test], constant: Callable[[Any], Value]) -> Bounds | None:
    """The bounds of `x in [1..10)` (a single range of two literals of one ordered type), their
    values as `constant` (the compiler's `constant_value`) gives them."""
    if len(tests) != 1 or not isinstance(tests[0], ValueTest):
        return None
    target = tests[0].expr
    if not isinstance(target, Range):
        return None
    low, high = target.low, target.high
    if not isinstance(low, Number | String | Temporal) or not isinstance(high, type(low)):
        return None
    a, b = constant(low), constant(high)
    if type(a) is not type(b) or type(a) not in _ORDERED:
        return None
    return a, b, target.low_closed, target.high_closed


def in_literal_range(value: Fn, bounds: Bounds, general: Callable[[Value, Any, Run], Value]) -> Fn:
    """`x in [low..high]` when `x` has the literals' exact type; anything else is decided by
    `general` (the compiled tests), with `x` already evaluated."""
    low, high, low_closed, high_closed = bounds
    kind = type(low)

    def in_range(v: Any, run: Run) -> Value:
        x = value(v, run)
        if type(x) is kind:
            above = x >= low if low_closed else x > low
            return above and (x <= high if high_closed else x < high)
        return general(x, v, run)

    return in_range
