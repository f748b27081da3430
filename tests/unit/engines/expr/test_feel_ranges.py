"""Ranges as values (DMN 1.5 §10.3.2.7): open and closed ends, unbounded ends from unary
comparisons, null endpoints, equality, the range properties, `in`, ranges in lists, and the
built-in `range(from)` (§10.3.4)."""

from __future__ import annotations

import pytest
from expr_support import shown

from brickwork.engines.expr import (
    ExprCheckError,
    NotPushable,
    Scope,
    compile_expression,
    compile_unary_tests,
    to_sql_ir,
)
from brickwork.engines.expr.sql_ir import SqlAnd, SqlCompare


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # The properties of §10.3.2.7 (Table "range properties").
        ("[1..10].start", "1"),
        ("[1..10].end", "10"),
        ("[1..10].start included", "true"),
        ("[1..10].end included", "true"),
        ("(1..10].start included", "false"),
        ("[1..10).end included", "false"),
        ("(< 10).start", "null"),
        ("(< 10).start included", "false"),
        ("(< 10).end", "10"),
        ("(< 10).end included", "false"),
        ("(<= 10).end included", "true"),
        ("(> 10).start", "10"),
        ("(> 10).start included", "false"),
        ("(> 10).end", "null"),
        ("(> 10).end included", "false"),
        ("(>= 10).start included", "true"),
        ('[@"2020-01-01"..@"2020-12-31"].end', '@"2020-12-31"'),
    ],
)
def test_range_properties(source: str, expected: str) -> None:
    assert shown(source) == (expected, ())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("5 in [1..10]", "true"),
        ("1 in [1..10]", "true"),
        ("1 in (1..10]", "false"),
        ("10 in [1..10)", "false"),
        ("5 in (< 10)", "true"),
        ("10 in (< 10)", "false"),
        ("10 in (<= 10)", "true"),
        ("11 in (> 10)", "true"),
        ("10 in (> 10)", "false"),
        ("10 in (>= 10)", "true"),
        ('"b" in (< "c")', "true"),
        ('@"2020-06-01" in [@"2020-01-01"..@"2020-12-31"]', "true"),
        # A null endpoint makes the test unknown, not false.
        ("5 in (null..10]", "null"),
        ("5 in [1..null]", "null"),
        # Ranges inside lists are tested by membership (`e in [r1, r2]` is `e in r1 or e in r2`).
        ("1 in [[2..4], [1..3]]", "true"),
        ("5 in [[2..4], [1..3]]", "false"),
        ("3 in [[1..2], 3]", "true"),
        ("12 in [(< 10), (> 11)]", "true"),
    ],
)
def test_membership_in_ranges(source: str, expected: str) -> None:
    assert shown(source) == (expected, ())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[1..10] = [1..10]", "true"),
        ("[1..10] = [1..10)", "false"),
        ("[1..10] = [1..9]", "false"),
        ("(< 10) = (< 10)", "true"),
        ("(< 10) = (<= 10)", "false"),
        ("(< 10) = (> 10)", "false"),
        ("[1..10] != [1..10]", "false"),
        ("[(< 10), [1..2]] = [(< 10), [1..2]]", "true"),
        ("[null..10]", "null"),
        ("(< null)", "null"),
    ],
)
def test_range_values_and_equality(source: str, expected: str) -> None:
    assert shown(source) == (expected, ())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # The examples of `range(from)` in DMN 1.5 §10.3.4 (Table "Conversion functions").
        ('range("[18..21)") = [18..21)', "true"),
        ('range("[2..)") = (>= 2)', "true"),
        ('range("(..2)") = (< 2)', "true"),
        ('range("<10") = (< 10)', "true"),
        ('range("<=10") = (<= 10)', "true"),
        ('range(">= 2")', "(>= 2)"),
        ('range("(1..10]")', "(1..10]"),
        ('range("]1..10]") = (1..10]', "true"),
        ('range("[1..10[") = [1..10)', "true"),
        ('range("[\\"a\\"..\\"c\\"]") = ["a".."c"]', "true"),
        ('range("[@\\"2020-01-01\\"..@\\"2020-12-31\\"]")', '[@"2020-01-01"..@"2020-12-31"]'),
        ('range("[date(\\"2020-01-01\\")..date(\\"2020-12-31\\")]") instance of range<date>',
         "true"),
        ('range("[duration(\\"P1D\\")..duration(\\"P5D\\")]").end', '@"P5D"'),
        ('2 in range("[1..3]")', "true"),
        ('range(from: "[1..2]")', "[1..2]"),
        ("range(null)", "null"),
    ],
)  # fmt: skip
def test_range_function(source: str, expected: str) -> None:
    assert shown(source) == (expected, ())


