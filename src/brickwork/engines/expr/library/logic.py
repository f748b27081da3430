"""Logic and conversion functions: `not`, Excel IF, ISBLANK, COALESCE and `string`.

IF is lazy (its evaluator receives thunks) so the branch not taken is never evaluated and cannot
produce diagnostics. Evaluators are pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from brickwork.engines.expr.datatypes import ANY, BOOLEAN, STRING, ExprType, unify
from brickwork.engines.expr.functions import FunctionSpec, ex, sig
from brickwork.engines.expr.values import Value, norm, to_text

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
        "string", "logic", (sig("from: any", to_text, STRING),),
        "Text form of any value: numbers without exponent, dates as ISO 8601.",
        "把任意值转换为文本：数字不使用科学计数法，日期为 ISO 8601 格式。",
        (ex("string(1.50)", '"1.50"'), ex('string(@"2025-03-03")', '"2025-03-03"'),
         ex("string(null)", "null")),
    ),
)  # fmt: skip
