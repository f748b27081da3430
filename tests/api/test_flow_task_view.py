"""The approval form: `GET /tasks/{id}` shows a task's holder the record as the step shows it
(hidden fields left out, each field's level), the commands they may give now and where a
return may go; approvers without roles on the form still read it, nobody else sees the task."""

from __future__ import annotations

from typing import Any

from credit_flow import (
    API,
    FORM,
    application,
    credit_app,
    credit_flow,
    decide,
    define,
    submit,
    todo,
)
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


def test_a_field_hidden_at_a_step_cannot_be_renamed_under_a_running_instance(
    client: TestClient, users: Users
) -> None:
    """Instances keep the version they started with. Renaming the field hidden at a step is
    refused while an instance on that version runs (a fixed latest version does not help), so
    the old step can never lose track of it and show it."""
    bank = credit_app(client, users, flow=credit_flow(branch_review=BRANCH_REVIEW))
    record = application(bank, "50000.00")
    records = f"{API}/apps/credit/forms/credit_application/records"
    bank["rm"].patch(f"{records}/{record['id']}", json={"risk_note": "watch list"})
    submit(bank, record)
    (task,) = todo(bank["president"])

    open_review = {**BRANCH_REVIEW, "field_permissions": {"decision": "write"}}
    assert (
        define(client, "flow", "large_credit", credit_flow(branch_review=open_review)).status_code
        == 201
    )
    renamed = {
        "fields": [
            {**f, "key": "risk_comment"} if f["key"] == "risk_note" else f for f in FORM["fields"]
        ]
    }
    refused = define(client, "form", "credit_application", renamed)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "flows_broken_by_change"
    pointers = [e["pointer"] for e in refused.json()["errors"]]
    assert pointers == ["/flows/large_credit/versions/1/nodes/1/field_permissions/risk_note"]
    assert "watch list" not in refused.text

    shown = view(bank["president"], task)
    assert "risk_note" not in shown["record"]
    assert "watch list" not in str(shown)


def test_a_process_holding_an_older_compile_hides_fields_added_since(
    client: TestClient, users: Users, session: Any
) -> None:
    """Another process may still hold a flow version compiled before a form change (each
    process compiles again only when it publishes): a field that compile does not know is
    hidden at every step, never shown by default."""
    bank = credit_app(client, users, flow=credit_flow(branch_review=BRANCH_REVIEW))
    record = application(bank, "50000.00")
    submit(bank, record)
    (task,) = todo(bank["president"])
    runs = client.app.state.services.runs  # type: ignore[attr-defined]
    compiled_before = runs.compiler.pinned(session, "credit", "large_credit", 1)
    grown = {
        "fields": [
            *FORM["fields"],
            {"id": "f_rating", "key": "rating", "type": "text", "label": "Internal rating"},
        ]
    }
    assert define(client, "form", "credit_application", grown).status_code == 201
    records = f"{API}/apps/credit/forms/credit_application/records"
    rated = bank["rm"].patch(f"{records}/{record['id']}", json={"rating": "B-"})
    assert rated.status_code == 200, rated.text
    assert view(bank["president"], task)["fields"]["rating"] == "read"  # compiled again here

    runs.compiler._compiled.put(("credit", "large_credit", 1), compiled_before)  # stale process
    shown = view(bank["president"], task)
    assert "rating" not in shown["record"]
    assert "rating" not in shown["fields"]
    assert "B-" not in str(shown)
