"""Working-day functions over the business calendar of the evaluation.

The calendar is data the platform passes as `EvaluationContext(calendar=...)` (any object with
the `environment.WorkingCalendar` methods); these functions never choose or load one. Without
a calendar a call yields null plus `E_NO_CALENDAR`. They are marked `uses_clock` only because
that is how an evaluator receives the context; none of them reads the time.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from brickwork.engines.expr.datatypes import BOOLEAN, DATE, NUMBER
from brickwork.engines.expr.environment import EvaluationContext, WorkingCalendar
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.library.text import whole
from brickwork.engines.expr.values import zh_reason


def _calendar(context: EvaluationContext) -> WorkingCalendar:
    if context.calendar is None:
        raise FunctionError(
            "no business calendar was provided to this evaluation",
            "E_NO_CALENDAR",
            zh_cn="本次求值未提供业务日历",
        )
    return context.calendar


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def add_working_days(context: EvaluationContext, start: date | datetime, days: Decimal) -> date:
    calendar = _calendar(context)
    try:
        return calendar.add_working_days(_day(start), whole(days, "the number of days", "天数"))
    except ValueError as exc:
        raise FunctionError(str(exc), "E_DATE_RANGE", zh_cn=zh_reason(exc)) from None


def working_days_between(
    context: EvaluationContext, start: date | datetime, end: date | datetime
) -> Decimal:
    return Decimal(_calendar(context).working_days_between(_day(start), _day(end)))


def is_working_day(context: EvaluationContext, day: date | datetime) -> bool:
    return _calendar(context).is_working_day(_day(day))


_NOTE = "Uses the business calendar of the evaluation; without one: null and `E_NO_CALENDAR`."

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "add working days", "date and time",
        (sig("date: date|datetime, days: number", add_working_days, DATE),),
        "The `days`-th working day after `date` (before it when negative); with 0, `date` "
        "itself if it is a working day, else the next working day.",
        "`date` 之后第 `days` 个工作日（负数为之前）；为 0 时若 `date` 是工作日则为其本身，"
        "否则为下一个工作日。",
        (ex('add working days(@"2025-03-07", 1)', '@"2025-03-10"'),
         ex('add working days(@"2025-03-10", -1)', '@"2025-03-07"'),
         ex('add working days(@"2025-03-08", 0)', '@"2025-03-10"')),
        uses_clock=True, notes=(_NOTE,),
    ),
    FunctionSpec(
        "working days between", "date and time",
        (sig("start: date|datetime, end: date|datetime", working_days_between, NUMBER),),
        "Working days from `start` (counted) to `end` (not counted); negative when `end` is "
        "earlier.",
        "从 `start`（含）到 `end`（不含）的工作日数；`end` 较早时为负数。",
        (ex('working days between(@"2025-03-03", @"2025-03-10")', "5"),
         ex('working days between(@"2025-03-10", @"2025-03-03")', "-5")),
        uses_clock=True, notes=(_NOTE,),
    ),
    FunctionSpec(
        "is working day", "date and time",
        (sig("date: date|datetime", is_working_day, BOOLEAN),),
        "Whether `date` is a working day of the business calendar.",
        "`date` 是否为业务日历中的工作日。",
        (ex('is working day(@"2025-03-08")', "false"),
         ex('is working day(@"2025-03-10")', "true")),
        uses_clock=True, notes=(_NOTE,),
    ),
)  # fmt: skip
