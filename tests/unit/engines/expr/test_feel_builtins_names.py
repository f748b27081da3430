"""Fuzzy name matching in expressions: `name similarity` and `best match`. Scores are Decimals
rounded to 4 places, symmetric, 1 for names that differ only in case, width, accents,
punctuation, spacing or word order, and the same on every run."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from expr_support import run, shown
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.expr import NotPushable, Scope, check, to_sql_ir
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.library.names import normalise_name

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


def textbook_jaro_winkler(a: str, b: str) -> Fraction:
    """Jaro-Winkler as the textbook scans it (window, first free match, half transpositions,
    prefix of at most 4 scaled by 0.1), exact: the reference the fast path must agree with."""
    if not a or not b:
        return Fraction(0)
    if a == b:
        return Fraction(1)
    reach = max(max(len(a), len(b)) // 2 - 1, 0)
    taken = [False] * len(b)
    first = []
    for i, char in enumerate(a):
        for j in range(max(0, i - reach), min(len(b), i + reach + 1)):
            if not taken[j] and b[j] == char:
                taken[j] = True
                first.append(char)
                break
    m = len(first)
    if m == 0:
        return Fraction(0)
    second = [char for j, char in enumerate(b) if taken[j]]
    t = Fraction(sum(x != y for x, y in zip(first, second, strict=True)), 2)
    jaro = (Fraction(m, len(a)) + Fraction(m, len(b)) + (m - t) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + Fraction(prefix, 10) * (1 - jaro)


def reference_best(name: str, candidates: list[str], threshold: Decimal | None) -> Any:
    best: tuple[Fraction, str] | None = None
    for candidate in candidates:
        exact = textbook_jaro_winkler(normalise_name(name), normalise_name(candidate))
        if best is None or exact > best[0]:
            best = (exact, candidate)
    if best is None:
        return None
    score = (Decimal(best[0].numerator) / Decimal(best[0].denominator)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    if score == 0 or (threshold is not None and score < threshold):
        return None
    return (best[1], score)


latin = st.text(alphabet="abcdeijkmnorst -", max_size=14)


@st.composite
def near(draw: st.DrawFn, name: str) -> str:
    """`name` with a few characters dropped, changed or added: a candidate that may win."""
    chars = list(name)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(chars)))
        kind = draw(st.sampled_from(("drop", "change", "add")))
        if kind == "add" or not chars:
            chars.insert(at, draw(st.sampled_from("abeinorst ")))
        elif kind == "drop":
            del chars[min(at, len(chars) - 1)]
        else:
            chars[min(at, len(chars) - 1)] = draw(st.sampled_from("abeinorst"))
    return "".join(chars)


@st.composite
def screenings(draw: st.DrawFn) -> tuple[str, list[str]]:
    name = draw(latin)
    candidates = draw(st.lists(near(name) | latin, max_size=12))
    return name, candidates


@given(screenings(), st.none() | st.decimals(min_value=0, max_value=1, places=4))
def test_best_match_agrees_with_the_textbook_over_every_candidate(
    screening: tuple[str, list[str]], threshold: Decimal | None
) -> None:
    """Candidates skipped because they cannot win never change the answer."""
    name, candidates = screening
    scope = {"n": name, "c": candidates, "t": threshold}
    found = run("best match(n, c, t)" if threshold is not None else "best match(n, c)", scope)
    expected = reference_best(name, candidates, threshold)
    got = None if found.value is None else (found.value["name"], found.value["score"])
    assert got == expected
    for candidate in candidates:
        pair = {"a": name, "b": candidate}
        exact = textbook_jaro_winkler(normalise_name(name), normalise_name(candidate))
        score = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )
        assert run("name similarity(a, b)", pair).value == score
