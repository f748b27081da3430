"""Text compared with a choice field that is none of its options: found with its position, so a
designer can refuse the comparison (it never matches) when the definition is published."""

from __future__ import annotations

import pytest

from brickwork.engines.expr.choices import (
    foreign_options,
    literal_results,
    names_compared,
    shown,
)
from brickwork.engines.expr.parser import parse

OPTIONS = {
    "status": frozenset({"approved", "rejected"}),
    "tags": frozenset({"vip", "pep"}),
}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('status = "Approved"', [("status", "Approved", 10)]),
        ('"aproved" != status', [("status", "aproved", 1)]),
        ('status = "approved" or status = "reject"', [("status", "reject", 33)]),
        ('status in ["approved", "Rejected"]', [("status", "Rejected", 24)]),
        ('status in ("x", "approved")', [("status", "x", 12)]),
        ('list contains(tags, "VIP")', [("tags", "VIP", 21)]),
        ('if status = "Draft" then 1 else 2', [("status", "Draft", 13)]),
    ],
)
def test_text_that_is_none_of_the_options_is_found_where_it_is(
    source: str, found: list[tuple[str, str, int]]
) -> None:
    assert [(f.field, f.value, f.span.column) for f in foreign_options(parse(source), OPTIONS)] == (
        found
    )


@pytest.mark.parametrize(
    "source",
    [
        'status = "approved"',
        'status in ["approved", "rejected"]',
        'list contains(tags, "pep")',
        'channel = "anything"',  # not a choice field
        'for status in ["a"] return status = "b"',  # a name the expression binds itself
        'some t in tags satisfies t = "x"',
        "status = other",  # not text written in the formula
        'function(status) status = "x"',
    ],
)
def test_options_and_other_comparisons_are_left_alone(source: str) -> None:
    assert foreign_options(parse(source), OPTIONS) == []


def test_the_text_an_expression_may_give_is_the_literal_or_the_branches_of_an_if() -> None:
    tree = parse('if amount > 5 then "high" else if amount > 1 then "mid" else level')
    assert [s.value for s in literal_results(tree)] == ["high", "mid"]
    assert literal_results(parse('upper case("x")')) == []


def test_a_problem_lists_the_first_options_sorted() -> None:
    assert shown(frozenset({"b", "a"})) == '"a", "b"'
    many = frozenset(f"o{i:02}" for i in range(12))
    assert shown(many) == ", ".join(f'"o{i:02}"' for i in range(8)) + ", ..."


ID = "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('manager = "alice"', [("manager", "alice")]),
        ('"north" != branch', [("branch", "north")]),
        ('manager in ["alice", "bob"]', [("manager", "alice"), ("manager", "bob")]),
        ('list contains(reviewers, "bob")', [("reviewers", "bob")]),
        ('it.manager = "alice" and it.manager = record.manager', [("it.manager", "alice")]),
        (f'manager = "{ID}"', []),  # an id is what the field holds
        ("manager = reviewers[1]", []),
        ('customer = "alice"', []),  # not a member field
        ('some manager in ["alice"] satisfies manager = "alice"', []),  # its own name
    ],
)
def test_names_compared_with_people_fields_are_found(
    source: str, found: list[tuple[str, str]]
) -> None:
    people = {"manager", "branch", "reviewers", "it.manager", "record.manager"}
    named = names_compared(parse(source), people)
    assert [(f.field, f.value) for f in named] == found


def test_values_known_to_be_names_compared_with_people_fields_are_found() -> None:
    names = ("$user.username", "flow.initiator")
    source = "manager = $user.username or flow.initiator != branch or customer = flow.initiator"
    named = names_compared(parse(source), {"manager", "branch"}, names)
    assert [(f.field, f.value, f.span.column) for f in named] == [
        ("manager", "$user.username", 11),
        ("branch", "flow.initiator", 29),
    ]
