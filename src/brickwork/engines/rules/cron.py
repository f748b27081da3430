"""Cron expressions (five fields) and their next firing time in an IANA time zone.

`minute hour day-of-month month day-of-week`, each `*`, a number, a range `a-b`, a list `a,b`
and a step `*/n` or `a-b/n`; months `jan`-`dec` and days `sun`-`sat` by name; day of week 0 or
7 is Sunday. As in Vixie cron, when both day fields are restricted a day matches either. Times
are wall-clock times of the zone: a time that a spring-forward gap skips does not fire that
day, and a time repeated by a fall-back fires once (at its first occurrence). Pure: "now" is an
argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {name: n for n, name in enumerate(MONTH_NAMES, 1)}
DAYS = {name: n for n, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, DAYS),
)
SEARCH_DAYS = 366 * 5
"""How far ahead a schedule is searched (`0 0 29 2 *` fires at most every four years)."""


class CronError(ValueError):
    """A cron expression that cannot be read; `message` says which field and why."""


@dataclass(frozen=True, slots=True)
class Cron:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 is Sunday."""
    any_day: bool
    any_weekday: bool
    zone: ZoneInfo

    def next_after(self, after: datetime) -> datetime:
        """The first firing time strictly after `after` (aware), in UTC."""
        local = after.astimezone(self.zone)
        day = local.date()
        for _ in range(SEARCH_DAYS):
            if day.month in self.months and self._day_matches(day):
                found = self._first_time_on(day, local if day == local.date() else None)
                if found is not None:
                    return found.astimezone(UTC)
            day += timedelta(days=1)
        raise CronError(f"`{self.text}` does not fire within {SEARCH_DAYS // 366} years")

    def _day_matches(self, day: date) -> bool:
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def _first_time_on(self, day: date, after: datetime | None) -> datetime | None:
        for hour in sorted(self.hours):
            for minute in sorted(self.minutes):
                wall = datetime.combine(day, time(hour, minute), tzinfo=self.zone)
                if not _exists(wall):
                    continue  # skipped by a spring-forward gap
                if after is not None and wall.astimezone(UTC) <= after.astimezone(UTC):
                    continue
                return wall
        return None


def _exists(wall: datetime) -> bool:
    """Whether a wall-clock time exists in its zone (round trip through UTC keeps it)."""
    back = wall.astimezone(UTC).astimezone(wall.tzinfo)
    return back.replace(tzinfo=None) == wall.replace(tzinfo=None)


def parse_cron(text: str, timezone: str = "UTC") -> Cron:
    """Read a cron expression in a zone; raises `CronError` naming the field at fault."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"`{timezone}` is not an IANA time zone (e.g. Asia/Shanghai)") from None
    parts = text.split()
    if len(parts) != 5:
        raise CronError(
            f"a cron expression has 5 fields (minute hour day month weekday), not {len(parts)}"
        )
    sets = [_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in sets[4])
    return Cron(
        text,
        sets[0],
        sets[1],
        sets[2],
        sets[3],
        weekdays,
        any_day=parts[2] == "*",
        any_weekday=parts[4] == "*",
        zone=zone,
    )


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    found: set[int] = set()
    for item in text.lower().split(","):
        span, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{name}: the step in `{item}` must be a positive number")
            step = int(step_text)
        if span == "*":
            first, last = low, high
        else:
            start, dash, end = span.partition("-")
            first = _value(start, name, low, high, names)
            last = _value(end, name, low, high, names) if dash else (high if slash else first)
            if last < first:
                raise CronError(f"{name}: the range `{span}` runs backwards")
        found.update(range(first, last + 1, step))
    return frozenset(found)


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"{name}: `{text}` is not a number between {low} and {high}")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{name}: {value} is outside {low}-{high}")
    return value
