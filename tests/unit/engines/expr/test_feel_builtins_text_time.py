"""String and temporal built-ins of DMN 1.5 §10.3.4.1-3 and §10.3.4.10 at the edges the spec
fixes: integer parts of positions, `string join` with and without a delimiter, regular
expression flags, `time` from dates and offsets with seconds, `now`/`today` from the
evaluation's clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from expr_support import shown

from brickwork.engines.expr import EvaluationContext, compile_expression

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ('substring("testing", 3)', '"sting"', ()),
    ('substring("testing", 3, 3)', '"sti"', ()),
    ('substring("testing", -2, 1)', '"n"', ()),
    ('substring("testing", 3.9)', '"sting"', ()),
    ('substring("testing", 3, 2.9)', '"st"', ()),
    ('substring("testing", -2.5, 1)', '"n"', ()),
    ('substring("testing", 0.5)', "null", ("E_ARG_VALUE",)),
    ('string length("tes")', "3", ()),
    ('string join(["a", "b", "c"])', '"abc"', ()),
    ('string join(["a", null, "c"])', '"ac"', ()),
    ("string join([])", '""', ()),
    ('string join(["a", "b", "c"], "_and_")', '"a_and_b_and_c"', ()),
    ('string join(["a", "b", "c"], "")', '"abc"', ()),
    ('string join(["a"], "X")', '"a"', ()),
    ('string join(["a", null, "c"], "X")', '"aXc"', ()),
    ('string join([], "X")', '""', ()),
    ('string join(["a", 1], "X")', "null", ("E_ARG_TYPE",)),
    ('matches("foobar", "^fo*b")', "true", ()),
    ('matches("foobar", "^Fo*bar", "i")', "true", ()),
    ('replace("banana", "a", "o")', '"bonono"', ()),
    ('replace("foobar", "^fOO", "ttt", "i")', '"tttbar"', ()),
    ('replace("a.b.c", ".", "-", "q")', '"a-b-c"', ()),
    ('replace("abc", "B", "x", "")', '"abc"', ()),
    ('split("John Doe", "\\\\s")', '["John", "Doe"]', ()),
    ('split("a;b;c;;", ";")', '["a", "b", "c", "", ""]', ()),
    ('upper case("aBc4")', '"ABC4"', ()),
    ('substring before("testing", "tin")', '"tes"', ()),
    ('substring after("testing", "te")', '"sting"', ()),
    ('ends with("foobar", "r")', "true", ()),
    ('contains("foobar", "of")', "false", ()),
    # time
    ('time(date("2017-08-10"))', '@"00:00:00Z"', ()),
    ('time(date and time("2012-12-25T11:00:00Z"))', '@"11:00:00Z"', ()),
    ('time(date and time("2017-08-10T10:20:00+01:00"))', '@"10:20:00+01:00"', ()),
    ('time(11, 59, 45, duration("PT2H45M55S"))', '@"11:59:45+02:45:55"', ()),
    ('time(11, 59, 45, duration("-PT2H45M55S"))', '@"11:59:45-02:45:55"', ()),
    ('string(time(11, 59, 45, duration("PT2H45M55S")))', '"11:59:45+02:45:55"', ()),
    ('time(12, 59, 1.3, duration("-PT1H"))', '@"12:59:01.300000-01:00"', ()),
    ('time(23, 59, 0, duration("PT0H")) = time("23:59:00Z")', "true", ()),
    ("time(2017)", "null", ("E_ARGUMENT_TYPE",)),
    # temporal accessors
    ("day of week(date(2019, 9, 17))", '"Tuesday"', ()),
    ("day of year(date(2019, 9, 17))", "260", ()),
    ("month of year(date(2017, 2, 18))", '"February"', ()),
    ("week of year(date(2019, 9, 17))", "38", ()),
    ("week of year(date(2003, 12, 29))", "1", ()),
    ("week of year(date(2004, 1, 4))", "1", ()),
    ("week of year(date(2005, 1, 1))", "53", ()),
    ("week of year(date(2005, 1, 3))", "1", ()),
    ("week of year(date(2005, 1, 9))", "1", ()),
    ('years and months duration(date("2011-12-22"), date("2013-08-24"))', '@"P1Y8M"', ()),
    ('date and time(date("2012-12-24"), time("23:59:00"))', '@"2012-12-24T23:59:00"', ()),
    ('date("2012-12-25") - date("2012-12-24") = duration("P1D")', "true", ()),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_text_and_time_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


def test_now_and_today_come_from_the_evaluation_clock() -> None:
    clock = datetime(1999, 12, 31, 23, 59, 58, tzinfo=timezone(timedelta(hours=-5)))
    context = EvaluationContext(now=clock)
    assert compile_expression("now()").evaluate({}, context=context).value == clock
    assert compile_expression("today()").evaluate({}, context=context).value == date(1999, 12, 31)
    later = EvaluationContext(now=clock + timedelta(days=400))
    assert compile_expression("today()").evaluate({}, context=later).value == date(2001, 2, 3)


def test_now_without_a_clock_is_null_with_a_diagnostic() -> None:
    result = compile_expression("today()").evaluate({})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_NO_CLOCK"]
