"""Simulating a flow over HTTP: a designer's sample values take the path a record would take
(conditions true or false, a rejection, set-fields actions seen by later conditions), money
exactly at a threshold and one cent above, an incident where an action fails, bad values and a
draft that does not compile refused with pointers, no design right refused, and nothing
written anywhere."""

from __future__ import annotations

import copy
import html
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brickwork import jsonio
from brickwork.platform.models import (
    AuditEvent,
    FlowHistory,
    FlowInstance,
    FlowTask,
    Job,
    Notification,
)
from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/loans"
SIMULATE = f"{APP}/flows/loan_review/simulate"
FORM: dict[str, Any] = {
    "fields": [
        {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer", "required": True},
        {
            "id": "f_amt",
            "key": "amount",
            "type": "money",
            "currency": "CNY",
            "label": "Amount",
            "required": True,
        },
        {
            "id": "f_kind",
            "key": "kind",
            "type": "single_select",
            "label": "Kind",
            "options": [{"value": "secured"}, {"value": "unsecured"}],
        },
        {"id": "f_dec", "key": "decision", "type": "text", "label": "Decision"},
    ]
}
FLOW: dict[str, Any] = {
    "form": "application",
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "review",
            "type": "approval",
            "label": {"en": "Review", "zh-CN": "审查"},
            "assignees": [{"type": "role", "role": "reviewer"}],
        },
        {"id": "size", "type": "exclusive", "label": {"en": "Size"}},
        {"id": "committee", "type": "approval", "assignees": [{"type": "user", "user": "chair"}]},
        {
            "id": "mark",
            "type": "action",
            "actions": [{"type": "set_fields", "values": {"decision": '"large"'}}],
        },
        {"id": "route", "type": "exclusive"},
        {"id": "end_small", "type": "end"},
        {"id": "end_large", "type": "end"},
        {"id": "declined", "type": "end", "outcome": "rejected"},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "review"},
        {"id": "e2", "from": "review", "to": "size"},
        {"id": "e_rejected", "from": "review", "to": "declined", "on": "rejected"},
        {"id": "e3", "from": "size", "to": "committee", "condition": "amount > 1000000"},
        {"id": "e4", "from": "size", "to": "end_small", "default": True},
        {"id": "e5", "from": "committee", "to": "mark"},
        {"id": "e6", "from": "mark", "to": "route"},
        {"id": "e7", "from": "route", "to": "end_large", "condition": 'decision = "large"'},
        {"id": "e8", "from": "route", "to": "end_small", "default": True},
    ],
}
DESIGN = [{"app": "loans", "actions": ["design"]}]


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> None:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    published = client.post(f"{APP}/definitions/{kind}/{key}/publish")
    assert published.status_code == 201, published.text


def save_draft(client: TestClient, spec: dict[str, Any]) -> None:
    saved = client.put(
        f"{APP}/definitions/flow/loan_review", json={"label": "loan_review", "spec": spec}
    )
    assert saved.status_code == 200, saved.text


def loans_app(client: TestClient, users: Users) -> TestClient:
    """The app, its form and published flow; a reviewer and a chair; the designer signed in
    (in a department, as the initiator of every simulation)."""
    created = client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"})
    assert created.status_code == 201, created.text
    define(client, "form", "application", FORM)
    users.role("reviewer", [])
    users.user("rev1", roles=("reviewer",), departments=("hq",))
    users.user("chair", departments=("hq",))
    define(client, "flow", "loan_review", FLOW)
    return users.client("designer", grants=DESIGN, departments=("hq",))


