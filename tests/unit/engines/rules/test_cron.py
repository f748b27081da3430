"""Cron expressions: fields, names, steps, both day fields, and wall-clock time across DST."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from brickwork.engines.expr import Scope
from brickwork.engines.rules import RuleDefinitionError, compile_rule
from brickwork.engines.rules.cron import CronError, parse_cron


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("*/15 * * * *", utc(2026, 3, 9, 10, 7), utc(2026, 3, 9, 10, 15)),
        ("*/15 * * * *", utc(2026, 3, 9, 10, 15), utc(2026, 3, 9, 10, 30)),
        ("0 9-17/4 * * *", utc(2026, 3, 9, 13, 0), utc(2026, 3, 9, 17, 0)),
        ("30 8 1,15 * *", utc(2026, 3, 2), utc(2026, 3, 15, 8, 30)),
        ("0 0 * jan,jul *", utc(2026, 3, 9), utc(2026, 7, 1)),
        ("0 6 * * sun", utc(2026, 3, 9), utc(2026, 3, 15, 6)),
        ("0 6 * * 7", utc(2026, 3, 9), utc(2026, 3, 15, 6)),
        ("0 0 13 * fri", utc(2026, 3, 9), utc(2026, 3, 13)),  # either day field: the 13th
        ("0 0 29 2 *", utc(2026, 3, 1), utc(2028, 2, 29)),
    ],
)
def test_next_firing_times_in_utc(text: str, after: datetime, expected: datetime) -> None:
    assert parse_cron(text).next_after(after) == expected


def test_a_zone_fires_on_its_wall_clock() -> None:
    cron = parse_cron("0 2 * * *", "Asia/Shanghai")
    assert cron.next_after(utc(2026, 3, 9, 10)) == utc(2026, 3, 9, 18)


def test_a_time_skipped_by_spring_forward_does_not_fire_that_day() -> None:
    cron = parse_cron("30 2 * * *", "America/New_York")  # 2026-03-08: 02:00 jumps to 03:00
    assert cron.next_after(utc(2026, 3, 7, 8)) == utc(2026, 3, 9, 6, 30)


def test_a_time_repeated_by_fall_back_fires_once() -> None:
    cron = parse_cron("30 1 * * *", "America/New_York")  # 2026-11-01: 01:00-02:00 twice
    first = cron.next_after(utc(2026, 11, 1, 4))
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert cron.next_after(first) == utc(2026, 11, 2, 6, 30)  # not 01:30 EST the same day


@pytest.mark.parametrize(
    ("text", "zone", "says"),
    [
        ("* * * *", "UTC", "5 fields"),
        ("60 * * * *", "UTC", "minute: 60 is outside 0-59"),
        ("* * 0 * *", "UTC", "day of month: 0 is outside 1-31"),
        ("* * * foo *", "UTC", "month: `foo` is not a number"),
        ("*/0 * * * *", "UTC", "step"),
        ("* 5-2 * * *", "UTC", "runs backwards"),
        ("* * * * *", "Mars/Olympus", "not an IANA time zone"),
        ("0 0 31 2 *", "UTC", "does not fire"),
    ],
)
def test_bad_expressions_say_which_field(text: str, zone: str, says: str) -> None:
    with pytest.raises(CronError) as refused:
        parse_cron(text, zone).next_after(utc(2026, 1, 1))
    assert says in str(refused.value)


def test_a_rule_whose_cron_never_fires_is_refused_when_compiled() -> None:
    spec = {
        "trigger": {"on": "schedule", "cron": "0 0 31 2 *"},
        "actions": [{"type": "create_record", "form": "alert", "values": {"note": '"x"'}}],
    }
    with pytest.raises(RuleDefinitionError) as refused:
        compile_rule(spec, scopes={"alert": Scope.of({"note": "string"})})
    assert refused.value.problems[0].code == "E_RULE_CRON"
