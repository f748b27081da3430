"""DMN 1.5 §10.3.2.5: filters. In a filter over a list of contexts the entries of each context
are in scope, so an entry named `item` shadows the implicit `item`; otherwise `item` is the
element itself. A number filter selects by position (1-based, negative from the end, 0 or out of
range gives null); a non-list is filtered as the singleton list of itself."""

from __future__ import annotations

import pytest
from expr_support import shown

FILTERS: list[tuple[str, str, tuple[str, ...]]] = [
    ("[{item: 1}][item >= 2]", "[]", ()),
    ("[{item: 1}, {item: 3}][item >= 2]", '[{"item": 3}]', ()),
    ("[{item: 1}, {item: 3}][item >= 2].item", "[3]", ()),
    ("[{a: 1}, {a: 2}][a > 1]", '[{"a": 2}]', ()),
    ("[{a: 1}, {a: 2}][item.a > 1]", '[{"a": 2}]', ()),
    ("[{a: 1}, {b: 2}][item = {b: 2}]", '[{"b": 2}]', ()),
    ("[1, 2, 3][item > 1]", "[2, 3]", ()),
    ("[1, 2, 3][-1]", "3", ()),
    ("[1, 2, 3][-3]", "1", ()),
    ("[1, 2, 3][0]", "null", ()),
    ("[1, 2, 3][4]", "null", ()),
    ("[1, 2, 3][-4]", "null", ()),
    ("5[item > 3]", "[5]", ()),
    ("5[item > 6]", "[]", ()),
    ('"foo"[1] = "foo"', "true", ()),
    ("true[1]", "true", ()),
]


@pytest.mark.parametrize(("source", "expected", "codes"), FILTERS)
def test_filter(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


def test_a_field_named_item_in_the_outer_scope_does_not_hide_the_element() -> None:
    assert shown("[1, 2, 3][item > limit]", {"limit": 1, "item": 99}) == ("[2, 3]", ())
