"""List built-ins of DMN 1.5 §10.3.4.4 and §10.3.4.7 (`sort` with `precedes`), from the spec's
examples and their edges. Functions passed as values are caller variables here (a small
`FunctionValue` subclass), the same interface function definitions implement."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from expr_support import run, shown

from brickwork.engines.expr.values import FunctionValue

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("insert before([1, 3], 1, 2)", "[2, 1, 3]", ()),
    ("insert before([1, 3], 2, 2)", "[1, 2, 3]", ()),
    ("insert before([1, 3], -1, 2)", "[1, 2, 3]", ()),
    ("insert before([1, 3], -2, 2)", "[2, 1, 3]", ()),
    ("insert before([1, 3], 0, 2)", "null", ("E_ARG_VALUE",)),
    ("insert before([], 1, 2)", "null", ("E_ARG_VALUE",)),
    ("insert before(null, 1, 2)", "null", ()),
    ("insert before([1], null, 2)", "null", ()),
    ("insert before([1, 3], 1.9, 2)", "[2, 1, 3]", ()),
    ("remove([1, 2, 3], 2)", "[1, 3]", ()),
    ("remove([1, 2, 3], -3)", "[2, 3]", ()),
    ("remove([1, 2, 3], 0)", "null", ("E_ARG_VALUE",)),
    ("remove([], 1)", "null", ("E_ARG_VALUE",)),
    ("list replace([2, 4, 7, 8], 1, 0)", "[0, 4, 7, 8]", ()),
    ("list replace([2, 4, 7, 8], -1, 0)", "[2, 4, 7, 0]", ()),
    ("list replace([2, 4, 7, 8], -5, 0)", "null", ("E_ARG_VALUE",)),
    ("list replace([[1, 2], [3]], 2, [4])", "[[1, 2], [4]]", ()),
    ('list replace([1], "x", 0)', "null", ("E_ARGUMENT_TYPE",)),
    ("list replace(null, 1, 0)", "null", ()),
    ("union([1, 2], [2, 3], [3, 4])", "[1, 2, 3, 4]", ()),
    ('union([1, "1"], [1.0])', '[1, "1"]', ()),
    ("union([[1]], [[1]])", "[[1]]", ()),
    ("union([1], 2)", "null", ("E_ARGUMENT_TYPE",)),
    ("distinct values([1, 2, 3, 2, 1])", "[1, 2, 3]", ()),
    ("distinct values([{a: 1}, {a: 1}, {a: 2}])", '[{"a": 1}, {"a": 2}]', ()),
    ("flatten([[1, 2], [[3]], 4])", "[1, 2, 3, 4]", ()),
    ("flatten([[[[1]]], [[2, [3, [4]]]]])", "[1, 2, 3, 4]", ()),
    ("flatten([1, null, [null]])", "[1, null, null]", ()),
    ("product([2, 3, 4])", "24", ()),
    ("product(2, 3, 4)", "24", ()),
    ("product([2, null])", "null", ()),
    ("product([])", "null", ()),
    ('product([2, "a"])', "null", ("E_ARGUMENT_TYPE",)),
    ("median(8, 2, 5, 3, 4)", "4", ()),
    ("median([6, 1, 2, 3])", "2.5", ()),
    ("median([1])", "1", ()),
    ("median([1, null])", "null", ()),
    ("stddev(2, 4, 7, 5)", "2.081665999466132735282297706979931", ()),
    ("stddev([1, 1])", "0", ()),
    ("stddev([47])", "null", ()),
    ('stddev(["a", "b"])', "null", ("E_ARGUMENT_TYPE",)),
    ("mode(6, 3, 9, 6, 6)", "[6]", ()),
    ("mode([6, 1, 9, 6, 1])", "[1, 6]", ()),
    ("mode([1.0, 1, 2])", "[1.0]", ()),
    ("mode([])", "[]", ()),
    ("mode([1, null])", "null", ()),
    ("sort([3, 1, 4, 5, 2])", "[1, 2, 3, 4, 5]", ()),
    ("sublist([4, 5, 6], 2)", "[5, 6]", ()),
    ("sublist([4, 5, 6], 1, 2)", "[4, 5]", ()),
    ("sublist([4, 5, 6], 1.9, 2.9)", "[4, 5]", ()),
    ("sublist([4, 5, 6], -1)", "[6]", ()),
    ("sort([1, 2], 3)", "null", ("E_ARGUMENT_TYPE",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_list_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


class PythonFunction(FunctionValue):
    """A function value backed by a Python callable (what a caller may pass in a variable)."""

    __slots__ = ("body",)

    def __init__(self, params: tuple[str, ...], body: Callable[..., Any]) -> None:
        super().__init__(params)
        self.body = body

    def call(self, args: list[Any]) -> Any:
        return self.body(*args)

    def call_named(self, args: Any) -> Any:
        return self.body(*(args[p] for p in self.params))


LESS = PythonFunction(("x", "y"), lambda x, y: x < y)
GREATER = PythonFunction(("x", "y"), lambda x, y: x > y)


def test_sort_with_a_precedes_function() -> None:
    assert shown("sort(xs, f)", {"xs": [3, 1, 4, 5, 2], "f": LESS}) == ("[1, 2, 3, 4, 5]", ())
    assert shown("sort(list: xs, precedes: f)", {"xs": [3, 1, 2], "f": GREATER}) == (
        "[3, 2, 1]",
        (),
    )


def test_sort_with_precedes_orders_contexts_by_a_key() -> None:
    by_age = PythonFunction(("a", "b"), lambda a, b: a["age"] < b["age"])
    people = [{"name": "li", "age": 40}, {"name": "wu", "age": 20}, {"name": "he", "age": 30}]
    result = run("sort(people, by_age)[1].name", {"people": people, "by_age": by_age})
    assert (result.value, result.diagnostics) == ("wu", ())


def test_sort_with_precedes_is_stable() -> None:
    first_letter = PythonFunction(("a", "b"), lambda a, b: a[0] < b[0])
    words = ["bx", "a1", "by", "a2"]
    assert run("sort(xs, f)", {"xs": words, "f": first_letter}).value == ["a1", "a2", "bx", "by"]


def test_sort_with_precedes_that_is_not_boolean_gives_null_and_a_diagnostic() -> None:
    numeric = PythonFunction(("a", "b"), lambda a, b: Decimal(1))
    result = run("sort(xs, f)", {"xs": [2, 1], "f": numeric})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_NOT_BOOLEAN"]
    assert "precedes" in result.diagnostics[0].message


def test_list_replace_with_a_match_function() -> None:
    # spec: list replace([2, 4, 7, 8], function(item, newItem) item < newItem, 5)
    smaller = PythonFunction(("item", "newItem"), lambda item, new: item < new)
    assert shown("list replace([2, 4, 7, 8], f, 5)", {"f": smaller}) == ("[5, 5, 7, 8]", ())
    assert shown("list replace(list: [1], match: f, newItem: 0)", {"f": smaller}) == ("[1]", ())


def test_list_replace_with_a_match_that_is_not_boolean_gives_null() -> None:
    broken = PythonFunction(("item", "newItem"), lambda item, new: None)
    result = run("list replace([1], f, 0)", {"f": broken})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_NOT_BOOLEAN"]
