"""Number functions: FEEL numeric built-ins, rounding helpers and Excel ROUND/ROUNDUP/ROUNDDOWN.

All arithmetic uses `values.DECIMAL_CONTEXT` (34 digits, half-even); money rounding
(`round half up`, `ROUND`) is half-up, away from zero on ties, as Excel and bankers' statements
expect. Never floats. Evaluators are pure.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    DecimalException,
)

from brickwork.engines.expr.datatypes import NUMBER
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.library.text import whole
from brickwork.engines.expr.values import DECIMAL_CONTEXT


def quantize(number: Decimal, scale: Decimal | int, rounding: str) -> Decimal:
    """Round `number` to `scale` decimal places (negative scale: tens, hundreds...)."""
    places = scale if isinstance(scale, int) else whole(scale, "the scale")
    if not -6111 <= places <= 6176:
        raise FunctionError(f"the scale {places} is out of range", "E_ARG_VALUE")
    try:
        result = number.quantize(Decimal(1).scaleb(-places), rounding=rounding,
                                 context=DECIMAL_CONTEXT)  # fmt: skip
    except DecimalException:
        raise FunctionError("the result has more than 34 digits", "E_NUMBER_RANGE") from None
    return result


def _rounder(
    rounding: str, default_scale: int | None = None
) -> Callable[[Decimal, Decimal | None], Decimal]:
    def evaluate(number: Decimal, scale: Decimal | None = None) -> Decimal:
        if scale is not None:
            return quantize(number, scale, rounding)
        if default_scale is None:  # pragma: no cover - the signature makes the scale required
            raise FunctionError("the scale is required", "E_ARGUMENT_COUNT")
        return quantize(number, default_scale, rounding)

    return evaluate


def modulo(dividend: Decimal, divisor: Decimal) -> Decimal:
    if divisor == 0:
        raise FunctionError("modulo by zero", "E_DIVISION_BY_ZERO")
    try:
        quotient = DECIMAL_CONTEXT.divide(dividend, divisor).to_integral_value(ROUND_FLOOR)
        return DECIMAL_CONTEXT.subtract(dividend, DECIMAL_CONTEXT.multiply(divisor, quotient))
    except DecimalException:
        raise FunctionError("the result is out of range", "E_NUMBER_RANGE") from None


def sqrt(number: Decimal) -> Decimal:
    if number < 0:
        raise FunctionError("the square root of a negative number is not a number", "E_ARG_VALUE")
    return DECIMAL_CONTEXT.sqrt(number)


def absolute(number: Decimal) -> Decimal:
    return DECIMAL_CONTEXT.abs(number)


def to_number(text: str, grouping: str | None = None, decimal: str | None = None) -> Decimal:
    if grouping not in (None, " ", ",", ".") or decimal not in (None, ",", "."):
        raise FunctionError("grouping separator must be space , or . and decimal , or .")
    if grouping is not None and grouping == decimal:
        raise FunctionError("the grouping and decimal separators must differ", "E_ARG_VALUE")
    body = text.strip()
    if grouping:
        body = body.replace(grouping, "")
    if decimal:
        body = body.replace(decimal, ".")
    if not body or not all(ch.isdigit() or ch in ".-+eE" for ch in body):
        raise FunctionError(f"`{text}` is not a number", "E_ARG_VALUE")
    try:
        result = DECIMAL_CONTEXT.create_decimal(body)
    except DecimalException:
        raise FunctionError(f"`{text}` is not a number", "E_ARG_VALUE") from None
    if not result.is_finite():
        raise FunctionError(f"`{text}` is not a number", "E_ARG_VALUE")  # pragma: no cover
    return result


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "decimal", "number",
        (sig("n: number, scale: number", _rounder(ROUND_HALF_EVEN), NUMBER),),
        "Round `n` to `scale` decimal places, ties to even (FEEL `decimal`).",
        "四舍六入五成双，保留 `scale` 位小数（FEEL `decimal`）。",
        (ex("decimal(1/3, 2)", "0.33"), ex("decimal(2.5, 0)", "2")),
    ),
    FunctionSpec(
        "floor", "number", (sig("n: number, scale?: number", _rounder(ROUND_FLOOR, 0), NUMBER),),
        "Round down towards negative infinity (to `scale` places, default 0).",
        "向下取整（向负无穷），可指定小数位数。",
        (ex("floor(-1.5)", "-2"), ex("floor(1.56, 1)", "1.5")), sql="floor",
    ),
    FunctionSpec(
        "ceiling", "number",
        (sig("n: number, scale?: number", _rounder(ROUND_CEILING, 0), NUMBER),),
        "Round up towards positive infinity (to `scale` places, default 0).",
        "向上取整（向正无穷），可指定小数位数。",
        (ex("ceiling(1.2)", "2"), ex("ceiling(-1.25, 1)", "-1.2")), sql="ceiling",
    ),
    FunctionSpec(
        "round up", "number", (sig("n: number, scale: number", _rounder(ROUND_UP), NUMBER),),
        "Round away from zero to `scale` places.", "远离零方向舍入。",
        (ex("round up(5.121, 2)", "5.13"), ex("round up(-5.121, 2)", "-5.13")),
        aliases=("ROUNDUP",),
    ),
    FunctionSpec(
        "round down", "number", (sig("n: number, scale: number", _rounder(ROUND_DOWN), NUMBER),),
        "Round towards zero to `scale` places (truncate).", "向零方向舍入（截断）。",
        (ex("round down(5.129, 2)", "5.12"), ex("ROUNDDOWN(-5.129, 2)", "-5.12")),
        aliases=("ROUNDDOWN",),
    ),
    FunctionSpec(
        "round half up", "number",
        (sig("n: number, scale?: number", _rounder(ROUND_HALF_UP, 0), NUMBER),),
        "Round to `scale` places, ties away from zero (money rounding, Excel ROUND).",
        "四舍五入（金额舍入，与 Excel ROUND 相同），保留 `scale` 位小数。",
        (ex("round half up(2.345, 2)", "2.35"), ex("ROUND(-2.5)", "-3"),
         ex("ROUND(1234.5, -2)", "1200")),
        aliases=("ROUND",), sql="round_half_up",
    ),
    FunctionSpec(
        "round half even", "number",
        (sig("n: number, scale: number", _rounder(ROUND_HALF_EVEN), NUMBER),),
        "Round to `scale` places, ties to the even neighbour (bankers' rounding).",
        "银行家舍入：四舍六入五成双。",
        (ex("round half even(2.345, 2)", "2.34"), ex("round half even(2.355, 2)", "2.36")),
    ),
    FunctionSpec(
        "abs", "number", (sig("n: number", absolute, NUMBER),),
        "Absolute value.", "绝对值。",
        (ex("abs(-10.5)", "10.5"), ex("ABS(null)", "null")), sql="abs",
    ),
    FunctionSpec(
        "modulo", "number", (sig("dividend: number, divisor: number", modulo, NUMBER),),
        "Remainder of `dividend / divisor`, with the sign of the divisor.",
        "取余数，符号与除数相同。",
        (ex("modulo(12, 5)", "2"), ex("modulo(-12, 5)", "3"), ex("modulo(1, 0)", "null")),
    ),
    FunctionSpec(
        "sqrt", "number", (sig("number: number", sqrt, NUMBER),),
        "Square root (34 significant digits).", "平方根（34 位有效数字）。",
        (ex("sqrt(16)", "4"), ex("sqrt(-1)", "null")),
    ),
    FunctionSpec(
        "number", "number",
        (sig("from: string, grouping separator?: string, decimal separator?: string",
             to_number, NUMBER),),
        "Convert text to a number, with optional grouping and decimal separators.",
        "把文本转换为数字，可指定千分位分隔符和小数点。",
        (ex('number("1 000,5", " ", ",")', "1000.5"), ex('number("12a")', "null")),
    ),
)  # fmt: skip
