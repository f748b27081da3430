"""Membership in ranges with an unbounded or null end gives the same answer in SQL as in
Python, row by row (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from test_sql_agreement import FIXED_ROWS, Backend, _agree, backend

__all__ = ["backend"]  # the fixture, shared with the agreement tests


@pytest.mark.parametrize(
    "source",
    [
        "a in (< 3)",
        "a in (>= c)",
        "a in (<= b)",
        's in (> "a")',
        "a in (null..5]",
        "a in [b..null)",
        "a in [b..10]",
        "a in [b..-10]",
        "a in (c..b)",
        "a in [-5..b)",
    ],
)
def test_membership_in_open_ended_ranges_agrees(backend: Backend, source: str) -> None:
    _agree(backend, source, FIXED_ROWS)
