"""Number functions: FEEL numeric built-ins, rounding helpers and Excel ROUND/ROUNDUP/ROUNDDOWN.

All arithmetic uses `values.DECIMAL_CONTEXT` (34 digits, half-even); money rounding
(`round half up`, `ROUND`) is half-up, away from zero on ties, as Excel and bankers' statements
expect. Never floats. Evaluators are pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    DecimalException,
)

from brickwork.engines.expr.datatypes import BOOLEAN, NUMBER, ExprType
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, Signature, ex, sig
from brickwork.engines.expr.library.text import integral
from brickwork.engines.expr.values import DECIMAL_CONTEXT, Value, YearsMonths


def quantize(number: Decimal, scale: Decimal | int, rounding: str) -> Decimal:
    """Round `number` to `scale` decimal places (negative scale: tens, hundreds...)."""
    places = scale if isinstance(scale, int) else integral(scale, "the scale", "小数位数")
    if not MIN_SCALE <= places <= MAX_SCALE:
        message = f"the scale {places} is outside {MIN_SCALE}..{MAX_SCALE}"
        zh_cn = f"小数位数 {places} 超出 {MIN_SCALE}..{MAX_SCALE} 的范围"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    try:
        result = number.quantize(Decimal(1).scaleb(-places), rounding=rounding,
                                 context=DECIMAL_CONTEXT)  # fmt: skip
    except DecimalException:
        if int(number.as_tuple().exponent) >= -places:
            return number  # already has no more decimals than asked: rounding changes nothing
        raise FunctionError("the result has more than 34 digits", "E_NUMBER_RANGE",
                            zh_cn="结果超过 34 位有效数字") from None  # fmt: skip
    return result


MIN_SCALE = -6111
MAX_SCALE = 6176
"""The scale range of the FEEL rounding functions (DMN 1.5 §10.3.4.5)."""


def _rounder(rounding: str) -> Callable[[Decimal, Decimal], Decimal]:
    def evaluate(number: Decimal, scale: Decimal) -> Decimal:
        return quantize(number, scale, rounding)

    return evaluate


def _whole_rounder(rounding: str) -> Callable[[Decimal], Decimal]:
    def evaluate(number: Decimal) -> Decimal:
        return quantize(number, 0, rounding)

    return evaluate


def _rounding_signatures(rounding: str) -> tuple[Signature, Signature]:
    """`f(n)` (to a whole number) and `f(n, scale)`: a null scale gives null, as the spec says."""
    return (sig("n: number", _whole_rounder(rounding), NUMBER),
            sig("n: number, scale: number", _rounder(rounding), NUMBER))  # fmt: skip


OUT_OF_RANGE_ZH = "结果超出数字的取值范围"
"""The Chinese of "the result is out of range"."""


def modulo(dividend: Decimal, divisor: Decimal) -> Decimal:
    if divisor == 0:
        raise FunctionError("modulo by zero", "E_DIVISION_BY_ZERO", zh_cn="除数为 0，无法取模")
    try:
        quotient = DECIMAL_CONTEXT.divide(dividend, divisor).to_integral_value(ROUND_FLOOR)
        return DECIMAL_CONTEXT.subtract(dividend, DECIMAL_CONTEXT.multiply(divisor, quotient))
    except DecimalException:
        raise FunctionError("the result is out of range", "E_NUMBER_RANGE",
                            zh_cn=OUT_OF_RANGE_ZH) from None  # fmt: skip


def sqrt(number: Decimal) -> Decimal:
    if number < 0:
        raise FunctionError("the square root of a negative number is not a number", "E_ARG_VALUE",
                            zh_cn="负数的平方根不是数字")  # fmt: skip
    return DECIMAL_CONTEXT.sqrt(number)


def absolute(value: Decimal | timedelta | YearsMonths) -> Value:
    if isinstance(value, timedelta):
        return abs(value)
    if isinstance(value, YearsMonths):
        return YearsMonths(abs(value.months))
    return DECIMAL_CONTEXT.abs(value)


def exponential(number: Decimal) -> Decimal:
    try:
        return DECIMAL_CONTEXT.exp(number)
    except DecimalException:
        raise FunctionError("the result is out of range", "E_NUMBER_RANGE",
                            zh_cn=OUT_OF_RANGE_ZH) from None  # fmt: skip


def logarithm(number: Decimal) -> Decimal:
    if number <= 0:
        raise FunctionError(f"`number` must be greater than 0, not {number}", "E_ARG_VALUE",
                            zh_cn=f"`number` 必须大于 0，不能是 {number}")  # fmt: skip
    return DECIMAL_CONTEXT.ln(number)


def _integer(number: Decimal) -> int:
    if number != number.to_integral_value():
        raise FunctionError(f"`number` must be a whole number, not {number}", "E_ARG_VALUE",
                            zh_cn=f"`number` 必须是整数，不能是 {number}")  # fmt: skip
    return int(number)


def is_odd(number: Decimal) -> bool:
    return _integer(number) % 2 == 1


def is_even(number: Decimal) -> bool:
    return _integer(number) % 2 == 0


def _not_a_number(text: str) -> FunctionError:
    return FunctionError(f"`{text}` is not a number", "E_ARG_VALUE", zh_cn=f"`{text}` 不是数字")


def to_number(text: str, grouping: str | None = None, decimal: str | None = None) -> Decimal:
    if grouping not in (None, " ", ",", ".") or decimal not in (None, ",", "."):
        zh_cn = "分组分隔符只能是空格、`,` 或 `.`，小数分隔符只能是 `,` 或 `.`"
        raise FunctionError(
            "grouping separator must be space , or . and decimal , or .", zh_cn=zh_cn
        )
    if grouping is not None and grouping == decimal:
        raise FunctionError("the grouping and decimal separators must differ", "E_ARG_VALUE",
                            zh_cn="分组分隔符与小数分隔符不能相同")  # fmt: skip
    body = text.strip()
    if grouping:
        body = body.replace(grouping, "")
    if decimal:
        body = body.replace(decimal, ".")
    if not body or not all(ch.isdigit() or ch in ".-+eE" for ch in body):
        raise _not_a_number(text)
    try:
        result = DECIMAL_CONTEXT.create_decimal(body)
    except DecimalException:
        raise _not_a_number(text) from None
    if not result.is_finite():
        raise _not_a_number(text)  # pragma: no cover
    return result


def _abs_type(args: Sequence[ExprType]) -> ExprType:
    return args[0] if args and args[0].kind != "any" else NUMBER


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "decimal", "number",
        (sig("n: number, scale: number", _rounder(ROUND_HALF_EVEN), NUMBER),),
        "Round `n` to `scale` decimal places, ties to even (FEEL `decimal`).",
        "四舍六入五成双，保留 `scale` 位小数（FEEL `decimal`）。",
        (ex("decimal(1/3, 2)", "0.33"), ex("decimal(1.5, 0)", "2"), ex("decimal(2.5, 0)", "2"),
         ex("decimal(1.5, 0.9)", "2")),
    ),
    FunctionSpec(
        "floor", "number", _rounding_signatures(ROUND_FLOOR),
        "Round down towards negative infinity (to `scale` places, default 0).",
        "向下取整（向负无穷），可指定小数位数。",
        (ex("floor(1.5)", "1"), ex("floor(-1.5)", "-2"), ex("floor(-1.56, 1)", "-1.6")),
        sql="floor",
    ),
    FunctionSpec(
        "ceiling", "number", _rounding_signatures(ROUND_CEILING),
        "Round up towards positive infinity (to `scale` places, default 0).",
        "向上取整（向正无穷），可指定小数位数。",
        (ex("ceiling(1.5)", "2"), ex("ceiling(-1.5)", "-1"), ex("ceiling(-1.56, 1)", "-1.5")),
        sql="ceiling",
    ),
    FunctionSpec(
        "round up", "number", (sig("n: number, scale: number", _rounder(ROUND_UP), NUMBER),),
        "Round away from zero to `scale` places.", "远离零方向舍入。",
        (ex("round up(5.5, 0)", "6"), ex("round up(-5.5, 0)", "-6"),
         ex("round up(1.121, 2)", "1.13"), ex("round up(-1.126, 2)", "-1.13")),
        aliases=("ROUNDUP",),
    ),
    FunctionSpec(
        "round down", "number", (sig("n: number, scale: number", _rounder(ROUND_DOWN), NUMBER),),
        "Round towards zero to `scale` places (truncate).", "向零方向舍入（截断）。",
        (ex("round down(5.5, 0)", "5"), ex("round down(-5.5, 0)", "-5"),
         ex("round down(1.121, 2)", "1.12"), ex("ROUNDDOWN(-1.126, 2)", "-1.12")),
        aliases=("ROUNDDOWN",),
    ),
    FunctionSpec(
        "round half up", "number", _rounding_signatures(ROUND_HALF_UP),
        "Round to `scale` places, ties away from zero (money rounding, Excel ROUND).",
        "四舍五入（金额舍入，与 Excel ROUND 相同），保留 `scale` 位小数。",
        (ex("round half up(5.5, 0)", "6"), ex("round half up(-5.5, 0)", "-6"),
         ex("round half up(1.121, 2)", "1.12"), ex("round half up(-1.126, 2)", "-1.13"),
         ex("ROUND(-2.5)", "-3"), ex("ROUND(1234.5, -2)", "1200")),
        aliases=("ROUND",), sql="round_half_up",
    ),
    FunctionSpec(
        "round half down", "number",
        (sig("n: number, scale: number", _rounder(ROUND_HALF_DOWN), NUMBER),),
        "Round to `scale` places, ties towards zero.", "五舍六入：恰好一半时向零方向舍入。",
        (ex("round half down(5.5, 0)", "5"), ex("round half down(-5.5, 0)", "-5"),
         ex("round half down(1.121, 2)", "1.12"), ex("round half down(-1.126, 2)", "-1.13")),
    ),
    FunctionSpec(
        "round half even", "number",
        (sig("n: number, scale: number", _rounder(ROUND_HALF_EVEN), NUMBER),),
        "Round to `scale` places, ties to the even neighbour (bankers' rounding).",
        "银行家舍入：四舍六入五成双。",
        (ex("round half even(2.345, 2)", "2.34"), ex("round half even(2.355, 2)", "2.36")),
    ),
    FunctionSpec(
        "abs", "number", (sig("n: number|duration", absolute, _abs_type),),
        "Absolute value of a number or a duration.", "数字或时长的绝对值。",
        (ex("abs(10)", "10"), ex("abs(-10)", "10"), ex('abs(@"PT5H")', '@"PT5H"'),
         ex('abs(@"-PT5H")', '@"PT5H"'), ex('abs(@"-P1Y2M")', '@"P1Y2M"'),
         ex("ABS(null)", "null")),
        sql="abs",
    ),
    FunctionSpec(
        "modulo", "number", (sig("dividend: number, divisor: number", modulo, NUMBER),),
        "Remainder of `dividend / divisor`, with the sign of the divisor.",
        "取余数，符号与除数相同。",
        (ex("modulo(12, 5)", "2"), ex("modulo(-12, 5)", "3"), ex("modulo(12, -5)", "-3"),
         ex("modulo(-12, -5)", "-2"), ex("modulo(10.1, 4.5)", "1.1"),
         ex("modulo(-10.1, 4.5)", "3.4"), ex("modulo(10.1, -4.5)", "-3.4"),
         ex("modulo(-10.1, -4.5)", "-1.1"), ex("modulo(1, 0)", "null")),
    ),
    FunctionSpec(
        "sqrt", "number", (sig("number: number", sqrt, NUMBER),),
        "Square root (34 significant digits).", "平方根（34 位有效数字）。",
        (ex("sqrt(16)", "4"), ex("sqrt(-1)", "null")),
    ),
    FunctionSpec(
        "log", "number", (sig("number: number", logarithm, NUMBER),),
        "Natural logarithm (base e), 34 significant digits; null unless `number` > 0.",
        "自然对数（以 e 为底，34 位有效数字）；`number` 须大于 0。",
        (ex("decimal(log(10), 11)", "2.30258509299"), ex("log(1)", "0"), ex("log(0)", "null")),
    ),
    FunctionSpec(
        "exp", "number", (sig("number: number", exponential, NUMBER),),
        "e raised to the power `number` (34 significant digits).",
        "e 的 `number` 次幂（34 位有效数字）。",
        (ex("decimal(exp(5), 12)", "148.413159102577"), ex("exp(0)", "1")),
    ),
    FunctionSpec(
        "odd", "number", (sig("number: number", is_odd, BOOLEAN),),
        "Whether a whole number is odd (null for a fraction).", "整数是否为奇数（小数为 null）。",
        (ex("odd(5)", "true"), ex("odd(2)", "false"), ex("odd(-3)", "true")),
    ),
    FunctionSpec(
        "even", "number", (sig("number: number", is_even, BOOLEAN),),
        "Whether a whole number is even (null for a fraction).", "整数是否为偶数（小数为 null）。",
        (ex("even(5)", "false"), ex("even(2)", "true"), ex("even(0)", "true")),
    ),
    FunctionSpec(
        "number", "number",
        (sig("from: string, grouping separator?: string, decimal separator?: string",
             to_number, NUMBER),),
        "Convert text to a number, with optional grouping and decimal separators "
        "(null for a separator means none).",
        "把文本转换为数字，可指定千分位分隔符和小数点（分隔符为 null 表示不使用）。",
        (ex('number("1 000,0", " ", ",")', "1000.0"), ex('number("1,000.0", ",", ".")', "1000.0"),
         ex('number("1,000", ",", null)', "1000"), ex('number("12a")', "null")),
    ),
)  # fmt: skip
