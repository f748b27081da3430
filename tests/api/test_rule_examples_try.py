"""Trying a rule's examples from its editor: `POST /apps/{app}/rules/{key}/examples/run` runs
the examples of the saved draft, or of the rule as the designer holds it (unsaved), against the
app's published forms and answers which hold and why the others do not. Nothing is saved; a
rule that does not compile is refused with every problem at its pointer; bad bodies, a missing
CSRF token and callers without `design` are refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/shop"
PROBLEM = "application/problem+json"
ORDER = [
    {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
    {"id": "f_tier", "key": "tier", "type": "text", "label": "Tier"},
]
RULE: dict[str, Any] = {
    "trigger": {"on": "record", "form": "order", "events": ["created", "updated"]},
    "phase": "before_save",
    "condition": "amount > 1000000",
    "actions": [{"type": "set_fields", "values": {"tier": '"large"'}}],
    "examples": [
        {
            "name": "a large order",
            "given": {"record": {"amount": 2000000, "tier": None}},
            "expect": {"matched": True, "actions": ["set_fields"], "values": {"tier": "large"}},
        },
        {
            "name": "a small order",
            "given": {"record": {"amount": 10.5, "tier": None}},
            "expect": {"matched": True},
        },
    ],
}


def shop(client: TestClient) -> None:
    assert client.post(f"{API}/apps", json={"key": "shop", "label": "Shop"}).status_code == 201
    form = {"kind": "form", "key": "order", "label": "Order", "spec": {"fields": ORDER}}
    assert client.post(f"{APP}/definitions", json=form).status_code == 201
    assert client.post(f"{APP}/definitions/form/order/publish").status_code == 201
    rule = {"kind": "rule", "key": "tiering", "label": "Tiering", "spec": RULE}
    assert client.post(f"{APP}/definitions", json=rule).status_code == 201


def test_the_saved_drafts_examples_run_and_say_which_hold(client: TestClient) -> None:
    shop(client)
    ran = client.post(f"{APP}/rules/tiering/examples/run", json={})
    assert ran.status_code == 200, ran.text
    answer = ran.json()
    assert (answer["passed"], answer["failed"]) == (1, 1)
    first, second = answer["items"]
    assert first == {"index": 0, "name": "a large order", "passed": True, "message": None}
    assert second["name"] == "a small order"
    assert second["passed"] is False
    assert "expected the rule to match" in second["message"]
    draft = client.get(f"{APP}/definitions/rule/tiering").json()
    assert draft["draft_revision"] == 1, "trying examples saves nothing"


def test_a_chinese_designer_reads_why_an_example_fails_in_chinese(client: TestClient) -> None:
    shop(client)
    ran = client.post(
        f"{APP}/rules/tiering/examples/run", json={}, headers={"Accept-Language": "zh-CN"}
    )
    assert ran.status_code == 200, ran.text
    second = ran.json()["items"][1]
    assert (second["name"], second["passed"]) == ("a small order", False)
    assert second["message"] == "期望规则匹配，实际并非如此"


def test_the_unsaved_rule_in_the_editor_is_what_runs(client: TestClient) -> None:
    shop(client)
    fixed = {
        **RULE,
        "examples": [
            RULE["examples"][0],
            {**RULE["examples"][1], "expect": {"matched": False}},
        ],
    }
    ran = client.post(f"{APP}/rules/tiering/examples/run", json={"spec": fixed})
    assert ran.status_code == 200, ran.text
    assert (ran.json()["passed"], ran.json()["failed"]) == (2, 0)


def test_a_rule_that_does_not_compile_is_refused_with_its_pointers(client: TestClient) -> None:
    shop(client)
    broken = {
        **RULE,
        "condition": "amount > 1000000 and amont > 0",
        "actions": [
            {"type": "set_fields", "values": {"tier": '"large"'}},
            {"type": "set_fields", "values": {"tier": "amount +"}},
        ],
    }
    ran = client.post(f"{APP}/rules/tiering/examples/run", json={"spec": broken})
    assert ran.status_code == 422, ran.text
    assert ran.headers["content-type"].startswith(PROBLEM)
    pointers = {error["pointer"] for error in ran.json()["errors"]}
    assert "/spec/condition" in pointers
    assert any(p.startswith("/spec/actions/1/values/tier") for p in pointers), pointers
    shapeless = client.post(
        f"{APP}/rules/tiering/examples/run",
        json={"spec": {**RULE, "actions": [{"type": "teleport"}]}},
    )
    assert shapeless.status_code == 422
    assert any(e["pointer"].startswith("/spec/actions/0") for e in shapeless.json()["errors"])
    bad_example = client.post(
        f"{APP}/rules/tiering/examples/run",
        json={"spec": {**RULE, "examples": [{"name": "no expectation", "given": {}}]}},
    )
    assert bad_example.status_code == 422
    assert bad_example.json()["errors"][0]["pointer"] == "/spec/examples/0/expect"


def test_bad_bodies_and_unknown_rules_are_refused(client: TestClient) -> None:
    shop(client)
    url = f"{APP}/rules/tiering/examples/run"
    assert client.post(url, json={"spec": [1, 2]}).status_code == 422
    assert client.post(url, json={"rule": {}}).status_code == 422
    not_json = client.post(url, content=b"{", headers={"Content-Type": "application/json"})
    assert not_json.status_code in (400, 422)
    missing = client.post(f"{APP}/rules/no_such_rule/examples/run", json={})
    assert missing.status_code == 404
    assert missing.json()["code"] == "definition_not_found"
    assert client.post(f"{APP}/rules/Bad-Key/examples/run", json={}).status_code == 422


def test_only_a_designer_with_the_csrf_token_may_try_examples(
    client: TestClient, users: Users
) -> None:
    shop(client)
    url = f"{APP}/rules/tiering/examples/run"
    reader = users.client(
        "reader", grants=[{"app": "shop", "form": "order", "actions": ["read"], "rows": "all"}]
    )
    refused = reader.post(url, json={})
    assert refused.status_code == 403, refused.text
    designer = users.client("designer", grants=[{"app": "shop", "actions": ["design"]}])
    assert designer.post(url, json={}).status_code == 200
    token = designer.headers.pop("X-CSRF-Token")
    assert designer.post(url, json={}).status_code == 403
    designer.headers["X-CSRF-Token"] = token
