"""The runtime value model of the expression language and its exact semantics.

Values are plain Python objects: `Decimal` (numbers, never float), `str`, `bool`, `None` (null),
`date`, `datetime`, `time`, `timedelta` (days-and-time duration), `YearsMonths`, `list`, `dict`
(contexts) and `RangeValue`. This module defines kinds, FEEL equality and ordering (which give
null for mismatched kinds instead of raising), conversion of caller input, temporal literals and
the canonical text of values. It must not evaluate expressions, read the clock or use floats for
arithmetic.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DECIMAL_CONTEXT = Context(
    prec=34,
    rounding=ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
"""FEEL numbers: IEEE 754-2008 decimal128 (34 significant digits, half-even)."""


@dataclass(frozen=True, slots=True, order=True)
class YearsMonths:
    """A years-and-months duration, held as a signed number of months."""

    months: int

    @property
    def years(self) -> int:
        return int(self.months / 12)

    @property
    def remainder_months(self) -> int:
        return self.months - self.years * 12


@dataclass(frozen=True, slots=True)
class RangeValue:
    low: Any
    high: Any
    low_closed: bool = True
    high_closed: bool = True


class FunctionValue:
    """A function as a runtime value: a `function(...)` definition closed over its scope, or a
    built-in used as a value. `params` are the formal parameter names; `call` applies it to
    positional arguments and `call_named` to named ones. Both return the result (null plus a
    diagnostic reported on the evaluation that created the value when the call goes wrong);
    neither raises for bad arguments. Subclasses live with the compiler."""

    __slots__ = ("params",)

    def __init__(self, params: tuple[str, ...]) -> None:
        self.params = params

    def call(self, args: list[Any]) -> Any:
        raise NotImplementedError

    def call_named(self, args: Mapping[str, Any]) -> Any:
        raise NotImplementedError


Value: TypeAlias = Any
"""Any runtime value (see the module docstring); `Any` because contexts and lists nest."""

NUMBER = "number"
STRING = "string"
BOOLEAN = "boolean"
DATE = "date"
TIME = "time"
DATETIME = "date and time"
DT_DURATION = "days and time duration"
YM_DURATION = "years and months duration"
LIST = "list"
CONTEXT = "context"
RANGE = "range"
FUNCTION = "function"
NULL = "null"

_KIND_BY_TYPE: dict[type, str] = {
    Decimal: NUMBER,
    str: STRING,
    bool: BOOLEAN,
    date: DATE,
    datetime: DATETIME,
    time: TIME,
    timedelta: DT_DURATION,
    YearsMonths: YM_DURATION,
    list: LIST,
    dict: CONTEXT,
    RangeValue: RANGE,
    type(None): NULL,
}
"""Kinds by exact type; `FunctionValue` subclasses are `FUNCTION` (see `kind_of`)."""

NATIVE_TYPES: frozenset[type] = frozenset(_KIND_BY_TYPE)
"""Types `norm` passes through untouched (the fast path of variable access)."""


NOT_FINITE = "NaN and infinity are not numbers in expressions"
NOT_FINITE_ZH = "NaN 和无穷大不是表达式中的数字"


class UnsupportedValue(TypeError):
    """Caller input that has no expression-language value (objects, floats NaN, ...); the
    exception's text is the English message and `zh_cn` the same message in Chinese."""

    def __init__(self, message: str, *, zh_cn: str) -> None:
        super().__init__(message)
        self.zh_cn = zh_cn


def kind_of(value: Value) -> str:
    """The kind name of a runtime value (the names analysts see in messages)."""
    found = _KIND_BY_TYPE.get(type(value))
    if found is not None:
        return found
    if isinstance(value, FunctionValue):
        return FUNCTION
    return kind_of(to_value(value))


def to_value(value: object) -> Value:
    """Convert caller input to a runtime value; raises `UnsupportedValue` for anything else."""
    if type(value) in NATIVE_TYPES or isinstance(value, FunctionValue):
        return value
    converter = _EXACT_CONVERTERS.get(type(value))
    if converter is not None:
        return converter(value)
    for base, convert in _SUBCLASS_CONVERTERS:
        if isinstance(value, base):
            return convert(value)
    name = type(value).__name__
    raise UnsupportedValue(
        f"values of Python type {name} are not supported", zh_cn=f"不支持 Python 类型 {name} 的值"
    )


