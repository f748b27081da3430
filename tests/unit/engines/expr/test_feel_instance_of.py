"""`instance of` with every type form of DMN 1.5 (§10.3.2.9 type conformance, §10.3.2.15)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from expr_support import shown

from brickwork.engines.expr import (
    ExpressionError,
    NotPushable,
    Scope,
    compile_expression,
    to_sql_ir,
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("5 instance of number", "true"),
        ('"a" instance of string', "true"),
        ("true instance of boolean", "true"),
        ('date("2020-01-01") instance of date', "true"),
        ('time("10:00:00") instance of time', "true"),
        ('date and time("2020-01-01T10:00:00") instance of date and time', "true"),
        ('duration("P1DT2H") instance of days and time duration', "true"),
        ('duration("P1Y2M") instance of years and months duration', "true"),
        ("5 instance of string", "false"),
        # date and date and time are distinct types
        ('date("2020-01-01") instance of date and time', "false"),
        ('date and time("2020-01-01T10:00:00") instance of date', "false"),
        ('duration("P1Y") instance of days and time duration', "false"),
        ('duration("P1D") instance of years and months duration', "false"),
        # Null conforms only to Null; Any is every type but Null's value
        ("null instance of Null", "true"),
        ("null instance of number", "false"),
        ("null instance of Any", "false"),
        ("5 instance of Null", "false"),
        ("5 instance of Any", "true"),
        ("[1, 2] instance of Any", "true"),
        # lists: every element conforms; the empty list conforms to any list type
        ("[1, 2] instance of list<number>", "true"),
        ('[1, "a"] instance of list<number>', "false"),
        ('[1, "a"] instance of list<Any>', "true"),
        ("[] instance of list<string>", "true"),
        ("[1] instance of list", "true"),
        ("1 instance of list", "false"),
        ("[[1], [2, 3]] instance of list<list<number>>", "true"),
        ('[[1], ["x"]] instance of list<list<number>>', "false"),
        # contexts: extra entries are allowed, the named ones must be there and conform
        ("{a: 1, b: 2} instance of context<a: number>", "true"),
        ('{a: "x"} instance of context<a: number>', "false"),
        ("{b: 1} instance of context<a: number>", "false"),
        ("{a: 1} instance of context", "true"),
        ('{a: [{b: "x"}]} instance of context<a: list<context<b: string>>>', "true"),
        ("{a: [{b: 1}]} instance of context<a: list<context<b: string>>>", "false"),
        # ranges
        ("[1..5] instance of range<number>", "true"),
        ("[1..5] instance of range<string>", "false"),
        ("(< 10) instance of range<number>", "true"),
        ('[date("2020-01-01")..date("2020-02-01")] instance of range<date>', "true"),
        ("[1..5] instance of range", "true"),
        ("[1..5] instance of list", "false"),
        # functions: arity, and each declared parameter type accepts the tested one
        ("(function(x) x) instance of function", "true"),
        ("(function(x) x) instance of function<number> -> Any", "true"),
        ("(function(x: number) x) instance of function<number> -> number", "true"),
        ("(function(x: number) x) instance of function<string> -> Any", "false"),
        ("(function(x: number) x) instance of function<Any> -> Any", "false"),
        ("(function(x: Any) x) instance of function<number> -> Any", "true"),
        ("(function(x, y) x) instance of function<number> -> Any", "false"),
        ("(function(x) x) instance of number", "false"),
        ("5 instance of function", "false"),
        # `instance of` is a boolean like any other comparison
        ('1 instance of number and "x" instance of string', "true"),
    ],
)
def test_instance_of_follows_type_conformance(source: str, expected: str) -> None:
    assert shown(source) == (expected, ())


@pytest.mark.parametrize(
    ("variables", "source", "expected"),
    [
        ({"x": 5}, "x instance of number", True),
        ({"x": [1, 2]}, "x instance of list<number>", True),
        ({"x": (1, "a")}, "x instance of list<number>", False),
        ({"x": {"a": 1}}, "x instance of context<a: number>", True),
        ({"x": date(2020, 1, 1)}, "x instance of date", True),
        ({"x": None}, "x instance of Null", True),
    ],
)
def test_caller_values_are_tested_after_conversion(
    variables: dict[str, Any], source: str, expected: bool
) -> None:
    assert compile_expression(source).evaluate(variables).value is expected


@pytest.mark.parametrize(
    ("source", "column", "named"),
    [
        ("x instance of numbr", 15, "`numbr`"),
        ("x instance of list<strng>", 20, "`strng`"),
        ("x instance of context<a: lisst<number>>", 26, "`lisst`"),
        ("function(y: numbr) y", 13, "`numbr`"),
    ],
)
def test_unknown_type_names_are_refused_before_evaluation_with_a_position(
    source: str, column: int, named: str
) -> None:
    # Refused when the expression is compiled, by the parser (`E_SYNTAX`) or the checker
    # (`E_UNKNOWN_TYPE`), whichever reads the type first; never a false at run time.
    for scope in (Scope.of({"x": "number"}), None):
        with pytest.raises(ExpressionError) as caught:
            compile_expression(source, scope)
        assert caught.value.code in ("E_UNKNOWN_TYPE", "E_SYNTAX")
        diagnostic = caught.value.diagnostics[0]
        assert (diagnostic.line, diagnostic.column) == (1, column)
        assert named in diagnostic.message


def test_instance_of_has_a_boolean_static_type() -> None:
    compiled = compile_expression("x instance of number", Scope.of({"x": "number"}))
    assert compiled.result_type.kind == "boolean"


def test_instance_of_does_not_run_in_sql() -> None:
    with pytest.raises(NotPushable):
        to_sql_ir("x instance of number", Scope.of({"x": "number"}), predicate=True)
