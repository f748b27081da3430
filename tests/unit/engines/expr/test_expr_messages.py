"""Error messages for the mistakes analysts really make: code, position and a useful hint.

Each case names the mistake, the text, the expected code, line and column, and words the
message or hint must contain. Syntax mistakes are caught by the parser; scope mistakes (unknown
field, wrong function, wrong types) by the checker.
"""

from __future__ import annotations

import pytest

from brickwork.engines.expr import ExpressionError, Scope, compile_expression
from brickwork.engines.expr.parser import parse, parse_unary_tests

SCOPE = Scope.of(
    {
        "amount": "number",
        "channel": "string",
        "opened": "date",
        "at": "datetime",
        "approved": "boolean",
        "items": "list<number>",
        "guarantors": "list<context>",
    }
)

# (mistake, source, code, line, column, words that must appear in message + hint)
MISTAKES: list[tuple[str, str, str, int, int, tuple[str, ...]]] = [
    ("missing closing quote", 'channel = "cash', "E_UNTERMINATED_STRING", 1, 11,
     ("closing quote",)),
    ("== instead of =", "amount == 5", "E_DOUBLE_EQUALS", 1, 8, ("single `=`",)),
    ("unknown field", "amout > 5", "E_UNKNOWN_NAME", 1, 1, ("`amout`", "did you mean `amount`")),
    ("wrong case of a field", "Amount > 5", "E_UNKNOWN_NAME", 1, 1,
     ("did you mean `amount`", "case-sensitive")),
    ("wrong function name", "SUMM(items)", "E_UNKNOWN_FUNCTION", 1, 1,
     ("`SUMM`", "did you mean `SUM`")),
    ("&& for and", "amount > 5 && approved", "E_AMPERSAND", 1, 12, ("write `and`",)),
    ("|| for or", "amount > 5 || approved", "E_PIPES", 1, 12, ("write `or`",)),
    ("comparing a date with a number", "opened > 20250101", "E_IMPOSSIBLE_COMPARISON", 1, 1,
     ("date", "number")),
    ("comparing a date with text", 'opened = "2025-01-01"', "E_IMPOSSIBLE_COMPARISON", 1, 1,
     ('@"2025-01-01"',)),
    ("quoted number", 'amount > "5000"', "E_IMPOSSIBLE_COMPARISON", 1, 1,
     ("remove the quotes",)),
    ("unbalanced parenthesis", "(amount + 1 > 5", "E_UNBALANCED", 1, 1, ("never closed",)),
    ("extra closing parenthesis", "amount + 1) > 5", "E_UNBALANCED", 1, 11, ("no matching",)),
    ("<> for not equal", "channel <> \"cash\"", "E_NOT_EQUAL", 1, 9, ("`!=`",)),
    ("! for not", "!approved", "E_BANG", 1, 1, ("not(",)),
    ("missing then", 'if amount > 5 "big" else "small"', "E_MISSING_THEN", 1, 15,
     ("`then`",)),
    ("missing else", 'if amount > 5 then "big"', "E_MISSING_ELSE", 1, 25, ("`else`", "null")),
    ("single-quoted string", "channel = 'cash'", "E_SINGLE_QUOTE", 1, 11, ('"cash"',)),
    ("trailing operator", "amount +", "E_TRAILING_OPERATOR", 1, 8, ("`+`",)),
    ("full-width parenthesis", "SUM（items）", "E_FULL_WIDTH", 1, 4, ("`(`", "半角")),
    ("full-width comma", "MAX(amount，1)", "E_FULL_WIDTH", 1, 11, ("`,`",)),
    ("full-width quotes", "channel = “cash”", "E_FULL_WIDTH", 1, 11, ('`"`',)),
    ("wrong argument count", 'substring("abc")', "E_ARGUMENT_COUNT", 1, 1,
     ("substring(string, start position, [length])",)),
    ("chained comparison", "0 < amount < 10", "E_CHAINED_COMPARISON", 1, 12,
     ("`and`", "between")),
    ("chained equality", "amount = 1 = 2", "E_CHAINED_COMPARISON", 1, 12, ("cannot be chained",)),
    ("semicolon separator", "MAX(amount; 1)", "E_SEMICOLON", 1, 11, ("`,`",)),
    ("leading = from Excel", "=SUM(items)", "E_LEADING_EQUALS", 1, 1, ("remove the leading",)),
    ("lower-case if as function", "if(approved, 1, 2)", "E_KEYWORD_AS_FUNCTION", 1, 1,
     ("IF(",)),
    ("condition that is not boolean", "if amount then 1 else 2", "E_NOT_BOOLEAN", 1, 4,
     ("condition",)),
    ("text + number", 'channel + amount', "E_TYPE_MISMATCH", 1, 1, ("string(x)",)),
    ("wrong argument kind", "upper case(amount)", "E_ARGUMENT_TYPE", 1, 12,
     ("expects string",)),
    ("mixed named and positional", 'substring("a", start position: 1)', "E_MIXED_ARGUMENTS",
     1, 1, ("named",)),
    ("unknown field of a context", "$now.yaer", "E_NO_PROPERTY", 1, 1, ("yaer",)),
    ("bad date literal", '@"2025-02-30"', "E_BAD_TEMPORAL", 1, 1, ("day is out of range",)),
    ("empty expression", "   ", "E_EMPTY", 1, 1, ("empty",)),
    ("date and time against a date", "at >= today()", "E_IMPOSSIBLE_COMPARISON", 1, 1,
     ("date(at) >= today()",)),
    ("typing stopped after an opening bracket", "SUM(", "E_UNBALANCED", 1, 4,
     ("`(` is never closed",)),
    ("nothing after an opening parenthesis", "amount > (", "E_UNBALANCED", 1, 10,
     ("`(` is never closed",)),
    ("nothing after an opening square bracket", "amount in [", "E_UNBALANCED", 1, 11,
     ("`[` is never closed",)),
    ("error on a later line", "amount > 5 and\n  channel == \"x\"", "E_DOUBLE_EQUALS", 2, 11,
     ("single `=`",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mistake", "source", "code", "line", "column", "words"),
    MISTAKES,
    ids=[m[0] for m in MISTAKES],
)
def test_mistake_is_explained(
    mistake: str, source: str, code: str, line: int, column: int, words: tuple[str, ...]
) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, SCOPE)
    diagnostic = caught.value.diagnostic
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == (code, line, column)
    text = f"{diagnostic.message} {diagnostic.hint or ''}"
    for word in words:
        assert word in text, f"{mistake}: {word!r} not in {text!r}"


# Expressions using every construct: while an analyst types one, the live check reads each prefix.
BEING_TYPED = (
    'if amount > 1000 and channel in ["cash", "card"] then sum(items) else -1',
    "for g in guarantors return {name: g.name, share: g.share * 2}",
    "some x in items satisfies x > 3 or every y in [1..5] satisfies (y != 2)",
    'string(opened) + " " + upper case(channel)[1] and not(approved)',
    "function(a, b) a + b",
    'date and time(at) >= @"2025-01-01T00:00:00" between 1 and 2',
)
CELLS_BEING_TYPED = ('< 10, [1..5], not("a", "b")', "? > amount, -", ">= date(opened)")


@pytest.mark.parametrize("source", BEING_TYPED + CELLS_BEING_TYPED)
def test_every_prefix_of_an_expression_being_typed_is_explained(source: str) -> None:
    """No prefix fails the reader itself: each is read, or refused with a diagnostic that says
    what is wrong (never the catch-all that names an internal error)."""
    for end in range(1, len(source) + 1):
        for read in (parse, parse_unary_tests):
            try:
                read(source[:end])
            except ExpressionError as exc:
                said = [d.message for d in exc.diagnostics]
                assert not any("could not be read" in m for m in said), (source[:end], said)


def test_rendered_error_has_a_caret_excerpt() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("amount == 5", SCOPE)
    assert str(caught.value) == (
        "E_DOUBLE_EQUALS at 1:8: `==` is not an operator\n"
        "amount == 5\n"
        "       ^^\n"
        "hint: compare with a single `=`"
    )


def test_caret_accounts_for_wide_characters() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("金额 == 5", Scope.of({"金额": "number"}))
    assert "金额 == 5\n     ^^" in str(caught.value)


def test_at_least_fifteen_mistakes_are_covered() -> None:
    assert len({m[2] for m in MISTAKES}) >= 15
