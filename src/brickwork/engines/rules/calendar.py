"""A business calendar as data: working weekdays, holidays and make-up working days.

Pure date arithmetic, shared by rules and flow SLAs. A day is a working day when it is a
make-up working day, or when its weekday is a working weekday and it is not a holiday (a day
may not be both a holiday and a make-up day). The expression functions `add working days`,
`working days between` and `is working day` call these methods on the calendar the platform
puts into `EvaluationContext(calendar=...)`.

- `add_working_days(day, n)`: for n > 0 the n-th working day after `day`; for n < 0 the |n|-th
  working day before `day`; for n = 0 `day` itself when it is a working day, otherwise the next
  working day (roll forward). `day` need not be a working day.
- `working_days_between(start, end)`: the working days in the half-open range [start, end);
  negative (minus the count of [end, start)) when `end` is before `start`. So for a working day
  `d`, `working_days_between(d, add_working_days(d, n)) == n`.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

CalendarKey = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$"),
    Field(description="Machine name: lower-case letter, then letters, digits or _ (max 63)."),
]
Weekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday: 1 = Monday ... 7 = Sunday.")]
MAX_WORKING_DAYS = 100_000
"""Largest |n| `add_working_days` accepts (about 400 years of working days)."""

_ONE_DAY = timedelta(days=1)
_REMEMBERED = 4096
"""Answers of `add_working_days` a calendar keeps (all are dropped when full)."""


class CalendarRefusal(ValueError):
    """A day count the calendar cannot answer; the exception's text is English, `zh_cn` the
    same in Chinese."""

    def __init__(self, message: str, *, zh_cn: str) -> None:
        super().__init__(message)
        self.zh_cn = zh_cn


class BusinessCalendar(BaseModel):
    """One business calendar; the platform keeps several, each under its `key`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: CalendarKey
    label: str | None = Field(default=None, min_length=1, max_length=500)
    working_weekdays: tuple[Weekday, ...] = Field(
        default=(1, 2, 3, 4, 5),
        min_length=1,
        description="ISO weekdays that are normally working days (default Monday to Friday).",
    )
    holidays: tuple[date, ...] = Field(
        default=(), description="Days off even though their weekday is a working weekday."
    )
    make_up_working_days: tuple[date, ...] = Field(
        default=(), description="Working days even though their weekday is not (调休补班)."
    )

    @model_validator(mode="after")
    def _no_day_is_both(self) -> BusinessCalendar:
        both = sorted(set(self.holidays) & set(self.make_up_working_days))
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a holiday and a make-up working day")
        return self

    @cached_property
    def _weekdays(self) -> frozenset[int]:
        return frozenset(self.working_weekdays)

    @cached_property
    def _holidays(self) -> frozenset[date]:
        return frozenset(self.holidays)

    @cached_property
    def _make_up(self) -> frozenset[date]:
        return frozenset(self.make_up_working_days)

    def is_working_day(self, day: date) -> bool:
        if day in self._make_up:
            return True
        return day.isoweekday() in self._weekdays and day not in self._holidays

    @cached_property
    def _added(self) -> dict[tuple[date, int], date]:
        """Answers of `add_working_days` so far (the calendar is immutable): SLAs of tasks
        opened the same day ask the same question."""
        return {}

    def add_working_days(self, day: date, days: int) -> date:
        """See the module documentation; raises `ValueError` past the supported dates."""
        added = self._added
        found = added.get((day, days))
        if found is None:
            found = self._add_working_days(day, days)
            if len(added) >= _REMEMBERED:
                added.clear()
            added[day, days] = found
        return found

    def _add_working_days(self, day: date, days: int) -> date:
        if abs(days) > MAX_WORKING_DAYS:
            raise CalendarRefusal(
                f"at most {MAX_WORKING_DAYS:,} working days can be added",
                zh_cn=f"最多只能加减 {MAX_WORKING_DAYS:,} 个工作日",
            )
        step = -_ONE_DAY if days < 0 else _ONE_DAY
        remaining = abs(days)
        current = day
        try:
            if remaining == 0:
                while not self.is_working_day(current):
                    current += _ONE_DAY
                return current
            while remaining:
                current += step
                if self.is_working_day(current):
                    remaining -= 1
        except OverflowError:
            raise CalendarRefusal(
                "the result is outside the supported dates", zh_cn="结果超出了支持的日期范围"
            ) from None
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in [start, end); negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        span = (end - start).days
        weeks, rest = divmod(span, 7)
        count = weeks * len(self._weekdays)
        for offset in range(rest):
            if (start + timedelta(days=weeks * 7 + offset)).isoweekday() in self._weekdays:
                count += 1
        for holiday in self._holidays:
            if start <= holiday < end and holiday.isoweekday() in self._weekdays:
                count -= 1
        for extra in self._make_up:
            if start <= extra < end and extra.isoweekday() not in self._weekdays:
                count += 1
        return count
