"""The built-in function library, assembled from one module per category into `REGISTRY`.

Each category module exports `SPECS`, a tuple of `FunctionSpec`. Nothing here evaluates
expressions or touches the clock; see `functions.py` for the rules evaluators follow.
"""

from __future__ import annotations

from brickwork.engines.expr.functions import Registry
from brickwork.engines.expr.library import lists, logic, numeric, range_literal, temporal, text

REGISTRY = Registry(
    (*logic.SPECS, *text.SPECS, *numeric.SPECS, *lists.SPECS, *temporal.SPECS, *range_literal.SPECS)
)

CATEGORIES: tuple[str, ...] = ("logic", "text", "number", "list", "date and time", "range")
