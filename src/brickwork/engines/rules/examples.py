"""The examples a decision model embeds (`tests`): each evaluated with its inputs and its
value compared with the expected one, as JSON reads it (numbers by their decimal value, dates,
times and durations by their ISO text). Pure: the caller gives the evaluation context; this
module must not read a clock or anything outside the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import EvaluationContext
from brickwork.engines.expr.values import YearsMonths, format_temporal, literal_text
from brickwork.engines.rules.compiler import CompiledModel

DECIMAL_TEXT = re.compile(r"^-?[0-9]{1,40}(\.[0-9]{1,40})?$")


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
        passed = actual in (plain(test.expected), plain(test.expected, numbers_as_text=True))
        outcomes.append(ExampleOutcome(index, test.id, passed, test.expected, actual))
    return tuple(outcomes)


def plain(value: Any, *, numbers_as_text: bool = False) -> Any:
    """A value (FEEL or JSON) in one comparable form: numbers as normalised decimal text; with
    `numbers_as_text`, JSON strings of decimals too (the API sends decimals as strings)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Decimal | int | float):
        return _number(Decimal(str(value)))
    if isinstance(value, str):
        if numbers_as_text and DECIMAL_TEXT.match(value):
            return _number(Decimal(value))
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v, numbers_as_text=numbers_as_text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, numbers_as_text=numbers_as_text) for v in value]
    if isinstance(value, date | datetime | time | timedelta | YearsMonths):
        return format_temporal(value)
    return literal_text(value)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
