"""The large-credit approval used by the flow API tests: an app `credit` with the form
`credit_application`, its people (account manager, branch president, risk and compliance
officers, a credit committee of five, an auditor in copy) and the flow `large_credit`:

submit -> branch review (head of the initiator's department) -> above the threshold, risk
management || compliance -> head-office credit committee vote (60 %) -> CC -> end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/credit"
RECORDS = f"{APP}/forms/credit_application/records"
COMMITTEE = ("cm1", "cm2", "cm3", "cm4", "cm5")
FORM: dict[str, Any] = {
    "fields": [
        {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f_amt", "key": "amount", "type": "decimal", "label": "Amount", "scale": 2},
        {"id": "f_note", "key": "risk_note", "type": "text", "label": "Risk note"},
        {"id": "f_stat", "key": "decision", "type": "text", "label": "Decision"},
    ]
}


# Rules around the flow: the creation of an application starts it; its outcome is logged.
LOG = {
    "fields": [
        {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f_event", "key": "event", "type": "text", "label": "Event"},
        {"id": "f_node", "key": "node", "type": "text", "label": "Node"},
        {"id": "f_outcome", "key": "outcome", "type": "text", "label": "Outcome"},
        {"id": "f_by", "key": "initiator", "type": "text", "label": "Initiator"},
    ]
}
ON_SUBMIT = {
    "trigger": {"on": "record", "form": "credit_application", "events": ["created"]},
    "condition": "amount > 0",
    "actions": [{"type": "start_flow", "flow": "large_credit"}],
}
LOG_VALUES = {
    "customer": "customer",
    "event": "flow.event",
    "node": "flow.node",
    "outcome": "flow.outcome",
    "initiator": "flow.initiator",
}
ON_FLOW = {
    "trigger": {
        "on": "flow",
        "form": "credit_application",
        "flow": "large_credit",
        "events": ["finished", "rejected"],
    },
    "actions": [{"type": "create_record", "form": "flow_log", "values": LOG_VALUES}],
}


def credit_flow(**changes: Any) -> dict[str, Any]:
    """The flow; `changes` replace nodes by id (a dict) or settings."""
    nodes: list[dict[str, Any]] = [
        {"id": "start", "type": "start"},
        {
            "id": "branch_review",
            "type": "approval",
            "label": {"en": "Branch president review"},
            "assignees": [{"type": "department_head", "of": "initiator"}],
            "mode": "or",
        },
        {"id": "size", "type": "exclusive"},
        {"id": "split", "type": "parallel"},
        {
            "id": "risk",
            "type": "approval",
            "assignees": [{"type": "role", "role": "risk_officer"}],
            "mode": "or",
        },
        {
            "id": "compliance",
            "type": "approval",
            "assignees": [{"type": "role", "role": "compliance_officer"}],
            "mode": "or",
        },
        {"id": "join", "type": "parallel"},
        {"id": "merge", "type": "exclusive"},
        {
            "id": "committee",
            "type": "approval",
            "assignees": [{"type": "role", "role": "credit_committee"}],
            "mode": "vote",
            "vote": {"pass_ratio": "0.6", "comparison": ">=", "early_decision": True},
        },
        {"id": "copy", "type": "cc", "assignees": [{"type": "user", "user": "auditor"}]},
        {"id": "end", "type": "end"},
    ]
    nodes = [changes.get(node["id"], node) for node in nodes]
    edges = [
        {"id": "e1", "from": "start", "to": "branch_review"},
        {"id": "e2", "from": "branch_review", "to": "size"},
        {"id": "e3", "from": "size", "to": "split", "condition": "amount > 1000000"},
        {"id": "e4", "from": "size", "to": "merge", "default": True},
        {"id": "e5", "from": "split", "to": "risk"},
        {"id": "e6", "from": "split", "to": "compliance"},
        {"id": "e7", "from": "risk", "to": "join"},
        {"id": "e8", "from": "compliance", "to": "join"},
        {"id": "e9", "from": "join", "to": "merge"},
        {"id": "e10", "from": "merge", "to": "committee"},
        {"id": "e11", "from": "committee", "to": "copy"},
        {"id": "e12", "from": "copy", "to": "end"},
    ]
    spec: dict[str, Any] = {"form": "credit_application", "nodes": nodes, "edges": edges}
    if "settings" in changes:
        spec["settings"] = changes["settings"]
    return spec


def define(
    client: TestClient, kind: str, key: str, spec: dict[str, Any], *, app: str = "credit"
) -> Any:
    """Create (when missing), save and publish a definition of `app`; the publish response."""
    base = f"{API}/apps/{app}/definitions"
    created = client.post(base, json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    saved = client.put(f"{base}/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    return client.post(f"{base}/{kind}/{key}/publish")


READ_WRITE = [{"app": "credit", "actions": ["create", "read", "update"], "rows": "all"}]


@dataclass
class Bank:
    admin: TestClient
    people: dict[str, TestClient]

    def __getitem__(self, name: str) -> TestClient:
        return self.people[name]


def credit_app(
    client: TestClient,
    users: Users,
    *,
    flow: dict[str, Any] | None = None,
    app_exists: bool = False,
) -> Bank:
    """The app (unless it exists), its form and published flow, and every person signed in."""
    if not app_exists:
        created = client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"})
        assert created.status_code == 201, created.text
    assert define(client, "form", "credit_application", FORM).status_code == 201
    for role in ("risk_officer", "compliance_officer", "credit_committee"):
        users.role(role, [])
    users.department("hq")
    users.department("north", parent="hq")
    people: dict[str, TestClient] = {}
    people["rm"] = users.client("rm", grants=READ_WRITE, departments=("north",))
    people["president"] = users.client("president", grants=READ_WRITE, departments=("north",))
    users.department("north").head_user_id = users.identities.repo.user_by_username(
        users.session, "president"
    ).id
    users.session.commit()
    people["risk1"] = users.client("risk1", roles=("risk_officer",), departments=("hq",))
    people["comp1"] = users.client("comp1", roles=("compliance_officer",), departments=("hq",))
    for name in COMMITTEE:
        people[name] = users.client(name, roles=("credit_committee",), departments=("hq",))
    people["auditor"] = users.client("auditor", departments=("hq",))
    people["outsider"] = users.client("outsider")
    published = define(client, "flow", "large_credit", flow or credit_flow())
    assert published.status_code == 201, published.text
    return Bank(client, people)


def application(bank: Bank, amount: str, customer: str = "ACME") -> dict[str, Any]:
    response = bank["rm"].post(RECORDS, json={"customer": customer, "amount": amount})
    assert response.status_code == 201, response.text
    return dict(response.json())


def submit(bank: Bank, record: dict[str, Any]) -> dict[str, Any]:
    response = bank["rm"].post(f"{RECORDS}/{record['id']}/flows", json={"flow": "large_credit"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def todo(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(f"{API}/inbox", params={"tab": "todo"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def act(client: TestClient, task: dict[str, Any], command: str = "approve", **body: Any) -> Any:
    """A command on `task` (an inbox item) with its expected version."""
    return client.post(
        f"{API}/tasks/{task['id']}/{command}",
        json={"expected_version": task["version"], **body},
    )


def decide(client: TestClient, command: str = "approve", **body: Any) -> dict[str, Any]:
    """The one open task of `client`'s user acted on; the instance after it."""
    (task,) = todo(client)
    response = act(client, task, command, **body)
    assert response.status_code == 200, response.text
    return dict(response.json())


