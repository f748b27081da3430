"""Serial number patterns such as `KYC-{YYYY}{MM}-{seq:5}`: parse, render, match.

Tokens: `{YYYY}`, `{YY}`, `{MM}`, `{DD}` (the date the number is issued on) and exactly one
`{seq:N}` (the counter, zero-padded to at least N digits; it widens rather than wraps). The
counter is kept per *prefix*: the pattern with dates filled in and the counter left open, so a
pattern with {MM} restarts every month. Pure: the platform allocates counter values and passes
the issue date; this module must not store or read counters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

TOKEN = re.compile(r"\{([^{}]*)\}")
SEQ_TOKEN = re.compile(r"seq:([1-9]|1[0-9]|20)")
DATE_TOKENS: dict[str, str] = {
    # token → regex of its rendered text
    "YYYY": r"[0-9]{4}",
    "YY": r"[0-9]{2}",
    "MM": r"[0-9]{2}",
    "DD": r"[0-9]{2}",
}
SEQ_PLACEHOLDER = "{seq}"


class SerialPatternError(ValueError):
    """The pattern is malformed (unknown token, stray brace, not exactly one {seq:N})."""


@dataclass(frozen=True, slots=True)
class SerialPattern:
    source: str
    parts: tuple[str, ...]
    """Literal text and token names (without braces) in order; tokens are marked by `tokens`."""
    tokens: tuple[bool, ...]
    width: int

    def prefix(self, on: date) -> str:
        """The counter key: dates filled in, the counter left as `{seq}`."""
        return "".join(_render_part(p, t, on, None, self.width) for p, t in self._pairs())

    def render(self, *, on: date, seq: int) -> str:
        if seq < 1:
            raise ValueError("sequence numbers start at 1")
        return "".join(_render_part(p, t, on, seq, self.width) for p, t in self._pairs())

    def matches(self, text: str) -> bool:
        return _regex(self.source).fullmatch(text) is not None

    def _pairs(self) -> zip[tuple[str, bool]]:
        return zip(self.parts, self.tokens, strict=True)


def _render_part(part: str, token: bool, on: date, seq: int | None, width: int) -> str:
    if not token:
        return part
    match part:
        case "YYYY":
            return f"{on.year:04d}"
        case "YY":
            return f"{on.year % 100:02d}"
        case "MM":
            return f"{on.month:02d}"
        case "DD":
            return f"{on.day:02d}"
        case _:
            return SEQ_PLACEHOLDER if seq is None else f"{seq:0{width}d}"


@lru_cache(maxsize=256)
def parse_serial_pattern(pattern: str) -> SerialPattern:
    """Parse `pattern`; raises SerialPatternError when it is malformed."""
    parts: list[str] = []
    tokens: list[bool] = []
    widths: list[int] = []
    position = 0
    for found in TOKEN.finditer(pattern):
        _literal(pattern[position : found.start()], parts, tokens)
        name = found.group(1)
        seq = SEQ_TOKEN.fullmatch(name)
        if seq is not None:
            widths.append(int(seq.group(1)))
        elif name not in DATE_TOKENS:
            raise SerialPatternError(f"unknown token {{{name}}}")
        parts.append(name)
        tokens.append(True)
        position = found.end()
    _literal(pattern[position:], parts, tokens)
    if len(widths) != 1:
        raise SerialPatternError("a pattern needs exactly one {seq:N} (N from 1 to 20)")
    return SerialPattern(pattern, tuple(parts), tuple(tokens), widths[0])


def _literal(text: str, parts: list[str], tokens: list[bool]) -> None:
    if "{" in text or "}" in text:
        raise SerialPatternError("braces are only allowed around tokens")
    if text:
        parts.append(text)
        tokens.append(False)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    parsed = parse_serial_pattern(pattern)
    pieces = []
    for part, token in zip(parsed.parts, parsed.tokens, strict=True):
        if not token:
            pieces.append(re.escape(part))
        elif part in DATE_TOKENS:
            pieces.append(DATE_TOKENS[part])
        else:
            pieces.append(f"[0-9]{{{parsed.width},}}")
    return re.compile("".join(pieces))
