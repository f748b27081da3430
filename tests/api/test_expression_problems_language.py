"""A formula an analyst got wrong is explained in the analyst's language, all the way through:
the expression engine's own sentence (what is wrong, where, what to write instead) reaches a
Chinese designer in Chinese behind the product's lead-in, in a form, a flow and a list filter,
and stays English for a client that asks for English, with the same codes and pointers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drafts import app_with_form, draft
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/loans"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}")
CODE = re.compile(r"`[^`]*`|E_[A-Z_]+")


def chinese_only(message: str) -> bool:
    """Chinese, with no English word outside quoted code (field keys, operators, codes)."""
    return bool(CJK.search(message)) and not ENGLISH.search(CODE.sub("", message))


def publish(client: TestClient, kind: str, key: str, language: str) -> dict[str, Any]:
    answer = client.post(
        f"{APP}/definitions/{kind}/{key}/publish", headers={"accept-language": language}
    )
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    return body


FIELDS = [
    {"id": "f_desk", "key": "desk", "type": "text", "label": "Desk"},
    {"id": "f_amount", "key": "amount", "type": "money", "currency": "CNY", "label": "Amount"},
]


@pytest.fixture
def loans(client: TestClient) -> TestClient:
    app_with_form(client, APP, "loan", FIELDS)
    return client


def test_a_forms_broken_formula_is_explained_in_the_designers_language(
    loans: TestClient,
) -> None:
    note = {"id": "f_note", "key": "note", "type": "text", "label": "Note"}
    draft(
        loans, APP, "form", "loan", {"fields": [*FIELDS, {**note, "visible_when": 'desk == "x"'}]}
    )
    [zh] = publish(loans, "form", "loan", "zh-CN")["errors"]
    [en] = publish(loans, "form", "loan", "en")["errors"]
    assert (zh["pointer"], zh["code"]) == (en["pointer"], en["code"])
    assert zh["pointer"] == "/spec/fields/2/visible_when"
    assert zh["message"] == (
        "表达式语法错误（第 1 行第 6 列）：不支持 `==` 运算符（请用一个 `=` 判断是否相等）"
    )
    assert en["message"] == (
        "expression syntax error at line 1, column 6: `==` is not an operator "
        "(compare with a single `=`)"
    )


def test_a_forms_formula_with_a_misspelt_field_names_the_field_it_meant(
    loans: TestClient,
) -> None:
    total = {"id": "f_total", "key": "total", "type": "computed", "label": "Total"}
    total |= {"expression": "amout * 2", "result_type": "decimal"}
    draft(loans, APP, "form", "loan", {"fields": [*FIELDS, total]})
    [zh] = publish(loans, "form", "loan", "zh-CN")["errors"]
    assert zh["message"].endswith("未知名称 `amout`（是否应为 `amount`？）"), zh["message"]
    assert chinese_only(zh["message"]), zh["message"]


def test_a_flows_broken_condition_is_explained_in_the_designers_language(
    loans: TestClient,
) -> None:
    spec = {
        "form": "loan",
        "nodes": [
            {"id": "submit", "type": "start"},
            {"id": "route", "type": "exclusive"},
            {"id": "head", "type": "approval", "assignees": [{"type": "user", "user": "admin"}]},
            {"id": "done", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "submit", "to": "route"},
            {"id": "e2", "from": "route", "to": "head", "condition": "amount >"},
            {"id": "e3", "from": "route", "to": "done", "default": True},
            {"id": "e4", "from": "head", "to": "done"},
        ],
    }
    draft(loans, APP, "flow", "credit", spec)
    [zh] = publish(loans, "flow", "credit", "zh-CN")["errors"]
    [en] = publish(loans, "flow", "credit", "en")["errors"]
    assert (zh["pointer"], zh["code"]) == (en["pointer"], en["code"])
    assert zh["code"] == "E_FLOW_EXPRESSION"
    assert "表达式在 `>` 之后就结束了" in zh["message"], zh["message"]
    assert "请在 `>` 之后补上内容，或删除 `>`" in zh["message"], zh["message"]
    assert chinese_only(zh["message"]), zh["message"]
    assert "the expression ends right after `>`" in en["message"]


def test_a_list_filter_that_cannot_be_read_is_explained_in_the_readers_language(
    loans: TestClient,
) -> None:
    records = f"{APP}/forms/loan/records"
    answers = {
        language: loans.get(
            records, params={"filter": "amount > 1 &&"}, headers={"accept-language": language}
        )
        for language in ("zh-CN", "en")
    }
    zh, en = answers["zh-CN"].json(), answers["en"].json()
    assert answers["zh-CN"].status_code == answers["en"].status_code == 422
    assert zh["code"] == en["code"] == "filter_invalid"
    assert zh["detail"] == "筛选条件无法使用：不支持 `&&` 运算符"
    assert en["detail"] == "the filter cannot be used: `&&` is not an operator"
    [item] = zh["errors"]
    assert item["message"] == "第 1 行第 12 列：不支持 `&&` 运算符（请改用 `and`）"
