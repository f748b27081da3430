"""Reports over HTTP, on SQLite and PostgreSQL alike: golden results (definition + seeded
records -> the exact table), pivots with totals, joins, grains, buckets, percentiles, drill-
through, exports, refusals with pointers, and the viewer's permissions."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/wealth"
RECORDS = f"{APP}/forms/customer/records"
BRANCH: dict[str, Any] = {
    "fields": [{"id": "b_name", "key": "name", "type": "text", "label": "Branch"}]
}
CUSTOMER: dict[str, Any] = {
    "fields": [
        {"id": "c_name", "key": "name", "type": "text", "label": "Name"},
        {
            "id": "c_tier",
            "key": "tier",
            "type": "single_select",
            "label": {"zh-CN": "等级", "en": "Tier"},
            "options": ["A", "B", "C"],
        },
        {"id": "c_aum", "key": "aum", "type": "money", "currency": "CNY", "label": "AUM"},
        {"id": "c_opened", "key": "opened", "type": "date", "label": "Opened"},
        {
            "id": "c_branch",
            "key": "branch",
            "type": "lookup",
            "label": "Branch",
            "target": {"form": "branch"},
        },
        {"id": "c_rid", "key": "resident_id", "type": "resident_id", "label": "Resident ID"},
        {"id": "c_mobile", "key": "mobile", "type": "phone", "label": "Mobile", "encrypted": False},
    ]
}
# name, tier, aum, opened, branch index
SEED = [
    ("Li", "A", "1000000.00", "2026-01-05", 0),
    ("Wang", "A", "2500000.50", "2026-01-20", 1),
    ("Zhang", "B", "300000.25", "2026-02-03", 0),
    ("Zhao", "B", "700000.00", "2026-02-28", 1),
    ("Sun", "B", "0.10", "2026-03-15", 1),
    ("Qian", "C", "99.99", "2026-03-31", 0),
]
MOBILES = ["13800138001", "13900139002", "13700137003"]


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


@pytest.fixture
def wealth(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "wealth", "label": "Wealth"}).status_code == 201
    assert define(client, "form", "branch", BRANCH).status_code == 201
    assert define(client, "form", "customer", CUSTOMER).status_code == 201
    branches = []
    for name in ("North", "South"):
        made = client.post(f"{APP}/forms/branch/records", json={"name": name})
        assert made.status_code == 201, made.text
        branches.append(made.json()["id"])
    for name, tier, aum, opened, branch in SEED:
        made = client.post(
            RECORDS,
            json={
                "name": name,
                "tier": tier,
                "aum": aum,
                "opened": opened,
                "branch": branches[branch],
            },
        )
        assert made.status_code == 201, made.text
    return client


def report(client: TestClient, key: str, spec: dict[str, Any]) -> None:
    published = define(client, "report", key, spec)
    assert published.status_code == 201, published.text


def run(client: TestClient, key: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{APP}/reports/{key}/run", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_summary_by_tier_is_exact(wealth: TestClient) -> None:
    report(
        wealth,
        "by_tier",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "tier", "field": "tier"}],
            "measures": [
                {"key": "customers", "function": "count"},
                {"key": "aum", "function": "sum", "field": "aum"},
                {"key": "mean", "function": "avg", "field": "aum"},
                {"key": "low", "function": "min", "field": "aum"},
                {"key": "high", "function": "max", "field": "aum"},
                {"key": "median", "function": "median", "field": "aum"},
                {"key": "p90", "function": "percentile", "field": "aum", "percentile": 90},
                {"key": "branches", "function": "count_distinct", "field": "branch"},
                {"key": "per_customer", "expression": "aum / customers"},
            ],
            "post": [{"step": "percent_of_total", "measure": "aum", "as": "share"}],
            "chart": {"type": "bar", "x": "tier", "y": ["aum"]},
        },
    )
    result = run(wealth, "by_tier")
    keys = [c["key"] for c in result["columns"]]
    assert keys == [
        "tier",
        "customers",
        "aum",
        "mean",
        "low",
        "high",
        "median",
        "p90",
        "branches",
        "per_customer",
        "share",
    ]
    rows = {row[0]: dict(zip(keys, row, strict=True)) for row in result["rows"]}
    a, b, c = rows["A"], rows["B"], rows["C"]
    assert (a["customers"], a["aum"], a["low"], a["high"]) == (
        "2",
        "3500000.50",
        "1000000.00",
        "2500000.50",
    )
    assert Decimal(a["mean"]) == Decimal("1750000.25")
    assert Decimal(a["median"]) == Decimal("1750000.25")
    # 90th percentile of 1,000,000.00 and 2,500,000.50: 1,000,000.00 + 0.9 * 1,500,000.50
    assert Decimal(a["p90"]) == Decimal("2350000.45")
    assert (b["customers"], b["aum"], b["median"], b["branches"]) == (
        "3",
        "1000000.35",
        "300000.25",
        "2",
    )
    assert Decimal(b["p90"]) == Decimal("620000.05")  # 300000.25 + 0.8 * 399999.75
    assert (c["customers"], c["aum"], c["branches"]) == ("1", "99.99", "1")
    assert Decimal(a["per_customer"]) == Decimal("1750000.25")
    total = Decimal("4500100.84")
    assert Decimal(a["share"]) == Decimal("3500000.50") / total
    assert sum(Decimal(r["share"]) for r in rows.values()) == pytest.approx(Decimal(1))
    assert result["chart"]["series"][0]["data"] == ["3500000.50", "1000000.35", "99.99"]


def test_publishing_a_summary_report_indexes_its_grouping(
    wealth: TestClient, session: Session
) -> None:
    def indexes() -> list[list[str]]:
        session.rollback()  # see what the app committed
        found = inspect(session.connection())
        table = next(name for name in found.get_table_names() if name.endswith("customer"))
        return [list(ix["column_names"]) for ix in found.get_indexes(table)]

    before = indexes()
    report(
        wealth,
        "indexed",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "tier", "field": "tier"}],
            "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
            "filters": ['opened >= @"2026-01-01"'],
        },
    )
    added = [columns for columns in indexes() if columns not in before]
    assert len(added) == 1
    assert [name.split("_", 2)[-1] for name in added[0]] == ["tier", "aum", "opened"]


def test_a_limit_keeps_the_rows_first_in_the_report_s_order(wealth: TestClient) -> None:
    """Sorting by an average (computed after the statement) with a limit: the limit applies
    after that sort, not to the rows the database happened to return first."""
    report(
        wealth,
        "lowest_mean",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "tier", "field": "tier"}],
            "measures": [{"key": "mean", "function": "avg", "field": "aum"}],
            "sort": [{"key": "mean"}],
            "limit": 1,
        },
    )
    assert run(wealth, "lowest_mean")["rows"] == [["C", "99.99"]]


def test_a_pivot_by_month_with_totals_and_a_join(wealth: TestClient) -> None:
    report(
        wealth,
        "pivot",
        {
            "dataset": {"form": "customer", "joins": [{"as": "b", "lookup": "branch"}]},
            "dimensions": [
                {"key": "branch", "field": "b.name"},
                {"key": "tier", "field": "tier"},
                {"key": "month", "field": "opened", "grain": "month"},
            ],
            "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
            "post": [
                {
                    "step": "pivot",
                    "rows": ["branch", "tier"],
                    "columns": ["month"],
                    "values": ["aum"],
                    "totals": True,
                    "subtotals": True,
                }
            ],
        },
    )
    result = run(wealth, "pivot")
    keys = [c["key"] for c in result["columns"]]
    assert keys == [
        "branch",
        "tier",
        "2026-01-01|aum",
        "2026-02-01|aum",
        "2026-03-01|aum",
        "total|aum",
    ]
    assert list(zip(result["kinds"], result["rows"], strict=True)) == [
        ("data", ["North", "A", "1000000.00", None, None, "1000000.00"]),
        ("data", ["North", "B", None, "300000.25", None, "300000.25"]),
        ("data", ["North", "C", None, None, "99.99", "99.99"]),
        ("subtotal", ["North", None, "1000000.00", "300000.25", "99.99", "1300100.24"]),
        ("data", ["South", "A", "2500000.50", None, None, "2500000.50"]),
        ("data", ["South", "B", None, "700000.00", "0.10", "700000.10"]),
        ("subtotal", ["South", None, "2500000.50", "700000.00", "0.10", "3200000.60"]),
        ("total", [None, None, "3500000.50", "1000000.25", "100.09", "4500100.84"]),
    ]


def test_buckets_filters_and_date_range_parameters(wealth: TestClient) -> None:
    report(
        wealth,
        "bands",
        {
            "dataset": {"form": "customer"},
            "dimensions": [
                {
                    "key": "band",
                    "field": "aum",
                    "buckets": {
                        "bounds": ["1000", "1000000"],
                        "labels": ["small", "medium", "large"],
                    },
                }
            ],
            "measures": [{"key": "n", "function": "count"}],
            "filters": [
                "opened >= $params.period.start and opened <= $params.period.end",
            ],
            "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
            "sort": [{"key": "band"}],
        },
    )
    first_quarter = {"period": {"start": "2026-01-01", "end": "2026-02-28"}}
    result = run(wealth, "bands", parameters=first_quarter)
    assert result["rows"] == [["large", "2"], ["medium", "2"]]
    everything = run(
        wealth, "bands", parameters={"period": {"start": "2000-01-01", "end": "2030-12-31"}}
    )
    assert everything["rows"] == [["large", "2"], ["medium", "2"], ["small", "2"]]
    bad = wealth.post(f"{APP}/reports/bands/run", json={"parameters": {"period": "someday"}})
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["pointer"] == "/parameters/period"


def test_bad_reports_are_refused_at_publish_with_pointers(wealth: TestClient) -> None:
    refused = define(
        wealth,
        "report",
        "broken",
        {
            "dataset": {"form": "customer"},
            "dimensions": [
                {"key": "t", "field": "nothing"},
                {"key": "g", "field": "tier", "grain": "month"},
            ],
            "measures": [{"key": "s", "function": "sum", "field": "name"}],
            "filters": ["aum / 2 > 1"],
        },
    )
    assert refused.status_code == 422, refused.text
    found = {item["pointer"]: item["code"] for item in refused.json()["errors"]}
    assert found == {
        "/spec/dimensions/0/field": "E_REPORT_UNKNOWN_FIELD",
        "/spec/dimensions/1/grain": "E_REPORT_GRAIN",
        "/spec/measures/0/function": "E_REPORT_AGGREGATE_TYPE",
        "/spec/filters/0": "E_NOT_PUSHABLE",
    }


def test_a_form_change_that_breaks_a_report_is_refused(wealth: TestClient) -> None:
    report(
        wealth,
        "sums",
        {
            "dataset": {"form": "customer"},
            "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
        },
    )
    without_aum = {"fields": [f for f in CUSTOMER["fields"] if f["key"] != "aum"]}
    refused = define(wealth, "form", "customer", without_aum)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "reports_broken_by_change"
    assert refused.json()["errors"][0]["pointer"] == "/reports/sums/measures/0/field"


def test_drill_through_gives_the_record_list_of_the_clicked_row(wealth: TestClient) -> None:
    report(
        wealth,
        "monthly",
        {
            "dataset": {"form": "customer"},
            "dimensions": [
                {"key": "tier", "field": "tier"},
                {"key": "month", "field": "opened", "grain": "month"},
            ],
            "measures": [{"key": "n", "function": "count"}],
            "filters": ["aum >= $params.floor"],
            "parameters": [{"key": "floor", "type": "number", "default": "100"}],
            "drill": [{"on": "n", "list": "customer"}],
        },
    )
    result = run(wealth, "monthly")
    row = next(r for r in result["rows"] if r[0] == "B" and r[1] == "2026-02-01")
    assert row[2] == "2"
    drill = wealth.post(
        f"{APP}/reports/monthly/drill",
        json={"on": "n", "row": {"tier": "B", "month": "2026-02-01"}},
    )
    assert drill.status_code == 200, drill.text
    target = drill.json()
    assert target["kind"] == "list"
    listed = wealth.get(target["url"], params={"filter": target["filter"]})
    assert listed.status_code == 200, listed.text
    assert sorted(item["name"] for item in listed.json()["items"]) == ["Zhang", "Zhao"]


def test_exports_are_exact_neutralised_and_audited(wealth: TestClient, users: Users) -> None:
    auditor = users.client("auditor", roles=("audit_admin",))
    made = wealth.post(RECORDS, json={"name": '=HYPERLINK("x")', "tier": "C", "aum": "1.00"})
    assert made.status_code == 201, made.text
    # More significant digits than a spreadsheet keeps (15): an XLSX cell is exact text.
    big = wealth.post(RECORDS, json={"name": "Big", "tier": "C", "aum": "1234567890123456.78"})
    assert big.status_code == 201, big.text
    report(
        wealth,
        "names",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "name", "field": "name"}],
            "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
            "sort": [{"key": "name"}],
            "chart": {"type": "bar", "x": "name", "y": ["aum"]},
        },
    )
    exported = wealth.post(f"{APP}/reports/names/export", json={"format": "csv"})
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "AUM"]
    assert ['\'=HYPERLINK("x")', "1.00"] in rows
    assert ["Wang", "2500000.50"] in rows
    from openpyxl import load_workbook

    xlsx = wealth.post(f"{APP}/reports/names/export", json={"format": "xlsx"})
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert cells["Wang"].value == pytest.approx(2500000.5)
    assert cells["Wang"].number_format == "#,##0.00"
    assert (cells["Big"].value, cells["Big"].data_type) == ("1234567890123456.78", "s")
    injected = next(r[0] for r in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(r[0].value))
    assert injected.data_type == "s"
    assert str(injected.value).startswith("'")
    pdf = wealth.post(f"{APP}/reports/names/export", json={"format": "pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    audit = auditor.get(f"{API}/audit/events", params={"action": "report.export"})
    assert audit.status_code == 200, audit.text
    exports = [e for e in audit.json()["items"] if e["action"] == "report.export"]
    assert len(exports) == 3
    assert {e["details"]["format"] for e in exports} == {"csv", "xlsx", "pdf"}


def test_the_report_endpoints_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in ("run", "drill", "export"):
        assert f"{API}/apps/{{app}}/reports/{{key}}/{path}" in paths


# ---------------------------------------------------------------- permissions


CLERK = [
    {
        "app": "wealth",
        "form": "customer",
        "actions": ["create", "read", "export"],
        "rows": "department",
        "fields": {"mobile": "masked"},
    },
    {"app": "wealth", "form": "branch", "actions": ["read"], "rows": "all"},
]
MANAGER = [
    {
        "app": "wealth",
        "form": "customer",
        "actions": ["read", "export"],
        "rows": "all",
        "fields": {"mobile": "read"},
    },
    {"app": "wealth", "form": "branch", "actions": ["read"], "rows": "all"},
]


def test_two_viewers_get_what_their_scope_and_levels_allow(
    wealth: TestClient, users: Users
) -> None:
    north = users.client("north_clerk", grants=CLERK, departments=("north",))
    south = users.client("south_clerk", grants=CLERK, departments=("south",))
    boss = users.client("boss", grants=MANAGER, departments=("hq",))
    for clerk, rows in (
        (north, [("N1", "A", "10.00", 0), ("N2", "B", "20.00", 1)]),
        (south, [("S1", "A", "5.50", 2)]),
    ):
        for name, tier, aum, rid in rows:
            made = clerk.post(RECORDS, json={"name": name, "tier": tier, "aum": aum})
            assert made.status_code == 201, made.text
            record = made.json()
            identified = wealth.patch(
                f"{RECORDS}/{record['id']}",
                json={"mobile": MOBILES[rid]},
                headers={"If-Match": f'"{record["version"]}"'},
            )
            assert identified.status_code == 200, identified.text
    report(
        wealth,
        "scope",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "tier", "field": "tier"}],
            "measures": [
                {"key": "n", "function": "count"},
                {"key": "aum", "function": "sum", "field": "aum"},
            ],
            "sort": [{"key": "tier"}],
        },
    )
    assert run(north, "scope")["rows"] == [["A", "1", "10.00"], ["B", "1", "20.00"]]
    assert run(south, "scope")["rows"] == [["A", "1", "5.50"]]
    everything = {row[0]: row[1:] for row in run(boss, "scope")["rows"]}
    assert everything["A"] == ["4", "3500016.00"]
    # the same numbers as each viewer's record list
    for viewer in (north, south, boss):
        summary = viewer.get(f"{RECORDS}/summary", params={"sum": "aum"}).json()
        rows = run(viewer, "scope")["rows"]
        assert summary["count"] == sum(int(r[1]) for r in rows)
        assert Decimal(summary["sum"]["aum"]) == sum(Decimal(r[2]) for r in rows)
    # grouping by a field masked for the viewer is refused; the manager sees it in clear;
    # an encrypted field cannot be used by any report
    unusable = define(
        wealth,
        "report",
        "by_rid",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "rid", "field": "resident_id"}],
            "measures": [{"key": "n", "function": "count"}],
        },
    )
    assert unusable.status_code == 422, unusable.text
    assert unusable.json()["errors"][0]["code"] == "E_REPORT_FIELD_UNUSABLE"
    report(
        wealth,
        "by_id",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "mobile", "field": "mobile"}],
            "measures": [{"key": "n", "function": "count"}],
        },
    )
    refused = north.post(f"{APP}/reports/by_id/run", json={})
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["pointer"] == "/dimensions/0/field"
    assert MOBILES[0] not in refused.text
    clear = run(boss, "by_id")
    assert MOBILES[0] in str(clear["rows"])
    # a detail report shows the masked field masked, per viewer, and only rows in scope
    report(
        wealth,
        "people",
        {
            "kind": "detail",
            "dataset": {"form": "customer"},
            "columns": [
                {"key": "name", "field": "name"},
                {"key": "mobile", "field": "mobile"},
            ],
        },
    )
    seen = run(north, "people")
    assert sorted(row[0] for row in seen["rows"]) == ["N1", "N2"]
    assert all(MOBILES[0] not in str(row) and MOBILES[1] not in str(row) for row in seen["rows"])
    assert all(row[1] and "*" in row[1] for row in seen["rows"])
    exported = north.post(f"{APP}/reports/people/export", json={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert MOBILES[0] not in exported.text
    assert MOBILES[2] not in exported.text
    assert "S1" not in exported.text
    boss_rows = run(boss, "people")["rows"]
    assert MOBILES[0] in str(boss_rows)


# ---------------------------------------------------------------- dashboards

TIER_REPORT: dict[str, Any] = {
    "dataset": {"form": "customer"},
    "dimensions": [{"key": "tier", "field": "tier"}],
    "measures": [{"key": "n", "function": "count"}],
    "filters": ["opened >= $params.period.start and opened <= $params.period.end"],
    "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
    "sort": [{"key": "tier"}],
}
NAMES_REPORT: dict[str, Any] = {
    "dataset": {"form": "customer"},
    "dimensions": [{"key": "name", "field": "name"}],
    "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
    "filters": [
        "opened >= $params.period.start and opened <= $params.period.end",
        "$params.tier = null or tier = $params.tier",
    ],
    "parameters": [
        {"key": "period", "type": "date_range", "default": "this_year"},
        {"key": "tier", "type": "text"},
    ],
    "sort": [{"key": "name"}],
}


def test_a_dashboard_shares_parameters_and_cross_filters(wealth: TestClient) -> None:
    report(wealth, "tiers", TIER_REPORT)
    report(wealth, "names", NAMES_REPORT)
    dashboard = {
        "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
        "items": [
            {
                "id": "left",
                "report": "tiers",
                "x": 0,
                "y": 0,
                "w": 6,
                "h": 4,
                "parameters": {"period": "period"},
            },
            {
                "id": "right",
                "report": "names",
                "x": 6,
                "y": 0,
                "w": 6,
                "h": 4,
                "parameters": {"period": "period"},
            },
        ],
        "cross_filters": [
            {"from": "left", "dimension": "tier", "to": ["right"], "parameter": "tier"}
        ],
    }
    published = define(wealth, "dashboard", "overview", dashboard)
    assert published.status_code == 201, published.text
    quarter = {"period": {"start": "2026-01-01", "end": "2026-03-31"}}
    ran = wealth.post(f"{APP}/dashboards/overview/run", json={"parameters": quarter})
    assert ran.status_code == 200, ran.text
    left, right = ran.json()["items"]
    assert left["result"]["rows"] == [["A", "2"], ["B", "3"], ["C", "1"]]
    assert len(right["result"]["rows"]) == 6
    clicked = wealth.post(
        f"{APP}/dashboards/overview/run",
        json={"parameters": quarter, "clicks": {"left": {"tier": "B"}}},
    )
    assert clicked.status_code == 200, clicked.text
    right = clicked.json()["items"][1]
    assert right["parameters"]["tier"] == "B"
    assert [row[0] for row in right["result"]["rows"]] == ["Sun", "Zhang", "Zhao"]


def test_bad_dashboards_are_refused_with_pointers(wealth: TestClient) -> None:
    report(wealth, "tiers", TIER_REPORT)
    refused = define(
        wealth,
        "dashboard",
        "broken",
        {
            "parameters": [{"key": "when", "type": "date"}],
            "items": [
                {
                    "id": "a",
                    "report": "tiers",
                    "x": 0,
                    "y": 0,
                    "w": 8,
                    "h": 4,
                    "parameters": {"period": "when"},
                },
                {"id": "b", "report": "tiers", "x": 6, "y": 2, "w": 8, "h": 4},
                {"id": "c", "report": "nothing", "x": 0, "y": 9, "w": 2, "h": 2},
            ],
            "cross_filters": [{"from": "a", "dimension": "month", "to": ["z"], "parameter": "x"}],
        },
    )
    assert refused.status_code == 422, refused.text
    found = {(item["pointer"], item["code"]) for item in refused.json()["errors"]}
    assert found == {
        ("/spec/items/0/parameters/period", "E_DASHBOARD_PARAMETER"),
        ("/spec/items/1", "E_DASHBOARD_GRID"),
        ("/spec/items/1", "E_DASHBOARD_OVERLAP"),
        ("/spec/items/2/report", "E_DASHBOARD_UNKNOWN_REPORT"),
        ("/spec/cross_filters/0/dimension", "E_DASHBOARD_CROSS_FILTER"),
        ("/spec/cross_filters/0/to/0", "E_DASHBOARD_CROSS_FILTER"),
    }


def test_a_plan_compiled_before_a_field_was_renamed_is_refused_not_guessed(
    wealth: TestClient,
) -> None:
    """Another process may hold a plan compiled before a form change: a field it names that
    the form no longer has gives 409, never a 500 or another field's values."""
    report(
        wealth,
        "stale",
        {
            "dataset": {"form": "customer"},
            "dimensions": [{"key": "tier", "field": "tier"}],
            "measures": [{"key": "n", "function": "count"}],
        },
    )
    assert run(wealth, "stale")["rows"]  # compiled and kept by this process
    compiler = wealth.app.state.reports.compiler  # type: ignore[attr-defined]
    cache_key = ("wealth", "stale", 1)
    plan = compiler._compiled.get(cache_key)
    renamed = replace(plan.dimensions[0], ref=replace(plan.dimensions[0].ref, field="grade"))
    compiler._compiled.put(cache_key, replace(plan, dimensions=(renamed,)))
    assert wealth.post(RECORDS, json={"name": "New"}).status_code == 201  # results are stale
    refused = wealth.post(f"{APP}/reports/stale/run", json={})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "report_definition_broken"
    assert refused.json()["errors"][0]["pointer"] == "/dimensions/0/field"
