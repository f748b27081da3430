"""DMN 1.5 §10.3.2.3 and Tables 57-59: dates, times and durations at the edges.

Expected values follow the specification's text and, where it leaves room, the DMN TCK
(0100-arithmetic, 0068-feel-equality): a date used with a date and time or a days-and-time
duration counts as midnight UTC; a years-and-months duration times a fraction is truncated to
whole months; `24:00:00` is the end of the day; IANA zone names come from the zone database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from expr_support import shown

from brickwork.engines.expr import ExprSyntaxError, compile_expression

ARITHMETIC: list[tuple[str, str, tuple[str, ...]]] = [
    # date ± days-and-time duration: from midnight UTC, then the date
    ('@"2021-01-02" - @"PT25H"', '@"2020-12-31"', ()),
    ('@"2021-01-02" - @"PT1H"', '@"2021-01-01"', ()),
    ('@"2021-01-02" - @"PT1S"', '@"2021-01-01"', ()),
    ('@"2021-01-02" - @"-PT1H"', '@"2021-01-02"', ()),
    ('@"2021-01-02" - @"-PT25H"', '@"2021-01-03"', ()),
    ('@"2021-01-02" - @"PT24H"', '@"2021-01-01"', ()),
    ('@"2020-03-01" - @"PT24H"', '@"2020-02-29"', ()),
    ('@"2021-01-01" + @"PT36H"', '@"2021-01-02"', ()),
    ('@"2021-01-01" + @"PT48H"', '@"2021-01-03"', ()),
    ('@"P1D" + @"2021-01-01"', '@"2021-01-02"', ()),
    # date mixed with date and time: the date is midnight UTC
    ('@"2021-01-02" - @"2021-01-01T10:10:10+11:00"', '@"P1DT49M50S"', ()),
    ('@"2021-01-02" - @"2021-01-01T10:10:10@Australia/Melbourne"', '@"P1DT49M50S"', ()),
    ('@"2021-01-02" - @"2021-01-02T00:00:00Z"', '@"PT0S"', ()),
    ('@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01"', '@"P1DT9H10M10S"', ()),
    ('@"2021-01-02T10:10:10+01:00" - @"2021-01-01"', '@"P1DT9H10M10S"', ()),
    ('@"2021-01-02" - @"2021-01-01T10:10:10"', "null", ("E_TYPE_MISMATCH",)),
    ('@"2021-01-01T00:00:00" - @"2021-01-02"', "null", ("E_TYPE_MISMATCH",)),
    ('@"2021-01-02" + @"2021-01-01T10:10:10Z"', "null", ("E_TYPE_MISMATCH",)),
    # years and months duration times a number: whole months, the fraction truncated
    ('@"P1M" * 2.5', '@"P2M"', ()),
    ('2.5 * @"P1M"', '@"P2M"', ()),
    ('1.5 * @"P2M"', '@"P3M"', ()),
    ('-1.5 * @"P2M"', '@"-P3M"', ()),
    ('-2.5 * @"P1Y11M"', '@"-P4Y9M"', ()),
    ('@"P1Y" * 0.99', '@"P11M"', ()),
    ('@"P10Y11M" / 2.5', '@"P4Y4M"', ()),
    ('@"P10Y11M" / -2.5', '@"-P4Y4M"', ()),
    ('@"P1M" / 3', '@"P0M"', ()),
    # zoned and offset values: compared and subtracted as instants
    ('@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10@Asia/Dhaka"', '@"P1DT5H"', ()),
    ('@"2021-01-02T10:10:10+01:00" - @"2021-01-01T10:10:10@Europe/Paris"', '@"P1D"', ()),
    ('@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10"', "null",
     ("E_TYPE_MISMATCH",)),
    ('@"2021-03-28T12:00:00@Europe/Paris" - @"2021-03-27T12:00:00@Europe/Paris"', '@"PT23H"', ()),
    ('@"2021-03-27T12:00:00@Europe/Paris" + @"PT24H"', '@"2021-03-28T13:00:00@Europe/Paris"', ()),
    ('@"2021-01-12T10:10:10@Australia/Melbourne" + @"P1DT1H"',
     '@"2021-01-13T11:10:10@Australia/Melbourne"', ()),
    ('@"2021-01-01T10:10:10@Australia/Melbourne" + @"P1M"',
     '@"2021-02-01T10:10:10@Australia/Melbourne"', ()),
    ('@"10:15:00@Australia/Melbourne" + @"PT1H"', '@"11:15:00@Australia/Melbourne"', ()),
    ('@"10:15:00@Australia/Melbourne" - @"P1D"', '@"10:15:00@Australia/Melbourne"', ()),
    ('@"10:10:10@Australia/Melbourne" - @"11:10:10@Australia/Melbourne"', '@"-PT1H"', ()),
    ('@"10:00:00@Europe/Paris" - @"10:00:00+01:00"', "null", ("E_TYPE_MISMATCH",)),
    ('@"10:00:00Z" - @"10:00:00"', "null", ("E_TYPE_MISMATCH",)),
    # out of the years dates can have
    ('@"9999-12-31" + @"P1D"', "null", ("E_DATE_RANGE",)),
    ('@"9999-12-31" + @"P1M"', "null", ("E_DATE_RANGE",)),
    ('@"0001-01-01T00:00:00" - @"PT1S"', "null", ("E_DATE_RANGE",)),
]  # fmt: skip

COMPARISONS: list[tuple[str, str, tuple[str, ...]]] = [
    ('@"2020-01-01T10:00@Europe/Paris" = @"2020-01-01T09:00:00Z"', "true", ()),
    ('@"2020-07-01T10:00@Europe/Paris" = @"2020-07-01T08:00:00Z"', "true", ()),
    ('@"2020-01-01T10:00@Europe/Paris" < @"2020-01-01T09:30:00+00:00"', "true", ()),
    ('@"2020-01-01T10:00@Europe/Paris" = @"2020-01-01T10:00@America/New_York"', "false", ()),
    ('@"2020-01-01T10:00@Europe/Paris" = @"2020-01-01T10:00:00"', "false", ()),
    ('@"2020-01-01T10:00@Europe/Paris" != @"2020-01-01T10:00:00"', "true", ()),
    ('@"2020-01-01T10:00@Europe/Paris" < @"2020-01-01T10:00:00"', "null", ("E_TYPE_MISMATCH",)),
    ('@"10:30:00@Europe/Paris" = @"10:30:00"', "false", ()),
    ('@"10:30:00Z" = @"10:30:00+00:00"', "true", ()),
    ('@"2021-11-07T01:30:00-04:00" < @"2021-11-07T01:10:00-05:00"', "true", ()),
    ('@"10:00:00@Europe/Paris" = @"10:00:00@Europe/Paris"', "true", ()),
    ('@"10:00:00@Europe/Paris" < @"11:00:00@Europe/Paris"', "true", ()),
    ('@"10:00:00@Europe/Paris" = @"10:00:00+01:00"', "false", ()),
    ('@"10:00:00@Europe/Paris" = @"10:00:00@Asia/Dhaka"', "false", ()),
    ('@"10:00:00@Europe/Paris" < @"10:00:00+01:00"', "null", ("E_TYPE_MISMATCH",)),
    ('@"10:00:00+01:00" = @"09:00:00Z"', "true", ()),
    ('@"0001-01-01T00:00:00+01:00" = @"0001-01-01T00:00:00+01:00"', "true", ()),
    ('@"0001-01-01T00:00:00@Europe/Paris" < @"0001-01-01T00:10:00@Europe/Paris"', "true", ()),
    ('@"0001-01-01T00:00:00+01:00" - @"0001-01-01T00:00:00+02:00"', '@"PT1H"', ()),
]

LITERALS: list[tuple[str, str, tuple[str, ...]]] = [
    ('@"2021-01-01T24:00:00"', '@"2021-01-02T00:00:00"', ()),
    ('@"2021-12-31T24:00:00+08:00"', '@"2022-01-01T00:00:00+08:00"', ()),
    ('date and time("2021-01-01T24:00:00")', '@"2021-01-02T00:00:00"', ()),
    ('@"2021-01-01T24:00:00" = @"2021-01-02T00:00:00"', "true", ()),
    ('time("24:00:00")', '@"00:00:00"', ()),
    ('@"2020-01-01T10:00@Europe/Paris"', '@"2020-01-01T10:00:00@Europe/Paris"', ()),
    ('date and time("2020-01-01T10:00:00@America/New_York")',
     '@"2020-01-01T10:00:00@America/New_York"', ()),
    ('time("10:00:00@Europe/Paris")', '@"10:00:00@Europe/Paris"', ()),
    ('string(@"2020-01-01T10:00@Europe/Paris")', '"2020-01-01T10:00:00@Europe/Paris"', ()),
    ('date and time("2020-01-01T10:00:00@Nowhere/Atlantis")', "null", ("E_ARG_VALUE",)),
    ('duration("PT0.S")', '@"PT0S"', ()),
    ('duration("PT1.S")', '@"PT1S"', ()),
    ('duration("PT.5S")', '@"PT0.5S"', ()),
    ('duration("PT0.S") = @"PT0S"', "true", ()),
    ('duration("PT.S")', "null", ("E_ARG_VALUE",)),
    # years: 1 to 9999, refused clearly outside; more than four digits without a leading zero
    ('date("01211-12-31")', "null", ("E_ARG_VALUE",)),
    ('date("-0001-01-01")', "null", ("E_DATE_RANGE",)),
    ('date("10000-01-01")', "null", ("E_DATE_RANGE",)),
    ('date("0000-01-01")', "null", ("E_DATE_RANGE",)),
    ("date(10000, 1, 1)", "null", ("E_DATE_RANGE",)),
    ('date and time("10000-01-01T00:00:00")', "null", ("E_DATE_RANGE",)),
    ('date("9999-12-31")', '@"9999-12-31"', ()),
    ('date("0001-01-01")', '@"0001-01-01"', ()),
]  # fmt: skip

PROPERTIES: list[tuple[str, str, tuple[str, ...]]] = [
    ('@"2020-01-01T10:00@Europe/Paris".time offset', '@"PT1H"', ()),
    ('@"2020-07-01T10:00@Europe/Paris".time offset', '@"PT2H"', ()),
    ('@"2020-07-01T10:00@Europe/Paris".timezone', '"Europe/Paris"', ()),
    ('@"2020-07-01T10:00:00-05:30".time offset', '@"-PT5H30M"', ()),
    ('@"2020-07-01T10:00:00Z".time offset', '@"PT0S"', ()),
    ('@"2020-07-01T10:00:00+02:00".timezone', "null", ()),
    ('@"2020-07-01T10:00:00".time offset', "null", ()),
    ('@"2020-07-01T10:00:00".timezone', "null", ()),
    ('@"10:30:00+08:00".time offset', '@"PT8H"', ()),
    ('@"10:30:00@Asia/Shanghai".timezone', '"Asia/Shanghai"', ()),
    ('@"10:30:00@Asia/Shanghai".time offset', "null", ()),
    ('@"2020-07-01T10:20:30.5@Europe/Paris".second', "30.5", ()),
    ('@"2021-03-03".weekday', "3", ()),
    ('[@"2021-03-03".year, @"2021-03-03".month, @"2021-03-03".day]', "[2021, 3, 3]", ()),
    ('[@"10:20:30".hour, @"10:20:30".minute, @"10:20:30".second]', "[10, 20, 30]", ()),
    ('[@"2021-03-03T10:20:30".year, @"2021-03-03T10:20:30".hour]', "[2021, 10]", ()),
    ('[@"P2DT3H4M5S".days, @"P2DT3H4M5S".hours, @"P2DT3H4M5S".minutes, @"P2DT3H4M5S".seconds]',
     "[2, 3, 4, 5]", ()),
    ('[@"-P1Y2M".years, @"-P1Y2M".months]', "[-1, -2]", ()),
    ('@"2021-03-03".time offset', "null", ("E_NO_PROPERTY",)),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected", "codes"), ARITHMETIC)
def test_arithmetic(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


@pytest.mark.parametrize(("source", "expected", "codes"), COMPARISONS)
def test_comparison(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


@pytest.mark.parametrize(("source", "expected", "codes"), LITERALS)
def test_literal_and_constructor(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


@pytest.mark.parametrize(("source", "expected", "codes"), PROPERTIES)
def test_property(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ('@"10000-01-01"', "year 10000 is outside the years 1 to 9999"),
        ('@"-0001-01-01"', "year -1 is outside the years 1 to 9999"),
        ('@"9999-12-31T24:00:00"', "year 10000 is outside the years 1 to 9999"),
        ('@"01211-12-31"', "no leading 0"),
        ('@"2020-01-01T10:00@Nowhere/Atlantis"', "not a time zone name"),
    ],
)
def test_a_temporal_literal_out_of_range_is_refused_when_compiled(
    literal: str, message: str
) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_expression(literal)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E_BAD_TEMPORAL"
    assert message in diagnostic.message


def test_a_zoned_input_value_keeps_its_zone() -> None:
    moment = datetime(2024, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert (
        shown("[x.timezone, x.time offset, x = y]", {"x": moment, "y": moment.astimezone(UTC)})[0]
        == '["Europe/Paris", @"PT2H", true]'
    )
