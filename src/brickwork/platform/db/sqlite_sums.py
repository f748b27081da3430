"""Exact sums on SQLite beyond 64-bit integers.

SQLite keeps exact decimals as 64-bit integers of their smallest unit (``ExactDecimal``): cents
for money, 10^-8 for a rate of eight decimals. Every value fits, but a sum may not: SQLite's
``sum()`` then fails with "integer overflow" (92,233,720,368,547,758.07 at two decimals, only
92,233,720,368.547… at eight). PostgreSQL sums its NUMERIC columns exactly at any size.

So on SQLite a statement whose ``sum()`` overflows runs once more with ``exact_sum()``, an
aggregate of Python integers registered on every connection: the same result, exact at any size
(as text beyond 64 bits, which ``ExactDecimal`` reads like an integer). The first run stays
SQLite's own ``sum()``, ten times faster than an aggregate in Python; only a sum that does not
fit pays for the second. Every statement is covered (record summaries, rule windows, reports,
aggregates in filters), whoever builds it.
"""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, event

EXACT_SUM = "exact_sum"
SUM_CALL = re.compile(r"\bsum\(", re.IGNORECASE)
"""A call of SQL's ``sum`` in statement text (``exact_sum(`` does not match: no word boundary
before its ``sum``). Values are bound parameters, so text holds no user data to mistake."""
OVERFLOW = "integer overflow"
INT64 = 2**63


class ExactSum:
    """``exact_sum(x)``: the sum of integers (or the text of one, from an inner ``exact_sum``),
    NULL when every value is NULL, as ``sum()`` gives it; an integer while it fits 64 bits,
    else its decimal text."""

    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total: int | None = None

    def step(self, value: object) -> None:
        if value is None:
            return
        if isinstance(value, float):  # never in an exact column: refuse rather than round
            raise TypeError("exact_sum() was given a floating-point value")
        number = value if isinstance(value, int) else int(str(value))
        self.total = number if self.total is None else self.total + number

    def finalize(self) -> int | str | None:
        total = self.total
        if total is None or -INT64 <= total < INT64:
            return total
        return str(total)


def sum_value(value: object) -> Any:
    """A sum as one type on both databases: a sum of whole numbers comes back from PostgreSQL
    as a NUMERIC (a ``Decimal``) but from SQLite as an integer, or beyond 64 bits as the text of
    ``exact_sum``; each becomes the ``Decimal`` PostgreSQL gives (so JSON writes it as a string
    on both, as it does decimals). Other sums (``ExactDecimal`` columns) and NULL pass as they
    are."""
    if isinstance(value, int | str) and not isinstance(value, bool):
        return Decimal(value)
    return value


def register_exact_sum(dbapi_connection: sqlite3.Connection) -> None:
    dbapi_connection.create_aggregate(EXACT_SUM, 1, ExactSum)  # type: ignore[arg-type]


def sum_exactly_on_overflow(engine: Engine) -> None:
    """Run a statement again with ``exact_sum()`` when its ``sum()`` overflows (SQLite)."""

    @event.listens_for(engine, "do_execute")
    def execute(cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
        _execute(cursor, statement, parameters)
        return True

    @event.listens_for(engine, "do_execute_no_params")
    def execute_no_params(cursor: Any, statement: str, _context: Any) -> bool:
        _execute(cursor, statement, ())
        return True


def _execute(cursor: Any, statement: str, parameters: Any) -> None:
    try:
        cursor.execute(statement, parameters)
    except sqlite3.OperationalError as exc:
        if str(exc) != OVERFLOW or not SUM_CALL.search(statement):
            raise
        cursor.execute(SUM_CALL.sub(f"{EXACT_SUM}(", statement), parameters)
