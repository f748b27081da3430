"""The rule editor's pages over HTTP: the rules of an app for whoever designs it (what starts
each, its version and draft, the shadow badge), a new rule (its key, form and trigger checked),
the editor page (the draft, its problems, the app's forms, decision tables and flows as data;
SortableJS, the expression editor and the editor's script loaded, no inline script), and
refusals without `design` or the CSRF token."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/shop"
ORDER = [
    {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
    {"id": "f_tier", "key": "tier", "type": "text", "label": {"zh-CN": "等级", "en": "Tier"}},
]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def data(html: str, name: str) -> Any:
    found = re.search(rf'data-{name}="([^"]*)"', html)
    assert found is not None, name
    return json.loads(unescape(found.group(1)))


def shop(client: TestClient) -> None:
    assert client.post(f"{API}/apps", json={"key": "shop", "label": "Shop"}).status_code == 201
    form = {"kind": "form", "key": "order", "label": "Order", "spec": {"fields": ORDER}}
    assert client.post(f"{APP}/definitions", json=form).status_code == 201
    assert client.post(f"{APP}/definitions/form/order/publish").status_code == 201


def test_a_designer_starts_a_rule_and_opens_its_editor(client: TestClient) -> None:
    shop(client)
    listing = client.get("/apps/shop/design/rules", headers={"Accept-Language": "en"})
    assert listing.status_code == 200, listing.text
    assert "New rule" in listing.text
    assert "This app has no rules yet" in listing.text
    made = client.post(
        "/apps/shop/design/rules",
        data={
            "csrf_token": csrf(listing.text),
            "key": "tiering",
            "label": "Tiering",
            "form": "order",
            "trigger": "record",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/apps/shop/design/rules/tiering"
    page = client.get("/apps/shop/design/rules/tiering", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text
    for script in ("vendor/sortable/Sortable.min.js", "expression.js", "rule-designer.js"):
        assert f"/static/{script}" in page.text
    draft = data(page.text, "draft")
    assert draft["spec"]["trigger"] == {
        "on": "record",
        "form": "order",
        "events": ["created", "updated"],
    }
    assert draft["spec"]["phase"] == "before_save"
    problems = data(page.text, "problems")
    assert [p["pointer"] for p in problems] == ["/spec/actions"], "no action yet"
    forms = data(page.text, "forms")
    assert [f["key"] for f in forms] == ["order"]
    assert [f["key"] for f in forms[0]["fields"]] == ["amount", "tier"]
    assert data(page.text, "decisions") == []
    assert "影子模式" in page.text
    assert "运行测试" in page.text
    again = client.get("/apps/shop/design/rules", headers={"Accept-Language": "en"})
    assert 'id="rule-tiering"' in again.text
    assert "Record of order: created, updated · before the save" in again.text
    assert "not published" in again.text


def test_every_trigger_kind_starts_a_draft_of_its_own(client: TestClient) -> None:
    shop(client)
    token = csrf(client.get("/apps/shop/design/rules").text)
    expected = {
        "schedule": {
            "on": "schedule",
            "cron": "0 2 * * *",
            "timezone": "Asia/Shanghai",
            "for_each": {"form": "order"},
        },
        "manual": {"on": "manual", "form": "order"},
        "flow": {"on": "flow", "form": "order", "flow": "", "events": ["finished"]},
    }
    for trigger, wanted in expected.items():
        sent = {"csrf_token": token, "key": f"by_{trigger}", "form": "order", "trigger": trigger}
        made = client.post("/apps/shop/design/rules", data=sent, follow_redirects=False)
        assert made.status_code == 303, made.text
        spec = client.get(f"{APP}/definitions/rule/by_{trigger}").json()["draft"]["spec"]
        assert spec["trigger"] == wanted
    listing = client.get("/apps/shop/design/rules", headers={"Accept-Language": "en"}).text
    assert "On schedule" in listing
    assert "each record of order" in listing
    assert "By a button on order" in listing


def test_the_list_shows_published_versions_and_shadow_rules(client: TestClient) -> None:
    shop(client)
    spec = {
        "trigger": {"on": "record", "form": "order", "events": ["created"]},
        "phase": "before_save",
        "condition": "amount > 100",
        "actions": [{"type": "set_fields", "values": {"tier": '"large"'}}],
        "shadow": True,
    }
    body = {"kind": "rule", "key": "watch", "label": "Watch", "spec": spec}
    assert client.post(f"{APP}/definitions", json=body).status_code == 201
    assert client.post(f"{APP}/definitions/rule/watch/publish").status_code == 201
    listing = client.get("/apps/shop/design/rules", headers={"Accept-Language": "en"}).text
    row = listing[listing.index('id="rule-watch"') :]
    row = row[: row.index("</tr>")]
    assert ">v1<" in row
    assert "Shadow" in row


def test_a_draft_with_exact_decimals_opens_as_it_is(client: TestClient) -> None:
    shop(client)
    spec = {
        "trigger": {"on": "record", "form": "order", "events": ["updated"]},
        "condition": "amount > previous.amount",
        "actions": [{"type": "create_record", "form": "order", "values": {"tier": '"up"'}}],
        "examples": [
            {
                "name": "up by a cent",
                "given": {
                    "event": "updated",
                    "record": {"amount": "AFTER"},
                    "previous": {"amount": "BEFORE"},
                },
                "expect": {"matched": True},
            }
        ],
    }
    body = {"kind": "rule", "key": "raise", "label": "Raise", "spec": spec}
    text = json.dumps(body).replace('"AFTER"', "12345678901234567.01")
    text = text.replace('"BEFORE"', "12345678901234567.00")
    sent = client.post(
        f"{APP}/definitions", content=text, headers={"Content-Type": "application/json"}
    )
    assert sent.status_code == 201, sent.text
    page = client.get("/apps/shop/design/rules/raise")
    assert page.status_code == 200, page.text
    assert '"amount":12345678901234567.01' in unescape(page.text)
    assert '"amount":12345678901234567.00' in unescape(page.text)


def test_an_app_that_needs_a_second_person_asks_for_publication(client: TestClient) -> None:
    shop(client)
    assert client.patch(APP, json={"publish_approval": True}).status_code == 200
    token = csrf(client.get("/apps/shop/design/rules").text)
    sent = {"csrf_token": token, "key": "tiering", "form": "order", "trigger": "record"}
    assert client.post("/apps/shop/design/rules", data=sent).status_code == 200
    page = client.get("/apps/shop/design/rules/tiering", headers={"Accept-Language": "en"})
    assert 'data-approval="true"' in page.text
    assert "Request publication" in page.text
    assert "Send the request" in page.text


def test_a_bad_key_or_form_is_said_on_the_page(client: TestClient) -> None:
    shop(client)
    token = csrf(client.get("/apps/shop/design/rules").text)
    bad = client.post(
        "/apps/shop/design/rules",
        data={"csrf_token": token, "key": "Bad!", "form": "order", "trigger": "record"},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422
    assert 'id="new-rule-problem"' in bad.text
    assert "bad_key" in bad.text
    no_form = client.post(
        "/apps/shop/design/rules",
        data={"csrf_token": token, "key": "tiering", "form": "nothing", "trigger": "record"},
    )
    assert no_form.status_code == 422
    assert "bad_form" in no_form.text
    odd = client.post(
        "/apps/shop/design/rules",
        data={"csrf_token": token, "key": "tiering", "form": "order", "trigger": "lunar"},
    )
    assert odd.status_code == 422
    first = {"csrf_token": token, "key": "tiering", "form": "order", "trigger": "record"}
    ok = client.post("/apps/shop/design/rules", data=first, follow_redirects=False)
    assert ok.status_code == 303
    taken = client.post("/apps/shop/design/rules", data=first)
    assert taken.status_code == 409
    assert "definition_exists" in taken.text
    assert client.get("/apps/shop/design/rules/no_such_rule").status_code == 404


def test_only_who_designs_the_app_reaches_the_rules(client: TestClient, users: Users) -> None:
    shop(client)
    clerk = users.client(
        "clerk", grants=[{"app": "shop", "form": "order", "actions": ["read"], "rows": "all"}]
    )
    assert clerk.get("/apps/shop/design/rules").status_code == 403
    designer = users.client("analyst", grants=[{"app": "shop", "actions": ["design"]}])
    listing = designer.get("/apps/shop/design/rules")
    assert listing.status_code == 200
    token = csrf(listing.text)
    sent = {"key": "tiering", "form": "order", "trigger": "record"}
    header = designer.headers.pop("X-CSRF-Token")
    refused = designer.post("/apps/shop/design/rules", data=sent, follow_redirects=False)
    assert refused.status_code == 403, "no CSRF token"
    designer.headers["X-CSRF-Token"] = header
    made = designer.post(
        "/apps/shop/design/rules", data={**sent, "csrf_token": token}, follow_redirects=False
    )
    assert made.status_code == 303
    assert clerk.get("/apps/shop/design/rules/tiering").status_code == 403
    assert designer.get("/apps/shop/design/rules/tiering").status_code == 200
