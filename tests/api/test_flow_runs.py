"""Flows over HTTP: the large-credit approval end to end, returns and resubmission, transfer,
withdraw, stale versions and idempotency keys, the inbox and the instance detail."""

from __future__ import annotations

from typing import Any

from alembic import command
from credit_flow import (
    API,
    COMMITTEE,
    RECORDS,
    act,
    application,
    credit_app,
    decide,
    submit,
    todo,
)
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from brickwork.platform.db import migrate
from conftest import Users


def detail(client: TestClient, instance: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"{API}/flow-instances/{instance['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_credit_approval_end_to_end(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    record = application(bank, "2500000.00")
    started = submit(bank, record)
    assert started["status"] == "running"
    assert [(t["node"], t["assignee"]) for t in started["tasks"]] == [
        ("branch_review", "president")
    ]
    decide(bank["president"], comment="good customer")
    # Above the threshold: risk and compliance in parallel.
    assert [t["node"] for t in todo(bank["risk1"])] == ["risk"]
    assert [t["node"] for t in todo(bank["comp1"])] == ["compliance"]
    assert todo(bank["cm1"]) == []
    decide(bank["risk1"])
    assert todo(bank["cm1"]) == []  # the join waits for compliance
    decide(bank["comp1"])
    for member in COMMITTEE[:2]:
        decide(bank[member])
    assert todo(bank["cm3"]) != []
    after = decide(bank["cm3"])  # 3 of 5 >= 0.6: decided early
    assert after["status"] == "approved"
    assert after["finished_at"] is not None
    for member in COMMITTEE[3:]:
        assert todo(bank[member]) == []  # the open votes were closed
    cc = bank["auditor"].get(f"{API}/inbox", params={"tab": "cc"}).json()
    assert [item["node"] for item in cc["items"]] == ["copy"]
    assert cc["counts"]["cc"] == 1
    shown = detail(bank["rm"], started)
    actions = [line["action"] for line in shown["timeline"]]
    deciders = [line["actor"] for line in shown["timeline"] if line["action"] == "approved"]
    assert deciders == ["president", "risk1", "comp1", *COMMITTEE[:3]], actions
    assert any(line["comment"] == "good customer" for line in shown["timeline"])
    statuses = {node["id"]: node["status"] for node in shown["diagram"]["nodes"]}
    assert statuses["committee"] == "done"
    assert statuses["end"] == "done"
    # The initiator's inbox lists the instance; the record lists its flow.
    initiated = bank["rm"].get(f"{API}/inbox", params={"tab": "initiated"}).json()
    assert [item["id"] for item in initiated["items"]] == [started["id"]]
    flows = bank["rm"].get(f"{RECORDS}/{record['id']}/flows").json()["items"]
    assert [(f["id"], f["status"]) for f in flows] == [(started["id"], "approved")]
    done = bank["president"].get(f"{API}/inbox", params={"tab": "done"}).json()
    assert [item["outcome"] for item in done["items"]] == ["approved"]
    assert done["items"][0]["node_label"] == {"en": "Branch president review"}
    assert done["counts"] == {"todo": 0, "done": 1, "initiated": 0, "cc": 0}


def test_a_small_credit_skips_risk_and_compliance(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    decide(bank["president"])
    assert todo(bank["risk1"]) == []
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]


def test_a_committee_majority_against_rejects(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    decide(bank["president"])
    decide(bank["cm1"], "reject")
    decide(bank["cm2"], "reject")
    after = decide(bank["cm3"], "reject")  # 3 against of 5: 60 % can no longer be reached
    assert after["status"] == "rejected"
    assert detail(bank["rm"], started)["status"] == "rejected"
    assert bank["auditor"].get(f"{API}/inbox", params={"tab": "cc"}).json()["items"] == []


def test_return_to_the_initiator_and_resubmit(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    returned = decide(bank["president"], "return", target="initiator", comment="add collateral")
    assert returned["status"] == "running"
    assert todo(bank["president"]) == []
    assert [(t["node"], t["kind"]) for t in returned["tasks"]] == [("start", "fill")]
    again = bank["rm"].post(
        f"{API}/flow-instances/{started['id']}/resubmit",
        json={"expected_version": returned["version"]},
    )
    assert again.status_code == 200, again.text
    assert [t["node"] for t in todo(bank["president"])] == ["branch_review"]
    timeline = detail(bank["president"], started)["timeline"]
    assert any(line["comment"] == "add collateral" for line in timeline)


def test_transfer_hands_the_task_over(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    moved = act(bank["president"], task, "transfer", to="risk1")
    assert moved.status_code == 200, moved.text
    assert todo(bank["president"]) == []
    assert [t["node"] for t in todo(bank["risk1"])] == ["branch_review"]
    decide(bank["risk1"])
    assert [t["node"] for t in todo(bank["cm1"])] == ["committee"]


def test_withdraw_before_the_first_decision_only(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    first = submit(bank, application(bank, "50000.00"))
    outsider = bank["outsider"].post(
        f"{API}/flow-instances/{first['id']}/withdraw",
        json={"expected_version": first["version"]},
    )
    assert outsider.status_code == 404  # an outsider does not see the instance
    withdrawn = bank["rm"].post(
        f"{API}/flow-instances/{first['id']}/withdraw",
        json={"expected_version": first["version"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert todo(bank["president"]) == []
    second = submit(bank, application(bank, "60000.00"))
    after = decide(bank["president"])
    refused = bank["rm"].post(
        f"{API}/flow-instances/{second['id']}/withdraw",
        json={"expected_version": after["version"]},
    )
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "flow_command_refused"
    assert body["current"]["status"] == "running"
    assert body["current"]["version"] == after["version"]


def test_a_stale_version_is_refused_with_the_current_state(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    stale = bank["president"].post(
        f"{API}/tasks/{task['id']}/approve", json={"expected_version": task["version"] + 1}
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["code"] == "flow_stale"
    assert stale.json()["current"]["version"] == started["version"]
    assert todo(bank["president"]) == [task]  # nothing happened
    theirs = act(bank["rm"], task)  # the initiator sees the task but it is not theirs
    assert theirs.status_code == 403
    assert (theirs.json()["code"], theirs.json()["errors"][0]["code"]) == (
        "flow_not_allowed",
        "E_FLOW_NOT_YOUR_TASK",
    )
    missing = bank["president"].post(f"{API}/tasks/{task['id']}/approve", json={})
    assert missing.status_code == 422
    assert missing.json()["code"] == "flow_version_required"
    assert act(bank["president"], task).status_code == 200
    again = act(bank["president"], task)
    assert again.status_code == 409
    assert again.json()["current"]["status"] == "running"


def test_an_idempotency_key_applies_a_command_once(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    headers = {"Idempotency-Key": "approve-once-1"}
    first = bank["president"].post(f"{API}/tasks/{task['id']}/approve", headers=headers)
    assert first.status_code == 200, first.text
    votes = [t["id"] for t in todo(bank["cm1"])]
    replay = bank["president"].post(f"{API}/tasks/{task['id']}/approve", headers=headers)
    assert replay.status_code == 409
    assert replay.json()["code"] == "flow_command_repeated"
    assert replay.json()["current"]["version"] == first.json()["version"]
    assert [t["id"] for t in todo(bank["cm1"])] == votes
    shown = detail(bank["rm"], started)
    assert shown["version"] == first.json()["version"]


def test_batch_approve_and_inbox_filters(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    for amount in ("10000.00", "20000.00", "30000.00"):
        submit(bank, application(bank, amount))
    tasks = todo(bank["president"])
    assert len(tasks) == 3
    page = bank["president"].get(f"{API}/inbox", params={"limit": 2}).json()
    assert (len(page["items"]), page["total"], page["counts"]["todo"]) == (2, 3, 3)
    other = bank["president"].get(f"{API}/inbox", params={"app": "other"}).json()
    assert (other["total"], other["counts"]) == (0, {"todo": 0, "done": 0, "initiated": 0, "cc": 0})
    large = bank["president"].get(f"{API}/inbox", params={"text": "large"}).json()
    assert (large["total"], large["counts"]["todo"], large["counts"]["done"]) == (3, 3, 0)
    items = [{"task": t["id"], "expected_version": t["version"]} for t in tasks]
    items[1]["expected_version"] += 5
    result = bank["president"].post(f"{API}/tasks/batch-approve", json={"tasks": items})
    assert result.status_code == 200, result.text
    assert [r["ok"] for r in result.json()["results"]] == [True, False, True]
    assert result.json()["results"][1]["code"] == "flow_stale"
    assert len(todo(bank["president"])) == 1


def test_who_may_see_an_instance(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)
    started = submit(bank, application(bank, "50000.00"))
    assert bank["president"].get(f"{API}/flow-instances/{started['id']}").status_code == 200
    hidden = bank["outsider"].get(f"{API}/flow-instances/{started['id']}")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "flow_instance_not_found"
    twice = bank["rm"].post(f"{RECORDS}/{started['record']}/flows", json={"flow": "large_credit"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "flow_already_running"
    stranger = bank["outsider"].post(
        f"{RECORDS}/{started['record']}/flows", json={"flow": "large_credit"}
    )
    assert (stranger.status_code, stranger.json()["code"]) == (403, "permission_denied")
    unknown = bank["rm"].post(f"{RECORDS}/{started['record']}/flows", json={"flow": "nope"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "flow_not_found"


def test_the_record_shows_the_status_of_its_flow(client: TestClient, users: Users) -> None:
    """`flow_status` (lists, filters, reports) follows the flow: running, then its outcome;
    the record's version does not move, so an edit opened before stays valid."""
    bank = credit_app(client, users)
    record = application(bank, "50000.00")
    assert record["flow_status"] is None
    submit(bank, record)
    shown = bank["rm"].get(f"{RECORDS}/{record['id']}").json()
    assert (shown["flow_status"], shown["version"]) == ("running", record["version"])
    listed = bank["rm"].get(RECORDS).json()["items"]
    assert [(item["id"], item["flow_status"]) for item in listed] == [(record["id"], "running")]
    other = application(bank, "70000.00")  # no flow on it
    pending = bank["rm"].get(RECORDS, params={"filter": 'flow_status = "running"'})
    assert [item["id"] for item in pending.json()["items"]] == [record["id"]], pending.text
    idle = bank["rm"].get(RECORDS, params={"filter": "flow_status = null"}).json()["items"]
    assert [item["id"] for item in idle] == [other["id"]]
    decide(bank["president"])
    for member in COMMITTEE[:3]:
        decide(bank[member])
    shown = bank["rm"].get(f"{RECORDS}/{record['id']}").json()
    assert (shown["flow_status"], shown["version"]) == ("approved", record["version"])
    edited = bank["rm"].patch(
        f"{RECORDS}/{record['id']}",
        json={"risk_note": "done"},
        headers={"If-Match": f'"{record["version"]}"'},
    )
    assert edited.status_code == 200, edited.text


def test_the_migration_sets_the_flow_status_of_records_flowed_before(
    client: TestClient, users: Users, connection: Connection
) -> None:
    """Records whose flows ran before the status was kept get it from migration 0019."""
    bank = credit_app(client, users)
    record, idle = application(bank, "50000.00"), application(bank, "70000.00")
    submit(bank, record)
    decide(bank["president"], "reject")  # the or-sign of the branch: rejected, the flow ends
    users.session.commit()
    (table,) = connection.execute(text("SELECT table_name FROM form_tables")).scalars()
    connection.execute(text(f"UPDATE {table} SET flow_status = NULL"))
    config = migrate.alembic_config()
    config.attributes["connection"] = connection  # the test's transaction: all rolled back
    command.downgrade(config, "0018")
    command.upgrade(config, "head")
    statuses = {item["id"]: item["flow_status"] for item in bank["rm"].get(RECORDS).json()["items"]}
    assert statuses == {record["id"]: "rejected", idle["id"]: None}
