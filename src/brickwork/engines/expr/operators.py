"""Runtime semantics of the operators, as tables keyed by operator and operand kinds.

`arithmetic(op, a, b)` and `negate(a)` implement FEEL arithmetic over numbers (34-digit Decimal),
strings, dates, times and both kinds of duration; `compare(op, a, b)` implements `=`, `!=`, `<`,
... with FEEL null semantics. Operands are normalised runtime values (see `values.norm`). A kind
mismatch or a domain error raises `OperatorError`, which the compiler turns into null plus a
diagnostic. This module must not evaluate expressions or touch the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, DecimalException

from brickwork.engines.expr import values as v
from brickwork.engines.expr.functions import FunctionError
from brickwork.engines.expr.library.temporal import add_months
from brickwork.engines.expr.values import DECIMAL_CONTEXT as CTX
from brickwork.engines.expr.values import Value, YearsMonths
from brickwork.engines.expr.words import zh_kind

ONE_MICROSECOND = timedelta(microseconds=1)


class OperatorError(Exception):
    def __init__(self, code: str, message: str, *, zh_cn: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.zh_cn = zh_cn


def _divide(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise OperatorError("E_DIVISION_BY_ZERO", "division by zero", zh_cn="除数为零")
    return CTX.divide(a, b)


def _power(a: Decimal, b: Decimal) -> Decimal:
    if b != b.to_integral_value() and a < 0:
        raise OperatorError(
            "E_NUMBER_RANGE", "a negative number to a fractional power",
            zh_cn="负数不能取小数次幂",
        )  # fmt: skip
    if a == 0 and b < 0:
        raise OperatorError("E_DIVISION_BY_ZERO", "zero to a negative power",
                            zh_cn="0 不能取负数次幂")  # fmt: skip
    if b == 0:
        return Decimal(1)  # 0 ** 0 too, as Java's BigDecimal.pow gives it to other FEEL engines
    return CTX.power(a, b)


def _scale_delta(delta: timedelta, factor: Decimal) -> timedelta:
    micros = CTX.multiply(Decimal(delta // ONE_MICROSECOND), factor)
    return timedelta(microseconds=int(micros.to_integral_value(ROUND_HALF_EVEN)))


def _divide_delta(delta: timedelta, divisor: Decimal) -> timedelta:
    return _scale_delta(delta, _divide(Decimal(1), divisor))


def _scale_months(months: YearsMonths, factor: Decimal) -> YearsMonths:
    """Whole months, the fraction truncated (DMN 1.5 Table 59: `@"P1M" * 2.5` is `@"P2M"`)."""
    scaled = CTX.multiply(Decimal(months.months), factor)
    return YearsMonths(int(scaled.to_integral_value(ROUND_DOWN)))


def _datetime_add_months(moment: datetime, months: int) -> datetime:
    return datetime.combine(add_months(moment.date(), months), moment.timetz())


def _moment_add(moment: datetime, delta: timedelta) -> datetime:
    """A days-and-time duration moves a zoned date and time along the time line (across a
    change of summer time an hour is an hour); a local one by its clock."""
    if moment.tzinfo is None:
        return moment + delta
    return (moment.astimezone(UTC) + delta).astimezone(moment.tzinfo)


def _midnight_utc(day: date) -> datetime:
    """A date where a date and time is needed: midnight UTC of that day (DMN 1.5 §10.3.2.3.6)."""
    return datetime.combine(day, time(tzinfo=UTC))


def _date_add(day: date, delta: timedelta) -> date:
    """Date plus a days-and-time duration: from midnight UTC, then the date of the result, so
    `@"2021-01-02" - @"PT1H"` is `@"2021-01-01"` (TCK 0100-arithmetic)."""
    return (_midnight_utc(day) + delta).date()


def _time_add(moment: time, delta: timedelta) -> time:
    anchor = datetime.combine(date(2000, 1, 3), moment)
    return (anchor + delta).timetz()


def _time_diff(a: time, b: time) -> timedelta:
    if not v.comparable_temporals(T, a, b):
        values_zh, note_zh = _zone_words_zh(a, b)
        raise OperatorError("E_TYPE_MISMATCH", f"cannot subtract {_zone_words(a, b)}",
                            zh_cn=f"不能将{values_zh}相减{note_zh}")  # fmt: skip
    day = date(2000, 1, 3)
    first, second = v.comparable_moment(a), v.comparable_moment(b)
    assert isinstance(first, time)
    assert isinstance(second, time)
    return datetime.combine(day, first) - datetime.combine(day, second)


def _zone_words(a: time | datetime, b: time | datetime) -> str:
    if v.same_tz_awareness(a, b):
        return (
            "a time in a named zone with a time of another zone or offset "
            "(without a date, a named zone has no fixed offset)"
        )
    return "a local and a zoned value"


def _zone_words_zh(a: time | datetime, b: time | datetime) -> tuple[str, str]:
    """The Chinese of `_zone_words`: the two values, and a note in parentheses (or "") to put
    at the end of the sentence."""
    if v.same_tz_awareness(a, b):
        return "命名时区的时间和其他时区或偏移量的时间", "（没有日期时，命名时区没有固定的偏移量）"
    return "本地值和带时区的值", ""


def _datetime_diff(a: datetime, b: datetime) -> timedelta:
    if not v.same_tz_awareness(a, b):
        raise OperatorError(
            "E_TYPE_MISMATCH",
            "cannot subtract a local and a zoned date and time (a date counts as midnight UTC)",
            zh_cn="不能将本地日期时间和带时区的日期时间相减（日期按 UTC 零点计）",
        )
    return v.comparable_moment(a) - v.comparable_moment(b)  # type: ignore[operator]


N, S, D, T, DT = v.NUMBER, v.STRING, v.DATE, v.TIME, v.DATETIME
DTD, YMD = v.DT_DURATION, v.YM_DURATION

Binary = Callable[[Value, Value], Value]

ARITHMETIC: dict[tuple[str, str, str], Binary] = {
    ("+", N, N): CTX.add,
    ("-", N, N): CTX.subtract,
    ("*", N, N): CTX.multiply,
    ("/", N, N): _divide,
    ("**", N, N): _power,
    ("+", S, S): lambda a, b: a + b,
    ("+", D, DTD): _date_add,
    ("+", DTD, D): lambda a, b: _date_add(b, a),
    ("+", D, YMD): lambda a, b: add_months(a, b.months),
    ("+", YMD, D): lambda a, b: add_months(b, a.months),
    ("+", DT, DTD): _moment_add,
    ("+", DTD, DT): lambda a, b: _moment_add(b, a),
    ("+", DT, YMD): lambda a, b: _datetime_add_months(a, b.months),
    ("+", YMD, DT): lambda a, b: _datetime_add_months(b, a.months),
    ("+", T, DTD): _time_add,
    ("+", DTD, T): lambda a, b: _time_add(b, a),
    ("+", DTD, DTD): lambda a, b: a + b,
    ("+", YMD, YMD): lambda a, b: YearsMonths(a.months + b.months),
    ("-", D, D): lambda a, b: timedelta(days=(a - b).days),
    ("-", DT, DT): _datetime_diff,
    ("-", D, DT): lambda a, b: _datetime_diff(_midnight_utc(a), b),
    ("-", DT, D): lambda a, b: _datetime_diff(a, _midnight_utc(b)),
    ("-", T, T): _time_diff,
    ("-", D, DTD): lambda a, b: _date_add(a, -b),
    ("-", D, YMD): lambda a, b: add_months(a, -b.months),
    ("-", DT, DTD): lambda a, b: _moment_add(a, -b),
    ("-", DT, YMD): lambda a, b: _datetime_add_months(a, -b.months),
    ("-", T, DTD): lambda a, b: _time_add(a, -b),
    ("-", DTD, DTD): lambda a, b: a - b,
    ("-", YMD, YMD): lambda a, b: YearsMonths(a.months - b.months),
    ("*", DTD, N): _scale_delta,
    ("*", N, DTD): lambda a, b: _scale_delta(b, a),
    ("*", YMD, N): _scale_months,
    ("*", N, YMD): lambda a, b: _scale_months(b, a),
    ("/", DTD, N): _divide_delta,
    ("/", DTD, DTD): lambda a, b: _divide(
        Decimal(a // ONE_MICROSECOND), Decimal(b // ONE_MICROSECOND)
    ),
    ("/", YMD, N): lambda a, b: _scale_months(a, _divide(Decimal(1), b)),
    ("/", YMD, YMD): lambda a, b: _divide(Decimal(a.months), Decimal(b.months)),
}

OP_WORDS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "raise"}
OP_WORDS_ZH = {"+": "相加", "-": "相减", "*": "相乘", "/": "相除", "**": "做乘方运算"}
"""What each operator does, in Chinese: `日期和文本不能用 `+` 相加`."""


def arithmetic(op: str, a: Value, b: Value) -> Value:
    """`a op b` for normalised, non-null operands; raises `OperatorError`."""
    ka, kb = v.kind_of(a), v.kind_of(b)
    function = ARITHMETIC.get((op, ka, kb))
    if function is None:
        raise OperatorError(
            "E_TYPE_MISMATCH", f"cannot {OP_WORDS[op]} {ka} and {kb} with `{op}`",
            zh_cn=f"{zh_kind(ka)}和{zh_kind(kb)}不能用 `{op}` {OP_WORDS_ZH[op]}",
        )  # fmt: skip
    try:
        return function(a, b)
    except DecimalException:
        raise OperatorError("E_NUMBER_RANGE", f"the result of `{op}` is out of range",
                            zh_cn=f"`{op}` 的结果超出范围") from None  # fmt: skip
    except (OverflowError, ValueError, FunctionError):
        message = f"the result of `{op}` is outside the years 1 to 9999 that dates can have"
        zh_cn = f"`{op}` 的结果超出了日期可用的年份范围（1 至 9999 年）"
        raise OperatorError("E_DATE_RANGE", message, zh_cn=zh_cn) from None


NEGATION: dict[str, Callable[[Value], Value]] = {
    N: CTX.minus,
    DTD: lambda a: -a,
    YMD: lambda a: YearsMonths(-a.months),
}


def negate(a: Value) -> Value:
    function = NEGATION.get(v.kind_of(a))
    if function is None:
        kind = v.kind_of(a)
        raise OperatorError("E_TYPE_MISMATCH", f"cannot negate a {kind}",
                            zh_cn=f"不能对{zh_kind(kind)}取负")  # fmt: skip
    try:
        return function(a)
    except OverflowError:
        raise OperatorError("E_DATE_RANGE", "the result of `-` is out of range",
                            zh_cn="`-` 的结果超出范围") from None  # fmt: skip


_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def compare(op: str, a: Value, b: Value) -> bool | None:
    """FEEL comparison; raises `OperatorError` when both sides are non-null but incomparable."""
    if op in ("=", "!="):
        result = v.equal(a, b)
        if result is None:
            ka, kb = v.kind_of(a), v.kind_of(b)
            raise OperatorError(
                "E_TYPE_MISMATCH", f"cannot compare {ka} with {kb}",
                zh_cn=f"不能比较{zh_kind(ka)}和{zh_kind(kb)}",
            )  # fmt: skip
        return result if op == "=" else not result
    if a is None or b is None:
        return None
    compared = v.order(a, b)
    if compared is None:
        ka, kb = v.kind_of(a), v.kind_of(b)
        detail = f"{ka} with {kb}" if ka != kb else f"two {ka} values with `{op}`"
        zh_cn = f"不能比较{zh_kind(ka)}和{zh_kind(kb)}"
        if ka == kb:
            zh_cn = f"不能用 `{op}` 比较两个{zh_kind(ka)}"
        if ka == kb and ka in (v.DATETIME, v.TIME):
            detail = f"{_zone_words(a, b)} with `{op}`"
            values_zh, note_zh = _zone_words_zh(a, b)
            zh_cn = f"不能用 `{op}` 比较{values_zh}{note_zh}"
        raise OperatorError("E_TYPE_MISMATCH", f"cannot compare {detail}", zh_cn=zh_cn)
    return _ORDER_TESTS[op](compared)
