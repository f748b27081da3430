"""A summary report sorted by a summed or counted measure, ascending or descending, empty
values last: one statement that runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/book"
HOLDING: dict[str, Any] = {
    "fields": [
        {"id": "h_class", "key": "asset_class", "type": "text", "label": "Class"},
        {"id": "h_value", "key": "value", "type": "money", "currency": "CNY", "label": "Value"},
    ]
}
ROWS = [("funds", "300.00"), ("funds", "0.01"), ("deposits", "100.00"), ("trusts", None)]


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> None:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code == 201, created.text
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    published = client.post(f"{APP}/definitions/{kind}/{key}/publish")
    assert published.status_code == 201, published.text


@pytest.mark.parametrize(
    ("measure", "direction", "expected"),
    [
        ("sum", "desc", [["funds", "300.01"], ["deposits", "100.00"], ["trusts", None]]),
        ("sum", "asc", [["deposits", "100.00"], ["funds", "300.01"], ["trusts", None]]),
        ("count", "desc", [["funds", "2"], ["deposits", "1"], ["trusts", "1"]]),
    ],
)
def test_a_summary_sorted_by_a_measure(
    client: TestClient, measure: str, direction: str, expected: list[list[Any]]
) -> None:
    assert client.post(f"{API}/apps", json={"key": "book", "label": "Book"}).status_code == 201
    define(client, "form", "holding", HOLDING)
    for asset_class, value in ROWS:
        body = {"asset_class": asset_class, "value": value}
        assert client.post(f"{APP}/forms/holding/records", json=body).status_code == 201
    total = {"key": "total", "function": measure}
    if measure == "sum":
        total["field"] = "value"
    spec = {
        "dataset": {"form": "holding"},
        "dimensions": [{"key": "asset_class", "field": "asset_class"}],
        "measures": [total],
        "sort": [{"key": "total", "direction": direction}],
    }
    define(client, "report", "by_class", spec)
    response = client.post(f"{APP}/reports/by_class/run", json={})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == expected
