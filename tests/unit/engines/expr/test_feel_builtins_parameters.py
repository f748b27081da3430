"""Parameter functions: they read the parameter tables of the evaluation context (the shared
test context has `aml_thresholds`, whose cash threshold fell from 200,000 to 50,000 on
2017-07-01, and `exchange_rates` with USD/CNY 7.1850 from 2025-01-01; its today is
2025-03-03) and give null plus `E_NO_PARAMETERS` when the evaluation has none."""

from __future__ import annotations

import pytest
from expr_support import shown

from brickwork.engines.expr import EvaluationContext, compile_expression

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ('parameter("aml_thresholds", "cash_cny")', "50000", ()),
    ('parameter("aml_thresholds", "cash_cny", @"2017-07-01")', "50000", ()),
    ('parameter("aml_thresholds", "cash_cny", @"2017-06-30")', "200000", ()),
    ('parameter("aml_thresholds", "cash_cny", @"2017-06-30T23:59:59")', "200000", ()),
    ('parameter("aml_thresholds", "cash_cny", @"2007-03-01")', "200000", ()),
    ('parameter("aml_thresholds", "cash_cny", @"2007-02-28")', "null", ("E_PARAM_NOT_IN_FORCE",)),
    ('parameter("aml_thresholds", "wire_cny")', "null", ("E_PARAM_UNKNOWN_KEY",)),
    ('parameter("nope", "cash_cny")', "null", ("E_PARAM_UNKNOWN_TABLE",)),
    ('parameter("aml_thresholds", null)', "null", ()),
    ("parameter(1, 2)", "null", ("E_ARGUMENT_TYPE",)),
    ('parameter(table: "aml_thresholds", key: "cash_usd")', "10000", ()),
    ('20000 >= parameter("aml_thresholds", "cash_cny", @"2018-01-01")', "false", ()),
    ('parameters("aml_thresholds", @"2017-07-01")', '{"cash_cny": 50000, "cash_usd": 10000}', ()),
    ('parameters("aml_thresholds", @"2007-01-01")', "{}", ()),
    ('parameters("nope")', "null", ("E_PARAM_UNKNOWN_TABLE",)),
    ('convert currency(100, "USD", "CNY")', "718.5000", ()),
    ('convert currency(100, "usd", "CNY", @"2025-03-03")', "718.5000", ()),
    ('convert currency(7185, "CNY", "USD", @"2025-03-03")', "1000", ()),
    ('convert currency(12.34, "EUR", "EUR")', "12.34", ()),
    ('convert currency(100, "USD", "CNY", @"2024-12-31")', "null", ("E_PARAM_NOT_IN_FORCE",)),
    ('convert currency(100, "USD", "JPY")', "null", ("E_PARAM_NOT_IN_FORCE",)),
    ('convert currency(1, "USD", "CNY", @"2025-03-03", "fx")', "null", ("E_PARAM_UNKNOWN_TABLE",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_parameter_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


@pytest.mark.parametrize(
    "source",
    ['parameter("aml_thresholds", "cash_cny", @"2020-01-01")', 'parameters("aml_thresholds")'],
)
def test_without_parameter_tables_the_call_is_null_with_a_code(source: str) -> None:
    result = compile_expression(source).evaluate({}, context=EvaluationContext())
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_NO_PARAMETERS"]


def test_without_a_clock_and_without_a_day_the_call_is_null_with_a_code() -> None:
    result = compile_expression('parameter("aml_thresholds", "cash_cny")').evaluate(
        {}, context=EvaluationContext(parameters=__import__("expr_support").CONTEXT.parameters)
    )
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_NO_CLOCK"]
