"""Assignees read from the record over HTTP: a member field's user, the head of the department a
department field names, a role's holders in that department. Records keep users and
departments by id; the tasks go to those people, by username. A flow naming a field of another
type is refused when it is published."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from credit_flow import API, define
from fastapi.testclient import TestClient

from conftest import Users

APP = f"{API}/apps/loans"
RECORDS = f"{APP}/forms/loan/records"
FORM: dict[str, Any] = {
    "fields": [
        {"id": "f_amt", "key": "amount", "type": "decimal", "label": "Amount", "scale": 2},
        {"id": "f_off", "key": "officer", "type": "member", "label": "Loan officer"},
        {"id": "f_br", "key": "branch", "type": "department", "label": "Branch"},
        {"id": "f_note", "key": "note", "type": "text", "label": "Note"},
    ]
}
READ_WRITE = [{"app": "loans", "actions": ["create", "read", "update"], "rows": "all"}]
FIELD = {"type": "field", "field": "officer"}


def approval(node_id: str, assignee: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": "approval", "assignees": [assignee], "mode": "or"}


def loan_flow(officer: dict[str, Any]) -> dict[str, Any]:
    nodes = [
        {"id": "start", "type": "start"},
        approval("officer", officer),
        approval("head", {"type": "department_head", "of_field": "branch"}),
        approval("team", {"type": "role", "role": "teller", "department_field": "branch"}),
        {"id": "end", "type": "end"},
    ]
    order = [node["id"] for node in nodes]
    edges = [{"id": f"e{i}", "from": a, "to": b} for i, (a, b) in enumerate(pairwise(order))]
    return {"form": "loan", "nodes": nodes, "edges": edges}


def todo(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(f"{API}/inbox", params={"tab": "todo"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def approve(client: TestClient) -> dict[str, Any]:
    (task,) = todo(client)
    response = client.post(
        f"{API}/tasks/{task['id']}/approve", json={"expected_version": task["version"]}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    "officer",
    [FIELD, {"type": "expression", "expression": 'if amount > 100000 then officer else "nobody"'}],
    ids=["member field", "expression giving the field"],
)
def test_tasks_go_to_the_people_the_record_names(
    client: TestClient, users: Users, officer: dict[str, Any]
) -> None:
    assert client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}).status_code == 201
    assert define(client, "form", "loan", FORM, app="loans").status_code == 201
    users.role("teller", [])
    users.department("hq")
    north = users.department("north", parent="hq")
    south = users.department("south", parent="hq")
    clerk = users.client("clerk", grants=READ_WRITE, departments=("north",))
    people = {
        name: users.client(name, grants=READ_WRITE, roles=roles, departments=(where,))
        for name, roles, where in [
            ("officer_li", (), "north"),
            ("head_north", (), "north"),
            ("head_south", (), "south"),
            ("teller_north", ("teller",), "north"),
            ("teller_south", ("teller",), "south"),
        ]
    }
    ids = {name: users.identities.repo.user_by_username(users.session, name).id for name in people}
    north.head_user_id = ids["head_north"]
    south.head_user_id = ids["head_south"]
    users.session.commit()
    published = define(client, "flow", "loan_review", loan_flow(officer), app="loans")
    assert published.status_code == 201, published.text

    record = clerk.post(
        RECORDS, json={"amount": "250000.00", "officer": ids["officer_li"], "branch": north.id}
    )
    assert record.status_code == 201, record.text
    started = clerk.post(f"{RECORDS}/{record.json()['id']}/flows", json={"flow": "loan_review"})
    assert started.status_code == 201, started.text
    assert [(t["node"], t["assignee"]) for t in started.json()["tasks"]] == [
        ("officer", "officer_li")
    ]
    approve(people["officer_li"])
    assert todo(people["head_south"]) == []
    approve(people["head_north"])  # the head of the branch the record names
    assert todo(people["teller_south"]) == []
    finished = approve(people["teller_north"])  # the teller of that branch only
    assert finished["status"] == "approved"


def test_a_field_of_another_type_is_refused_at_publish(client: TestClient, users: Users) -> None:
    assert client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}).status_code == 201
    assert define(client, "form", "loan", FORM, app="loans").status_code == 201
    users.role("teller", [])
    refused = define(
        client, "flow", "loan_review", loan_flow({"type": "field", "field": "note"}), app="loans"
    )
    assert refused.status_code == 422, refused.text
    problems = {(p["code"], p["pointer"]) for p in refused.json()["errors"]}
    assert ("E_FLOW_FIELD_TYPE", "/spec/nodes/1/assignees/0/field") in problems, problems
    shown = client.get(f"{APP}/definitions/flow/loan_review")
    assert shown.json()["latest_version"] is None, shown.text  # nothing published


def test_conditions_name_people_by_username_and_departments_by_key(
    client: TestClient, users: Users
) -> None:
    """The record holds ids; a condition reads the officer by username and the branch by key,
    as the flow names them: `officer = initiator` is true on the officer's own loan."""
    assert client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}).status_code == 201
    assert define(client, "form", "loan", FORM, app="loans").status_code == 201
    users.department("hq")
    users.department("north", parent="hq")
    officer = users.client("officer_li", grants=READ_WRITE, departments=("north",))
    clerk = users.client("clerk", grants=READ_WRITE, departments=("north",))
    for name in ("checker", "north_desk", "anyone"):
        users.client(name, grants=READ_WRITE, departments=("hq",))
    nodes = [
        {"id": "start", "type": "start"},
        {"id": "route", "type": "exclusive"},
        approval("second_pair_of_eyes", {"type": "user", "user": "checker"}),
        approval("north_desk", {"type": "user", "user": "north_desk"}),
        approval("anyone", {"type": "user", "user": "anyone"}),
        {"id": "end", "type": "end"},
    ]
    edges = [
        {"id": "e0", "from": "start", "to": "route"},
        {
            "id": "own",
            "from": "route",
            "to": "second_pair_of_eyes",
            "priority": 1,
            "condition": "officer = initiator",
        },
        {
            "id": "north",
            "from": "route",
            "to": "north_desk",
            "priority": 2,
            "condition": 'branch = "north"',
        },
        {"id": "other", "from": "route", "to": "anyone", "default": True},
        *(
            {"id": f"z{i}", "from": n, "to": "end"}
            for i, n in enumerate(("second_pair_of_eyes", "north_desk", "anyone"))
        ),
    ]
    published = define(
        client, "flow", "loan_route", {"form": "loan", "nodes": nodes, "edges": edges}, app="loans"
    )
    assert published.status_code == 201, published.text

    def routed(starter: TestClient, **fields: Any) -> list[str]:
        record = starter.post(RECORDS, json={"amount": "1000.00", **fields})
        assert record.status_code == 201, record.text
        started = starter.post(
            f"{RECORDS}/{record.json()['id']}/flows", json={"flow": "loan_route"}
        )
        assert started.status_code == 201, started.text
        return [t["node"] for t in started.json()["tasks"]]

    assert routed(officer, officer="officer_li", branch="north") == ["second_pair_of_eyes"]
    assert routed(clerk, officer="officer_li", branch="north") == ["north_desk"]
    assert routed(clerk, officer="officer_li") == ["anyone"]


