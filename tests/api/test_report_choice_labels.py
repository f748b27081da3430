"""A report that groups or lists by a choice field shows each option's label in the reader's
language (tables, chart, CSV and XLSX exports), while its rows keep the stored values; the
report and dashboard pages show a chart without repeating the heading, and a dashboard's
parameter inputs show the defaults its reports ran with."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/wm"
HOLDING: dict[str, Any] = {
    "fields": [
        {"id": "h_customer", "key": "customer", "type": "text", "label": "Customer"},
        {
            "id": "h_class",
            "key": "asset_class",
            "type": "single_select",
            "label": {"zh-CN": "资产类别", "en": "Asset class"},
            "options": [
                {"value": "deposits", "label": {"zh-CN": "存款", "en": "Deposits"}},
                {"value": "funds", "label": {"zh-CN": "基金"}},
                "gold",  # no label: shown as stored
            ],
        },
        {"id": "h_value", "key": "value", "type": "money", "currency": "CNY", "label": "Value"},
    ]
}
BY_CLASS: dict[str, Any] = {
    "title": {"zh-CN": "资产结构", "en": "Assets by class"},
    "dataset": {"form": "holding"},
    "parameters": [{"key": "customer", "type": "text", "default": "C1"}],
    "filters": ["customer = $params.customer"],
    "dimensions": [{"key": "asset_class", "field": "asset_class"}],
    "measures": [{"key": "value", "function": "sum", "field": "value"}],
    "sort": [{"key": "asset_class"}],
    "chart": {"type": "pie", "x": "asset_class", "y": ["value"]},
}
LISTED: dict[str, Any] = {
    "kind": "detail",
    "dataset": {"form": "holding"},
    "columns": [{"key": "asset_class", "field": "asset_class"}, {"key": "value", "field": "value"}],
}
DASHBOARD: dict[str, Any] = {
    "title": "360",
    "parameters": [{"key": "customer", "type": "text", "default": "C1"}],
    "items": [
        {"id": "classes", "report": "by_class", "x": 0, "y": 0, "w": 6, "h": 4,
         "parameters": {"customer": "customer"}},
    ],
}  # fmt: skip


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    published = client.post(f"{APP}/definitions/{kind}/{key}/publish")
    assert published.status_code == 201, published.text


@pytest.fixture
def wm(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "wm", "label": "WM"}).status_code == 201
    define(client, "form", "holding", HOLDING)
    for customer, kind, value in (
        ("C1", "deposits", "100.00"),
        ("C1", "funds", "250.50"),
        ("C1", "gold", "7.00"),
        ("C2", "deposits", "999.00"),
    ):
        body = {"customer": customer, "asset_class": kind, "value": value}
        made = client.post(f"{APP}/forms/holding/records", json=body)
        assert made.status_code == 201, made.text
    define(client, "report", "by_class", BY_CLASS)
    define(client, "report", "listed", LISTED)
    define(client, "dashboard", "overview", DASHBOARD)
    return client


def run(client: TestClient, key: str, language: str) -> dict[str, Any]:
    response = client.post(
        f"{APP}/reports/{key}/run", json={}, headers={"Accept-Language": language}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_summary_by_a_choice_shows_its_labels_and_keeps_the_values(wm: TestClient) -> None:
    chinese = run(wm, "by_class", "zh-CN")
    assert [row[0] for row in chinese["rows"]] == ["deposits", "funds", "gold"]
    assert [row[0] for row in chinese["display"]] == ["存款", "基金", "gold"]
    pie = chinese["chart"]["series"][0]["data"]
    assert [(item["name"], item["value"]) for item in pie] == [
        ("存款", "100.00"),
        ("基金", "250.50"),
        ("gold", "7.00"),
    ]
    english = run(wm, "by_class", "en")
    assert [row[0] for row in english["display"]] == ["Deposits", "基金", "gold"]  # no en label


def test_a_detail_report_and_its_exports_show_the_labels(wm: TestClient) -> None:
    listed = run(wm, "listed", "zh-CN")
    shown = [(row[0], text[0]) for row, text in zip(listed["rows"], listed["display"], strict=True)]
    assert sorted(shown) == [
        ("deposits", "存款"),
        ("deposits", "存款"),
        ("funds", "基金"),
        ("gold", "gold"),
    ]
    exported = wm.post(
        f"{APP}/reports/by_class/export", json={"format": "csv"}, headers={"Accept-Language": "en"}
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Deposits", "基金", "gold"]
    from openpyxl import load_workbook

    xlsx = wm.post(
        f"{APP}/reports/by_class/export",
        json={"format": "xlsx"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["存款", "基金", "gold"]


def options_on(page: str) -> list[dict[str, Any]]:
    return [json.loads(unescape(found)) for found in re.findall(r'data-option="([^"]*)"', page)]


def test_the_pages_draw_the_chart_under_their_heading_without_repeating_it(
    wm: TestClient,
) -> None:
    page = wm.get("/apps/wm/reports/by_class")
    assert page.status_code == 200, page.text
    (option,) = options_on(page.text)
    assert "title" not in option  # the page's heading names the report
    assert option["legend"]["bottom"] == 0
    dashboard = wm.get("/apps/wm/dashboards/overview")
    assert dashboard.status_code == 200, dashboard.text
    (panel,) = options_on(dashboard.text)
    assert "title" not in panel
    assert [item["name"] for item in panel["series"][0]["data"]] == ["存款", "基金", "gold"]


def test_a_dashboard_shows_the_defaults_its_reports_ran_with(wm: TestClient) -> None:
    page = wm.get("/apps/wm/dashboards/overview")
    assert page.status_code == 200, page.text
    assert re.search(r'name="p\.customer"[^>]*value="C1"', page.text), page.text
    other = wm.get("/apps/wm/dashboards/overview", params={"p.customer": "C2"})
    assert re.search(r'name="p\.customer"[^>]*value="C2"', other.text)
    (panel,) = options_on(other.text)
    assert [item["name"] for item in panel["series"][0]["data"]] == ["存款"]
