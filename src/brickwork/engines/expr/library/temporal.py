"""Date, time and duration functions: FEEL constructors and accessors, `now`/`today`, and the
Excel DATEDIF, EDATE, EOMONTH, YEAR, MONTH and DAY, and the month helpers `first day of month`,
`last day of month` and `days in month`.

`now()` and `today()` read the injected `EvaluationContext` (never the system clock); without a
clock they yield null plus a diagnostic. Evaluators are pure.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from brickwork.engines.expr.datatypes import (
    ANY,
    DATE,
    DATETIME,
    NUMBER,
    STRING,
    TIME,
    YM_DURATION,
)
from brickwork.engines.expr.environment import EvaluationContext
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.library.text import whole
from brickwork.engines.expr.values import (
    YearOutOfRange,
    YearsMonths,
    checked_date,
    clock_zh,
    parse_date,
    parse_datetime,
    parse_duration,
    parse_time,
    year_out_of_range,
    zh_reason,
)

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = tuple(calendar.month_name)[1:]
_DAY = timedelta(days=1)


def _parsed(parse: Callable[[str], object], text: str) -> object:
    try:
        return parse(text)
    except YearOutOfRange as exc:
        raise FunctionError(str(exc), "E_DATE_RANGE", zh_cn=exc.zh_cn) from None
    except (ValueError, OverflowError, ArithmeticError) as exc:
        raise FunctionError(str(exc), "E_ARG_VALUE", zh_cn=zh_reason(exc)) from None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def date_from(value: str | date | datetime) -> object:
    if isinstance(value, str):
        if "T" in value:
            return _day(_parsed(parse_datetime, value))  # type: ignore[arg-type]
        return _parsed(parse_date, value)
    return _day(value)


def date_of(year: Decimal, month: Decimal, day: Decimal) -> date:
    try:
        return checked_date(
            whole(year, "year", "年份"), whole(month, "month", "月份"), whole(day, "day", "日")
        )
    except YearOutOfRange as exc:
        raise FunctionError(str(exc), "E_DATE_RANGE", zh_cn=exc.zh_cn) from None
    except ValueError as exc:
        raise FunctionError(str(exc), "E_ARG_VALUE", zh_cn=zh_reason(exc)) from None


def time_from(value: str | date | time | datetime) -> object:
    if isinstance(value, str):
        return _parsed(parse_time, value)
    if isinstance(value, datetime):
        return value.timetz()
    if isinstance(value, date):
        return time(0, tzinfo=UTC)  # the spec: a date is its midnight in UTC
    return value


def time_of(
    hour: Decimal, minute: Decimal, second: Decimal, offset: timedelta | None = None
) -> time:
    seconds = int(second)
    micros = int((second - seconds) * 1_000_000)
    try:
        zone = timezone(offset) if offset is not None else None
        return time(
            whole(hour, "hour", "小时"),
            whole(minute, "minute", "分钟"),
            seconds,
            micros,
            tzinfo=zone,
        )
    except ValueError as exc:
        if offset is not None and not -_DAY < offset < _DAY:
            zh_cn = "时区偏移须在 -24 小时与 24 小时之间（不含两端）"
        else:
            zh_cn = clock_zh(int(hour), int(minute), second)
        raise FunctionError(str(exc), "E_ARG_VALUE", zh_cn=zh_cn) from None


def datetime_from(value: str | date | datetime) -> object:
    if isinstance(value, str):
        if "T" not in value:
            return datetime.combine(_parsed(parse_date, value), time())  # type: ignore[arg-type]
        return _parsed(parse_datetime, value)
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time())


def datetime_of(day: date | datetime, moment: time) -> datetime:
    return datetime.combine(_day(day), moment)


def duration(text: str) -> object:
    return _parsed(parse_duration, text)


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (negative when `end` is earlier)."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def years_and_months(start: date | datetime, end: date | datetime) -> YearsMonths:
    return YearsMonths(months_between(_day(start), _day(end)))


def add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        refused = year_out_of_range(year)
        raise FunctionError(str(refused), "E_DATE_RANGE", zh_cn=refused.zh_cn)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def edate(start: date | datetime, months: Decimal) -> date:
    return add_months(_day(start), whole(months, "the number of months", "月数"))


def first_of_month(value: date | datetime) -> date:
    return _day(value).replace(day=1)


def last_of_month(value: date | datetime) -> date:
    day = _day(value)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def days_in_month(value: date | datetime) -> Decimal:
    day = _day(value)
    return Decimal(calendar.monthrange(day.year, day.month)[1])


def eomonth(start: date | datetime, months: Decimal) -> date:
    return last_of_month(
        add_months(first_of_month(start), whole(months, "the number of months", "月数"))
    )


def _anniversary_days(start: date, end: date) -> int:
    shifted = add_months(start, (end.year - start.year) * 12)
    if shifted > end:
        shifted = add_months(start, (end.year - start.year - 1) * 12)
    return (end - shifted).days


def datedif(start: date | datetime, end: date | datetime, unit: str) -> Decimal:
    first, last = _day(start), _day(end)
    if last < first:
        raise FunctionError(
            "DATEDIF needs the start date on or before the end date",
            "E_ARG_VALUE",
            zh_cn="DATEDIF 要求开始日期不晚于结束日期",
        )
    months = months_between(first, last)
    code = unit.upper()
    if code == "Y":
        return Decimal(months // 12)
    if code == "M":
        return Decimal(months)
    if code == "D":
        return Decimal((last - first).days)
    if code == "YM":
        return Decimal(months % 12)
    if code == "MD":
        return Decimal((last - add_months(first, months)).days)
    if code == "YD":
        return Decimal(_anniversary_days(first, last))
    raise FunctionError(
        f"unknown DATEDIF unit `{unit}` (use Y, M, D, YM, MD or YD)",
        "E_ARG_VALUE",
        zh_cn=f"DATEDIF 的单位 `{unit}` 未知（请使用 Y、M、D、YM、MD 或 YD）",
    )


def now(context: EvaluationContext) -> datetime:
    if context.now is None:
        raise FunctionError(
            "no clock was provided to this evaluation", "E_NO_CLOCK", zh_cn="本次求值未提供时钟"
        )
    return context.now


def today(context: EvaluationContext) -> date:
    return now(context).date()


_TEMPORAL = "date: date|datetime"

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "date", "date and time",
        (sig("from: string|date|datetime", date_from, DATE),
         sig("year: number, month: number, day: number", date_of, DATE)),
        "A date from text `YYYY-MM-DD`, from a date and time, or from year, month and day.",
        "由文本 `YYYY-MM-DD`、日期时间或年月日构造日期。",
        (ex('date("2025-03-03")', '@"2025-03-03"'), ex("date(2025, 2, 30)", "null"),
         ex('date(@"2025-03-03T10:00:00")', '@"2025-03-03"')), sql="date",
    ),
    FunctionSpec(
        "time", "date and time",
        (sig("from: string|time|date|datetime", time_from, TIME),
         sig("hour: number, minute: number, second: number, offset?: dtduration", time_of, TIME)),
        "A time of day from text `hh:mm:ss`, from a date and time (a date gives 00:00:00Z), or "
        "from its parts with an optional offset.",
        "由文本 `hh:mm:ss`、日期时间（日期取 00:00:00Z）或时分秒（可带偏移）构造时间。",
        (ex('time("10:30:00")', '@"10:30:00"'), ex("time(23, 59, 0)", '@"23:59:00"'),
         ex('time(date and time("2012-12-25T11:00:00Z"))', '@"11:00:00Z"'),
         ex('time(date("2017-08-10"))', '@"00:00:00Z"'),
         ex('time(11, 59, 45, duration("PT2H45M55S"))', '@"11:59:45+02:45:55"'),
         ex("time(11, 59, 45, null)", '@"11:59:45"'),
         ex('time(23, 59, 0, duration("PT0H"))', '@"23:59:00Z"')),
    ),
    FunctionSpec(
        "date and time", "date and time",
        (sig("from: string|date|datetime", datetime_from, DATETIME),
         sig("date: date|datetime, time: time", datetime_of, DATETIME)),
        "A date and time from text `YYYY-MM-DDThh:mm:ss[+08:00]`, or from a date and a time.",
        "由文本 `YYYY-MM-DDThh:mm:ss[+08:00]` 或日期加时间构造日期时间。",
        (ex('date and time("2025-03-03T09:30:00+08:00")', '@"2025-03-03T09:30:00+08:00"'),
         ex('date and time(@"2025-03-03", @"12:00:00")', '@"2025-03-03T12:00:00"')),
    ),
    FunctionSpec(
        "duration", "date and time", (sig("from: string", duration, ANY),),
        "A duration from ISO 8601 text: `P3D`, `PT2H30M` (days and time) or `P1Y2M`.",
        "由 ISO 8601 文本构造时长：`P3D`、`PT2H30M`（日时）或 `P1Y2M`（年月）。",
        (ex('duration("P3D")', '@"P3D"'), ex('duration("P1Y6M")', '@"P1Y6M"'),
         ex('duration("3 days")', "null")),
    ),
    FunctionSpec(
        "years and months duration", "date and time",
        (sig("from: date|datetime, to: date|datetime", years_and_months, YM_DURATION),),
        "Whole years and months from `from` to `to`.", "两个日期之间相差的整年整月。",
        (ex('years and months duration(@"2020-01-31", @"2025-03-01")', '@"P5Y1M"'),
         ex('years and months duration(@"2025-03-01", @"2025-01-01")', '@"-P2M"')),
    ),
    FunctionSpec(
        "day of week", "date and time",
        (sig(_TEMPORAL, lambda d: _DAYS[d.weekday()], STRING),),
        "English day name (`Monday` ... `Sunday`).", "星期几的英文名（Monday 至 Sunday）。",
        (ex('day of week(@"2025-03-03")', '"Monday"'), ex("day of week(null)", "null")),
    ),
    FunctionSpec(
        "day of year", "date and time",
        (sig(_TEMPORAL, lambda d: Decimal(d.timetuple().tm_yday), NUMBER),),
        "Day number within the year (1-366).", "一年中的第几天（1-366）。",
        (ex('day of year(@"2025-02-01")', "32"), ex("day of year(1)", "null")),
    ),
    FunctionSpec(
        "month of year", "date and time",
        (sig(_TEMPORAL, lambda d: _MONTHS[d.month - 1], STRING),),
        "English month name (`January` ... `December`).", "月份英文名（January 至 December）。",
        (ex('month of year(@"2025-03-03")', '"March"'), ex("month of year(null)", "null")),
    ),
    FunctionSpec(
        "week of year", "date and time",
        (sig(_TEMPORAL, lambda d: Decimal(d.isocalendar()[1]), NUMBER),),
        "ISO 8601 week number.", "ISO 8601 周数。",
        (ex('week of year(@"2025-01-01")', "1"), ex('week of year(@"2024-12-30")', "1")),
    ),
    FunctionSpec(
        "now", "date and time", (sig("", now, DATETIME),),
        "The current date and time (from the evaluation's clock).",
        "当前日期时间（取自注入的时钟）。",
        (ex("now()", '@"2025-03-03T09:30:00+08:00"'),),
        aliases=("NOW",), uses_clock=True, sql="now",
    ),
    FunctionSpec(
        "today", "date and time", (sig("", today, DATE),),
        "Today's date (from the evaluation's clock).", "今天的日期（取自注入的时钟）。",
        (ex("today()", '@"2025-03-03"'), ex("TODAY() - @\"2025-03-01\"", '@"P2D"')),
        aliases=("TODAY",), uses_clock=True, sql="today",
    ),
    FunctionSpec(
        "DATEDIF", "date and time",
        (sig("start: date|datetime, end: date|datetime, unit: string", datedif, NUMBER),),
        "Excel DATEDIF: whole `Y`ears, `M`onths or `D`ays between two dates (also YM, MD, YD).",
        "Excel DATEDIF：两个日期之间的整年（Y）、整月（M）、天数（D），以及 YM、MD、YD。",
        (ex('DATEDIF(@"1990-05-20", @"2025-03-03", "Y")', "34"),
         ex('DATEDIF(@"2025-01-31", @"2025-03-03", "M")', "1"),
         ex('DATEDIF(@"2025-03-03", @"2025-01-01", "D")', "null")),
    ),
    FunctionSpec(
        "EDATE", "date and time", (sig("start: date|datetime, months: number", edate, DATE),),
        "Excel EDATE: the date `months` months later (day clamped to the month's end).",
        "Excel EDATE：若干个月之后的日期（日超出月末时取月末）。",
        (ex('EDATE(@"2025-01-31", 1)', '@"2025-02-28"'), ex('EDATE(@"2025-03-03", -12)',
                                                              '@"2024-03-03"')),
    ),
    FunctionSpec(
        "EOMONTH", "date and time", (sig("start: date|datetime, months: number", eomonth, DATE),),
        "Excel EOMONTH: the last day of the month `months` months after `start`.",
        "Excel EOMONTH：若干个月之后那个月的最后一天。",
        (ex('EOMONTH(@"2024-01-15", 1)', '@"2024-02-29"'),
         ex('EOMONTH(@"2025-03-31", -1)', '@"2025-02-28"'),
         ex('EOMONTH(@"2025-12-05", 0)', '@"2025-12-31"')),
    ),
    FunctionSpec(
        "first day of month", "date and time", (sig(_TEMPORAL, first_of_month, DATE),),
        "The first day of the month of a date.", "日期所在月份的第一天。",
        (ex('first day of month(@"2025-03-17")', '@"2025-03-01"'),
         ex('first day of month(@"2025-03-01T23:30:00")', '@"2025-03-01"'),
         ex("first day of month(null)", "null")),
    ),
    FunctionSpec(
        "last day of month", "date and time", (sig(_TEMPORAL, last_of_month, DATE),),
        "The last day of the month of a date (28, 29, 30 or 31).",
        "日期所在月份的最后一天（28、29、30 或 31 日）。",
        (ex('last day of month(@"2024-02-10")', '@"2024-02-29"'),
         ex('last day of month(@"2025-02-10")', '@"2025-02-28"'),
         ex('last day of month(@"2025-12-31")', '@"2025-12-31"')),
    ),
    FunctionSpec(
        "days in month", "date and time", (sig(_TEMPORAL, days_in_month, NUMBER),),
        "How many days the month of a date has: the divisor of a monthly daily average.",
        "日期所在月份的天数（月日均的分母）。",
        (ex('days in month(@"2024-02-10")', "29"), ex('days in month(@"2025-04-30")', "30"),
         ex("days in month(null)", "null")),
    ),
    FunctionSpec(
        "YEAR", "date and time", (sig(_TEMPORAL, lambda d: Decimal(d.year), NUMBER),),
        "Excel YEAR: the year of a date.", "Excel YEAR：年份。",
        (ex('YEAR(@"2025-03-03")', "2025"), ex("YEAR(null)", "null")), sql="year",
    ),
    FunctionSpec(
        "MONTH", "date and time", (sig(_TEMPORAL, lambda d: Decimal(d.month), NUMBER),),
        "Excel MONTH: the month (1-12) of a date.", "Excel MONTH：月份（1-12）。",
        (ex('MONTH(@"2025-03-03")', "3"), ex('MONTH("2025-03-03")', "null")), sql="month",
    ),
    FunctionSpec(
        "DAY", "date and time", (sig(_TEMPORAL, lambda d: Decimal(d.day), NUMBER),),
        "Excel DAY: the day of the month of a date.", "Excel DAY：日（1-31）。",
        (ex('DAY(@"2025-03-03T23:00:00")', "3"), ex("DAY(null)", "null")), sql="day",
    ),
)  # fmt: skip
