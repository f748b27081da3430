"""Shared helpers for the expression engine unit tests (imported by the test modules)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from brickwork.engines.expr import EvaluationContext, compile_expression
from brickwork.engines.expr.runtime import Evaluation
from brickwork.engines.expr.values import literal_text
from brickwork.engines.rules.calendar import BusinessCalendar

CLOCK = datetime(2025, 3, 3, 9, 30, tzinfo=timezone(timedelta(hours=8)))
CONTEXT = EvaluationContext(
    now=CLOCK,
    user={"name": "li", "department": "HQ"},
    calendar=BusinessCalendar(key="standard"),
)


def run(source: str, variables: dict[str, Any] | None = None) -> Evaluation:
    return compile_expression(source).evaluate(variables or {}, context=CONTEXT)


def shown(source: str, variables: dict[str, Any] | None = None) -> tuple[str, tuple[str, ...]]:
    """The result as canonical literal text plus the diagnostic codes."""
    result = run(source, variables)
    return literal_text(result.value), tuple(d.code for d in result.diagnostics)