def norm(value: object) -> Value:
    """`to_value` with the cheap check first; used on every variable and path read."""
    return value if type(value) in NATIVE_TYPES else to_value(value)


def _from_float(value: float) -> Decimal:
    result = Decimal(repr(float(value)))
    if not result.is_finite():
        raise UnsupportedValue(NOT_FINITE, zh_cn=NOT_FINITE_ZH)
    return result


def _from_decimal(value: Decimal) -> Decimal:
    result = Decimal(value)
    if not result.is_finite():
        raise UnsupportedValue(NOT_FINITE, zh_cn=NOT_FINITE_ZH)
    return result


def _from_mapping(value: Mapping[Any, Any]) -> dict[str, Value]:
    return {str(k): v for k, v in value.items()}


def _from_datetime(value: datetime) -> datetime:
    return datetime.combine(date(value.year, value.month, value.day), _from_time(value.timetz()))


def _from_time(value: time) -> time:
    return time(value.hour, value.minute, value.second, value.microsecond, tzinfo=value.tzinfo)


_EXACT_CONVERTERS: dict[type, Callable[[Any], Value]] = {
    int: Decimal,
    float: _from_float,
    tuple: list,
}

_SUBCLASS_CONVERTERS: tuple[tuple[type, Callable[[Any], Value]], ...] = (
    (bool, bool),
    (int, lambda v: Decimal(int(v))),
    (float, _from_float),
    (Decimal, _from_decimal),
    (str, lambda v: "" + v),
    (datetime, _from_datetime),
    (date, lambda v: date(v.year, v.month, v.day)),
    (time, _from_time),
    (timedelta, lambda v: timedelta(v.days, v.seconds, v.microseconds)),
    (Mapping, _from_mapping),
    (list, list),
    (tuple, list),
    (FunctionValue, lambda f: f),
)


def is_number(value: object) -> bool:
    return type(value) is Decimal


def same_tz_awareness(a: time | datetime, b: time | datetime) -> bool:
    return (a.tzinfo is None) == (b.tzinfo is None)


def zone_name(value: time | datetime) -> str | None:
    """The IANA name of the zone of a time or date and time (`@Europe/Paris`), if it has one."""
    zone = value.tzinfo
    return zone.key if isinstance(zone, ZoneInfo) else None


def comparable_moment(value: time | datetime) -> time | datetime:
    """The form of a time or date and time that `=`, `<` and `-` use. A date and time in a named
    zone gets its fixed offset, so it is compared as its instant (Python compares two values of
    one zone by their clocks, which misorders the repeated hour at the end of summer time).
    A time in a named zone has no offset without a date: it is compared by its clock time, and
    only with times of the same zone (see `_comparable_times`)."""
    if type(value) is datetime and isinstance(value.tzinfo, ZoneInfo):
        return value.replace(tzinfo=timezone(value.utcoffset() or timedelta(0)))
    if type(value) is time and isinstance(value.tzinfo, ZoneInfo):
        return value.replace(tzinfo=None)
    return value


def _comparable_times(a: time, b: time) -> bool:
    """Times compare when both are local, both have fixed offsets, or both are in one zone."""
    if not same_tz_awareness(a, b):
        return False
    return zone_name(a) == zone_name(b) or not (
        isinstance(a.tzinfo, ZoneInfo) or isinstance(b.tzinfo, ZoneInfo)
    )


def comparable_temporals(kind: str, a: time | datetime, b: time | datetime) -> bool:
    if kind == TIME:
        return _comparable_times(a, b)  # type: ignore[arg-type]
    return same_tz_awareness(a, b)


def equal(a: Value, b: Value) -> bool | None:
    """FEEL `=`: null equals only null; different kinds give null (not an error). A local and a
    zoned time or date and time are not equal; zoned ones are equal when they are the same
    instant (a time in a named zone: the same clock time in the same zone)."""
    if a is None or b is None:
        return a is None and b is None
    ka, kb = kind_of(a), kind_of(b)
    if ka != kb:
        return None
    if ka == LIST:
        return _equal_lists(a, b)
    if ka == CONTEXT:
        return _equal_contexts(a, b)
    if ka == RANGE:
        return _equal_ranges(a, b)
    if ka == FUNCTION:
        return a is b
    if ka in (DATETIME, TIME):
        if not comparable_temporals(ka, a, b):
            return False  # a zoned and a local value are never the same (TCK 0068)
        return bool(comparable_moment(a) == comparable_moment(b))
    return bool(a == b)


