"""A report's result as a table: what running a plan returns, what post steps transform, and
what charts and exports read. Values are exact: `Decimal` for numbers and money, `date` and
`datetime` (aware) for times, `str` for text and for masked cells, `bool`, or None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from brickwork.engines.report.plan import Format, Label, ValueType

RowKind = Literal["data", "subtotal", "total"]


@dataclass(frozen=True, slots=True)
class Column:
    """`role` dimension | measure | detail. `path`: for a pivoted column, the column
    dimensions' values then the measure key (`("2026-01", "aum")`; a total column has
    `("total", "aum")`); otherwise `(key,)`. `masked`: the viewer sees this column's values
    masked (they are strings then)."""

    key: str
    label: Label
    role: Literal["dimension", "measure", "detail"]
    type: ValueType
    path: tuple[str, ...] = ()
    format: Format | None = None
    masked: bool = False


@dataclass(frozen=True, slots=True)
class ResultTable:
    """`kinds[i]` tells whether row i is data, a subtotal or the total (all "data" without a
    pivot). `truncated`: the server's row cap (`cap`) cut the result; the message says so."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    kinds: tuple[RowKind, ...]
    truncated: bool = False
    cap: int | None = None

    def column(self, key: str) -> int:
        """The position of the column called `key` (KeyError when there is none)."""
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)
