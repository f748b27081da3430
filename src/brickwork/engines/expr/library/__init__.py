"""The built-in function library, assembled from one module per category into `REGISTRY`.

Each category module exports `SPECS`, a tuple of `FunctionSpec`. Nothing here evaluates
expressions or touches the clock; see `functions.py` for the rules evaluators follow.
"""

from __future__ import annotations

from brickwork.engines.expr.functions import Registry
from brickwork.engines.expr.library import (
    contexts,
    id_numbers,
    list_edits,
    lists,
    logic,
    money,
    names,
    numeric,
    ownership,
    parameters,
    range_literal,
    ranges,
    statistical,
    temporal,
    text,
    working_days,
)

REGISTRY = Registry(
    (
        *logic.SPECS,
        *text.SPECS,
        *names.SPECS,
        *numeric.SPECS,
        *money.SPECS,
        *lists.SPECS,
        *list_edits.SPECS,
        *statistical.SPECS,
        *contexts.SPECS,
        *temporal.SPECS,
        *ranges.SPECS,
        *range_literal.SPECS,
        *working_days.SPECS,
        *parameters.SPECS,
        *id_numbers.SPECS,
        *ownership.SPECS,
    )
)

CATEGORIES: tuple[str, ...] = (
    "logic",
    "text",
    "number",
    "list",
    "context",
    "date and time",
    "range",
    "parameters",
    "identifiers",
    "ownership",
)
