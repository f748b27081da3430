"""The flow designer's pages over HTTP: the flows of an app for whoever designs it, a new flow
on a published form (a draft from start to end), the canvas page (the draft, the form's fields
and the roles as data, no inline script), and the check the canvas asks after every change:
where each node and connection is drawn and every problem the engine finds compiling the
graph against the app, with pointers, without saving anything. Refusals: an unknown form, a
bad key, no design permission, no CSRF token, a body that is not a graph."""

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


def data_of(html: str, name: str) -> Any:
    found = re.search(rf'data-{name}="([^"]*)"', html)
    assert found is not None, name
    return json.loads(unescape(found.group(1)))


def make_app(client: TestClient) -> None:
    assert client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"}).status_code == 201
    fields = [
        {"id": "f1", "key": "name", "type": "text", "label": {"zh-CN": "名称", "en": "Name"}},
        {"id": "f2", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
        {"id": "f3", "key": "officer", "type": "member", "label": "Officer"},
    ]
    made = client.post(
        f"{API}/apps/bank/definitions",
        json={"kind": "form", "key": "loan", "label": "Loan", "spec": {"fields": fields}},
    )
    assert made.status_code == 201, made.text
    assert client.post(f"{API}/apps/bank/definitions/form/loan/publish").status_code == 201


def new_flow(client: TestClient, key: str = "review") -> None:
    token = csrf(client.get("/apps/bank/design/flows").text)
    made = client.post(
        "/apps/bank/design/flows",
        data={"csrf_token": token, "key": key, "label_zh": "复核", "form": "loan"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"/apps/bank/design/flows/{key}"


def check(client: TestClient, spec: Any, key: str = "review") -> Any:
    token = csrf(client.get("/apps/bank/design/flows").text)
    return client.post(
        f"/apps/bank/design/flows/{key}/check",
        content=json.dumps({"spec": spec}),
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )


def two_steps(condition: str) -> dict[str, Any]:
    return {
        "form": "loan",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "first", "type": "approval", "label": "First", "assignees": []},
            {"id": "split", "type": "exclusive"},
            {"id": "second", "type": "approval", "label": {"zh-CN": "第二"}, "assignees": []},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "first"},
            {"id": "e2", "from": "first", "to": "split"},
            {"id": "e3", "from": "split", "to": "second", "condition": condition},
            {"id": "e4", "from": "split", "to": "end", "default": True},
            {"id": "e5", "from": "second", "to": "end"},
        ],
    }


