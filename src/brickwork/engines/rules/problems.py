"""Problems of decision models and rules: refusals at compile time and diagnostics at evaluation
time.

A `ModelProblem` is data: a stable code (`E_DMN_...`, `E_RULE_...`, or an expression engine code
such as `E_TYPE_MISMATCH` for a failure inside FEEL text at evaluation time), a message and a
hint in English and the same in Simplified Chinese (`zh_cn`, `hint_zh_cn`), a JSON pointer into
the model's `spec`, and the line/column inside the FEEL text when the problem is there. `problem`
builds one from an entry of `messages.MESSAGES`. `DecisionModelError` carries every problem found
in a model that cannot be compiled. This module must not know about HTTP or pick a language from
the environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from brickwork.engines.bilingual import fill, fill_hinted
from brickwork.engines.expr import Diagnostic
from brickwork.engines.rules.messages import MESSAGES


@dataclass(frozen=True, slots=True)
class ModelProblem:
    code: str
    message: str
    pointer: str = ""
    hint: str | None = None
    line: int = 0
    column: int = 0
    """1-based position inside the FEEL text at `pointer` (0: the whole element)."""
    zh_cn: str | None = None
    """The message in Simplified Chinese."""
    hint_zh_cn: str | None = None
    """The hint in Simplified Chinese."""

    def __str__(self) -> str:
        where = self.pointer or "/"
        if self.line:
            where += f" (line {self.line}, column {self.column})"
        text = f"{self.code} at {where}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def said(self, locale: str | None) -> tuple[str, str | None]:
        """The message and the hint in `locale` ("zh-CN" or English), English where there is
        no Chinese text."""
        if locale == "zh-CN":
            return self.zh_cn or self.message, self.hint_zh_cn or self.hint
        return self.message, self.hint


def problem(code: str, key: str, pointer: str = "", /, **params: object) -> ModelProblem:
    """Problem `code` at `pointer`, saying entry `key` of `MESSAGES` with `params`."""
    zh_cn, en, hint_zh_cn, hint_en = fill_hinted(*MESSAGES[key], params)
    return ModelProblem(code, en, pointer, hint_en, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


def from_diagnostic(
    diagnostic: Diagnostic, pointer: str, *, code: str | None = None
) -> ModelProblem:
    """A problem for an expression engine diagnostic about the FEEL text at `pointer`: refused
    at compile time (`code`, with the diagnostic's code in the message) or met when evaluating.
    Each language puts its lead-in before the diagnostic's message in that language."""
    key = "expression_failed" if code is None else "expression"
    params = {"code": diagnostic.code, "detail": diagnostic.words()}
    zh_cn, message = fill(MESSAGES[key][0], params)
    return ModelProblem(
        code or diagnostic.code,
        message,
        pointer,
        diagnostic.hint,
        diagnostic.line,
        diagnostic.column,
        zh_cn=zh_cn,
        hint_zh_cn=diagnostic.hint_zh_cn or diagnostic.hint,
    )


class DecisionModelError(Exception):
    """The decision model cannot be compiled; `problems` lists everything found, each with a
    stable code and a pointer into the spec."""

    def __init__(self, problems: Iterable[ModelProblem]) -> None:
        self.problems: tuple[ModelProblem, ...] = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


def pointer_token(token: str | int) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")
