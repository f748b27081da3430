"""Static checking against a scope: inferred types and design-time errors."""

from __future__ import annotations

from typing import get_args

import pytest

from brickwork.engines.expr import (
    ExprCheckError,
    Scope,
    as_type,
    check,
    checker,
    compile_expression,
    compiler,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.syntax import Expr

SCOPE = Scope.of(
    {
        "amount": "number",
        "channel": "string",
        "opened": "date",
        "at": "date and time",
        "approved": "boolean",
        "items": "list<number>",
        "guarantors": {"name": "string", "amount": "money"},
        "tags": "list",
        "anything": "any",
    },
    user={"department": "string", "level": "number"},
    extra={"record": "context"},
)
SCOPE = Scope(
    {**SCOPE.fields, "guarantors": t.list_of(SCOPE.fields["guarantors"])},
    SCOPE.user,
    SCOPE.extra,
)

TYPES = [
    ("amount + 1", "number"),
    ('channel + "x"', "string"),
    ('opened + @"P1D"', "date"),
    ("opened - opened", "days and time duration"),
    ('at - @"P1M"', "date and time"),
    ("amount > 1 and approved", "boolean"),
    ("if approved then amount else null", "number"),
    ('if approved then amount else "x"', "any"),
    ("items[item > 1]", "list<number>"),
    ("items[1]", "number"),
    ("guarantors.amount", "list<number>"),
    ("guarantors[amount > 100].name", "list<string>"),
    ("sum(guarantors.amount)", "number"),
    ("max(items)", "number"),
    ("for x in items return x * 2", "list<number>"),
    ("some g in guarantors satisfies g.amount > 1", "boolean"),
    ("{a: 1, b: a}.b", "number"),
    ("[1, 2]", "list<number>"),
    ("[1..2]", "range<number>"),
    ("$user.level", "number"),
    ("$now", "date and time"),
    ("$today.year", "number"),
    ("$record.anything", "any"),
    ("anything.x.y + 1", "any"),
    ("tags[item = 1]", "list"),
    ('date("2025-01-01")', "date"),
    ("COALESCE(amount, 0)", "number"),
    ("IF(approved, 1, 2)", "number"),
    ("opened.year", "number"),
    ('@"P1Y".months', "number"),
]


@pytest.mark.parametrize(("source", "expected"), TYPES)
def test_inferred_type(source: str, expected: str) -> None:
    result = check(source, SCOPE)
    assert result.ok, [d.message for d in result.diagnostics]
    assert str(result.type) == expected


ERRORS = [
    ("amout", "E_UNKNOWN_NAME"),
    ("guarantors[amout > 1]", "E_UNKNOWN_NAME"),
    ("$user.dept", "E_UNKNOWN_FIELD"),
    ("opened.hour", "E_NO_PROPERTY"),
    ("amount.x", "E_NO_PROPERTY"),
    ("nope(1)", "E_UNKNOWN_FUNCTION"),
    ("abs(1, 2)", "E_ARGUMENT_COUNT"),
    ("substring(string: channel, begin: 1)", "E_ARGUMENT_NAME"),
    ("abs(channel)", "E_ARGUMENT_TYPE"),
    ("sum(guarantors.name)", "E_ARGUMENT_TYPE"),
    ("amount = channel", "E_IMPOSSIBLE_COMPARISON"),
    ("approved < true", "E_IMPOSSIBLE_COMPARISON"),
    ('amount between 1 and "9"', "E_IMPOSSIBLE_COMPARISON"),
    ('amount in ("a", "b")', "E_IMPOSSIBLE_COMPARISON"),
    ('amount in ["a".."b"]', "E_IMPOSSIBLE_COMPARISON"),
    ("amount and approved", "E_NOT_BOOLEAN"),
    ("if channel then 1 else 2", "E_NOT_BOOLEAN"),
    ("items[channel]", "E_NOT_BOOLEAN"),
    ("every x in items satisfies x", "E_NOT_BOOLEAN"),
    ("opened * 2", "E_TYPE_MISMATCH"),
    ("-channel", "E_TYPE_MISMATCH"),
    ('[1.."b"]', "E_TYPE_MISMATCH"),
    ("for i in 1..channel return i", "E_TYPE_MISMATCH"),
    ("? > 1", "E_UNKNOWN_NAME"),
]


@pytest.mark.parametrize(("source", "code"), ERRORS)
def test_design_time_error(source: str, code: str) -> None:
    result = check(source, SCOPE)
    assert [d.code for d in result.diagnostics][:1] == [code]
    assert result.diagnostics[0].line == 1
    with pytest.raises(ExprCheckError):
        compile_expression(source, SCOPE)


def test_all_errors_are_reported_not_just_the_first() -> None:
    result = check("amout + chanel", SCOPE)
    assert [d.code for d in result.diagnostics] == ["E_UNKNOWN_NAME", "E_UNKNOWN_NAME"]
    assert [d.column for d in result.diagnostics] == [1, 9]


def test_unknown_functions_are_rejected_even_without_a_scope() -> None:
    with pytest.raises(ExprCheckError) as caught:
        compile_expression("VLOOKUP(1, 2)")
    assert caught.value.code == "E_UNKNOWN_FUNCTION"
    with pytest.raises(ExprCheckError) as count:
        compile_expression("abs()")
    assert count.value.code == "E_ARGUMENT_COUNT"


def test_compiled_expression_knows_its_type() -> None:
    assert compile_expression("amount * 2", SCOPE).result_type == t.NUMBER


def test_type_specs() -> None:
    assert as_type("list<list<number>>") == t.list_of(t.list_of(t.NUMBER))
    assert as_type("Money") == t.NUMBER
    with pytest.raises(ValueError, match="unknown expression type"):
        as_type("colour")
    assert str(as_type({"a": "number"})) == "context{a: number}"


def test_every_node_type_has_a_checker_and_a_compiler_entry() -> None:
    """Checking and compiling dispatch on the node's exact type: a node type added to `Expr`
    without entries would fail at run time, so this fails first."""
    node_types = set(get_args(Expr))
    assert len(node_types) > 20
    assert node_types - set(checker._INFER) == set()
    assert node_types - set(compiler._COMPILE) == set()