LEGAL_CHECK: dict[str, Any] = {
    "form": "credit_application",
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "legal",
            "type": "approval",
            "mode": "or",
            "assignees": [{"type": "user", "user": "comp1"}],
        },
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "legal"},
        {"id": "e2", "from": "legal", "to": "end"},
    ],
}
"""A flow whose one step goes to comp1 (run as a subflow)."""


def start_legal_first(client: TestClient, bank: Bank) -> tuple[dict[str, Any], dict[str, Any]]:
    """Flows `legal_check` and `legal_first` (whose one step runs `legal_check` as a
    subflow) published, and `legal_first` started on a new application: the record and the
    parent instance, waiting for comp1's task in the subflow."""
    assert define(client, "flow", "legal_check", LEGAL_CHECK).status_code == 201
    parent = {
        "form": "credit_application",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "legal", "type": "subflow", "flow": "legal_check", "version": 1},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "legal"},
            {"id": "e2", "from": "legal", "to": "end"},
        ],
    }
    assert define(client, "flow", "legal_first", parent).status_code == 201
    record = application(bank, "50000.00")
    started = bank["rm"].post(f"{RECORDS}/{record['id']}/flows", json={"flow": "legal_first"})
    assert started.status_code == 201, started.text
    assert [t["node"] for t in todo(bank["comp1"])] == ["legal"]
    return record, dict(started.json())
