"""The designers' expression checker over HTTP: diagnostics with code, line, column and hint,
completions of the scope's fields and the functions, scopes from a draft's fields, a saved
form's draft or given names, and the design permission when an app is named."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from conftest import Users

CHECK = "/design/expression"
FIELDS: list[dict[str, Any]] = [
    {"id": "f1", "key": "amount", "type": "money", "label": {"zh-CN": "金额", "en": "Amount"}},
    {"id": "f2", "key": "rate", "type": "percent", "label": "Rate"},
    {
        "id": "f3",
        "key": "items",
        "type": "subtable",
        "label": "Items",
        "fields": [{"id": "f4", "key": "price", "type": "decimal", "label": "Price"}],
    },
]


def checked(client: TestClient, body: dict[str, Any], language: str = "en") -> dict[str, Any]:
    response = client.post(CHECK, json=body, headers={"Accept-Language": language})
    assert response.status_code == 200, response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    answer: dict[str, Any] = response.json()
    return answer


def test_a_good_expression_has_a_type_and_no_diagnostics(client: TestClient) -> None:
    answer = checked(client, {"expression": "amount * rate + sum(items.price)", "fields": FIELDS})
    assert answer["ok"] is True
    assert answer["diagnostics"] == []
    assert answer["type"] == "number"


def test_an_unknown_name_is_reported_where_it_is_with_a_hint(client: TestClient) -> None:
    answer = checked(client, {"expression": "amount * rat", "fields": FIELDS})
    assert answer["ok"] is False
    [problem] = answer["diagnostics"]
    assert problem["code"] == "E_UNKNOWN_NAME"
    assert (problem["line"], problem["column"]) == (1, 10)
    assert "rate" in (problem["hint"] or "") + problem["message"]


def test_a_chinese_designer_reads_the_problem_and_its_hint_in_chinese(
    client: TestClient,
) -> None:
    body = {"expression": "amount * rat", "fields": FIELDS}
    [zh] = checked(client, body, language="zh-CN")["diagnostics"]
    [en] = checked(client, body)["diagnostics"]
    assert {k: v for k, v in zh.items() if k not in ("message", "hint")} == {
        k: v for k, v in en.items() if k not in ("message", "hint")
    }
    assert (zh["message"], zh["hint"]) == ("未知名称 `rat`", "是否应为 `rate`？")
    assert (en["message"], en["hint"]) == ("unknown name `rat`", "did you mean `rate`?")


def test_a_syntax_error_has_its_position(client: TestClient) -> None:
    answer = checked(client, {"expression": "amount *\n (rate", "fields": FIELDS})
    assert answer["ok"] is False
    assert answer["diagnostics"][0]["line"] == 2
    assert answer["diagnostics"][0]["column"] >= 1


def test_completions_offer_fields_with_labels_and_types_then_functions(
    client: TestClient,
) -> None:
    answer = checked(client, {"expression": "", "fields": FIELDS}, language="zh-CN")
    assert answer["ok"] is True
    first = answer["completions"][0]
    assert first == {"label": "amount", "kind": "field", "detail": "金额", "type": "number"}
    names = {c["label"] for c in answer["completions"] if c["kind"] == "function"}
    assert {"sum", "IF", "ROUND", "string length"} <= names


def test_inside_a_subtable_row_its_columns_are_in_scope(client: TestClient) -> None:
    outside = checked(client, {"expression": "price * 2", "fields": FIELDS})
    assert outside["diagnostics"][0]["code"] == "E_UNKNOWN_NAME"
    labels = [c["label"] for c in outside["completions"]]
    assert labels[:4] == ["amount", "rate", "items", "price"], "columns follow, for items.price"
    inside = checked(client, {"expression": "price * 2", "fields": FIELDS, "row": "items"})
    assert inside["ok"] is True
    assert inside["completions"][0]["label"] == "price"


def test_given_names_and_types_make_the_scope(client: TestClient) -> None:
    answer = checked(client, {"expression": "score > 3", "names": {"score": "number"}})
    assert answer == {**answer, "ok": True, "type": "boolean"}
    wrong = checked(
        client, {"expression": 'score > date("2025-01-01")', "names": {"score": "number"}}
    )
    assert wrong["ok"] is False


def test_a_saved_draft_is_the_scope_for_whoever_designs_the_app(
    client: TestClient, users: Users
) -> None:
    assert client.post("/api/v1/apps", json={"key": "shop", "label": "Shop"}).status_code == 201
    made = client.post(
        "/api/v1/apps/shop/definitions",
        json={"kind": "form", "key": "order", "label": "Order", "spec": {"fields": FIELDS}},
    )
    assert made.status_code == 201, made.text
    body = {"expression": "amount > 100", "app": "shop", "form": "order"}
    assert checked(client, body)["ok"] is True
    clerk = users.client("clerk", grants=[])
    refused = clerk.post(CHECK, json=body)
    assert refused.status_code == 403


def test_bad_requests_say_what_is_wrong(client: TestClient) -> None:
    response = client.post(CHECK, content=b"[1]", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "bad_json"
    response = client.post(CHECK, json={"expression": "x", "names": {"x": "colour"}})
    assert response.status_code == 422
    assert response.json()["code"] == "bad_scope"


def test_a_visitor_must_sign_in_and_send_the_csrf_token(
    client: TestClient, anonymous_client: TestClient
) -> None:
    response = anonymous_client.post(CHECK, json={"expression": "1"}, follow_redirects=False)
    assert response.status_code == 303
    without = client.post(CHECK, json={"expression": "1"}, headers={"X-CSRF-Token": "wrong"})
    assert without.status_code in (401, 403)