def _equal_lists(a: list[Value], b: list[Value]) -> bool | None:
    if len(a) != len(b):
        return False
    unknown = False
    for x, y in zip(a, b, strict=True):
        result = equal(norm(x), norm(y))
        if result is False:
            return False
        unknown = unknown or result is None
    return None if unknown else True


def _equal_contexts(a: Mapping[str, Value], b: Mapping[str, Value]) -> bool | None:
    if set(a) != set(b):
        return False
    return _equal_lists([a[k] for k in sorted(a)], [b[k] for k in sorted(a)])


def _equal_ranges(a: RangeValue, b: RangeValue) -> bool | None:
    if (a.low_closed, a.high_closed) != (b.low_closed, b.high_closed):
        return False
    if (a.low is None, a.high is None) != (b.low is None, b.high is None):
        return False
    return _equal_lists([a.low, a.high], [b.low, b.high])


ORDERED_KINDS = frozenset({NUMBER, STRING, DATE, TIME, DATETIME, DT_DURATION, YM_DURATION})


def order(a: Value, b: Value) -> int | None:
    """-1, 0 or 1 when `a` and `b` are comparable by `<`; None for nulls and mismatched kinds."""
    if a is None or b is None:
        return None
    ka, kb = kind_of(a), kind_of(b)
    if ka != kb or ka not in ORDERED_KINDS:
        return None
    if ka in (DATETIME, TIME):
        if not comparable_temporals(ka, a, b):
            return None
        a, b = comparable_moment(a), comparable_moment(b)
    if a < b:
        return -1
    return 1 if a > b else 0


def in_range(value: Value, rng: RangeValue) -> bool | None:
    """Whether `value` lies in `rng` (null if kinds do not match); a null end is unbounded."""
    low = 1 if rng.low is None and rng.high is not None else order(value, rng.low)
    high = -1 if rng.high is None and rng.low is not None else order(value, rng.high)
    if low is None or high is None:
        return None
    low_ok = low > 0 or (low == 0 and rng.low_closed)
    high_ok = high < 0 or (high == 0 and rng.high_closed)
    return low_ok and high_ok


# ---------------------------------------------------------------- temporal text

MIN_YEAR, MAX_YEAR = 1, 9999
"""The years dates can have (Python's calendar); FEEL allows more, and we refuse them clearly."""

_DATE_RE = re.compile(r"^(-?)(\d{4,})-(\d{2})-(\d{2})$")
_ZONE = r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*"
_TIME_RE = re.compile(
    rf"^(\d{{2}}):(\d{{2}})(?::(\d{{2}})(\.\d{{1,9}})?)?(Z|[+-]\d{{2}}:\d{{2}}|@{_ZONE})?$",
)
_DURATION_RE = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?|\.\d+)S)?)?$",
)


class TemporalTextError(ValueError):
    """Text that is no date, time, date and time or duration, or parts that make none; the
    exception's text is the English message and `zh_cn` the same message in Chinese."""

    def __init__(self, message: str, *, zh_cn: str) -> None:
        super().__init__(message)
        self.zh_cn = zh_cn


class DurationOverflow(OverflowError):
    """A duration longer than a `timedelta` can hold; `zh_cn` is the message in Chinese."""

    def __init__(self, message: str, *, zh_cn: str) -> None:
        super().__init__(message)
        self.zh_cn = zh_cn


class YearOutOfRange(TemporalTextError):
    """A date whose year lies outside `MIN_YEAR`..`MAX_YEAR`."""


def year_out_of_range(year: int) -> YearOutOfRange:
    return YearOutOfRange(
        f"year {year} is outside the years {MIN_YEAR} to {MAX_YEAR} that dates can have",
        zh_cn=f"年份 {year} 超出了日期可用的年份范围（{MIN_YEAR} 至 {MAX_YEAR}）",
    )


def zh_reason(exc: BaseException) -> str:
    """The Chinese of a refusal raised by the readers of this module (`zh_cn`); for any other
    error a Chinese lead-in before its English text."""
    zh_cn = getattr(exc, "zh_cn", None)
    return zh_cn if isinstance(zh_cn, str) else f"值无效：{exc}"


