"""What administrators of an app do to its flows over HTTP, each with a reason and nobody else:
end an instance started in error (or one nobody can move on), whose tasks go and whose record
may start a flow again; give a task to someone else when its holder left or is away."""

from __future__ import annotations

from typing import Any

import pytest
from credit_flow import (
    API,
    RECORDS,
    Bank,
    act,
    application,
    credit_app,
    decide,
    start_legal_first,
    submit,
    todo,
)
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent
from conftest import Users

ADMIN = [{"app": "credit", "actions": ["admin", "read", "update"], "rows": "all"}]
REASON = "opened for the wrong customer"


def bank_with_admin(client: TestClient, users: Users) -> Bank:
    bank = credit_app(client, users)
    bank.people["ops_admin"] = users.client("ops_admin", grants=ADMIN)
    return bank


def terminate(client: TestClient, instance: dict[str, Any], **body: Any) -> Any:
    return client.post(
        f"{API}/flow-instances/{instance['id']}/terminate",
        json={"expected_version": instance["version"], "reason": REASON, **body},
    )


def test_an_administrator_terminates_an_instance_and_the_record_may_start_again(
    client: TestClient, users: Users, session: Session
) -> None:
    bank = bank_with_admin(client, users)
    record = application(bank, "2000000.00")
    started = submit(bank, record)
    running = decide(bank["president"])  # risk and compliance are asked in parallel
    assert [t["node"] for t in todo(bank["risk1"])] == ["risk"]
    assert [t["node"] for t in todo(bank["comp1"])] == ["compliance"]
    ended = terminate(bank["ops_admin"], running)
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["tasks"]) == ("terminated", [])
    assert todo(bank["risk1"]) == todo(bank["comp1"]) == []
    detail = bank["ops_admin"].get(f"{API}/flow-instances/{started['id']}").json()
    assert {(t["node"], t["outcome"]) for t in detail["tasks"] if t["node"] != "start"} == {
        ("branch_review", "approved"),
        ("risk", "cancelled"),
        ("compliance", "cancelled"),
    }
    line = next(line for line in detail["timeline"] if line["action"] == "terminate")
    assert (line["actor"], line["comment"]) == ("ops_admin", REASON)
    shown = bank["rm"].get(f"{RECORDS}/{record['id']}").json()
    assert shown["flow_status"] == "terminated"
    notices = bank["rm"].get(f"{API}/me/notifications").json()["items"]
    assert [n["kind"] for n in notices] == ["flow.finished"]
    audited = session.scalars(
        select(AuditEvent.actor).where(
            AuditEvent.object_id == started["id"], AuditEvent.action == "flow.terminate"
        )
    ).all()
    assert audited == ["ops_admin"]
    again = submit(bank, record)  # one flow at a time per record: the terminated one is over
    assert again["status"] == "running"
    assert [t["node"] for t in todo(bank["president"])] == ["branch_review"]


@pytest.mark.parametrize("who", ["rm", "president", "risk1"])
def test_only_administrators_of_the_app_terminate(
    client: TestClient, users: Users, who: str
) -> None:
    """Not the initiator (who withdraws instead), nor an approver holding a task of it."""
    bank = bank_with_admin(client, users)
    instance = submit(bank, application(bank, "2000000.00"))
    if who == "risk1":
        instance = decide(bank["president"])  # risk1 now holds a task of it
    refused = terminate(bank[who], instance)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "permission_denied"
    still = bank["ops_admin"].get(f"{API}/flow-instances/{instance['id']}").json()
    assert (still["status"], still["version"]) == ("running", instance["version"])


def test_a_reason_that_shows_nothing_is_refused_with_a_pointer(
    client: TestClient, users: Users
) -> None:
    bank = bank_with_admin(client, users)
    instance = submit(bank, application(bank, "50000.00"))
    for reason in ("", "  \t ", "\u200b\u200b\u200b\u200b\u200b\u200b", "oops"):
        refused = terminate(bank["ops_admin"], instance, reason=reason)
        assert refused.status_code == 422, (reason, refused.text)
        assert refused.json()["code"] == "terminate_reason_required"
        assert refused.json()["errors"][0]["pointer"] == "/reason"
    missing = bank["ops_admin"].post(
        f"{API}/flow-instances/{instance['id']}/terminate",
        json={"expected_version": instance["version"]},
    )
    assert missing.status_code == 422, missing.text
    assert todo(bank["president"]) != []