@pytest.mark.parametrize(
    "text",
    # `range("")` and `range("[..]")` are null in the spec's examples; a diagnostic says why.
    ["", "[..]", "[1..2", "[..2]", "[1..]", '[1.."a"]', "[1..x]", "[true..false]", "= 1", "1..2"],
)
def test_range_function_refuses_what_is_not_a_range_literal(text: str) -> None:
    result = compile_expression("range(t)").evaluate({"t": text})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_FUNCTION"]


def test_cells_with_ranges() -> None:
    cell = compile_unary_tests("(null..10]")
    assert cell.test(5).value is None
    assert compile_unary_tests("[2..4], [6..8]").test(7).value is True
    assert compile_unary_tests("[[2..4], [6..8]]").test(7).value is True
    assert compile_unary_tests("(< 10)").test(12).value is False


def test_static_types_of_ranges() -> None:
    scope = Scope.of({"x": "number"})
    assert str(compile_expression("[1..x]", scope).result_type) == "range<number>"
    assert str(compile_expression("(< x)", scope).result_type) == "range<number>"
    assert compile_expression("(< x).end included", scope).result_type.kind == "boolean"
    assert compile_expression("(< x).end", scope).result_type.kind == "number"
    assert str(compile_expression('range("[1..2]")', scope).result_type) == "range"


@pytest.mark.parametrize("source", ["(< true)", "(> [1])", "[1..x].colour"])
def test_range_mistakes_are_check_time_errors(source: str) -> None:
    with pytest.raises(ExprCheckError) as caught:
        compile_expression(source, Scope.of({"x": "number"}))
    assert caught.value.code in ("E_TYPE_MISMATCH", "E_NO_PROPERTY")


@pytest.mark.parametrize(
    ("source", "ops"),
    [("x in (< 10)", ["<"]), ("x in (>= 2)", [">="]), ("x in (1..10]", [">", "<="])],
)
def test_membership_in_unbounded_ranges_runs_in_sql(source: str, ops: list[str]) -> None:
    ir = to_sql_ir(source, Scope.of({"x": "number"}), predicate=True)
    compares = ir.operands if isinstance(ir, SqlAnd) else (ir,)
    assert [c.op for c in compares if isinstance(c, SqlCompare)] == ops


def test_range_values_do_not_run_in_sql() -> None:
    with pytest.raises(NotPushable):
        to_sql_ir("(< x).end > 1", Scope.of({"x": "number"}), predicate=True)


@pytest.mark.parametrize(
    ("source", "inside", "outside"),
    [("x in [[2..4], [1..3]]", 1, 5), ("x in [(< 10), (> 20)]", 21, 15)],
)
def test_lists_of_ranges_pass_the_checker(source: str, inside: int, outside: int) -> None:
    compiled = compile_expression(source, Scope.of({"x": "number"}))
    assert compiled.evaluate({"x": inside}).value is True
    assert compiled.evaluate({"x": outside}).value is False


def test_a_list_of_ranges_of_another_kind_is_a_check_time_error() -> None:
    with pytest.raises(ExprCheckError) as caught:
        compile_expression('x in [["a".."c"]]', Scope.of({"x": "number"}))
    assert caught.value.code == "E_IMPOSSIBLE_COMPARISON"
