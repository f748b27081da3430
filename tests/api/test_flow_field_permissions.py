"""While a flow runs, the records layer enforces the field permissions of the step: an assignee
may change only the fields their node lets them write (403 with the field's pointer otherwise),
and every edit is a line of the instance's timeline with the form diff."""

from __future__ import annotations

from typing import Any

from credit_flow import API, RECORDS, application, credit_app, credit_flow, decide, submit
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent
from conftest import Users

REVIEW: dict[str, Any] = {
    "id": "branch_review",
    "type": "approval",
    "assignees": [{"type": "department_head", "of": "initiator"}],
    "mode": "or",
    "field_permissions": {"risk_note": "write"},
}


def test_an_assignee_writes_only_the_fields_of_the_step(
    client: TestClient, users: Users, session: Session
) -> None:
    bank = credit_app(client, users, flow=credit_flow(branch_review=REVIEW))
    record = application(bank, "50000.00")
    url = f"{RECORDS}/{record['id']}"
    # Before the flow the president edits as their roles allow.
    assert bank["president"].patch(url, json={"customer": "ACME Ltd"}).status_code == 200
    started = submit(bank, record)
    refused = bank["president"].patch(url, json={"amount": "90000.00", "risk_note": "ok"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "flow_field_not_writable"
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/amount"]
    kept = bank["president"].get(url).json()
    assert (kept["amount"], kept["risk_note"]) == ("50000.00", None)
    written = bank["president"].patch(url, json={"risk_note": "collateral checked"})
    assert written.status_code == 200, written.text
    # Someone without a task in the flow edits as their roles allow.
    assert bank["rm"].patch(url, json={"customer": "ACME Group"}).status_code == 200
    decide(bank["president"])
    # The president's task is closed: the flow no longer restricts them.
    assert bank["president"].patch(url, json={"amount": "51000.00"}).status_code == 200
    shown = bank["rm"].get(f"{API}/flow-instances/{started['id']}").json()
    edits = [
        (line["actor"], line["detail"]["changes"])
        for line in shown["timeline"]
        if line["action"] == "record_edited"
    ]
    assert edits[0] == (
        "president",
        {"risk_note": {"before": None, "after": "collateral checked"}},
    )
    assert edits[1][0] == "rm"
    assert set(edits[1][1]) == {"customer"}
    assert edits[2][0] == "president"
    assert set(edits[2][1]) == {"amount"}
    audited = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == started["id"])
    ).all()
    assert "flow.approved" in audited
    assert "flow.record_edited" in audited
