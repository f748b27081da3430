"""The blocks designer of a flow over HTTP: the page shows the draft as blocks (or why it cannot,
with the canvas linked), a save compiles the blocks to the graph and keeps it as the draft (its
other parts kept, a stale revision refused), problems come back on their cards, and only who
designs the app, with the page's CSRF token, may save."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/shop"
PAGE = "/apps/shop/design/flows/order_approval/blocks"
FORM = {
    "fields": [
        {"id": "f1", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f2", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
        {"id": "f3", "key": "sales_rep", "type": "member", "label": "Sales rep"},
    ]
}
START_END = {
    "form": "order",
    "settings": {"maker_checker": True},
    "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
    "edges": [{"id": "e_start_end", "from": "start", "to": "end"}],
}


def approval(key: str, role: str = "order_checker") -> dict[str, Any]:
    return {
        "id": key,
        "type": "approval",
        "label": {"zh-CN": "审批", "en": "Approval"},
        "assignees": [{"type": "role", "role": role}],
        "mode": "or",
    }


def csrf(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def data_of(html: str, name: str) -> Any:
    found = re.search(rf'data-{name}="([^"]*)"', html)
    assert found is not None, name
    return json.loads(unescape(found.group(1)))


def shop(client: TestClient, users: Users, spec: dict[str, Any] = START_END) -> None:
    users.role("order_checker", [])
    assert client.post(f"{API}/apps", json={"key": "shop", "label": "Shop"}).status_code == 201
    made = client.post(
        f"{APP}/definitions", json={"kind": "form", "key": "order", "label": "Order", "spec": FORM}
    )
    assert made.status_code == 201, made.text
    published = client.post(f"{APP}/definitions/form/order/publish")
    assert published.status_code == 201, published.text
    flow = client.post(
        f"{APP}/definitions",
        json={
            "kind": "flow",
            "key": "order_approval",
            "label": {"zh-CN": "订单审批", "en": "Order approval"},
            "description": "Orders above the limit",
            "spec": spec,
        },
    )
    assert flow.status_code == 201, flow.text


def save(client: TestClient, token: str, body: Any) -> Any:
    return client.post(PAGE, content=json.dumps(body), headers={"X-CSRF-Token": token})


BLOCKS = {
    "start": {"id": "start", "type": "start"},
    "steps": [
        approval("manager"),
        {
            "type": "branches",
            "id": "size",
            "kind": "exclusive",
            "branches": [
                {
                    "id": "large",
                    "label": {"zh-CN": "大额", "en": "Large"},
                    "condition": "amount > 100000",
                    "default": False,
                    "steps": [approval("director")],
                },
                {"id": "other", "condition": None, "default": True, "steps": []},
            ],
        },
    ],
    "end": {"id": "end", "type": "end"},
}


def test_blocks_save_as_the_graph_and_read_back(client: TestClient, users: Users) -> None:
    shop(client, users)
    page = client.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text
    assert "/static/flow-blocks.js" in page.text
    assert "/static/expression.js" in page.text
    assert 'href="/apps/shop/design/flows/order_approval"' in page.text
    assert data_of(page.text, "blocks")["steps"] == []
    assert "order_checker" in data_of(page.text, "roles")
    assert {f["key"] for f in data_of(page.text, "fields")} == {"customer", "amount", "sales_rep"}
    assert "条件分支" in page.text
    saved = save(client, csrf(page.text), {"blocks": BLOCKS, "base_revision": 1})
    assert saved.status_code == 200, saved.text
    answer = saved.json()
    assert answer["saved"] is True
    assert answer["draft_revision"] == 2
    assert answer["problems"] == []
    assert answer["blocks"] == BLOCKS
    assert answer["cards"]["/spec/edges/2"] == "large"
    draft = client.get(f"{APP}/definitions/flow/order_approval").json()["draft"]
    assert draft["label"] == {"zh-CN": "订单审批", "en": "Order approval"}
    assert draft["description"] == "Orders above the limit"
    assert draft["spec"]["settings"] == {"maker_checker": True}
    assert [n["id"] for n in draft["spec"]["nodes"]] == [
        "start",
        "manager",
        "size",
        "director",
        "size_join",
        "end",
    ]
    published = client.post(f"{APP}/definitions/flow/order_approval/publish", json={})
    assert published.status_code == 201, published.text
    again = client.get(PAGE, headers={"Accept-Language": "en"})
    assert data_of(again.text, "blocks") == BLOCKS
    assert data_of(again.text, "problems") == []


def test_problems_come_back_on_their_cards(client: TestClient, users: Users) -> None:
    shop(client, users)
    token = csrf(client.get(PAGE).text)
    no_default = json.loads(json.dumps(BLOCKS))
    no_default["steps"][1]["branches"][1]["default"] = False
    refused = save(client, token, {"blocks": no_default, "base_revision": 1})
    assert refused.status_code == 200
    assert refused.json()["saved"] is False
    assert refused.json()["code"] == "blocks_invalid"
    assert refused.json()["draft_revision"] == 1
    assert [(p["pointer"], p["code"], p["card"]) for p in refused.json()["problems"]] == [
        ("/steps/1/branches/1/condition", "E_FLOW_BLOCK_BRANCHES", "other"),
        ("/steps/1/branches", "E_FLOW_BLOCK_BRANCHES", "size"),
    ]
    unknown = json.loads(json.dumps(BLOCKS))
    unknown["steps"][1]["branches"][0]["steps"][0] = approval("director", role="nobody")
    saved = save(client, token, {"blocks": unknown, "base_revision": 1})
    assert saved.status_code == 200, saved.text
    assert [(p["pointer"], p["code"], p["card"]) for p in saved.json()["problems"]] == [
        ("/spec/nodes/3/assignees/0/role", "E_FLOW_UNKNOWN_ROLE", "director")
    ]
    page = client.get(PAGE)
    assert [p["card"] for p in data_of(page.text, "problems")] == ["director"]
    unfinished = json.loads(json.dumps(BLOCKS))
    unfinished["steps"][1]["branches"][0]["condition"] = "amount > "
    saved = save(client, token, {"blocks": unfinished, "base_revision": 2})
    assert saved.status_code == 200, saved.text
    assert [(p["code"], p["card"]) for p in saved.json()["problems"]] == [
        ("E_FLOW_EXPRESSION", "large")
    ]


def test_bad_input_is_refused_with_a_reason(client: TestClient, users: Users) -> None:
    shop(client, users)
    token = csrf(client.get(PAGE).text)
    garbage = client.post(PAGE, content=b"{not json", headers={"X-CSRF-Token": token})
    assert garbage.status_code == 422
    assert garbage.json()["code"] == "bad_json"
    assert save(client, token, {"steps": []}).json()["code"] == "bad_json"
    revision = save(client, token, {"blocks": BLOCKS, "base_revision": "one"})
    assert revision.status_code == 422
    assert revision.json()["problems"][0]["pointer"] == "/base_revision"
    shape = save(client, token, {"blocks": {"steps": [{"type": "subflow", "id": "x"}]}})
    assert shape.json()["saved"] is False
    assert shape.json()["problems"][0]["pointer"] == "/steps/0/type"
    assert client.get(f"{APP}/definitions/flow/order_approval").json()["draft_revision"] == 1
    assert save(client, token, {"blocks": BLOCKS, "base_revision": 1}).status_code == 200
    stale = save(client, token, {"blocks": BLOCKS, "base_revision": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_revision"
    assert "请刷新" in stale.json()["message"]  # in the viewer's language, Chinese here


def test_a_graph_of_another_shape_is_left_to_the_canvas(client: TestClient, users: Users) -> None:
    looped = {
        "form": "order",
        "nodes": [
            {"id": "start", "type": "start"},
            approval("check"),
            approval("fix"),
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "check"},
            {"id": "e2", "from": "check", "to": "end"},
            {"id": "e3", "from": "check", "to": "fix", "on": "rejected"},
            {"id": "e4", "from": "fix", "to": "check"},
        ],
    }
    shop(client, users, looped)
    page = client.get(PAGE, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'id="not-blocks"' in page.text
    assert "E_FLOW_NOT_BLOCKS" in page.text
    assert "`check`" in unescape(page.text)
    assert "edit it on the canvas" in page.text
    chinese = client.get(PAGE, headers={"Accept-Language": "zh-CN"})
    assert "请在画布上编辑" in chinese.text
    assert 'id="save-draft"' not in page.text
    assert 'href="/apps/shop/design/flows/order_approval"' in page.text


def test_only_who_designs_the_app_saves_and_only_with_the_token(
    client: TestClient, users: Users
) -> None:
    shop(client, users)
    clerk = users.client(
        "clerk", grants=[{"app": "shop", "form": "order", "actions": ["read"], "rows": "all"}]
    )
    assert clerk.get(PAGE).status_code == 403
    token = csrf(clerk.get("/apps").text)
    assert save(clerk, token, {"blocks": BLOCKS}).status_code == 403
    designer = users.client("analyst", grants=[{"app": "shop", "actions": ["design"]}])
    page = designer.get(PAGE)
    assert page.status_code == 200
    kept = designer.headers.pop("X-CSRF-Token")
    without = designer.post(PAGE, content=json.dumps({"blocks": BLOCKS}))
    assert without.status_code == 403
    designer.headers["X-CSRF-Token"] = kept
    wrong = designer.post(
        PAGE, content=json.dumps({"blocks": BLOCKS}), headers={"X-CSRF-Token": "forged"}
    )
    assert wrong.status_code == 403
    assert client.get(f"{APP}/definitions/flow/order_approval").json()["draft_revision"] == 1
    assert save(designer, csrf(page.text), {"blocks": BLOCKS}).status_code == 200
