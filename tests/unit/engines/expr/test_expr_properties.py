"""Properties: Decimal arithmetic is exactly Python's decimal128 arithmetic, and evaluation of
any tree over any input returns an `Evaluation` instead of raising."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, DecimalException
from typing import Any

from expr_strategies import TREES
from hypothesis import given, settings
from hypothesis import strategies as st

from brickwork.engines.expr import ExpressionError, compile_expression
from brickwork.engines.expr.printer import format_expression
from brickwork.engines.expr.runtime import Evaluation
from brickwork.engines.expr.syntax import Expr

REFERENCE = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143)
OPERATIONS = {
    "+": REFERENCE.add,
    "-": REFERENCE.subtract,
    "*": REFERENCE.multiply,
    "/": REFERENCE.divide,
}

DECIMALS = st.builds(
    lambda digits, exponent, negative: Decimal(digits).scaleb(exponent) * (-1 if negative else 1),
    st.integers(0, 10**34 - 1),
    st.integers(-40, 40),
    st.booleans(),
)


@settings(max_examples=1000)
@given(DECIMALS, DECIMALS, st.sampled_from(sorted(OPERATIONS)))
def test_arithmetic_matches_python_decimal(a: Decimal, b: Decimal, op: str) -> None:
    result = compile_expression(f"a {op} b").evaluate({"a": a, "b": b})
    try:
        expected: Decimal | None = OPERATIONS[op](a, b)
    except DecimalException:
        expected = None
    assert result.value == expected
    if expected is not None:
        assert str(result.value) == str(expected)
        assert result.ok
    else:
        assert result.diagnostics


@settings(max_examples=300)
@given(DECIMALS, st.integers(-20, 20))
def test_integer_powers_match_python_decimal(a: Decimal, n: int) -> None:
    result = compile_expression("a ** n").evaluate({"a": a, "n": Decimal(n)})
    try:
        expected: Decimal | None = REFERENCE.power(a, Decimal(n))
    except DecimalException:
        expected = None
    if a == 0 and n < 0:
        expected = None
    if n == 0:
        expected = Decimal(1)  # Python's decimal refuses 0 ** 0; FEEL engines give 1
    assert result.value == expected


@settings(max_examples=300)
@given(st.lists(DECIMALS, max_size=8))
def test_sum_matches_sequential_decimal_addition(values: list[Decimal]) -> None:
    result = compile_expression("sum(xs)").evaluate({"xs": values})
    expected: Decimal | None = None
    if values:
        expected = Decimal(0)
        for value in values:
            expected = REFERENCE.add(expected, value)
    assert result.value == expected


VALUES: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        DECIMALS,
        st.integers(-(10**40), 10**40),
        st.text(max_size=5),
        st.dates(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("ab"), inner, max_size=2)
    ),
    max_leaves=6,
)


@settings(max_examples=500)
@given(TREES, st.dictionaries(st.sampled_from(["a", "b", "amount", "item", "first"]), VALUES))
def test_evaluation_never_raises(tree: Expr, variables: dict[str, Any]) -> None:
    source = format_expression(tree)
    try:
        compiled = compile_expression(source)
    except ExpressionError:
        return
    result = compiled.evaluate(variables)
    assert isinstance(result, Evaluation)
    assert all(d.code != "E_INTERNAL" for d in result.diagnostics), (source, result)