def test_the_task_page_names_the_people_and_departments_of_the_record(
    client: TestClient, users: Users
) -> None:
    """An approver reads who the record names by name, not by the ids it holds."""
    assert client.post(f"{API}/apps", json={"key": "loans", "label": "Loans"}).status_code == 201
    assert define(client, "form", "loan", FORM, app="loans").status_code == 201
    north = users.department("north")
    officer = users.client("officer_li", grants=READ_WRITE, departments=("north",))
    users.identities.repo.user_by_username(users.session, "officer_li").display_name = "李雷"
    users.session.commit()
    nodes = [
        {"id": "start", "type": "start"},
        approval("officer", FIELD),
        {"id": "end", "type": "end"},
    ]
    edges = [
        {"id": "e0", "from": "start", "to": "officer"},
        {"id": "e1", "from": "officer", "to": "end"},
    ]
    settings = {"initiator_is_approver": "handle"}
    flow = {"form": "loan", "settings": settings, "nodes": nodes, "edges": edges}
    assert define(client, "flow", "loan_review", flow, app="loans").status_code == 201
    record = officer.post(
        RECORDS, json={"amount": "10.00", "officer": "officer_li", "branch": "north"}
    )
    assert record.status_code == 201, record.text
    started = officer.post(f"{RECORDS}/{record.json()['id']}/flows", json={"flow": "loan_review"})
    assert started.status_code == 201, started.text
    (task,) = todo(officer)
    page = officer.get(f"/inbox/tasks/{task['id']}")
    assert page.status_code == 200, page.text
    officer_id = record.json()["officer"]
    assert officer_id not in page.text
    assert north.id not in page.text
    assert "李雷" in page.text
