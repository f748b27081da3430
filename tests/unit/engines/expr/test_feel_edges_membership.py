"""DMN 1.5 §10.3.2.2 and Table 55: `in` against a list, and equality across kinds.

A list tested with `in` is searched element by element: an element that is a range holds the
value when the value lies in it, any other element when it equals the value. An element of
another kind is simply not a match. Comparing two values of different kinds with `=` gives null
(TCK 0068-feel-equality), with a diagnostic that says why.
"""

from __future__ import annotations

import pytest
from expr_support import shown

from brickwork.engines.expr import Scope, check, compile_unary_tests

# (source, expected literal text, diagnostic codes)
MEMBERSHIP: list[tuple[str, str, tuple[str, ...]]] = [
    ("true in [false, 2, 3]", "false", ()),
    ("true in [2, true]", "true", ()),
    ("5 in [null, 5]", "true", ()),
    ("null in [1, null]", "true", ()),
    ("null in [1, 2]", "false", ()),
    ('"a" in [1, 2]', "false", ()),
    ("1 in [[2..4], [1..3]]", "true", ()),
    ("5 in [[2..4], [1..3]]", "false", ()),
    ("4 in [[2..4), 4]", "true", ()),
    ('"b" in [["f".."h"], ["a".."c"]]', "true", ()),
    ('"a" in [[1..3]]', "false", ()),
    ("[1, 2, 3] in [[1, 2, 3, 4], [1, 2, 3]]", "true", ()),
    ("[1, 2, 2] in [[1, 2, 3, 4], [1, 2, 3]]", "false", ()),
    ('{a: "foo"} in [{b: "bar"}, {a: "foo"}]', "true", ()),
    ("1 in [[1, 2], [3]]", "false", ()),
]

EQUALITY: list[tuple[str, str, tuple[str, ...]]] = [
    ('1 = "1"', "null", ("E_TYPE_MISMATCH",)),
    ('"foo" = 100', "null", ("E_TYPE_MISMATCH",)),
    ("true = 1", "null", ("E_TYPE_MISMATCH",)),
    ('100 != "100"', "null", ("E_TYPE_MISMATCH",)),
    ("100 = null", "false", ()),
    ("null = null", "true", ()),
    # a positive unary test list is a disjunction of `=`: kinds that differ stay unknown
    ("true in (false, 2, 3)", "null", ("E_TYPE_MISMATCH", "E_TYPE_MISMATCH")),
]


@pytest.mark.parametrize(("source", "expected", "codes"), MEMBERSHIP + EQUALITY)
def test_membership_and_equality(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        ("[[2..4], [1..3]]", 1, True),
        ("[[2..4], [1..3]]", 5, False),
        ("[false, 2, 3]", True, False),
    ],
)
def test_a_cell_that_is_a_list_of_ranges_matches_by_membership(
    cell: str, value: object, expected: bool
) -> None:
    result = compile_unary_tests(cell).test(value)
    assert (result.value, result.diagnostics) == (expected, ())


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        ("n in [[2..4], [1..3]]", []),
        ("s in [[2..4], [1..3]]", ["E_IMPOSSIBLE_COMPARISON"]),
        ("[n] in [[1], [2]]", []),
    ],
)
def test_a_list_of_ranges_is_checked_by_its_ranges_kind(source: str, codes: list[str]) -> None:
    scope = Scope.of({"n": "number", "s": "string"})
    assert [d.code for d in check(source, scope).diagnostics] == codes
