"""The result shape shared by every identifier check, and the normalisation helpers.

A check never raises on bad input: it returns the normalised text, the facts it could derive and
the faults it found. A `Fault` is a stable code, a pointer inside the value and the parameters of
its message; the messages themselves (two languages) belong to whoever shows them (the form engine
turns faults into its problems). This module must not know about form fields, records or
expressions.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ALNUM = DIGITS | LETTERS


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing wrong with an identifier: a stable code (a key of the form engine's messages),
    a JSON pointer inside the value ("" for the whole value) and the message parameters."""

    code: str
    pointer: str = ""
    params: tuple[tuple[str, str | int], ...] = ()

    @property
    def arguments(self) -> dict[str, str | int]:
        return dict(self.params)


def fault(code: str, *, pointer: str = "", **params: str | int) -> Fault:
    return Fault(code, pointer, tuple(sorted(params.items())))


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifierResult:
    """What a check found: the normalised value, problems (errors) and warnings."""

    normalized: str
    problems: tuple[Fault, ...] = ()
    warnings: tuple[Fault, ...] = ()

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