def simulate(client: TestClient, body: str | dict[str, Any], status: int = 200) -> Any:
    """POST a simulation; a text body is sent as it is (numbers exactly as written)."""
    text = body if isinstance(body, str) else jsonio.dumps(body)
    response = client.post(
        SIMULATE, content=text.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    return response.json()


def path(found: dict[str, Any]) -> list[str]:
    return [step["node"] for step in found["steps"]]


def test_a_condition_true_or_false_takes_another_path(client: TestClient, users: Users) -> None:
    designer = loans_app(client, users)
    small = simulate(designer, {"values": {"customer": "ACME", "amount": "500.00"}})
    assert path(small) == ["start", "review", "size", "end_small"]
    assert small["finished"] == {"outcome": "approved"}
    assert small["incident"] is None
    assert small["initiator"] == "designer"
    review = small["steps"][1]
    assert review["label"] == {"en": "Review", "zh-CN": "审查"}
    assert review["assignees"] == ["rev1"]
    assert review["decisions"] == [{"user": "rev1", "outcome": "approved"}]
    assert {"type": "notify", "kind": "assigned", "users": ["rev1"]} in review["effects"]

    large = simulate(designer, {"values": {"customer": "ACME", "amount": "2500000.00"}})
    assert path(large) == ["start", "review", "size", "committee", "mark", "route", "end_large"]
    mark = large["steps"][4]
    assert mark["effects"] == [{"type": "set_fields", "values": {"decision": "large"}}]
    assert large["values"]["decision"] == "large"  # the route's condition saw it
    statuses = {node["id"]: node["status"] for node in large["diagram"]["nodes"]}
    assert statuses["end_large"] == "done"
    assert statuses["end_small"] == "skipped"
    taken = {edge["id"] for edge in large["diagram"]["edges"] if edge["taken"]}
    assert taken == {"e1", "e2", "e3", "e5", "e6", "e7"}


def test_a_rejection_follows_the_rejected_path(client: TestClient, users: Users) -> None:
    designer = loans_app(client, users)
    values = {"customer": "ACME", "amount": "2500000.00"}
    declined = simulate(designer, {"values": values, "outcomes": {"review": "rejected"}})
    assert path(declined) == ["start", "review", "declined"]
    assert declined["steps"][1]["outcome"] == "rejected"
    assert declined["finished"] == {"outcome": "rejected"}
    vetoed = simulate(designer, {"values": values, "outcomes": {"committee": "rejected"}})
    assert path(vetoed) == ["start", "review", "size", "committee"]
    assert vetoed["finished"] == {"outcome": "rejected"}
    nodes = {node["id"]: node["status"] for node in vetoed["diagram"]["nodes"]}
    assert nodes["committee"] == "rejected"


def test_money_is_exact_at_the_threshold(client: TestClient, users: Users) -> None:
    designer = loans_app(client, users)
    at_limit = simulate(designer, '{"values": {"customer": "A", "amount": 1000000.00}}')
    assert "committee" not in path(at_limit)
    above = simulate(designer, '{"values": {"customer": "A", "amount": 1000000.01}}')
    assert "committee" in path(above)
    assert above["values"]["amount"] == "1000000.01"


def test_an_action_that_fails_stops_at_an_incident(client: TestClient, users: Users) -> None:
    designer = loans_app(client, users)
    spec = copy.deepcopy(FLOW)
    spec["nodes"][4] = {
        "id": "mark",
        "type": "action",
        "actions": [
            {"type": "set_fields", "values": {"decision": "string(amount / (amount - amount))"}}
        ],
    }
    save_draft(client, spec)
    found = simulate(designer, {"values": {"customer": "A", "amount": "2500000"}})
    assert found["status"] == "incident"
    assert found["finished"] is None
    assert found["incident"]["node"] == "mark"
    assert found["incident"]["code"] == "E_FLOW_EVALUATION"
    assert found["incident"]["message"].startswith("/nodes/4/actions/0/values/decision: ")
    assert found["incident"]["zh_cn"].startswith("/nodes/4/actions/0/values/decision：")
    assert path(found)[-1] == "mark"
    assert found["steps"][-1]["incident"] == found["incident"]
    nodes = {node["id"]: node["status"] for node in found["diagram"]["nodes"]}
    assert nodes["mark"] == "incident"
    assert nodes["end_large"] != "done"
    # the designer's page says why in the designer's language
    page = designer.get("/apps/loans/design/flows/loan_review/simulate")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    sent = {"csrf_token": csrf.group(1), "v.customer": "A", "v.amount": "2500000"}
    shown = designer.post("/apps/loans/design/flows/loan_review/simulate", data=sent)
    assert shown.status_code == 200, shown.text
    said = re.search(r'id="result-incident"[^>]*>(.*?)</p>', shown.text, re.S)
    assert said is not None
    assert html.unescape(found["incident"]["zh_cn"]) in html.unescape(said.group(1))
    # the published version still has its default edge
    published = simulate(designer, {"values": {"customer": "A", "amount": "2500000"}, "version": 1})
    assert published["finished"] == {"outcome": "approved"}
    assert published["version"] == 1


def test_bad_values_are_refused_with_their_pointers(client: TestClient, users: Users) -> None:
    designer = loans_app(client, users)
    refused = simulate(
        designer, {"values": {"amount": "lots", "kind": "other", "nope": 1}}, status=422
    )
    pointers = {item["pointer"]: item["code"] for item in refused["errors"]}
    assert set(pointers) == {"/values/amount", "/values/kind", "/values/nope"}
    assert pointers["/values/nope"] == "unknown_field"
    outcome = simulate(designer, {"outcomes": {"size": "approved", "ghost": "rejected"}}, 422)
    assert {item["pointer"] for item in outcome["errors"]} == {
        "/outcomes/size",
        "/outcomes/ghost",
    }
    unknown = simulate(designer, {"values": {}, "version": 7}, status=404)
    assert unknown["code"] == "version_not_found"


def test_a_draft_that_does_not_compile_is_refused_with_its_problems(
    client: TestClient, users: Users
) -> None:
    designer = loans_app(client, users)
    spec = copy.deepcopy(FLOW)
    spec["edges"][3] = {**spec["edges"][3], "condition": "amount > no_such_field"}
    save_draft(client, spec)
    refused = simulate(designer, {"values": {"customer": "A", "amount": "1"}}, status=422)
    assert refused["code"] == "definition_invalid"
    assert any(item["pointer"].startswith("/spec/edges/3") for item in refused["errors"])


def test_simulating_needs_the_design_right(client: TestClient, users: Users) -> None:
    loans_app(client, users)
    reviewer = users.sign_in("rev1")
    response = reviewer.post(SIMULATE, json={"values": {"customer": "A", "amount": "1"}})
    assert response.status_code == 403, response.text


def test_nothing_is_written(client: TestClient, users: Users, session: Session) -> None:
    designer = loans_app(client, users)
    tables = (FlowInstance, FlowTask, FlowHistory, Job, Notification, AuditEvent)

    def counts() -> dict[str, int]:
        session.expire_all()
        found = {
            table.__name__: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in tables
        }
        listed = client.get(f"{APP}/forms/application/records")
        assert listed.status_code == 200, listed.text
        found["records"] = listed.json()["total"]
        return found

    before = counts()
    for amount in ("500", "2500000"):
        simulate(designer, {"values": {"customer": "A", "amount": amount}})
    assert counts() == before


PAGE = "/apps/loans/design/flows/loan_review/simulate"
EN = {"Accept-Language": "en"}


def test_the_page_simulates_with_typed_inputs_and_outcome_selects(
    client: TestClient, users: Users
) -> None:
    designer = loans_app(client, users)
    page = designer.get(PAGE, headers=EN)
    assert page.status_code == 200, page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert 'name="v.amount"' in html
    assert 'inputmode="decimal"' in html
    assert '<select id="value-kind" name="v.kind">' in html
    assert 'name="o.review"' in html
    assert 'name="o.committee"' in html
    assert 'href="/apps/loans/design/flows/loan_review"' in html  # back to the canvas
    assert 'id="result"' not in html

    sent = {"version": "draft", "v.customer": "ACME", "v.amount": "2500000.00", "v.kind": ""}
    large = designer.post(PAGE, data={**sent, "o.committee": "approved"}, headers=EN)
    assert large.status_code == 200, large.text
    assert 'id="result-end"' in large.text
    assert '<g class="node-box done task" data-node="committee">' in large.text
    assert 'data-node="end_small"' in large.text
    steps = re.findall(r'<li class="simulation-step[^"]*" data-node="([^"]+)"', large.text)
    assert steps == ["start", "review", "size", "committee", "mark", "route", "end_large"]
    assert "Would ask (and notify): rev1" in large.text

    rejected = designer.post(PAGE, data={**sent, "o.review": "rejected"}, headers=EN)
    steps = re.findall(r'<li class="simulation-step[^"]*" data-node="([^"]+)"', rejected.text)
    assert steps == ["start", "review", "declined"]

    bad = designer.post(PAGE, data={**sent, "v.amount": "lots"}, headers=EN)
    assert bad.status_code == 200  # the page again, the problem next to its input
    assert 'id="value-amount-error"' in bad.text
    assert 'id="result"' not in bad.text


def test_the_page_is_for_designers_only(client: TestClient, users: Users) -> None:
    loans_app(client, users)
    reviewer = users.sign_in("rev1")
    assert reviewer.get(PAGE, headers=EN).status_code == 403


def test_a_loop_the_outcomes_never_leave_stops_at_the_step_limit(
    client: TestClient, users: Users
) -> None:
    designer = loans_app(client, users)
    spec = copy.deepcopy(FLOW)
    spec["edges"][2] = {"id": "e_rejected", "from": "review", "to": "review", "on": "rejected"}
    spec["nodes"] = [node for node in spec["nodes"] if node["id"] != "declined"]
    save_draft(client, spec)
    found = simulate(
        designer,
        {"values": {"customer": "A", "amount": "1"}, "outcomes": {"review": "rejected"}},
    )
    assert found["finished"] is None
    assert found["stopped"]["reason"] == "step_limit"
    assert found["stopped"]["nodes"] == ["review"]
    assert found["status"] == "running"


def test_the_page_lists_the_problems_of_a_draft_and_offers_the_published_version(
    client: TestClient, users: Users
) -> None:
    designer = loans_app(client, users)
    spec = copy.deepcopy(FLOW)
    spec["edges"][3] = {**spec["edges"][3], "condition": "amount > no_such_field"}
    save_draft(client, spec)
    page = designer.get(PAGE, headers=EN)
    assert page.status_code == 200, page.text
    assert 'id="simulate-problems"' in page.text
    assert "/spec/edges/3" in page.text
    assert '<option value="1">Published version 1</option>' in page.text
    sent = {"version": "1", "v.customer": "ACME", "v.amount": "2500000"}
    published = designer.post(PAGE, data=sent, headers=EN)
    assert 'id="simulate-problems"' not in published.text
    assert 'id="result-end"' in published.text
    assert '<option value="1" selected>Published version 1</option>' in published.text
