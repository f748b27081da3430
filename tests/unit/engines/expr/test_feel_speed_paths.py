"""The evaluation fast paths give what the general path gives.

Each fast path (exact ints and floats on number closures, specialised built-in calls and list
spreads, calls of built-ins on literals folded to constants, `in` a literal list or range,
`between`, same-type comparisons of computed values, division, concatenation, long `and`/`or`
chains, ISO date parsing) is checked against the engine with that path switched off: the same
expression is compiled and evaluated with the fast-path hooks patched back to the general
closures, over rows holding Decimals, ints, floats (from JSON), bools, nulls, huge numbers, wrong
kinds and missing names. Value, value type and diagnostics must be the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.expr import (
    compile_access,
    compile_expression,
    compiler,
    fastcalls,
    fastpaths,
    values,
)
from brickwork.engines.expr.environment import EvaluationContext
from brickwork.engines.expr.limits import Limits
from brickwork.engines.expr.runtime import Evaluation

TYPICAL: dict[str, Any] = json.loads(
    '{"a": 2.5, "b": 4, "c": 0.1, "s": "abc", "t": "xyz", "f": false,'
    ' "items": [1, 2.5, 0.1], "d1": "2024-01-15", "d2": "2024-03-01"}'
)
MISSING = object()
ARABIC_DIGITS_DATE = "\u0662\u0660\u0662\u0664-\u0660\u0661-\u0661\u0665"
"""2024-01-15 in Arabic-Indic digits: the date pattern's `\\d` reads them, the C parser not."""
NUMBERS = [Decimal("2.5"), 3, 2.5, 0.1, -0.0, 1e300, 10**40, 2**53 + 1, True, None, "7",
           float("nan"), float("inf"), Decimal("1E+40"), Decimal("NaN"), 0, MISSING]  # fmt: skip
TEXTS = ["abc", "", "ABC-xyz", None, 5, 2.5, True, MISSING]
LISTS = [[1, 2.5, Decimal("3")], [1, None], [], ["a"], [0.1, 0.2], [float("nan")], [True],
         [10**40, 1e300], (1, 2), 5, None, MISSING]  # fmt: skip
DATES = ["2024-01-15", "2024-02-30", "20240115", "2024-1-15x", ARABIC_DIGITS_DATE, "2024-W03-1",
         date(2024, 1, 15), None, 5, MISSING]  # fmt: skip
VARIANTS = {"a": NUMBERS, "b": NUMBERS, "c": NUMBERS, "s": TEXTS, "t": TEXTS,
            "f": [True, False, None, 1, "no", MISSING], "items": LISTS, "d1": DATES,
            "d2": DATES}  # fmt: skip


def _rows() -> list[dict[str, Any]]:
    """The typical row, then each field in turn replaced by each of its variants."""
    rows = [dict(TYPICAL)]
    for key, variants in VARIANTS.items():
        for variant in variants:
            row = dict(TYPICAL)
            if variant is MISSING:
                del row[key]
            else:
                row[key] = variant
            rows.append(row)
    return rows


ROWS = _rows()

EXPRESSIONS = [
    # number closures reading fields (ints and floats made exact)
    "a + b", "a - 1", "2 * a", "a * b * c", "(a + b) * c - b", "a / b", "a / 0", "1 / c",
    "a > 2", "a >= b", "a < 10", "a <= c", "a = 2.5", "a != b", "-a", "a",
    "if b >= 4 then \"high\" else if b >= 2 then \"mid\" else \"low\"",
    # membership in literal lists and ranges
    "a in [1, 2.5, 100]", "b in (1, 4, 9)", 's in ["abc", "xyz"]', 'a in ["2.5", 1]',
    "a in [1..10)", "b in (4..10]", "a in [2.5..2.5]", 's in ["a".."b"]',
    'date(d1) in [@"2024-01-01"..@"2024-12-31"]', "a in []",
    # between
    "a between 1 and 10", "b between a and 4", 's between "a" and "b"',
    'date(d1) between date("2024-01-01") and date(d2)',
    # comparisons of computed values
    "date(d1) < date(d2)", "date(d1) = date(d2)", "upper case(s) = t", "a + 1 > b * 2",
    "string length(s) >= b", "(date(d2) - date(d1)).days",
    'date(d1) + duration("P30D") < date(d2)',
    # built-in calls (specialised) and spreads
    "upper case(s)", "lower case(t)", 'contains(s, "b")', "starts with(s, t)",
    "substring(s, 1, 2)", "substring(s, b)", "substring(s, a, b)", "string length(s)",
    "not(f)", "sum(items)", "mean(items)", "min(items)", "max(items)", "count(items)",
    "sum(a, b)", "round half up(a * b, 2)", "round half up(c)", "decimal(a, b)",
    "abs(a)", "modulo(b, a)", "date(d1)", "string(a)", "CONCAT(s, a)",
    # calls on literals (folded when clean)
    'duration("P30D")', 'date("2024-02-30")', 'substring("abc", 0)', 'upper case("abc")',
    'date("2024-01-15") + duration("P1D")', "sum(1, 2)", 'string length("")',
    # concatenation
    "s + t", 's + "/" + t', "s + a", "s + f",
    # long and/or chains
    'a > 1 and b > 1 and c > 0 and s = "abc"', 'a > 1 or b > 10 or s = "x" or f',
    "a > 1 and s and b > 1 and f", "f or a or b > 100 or s = t",
]  # fmt: skip


def _old_logic_n(fns: Any, stop: bool, settle: Any) -> Any:
    """The general n-ary `and`/`or` (every operand collected before deciding)."""
    go = not stop

    def logic_n(v: Any, run: Any) -> Any:
        results = []
        for f in fns:
            result = f(v, run)
            if result is stop:
                return stop
            results.append(result)
        if all(r is go for r in results):
            return go
        settle(results, run)
        return None

    return logic_n


