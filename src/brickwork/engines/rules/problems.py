"""Problems of decision models: refusals at compile time and diagnostics at evaluation time.

A `ModelProblem` is data: a stable code (`E_DMN_...`, or an expression engine code such as
`E_TYPE_MISMATCH` for a failure inside FEEL text at evaluation time), a message, a JSON pointer
into the model's `spec`, the line/column inside the FEEL text when the problem is there, and a
hint. `DecisionModelError` carries every problem found in a model that cannot be compiled. This
module must not know about HTTP or pick a language from the environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from brickwork.engines.expr import Diagnostic


@dataclass(frozen=True, slots=True)
class ModelProblem:
    code: str
    message: str
    pointer: str = ""
    hint: str | None = None
    line: int = 0
    column: int = 0
    """1-based position inside the FEEL text at `pointer` (0: the whole element)."""

    def __str__(self) -> str:
        where = self.pointer or "/"
        if self.line:
            where += f" (line {self.line}, column {self.column})"
        text = f"{self.code} at {where}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


def from_diagnostic(
    diagnostic: Diagnostic, pointer: str, *, code: str | None = None
) -> ModelProblem:
    """A problem for an expression engine diagnostic about the FEEL text at `pointer`."""
    message = diagnostic.message if code is None else f"{diagnostic.code}: {diagnostic.message}"
    return ModelProblem(
        code or diagnostic.code,
        message,
        pointer,
        diagnostic.hint,
        diagnostic.line,
        diagnostic.column,
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
