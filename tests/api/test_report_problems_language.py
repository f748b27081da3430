"""The problems of a report or dashboard that cannot be published speak the analyst's language:
a client that prefers Chinese (`Accept-Language: zh-CN`) reads each item in Chinese, any other
the English it always read; codes and pointers are the same in both."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/bank"
FIELDS = [
    {"id": "f_branch", "key": "branch", "type": "text", "label": "Branch"},
    {"id": "f_amount", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
]
BROKEN_REPORT = {
    "dataset": {"form": "deposit"},
    "dimensions": [{"key": "branch", "field": "branch", "grain": "month"}],
    "measures": [{"key": "total", "function": "sum", "field": "nope"}],
    "chart": {"type": "pie", "x": "branch", "y": []},
}


def save(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> None:
    """Save `spec` as the draft of `kind`/`key` (created when new)."""
    if client.get(f"{APP}/definitions/{kind}/{key}").status_code == 404:
        body = {"kind": kind, "key": key, "label": key}
        assert client.post(f"{APP}/definitions", json=body).status_code == 201
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text


def publish(client: TestClient, kind: str, key: str, language: str) -> Any:
    return client.post(
        f"{APP}/definitions/{kind}/{key}/publish", headers={"accept-language": language}
    )


def items(answer: Any) -> list[tuple[str, str, str]]:
    return [(e["pointer"], e["code"], e["message"]) for e in answer.json()["errors"]]


@pytest.fixture
def bank(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"}).status_code == 201
    save(client, "form", "deposit", {"fields": FIELDS})
    assert publish(client, "form", "deposit", "en").status_code == 201
    return client


def test_a_refused_report_names_its_problems_in_chinese_or_english(bank: TestClient) -> None:
    save(bank, "report", "by_branch", BROKEN_REPORT)
    zh = publish(bank, "report", "by_branch", "zh-CN")
    en = publish(bank, "report", "by_branch", "en")
    assert zh.status_code == en.status_code == 422, zh.text
    assert items(en) == [
        (
            "/spec/dimensions/0/grain",
            "E_REPORT_GRAIN",
            "'branch' is text: a time grain needs a date or date-time field",
        ),
        ("/spec/measures/0/field", "E_REPORT_UNKNOWN_FIELD", "the form has no field 'nope'"),
        ("/spec/chart/y", "E_REPORT_CHART", "a pie chart takes 1 measure(s) in `y`"),
    ]
    assert items(zh) == [
        (
            "/spec/dimensions/0/grain",
            "E_REPORT_GRAIN",
            "'branch' 是文本字段：时间粒度只适用于日期或日期时间字段",
        ),
        ("/spec/measures/0/field", "E_REPORT_UNKNOWN_FIELD", "表单中没有字段 'nope'"),
        ("/spec/chart/y", "E_REPORT_CHART", "饼图的 `y` 须为 1 个度量"),
    ]
    assert zh.json()["detail"] == "报表 'by_branch' 无法发布"
    assert en.json()["detail"] == "report 'by_branch' cannot be published"


def test_the_report_designer_shows_the_problems_in_the_readers_language(bank: TestClient) -> None:
    save(bank, "report", "by_branch", BROKEN_REPORT)
    pages = {
        language: unescape(
            bank.get(
                "/apps/bank/design/reports/by_branch", headers={"Accept-Language": language}
            ).text
        )
        for language in ("zh-CN", "en")
    }
    assert "表单中没有字段 'nope' (E_REPORT_UNKNOWN_FIELD)" in pages["zh-CN"]
    assert "the form has no field 'nope'" not in pages["zh-CN"]
    assert "the form has no field 'nope' (E_REPORT_UNKNOWN_FIELD)" in pages["en"]


def test_the_shape_of_a_report_is_explained_in_chinese_too(bank: TestClient) -> None:
    save(bank, "report", "odd", {"dataset": {"form": "deposit"}, "kind": "list"})
    checked = {
        language: bank.post(
            f"{APP}/definitions/report/odd/validate", headers={"accept-language": language}
        ).json()
        for language in ("zh-CN", "en")
    }
    zh = [(e["pointer"], e["code"], e["message"]) for e in checked["zh-CN"]["problems"]]
    en = [(e["pointer"], e["code"], e["message"]) for e in checked["en"]["problems"]]
    assert en == [("/spec/kind", "E_REPORT_SCHEMA", "Input should be 'summary' or 'detail'")]
    assert zh == [("/spec/kind", "E_REPORT_SCHEMA", "应为 'summary' 或 'detail'")]


def test_a_refused_dashboard_names_its_problems_in_chinese(bank: TestClient) -> None:
    fine = {
        "dataset": {"form": "deposit"},
        "dimensions": [{"key": "branch", "field": "branch"}],
        "measures": [{"key": "n", "function": "count"}],
    }
    save(bank, "report", "by_branch", fine)
    assert publish(bank, "report", "by_branch", "en").status_code == 201
    item = {"id": "a", "report": "by_branch", "x": 8, "y": 0, "w": 6, "h": 4}
    save(
        bank, "dashboard", "desk", {"items": [item, {**item, "id": "b", "report": "gone", "x": 4}]}
    )
    zh = publish(bank, "dashboard", "desk", "zh-CN")
    en = publish(bank, "dashboard", "desk", "en")
    assert [(p, c) for p, c, _ in items(zh)] == [(p, c) for p, c, _ in items(en)]
    assert [m for _, _, m in items(en)] == [
        "x + w must fit the 12 columns",
        "overlaps item 'a'",
        "no published report 'gone' (published: by_branch)",
    ]
    assert [m for _, _, m in items(zh)] == [
        "面板超出网格：x + w 不能超过 12 列",
        "与面板 'a' 重叠",
        "没有已发布的报表 'gone'（已发布：by_branch）",
    ]


def test_a_form_change_that_breaks_a_report_is_refused_in_chinese(bank: TestClient) -> None:
    spec = {
        "dataset": {"form": "deposit"},
        "dimensions": [{"key": "branch", "field": "branch"}],
        "measures": [{"key": "total", "function": "sum", "field": "amount"}],
    }
    save(bank, "report", "totals", spec)
    assert publish(bank, "report", "totals", "en").status_code == 201
    save(bank, "form", "deposit", {"fields": FIELDS[:1]})
    zh = publish(bank, "form", "deposit", "zh-CN")
    en = publish(bank, "form", "deposit", "en")
    assert zh.status_code == en.status_code == 409, zh.text
    assert items(en) == [
        (
            "/reports/totals/measures/0/field",
            "E_REPORT_UNKNOWN_FIELD",
            "the form has no field 'amount'",
        )
    ]
    assert items(zh) == [
        ("/reports/totals/measures/0/field", "E_REPORT_UNKNOWN_FIELD", "表单中没有字段 'amount'")
    ]
