"""Direct answers (`CompiledExpression.direct`) agree with the general evaluation.

A direct closure either answers exactly what `evaluate` answers through the compiled closures
(a boolean, with no diagnostic) or says `UNDECIDED`; `evaluate`, which tries it first, gives the
very same `Evaluation` as an expression without one, for any input and any decimal context.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

import pytest
from expr_support import CONTEXT
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.expr import CompiledExpression, Scope, compile_expression
from brickwork.engines.expr.datatypes import BOOLEAN, NUMBER
from brickwork.engines.expr.direct import UNDECIDED

DIRECT_SHAPES = [
    'kind = "company"',
    'kind != "company"',
    'kind < "m"',
    '"m" <= kind',
    "amount > 100",
    "amount >= 100.50",
    "100 < amount",
    "amount = 0",
    "ok",
    "ok = true",
    "false != ok",
    'since > @"2025-01-01"',
    '@"2025-01-01" >= since',
    'kind in ("person", "company")',
    "amount in (1, 2.5, 100)",
    'ok and kind = "company"',
    'ok or kind = "company"',
    'amount > 100 and kind in ("a", "b") or not_there',
    'kind = "a" or kind = "b" or kind = "c"',
]
OTHER_SHAPES = [
    "amount / count > 10",
    "amount = null",
    'since = @"2025-01-01"',
    'stamp > @"2025-01-01T00:00:00"',
    '$user.name = "li"',
    "not(ok)",
    'kind in ("a", 1)',
    "ok and amount / count > 1",
    "amount > count",
    "amount != -0",  # a negated literal
    "$today",
]

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["company", "person", "a", "b", "m", "", "Company"]),
    st.text(max_size=3),
    st.integers(-3, 200),
    st.sampled_from(
        [Decimal("100"), Decimal("100.50"), Decimal("-0"), Decimal("2.5"), Decimal("1E+2")]
    ),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity")]),
    st.dates(min_value=date(2024, 6, 1), max_value=date(2025, 6, 1)),
    st.sampled_from(
        [datetime(2025, 1, 1, 12, tzinfo=UTC), 1.5, ["company"], {"kind": "a"}, object()]
    ),
)
NAMES = ("kind", "amount", "ok", "since", "stamp", "count")
VARIABLES = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=len(NAMES))


def general(source: str) -> CompiledExpression:
    """The expression without a direct closure: `evaluate` runs the compiled closures only."""
    expression = compile_expression(source)
    expression.direct = None
    return expression


@pytest.mark.parametrize("source", DIRECT_SHAPES)
def test_common_condition_shapes_have_a_direct_closure(source: str) -> None:
    assert compile_expression(source).direct is not None


@pytest.mark.parametrize("source", OTHER_SHAPES)
def test_other_shapes_have_none(source: str) -> None:
    assert compile_expression(source).direct is None


def test_expressions_known_to_give_no_boolean_have_none() -> None:
    scope = Scope({"amount": NUMBER, "ok": BOOLEAN})
    assert compile_expression("amount", scope).direct is None
    assert compile_expression("ok", scope).direct is not None
    assert compile_expression("amount > 1", scope).direct is not None


@pytest.mark.parametrize("source", DIRECT_SHAPES)
@given(variables=VARIABLES)
def test_a_direct_answer_is_the_evaluation(source: str, variables: dict[str, Any]) -> None:
    direct = compile_expression(source).direct
    assert direct is not None
    answer = direct(variables)
    if answer is not UNDECIDED:
        expected = general(source).evaluate(variables, context=CONTEXT)
        assert expected.diagnostics == ()
        assert type(answer) is bool
        assert answer is expected.value


@pytest.mark.parametrize("source", DIRECT_SHAPES)
@given(variables=VARIABLES, traps=st.booleans())
def test_evaluate_is_unchanged_in_any_decimal_context(
    source: str, variables: dict[str, Any], traps: bool
) -> None:
    with localcontext() as caller:
        caller.traps[InvalidOperation] = traps
        found = compile_expression(source).evaluate(variables, context=CONTEXT)
        expected = general(source).evaluate(variables, context=CONTEXT)
    assert found == expected
    assert repr(found.value) == repr(expected.value)


@pytest.mark.parametrize(
    ("source", "variables", "answer"),
    [
        ('kind = "company"', {"kind": "company"}, True),
        ('kind = "company"', {"kind": "person"}, False),
        ('kind = "company"', {"kind": None}, UNDECIDED),
        ('kind = "company"', {}, UNDECIDED),  # missing: the evaluation reports it
        ("amount > 100", {"amount": Decimal("100.01")}, True),
        ("amount > 100", {"amount": 101}, UNDECIDED),  # an int: normalised on the general path
        ("amount > 100", {"amount": Decimal("NaN")}, UNDECIDED),
        ("100 < amount", {"amount": Decimal("99")}, False),
        ("ok", {"ok": False}, False),
        ("ok", {"ok": "yes"}, UNDECIDED),
        ('kind in ("a", "b")', {"kind": "b"}, True),
        ('ok and kind = "a"', {"ok": False}, False),  # stops where `and` stops
        ('ok and kind = "a"', {"ok": True}, UNDECIDED),
        ('ok or kind = "a"', {"ok": True, "kind": None}, True),
    ],
)
def test_direct_answers(source: str, variables: dict[str, Any], answer: object) -> None:
    direct = compile_expression(source).direct
    assert direct is not None
    assert direct(variables) is answer
