"""The approval form: `GET /tasks/{id}` shows a task's holder the record as the step shows it
(hidden fields left out, each field's level), the commands they may give now and where a
return may go; approvers without roles on the form still read it, nobody else sees the task."""

from __future__ import annotations

from typing import Any

from credit_flow import API, application, credit_app, credit_flow, decide, submit, todo
from fastapi.testclient import TestClient

from conftest import Users

BRANCH_REVIEW = {
    "id": "branch_review",
    "type": "approval",
    "assignees": [{"type": "department_head", "of": "initiator"}],
    "mode": "or",
    "allow": ["return", "transfer"],
    "field_permissions": {"risk_note": "hidden", "decision": "write"},
}


def view(client: TestClient, task: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"{API}/tasks/{task['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_step_decides_what_the_holder_sees_and_may_do(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users, flow=credit_flow(branch_review=BRANCH_REVIEW))
    record = application(bank, "50000.00")
    bank["rm"].patch(
        f"{API}/apps/credit/forms/credit_application/records/{record['id']}",
        json={"risk_note": "watch list"},
    )
    submit(bank, record)
    (task,) = todo(bank["president"])
    shown = view(bank["president"], task)
    assert shown["node"] == {
        "id": "branch_review",
        "type": "approval",
        "label": None,
        "mode": "or",
    }
    assert "risk_note" not in shown["record"]
    assert shown["record"]["customer"] == "ACME"
    assert shown["fields"] == {"customer": "read", "amount": "read", "decision": "write"}
    assert shown["commands"] == ["approve", "reject", "return", "transfer", "comment"]
    assert shown["return_targets"] == ["initiator"]
    # nobody else sees the task
    assert bank["risk1"].get(f"{API}/tasks/{task['id']}").status_code == 404
    # decided: the holder still looks at it, read-only
    decide(bank["president"])
    after = view(bank["president"], task)
    assert after["commands"] == ["comment"]
    assert after["fields"]["decision"] == "read"
    assert "risk_note" not in after["record"]


def test_an_approver_without_roles_on_the_form_reads_it_at_the_step(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    decide(bank["president"])
    (task,) = todo(bank["cm1"])  # a committee member: no grant on the credit app
    assert bank["cm1"].get(f"{API}/apps/credit/forms/credit_application/records").status_code == 403
    shown = view(bank["cm1"], task)
    assert shown["record"]["amount"] == "50000.00"
    assert set(shown["fields"].values()) == {"read"}  # nothing writable without `update`
    assert shown["commands"] == [
        "approve",
        "reject",
        "abstain",
        "return",
        "transfer",
        "delegate",
        "add-signer",
        "comment",
    ]
    assert shown["return_targets"] == ["branch_review", "initiator"]
