"""What an evaluation of a decision model gives back: the value, diagnostics and the trace.

`State` is the mutable state of one evaluation (the injected `EvaluationContext`, collected
diagnostics, the trace being built); it is never shared between evaluations. A table trace
keeps, per input column, which rules failed there first (bitsets), so the per-rule view
(`TableTrace.rules`: matched with its outputs, or the first failing cell with the input value
that failed it) is exact and is built only when read. This module must not evaluate anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from brickwork.engines.expr import Diagnostic, EvaluationContext
from brickwork.engines.expr.values import Value
from brickwork.engines.rules.problems import ModelProblem, from_diagnostic, problem


class State:
    """One evaluation: context, diagnostics and (when tracing) the tables evaluated so far."""

    __slots__ = ("context", "diagnostics", "tables", "trace")

    def __init__(self, context: EvaluationContext, *, trace: bool = False) -> None:
        self.context = context
        self.diagnostics: list[ModelProblem] = []
        self.trace = trace
        self.tables: list[TableTrace] = []

    def report(self, code: str, key: str, pointer: str, /, **params: object) -> None:
        """Note diagnostic `code` at `pointer`, saying entry `key` of `MESSAGES`."""
        self.diagnostics.append(problem(code, key, pointer, **params))

    def expression(self, diagnostics: Sequence[Diagnostic], pointer: str) -> None:
        self.diagnostics.extend(from_diagnostic(d, pointer) for d in diagnostics)


class RuleTrace(NamedTuple):
    """One rule of a table: matched (with its outputs), or the first input cell that failed."""

    rule_id: str
    position: int
    """The rule's index in the table (0-based)."""
    matched: bool
    outputs: Value = None
    failed_input: int | None = None
    """Index of the first input column whose cell did not match (None when matched)."""
    failed_cell: str | None = None
    failed_value: Value = None
    """The input value that failed the cell."""
    annotations: tuple[str, ...] = ()
    """The rule's annotation cells (e.g. the reason a risk rule gives)."""


@dataclass(eq=False)
class TableTrace:
    table_id: str | None
    pointer: str
    hit_policy: str
    inputs: tuple[Value, ...]
    """The value of every input column, in column order."""
    rule_ids: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    annotations: tuple[tuple[str, ...], ...]
    """Per rule, its annotation cells."""
    matched: tuple[int, ...]
    """Indexes of the matched rules, in rule order."""
    outputs: Mapping[int, Value]
    fails: tuple[int, ...]
    """Per input column, the bitset of rules whose first failing cell is in that column."""
    result: Value = None
    note: str | None = None
    """Why no rule was tested (an input outside its `input_values`), when that happened."""

    @cached_property
    def rules(self) -> tuple[RuleTrace, ...]:
        found: list[RuleTrace] = []
        matched = set(self.matched)
        first_fail: list[int | None] = [None] * len(self.rule_ids)
        for c, mask in enumerate(self.fails):
            bits = format(mask, "b")[::-1]  # bits[i] is rule i
            at = bits.find("1")
            while at != -1:
                if first_fail[at] is None:
                    first_fail[at] = c
                at = bits.find("1", at + 1)
        make = tuple.__new__  # RuleTrace(...) without the keyword handling: thousands per read
        cells, inputs, outputs, notes = self.cells, self.inputs, self.outputs, self.annotations
        for index, rule_id in enumerate(self.rule_ids):
            note = notes[index]
            if index in matched:
                entry: tuple[Any, ...] = (rule_id, index, True, outputs.get(index))
                found.append(make(RuleTrace, (*entry, None, None, None, note)))
                continue
            column = first_fail[index]
            if column is None:
                entry = (rule_id, index, False, None, None, None, None, note)
            else:
                cell, value = cells[index][column], inputs[column]
                entry = (rule_id, index, False, None, column, cell, value, note)
            found.append(make(RuleTrace, entry))
        return tuple(found)

    @property
    def matched_rules(self) -> tuple[str, ...]:
        return tuple(self.rule_ids[i] for i in self.matched)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table_id,
            "pointer": self.pointer,
            "hit_policy": self.hit_policy,
            "inputs": list(self.inputs),
            "result": self.result,
            "rules": [rule._asdict() for rule in self.rules],
        }


@dataclass(frozen=True, eq=False)
class DecisionTrace:
    """One decision of the graph, in evaluation order: its value and the tables it evaluated."""

    name: str
    value: Value
    tables: tuple[TableTrace, ...] = ()


@dataclass(frozen=True, eq=False)
class DecisionResult:
    value: Value
    diagnostics: tuple[ModelProblem, ...] = ()
    decisions: Mapping[str, Value] | None = None
    """The value of every decision evaluated, by name."""
    trace: tuple[DecisionTrace, ...] | None = None

    @property
    def ok(self) -> bool:
        return not self.diagnostics
