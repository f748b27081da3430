"""A flow that cannot be published says why in the designer's language: the items of the
refusal speak Chinese to a client that prefers it (`Accept-Language: zh-CN`, a Chinese analyst
in the flow designer) and English otherwise, with the same codes and pointers; so do the items
of a form change that would break a published flow."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drafts import draft
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/loans"
LANGUAGES = ("zh-CN", "en")
CJK = re.compile(r"[\u4e00-\u9fff]")


def loan_form(currency: str | None = "CNY") -> dict[str, Any]:
    amount: dict[str, Any] = {"id": "f_amount", "key": "amount", "type": "money", "label": "Amount"}
    if currency is not None:
        amount["currency"] = currency
    return {"fields": [{"id": "f_desk", "key": "desk", "type": "text", "label": "Desk"}, amount]}


def publish(client: TestClient, kind: str, key: str, **options: Any) -> dict[str, dict[str, Any]]:
    """Publish `kind`/`key` once per language; the answers by language."""
    answers = {}
    for language in LANGUAGES:
        answer = client.post(
            f"{APP}/definitions/{kind}/{key}/publish",
            headers={"accept-language": language},
            **options,
        )
        answers[language] = {"status": answer.status_code, **answer.json()}
    return answers


def items(answers: dict[str, dict[str, Any]]) -> dict[str, list[tuple[str, str, str]]]:
    """(pointer, code, message) of every error item, by language: the same pointers and
    codes in both, every Chinese message in Chinese."""
    found = {
        language: [(e["pointer"], e["code"], e["message"]) for e in answer["errors"]]
        for language, answer in answers.items()
    }
    assert [item[:2] for item in found["zh-CN"]] == [item[:2] for item in found["en"]]
    assert all(CJK.search(message) for _, _, message in found["zh-CN"]), found["zh-CN"]
    return found


ADMIN = {"type": "user", "user": "admin"}


def flow(condition: str, head: dict[str, Any] = ADMIN) -> dict[str, Any]:
    """Submit, then `head` for a large loan (by `condition`), else (by default) the desk."""
    return {
        "form": "loan",
        "nodes": [
            {"id": "submit", "type": "start"},
            {"id": "route", "type": "exclusive"},
            {"id": "head", "type": "approval", "assignees": [head]},
            {"id": "desk", "type": "approval", "assignees": [ADMIN]},
            {"id": "done", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "submit", "to": "route"},
            {"id": "e2", "from": "route", "to": "head", "condition": condition},
            {"id": "e3", "from": "route", "to": "desk", "default": True},
            {"id": "e4", "from": "head", "to": "done"},
            {"id": "e5", "from": "desk", "to": "done"},
        ],
    }


@pytest.fixture
def loans(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}).status_code == 201
    draft(client, APP, "form", "loan", loan_form())
    assert client.post(f"{APP}/definitions/form/loan/publish").status_code == 201
    return client


def test_a_refused_flow_names_each_problem_in_the_designers_language(loans: TestClient) -> None:
    """A gateway without a default edge, a node reached from nowhere, a role the app lacks."""
    spec = flow("amount > 1000000", head={"type": "role", "role": "no_such_role"})
    spec["edges"][2] = {"id": "e3", "from": "route", "to": "desk", "condition": 'desk = "retail"'}
    spec["nodes"].append({"id": "orphan", "type": "approval", "assignees": [ADMIN]})
    spec["edges"].append({"id": "e6", "from": "orphan", "to": "done"})
    draft(loans, APP, "flow", "credit", spec)
    answers = publish(loans, "flow", "credit")
    assert [a["status"] for a in answers.values()] == [422, 422]
    assert answers["zh-CN"]["detail"] == "流程 credit 无法发布"
    found = items(answers)
    assert [item[:2] for item in found["en"]] == [
        ("/spec/nodes/1", "E_FLOW_NO_DEFAULT"),
        ("/spec/nodes/5", "E_FLOW_UNREACHABLE"),
        ("/spec/nodes/2/assignees/0/role", "E_FLOW_UNKNOWN_ROLE"),
    ]
    no_default, unreachable, role = (message for _, _, message in found["en"])
    assert unreachable == (
        "`orphan` cannot be reached from the start node `submit` "
        "(connect it with an edge from an earlier node, or remove it)"
    )
    assert no_default == (
        "the exclusive gateway `route` has no default edge: when no condition holds, no branch "
        "is taken (mark one edge `default: true`; otherwise, when no condition holds, the "
        "instance stops with an incident)"
    )
    assert role.startswith("the app has no role `no_such_role` (")
    no_default, unreachable, role = (message for _, _, message in found["zh-CN"])
    assert (
        unreachable
        == "从开始节点 `submit` 无法到达 `orphan`（请从前面的节点连一条连线到它，或删除它）"
    )
    assert no_default == (
        "排他网关 `route` 没有默认连线：所有条件都不成立时，任何分支都不会走"
        "（请把一条连线标为 `default: true`；否则所有条件都不成立时，流程实例会因异常而停住）"
    )
    assert role.startswith("应用中没有角色 `no_such_role`（")


def test_an_expression_problem_says_where_in_the_designers_language(loans: TestClient) -> None:
    draft(loans, APP, "flow", "credit", flow("amount >"))
    found = items(publish(loans, "flow", "credit"))
    ((pointer, code, en),) = found["en"]
    ((_, _, zh),) = found["zh-CN"]
    assert (pointer, code) == ("/spec/edges/1/condition", "E_FLOW_EXPRESSION")
    where = re.match(r"line 1, column (\d+): (E_\w+): ", en)
    assert where, en
    column, diagnostic = where.groups()
    assert zh.startswith(f"第 1 行第 {column} 列：表达式有误（{diagnostic}）："), zh


def test_a_form_change_that_breaks_a_flow_says_so_in_the_designers_language(
    loans: TestClient,
) -> None:
    """The published flow routes on an amount in CNY; letting each record choose its
    currency would compare amounts whatever their currency."""
    draft(loans, APP, "flow", "credit", flow("amount > 1000000"))
    assert loans.post(f"{APP}/definitions/flow/credit/publish").status_code == 201
    draft(loans, APP, "form", "loan", loan_form(None))
    cast = {"conversions": {"f_amount": "cast"}}
    answers = publish(loans, "form", "loan", json=cast)
    assert [a["status"] for a in answers.values()] == [409, 409]
    assert answers["en"]["code"] == "flows_broken_by_change"
    found = items(answers)
    ((pointer, code, en),) = found["en"]
    ((_, _, zh),) = found["zh-CN"]
    assert (pointer, code) == ("/flows/credit/edges/1/condition", "E_FLOW_MONEY_CURRENCY")
    assert en.startswith("`amount` is an amount whose currency is chosen per record: ")
    assert zh.startswith(
        "`amount` 是按记录选择币种的金额：这个表达式会不分币种地比较或计算它（请为"
    )


def test_a_misshapen_flow_says_so_in_the_designers_language(loans: TestClient) -> None:
    spec = flow("amount > 1000000")
    spec["nodes"][1]["colour"] = "red"
    draft(loans, APP, "flow", "credit", spec)
    found = items(publish(loans, "flow", "credit"))
    assert found["en"] == [
        ("/spec/nodes/1/colour", "E_FLOW_SCHEMA", "Extra inputs are not permitted")
    ]
    assert [message for _, _, message in found["zh-CN"]] == [
        "定义的结构不符合要求：Extra inputs are not permitted"
    ]
