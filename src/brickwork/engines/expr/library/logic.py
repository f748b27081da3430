"""Logic and conversion functions: `not`, Excel IF, ISBLANK, COALESCE and `string`.

IF is lazy (its evaluator receives thunks) so the branch not taken is never evaluated and cannot
produce diagnostics. Evaluators are pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time

from brickwork.engines.expr.datatypes import ANY, BOOLEAN, STRING, ExprType, unify
from brickwork.engines.expr.functions import FunctionSpec, ex, sig
from brickwork.engines.expr.values import Value, equal, kind_of, norm, to_text

Thunk = Callable[[], Value]


def negate(value: bool) -> bool:
    return not value


def excel_if(condition: Thunk, then: Thunk, otherwise: Thunk | None = None) -> Value:
    if condition() is True:
        return then()
    return otherwise() if otherwise is not None else None


def is_blank(value: Value) -> bool:
    return value is None or value == ""


def coalesce(values: list[Value]) -> Value:
    for value in values:
        if value is not None:
            return norm(value)
    return None


def is_same(a: Value, b: Value) -> bool:
    """FEEL `is`: the same element of the semantic domain. Unlike `=`, values of different kinds
    are simply not the same (false, not null), and times with different offsets differ even
    when they denote the same instant. Nested lists and contexts are walked without
    recursion."""
    pending = [(a, b)]
    while pending:
        x, y = (norm(v) for v in pending.pop())
        if kind_of(x) != kind_of(y):
            return False
        if isinstance(x, list):
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y, strict=True))
        elif isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            pending.extend((x[k], y[k]) for k in x)
        elif not _same_scalar(x, y):
            return False
    return True


def _same_scalar(a: Value, b: Value) -> bool:
    if isinstance(a, time | datetime):
        same_offset: bool = a.utcoffset() == b.utcoffset()
        return same_offset and a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return equal(a, b) is True


def _if_type(args: Sequence[ExprType]) -> ExprType:
    if len(args) == 3:
        return unify(args[1], args[2])
    return args[1] if len(args) > 1 else ANY


def _first_type(args: Sequence[ExprType]) -> ExprType:
    result = ExprType("null")
    for arg in args:
        result = unify(result, arg)
    return result if result.kind != "null" else ANY


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "not", "logic", (sig("negand: boolean", negate, BOOLEAN),),
        "Logical negation: not(true) is false, not(null) is null.",
        "逻辑非：not(true) 为 false，not(null) 为 null。",
        (ex("not(1 > 2)", "true"), ex("NOT(null)", "null"), ex('not("yes")', "null")),
        aliases=("NOT",), sql="not",
    ),
    FunctionSpec(
        "IF", "logic",
        (sig("condition: boolean, value if true: any, value if false?: any", excel_if, _if_type),),
        "Excel IF: the second argument when the condition is true, else the third (or null).",
        "Excel IF：条件为 true 时取第二个参数，否则取第三个参数（省略时为 null）。",
        (ex('IF(5 > 3, "high", "low")', '"high"'), ex("IF(null, 1, 2)", "2"),
         ex("IF(false, 1)", "null"), ex("IF(true, 1, 1 / 0)", "1")),
        propagate_null=False, lazy=True, sql="if",
    ),
    FunctionSpec(
        "ISBLANK", "logic", (sig("value: any", is_blank, BOOLEAN),),
        "Excel ISBLANK: true for null and for empty text.",
        "Excel ISBLANK：null 或空字符串时为 true。",
        (ex('ISBLANK("")', "true"), ex("ISBLANK(null)", "true"), ex("ISBLANK(0)", "false")),
        propagate_null=False, sql="isblank",
    ),
    FunctionSpec(
        "COALESCE", "logic", (sig("values...: any", coalesce, _first_type),),
        "The first argument that is not null.", "返回第一个非 null 的参数。",
        (ex('COALESCE(null, "n/a")', '"n/a"'), ex("COALESCE()", "null")),
        propagate_null=False, sql="coalesce",
    ),
    FunctionSpec(
        "is", "logic", (sig("value1: any, value2: any", is_same, BOOLEAN),),
        "Whether both values are the same value of the same kind; unlike `=`, times with other "
        "offsets differ and values of different kinds give false.",
        "两个值是否为同一类型的同一个值；与 `=` 不同，偏移不同的时间视为不同，类型不同时为 false。",
        (ex('is(date("2012-12-25"), time("23:00:50"))', "false"),
         ex('is(date("2012-12-25"), date("2012-12-25"))', "true"),
         ex('is(time("23:00:50Z"), time("23:00:50"))', "false"),
         ex('is(time("23:00:50Z"), time("23:00:50+00:00"))', "true"),
         ex("is(null, null)", "true"), ex("is(1, 1.0)", "true")),
        propagate_null=False,
    ),
    FunctionSpec(
        "string", "logic", (sig("from: any", to_text, STRING),),
        "Text form of any value: numbers without exponent, dates as ISO 8601.",
        "把任意值转换为文本：数字不使用科学计数法，日期为 ISO 8601 格式。",
        (ex("string(1.50)", '"1.50"'), ex('string(@"2025-03-03")', '"2025-03-03"'),
         ex("string(null)", "null")),
    ),
)  # fmt: skip