def test_a_designer_starts_a_flow_on_a_published_form_and_opens_its_canvas(
    client: TestClient,
) -> None:
    make_app(client)
    listing = client.get("/apps/bank/design/flows", headers={"Accept-Language": "en"})
    assert listing.status_code == 200, listing.text
    assert "This app has no flows yet" in listing.text
    assert '<option value="loan"' in listing.text
    new_flow(client)
    stored = client.get(f"{API}/apps/bank/definitions/flow/review").json()
    assert stored["draft"]["spec"] == {
        "form": "loan",
        "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
        "edges": [{"id": "e_start_end", "from": "start", "to": "end"}],
    }
    page = client.get("/apps/bank/design/flows/review", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text
    assert "/static/flow-designer.js" in page.text
    assert "/static/expression.js" in page.text
    assert data_of(page.text, "draft")["label"] == {"zh-CN": "复核"}
    assert [f["key"] for f in data_of(page.text, "fields")] == ["name", "amount", "officer"]
    assert data_of(page.text, "fields")[0]["label"] == "名称"
    assert "system_admin" in [r["key"] for r in data_of(page.text, "roles")]
    assert data_of(page.text, "type-names")["exclusive"] == "条件分支"
    assert "流程设计器" in page.text
    again = client.get("/apps/bank/design/flows", headers={"Accept-Language": "en"})
    assert 'href="/apps/bank/design/flows/review"' in again.text


def test_a_flow_needs_a_published_form_and_a_good_new_key(client: TestClient) -> None:
    make_app(client)
    token = csrf(client.get("/apps/bank/design/flows").text)
    unknown = client.post(
        "/apps/bank/design/flows",
        data={"csrf_token": token, "key": "review", "form": "nothing"},
        headers={"Accept-Language": "en"},
    )
    assert unknown.status_code == 422
    assert "bad_form" in unknown.text
    bad = client.post(
        "/apps/bank/design/flows",
        data={"csrf_token": token, "key": "Review!", "form": "loan"},
    )
    assert bad.status_code == 422
    assert 'id="new-flow-problem"' in bad.text
    assert "bad_key" in bad.text
    new_flow(client)
    taken = client.post(
        "/apps/bank/design/flows", data={"csrf_token": token, "key": "review", "form": "loan"}
    )
    assert taken.status_code == 409
    assert "definition_exists" in taken.text
    assert client.get(f"{API}/apps/bank/definitions/flow/nothing").status_code == 404


def test_the_check_draws_the_graph_and_finds_nothing_wrong_in_a_sound_flow(
    client: TestClient,
) -> None:
    make_app(client)
    new_flow(client)
    answer = check(client, two_steps("amount > 1000000"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["valid"] is True
    assert body["problems"] == []
    boxes = {box["id"]: box for box in body["drawing"]["boxes"]}
    assert set(boxes) == {"start", "first", "split", "second", "end"}
    assert boxes["split"]["shape"] == "gateway"
    assert boxes["start"]["shape"] == "event"
    assert boxes["second"]["title"] == "第二"
    assert boxes["end"]["title"] == "结束"  # a node without a label is named by its type
    # left to right: each node a column after what leads to it
    assert boxes["start"]["x"] < boxes["first"]["x"] < boxes["split"]["x"] < boxes["second"]["x"]
    lines = {line["id"]: line for line in body["drawing"]["lines"]}
    assert set(lines) == {"e1", "e2", "e3", "e4", "e5"}
    assert lines["e3"]["label"] == "amount > 1000000"
    assert lines["e4"]["label"] == "默认"
    named = two_steps("amount > 1000000")
    named["edges"][2]["label"] = {"zh-CN": "大额", "en": "Large"}
    drawn = {line["id"]: line for line in check(client, named).json()["drawing"]["lines"]}
    assert drawn["e3"]["label"] == "大额"  # a branch's name, before its condition
    assert all(line["path"].startswith("M") for line in lines.values())
    # nothing was saved
    stored = client.get(f"{API}/apps/bank/definitions/flow/review").json()
    assert len(stored["draft"]["spec"]["nodes"]) == 2


def test_the_check_points_at_each_element_the_engine_refuses(client: TestClient) -> None:
    make_app(client)
    new_flow(client)
    spec = two_steps("amount > 1")
    spec["edges"][3] = {"id": "e4", "from": "split", "to": "end"}  # no default any more
    spec["nodes"][1]["assignees"] = [{"type": "role", "role": "no_such_role"}]
    spec["nodes"].append({"id": "orphan", "type": "approval", "assignees": []})
    body = check(client, spec).json()
    assert body["valid"] is False
    found = {(p["pointer"], p["code"]) for p in body["problems"]}
    assert ("/spec/edges/3", "E_FLOW_CONDITION_MISSING") in found, found
    assert ("/spec/nodes/2", "E_FLOW_NO_DEFAULT") in found, found
    assert ("/spec/nodes/5", "E_FLOW_UNREACHABLE") in found, found
    assert ("/spec/nodes/1/assignees/0/role", "E_FLOW_UNKNOWN_ROLE") in found, found
    # the graph is still drawn, the orphan too
    assert "orphan" in {box["id"] for box in body["drawing"]["boxes"]}
    # a sound graph with a condition that does not parse: the caret's place in the message
    typo = check(client, two_steps("amount >")).json()["problems"]
    assert [p["pointer"] for p in typo] == ["/spec/edges/2/condition"], typo
    assert "第 1 行第" in typo[0]["message"]  # in the viewer's language, Chinese here
    retyped = check(client, two_steps('amount > "a lot"')).json()["problems"]
    assert [p["pointer"] for p in retyped] == ["/spec/edges/2/condition"], retyped


def test_the_check_refuses_what_is_not_a_graph_and_draws_what_it_can(
    client: TestClient,
) -> None:
    make_app(client)
    new_flow(client)
    token = csrf(client.get("/apps/bank/design/flows").text)
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    url = "/apps/bank/design/flows/review/check"
    for body in (b"not json", b"[]", b'{"spec": 3}', b"{}"):
        answer = client.post(url, content=body, headers=headers)
        assert answer.status_code == 422, body
        assert answer.json()["code"] == "bad_json"
    huge = client.post(url, content=b'{"spec": "' + b"x" * 600_000 + b'"}', headers=headers)
    assert huge.status_code == 413
    broken = {
        "form": "loan",
        "nodes": [{"id": "start", "type": "start"}, {"type": "end"}, "x", {"id": 3}],
        "edges": [{"id": "e1", "from": "start", "to": "gone"}, 7],
    }
    answer = check(client, broken)
    assert answer.status_code == 200
    assert answer.json()["valid"] is False
    assert [box["id"] for box in answer.json()["drawing"]["boxes"]] == ["start"]
    assert answer.json()["drawing"]["lines"] == []
    wrong_form = check(client, {**two_steps("amount > 1"), "form": "nothing"}).json()
    assert wrong_form["problems"][0]["code"] == "E_FLOW_UNKNOWN_FORM"
    missing = client.post("/apps/bank/design/flows/nothing/check", content=b"{}", headers=headers)
    assert missing.status_code == 404


def test_only_who_designs_the_app_reaches_the_flow_designer(
    client: TestClient, users: Users
) -> None:
    make_app(client)
    new_flow(client)
    clerk = users.client(
        "clerk", grants=[{"app": "bank", "form": "loan", "actions": ["read"], "rows": "all"}]
    )
    assert clerk.get("/apps/bank/design/flows").status_code == 403
    assert clerk.get("/apps/bank/design/flows/review").status_code == 403
    token = csrf(clerk.get("/apps/bank/forms/loan").text)
    refused = clerk.post(
        "/apps/bank/design/flows/review/check",
        content=json.dumps({"spec": two_steps("amount > 1")}),
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert refused.status_code == 403
    made = clerk.post(
        "/apps/bank/design/flows", data={"csrf_token": token, "key": "x", "form": "loan"}
    )
    assert made.status_code == 403
    designer = users.client("analyst", grants=[{"app": "bank", "actions": ["design"]}])
    assert designer.get("/apps/bank/design/flows/review").status_code == 200
    del designer.headers["X-CSRF-Token"]  # the API's convenience, which a page has not
    no_token = designer.post(
        "/apps/bank/design/flows/review/check",
        content=json.dumps({"spec": two_steps("amount > 1")}),
        headers={"Content-Type": "application/json"},
    )
    assert no_token.status_code == 403
    assert "csrf" in no_token.text.lower()
