"""Fuzzy name matching in expressions: `name similarity` and `best match`. Scores are Decimals
rounded to 4 places, symmetric, 1 for names that differ only in case, width, accents,
punctuation, spacing or word order, and the same on every run."""

from __future__ import annotations

from decimal import Decimal

import pytest
from expr_support import run, shown
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.expr import NotPushable, Scope, check, to_sql_ir
from brickwork.engines.expr import datatypes as t

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # the textbook Jaro-Winkler pairs
    ('name similarity("MARTHA", "MARHTA")', "0.9611", ()),
    ('name similarity("DIXON", "DICKSONX")', "0.8133", ()),
    ('name similarity("DWAYNE", "DUANE")', "0.8400", ()),
    # normalisation: width, case, accents, punctuation, spacing, word order
    (
        'name similarity("\uff2b\uff29\uff2d\u3000\uff2a\uff4f\uff4e\uff47\uff0d\uff55\uff4e", '
        '"kim jong un")',
        "1.0000",
        (),
    ),
    ('name similarity("KIM Jong-un", "Jong Un Kim")', "1.0000", ()),
    ('name similarity("Muñoz, José", "JOSE MUNOZ")', "1.0000", ()),
    ('name similarity("O\'Brien  Patrick", "Patrick O Brien")', "1.0000", ()),
    # Chinese names by characters, spaces and the middle dot ignored
    ('name similarity("张 伟", "张伟")', "1.0000", ()),
    ('name similarity("阿卜杜拉·穆罕默德", "阿卜杜拉穆罕默德")', "1.0000", ()),
    ('name similarity("王小明", "王晓明")', "0.8000", ()),
    ('name similarity("张伟", "章伟")', "0.6667", ()),
    ('name similarity("张伟", "李娜")', "0.0000", ()),
    # empty and null
    ('name similarity("", "Kim")', "0.0000", ()),
    ('name similarity("-", "-")', "0.0000", ()),
    ('name similarity(null, "Kim")', "null", ()),
    ('name similarity("Kim", 3)', "null", ("E_ARGUMENT_TYPE",)),
    # best match over strings and contexts
    ('best match("Jon Smith", ["Jane Smyth", "John Smith"]).name', '"John Smith"', ()),
    ('best match("Jon Smith", ["Jane Smyth", "John Smith"]).score', "0.9733", ()),
    ('best match("John Smith", ["John Smith", "Smith John"]).candidate', '"John Smith"', ()),
    (
        'best match("Usama bin Ladin", [{name: "Osama bin Laden", list: "un"}]).candidate.list',
        '"un"',
        (),
    ),
    (
        'best match("A. Petrov", [{name: "X", aliases: "Y; Alexei Petrov"}]).name',
        '"Alexei Petrov"',
        (),
    ),
    ('best match("王晓明", [{name: "王小明"}, {name: null}, null]).score', "0.8000", ()),
    ('best match("Jon Smith", ["John Smith"], 0.9733).score', "0.9733", ()),
    ('best match("Jon Smith", ["John Smith"], 0.9734)', "null", ()),
    ('best match("Jon Smith", ["John Smith"], null).score', "0.9733", ()),
    ('best match("张伟", ["李娜"])', "null", ()),
    ('best match("Jon Smith", [])', "null", ()),
    ('best match(null, ["a"])', "null", ()),
    ('best match("a", null)', "null", ()),
    ('best match("a", [1])', "null", ("E_ARGUMENT_TYPE",)),
    ('best match("a", ["a"], "high")', "null", ("E_ARGUMENT_TYPE",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_name_matching_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


def test_scores_are_decimals_with_four_places() -> None:
    value = run('name similarity("DWAYNE", "DUANE")').value
    assert isinstance(value, Decimal)
    assert value.as_tuple().exponent == -4


def test_a_name_too_long_is_not_compared() -> None:
    long_name = "A" * 501
    assert shown(f'name similarity("{long_name}", "A")') == ("null", ("E_ARG_VALUE",))


def test_best_match_is_typed_for_the_checker() -> None:
    scope = Scope({"name": t.STRING, "entries": t.list_of(t.context_of({"name": t.STRING}))})
    assert check("best match(name, entries).score", scope).type == t.NUMBER
    assert check("best match(name, entries).name", scope).type == t.STRING
    assert check("name similarity(name, 1)", scope).diagnostics
    with pytest.raises(NotPushable):
        to_sql_ir('name similarity(name, "x") > 0.9', scope)


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(names, names)
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    scope = {"a": a, "b": b}
    forward = run("name similarity(a, b)", scope).value
    backward = run("name similarity(b, a)", scope).value
    assert forward == backward
    assert Decimal(0) <= forward <= Decimal(1)


@given(names)
def test_a_name_matches_itself_unless_empty(a: str) -> None:
    score = run("name similarity(a, a)", {"a": a}).value
    assert score in (Decimal(0), Decimal(1))