@contextmanager
def general_path() -> Iterator[None]:
    """Every fast path of this suite switched back to the general closures."""
    with pytest.MonkeyPatch.context() as patch:
        for module in (compiler, fastpaths, fastcalls):
            patch.setattr(module, "exact", lambda value: value)
        patch.setattr(compile_access, "specialised_call", lambda *args: None)
        patch.setattr(compile_access, "_folded", lambda call: None)
        patch.setattr(compiler, "literal_range", lambda *args: None)
        patch.setattr(compiler, "literal_members", lambda tests: None)
        patch.setattr(compiler, "ORDERED_SAME", frozenset())
        patch.setattr(compiler, "_logic_n", _old_logic_n)
        patch.delitem(compiler._DECIMAL_OPS, "/")
        patch.setattr(
            compiler,
            "same_type_compare",
            lambda f, g, allowed, fast, slow: compiler._fn_fn(f, g, Decimal, fast, slow),
        )
        yield


def _general(source: str, row: dict[str, Any], context: EvaluationContext) -> Evaluation:
    with general_path():
        compiled = compile_expression(source)
        compiled.direct = None
        return compiled.evaluate(row, context=context)


def _same(fast: Evaluation, general: Evaluation) -> None:
    assert repr(fast.value) == repr(general.value)
    assert fast.diagnostics == general.diagnostics


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_fast_paths_agree_with_the_general_path(source: str) -> None:
    context = EvaluationContext()
    compiled = compile_expression(source)
    for row in ROWS:
        _same(compiled.evaluate(row, context=context), _general(source, row, context))


def test_the_general_path_is_really_taken_when_switched_off() -> None:
    """The reference differs in how it runs, not in what it answers: the fast closures are
    absent from it (guards the patches above against renames)."""
    with general_path():
        general = compile_expression("upper case(s)")
    fast = compile_expression("upper case(s)")
    assert "call1" in repr(fast._fn)
    assert "call1" not in repr(general._fn)


@pytest.mark.parametrize(
    ("source", "row"),
    [
        ("s + t", {"s": "abcdef", "t": "ghijkl"}),
        ('s + "/" + t', {"s": "abcde", "t": "fghij"}),
        ("upper case(s + t)", {"s": "abcdef", "t": "ghijk"}),
    ],
)
def test_concatenation_keeps_the_text_limit(source: str, row: dict[str, Any]) -> None:
    context = EvaluationContext(limits=Limits(max_string_length=10))
    fast = compile_expression(source).evaluate(row, context=context)
    _same(fast, _general(source, row, context))
    assert fast.value is None
    assert [d.code for d in fast.diagnostics] == ["E_LIMIT_STRING_LENGTH"]


def test_a_failing_call_on_literals_reports_on_every_evaluation() -> None:
    compiled = compile_expression('date("2024-02-30")')
    first, second = compiled.evaluate({}), compiled.evaluate({})
    assert first.value is None
    assert second.value is None
    assert [d.code for d in first.diagnostics] == [d.code for d in second.diagnostics]
    assert first.diagnostics


def test_folded_constants_are_the_values_of_the_calls() -> None:
    assert compile_expression('duration("P30D")').evaluate({}).value == values.parse_duration(
        "P30D"
    )
    assert compile_expression('date("2024-01-15")').evaluate({}).value == date(2024, 1, 15)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_exact_floats_are_their_shortest_repr(number: float) -> None:
    made = fastpaths.exact(number)
    assert type(made) is Decimal
    assert made.as_tuple() == values.to_value(number).as_tuple()


@given(st.integers(min_value=-(10**60), max_value=10**60))
def test_exact_ints_are_exact(number: int) -> None:
    assert fastpaths.exact(number).as_tuple() == values.to_value(number).as_tuple()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "1", None, Decimal("1")])
def test_exact_leaves_everything_else_alone(value: Any) -> None:
    assert fastpaths.exact(value) is value


def _regex_date(text: str) -> date:
    """The general path alone: the pattern, the leading-zero rule and the year range."""
    match = values._DATE_RE.match(text)
    if match is None:
        raise ValueError(text)
    sign, digits = match[1], match[2]
    if len(digits) > 4 and digits.startswith("0"):
        raise ValueError(text)
    return values.checked_date(int(sign + digits), int(match[3]), int(match[4]))


@given(st.text(alphabet="0123456789-\u0660\u0661\u0662W+ ", min_size=8, max_size=11))
def test_iso_dates_parse_as_the_pattern_reads_them(text: str) -> None:
    try:
        expected: date | type[ValueError] = _regex_date(text)
    except ValueError:
        expected = ValueError
    try:
        found: date | type[ValueError] = values.parse_date(text)
    except ValueError:
        found = ValueError
    assert found == expected


@pytest.mark.parametrize("text", ["2024-01-15", "0001-01-01", "9999-12-31", "2024-02-29"])
def test_iso_dates_on_the_fast_shape(text: str) -> None:
    assert values.parse_date(text) == _regex_date(text)


def test_floats_from_json_compute_in_decimal() -> None:
    row = json.loads('{"price": 19.995, "qty": 3, "items": [0.1, 0.2]}')
    assert compile_expression("price * qty").evaluate(row).value == Decimal("59.985")
    assert compile_expression("sum(items)").evaluate(row).value == Decimal("0.3")
    assert compile_expression("round half up(price * qty, 2)").evaluate(row).value == Decimal(
        "59.99"
    )
    assert re.fullmatch(r"0\.3", str(compile_expression("items[1] + items[2]").evaluate(row).value))
