"""Decision-table cells (DMN unary tests) against input values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from expr_support import CONTEXT

from brickwork.engines.expr import ExprCheckError, Scope, compile_unary_tests
from brickwork.engines.expr import datatypes as t

CELLS: list[tuple[str, Any, bool | None]] = [
    ("-", 5, True),
    ("-", None, True),
    ("5", Decimal(5), True),
    ("5", Decimal(6), False),
    ("5", None, False),
    ("< 10", Decimal(9), True),
    ("< 10", Decimal(10), False),
    ("<= 10", Decimal(10), True),
    ("> 10", None, None),
    (">= 1, < 0", Decimal(-1), True),
    ("[1..5]", Decimal(5), True),
    ("[1..5)", Decimal(5), False),
    ("(1..5]", Decimal(1), False),
    ('"A", "B"', "B", True),
    ('"A", "B"', "C", False),
    ('not("A", "B")', "C", True),
    ('not("A", "B")', "A", False),
    ("not(< 5)", Decimal(3), False),
    ("not(> 5)", None, None),
    ("? > 3 and ? < 9", Decimal(5), True),
    ("? > 3 and ? < 9", Decimal(10), False),
    ("string length(?) > 2", "abc", True),
    ("[1, 2, 3]", Decimal(2), True),
    ("limit", Decimal(100), True),
    ("< limit", Decimal(99), True),
    ('@"2025-01-01"', date(2025, 1, 1), True),
    ('[@"2025-01-01"..@"2025-12-31"]', date(2025, 6, 1), True),
    ("true", True, True),
    ("false", True, False),
    ("null", None, True),
]


@pytest.mark.parametrize(("cell", "value", "expected"), CELLS)
def test_cell(cell: str, value: Any, expected: bool | None) -> None:
    result = compile_unary_tests(cell).test(value, {"limit": Decimal(100)}, context=CONTEXT)
    assert result.value is expected


def test_mismatched_kinds_give_null_and_a_diagnostic() -> None:
    result = compile_unary_tests('"A"').test(Decimal(1))
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_TYPE_MISMATCH"]
    result = compile_unary_tests("? + 1").test(Decimal(1))
    assert [d.code for d in result.diagnostics] == ["E_TYPE_MISMATCH"]


def test_cells_are_checked_against_the_column_type() -> None:
    scope = Scope.of({"limit": "number"})
    compile_unary_tests("< limit", scope, input_type=t.NUMBER)
    with pytest.raises(ExprCheckError) as caught:
        compile_unary_tests('"A", "B"', scope, input_type=t.NUMBER)
    assert caught.value.code == "E_IMPOSSIBLE_COMPARISON"
    with pytest.raises(ExprCheckError):
        compile_unary_tests("? and true", scope, input_type=t.NUMBER)


def test_unsupported_input_is_a_diagnostic() -> None:
    result = compile_unary_tests("-").test(object())
    assert result.value is None
    assert result.diagnostics[0].code == "E_UNSUPPORTED_VALUE"
