"""Reports across a lookup join, on SQLite and PostgreSQL: summed up per joined row before the
join when the measures allow it, row by row otherwise, with the same results either way —
including base rows without a joined row (no lookup, a deleted one, one the viewer may not
read), which fall into the empty group."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_reports_api import APP, RECORDS, report, run, wealth

from conftest import Users

__all__ = ["wealth"]
MEASURES = [
    {"key": "n", "function": "count"},
    {"key": "aum", "function": "sum", "field": "aum"},
    {"key": "mean", "function": "avg", "field": "aum"},
    {"key": "low", "function": "min", "field": "aum"},
    {"key": "high", "function": "max", "field": "aum"},
    {"key": "latest", "function": "max", "field": "opened"},
]
BY_BRANCH = {
    "dataset": {"form": "customer", "joins": [{"as": "b", "lookup": "branch"}]},
    "dimensions": [{"key": "branch", "field": "b.name"}],
    "measures": MEASURES,
    "sort": [{"key": "branch"}],
}
ROW_BY_ROW = {  # a distinct count cannot be summed up in parts: the join comes first
    **BY_BRANCH,
    "measures": [*MEASURES, {"key": "tiers", "function": "count_distinct", "field": "tier"}],
}
NORTH_ONLY = [
    {"app": "wealth", "form": "customer", "actions": ["read"], "rows": "all"},
    {
        "app": "wealth",
        "form": "branch",
        "actions": ["read"],
        "rows": {"expression": 'name = "North"'},
    },
]


def expected(groups: dict[str | None, list[tuple[str, str]]]) -> list[list[Any]]:
    """Rows (branch, n, sum, avg, min, max, latest opening) from each group's (aum, opened)."""
    rows = []
    for name in sorted(groups, key=lambda g: (g is None, g or "")):
        amounts = [Decimal(aum) for aum, _ in groups[name]]
        total = sum(amounts, Decimal(0))
        mean = total / len(amounts)
        rows.append(
            [
                name,
                Decimal(len(amounts)),
                total,
                mean,
                min(amounts),
                max(amounts),
                max(opened for _, opened in groups[name]),
            ]
        )
    return rows


def exact(rows: list[list[Any]]) -> list[list[Any]]:
    return [[row[0], *(Decimal(v) for v in row[1:6]), row[6]] for row in rows]


@pytest.fixture
def orphans(wealth: TestClient) -> TestClient:
    """A customer without a branch, and one whose branch was deleted."""
    east = wealth.post(f"{APP}/forms/branch/records", json={"name": "East"}).json()
    for body in (
        {"name": "Zhou", "tier": "A", "aum": "50.00", "opened": "2026-04-01"},
        {"name": "Wu", "tier": "C", "aum": "7.00", "opened": "2026-04-02", "branch": east["id"]},
    ):
        assert wealth.post(RECORDS, json=body).status_code == 201
    gone = wealth.delete(
        f"{APP}/forms/branch/records/{east['id']}", headers={"If-Match": f'"{east["version"]}"'}
    )
    assert gone.status_code == 200, gone.text
    return wealth


NORTH = [("1000000.00", "2026-01-05"), ("300000.25", "2026-02-03"), ("99.99", "2026-03-31")]
SOUTH = [("2500000.50", "2026-01-20"), ("700000.00", "2026-02-28"), ("0.10", "2026-03-15")]
ORPHANS = [("50.00", "2026-04-01"), ("7.00", "2026-04-02")]


def test_a_join_gives_the_same_results_summed_up_first_or_row_by_row(orphans: TestClient) -> None:
    report(orphans, "by_branch", BY_BRANCH)
    report(orphans, "row_by_row", ROW_BY_ROW)
    want = expected({"North": NORTH, "South": SOUTH, None: ORPHANS})
    assert exact(run(orphans, "by_branch")["rows"]) == want
    slow = run(orphans, "row_by_row")["rows"]
    assert exact([row[:7] for row in slow]) == want
    assert [row[7] for row in slow] == ["3", "2", "2"]


def test_a_filter_on_the_joined_form_joins_first(orphans: TestClient) -> None:
    report(orphans, "north", {**BY_BRANCH, "filters": ['b.name = "North"']})
    assert exact(run(orphans, "north")["rows"]) == expected({"North": NORTH})


def test_joined_rows_the_viewer_may_not_read_are_the_empty_group(
    orphans: TestClient, users: Users
) -> None:
    report(orphans, "by_branch", BY_BRANCH)
    report(orphans, "row_by_row", ROW_BY_ROW)
    viewer = users.client("north_viewer", grants=NORTH_ONLY)
    want = expected({"North": NORTH, None: SOUTH + ORPHANS})
    assert exact(run(viewer, "by_branch")["rows"]) == want
    assert exact([row[:7] for row in run(viewer, "row_by_row")["rows"]]) == want


def test_a_lookup_the_viewer_may_not_read_cannot_be_followed(
    orphans: TestClient, users: Users
) -> None:
    report(orphans, "by_branch", BY_BRANCH)
    report(orphans, "row_by_row", ROW_BY_ROW)
    hidden = [
        {**NORTH_ONLY[0], "fields": {"branch": "hidden"}},
        {**NORTH_ONLY[1], "rows": "all"},
    ]
    viewer = users.client("no_branches", grants=hidden)
    for key in ("by_branch", "row_by_row"):
        refused = viewer.post(f"{APP}/reports/{key}/run", json={})
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "field_not_readable"
        assert refused.json()["errors"][0]["pointer"] == "/dataset/joins/0/lookup"
