"""Business calendar arithmetic: weekdays, holidays, make-up working days, the n = 0 and
negative cases of `add_working_days` and the half-open `working_days_between`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from brickwork.engines.rules.calendar import BusinessCalendar

# Spring Festival 2025 in mainland China: 28 Jan - 4 Feb off, Sun 26 Jan and Sat 8 Feb worked.
SPRING = BusinessCalendar(
    key="cn_2025",
    holidays=tuple(date(2025, 1, 28) + timedelta(days=i) for i in range(8)),
    make_up_working_days=(date(2025, 1, 26), date(2025, 2, 8)),
)
PLAIN = BusinessCalendar(key="plain")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 24), True),  # Friday
        (date(2025, 1, 25), False),  # Saturday
        (date(2025, 1, 26), True),  # Sunday, make-up day
        (date(2025, 1, 29), False),  # Wednesday, holiday
        (date(2025, 2, 8), True),  # Saturday, make-up day
        (date(2025, 2, 9), False),  # Sunday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert SPRING.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 1, 24), 1, date(2025, 1, 26)),  # Friday + 1 = the make-up Sunday
        (date(2025, 1, 26), 1, date(2025, 1, 27)),
        (date(2025, 1, 27), 1, date(2025, 2, 5)),  # over the holiday week
        (date(2025, 2, 5), -1, date(2025, 1, 27)),
        (date(2025, 1, 29), 0, date(2025, 2, 5)),  # 0 on a holiday rolls forward
        (date(2025, 1, 27), 0, date(2025, 1, 27)),  # 0 on a working day is the day
        (date(2025, 2, 7), 1, date(2025, 2, 8)),  # Friday + 1 = the make-up Saturday
        (date(2025, 2, 1), -2, date(2025, 1, 26)),  # from a holiday, backwards
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert SPRING.add_working_days(start, days) == expected


def test_working_days_between_is_half_open_and_signed() -> None:
    assert SPRING.working_days_between(date(2025, 1, 24), date(2025, 2, 10)) == 7
    assert SPRING.working_days_between(date(2025, 2, 10), date(2025, 1, 24)) == -7
    assert SPRING.working_days_between(date(2025, 1, 27), date(2025, 1, 27)) == 0
    assert SPRING.working_days_between(date(2025, 1, 27), date(2025, 1, 28)) == 1


def test_a_six_day_week() -> None:
    six = BusinessCalendar(key="six", working_weekdays=(1, 2, 3, 4, 5, 6))
    assert six.add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 8)
    assert six.working_days_between(date(2025, 3, 3), date(2025, 3, 10)) == 6


def test_limits_and_range() -> None:
    with pytest.raises(ValueError, match="at most"):
        PLAIN.add_working_days(date(2025, 1, 1), 100_001)
    with pytest.raises(ValueError, match="outside the supported dates"):
        PLAIN.add_working_days(date(9999, 12, 30), 5)


@pytest.mark.parametrize(
    "data",
    [
        {"key": "x", "working_weekdays": []},
        {"key": "x", "working_weekdays": [8]},
        {"key": "x", "holidays": ["2025-01-26"], "make_up_working_days": ["2025-01-26"]},
        {"key": "X"},
        {"key": "x", "weekend": [6]},
    ],
)
def test_invalid_calendars_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BusinessCalendar.model_validate(data)


DAYS = st.dates(min_value=date(2024, 12, 1), max_value=date(2025, 3, 1))


@given(day=DAYS, days=st.integers(min_value=-40, max_value=40))
def test_between_undoes_add_from_a_working_day(day: date, days: int) -> None:
    start = SPRING.add_working_days(day, 0)
    assert SPRING.is_working_day(start)
    assert SPRING.working_days_between(start, SPRING.add_working_days(start, days)) == days


@given(a=DAYS, b=DAYS)
def test_between_counts_days_one_by_one(a: date, b: date) -> None:
    low, high = min(a, b), max(a, b)
    counted = sum(SPRING.is_working_day(low + timedelta(days=i)) for i in range((high - low).days))
    assert SPRING.working_days_between(low, high) == counted
    assert SPRING.working_days_between(high, low) == -counted
