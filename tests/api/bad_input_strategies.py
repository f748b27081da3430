"""Hypothesis strategies for hostile input: integers beyond 64 bits, numbers thousands of digits
long or with huge exponents, lone surrogates, deep nesting, huge function arguments.

Shared by the records API properties and the schemathesis run of the whole API."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

BOUNDARY_INTEGERS = st.sampled_from(
    [2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**20, 10**38, 10**39]
)
HUGE_INTEGERS = st.one_of(BOUNDARY_INTEGERS, st.integers(-(10**60), 10**60))
DIGIT_RUNS = st.integers(1, 3000).map(lambda n: "9" * n)
EXPONENTS = st.one_of(st.integers(-30, 30), st.integers(-(10**9), 10**9))
NUMBER_TEXTS = st.one_of(
    HUGE_INTEGERS.map(str),
    DIGIT_RUNS,
    st.builds(lambda whole, tail: f"{whole}.{tail}", DIGIT_RUNS, DIGIT_RUNS),
    st.builds(lambda mantissa, exponent: f"{mantissa}e{exponent}", HUGE_INTEGERS, EXPONENTS),
)
"""Numbers as JSON or expression text (a Python int of 3,000 digits could not be written)."""

SURROGATE_ESCAPES = st.integers(0xD800, 0xDFFF).map(lambda code: f"\\u{code:04x}")
"""``\\ud800``-style escapes of a lone half of a surrogate pair (JSON and expression syntax)."""
SHORT_TEXT = st.text(string.ascii_letters + "中文 ", max_size=4)
QUOTED_WITH_SURROGATE = st.builds(
    lambda before, escape, after: f'"{before}{escape}{after}"',
    SHORT_TEXT,
    SURROGATE_ESCAPES,
    SHORT_TEXT,
)


# ---------------------------------------------------------------- filter expressions

FIELDS = ("name", "aum", "count", "wide", "cash")
CALL_TEMPLATES = st.sampled_from(
    [
        "substring(name, {a})",
        "substring(name, {a}, {b})",
        "left(name, {a})",
        "right(name, {a})",
        "round(aum, {a})",
        "round(count * {a}, {b})",
        "abs({a}) + count",
        "floor(aum * {a})",
    ]
)
FUNCTION_CALLS = st.builds(
    lambda template, a, b: template.format(a=a, b=b), CALL_TEMPLATES, NUMBER_TEXTS, NUMBER_TEXTS
)
OPERANDS = st.one_of(
    st.sampled_from([*FIELDS, "null", '"abc"', "true"]),
    NUMBER_TEXTS,
    QUOTED_WITH_SURROGATE,
    FUNCTION_CALLS,
)
OPERATORS = st.sampled_from(
    ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "**", "and", "or", "in", "between"]
)
EXPRESSIONS = st.recursive(
    OPERANDS,
    lambda inner: st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, OPERATORS, inner),
        inner.map(lambda a: f"not({a})"),
        inner.map(lambda a: f"({a})"),
        st.builds(lambda a, b: f"[{a}, {b}]", inner, inner),
    ),
    max_leaves=6,
)
DEEP_FILTERS = st.builds(
    lambda depth, field: "(" * depth + field + ")" * depth + " > 1",
    st.integers(50, 1500),
    st.sampled_from(FIELDS),
)
NO_SURROGATES = st.characters(blacklist_categories=("Cs",))
FILTERS = st.one_of(
    EXPRESSIONS,
    st.builds(
        lambda field, op, number: f"{field} {op} {number}",
        st.sampled_from(FIELDS),
        OPERATORS,
        NUMBER_TEXTS,
    ),
    DEEP_FILTERS,
    st.text(NO_SURROGATES, max_size=40),
).filter(lambda text: len(text) <= 4000)
"""Filter texts; a lone surrogate cannot travel in a URL, so only its escape is generated."""


# ---------------------------------------------------------------- JSON bodies (as text)


def nested(depth: int, leaf: str) -> str:
    return "[" * depth + leaf + "]" * depth


JSON_VALUES = st.one_of(
    NUMBER_TEXTS,
    NUMBER_TEXTS.map(lambda text: f'"{text}"'),
    NUMBER_TEXTS.map(lambda text: f'{{"amount": {text}, "currency": "CNY"}}'),
    QUOTED_WITH_SURROGATE,
    st.builds(nested, st.integers(1, 1200), st.sampled_from(["1", '"a"', "{}"])),
    st.sampled_from(['"abc"', "null", "true", "12.50", '{"amount": "1.5", "currency": "KWD"}']),
)
BODY_KEYS = st.one_of(st.sampled_from(FIELDS), QUOTED_WITH_SURROGATE.map(lambda q: q[1:-1]))
JSON_BODIES = st.dictionaries(BODY_KEYS, JSON_VALUES, max_size=4).map(
    lambda members: "{" + ", ".join(f'"{k}": {v}' for k, v in members.items()) + "}"
)
"""Record bodies as JSON text, so that numbers of any length and lone surrogates can be sent."""


# ---------------------------------------------------------------- Python values (schemathesis)

PYTHON_VALUES: st.SearchStrategy[Any] = st.one_of(
    HUGE_INTEGERS,
    st.integers(101, 4000).map(lambda digits: 10**digits),
    SURROGATE_ESCAPES.map(lambda escape: escape.encode().decode("unicode_escape")),
    st.integers(65, 200).map(lambda depth: nested_list(depth)),
)
"""Values a generated request body can carry (the JSON encoder writes lone surrogates as
escapes; ints stay below the interpreter's 4,300-digit limit for writing them)."""


def nested_list(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value
