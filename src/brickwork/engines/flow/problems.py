"""Errors of the flow engine: a definition that cannot be compiled, a command refused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brickwork.engines.flow.state import FlowState


@dataclass(frozen=True, slots=True)
class FlowProblem:
    """One problem of a definition: a JSON `pointer` into the spec, a stable `code`
    (`E_FLOW_...`), a message and a hint in English, the same in Simplified Chinese (`zh_cn`,
    `hint_zh_cn`; see `design_messages`); `line`/`column` (1-based) inside FEEL text."""

    pointer: str
    code: str
    message: str
    hint: str | None = None
    line: int = 0
    column: int = 0
    zh_cn: str | None = None
    hint_zh_cn: str | None = None

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


class FlowDefinitionError(Exception):
    """The flow cannot be compiled; `problems` lists everything found."""

    def __init__(self, problems: Iterable[FlowProblem]) -> None:
        self.problems: tuple[FlowProblem, ...] = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


class CommandRefused(Exception):
    """A command that cannot act on the instance as it is (`state`, unchanged): a stable
    `code` (`E_FLOW_STALE`, `E_FLOW_UNKNOWN_TASK`, ...), a message in English and in Chinese
    (`zh_cn`; see `refusals`), and a `pointer` into the command (`/to`, `/users/1`) when one
    part of it is at fault."""

    def __init__(
        self, code: str, message: str, state: FlowState, pointer: str = "", zh_cn: str = ""
    ) -> None:
        self.code = code
        self.message = message
        self.zh_cn = zh_cn or message
        self.state = state
        self.pointer = pointer  # into the command's body, when one part of it is at fault
        super().__init__(f"{code}: {message}")

    def text(self, locale: str | None) -> str:
        """The message in `locale` ("zh-CN" or English)."""
        return self.zh_cn if locale == "zh-CN" else self.message
