"""The result shape shared by every identifier check, and the normalisation helpers.

A check never raises on bad input: it returns the normalised text, the facts it could derive and
the problems it found. This module must not know about form fields or records.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from brickwork.engines.form.problems import Problem

DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ALNUM = DIGITS | LETTERS


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifierResult:
    """What a check found: the normalised value, problems (errors) and warnings."""

    normalized: str
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


def normalise(raw: str, *, drop: str = "") -> str:
    """NFKC (full-width digits and letters become ASCII), trim, upper-case, remove `drop` chars."""
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    for char in drop:
        text = text.replace(char, "")
    return text


def alnum_value(char: str) -> int:
    """0-9 for digits, 10-35 for A-Z (the mapping of ISO 7064, ICAO 9303 and GB 11714)."""
    return int(char, 36)


def letters_to_digits(text: str) -> str:
    """Replace each letter by its two-digit value, as MOD 97-10 needs (A → 10, ..., Z → 35)."""
    return "".join(str(alnum_value(char)) for char in text)
