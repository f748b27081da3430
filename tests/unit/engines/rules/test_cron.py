"""The cron parser (fields, ranges, steps, lists, names, refusals) and fire times across
daylight-saving transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.rules.cron import (
    CronError,
    CronSchedule,
    fire_times,
    next_fire,
    parse_cron,
    time_zone,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def test_fields_ranges_steps_lists_and_names() -> None:
    schedule = parse_cron("*/15 8-10,14 1,15 jan-MAR/2 MON-fri")
    assert schedule.minutes == (0, 15, 30, 45)
    assert schedule.hours == (8, 9, 10, 14)
    assert schedule.days == {1, 15}
    assert schedule.months == {1, 3}
    assert schedule.weekdays == {1, 2, 3, 4, 5}
    assert parse_cron("5/20 0 * * 7").minutes == (5, 25, 45)
    assert parse_cron("0 0 * * 7").weekdays == {0}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("* * * *", "has 4"),
        ("60 * * * *", "minute field: 60 is out of range"),
        ("* 24 * * *", "hour field: 24"),
        ("* * 0 * *", "day of month field: 0"),
        ("* * * 13 *", "month field: 13"),
        ("* * * * 8", "day of week field: 8"),
        ("*/0 * * * *", "step `0`"),
        ("5-1 * * * *", "runs backwards"),
        ("* * * FOO *", "`FOO` is not a value"),
        ("a * * * *", "`a` is not a value"),
        ("1,,2 * * * *", "`` is not a value"),
    ],
)
def test_refusals(text: str, fragment: str) -> None:
    with pytest.raises(CronError, match=fragment) as caught:
        parse_cron(text)
    assert caught.value.hint


def test_unknown_time_zone() -> None:
    with pytest.raises(CronError, match="unknown time zone"):
        time_zone("Mars/Olympus")
    assert time_zone("Asia/Shanghai") == SHANGHAI


def test_weekday_schedule_in_shanghai() -> None:
    schedule = parse_cron("30 8 * * MON-FRI")
    after = datetime(2025, 3, 7, 9, 0, tzinfo=SHANGHAI)  # Friday, after 08:30
    assert next_fire(schedule, after, SHANGHAI) == datetime(2025, 3, 10, 8, 30, tzinfo=SHANGHAI)
    # strictly after: at exactly a fire time the next one comes
    at = datetime(2025, 3, 10, 8, 30, tzinfo=SHANGHAI)
    assert next_fire(schedule, at, SHANGHAI) == datetime(2025, 3, 11, 8, 30, tzinfo=SHANGHAI)


def test_day_of_month_or_day_of_week_when_both_are_restricted() -> None:
    schedule = parse_cron("0 12 13 * FRI")
    after = datetime(2025, 6, 1, tzinfo=UTC)
    times = [t.date().isoformat() for t in islice(_times(schedule, after, UTC), 3)]
    assert times == ["2025-06-06", "2025-06-13", "2025-06-20"]


def test_a_day_that_never_comes_never_fires() -> None:
    assert next_fire(parse_cron("0 0 30 2 *"), datetime(2025, 1, 1, tzinfo=UTC), UTC) is None


def test_spring_forward_gap_fires_once_after_the_change() -> None:
    schedule = parse_cron("30 2 * * *")
    after = datetime(2025, 3, 8, 12, 0, tzinfo=NEW_YORK)
    first, second, third = islice(_times(schedule, after, NEW_YORK), 3)
    assert first == datetime(2025, 3, 9, 3, 30, tzinfo=NEW_YORK)  # 02:30 did not exist
    assert first.utcoffset() == second.utcoffset()
    assert first.astimezone(UTC) == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)
    assert (second.hour, second.minute, second.day) == (2, 30, 10)
    assert third.day == 11


def test_fall_back_repeated_hour_fires_once() -> None:
    schedule = parse_cron("30 1 * * *")
    after = datetime(2025, 10, 25, 12, 0, tzinfo=LONDON)
    first, second = islice(_times(schedule, after, LONDON), 2)
    assert first.astimezone(UTC) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 01:30 BST
    assert second.astimezone(UTC) == datetime(2025, 10, 27, 1, 30, tzinfo=UTC)  # 01:30 GMT


def test_hourly_across_both_transitions_is_strictly_increasing() -> None:
    schedule = parse_cron("0,30 * * * *")
    for start in (datetime(2025, 3, 9, tzinfo=NEW_YORK), datetime(2025, 11, 2, tzinfo=NEW_YORK)):
        times = list(islice(_times(schedule, start, NEW_YORK), 12))
        instants = [t.astimezone(UTC) for t in times]
        assert instants == sorted(set(instants))
    spring = list(islice(_times(schedule, datetime(2025, 3, 9, tzinfo=NEW_YORK), NEW_YORK), 6))
    assert [t.strftime("%H:%M") for t in spring] == [
        "00:30", "01:00", "01:30", "03:00", "03:30", "04:00",
    ]  # fmt: skip


def _times(schedule: CronSchedule, after: datetime, zone: ZoneInfo) -> list[datetime]:
    return list(islice(fire_times(schedule, after, zone), 20))


_MINUTES = st.integers(min_value=0, max_value=335 * 24 * 60)
"""Minutes after the start of 2025 (both DST changes of New York lie in this range)."""
_ITEMS = st.one_of(
    st.just("*"),
    st.integers(0, 23).map(str),
    st.tuples(st.integers(0, 10), st.integers(11, 23)).map(lambda r: f"{r[0]}-{r[1]}"),
    st.integers(1, 9).map(lambda s: f"*/{s}"),
)


@given(
    minute=st.sampled_from(["0", "*/20", "5,35", "10-12"]),
    hour=_ITEMS,
    weekday=st.sampled_from(["*", "MON-FRI", "0", "SAT,SUN"]),
    offset=_MINUTES,
)
def test_fire_times_equal_a_minute_by_minute_scan(
    minute: str, hour: str, weekday: str, offset: int
) -> None:
    schedule = parse_cron(f"{minute} {hour} * * {weekday}")
    after = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=offset)
    horizon = after + timedelta(days=3)
    fired = [t for t in islice(fire_times(schedule, after, UTC), 500) if t <= horizon]
    scanned = []
    moment = after + timedelta(minutes=1)
    while moment <= horizon:
        if (
            moment.minute in schedule.minutes
            and moment.hour in schedule.hours
            and schedule.matches_day(moment.date())
        ):
            scanned.append(moment)
        moment += timedelta(minutes=1)
    assert fired == scanned


@given(offset=_MINUTES)
def test_fire_times_in_a_dst_zone_strictly_increase(offset: int) -> None:
    schedule = parse_cron("*/30 0-4 * * *")
    after = datetime(2025, 1, 1, tzinfo=NEW_YORK) + timedelta(minutes=offset)
    instants = [t.astimezone(UTC) for t in islice(fire_times(schedule, after, NEW_YORK), 40)]
    assert instants == sorted(set(instants))
    assert instants[0] > after.astimezone(UTC)
