"""More flow commands over HTTP: out-of-office delegation at assignment, delegate (the task
comes back to its owner), add a signer, copy to others, urge, comment, and a subflow on the
same record."""

from __future__ import annotations

from typing import Any

from credit_flow import (
    API,
    APP,
    LEGAL_CHECK,
    RECORDS,
    act,
    application,
    credit_app,
    credit_flow,
    decide,
    define,
    start_legal_first,
    submit,
    todo,
)
from fastapi.testclient import TestClient

from conftest import Users


def detail(client: TestClient, instance: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"{API}/flow-instances/{instance['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_absent_approver_s_task_goes_to_their_delegate(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    away = bank["president"].post(
        f"{API}/me/out-of-office",
        json={"delegate": "risk1", "from": "2026-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"},
    )
    assert away.status_code == 201, away.text
    submit(bank, application(bank, "50000.00"))
    assert todo(bank["president"]) == []
    assert [t["node"] for t in todo(bank["risk1"])] == ["branch_review"]


def test_a_delegated_task_comes_back_to_its_owner(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    moved = act(bank["president"], task, "delegate", to="risk1", comment="please check")
    assert moved.status_code == 200, moved.text
    (delegated,) = todo(bank["risk1"])
    assert (delegated["node"], delegated["owner"]) == ("branch_review", "president")
    decide(bank["risk1"])  # an opinion: the owner decides
    assert [t["node"] for t in todo(bank["president"])] == ["branch_review"]
    decide(bank["president"])
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]
    assert detail(bank["rm"], started)["status"] == "running"


def test_add_a_signer_after_the_approver(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    added = act(bank["president"], task, "add-signer", users=["comp1"], position="after")
    assert added.status_code == 200, added.text
    decide(bank["president"])
    assert todo(bank["cm1"]) == []
    assert [t["node"] for t in todo(bank["comp1"])] == ["branch_review"]
    decide(bank["comp1"])
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]


def test_cc_urge_and_comment(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    copied = bank["rm"].post(
        f"{API}/flow-instances/{started['id']}/cc",
        json={"users": ["auditor"], "expected_version": started["version"]},
    )
    assert copied.status_code == 200, copied.text
    cc = bank["auditor"].get(f"{API}/inbox", params={"tab": "cc"}).json()
    assert cc["counts"]["cc"] == 1
    assert detail(bank["auditor"], started)["id"] == started["id"]  # a participant now
    (task,) = todo(bank["president"])
    urged = bank["rm"].post(f"{API}/tasks/{task['id']}/urge", headers={"Idempotency-Key": "urge-1"})
    assert urged.status_code == 200, urged.text
    version = detail(bank["rm"], started)["version"]
    every = bank["rm"].post(
        f"{API}/flow-instances/{started['id']}/urge", json={"expected_version": version}
    )
    assert every.status_code == 200, every.text
    (task,) = todo(bank["president"])
    version = detail(bank["president"], started)["version"]  # a comment expects the instance's
    commented = bank["president"].post(
        f"{API}/tasks/{task['id']}/comment",
        json={"expected_version": version, "comment": "need the balance sheet"},
    )
    assert commented.status_code == 200, commented.text
    empty = bank["president"].post(
        f"{API}/tasks/{task['id']}/comment", json={"expected_version": version + 1}
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["pointer"] == "/comment"
    lines = detail(bank["rm"], started)["timeline"]
    notices = [line["detail"]["kind"] for line in lines if line["action"] == "notified"]
    assert notices.count("urged") == 2
    assert "cc" in notices
    assert any(line["comment"] == "need the balance sheet" for line in lines)


def test_a_subflow_runs_on_the_same_record_and_resumes_its_parent(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    assert define(client, "flow", "legal_check", LEGAL_CHECK).status_code == 201
    parent_flow = credit_flow(
        size={"id": "size", "type": "subflow", "flow": "legal_check", "version": 1}
    )
    parent_flow["edges"] = [
        {"id": "e1", "from": "start", "to": "branch_review"},
        {"id": "e2", "from": "branch_review", "to": "size"},
        {"id": "e3", "from": "size", "to": "end"},
    ]
    parent_flow["nodes"] = [
        n for n in parent_flow["nodes"] if n["id"] in {"start", "branch_review", "size", "end"}
    ]
    assert define(client, "flow", "with_legal", parent_flow).status_code == 201
    record = application(bank, "50000.00")
    started = bank["rm"].post(f"{RECORDS}/{record['id']}/flows", json={"flow": "with_legal"})
    assert started.status_code == 201, started.text
    decide(bank["president"])
    flows = bank["rm"].get(f"{RECORDS}/{record['id']}/flows").json()["items"]
    assert [(f["flow"], f["status"]) for f in flows] == [
        ("with_legal", "running"),
        ("legal_check", "running"),
    ]
    assert flows[1]["parent"] == started.json()["id"]
    decide(bank["comp1"])
    flows = bank["rm"].get(f"{RECORDS}/{record['id']}/flows").json()["items"]
    assert [(f["flow"], f["status"]) for f in flows] == [
        ("with_legal", "approved"),
        ("legal_check", "approved"),
    ]
    assert client.get(f"{APP}/definitions/flow/legal_check").status_code == 200


def test_a_subflow_whose_parent_is_withdrawn_is_terminated_with_its_tasks(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    record, parent = start_legal_first(client, bank)
    withdrawn = bank["rm"].post(
        f"{API}/flow-instances/{parent['id']}/withdraw",
        json={"expected_version": parent["version"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    flows = bank["rm"].get(f"{RECORDS}/{record['id']}/flows").json()["items"]
    assert [(f["flow"], f["status"]) for f in flows] == [
        ("legal_first", "withdrawn"),
        ("legal_check", "terminated"),
    ]
    assert todo(bank["comp1"]) == []  # the subflow's task went with it
    child = detail(bank["rm"], flows[1])
    last = child["timeline"][-1]
    assert (last["action"], last["actor"], last["detail"]) == (
        "terminated",
        "system",
        {"parent": parent["id"], "node": "legal"},
    )
    assert [(t["node"], t["outcome"]) for t in child["tasks"]] == [("legal", "cancelled")]
