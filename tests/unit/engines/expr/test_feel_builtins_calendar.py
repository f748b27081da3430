"""Working-day functions: they use the business calendar of the evaluation context (the shared
test context has a Monday-to-Friday calendar without holidays) and give null plus
`E_NO_CALENDAR` when the evaluation has none."""

from __future__ import annotations

from datetime import date

import pytest
from expr_support import shown

from brickwork.engines.expr import EvaluationContext, compile_expression
from brickwork.engines.rules.calendar import BusinessCalendar

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ('add working days(@"2025-03-07", 1)', '@"2025-03-10"', ()),
    ('add working days(@"2025-03-07T18:00:00", 2)', '@"2025-03-11"', ()),
    ('add working days(@"2025-03-03", 0)', '@"2025-03-03"', ()),
    ('add working days(@"2025-03-09", 0)', '@"2025-03-10"', ()),
    ('add working days(@"2025-03-08", -1)', '@"2025-03-07"', ()),
    ('add working days(@"2025-03-03", 1.5)', "null", ("E_ARG_VALUE",)),
    ('add working days(@"9999-12-31", 1)', "null", ("E_DATE_RANGE",)),
    ('add working days(date: @"2025-03-07", days: 5)', '@"2025-03-14"', ()),
    ('working days between(@"2025-03-03", @"2025-03-03")', "0", ()),
    ('working days between(@"2025-03-01", @"2025-03-31")', "20", ()),
    ('working days between(@"2025-03-31", @"2025-03-01")', "-20", ()),
    ('is working day(@"2025-03-09")', "false", ()),
    ('is working day(@"2025-03-07T23:59:00")', "true", ()),
    ("is working day(null)", "null", ()),
    ('is working day("2025-03-07")', "null", ("E_ARGUMENT_TYPE",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_working_day_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


@pytest.mark.parametrize(
    "source",
    [
        'add working days(@"2025-03-07", 1)',
        'working days between(@"2025-03-03", @"2025-03-10")',
        'is working day(@"2025-03-10")',
    ],
)
def test_without_a_calendar_the_result_is_null_with_a_diagnostic(source: str) -> None:
    result = compile_expression(source).evaluate({}, context=EvaluationContext())
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_NO_CALENDAR"]
    assert "business calendar" in result.diagnostics[0].message


def test_the_calendar_of_the_context_is_used() -> None:
    # 2025-10-01..08 Chinese national holiday, with Sunday 2025-09-28 a make-up working day.
    holidays = tuple(date(2025, 10, day) for day in range(1, 9))
    china = BusinessCalendar(
        key="cn", holidays=holidays, make_up_working_days=(date(2025, 9, 28), date(2025, 10, 11))
    )
    context = EvaluationContext(calendar=china)
    compiled = compile_expression("add working days(d, 1)")
    assert compiled.evaluate({"d": date(2025, 9, 30)}, context=context).value == date(2025, 10, 9)
    assert compiled.evaluate({"d": date(2025, 9, 27)}, context=context).value == date(2025, 9, 28)
    between = compile_expression("working days between(a, b)")
    value = between.evaluate({"a": date(2025, 9, 27), "b": date(2025, 10, 13)}, context=context)
    assert value.value == 6  # 28, 29, 30 Sep; 9, 10, 11 Oct
