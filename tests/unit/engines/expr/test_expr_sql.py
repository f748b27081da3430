"""AST → SQL IR: the translation of the pushable subset and the refusals (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brickwork.engines.expr import REGISTRY, ExprCheckError, NotPushable, Scope, to_sql_ir
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.sql import SQL_CALLS
from brickwork.engines.expr.sql_ir import (
    SQL_FUNCTIONS,
    SqlAggregate,
    SqlAnd,
    SqlArith,
    SqlCase,
    SqlColumn,
    SqlCompare,
    SqlConcat,
    SqlEquals,
    SqlExpr,
    SqlFunction,
    SqlIn,
    SqlIsNull,
    SqlLiteral,
    SqlNot,
    SqlOr,
)

SCOPE = Scope(
    {
        "amount": t.NUMBER,
        "channel": t.STRING,
        "approved": t.BOOLEAN,
        "opened": t.DATE,
        "at": t.DATETIME,
        "items": t.list_of(t.context_of({"amount": "number"})),
        "tags": t.list_of(t.STRING),
    },
    user=t.context_of({"department": "string"}),
)
AMOUNT, CHANNEL = SqlColumn(("amount",)), SqlColumn(("channel",))


def num(value: int) -> SqlLiteral:
    return SqlLiteral(Decimal(value), "number")


def text(value: str) -> SqlLiteral:
    return SqlLiteral(value, "string")


IN_ONE_TO_TWO = SqlAnd((SqlCompare(">=", AMOUNT, num(1)), SqlCompare("<=", AMOUNT, num(2))))

TRANSLATIONS: list[tuple[str, bool, SqlExpr]] = [
    ("amount > 5", False, SqlCompare(">", AMOUNT, num(5))),
    ('channel < "b"', False, SqlCompare("<", CHANNEL, text("b"), text=True)),
    ("amount = 5", False, SqlEquals(AMOUNT, num(5))),
    ("amount = 5", True, SqlEquals(AMOUNT, num(5), null_safe=False)),
    ("not(amount = 5)", True, SqlNot(SqlEquals(AMOUNT, num(5)))),
    ("amount != 5", True, SqlEquals(AMOUNT, num(5), negated=True)),
    ("amount = null", False, SqlIsNull(AMOUNT)),
    ("null != channel", False, SqlIsNull(CHANNEL, negated=True)),
    ('channel in ("a", "b")', False, SqlIn(CHANNEL, (text("a"), text("b")))),
    ('channel in ["a", "b"]', True, SqlIn(CHANNEL, (text("a"), text("b")), null_is_false=False)),
    (
        "amount in [1..5)",
        False,
        SqlAnd((SqlCompare(">=", AMOUNT, num(1)), SqlCompare("<", AMOUNT, num(5)))),
    ),
    (
        "amount in (< 0, 7)",
        False,
        SqlOr((SqlCompare("<", AMOUNT, num(0)), SqlEquals(AMOUNT, num(7)))),
    ),
    (
        "amount between 1 and 2 and approved or false",
        False,
        SqlOr(
            (
                SqlAnd(
                    (
                        IN_ONE_TO_TWO,
                        SqlColumn(("approved",)),
                    )
                ),
                SqlLiteral(False, "boolean"),
            )
        ),
    ),
    ("amount * 2 - 1", False, SqlArith("-", SqlArith("*", AMOUNT, num(2)), num(1))),
    ('channel + "!"', False, SqlConcat(CHANNEL, text("!"))),
    (
        'if approved then "y" else "n"',
        False,
        SqlCase(((SqlColumn(("approved",)), text("y")),), text("n")),
    ),
    ("upper case(channel)", False, SqlFunction("upper", (CHANNEL,))),
    ("LEFT(channel, 2)", False, SqlFunction("substr", (CHANNEL, num(1), num(2)))),
    ("round half up(amount, 2)", False, SqlFunction("round_half_up", (AMOUNT, num(2)))),
    ("ISBLANK(amount)", False, SqlIsNull(AMOUNT)),
    ("sum(items.amount)", False, SqlAggregate("sum", SqlColumn(("items", "amount")))),
    ("YEAR(opened)", False, SqlFunction("year", (SqlColumn(("opened",)),))),
    ("date(at) >= today()", False, SqlCompare(">=", SqlFunction("date", (SqlColumn(("at",)),)),
                                               SqlColumn(("$today",)))),
    ("date(opened)", False, SqlFunction("date", (SqlColumn(("opened",)),))),
    ("today()", False, SqlColumn(("$today",))),
    ('$user.department = "HQ"', True, SqlEquals(SqlColumn(("$user", "department")), text("HQ"),
                                                null_safe=False)),
]  # fmt: skip


@pytest.mark.parametrize(("source", "predicate", "expected"), TRANSLATIONS)
def test_translation(source: str, predicate: bool, expected: SqlExpr) -> None:
    assert to_sql_ir(source, SCOPE, predicate=predicate) == expected


REFUSALS = [
    ("amount / 2 > 1", 1, 1, "division"),
    ("amount ** 2", 1, 1, "division and powers"),
    ('approved and matches(channel, "a")', 1, 14, "`matches` has no SQL form"),
    ("for x in tags return x", 1, 1, "iteration"),
    ('tags[item = "a"] = []', 1, 1, "lists"),
    ("substring(channel, amount)", 1, 1, "whole-number literal"),
    ("count(tags)", 1, 1, "sub-table column"),
    ("sum(1, 2)", 1, 1, "sub-table column"),
    ('opened + @"P1D" > opened', 1, 1, "only number arithmetic"),
    ('opened > @"10:00:00" or true', 1, 1, None),
    ("mean(items.amount)", 1, 1, "no SQL form"),
    ('rmb capitals(amount) = "壹元整"', 1, 1, "`rmb capitals` has no SQL form"),
    ("amount > 1 and allocate(amount, [1, 2]) = null", 1, 16, "`allocate` has no SQL form"),
    ("amount in [1, amount]", 1, 11, "only scalar values"),
    ('date(channel) = @"2026-01-01"', 1, 1, "only `date(d)` of a date or a date and time"),
    ("date(2026, 1, amount) = opened", 1, 1, "only `date(d)` of a date or a date and time"),
]


@pytest.mark.parametrize(("source", "line", "column", "reason"), REFUSALS)
def test_refusal_names_the_sub_expression(
    source: str, line: int, column: int, reason: str | None
) -> None:
    with pytest.raises((NotPushable, ExprCheckError)) as caught:
        to_sql_ir(source, SCOPE)
    if reason is None:
        assert isinstance(caught.value, ExprCheckError)
        return
    assert isinstance(caught.value, NotPushable)
    diagnostic = caught.value.diagnostic
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("E_NOT_PUSHABLE", line, column)
    assert reason in diagnostic.message
    assert "cannot run in SQL" in str(caught.value)


def test_every_sql_form_in_the_registry_has_a_translation() -> None:
    names = {spec.sql for spec in REGISTRY.specs if spec.sql is not None}
    assert names == set(SQL_CALLS)


def test_ir_function_names_are_documented() -> None:
    used = {
        "upper", "lower", "length", "abs", "floor", "ceiling", "round_half_up", "substr",
        "contains", "starts_with", "ends_with", "coalesce", "year", "month", "day",
        "date",
    }  # fmt: skip
    assert used == set(SQL_FUNCTIONS)


def test_sql_requires_a_valid_scope() -> None:
    with pytest.raises(ExprCheckError):
        to_sql_ir("amout > 1", SCOPE)
