"""Diagnostics and exception types of the expression engine.

A `Diagnostic` is data: a stable `code`, a human message, a location (1-based line and column,
plus an end) and an optional hint. Exceptions carry diagnostics so the platform can turn them into
problem+json errors in one place. This module must not import anything from the platform, and
must not format messages differently depending on the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from brickwork.engines.bilingual import Words


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Span:
    """A region of the source: 1-based line/column of the first and one past the last char."""

    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0


NO_SPAN = Span()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span = NO_SPAN
    hint: str | None = None
    severity: Severity = Severity.ERROR
    zh_cn: str | None = field(kw_only=True)
    """The message in Chinese; None only where the engine passes on a sentence it did not write."""
    hint_zh_cn: str | None = field(default=None, kw_only=True)
    """The hint in Chinese (present whenever `hint` is and `zh_cn` is)."""

    def words(self) -> Words:
        """The message in each language (English where no Chinese is known)."""
        return Words(self.zh_cn if self.zh_cn is not None else self.message, self.message)

    def detail(self) -> Words:
        """The message with its hint in parentheses, in each language (English where no
        Chinese is known)."""
        zh_cn = self.zh_cn if self.zh_cn is not None else self.message
        hint_zh_cn = self.hint_zh_cn if self.hint_zh_cn is not None else self.hint
        return Words(
            f"{zh_cn}（{hint_zh_cn}）" if hint_zh_cn else zh_cn,
            f"{self.message} ({self.hint})" if self.hint else self.message,
        )

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def render(self, source: str) -> str:
        """The message with a caret excerpt of `source` under it (and the hint, if any)."""
        parts = [f"{self.code} at {self.line}:{self.column}: {self.message}"]
        excerpt = caret_excerpt(source, self.span)
        if excerpt:
            parts.append(excerpt)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


def caret_excerpt(source: str, span: Span) -> str:
    """The source line of `span` and a line of carets under the spanned characters."""
    if span.line <= 0:
        return ""
    lines = source.split("\n")
    if span.line > len(lines):
        return ""
    text = lines[span.line - 1]
    start = max(span.column, 1)
    same_line = span.end_line == span.line and span.end_column > start
    width = span.end_column - start if same_line else 1
    width = max(1, min(width, len(text) - start + 2))
    pad = "".join("\t" if ch == "\t" else _pad_for(ch) for ch in text[: start - 1])
    return f"{text}\n{pad}{'^' * width}"


def _pad_for(ch: str) -> str:
    # East Asian wide characters take two cells in a terminal; keep the caret aligned.
    return "  " if ch >= "\u1100" and _is_wide(ch) else " "


def _is_wide(ch: str) -> bool:
    code = ord(ch)
    return (
        0x1100 <= code <= 0x115F
        or 0x2E80 <= code <= 0xA4CF
        or 0xAC00 <= code <= 0xD7A3
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFF60
        or 0xFFE0 <= code <= 0xFFE6
    )


@dataclass(eq=False)
class ExpressionError(Exception):
    """Base class of every error the expression engine raises on purpose."""

    diagnostics: tuple[Diagnostic, ...]
    source: str = ""
    _rendered: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        self._rendered = "\n".join(d.render(self.source) for d in self.diagnostics)
        super().__init__(self._rendered)

    @property
    def diagnostic(self) -> Diagnostic:
        """The first (primary) diagnostic."""
        return self.diagnostics[0]

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def line(self) -> int:
        return self.diagnostic.line

    @property
    def column(self) -> int:
        return self.diagnostic.column

    def __str__(self) -> str:
        return self._rendered


class ExprSyntaxError(ExpressionError):
    """The source text is not a well-formed expression (or exceeds a size limit)."""


class ExprCheckError(ExpressionError):
    """The expression is well formed but wrong for its scope (unknown name, wrong types...)."""


class NotPushable(ExpressionError):
    """The expression (or one sub-expression) has no SQL form with identical semantics."""


class EvaluationAborted(Exception):
    """Internal: raised inside evaluation when a limit is hit; never escapes `evaluate`."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
