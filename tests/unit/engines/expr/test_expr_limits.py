"""Evaluation limits: steps, list sizes, text sizes; each aborts with its own code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brickwork.engines.expr import EvaluationContext, Limits, compile_expression

SMALL = EvaluationContext(limits=Limits(max_steps=1000, max_list_size=100, max_string_length=50))
FEW_STEPS = EvaluationContext(limits=Limits(max_steps=1000))

CASES = [
    ("for a in 1..100, b in 1..100 return a * b", "E_LIMIT_STEPS"),
    ("count(for i in 1..600 return i)", "E_LIMIT_STEPS"),
    ("for i in 1..101 return i", "E_LIMIT_LIST_SIZE"),
    ("concatenate(xs, xs)", "E_LIMIT_LIST_SIZE"),
    ("for i in 1..5 return s + s + s + s", "E_LIMIT_STRING_LENGTH"),
    ("some a in 1..100, b in 1..100 satisfies a * b < 0", "E_LIMIT_STEPS"),
]


@pytest.mark.parametrize(("source", "code"), CASES)
def test_limit_aborts_with_its_code(source: str, code: str) -> None:
    variables = {"xs": [Decimal(1)] * 60, "s": "x" * 20}
    context = FEW_STEPS if code == "E_LIMIT_STEPS" else SMALL
    result = compile_expression(source).evaluate(variables, context=context)
    assert result.value is None
    assert result.diagnostics[-1].code == code


def test_within_limits_evaluation_succeeds() -> None:
    result = compile_expression("sum(for i in 1..40 return i)").evaluate(context=SMALL)
    assert result.value == Decimal(820)
    assert result.ok


def test_catastrophic_patterns_are_refused_quickly() -> None:
    result = compile_expression('matches(s, "^(a+)+$")').evaluate({"s": "a" * 40 + "!"})
    assert result.value is None
    assert result.diagnostics[0].code == "E_UNSAFE_PATTERN"
    long_text = compile_expression('matches(s, "a")').evaluate({"s": "a" * 20_000})
    assert long_text.diagnostics[0].code == "E_LIMIT_REGEX"
