"""Numeric built-ins of DMN 1.5 §10.3.4.5: rounding with the spec's scale range and integer
part, `round half down`, `exp`, `log`, `odd`, `even` and `abs` of durations."""

from __future__ import annotations

import pytest
from expr_support import shown

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # the scale range is -6111..6176; beyond it, null and a diagnostic
    ("round up(5.5, 6176)", "5.5", ()),
    ("round up(5.5, 6177)", "null", ("E_ARG_VALUE",)),
    ("round down(5.5, -6111)", "0", ()),
    ("round half up(5.5, -6112)", "null", ("E_ARG_VALUE",)),
    ("decimal(5.5, 6176)", "5.5", ()),
    ("floor(5.5, 6177)", "null", ("E_ARG_VALUE",)),
    ("ceiling(1.5, 6176)", "1.5", ()),
    ("round up(1/3, 6176)", "0.3333333333333333333333333333333333", ()),
    ("round up(1000000, 30)", "1000000", ()),
    # a non-integer scale counts by its integer part
    ("decimal(1.2345, 2.9)", "1.23", ()),
    ("decimal(1.2345, -0.5)", "1", ()),
    ("round half up(1.25, 1.7)", "1.3", ()),
    ("floor(1.56, 1.99)", "1.5", ()),
    # round half down
    ("round half down(5.5, 0)", "5", ()),
    ("round half down(-5.5, 0)", "-5", ()),
    ("round half down(5.51, 0)", "6", ()),
    ("round half down(1.125, 2)", "1.12", ()),
    ("round half down(1, null)", "null", ()),
    # exp and log
    ("exp(1)", "2.718281828459045235360287471352662", ()),
    ("decimal(exp(4), 10)", "54.5981500331", ()),
    ("exp(-1) * exp(1)", "0.9999999999999999999999999999999999", ()),
    ("log(exp(2))", "2.000000000000000000000000000000000", ()),
    ("decimal(log(10), 11)", "2.30258509299", ()),
    ("log(0)", "null", ("E_ARG_VALUE",)),
    ("log(-1)", "null", ("E_ARG_VALUE",)),
    ("exp(100000)", "null", ("E_NUMBER_RANGE",)),
    ('exp("1")', "null", ("E_ARGUMENT_TYPE",)),
    # odd and even: whole numbers only
    ("odd(5)", "true", ()),
    ("odd(-5)", "true", ()),
    ("odd(0)", "false", ()),
    ("odd(2.0)", "false", ()),
    ("even(-2)", "true", ()),
    ("even(5)", "false", ()),
    ("odd(5.5)", "null", ("E_ARG_VALUE",)),
    ("even(5.5)", "null", ("E_ARG_VALUE",)),
    ("even(null)", "null", ()),
    # abs of numbers and of both kinds of duration
    ("abs(-10)", "10", ()),
    ('abs(@"-P1DT2H")', '@"P1DT2H"', ()),
    ('abs(duration("-PT5H"))', '@"PT5H"', ()),
    ('abs(@"-P2Y3M")', '@"P2Y3M"', ()),
    ('abs(@"P1M")', '@"P1M"', ()),
    ('abs(@"PT0S")', '@"PT0S"', ()),
    ('abs("-1")', "null", ("E_ARGUMENT_TYPE",)),
    ('abs(@"2025-01-01")', "null", ("E_ARGUMENT_TYPE",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_number_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)
