"""Parser and printer: accepted syntax, canonical printing, round trips, limits, robustness."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from expr_strategies import TREES
from hypothesis import given, settings
from hypothesis import strategies as st

from brickwork.engines.expr import (
    ExprSyntaxError,
    Limits,
    format_cell,
    format_expression,
    parse,
    parse_unary_tests,
)
from brickwork.engines.expr.syntax import (
    Arg,
    Arith,
    Expr,
    Name,
    Number,
)

# (source, canonical form)
CANONICAL = [
    ("a+b*c", "a + b * c"),
    ("(a+b)*c", "(a + b) * c"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("2 ** (3 ** 2)", "2 ** (3 ** 2)"),
    ("-(a + b)", "-(a + b)"),
    ("a  and  b or c", "a and b or c"),
    ("a and (b or c)", "a and (b or c)"),
    ("not(a)", "not(a)"),
    ("x in ( 1 , 2 )", "x in (1, 2)"),
    ("x in (1)", "x in 1"),
    ("x in [1..5)", "x in [1..5)"),
    ("x in (<5, >=10)", "x in (< 5, >= 10)"),
    ("x between 1 and 2", "x between 1 and 2"),
    ("if a then b else c", "if a then b else c"),
    ("(if a then b else c) + 1", "(if a then b else c) + 1"),
    ("items[amount > 100].amount", "items[amount > 100].amount"),
    ('{a:1, "b c": 2}', "{a: 1, b c: 2}"),
    ('{"if": 1, "a-b": 2}', '{"if": 1, "a-b": 2}'),
    ("{first name: 1}", "{first name: 1}"),
    ('"tab\\there"', '"tab\\there"'),
    ('"quote \\" and \\\\"', '"quote \\" and \\\\"'),
    ('"\\u4e2d"', '"中"'),
    ('@"2025-03-03"', '@"2025-03-03"'),
    ('@"P1Y2M"', '@"P1Y2M"'),
    ('@"PT90M"', '@"PT1H30M"'),
    ('@"2025-03-03T10:00:00+08:00"', '@"2025-03-03T10:00:00+08:00"'),
    ("for i in 1..3 return i", "for i in 1..3 return i"),
    ("some x in xs , y in ys satisfies x > y", "some x in xs, y in ys satisfies x > y"),
    ("every x in xs satisfies x", "every x in xs satisfies x"),
    ('string   length("a")', 'string length("a")'),
    ('date and time("2025-03-03T10:00:00")', 'date and time("2025-03-03T10:00:00")'),
    ("substring(string: s, start position: 2)", "substring(string: s, start position: 2)"),
    ("SUM(a, b) // a comment", "SUM(a, b)"),
    ("/* block\ncomment */ a", "a"),
    ("金额 > 100", "金额 > 100"),
    ("$user.department", "$user.department"),
    (".5 + 1.50", "0.5 + 1.50"),
    ("-2 ** 2", "-2 ** 2"),
    ("(-2) ** 2", "-2 ** 2"),
    ("a.b.c[1]", "a.b.c[1]"),
    ("(a + 1).b", "(a + 1).b"),
    ("[]", "[]"),
    ("{}", "{}"),
    ("f()", "f()"),
]


@pytest.mark.parametrize(("source", "canonical"), CANONICAL)
def test_canonical_form(source: str, canonical: str) -> None:
    assert format_expression(source) == canonical
    assert parse(canonical) == parse(source)


CELLS = [
    ("-", "-"),
    ("<10", "< 10"),
    ('"A","B"', '"A", "B"'),
    ("not( [1..5] )", "not([1..5])"),
    ("? > 3 and ? < 9", "? > 3 and ? < 9"),
    ("-5", "-5"),
    ("not(< 5, > 10)", "not(< 5, > 10)"),
]


@pytest.mark.parametrize(("source", "canonical"), CELLS)
def test_cell_canonical_form(source: str, canonical: str) -> None:
    assert format_cell(source) == canonical
    assert parse_unary_tests(canonical) == parse_unary_tests(source)


def test_spans_are_recorded() -> None:
    tree = parse("a +\n  bb")
    assert isinstance(tree, Arith)
    assert (tree.right.span.line, tree.right.span.column) == (2, 3)
    assert (tree.right.span.end_line, tree.right.span.end_column) == (2, 5)


def test_limits_have_their_own_codes() -> None:
    with pytest.raises(ExprSyntaxError) as too_long:
        parse("1" * 20, limits=Limits(max_source_length=10))
    assert too_long.value.code == "E_LIMIT_SOURCE_LENGTH"
    with pytest.raises(ExprSyntaxError) as too_deep:
        parse("[" * 40 + "1" + "]" * 40, limits=Limits(max_depth=20))
    assert too_deep.value.code == "E_LIMIT_DEPTH"
    with pytest.raises(ExprSyntaxError) as chain:
        parse("+".join(["1"] * 5000))
    assert chain.value.code == "E_LIMIT_DEPTH"


def test_every_multi_word_function_name_of_the_registry_is_read_as_one_call() -> None:
    from brickwork.engines.expr import REGISTRY
    from brickwork.engines.expr.syntax import Call

    spaced = {n for n in REGISTRY.all_names if " " in n}
    assert spaced
    for name in spaced:
        spread = name.replace(" ", "  ").upper()
        assert parse(f"{spread}(x)") == Call(name.upper(), (Arg(Name("x")),)), name


# ---------------------------------------------------------------- properties


@settings(max_examples=400)
@given(TREES)
def test_parse_of_print_is_identity(tree: Expr) -> None:
    text = format_expression(tree)
    assert parse(text) == tree, text
    assert format_expression(parse(text)) == text


@settings(max_examples=600)
@given(st.text(max_size=60))
def test_parser_only_raises_its_own_error_on_random_text(text: str) -> None:
    for entry in (parse, parse_unary_tests):
        try:
            entry(text)
        except ExprSyntaxError as exc:
            error = exc
        else:
            continue
        assert error.line >= 1
        assert error.code.startswith("E_")


TOKENS = st.sampled_from(
    ["a", "1", "2.5", '"s"', "+", "-", "*", "/", "**", "(", ")", "[", "]", "{", "}", ",", ":",
     "..", ".", "=", "!=", "<", ">=", "and", "or", "not", "if", "then", "else", "for", "in",
     "return", "some", "every", "satisfies", "between", "true", "null", "?", "@", "sum",
     "date and time", "（", "'", "&&", "==", "$user", "item"]
)  # fmt: skip


@settings(max_examples=600)
@given(st.lists(TOKENS, max_size=14).map(" ".join))
def test_parser_only_raises_its_own_error_on_random_token_soup(text: str) -> None:
    for entry in (parse, parse_unary_tests):
        with contextlib.suppress(ExprSyntaxError):
            entry(text)


def test_number_literals_are_decimals() -> None:
    tree = parse("0.1")
    assert tree == Number(Decimal("0.1"))
