"""Shared helpers for the expression engine unit tests (imported by the test modules)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import EvaluationContext, compile_expression
from brickwork.engines.expr.runtime import Evaluation
from brickwork.engines.expr.values import literal_text
from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.engines.rules.parameters import ParameterSet, ParameterTable

CLOCK = datetime(2025, 3, 3, 9, 30, tzinfo=timezone(timedelta(hours=8)))
CONTEXT = EvaluationContext(
    now=CLOCK,
    user={"name": "li", "department": "HQ"},
    calendar=BusinessCalendar(key="standard"),
    parameters=ParameterSet(
        {
            "aml_thresholds": ParameterTable(
                "aml_thresholds",
                {
                    "value_type": "number",
                    "source": "PBOC Order 2016 No.3, art. 5",
                    "rows": [
                        {
                            "key": "cash_cny",
                            "value": 200000,
                            "effective_from": "2007-03-01",
                            "effective_to": "2017-06-30",
                            "source": "PBOC Order 2006 No.2",
                        },
                        {"key": "cash_cny", "value": 50000, "effective_from": "2017-07-01"},
                        {"key": "cash_usd", "value": 10000, "effective_from": "2007-03-01"},
                    ],
                },
            ),
            "exchange_rates": ParameterTable(
                "exchange_rates",
                {
                    "value_type": "number",
                    "source": "CFETS central parity",
                    "rows": [
                        {
                            "key": "USD/CNY",
                            "value": Decimal("7.1850"),
                            "effective_from": "2025-01-01",
                        }
                    ],
                },
            ),
        }
    ),
)


def run(source: str, variables: dict[str, Any] | None = None) -> Evaluation:
    return compile_expression(source).evaluate(variables or {}, context=CONTEXT)


def shown(source: str, variables: dict[str, Any] | None = None) -> tuple[str, tuple[str, ...]]:
    """The result as canonical literal text plus the diagnostic codes."""
    result = run(source, variables)
    return literal_text(result.value), tuple(d.code for d in result.diagnostics)
