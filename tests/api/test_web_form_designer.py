"""The form designer's pages over HTTP: the forms of an app for whoever designs it, a new form
(its key checked), the designer page (the draft and its problems as data, SortableJS and the
expression editor loaded, no inline script), the link in the app's navigation, and refusals."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1"


def csrf(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def make_app(client: TestClient) -> None:
    assert client.post(f"{API}/apps", json={"key": "shop", "label": "Shop"}).status_code == 201


def test_a_designer_starts_a_form_and_opens_its_designer(client: TestClient) -> None:
    make_app(client)
    listing = client.get("/apps/shop/design/forms", headers={"Accept-Language": "en"})
    assert listing.status_code == 200, listing.text
    assert "New form" in listing.text
    assert 'id="design-forms-link"' in listing.text, "the navigation links the designer"
    made = client.post(
        "/apps/shop/design/forms",
        data={
            "csrf_token": csrf(listing.text),
            "key": "order",
            "label_zh": "订单",
            "label_en": "Order",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/apps/shop/design/forms/order"
    page = client.get("/apps/shop/design/forms/order", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text
    assert "/static/vendor/sortable/Sortable.min.js" in page.text
    assert "/static/expression.js" in page.text
    assert "/static/form-designer.js" in page.text
    draft = json.loads(unescape(re.search(r'data-draft="([^"]*)"', page.text).group(1)))
    assert draft["label"] == {"zh-CN": "订单", "en": "Order"}
    problems = json.loads(unescape(re.search(r'data-problems="([^"]*)"', page.text).group(1)))
    assert {"pointer": "/spec/fields", "code": "required", "message": "缺少必填项"} in problems
    assert "表单设计器" in page.text
    assert "子表" in page.text
    assert "计算字段" in page.text


def test_a_bad_or_taken_key_is_said_on_the_page(client: TestClient) -> None:
    make_app(client)
    token = csrf(client.get("/apps/shop/design/forms").text)
    bad = client.post(
        "/apps/shop/design/forms",
        data={"csrf_token": token, "key": "Order!", "label_en": "Order"},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422
    assert 'id="new-form-problem"' in bad.text
    assert "bad_key" in bad.text
    first = {"csrf_token": token, "key": "order", "label_en": "Order"}
    assert (
        client.post("/apps/shop/design/forms", data=first, follow_redirects=False).status_code
        == 303
    )
    taken = client.post("/apps/shop/design/forms", data=first)
    assert taken.status_code == 409
    assert "definition_exists" in taken.text


def test_only_who_designs_the_app_reaches_the_designer(client: TestClient, users: Users) -> None:
    make_app(client)
    assert (
        client.post(
            f"{API}/apps/shop/definitions",
            json={
                "kind": "form",
                "key": "order",
                "label": "Order",
                "spec": {"fields": [{"id": "f1", "key": "name", "type": "text", "label": "Name"}]},
            },
        ).status_code
        == 201
    )
    assert client.post(f"{API}/apps/shop/definitions/form/order/publish").status_code == 201
    clerk = users.client(
        "clerk", grants=[{"app": "shop", "form": "order", "actions": ["read"], "rows": "all"}]
    )
    listing = clerk.get("/apps/shop/forms/order")
    assert listing.status_code == 200
    assert "design-forms-link" not in listing.text
    assert clerk.get("/apps/shop/design/forms").status_code == 403
    assert clerk.get("/apps/shop/design/forms/order").status_code == 403
    designer = users.client("analyst", grants=[{"app": "shop", "actions": ["design"]}])
    assert designer.get("/apps/shop/design/forms/order").status_code == 200
    launcher = designer.get("/apps")
    assert 'href="/apps/shop/design/forms"' in launcher.text


def preview(client: TestClient, token: str, spec: Any, values: Any) -> Any:
    return client.post(
        "/apps/shop/design/forms/order/preview",
        content=json.dumps({"spec": spec, "values": values}),
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )


ORDER = {
    "fields": [
        {"id": "f1", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
        {
            "id": "f2",
            "key": "lines",
            "type": "subtable",
            "label": "Lines",
            "fields": [{"id": "c1", "key": "price", "type": "decimal", "label": "Price"}],
        },
        {
            "id": "f3",
            "key": "total",
            "type": "computed",
            "label": "Total",
            "expression": "amount + sum(lines.price)",
            "result_type": "decimal",
            "scale": 2,
        },
        {
            "id": "f4",
            "key": "note",
            "type": "text",
            "label": "Note",
            "visible_when": "amount > 100",
            "required": True,
        },
    ],
    "validations": [
        {"id": "v1", "expression": "total < 1000", "message": "too much", "fields": ["amount"]}
    ],
}


def test_the_preview_works_out_a_sample_record_of_the_draft(client: TestClient) -> None:
    make_app(client)
    listing = client.get("/apps/shop/design/forms")
    token = csrf(listing.text)
    made = {"csrf_token": token, "key": "order", "label_en": "Order"}
    assert (
        client.post("/apps/shop/design/forms", data=made, follow_redirects=False).status_code == 303
    )
    answer = preview(client, token, ORDER, {"amount": "0.10", "lines": [{"price": "0.20"}]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["values"]["total"] == "0.30"
    assert body["ok"] is True
    assert body["hidden"] == ["note"]
    shown = preview(client, token, ORDER, {"amount": "500", "lines": []}).json()
    assert shown["hidden"] == []
    assert {e["pointer"] for e in shown["errors"]} == {"/note"}
    over = preview(client, token, ORDER, {"amount": "999.99", "lines": [{"price": 1}]}).json()
    assert any("too much" in e["message"] for e in over["errors"]), over["errors"]
    bad = preview(client, token, ORDER, {"amount": "abc"}).json()
    assert bad["errors"][0]["pointer"] == "/amount"
    # nothing is saved: the draft stays as it was
    assert client.get(f"{API}/apps/shop/definitions/form/order").json()["draft"]["spec"] == {}


def test_the_preview_refuses_a_draft_it_cannot_compile_and_bad_bodies(
    client: TestClient, users: Users
) -> None:
    make_app(client)
    token = csrf(client.get("/apps/shop/design/forms").text)
    made = {"csrf_token": token, "key": "order", "label_en": "Order"}
    assert (
        client.post("/apps/shop/design/forms", data=made, follow_redirects=False).status_code == 303
    )
    broken = {
        **ORDER,
        "fields": [*ORDER["fields"][:2], {**ORDER["fields"][2], "expression": "amont"}],
    }
    answer = preview(client, token, broken, {})
    assert answer.status_code == 422
    assert answer.json()["code"] == "definition_invalid"
    assert answer.json()["errors"][0]["pointer"].startswith("/fields/2")
    # in the viewer's language (Chinese unless chosen otherwise), as the page itself speaks
    assert re.search(r"[\u4e00-\u9fff]", answer.json()["errors"][0]["message"])
    incomplete = preview(client, token, {"fields": [{"key": "x"}]}, {})
    assert incomplete.status_code == 422
    assert incomplete.json()["errors"][0]["pointer"].startswith("/fields/0")
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    for raw in (b"nope", b"[]", b'{"spec": 1}', b'{"spec": {}, "values": []}'):
        refused = client.post("/apps/shop/design/forms/order/preview", content=raw, headers=headers)
        assert refused.status_code == 422, raw
        assert refused.json()["code"] == "bad_json"
    missing = client.post(
        "/apps/shop/design/forms/nothing/preview", content=b'{"spec": {}}', headers=headers
    )
    assert missing.status_code == 404
    clerk = users.client("clerk", grants=[])
    refused = clerk.post(
        "/apps/shop/design/forms/order/preview",
        content=json.dumps({"spec": ORDER, "values": {}}),
    )
    assert refused.status_code == 403


def test_a_draft_with_exact_decimals_opens_in_the_designers(client: TestClient) -> None:
    """Drafts keep amounts as exact decimals; the pages write them into their data exactly."""
    make_app(client)
    fields = [
        {"id": "f1", "key": "rate", "type": "decimal", "label": "Rate", "default": 1.50},
        {"id": "f2", "key": "amount", "type": "money", "label": "Amount", "minimum": 0.01},
    ]
    made = client.post(
        f"{API}/apps/shop/definitions",
        json={"kind": "form", "key": "order", "label": "Order", "spec": {"fields": fields}},
    )
    assert made.status_code == 201, made.text
    page = client.get("/apps/shop/design/forms/order")
    assert page.status_code == 200, page.text
    draft = json.loads(unescape(re.search(r'data-draft="([^"]*)"', page.text).group(1)))
    assert [f.get("default") for f in draft["spec"]["fields"]] == [1.5, None]
    assert "0.01" in unescape(re.search(r'data-draft="([^"]*)"', page.text).group(1))
