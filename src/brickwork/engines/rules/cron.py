"""Cron expressions: a small, pure parser and a time-zone-aware iterator of fire times.

Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC) and day
of week (0-7 or SUN-SAT; 0 and 7 are Sunday). Each field is `*` or a comma-separated list of
`n`, `a-b`, `*/s`, `a-b/s` or `a/s` (from `a` to the field's maximum). Names are
case-insensitive. As in classic cron, when both day fields are restricted a day matches when
either does.

Fire times are wall-clock times in an IANA time zone (`zoneinfo`):
- a time that does not exist because clocks go forward (02:30 on a spring-forward night) fires
  once, at the same clock reading after the change (03:30 when the gap is one hour);
- a time that occurs twice because clocks go back fires once, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_SEARCH_DAYS = 366 * 8
"""A schedule that fires on no day within this many days (e.g. `0 0 30 2 *`) fires never."""

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class CronError(ValueError):
    """A cron expression or time zone that cannot be used; `hint` says what is expected."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS, 1),
    _Field("day of week", 0, 7, _DAYS, 0),
)
_HINT = "five fields: minute hour day-of-month month day-of-week, e.g. `30 8 * * MON-FRI`"


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A parsed cron expression: the allowed values of each field."""

    source: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 = Sunday ... 6 = Saturday (7 is folded into 0)."""
    any_day: bool
    any_weekday: bool

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        on_weekday = day.isoweekday() % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and on_weekday
        return in_month or on_weekday


def parse_cron(text: str) -> CronSchedule:
    """Parse a five-field cron expression; raises `CronError`."""
    parts = text.split()
    if len(parts) != len(_FIELDS):
        raise CronError(f"a cron expression has 5 fields, `{text}` has {len(parts)}", _HINT)
    values = [_parse_field(part, spec) for part, spec in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(v % 7 for v in values[4])
    return CronSchedule(
        source=text,
        minutes=tuple(sorted(values[0])),
        hours=tuple(sorted(values[1])),
        days=frozenset(values[2]),
        months=frozenset(values[3]),
        weekdays=weekdays,
        any_day=parts[2] == "*",
        any_weekday=parts[4] == "*",
    )


def _parse_field(text: str, spec: _Field) -> set[int]:
    found: set[int] = set()
    for item in text.split(","):
        found |= _parse_item(item, spec)
    return found


def _parse_item(item: str, spec: _Field) -> set[int]:
    where = f"cron {spec.name} field"
    span, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronError(f"{where}: step `{step_text}` is not a positive number", _HINT)
        step = int(step_text)
    if span == "*":
        low, high = spec.low, spec.high
    elif "-" in span:
        first, _, last = span.partition("-")
        low, high = _value(first, spec), _value(last, spec)
        if low > high:
            raise CronError(f"{where}: range `{span}` runs backwards", "write the range low-high")
    else:
        low = _value(span, spec)
        high = spec.high if slash else low
    return set(range(low, high + 1, step))


def _value(text: str, spec: _Field) -> int:
    where = f"cron {spec.name} field"
    if text.upper() in spec.names:
        return spec.names.index(text.upper()) + spec.name_base
    if not text.isdigit():
        allowed = f" or {spec.names[0]}-{spec.names[-1]}" if spec.names else ""
        hint = f"use numbers {spec.low}-{spec.high}{allowed}"
        raise CronError(f"{where}: `{text}` is not a value", hint)
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise CronError(f"{where}: {value} is out of range", f"use {spec.low}-{spec.high}")
    return value


def time_zone(key: str) -> ZoneInfo:
    """The IANA time zone `key` (e.g. `Asia/Shanghai`); raises `CronError` if unknown."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(
            f"unknown time zone `{key}`", "use an IANA name such as Asia/Shanghai"
        ) from None


def _day_instants(schedule: CronSchedule, day: date, zone: ZoneInfo) -> list[datetime]:
    instants = set()
    for hour in schedule.hours:
        for minute in schedule.minutes:
            # fold=0: the first of two repeated times; a skipped time reads with the offset
            # before the change, i.e. the same clock reading after it.
            wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            instants.add(wall.astimezone(UTC))
    return sorted(instants)


def fire_times(schedule: CronSchedule, after: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """The fire times strictly after `after` (timezone-aware), in order, in `zone`."""
    if after.tzinfo is None:
        raise ValueError("`after` must be timezone-aware")
    start = after.astimezone(UTC)
    day = after.astimezone(zone).date() - timedelta(days=1)
    idle = 0
    while idle <= MAX_SEARCH_DAYS:
        if schedule.matches_day(day):
            for instant in _day_instants(schedule, day, zone):
                if instant > start:
                    idle = 0
                    start = instant
                    yield instant.astimezone(zone)
        idle += 1
        try:
            day += timedelta(days=1)
        except OverflowError:
            return


def next_fire(schedule: CronSchedule, after: datetime, zone: ZoneInfo) -> datetime | None:
    """The first fire time strictly after `after`, or None when the schedule never fires."""
    return next(fire_times(schedule, after, zone), None)
