"""Range built-ins of DMN 1.5 §10.3.4.9 on every point/range form the spec's tables list, with
dates and durations as points, unbounded ends, nulls and mismatched kinds. The spec's own
examples are the registry examples (`test_expr_functions.py::test_documented_example`)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from expr_support import shown

from brickwork.engines.expr.values import RangeValue

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("before(1, 1)", "false", ()),
    ("after(1, 1)", "false", ()),
    ('before(@"2025-01-01", @"2025-01-02")', "true", ()),
    ('before(@"2025-01-01", [@"2025-01-02"..@"2025-02-01"])', "true", ()),
    ('after(@"P2D", [@"P1D"..@"P2D"))', "true", ()),
    ('during(@"10:00:00", [@"09:00:00"..@"17:00:00"])', "true", ()),
    ('includes(["a".."m"], "f")', "true", ()),
    ("coincides(1, 1.0)", "true", ()),
    ("meets([1..5], [5..5])", "true", ()),
    ("overlaps([1..5], [1..5])", "true", ()),
    ("overlaps([1..1], [1..1])", "true", ()),
    ("overlaps before([1..5], [2..5])", "true", ()),
    ("overlaps before([1..5], [2..4])", "false", ()),
    ("overlaps after([2..6], [1..5])", "true", ()),
    ("overlaps after([2..4], [1..5])", "false", ()),
    ("met by([5..8], [1..5])", "true", ()),
    ("met by([5..8], [1..4])", "false", ()),
    ('met by([@"2025-01-02"..@"2025-01-03"], [@"2025-01-01"..@"2025-01-02"])', "true", ()),
    ("finishes(5, (1..5))", "false", ()),
    ("starts(1, [1..1])", "true", ()),
    ("includes([1..10], [1..10])", "true", ()),
    ("includes((1..10), [1..10])", "false", ()),
    ("during([1..10], (1..10))", "false", ()),
    # nulls give null without a diagnostic
    ("before(null, 1)", "null", ()),
    ("overlaps([1..2], null)", "null", ()),
    ("includes(null, 1)", "null", ()),
    # mismatched kinds give null and a diagnostic
    ('before(1, "a")', "null", ("E_ARGUMENT_TYPE",)),
    ('includes([1..10], "5")', "null", ("E_ARGUMENT_TYPE",)),
    ('before(1, [@"2025-01-01"..@"2025-01-02"])', "null", ("E_ARGUMENT_TYPE",)),
    ("before(true, false)", "null", ("E_ARGUMENT_TYPE",)),
    ("meets(1, 2)", "null", ("E_ARGUMENT_TYPE",)),
    ("meets([1..2], 2)", "null", ("E_ARGUMENT_TYPE",)),
    ("coincides(1, [1..1])", "null", ("E_ARGUMENT_TYPE",)),
    ("finishes([1..2], 2)", "null", ("E_ARGUMENT_TYPE",)),
    ("finished by(2, [1..2])", "null", ("E_ARGUMENT_TYPE",)),
    ("includes(1, [1..2])", "null", ("E_ARGUMENT_TYPE",)),
    ("during([1..2], 1)", "null", ("E_ARGUMENT_TYPE",)),
    ("starts([1..2], 1)", "null", ("E_ARGUMENT_TYPE",)),
    ("started by(1, [1..2])", "null", ("E_ARGUMENT_TYPE",)),
    ('overlaps("a", [1..2])', "null", ("E_ARGUMENT_TYPE",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_range_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


def _n(value: int) -> Decimal:
    return Decimal(value)


BELOW_10 = RangeValue(None, _n(10), False, False)  # (< 10)
FROM_5 = RangeValue(_n(5), None, True, False)  # (>= 5)
EVERYTHING = RangeValue(None, None, False, False)

UNBOUNDED: list[tuple[str, RangeValue, str]] = [
    ("before(1, r)", BELOW_10, "false"),
    ("before(r, 10)", BELOW_10, "true"),
    ("before(r, 9)", BELOW_10, "false"),
    ("before(r, [10..20])", BELOW_10, "true"),
    ("after(r, 4)", FROM_5, "true"),
    ("after(r, 5)", FROM_5, "false"),
    ("after(100, r)", FROM_5, "false"),
    ("includes(r, -1000000)", BELOW_10, "true"),
    ("includes(r, 10)", BELOW_10, "false"),
    ("includes(r, 1000000)", FROM_5, "true"),
    ("includes(r, [1..9])", BELOW_10, "true"),
    ("includes(r, [1..10])", BELOW_10, "false"),
    ("during(7, r)", EVERYTHING, "true"),
    ("overlaps(r, [9..20])", BELOW_10, "true"),
    ("overlaps(r, [10..20])", BELOW_10, "false"),
    ("overlaps before(r, [5..20])", BELOW_10, "true"),
    ("overlaps after(r, [1..6])", FROM_5, "true"),
    ("meets(r, [10..20])", BELOW_10, "false"),
    ("starts(5, r)", FROM_5, "true"),
    ("started by(r, [5..6])", FROM_5, "true"),
    ("finishes([1..9], r)", BELOW_10, "false"),
    ("finished by(r, 10)", BELOW_10, "false"),
    ("coincides(r, r)", BELOW_10, "true"),
    ("coincides(r, [0..10))", BELOW_10, "false"),
]


@pytest.mark.parametrize(("source", "rng", "expected"), UNBOUNDED)
def test_an_absent_end_is_unbounded(source: str, rng: RangeValue, expected: str) -> None:
    assert shown(source, {"r": rng}) == (expected, ())
