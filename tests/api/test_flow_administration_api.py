"""What administrators of an app do to its flows over HTTP, each with a reason and nobody else:
end an instance started in error (or one nobody can move on), whose tasks go and whose record
may start a flow again; see who holds which open task and what is overdue; give a task, or all
of one holder's tasks, to someone else when its holder left or is away."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from credit_flow import (
    API,
    RECORDS,
    Bank,
    act,
    application,
    credit_app,
    credit_flow,
    decide,
    start_legal_first,
    submit,
    todo,
)
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent
from conftest import FakeClock, Users

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


def test_administrators_see_who_holds_which_task_and_what_is_overdue(
    client: TestClient, users: Users, clock: FakeClock
) -> None:
    review = {**credit_flow()["nodes"][1], "sla": {"duration": "PT5M"}}
    bank = credit_app(client, users, flow=credit_flow(branch_review=review))
    ops = bank.people["ops_admin"] = users.client("ops_admin", grants=ADMIN)
    first = submit(bank, application(bank, "50000.00"))
    clock.now += timedelta(minutes=10)  # the first task is past its five minutes
    second = submit(bank, application(bank, "60000.00", customer="Globex"))
    tasks = f"{API}/apps/credit/flow-tasks"
    held = ops.get(tasks, params={"assignee": "president"})
    assert held.status_code == 200, held.text
    assert held.json()["total"] == 2
    listed = [
        (item["flow"]["id"], item["node"], item["node_label"]) for item in held.json()["items"]
    ]
    assert listed == [
        (first["id"], "branch_review", {"en": "Branch president review"}),
        (second["id"], "branch_review", {"en": "Branch president review"}),
    ]
    late = ops.get(tasks, params={"overdue": True}).json()
    assert [item["flow"]["id"] for item in late["items"]] == [first["id"]]
    assert ops.get(tasks, params={"assignee": "risk1"}).json()["total"] == 0
    for who in ("president", "rm"):
        refused = bank[who].get(tasks)
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_a_leaver_s_open_tasks_are_handed_over_in_one_call(
    client: TestClient, users: Users
) -> None:
    bank = bank_with_admin(client, users)
    for customer in ("ACME", "Globex"):
        submit(bank, application(bank, "50000.00", customer=customer))
    handover = f"{API}/apps/credit/flow-tasks/handover"
    body = {"from": "president", "to": "risk1", "reason": "the president retired"}
    refused = bank["president"].post(handover, json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    short = bank["ops_admin"].post(handover, json={**body, "reason": "bye"})
    assert (short.status_code, short.json()["code"]) == (422, "reassign_reason_required")
    moved = bank["ops_admin"].post(handover, json=body)
    assert moved.status_code == 200, moved.text
    assert [r["ok"] for r in moved.json()["results"]] == [True, True]
    assert moved.json()["still_open"] == 0
    assert todo(bank["president"]) == []
    assert [t["node"] for t in todo(bank["risk1"])] == ["branch_review", "branch_review"]
    stuck = bank["ops_admin"].post(handover, json={**body, "from": "risk1", "to": "nobody.here"})
    assert stuck.status_code == 200, stuck.text
    assert [(r["ok"], r["code"]) for r in stuck.json()["results"]] == [
        (False, "flow_command_refused"),
        (False, "flow_command_refused"),
    ]
    assert stuck.json()["still_open"] == 2
    assert len(todo(bank["risk1"])) == 2


def test_an_administrator_s_token_acts_only_within_its_scopes(
    client: TestClient, users: Users
) -> None:
    """The administration of flows is the `admin` action: a token of an administrator that
    names only `read` (or another app) may not use it; one naming `admin:credit` may."""
    bank = bank_with_admin(client, users)
    instance = submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])

    def bearer(*scopes: str) -> dict[str, str]:
        made = bank["ops_admin"].post(f"{API}/auth/tokens", json={"name": "t", "scopes": scopes})
        assert made.status_code == 201, made.text
        return {"Authorization": f"Bearer {made.json()['token']}"}

    tasks = f"{API}/apps/credit/flow-tasks"
    for narrow in (bearer("read"), bearer("admin:other", "read:credit")):
        anonymous = TestClient(client.app, raise_server_exceptions=False)
        anonymous.headers.update(narrow)
        answers = [
            anonymous.get(tasks),
            anonymous.post(
                f"{tasks}/handover", json={"from": "president", "to": "risk1", "reason": REASON}
            ),
            terminate(anonymous, instance),
            reassign(anonymous, task, to="risk1"),
        ]
        assert [(a.status_code, a.json()["code"]) for a in answers] == [
            (403, "token_scope_insufficient")
        ] * 4, [a.text for a in answers]
    assert [t["id"] for t in todo(bank["president"])] == [task["id"]]
    scoped = TestClient(client.app, raise_server_exceptions=False)
    scoped.headers.update(bearer("admin:credit", "read:credit"))
    assert scoped.get(tasks).json()["total"] == 1
    assert reassign(scoped, task, to="risk1").status_code == 200
