"""Report and dashboard pages over HTTP, on SQLite and PostgreSQL: the result as the viewer's
language writes it, the chart's option for the browser, parameters from the address,
drill-through to the record list, exports with the page's parameters (CSRF, audited), and the
viewer's permissions as in the API."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from test_reports_api import API, APP, CLERK, report, wealth

from conftest import Users

__all__ = ["wealth"]
PAGE = "/apps/wealth/reports"
BY_TIER = {
    "dataset": {"form": "customer"},
    "dimensions": [{"key": "tier", "field": "tier"}],
    "measures": [
        {"key": "n", "function": "count"},
        {"key": "aum", "function": "sum", "field": "aum", "format": {"style": "money"}},
    ],
    "filters": ["opened >= $params.period.start and opened <= $params.period.end"],
    "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
    "sort": [{"key": "tier"}],
    "drill": [{"on": "n", "list": "customer"}],
    "chart": {"type": "bar", "x": "tier", "y": ["aum"]},
}
JANUARY = {"p.period.start": "2026-01-01", "p.period.end": "2026-01-31"}


def opened(client: TestClient, url: str, **params: str) -> str:
    response = client.get(url, params=params, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response.text


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_report_page_shows_the_result_its_chart_and_parameters(wealth: TestClient) -> None:
    report(wealth, "by_tier", BY_TIER)
    page = opened(wealth, f"{PAGE}/by_tier", **JANUARY)
    found = re.findall(r'<td class="num">\s*(?:<form.*?<button[^>]*>)?([^<]+)<', page, re.S)
    cells = [cell.strip() for cell in found]
    # January: Li (A, 1,000,000.00) and Wang (A, 2,500,000.50)
    assert "CN¥3,500,000.50" in cells
    assert 'name="p.period.start" value="2026-01-01"' in page
    option = re.search(r'data-option="([^"]+)"', page)
    assert option is not None
    chart = json.loads(unescape(option.group(1)))
    assert chart["series"][0]["data"] == ["3500000.50"]
    assert '<script src="/static/vendor/echarts/dist/echarts.min.js" defer></script>' in page
    whole_year = opened(wealth, f"{PAGE}/by_tier")
    assert "CN¥4,500,100.84" not in whole_year  # no total row in this report
    assert "CN¥1,000,000.35" in whole_year  # tier B over the year
    broken = opened(wealth, f"{PAGE}/by_tier", **{"p.period.start": "not a date"})
    assert 'id="report-problem"' in broken
    assert "/parameters/period" in broken


def test_a_click_drills_to_the_record_list(wealth: TestClient) -> None:
    report(wealth, "by_tier", BY_TIER)
    page = opened(wealth, f"{PAGE}/by_tier", **JANUARY)
    assert 'action="/apps/wealth/reports/by_tier/drill"' in page
    row = re.search(r'name="row" value="([^"]+)"', page)
    assert row is not None
    drilled = wealth.post(
        f"{PAGE}/by_tier/drill",
        data={
            "csrf_token": token(page),
            "on": "n",
            "row": unescape(row.group(1)),
            **JANUARY,
        },
        follow_redirects=False,
    )
    assert drilled.status_code == 303, drilled.text
    target = urlsplit(drilled.headers["location"])
    assert target.path == "/apps/wealth/forms/customer"
    expression = parse_qs(target.query)["filter"][0]
    assert 'tier = "A"' in expression
    assert '@"2026-01-31"' in expression, "the page's parameters go along"
    listed = opened(wealth, target.path, filter=expression)
    assert "Li" in listed
    assert "Zhang" not in listed


def test_an_export_from_the_page_uses_its_parameters_and_is_audited(
    wealth: TestClient, users: Users
) -> None:
    report(wealth, "by_tier", BY_TIER)
    page = opened(wealth, f"{PAGE}/by_tier", **JANUARY)
    assert re.search(r'<input type="hidden" name="p.period.start" value="2026-01-01">', page)
    exported = wealth.post(
        f"{PAGE}/by_tier/export",
        data={"csrf_token": token(page), "format": "csv", **JANUARY},
        headers={"Accept-Language": "en"},
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows == [["Tier", "Count", "AUM"], ["A", "2", "3500000.50"]]
    wealth.headers.pop("X-CSRF-Token", None)
    forged = wealth.post(f"{PAGE}/by_tier/export", data={"csrf_token": "x", "format": "csv"})
    assert forged.status_code == 403
    auditor = users.client("auditor", roles=("audit_admin",))
    events = auditor.get(f"{API}/audit/events", params={"action": "report.export"}).json()
    assert [e["details"]["format"] for e in events["items"]] == ["csv"]


def test_pages_follow_the_viewers_permissions(wealth: TestClient, users: Users) -> None:
    report(wealth, "by_tier", BY_TIER)
    clerk = users.client("clerk", grants=CLERK, departments=("north",))
    made = clerk.post(
        f"{APP}/forms/customer/records",
        json={"name": "N1", "tier": "A", "aum": "7", "opened": "2026-01-03"},
    )
    assert made.status_code == 201, made.text
    page = opened(clerk, f"{PAGE}/by_tier")
    assert "CN¥7.00" in page
    assert "CN¥1,000,000.35" not in page, "only the clerk's rows"
    stranger = users.client("stranger", grants=[])
    refused = stranger.get(f"{PAGE}/by_tier", headers={"Accept-Language": "en"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")


def test_a_dashboard_page_places_its_reports_on_the_grid(wealth: TestClient) -> None:
    report(wealth, "by_tier", BY_TIER)
    table_only = {key: value for key, value in BY_TIER.items() if key not in ("chart", "drill")}
    report(wealth, "tiers_table", table_only)
    items = [
        {
            "id": "chart",
            "report": "by_tier",
            "x": 0,
            "y": 0,
            "w": 8,
            "h": 4,
            "parameters": {"period": "period"},
        },
        {
            "id": "table",
            "report": "tiers_table",
            "x": 8,
            "y": 0,
            "w": 4,
            "h": 4,
            "parameters": {"period": "period"},
        },
    ]
    spec = {
        "title": "Overview",
        "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
        "items": items,
    }
    created = wealth.post(
        f"{APP}/definitions", json={"kind": "dashboard", "key": "overview", "label": "Overview"}
    )
    assert created.status_code == 201, created.text
    saved = wealth.put(
        f"{APP}/definitions/dashboard/overview", json={"label": "Overview", "spec": spec}
    )
    assert saved.status_code == 200, saved.text
    assert wealth.post(f"{APP}/definitions/dashboard/overview/publish").status_code == 201
    page = opened(wealth, "/apps/wealth/dashboards/overview", **JANUARY)
    assert 'class="panel span-8" id="panel-chart"' in page
    assert 'class="panel span-4" id="panel-table"' in page
    assert page.index('id="panel-chart"') < page.index('id="panel-table"')
    assert "data-option=" in page
    assert "CN¥3,500,000.50" in page


def test_a_panel_the_viewer_may_not_run_says_why_in_their_language(
    wealth: TestClient, users: Users
) -> None:
    report(wealth, "by_tier", {**BY_TIER, "title": {"zh-CN": "按层级", "en": "By tier"}})
    item = {"id": "chart", "report": "by_tier", "x": 0, "y": 0, "w": 6, "h": 4,
            "parameters": {"period": "period"}}  # fmt: skip
    spec = {
        "title": "Overview",
        "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
        "items": [item],
    }
    body = {"kind": "dashboard", "key": "overview", "label": "Overview", "spec": spec}
    assert wealth.post(f"{APP}/definitions", json=body).status_code == 201
    assert wealth.post(f"{APP}/definitions/dashboard/overview/publish").status_code == 201
    branches_only = users.client(
        "branches_only",
        grants=[{"app": "wealth", "form": "branch", "actions": ["read"], "rows": "all"}],
    )
    page = branches_only.get(
        "/apps/wealth/dashboards/overview", headers={"Accept-Language": "zh-CN"}
    )
    assert page.status_code == 200, page.text
    panel = page.text[page.text.index('id="panel-chart"') :]
    assert "您" in panel[: panel.index("</article>")], "the refusal is said in Chinese"
    assert "none of your roles" not in page.text
    assert "按层级" in panel[: panel.index("</header>")], "titled by the report's title"