def checked_date(year: int, month: int, day: int) -> date:
    """`date(year, month, day)`, refusing years outside 1..9999 with `YearOutOfRange` and a
    month or day that does not exist with `TemporalTextError` (Python's English text)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise year_out_of_range(year)
    try:
        return date(year, month, day)
    except ValueError as exc:
        if not 1 <= month <= 12:
            zh_cn = f"月份须在 1 至 12 之间，不能是 {month}"
        else:
            last = calendar.monthrange(year, month)[1]
            zh_cn = f"{year} 年 {month} 月没有 {day} 日（该月共 {last} 天）"
        raise TemporalTextError(str(exc), zh_cn=zh_cn) from None


def clock_zh(hour: int, minute: int, second: object) -> str:
    """In Chinese, which part of a time of day is out of range (the hour, else the minute,
    else the second)."""
    if not 0 <= hour <= 23:
        return f"小时须在 0 至 23 之间，不能是 {hour}"
    if not 0 <= minute <= 59:
        return f"分钟须在 0 至 59 之间，不能是 {minute}"
    return f"秒须在 0 至 59 之间，不能是 {second}"


def parse_date(text: str) -> date:
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        # The common `YYYY-MM-DD` (ASCII digits): the C parser reads exactly this shape the
        # same way; anything it refuses takes the general path and its message.
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _DATE_RE.match(text)
    if match is None:
        raise TemporalTextError(
            f"`{text}` is not a date (expected YYYY-MM-DD)",
            zh_cn=f"`{text}` 不是日期（应为 YYYY-MM-DD）",
        )
    sign, digits = match[1], match[2]
    if len(digits) > 4 and digits.startswith("0"):
        message = f"`{text}` is not a date: a year of more than four digits has no leading 0"
        raise TemporalTextError(message, zh_cn=f"`{text}` 不是日期：超过 4 位的年份不能以 0 开头")
    year = int(sign + digits)
    return checked_date(year, int(match[3]), int(match[4]))


def _offset(text: str | None) -> tzinfo | None:
    if text is None:
        return None
    if text == "Z":
        return UTC
    if text.startswith("@"):
        return _zone(text[1:])
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 14 or minutes > 59:
        raise TemporalTextError(
            f"`{text}` is not a time zone offset", zh_cn=f"`{text}` 不是时区偏移"
        )
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TemporalTextError(
            f"`{name}` is not a time zone name (e.g. Europe/Paris)",
            zh_cn=f"`{name}` 不是时区名称（例如 Europe/Paris）",
        ) from None


def _parse_clock(text: str) -> tuple[time, bool]:
    """A time of day, and whether it was written `24:00:00` (the end of the day)."""
    match = _TIME_RE.match(text)
    if match is None:
        raise TemporalTextError(
            f"`{text}` is not a time (expected hh:mm:ss)",
            zh_cn=f"`{text}` 不是时间（应为 hh:mm:ss）",
        )
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    micro = int((match[4] or ".0")[1:].ljust(6, "0")[:6])
    end_of_day = hour == 24 and minute == 0 and second == 0 and micro == 0
    if end_of_day:
        hour = 0
    zone = _offset(match[5])
    try:
        return time(hour, minute, second, micro, tzinfo=zone), end_of_day
    except ValueError as exc:
        raise TemporalTextError(str(exc), zh_cn=clock_zh(hour, minute, second)) from None


def parse_time(text: str) -> time:
    return _parse_clock(text)[0]


def parse_datetime(text: str) -> datetime:
    day_text, sep, time_text = text.partition("T")
    if not sep:
        raise TemporalTextError(
            f"`{text}` is not a date and time (expected YYYY-MM-DDThh:mm:ss)",
            zh_cn=f"`{text}` 不是日期时间（应为 YYYY-MM-DDThh:mm:ss）",
        )
    day = parse_date(day_text)
    moment, end_of_day = _parse_clock(time_text)
    result = datetime.combine(day, moment)
    if not end_of_day:
        return result
    try:  # `24:00:00` is the start of the next day (ISO 8601, XML Schema)
        return result + timedelta(days=1)
    except OverflowError:
        raise year_out_of_range(day.year + 1) from None


def parse_duration(text: str) -> timedelta | YearsMonths:
    match = _DURATION_RE.match(text)
    if match is None or text.endswith(("P", "T")):
        raise TemporalTextError(
            f"`{text}` is not an ISO 8601 duration (e.g. P3D, PT2H, P1Y2M)",
            zh_cn=f"`{text}` 不是 ISO 8601 时长（例如 P3D、PT2H、P1Y2M）",
        )
    sign = -1 if match[1] else 1
    years, months, days, hours, minutes = (int(g or 0) for g in match.groups()[1:6])
    seconds = Decimal(match[7] or 0)
    has_ym = match[2] is not None or match[3] is not None
    has_dt = any(match[i] is not None for i in (4, 5, 6, 7))
    if has_ym and has_dt:
        raise TemporalTextError(
            f"`{text}` mixes years/months with days/time; use two durations",
            zh_cn=f"`{text}` 混用了年月与日时；请改用两个时长",
        )
    if has_ym:
        return YearsMonths(sign * (years * 12 + months))
    micros = int((seconds * 1_000_000).to_integral_value())
    try:
        delta = timedelta(days=days, hours=hours, minutes=minutes, microseconds=micros)
    except OverflowError as exc:
        zh_cn = f"`{text}` 超出了时长可表示的范围（最多 999999999 天）"
        raise DurationOverflow(str(exc), zh_cn=zh_cn) from None
    return -delta if sign < 0 else delta


def parse_temporal(text: str) -> date | datetime | time | timedelta | YearsMonths:
    """Parse the body of an `@"..."` literal."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text:
        return parse_datetime(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


# ---------------------------------------------------------------- canonical text


def format_number(value: Decimal) -> str:
    """Plain notation, no exponent: `1E+3` -> `1000`, `1.50` stays `1.50`."""
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def _format_offset(value: time | datetime) -> str:
    name = zone_name(value)
    if name is not None:
        return "@" + name
    offset = value.utcoffset()
    if offset is None:
        return ""
    if offset == timedelta(0):
        return "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes, seconds = divmod(abs(int(offset.total_seconds())), 60)
    text = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text  # offsets may have seconds (time(...))


def format_time(value: time) -> str:
    text = value.replace(tzinfo=None).isoformat()
    return text + _format_offset(value)


def format_datetime(value: datetime) -> str:
    return f"{value.date().isoformat()}T{format_time(value.timetz())}"


def format_days_time(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    days = value.days
    seconds = value.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = f"P{days}D" if days else "P"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if secs or value.microseconds:
        frac = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
        clock += f"{secs}{frac}S"
    if clock:
        parts += "T" + clock
    if parts == "P":
        return "PT0S"
    return sign + parts


def format_years_months(value: YearsMonths) -> str:
    sign = "-" if value.months < 0 else ""
    years, months = divmod(abs(value.months), 12)
    text = "P"
    if years:
        text += f"{years}Y"
    if months or not years:
        text += f"{months}M"
    return sign + text


def format_temporal(value: date | datetime | time | timedelta | YearsMonths) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, timedelta):
        return format_days_time(value)
    return format_years_months(value)


def to_text(value: Value) -> str | None:
    """FEEL `string(x)`: the canonical text of a value (null stays null)."""
    if value is None:
        return None
    kind = kind_of(value)
    if kind == STRING:
        return str(value)
    if kind == NUMBER:
        return format_number(value)
    if kind == BOOLEAN:
        return "true" if value else "false"
    if kind in (DATE, TIME, DATETIME, DT_DURATION, YM_DURATION):
        return format_temporal(value)
    return literal_text(value)


def literal_text(value: Value) -> str:
    """A source-like rendering of any value (lists, contexts, ranges included)."""
    value = norm(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{quote(k)}: {literal_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, FunctionValue):
        return f"function({', '.join(value.params)})"
    if isinstance(value, RangeValue) and (value.low is None) != (value.high is None):
        if value.low is None:
            return f"(<{'=' if value.high_closed else ''} {literal_text(value.high)})"
        return f"(>{'=' if value.low_closed else ''} {literal_text(value.low)})"
    if isinstance(value, RangeValue):
        opening = "[" if value.low_closed else "("
        closing = "]" if value.high_closed else ")"
        return f"{opening}{literal_text(value.low)}..{literal_text(value.high)}{closing}"
    if isinstance(value, Decimal):
        return format_number(value)
    return f'@"{format_temporal(value)}"'


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(text: str) -> str:
    """A double-quoted string literal for `text`."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
