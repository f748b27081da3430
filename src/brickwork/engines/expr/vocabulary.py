"""Names made of several words (`Monthly Income`, `string length`, `time offset`), for the parser.

FEEL names may contain spaces (and `.`, `/`, `-`, `+`, `*`), so `Monthly Income * 12` can only be
read knowing that `Monthly Income` is a name. A `Vocabulary` indexes the names the parser may
join, by first word: the names of the scope (case-sensitive), the multi-word names of the function
registry (case-insensitive, only right before `(`) and the multi-word properties of the spec. The
longest name that matches wins. This module only indexes text; it must not parse expressions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

from brickwork.engines.expr.functions import Registry
from brickwork.engines.expr.lexer import NUMBER, SYMBOL, WORD, tokenize

PROPERTY_NAMES = ("time offset", "start included", "end included")
"""The multi-word properties of DMN 1.5 (of ranges and times), readable after `.`."""

NAME_SYMBOLS = frozenset({".", "/", "-", "+", "*"})
"""Symbols a FEEL name may contain between its words (spec rule 32, without `'`)."""

Index = dict[str, tuple[tuple[tuple[str, ...], str], ...]]
"""First word → (the following parts, the name), longest first."""


def name_parts(name: str) -> tuple[str, ...] | None:
    """The token texts of `name`, or None when it is one word or could never be matched."""
    tokens = tokenize(name)
    kinds = tokens.kinds[:-1]
    if len(kinds) < 2 or kinds[0] != WORD:
        return None
    for kind, text in zip(kinds, tokens.texts, strict=False):
        if kind not in (WORD, NUMBER) and not (kind == SYMBOL and text in NAME_SYMBOLS):
            return None
    return tuple(tokens.texts[:-1])


def build_index(names: Iterable[str], *, fold: bool = False) -> Index:
    grouped: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name in names:
        parts = name_parts(name.lower() if fold else name)
        if parts is not None:
            grouped.setdefault(parts[0], []).append((parts[1:], name))
    return {
        first: tuple(sorted(found, key=lambda entry: -len(entry[0])))
        for first, found in grouped.items()
    }


@dataclass(frozen=True, slots=True)
class Vocabulary:
    names: Index
    """Variables, context keys and properties (matched case-sensitively)."""
    functions: Index
    """Built-in functions, keyed and matched in lower case."""


@lru_cache(maxsize=8)
def _function_index(registry: Registry) -> Index:
    return build_index((n for n in registry.all_names if " " in n), fold=True)


@lru_cache(maxsize=256)
def _vocabulary(names: frozenset[str], registry: Registry) -> Vocabulary:
    return Vocabulary(build_index((*names, *PROPERTY_NAMES)), _function_index(registry))


def vocabulary(names: Collection[str], registry: Registry) -> Vocabulary:
    """The vocabulary for a scope's `names` (pass a frozenset to reuse the index across calls)."""
    return _vocabulary(names if isinstance(names, frozenset) else frozenset(names), registry)
