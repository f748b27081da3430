"""The examples a decision model embeds (`tests`): each evaluated with its inputs and its
value compared with the expected one, as JSON reads it (numbers by their decimal value, dates,
times and durations by their ISO text). Pure: the caller gives the evaluation context; this
module must not read a clock or anything outside the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import EvaluationContext
from brickwork.engines.expr.values import YearsMonths, format_temporal, literal_text
from brickwork.engines.rules.compiler import CompiledModel


@dataclass(frozen=True, slots=True)
class ExampleOutcome:
    index: int
    test_id: str
    passed: bool
    expected: Any
    actual: Any
    """The value found, as JSON reads it."""


def run_examples(
    model: CompiledModel, *, context: EvaluationContext | None = None
) -> tuple[ExampleOutcome, ...]:
    """Every embedded example of the model, in order, with whether it passed."""
    outcomes = []
    for index, test in enumerate(model.model.tests):
        result = model.evaluate(None, test.inputs, context=context or EvaluationContext())
        actual = plain(result.value)
        outcomes.append(
            ExampleOutcome(index, test.id, actual == plain(test.expected), test.expected, actual)
        )
    return tuple(outcomes)


def plain(value: Any) -> Any:
    """A value (FEEL or JSON) in one comparable form: numbers as normalised decimal text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Decimal | int | float):
        return _number(Decimal(str(value)))
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date | datetime | time | timedelta | YearsMonths):
        return format_temporal(value)
    return literal_text(value)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
