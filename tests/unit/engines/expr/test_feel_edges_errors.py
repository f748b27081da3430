"""Errors surface: a null that an evaluation produced by failing (null plus a diagnostic) is
unknown, not FEEL's genuine `null`. So two failed values are not equal (`date("x") = date("y")`
is null, not `true`), a cell does not match an input that failed, and every such result carries
its diagnostics (`ok` is false). Genuine nulls keep FEEL's `null = null` (DMN 1.5 §10.3.2.2)."""

from __future__ import annotations

import pytest
from expr_support import run, shown

from brickwork.engines.expr import compile_expression, compile_unary_tests

FAILED: list[tuple[str, str, tuple[str, ...]]] = [
    ('date("x") = date("y")', "null", ("E_ARG_VALUE", "E_ARG_VALUE")),
    ('number("a") = number("b")', "null", ("E_ARG_VALUE", "E_ARG_VALUE")),
    ('number("a") != number("b")', "null", ("E_ARG_VALUE", "E_ARG_VALUE")),
    ('date("x") = null', "null", ("E_ARG_VALUE",)),
    ('null = date("x")', "null", ("E_ARG_VALUE",)),
    ('date("x") != null', "null", ("E_ARG_VALUE",)),
    ('date("x") = @"2025-01-01"', "null", ("E_ARG_VALUE",)),
    ('date("x") != @"2025-01-01"', "null", ("E_ARG_VALUE",)),
    ('upper case(s) = "A"', "true", ()),
    ("undefined_name = null", "null", ("E_UNDEFINED_NAME",)),
    ('undefined_name in ("a", "b")', "null", ("E_UNDEFINED_NAME",)),
    ('number("a") in (1, 2)', "null", ("E_ARG_VALUE",)),
    ('number("a") in [1, null]', "null", ("E_ARG_VALUE",)),
    ('null in (number("a"))', "null", ("E_ARG_VALUE",)),
    ('null in [number("a")]', "null", ("E_ARG_VALUE",)),
    ('if number("a") = number("b") then "same" else "different"', '"different"',
     ("E_ARG_VALUE", "E_ARG_VALUE")),
    # genuine nulls
    ("null = null", "true", ()),
    ("null != null", "false", ()),
    ("x = null", "true", ()),
    ("x = y", "true", ()),
    ("x in [1, null]", "true", ()),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected", "codes"), FAILED)
def test_a_failed_null_is_unknown(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source, {"x": None, "y": None, "s": "a"}) == (expected, codes)


def test_an_evaluation_that_reported_a_diagnostic_is_not_ok() -> None:
    result = run('date("x") = date("y")')
    assert (result.value, result.ok) == (None, False)
    assert run("null = null").ok


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("null", None), ('date("y")', None), ("< 5", None), ("not(1)", None), ("-", True)],
)
def test_a_cell_does_not_match_an_input_that_failed(cell: str, expected: bool | None) -> None:
    failed_input = compile_expression('date("x")').evaluate({})
    result = compile_unary_tests(cell).test(failed_input)
    assert result.value is expected
    assert [d.code for d in result.diagnostics] == ["E_ARG_VALUE"]
    assert not result.ok


def test_a_cell_takes_the_value_of_an_input_that_succeeded() -> None:
    good_input = compile_expression('date("2025-01-01")').evaluate({})
    assert compile_unary_tests('@"2025-01-01"').test(good_input) == (True, ())
    assert compile_unary_tests("null").test(compile_expression("null").evaluate({})) == (True, ())


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ('date("y")', ("E_ARG_VALUE",)),
        ('= number("a")', ("E_ARG_VALUE",)),
        ('[1, number("a")]', ("E_ARG_VALUE",)),
        ('? = number("a")', ("E_ARG_VALUE",)),
    ],
)
def test_a_cell_whose_own_value_fails_does_not_match_null(
    cell: str, codes: tuple[str, ...]
) -> None:
    result = compile_unary_tests(cell).test(None)
    assert result.value is None
    assert tuple(d.code for d in result.diagnostics) == codes