def test_a_stale_or_repeated_termination_changes_nothing(client: TestClient, users: Users) -> None:
    bank = bank_with_admin(client, users)
    instance = submit(bank, application(bank, "50000.00"))
    moved = decide(bank["president"])
    stale = terminate(bank["ops_admin"], instance)  # the version before the approval
    assert stale.status_code == 409, stale.text
    assert stale.json()["code"] == "flow_stale"
    assert stale.json()["current"]["version"] == moved["version"]
    ended = terminate(bank["ops_admin"], moved)
    assert ended.status_code == 200, ended.text
    again = terminate(bank["ops_admin"], ended.json())
    assert again.status_code == 409, again.text
    assert (again.json()["code"], again.json()["errors"][0]["code"]) == (
        "flow_command_refused",
        "E_FLOW_FINISHED",
    )
    keyed = bank["ops_admin"].post(
        f"{API}/flow-instances/{instance['id']}/terminate",
        json={"reason": REASON},
        headers={"Idempotency-Key": "end-1"},
    )
    assert keyed.status_code == 409, keyed.text
    assert keyed.json()["code"] == "flow_command_refused"


def test_terminating_a_parent_terminates_its_running_subflow(
    client: TestClient, users: Users
) -> None:
    bank = bank_with_admin(client, users)
    record, started = start_legal_first(client, bank)
    ended = terminate(bank["ops_admin"], started)
    assert ended.status_code == 200, ended.text
    flows = bank["rm"].get(f"{RECORDS}/{record['id']}/flows").json()["items"]
    assert [(f["flow"], f["status"]) for f in flows] == [
        ("legal_first", "terminated"),
        ("legal_check", "terminated"),
    ]
    assert todo(bank["comp1"]) == []


def reassign(client: TestClient, task: dict[str, Any], **body: Any) -> Any:
    return client.post(
        f"{API}/tasks/{task['id']}/reassign",
        json={"expected_version": task["version"], "reason": "left the branch", **body},
    )


def test_an_administrator_gives_a_task_to_someone_else(
    client: TestClient, users: Users, session: Session
) -> None:
    bank = bank_with_admin(client, users)
    started = submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    moved = reassign(bank["ops_admin"], task, to="risk1")
    assert moved.status_code == 200, moved.text
    assert [(t["node"], t["assignee"]) for t in moved.json()["tasks"]] == [
        ("branch_review", "risk1")
    ]
    assert todo(bank["president"]) == []
    (given,) = todo(bank["risk1"])
    notices = bank["risk1"].get(f"{API}/me/notifications").json()["items"]
    assert [n["kind"] for n in notices] == ["flow.assigned"]
    detail = bank["ops_admin"].get(f"{API}/flow-instances/{started['id']}").json()
    line = next(line for line in detail["timeline"] if line["action"] == "reassign")
    assert (line["actor"], line["comment"], line["detail"]) == (
        "ops_admin",
        "left the branch",
        {"from": "president", "to": "risk1"},
    )
    audited = session.scalars(
        select(AuditEvent.actor).where(
            AuditEvent.object_id == started["id"], AuditEvent.action == "flow.reassign"
        )
    ).all()
    assert audited == ["ops_admin"]
    decided = act(bank["risk1"], given)
    assert decided.status_code == 200, decided.text
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("rm", 403, "permission_denied"),  # the initiator
        ("president", 403, "permission_denied"),  # the holder, who transfers instead
        ("risk1", 404, "task_not_found"),  # someone the instance does not concern
    ],
)
def test_only_administrators_of_the_app_reassign(
    client: TestClient, users: Users, who: str, status: int, code: str
) -> None:
    bank = bank_with_admin(client, users)
    submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    refused = reassign(bank[who], task, to="cm1")
    assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
    assert [t["id"] for t in todo(bank["president"])] == [task["id"]]


def test_reassign_refusals_name_what_is_wrong(client: TestClient, users: Users) -> None:
    bank = bank_with_admin(client, users)
    submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    admin = bank["ops_admin"]
    short = reassign(admin, task, to="risk1", reason=" \u200b ")
    assert (short.status_code, short.json()["code"]) == (422, "reassign_reason_required")
    assert short.json()["errors"][0]["pointer"] == "/reason"
    nobody = reassign(admin, task, to="nobody.here")
    assert nobody.status_code == 409, nobody.text
    assert nobody.json()["errors"][0]["code"] == "E_FLOW_UNKNOWN_USER"
    same = reassign(admin, task, to="president")
    assert same.json()["errors"][0]["code"] == "E_FLOW_NOT_ALLOWED"
    stale = reassign(admin, {**task, "version": task["version"] + 1}, to="risk1")
    assert (stale.status_code, stale.json()["code"]) == (409, "flow_stale")
    missing = reassign(admin, {**task, "id": 999_999}, to="risk1")
    assert (missing.status_code, missing.json()["code"]) == (404, "task_not_found")
    assert [t["id"] for t in todo(bank["president"])] == [task["id"]]
