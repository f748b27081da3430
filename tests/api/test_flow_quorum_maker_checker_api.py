"""Over HTTP: a committee vote with a quorum, and maker-checker (the initiator is left out of
the approvers, and no task may be handed to them)."""

from __future__ import annotations

from typing import Any

from credit_flow import act, application, credit_app, credit_flow, decide, define, submit, todo
from fastapi.testclient import TestClient

from conftest import Users

MAKER = {"maker_checker": True}
BRANCH_WITH_MAKER = {
    "id": "branch_review",
    "type": "approval",
    "assignees": [
        {"type": "user", "user": "rm"},
        {"type": "department_head", "of": "initiator"},
    ],
    "mode": "all",
}


def committee(vote: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "committee",
        "type": "approval",
        "assignees": [{"type": "role", "role": "credit_committee"}],
        "mode": "vote",
        "vote": vote,
    }


def test_the_maker_is_not_asked_and_cannot_be_handed_a_task(
    client: TestClient, users: Users
) -> None:
    flow = credit_flow(settings=MAKER, branch_review=BRANCH_WITH_MAKER)
    bank = credit_app(client, users, flow=flow)
    submit(bank, application(bank, "50000.00"))
    assert todo(bank["rm"]) == []
    (task,) = todo(bank["president"])
    for command, body, pointer in [
        ("transfer", {"to": "rm"}, "/to"),
        ("delegate", {"to": "rm"}, "/to"),
        ("add-signer", {"users": ["comp1", "rm"], "position": "after"}, "/users/1"),
    ]:
        refused = act(bank["president"], task, command, **body)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["code"] == "flow_command_refused"
        assert [(e["code"], e["pointer"]) for e in problem["errors"]] == [
            ("E_FLOW_MAKER_CHECKER", pointer)
        ]
    assert todo(bank["rm"]) == []
    moved = act(bank["president"], task, "transfer", to="comp1")  # anyone else may take it
    assert moved.status_code == 200, moved.text


def test_without_maker_checker_the_maker_may_be_handed_a_task(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    submit(bank, application(bank, "50000.00"))
    (task,) = todo(bank["president"])
    moved = act(bank["president"], task, "transfer", to="rm")
    assert moved.status_code == 200, moved.text
    assert [t["node"] for t in todo(bank["rm"])] == ["branch_review"]


def test_a_maker_checker_flow_naming_the_initiator_is_refused_at_publish(
    client: TestClient, users: Users
) -> None:
    bank = credit_app(client, users)
    node = {"id": "branch_review", "type": "approval", "assignees": [{"type": "initiator"}]}

    refused = define(
        bank.admin, "flow", "large_credit", credit_flow(settings=MAKER, branch_review=node)
    )
    assert refused.status_code == 422, refused.text
    found = {(e["code"], e["pointer"]) for e in refused.json()["errors"]}
    assert ("E_FLOW_MAKER_CHECKER", "/spec/nodes/1/assignees/0") in found


def test_a_committee_vote_waits_for_its_quorum(client: TestClient, users: Users) -> None:
    vote = {"pass_ratio": "2/3", "quorum": "2/3", "early_decision": True}
    bank = credit_app(client, users, flow=credit_flow(committee=committee(vote)))
    submit(bank, application(bank, "50000.00"))
    decide(bank["president"])
    for member in ("cm1", "cm2", "cm3"):
        after = decide(bank[member])
        assert after["status"] == "running"  # 3 of 5 votes: below the quorum of 2/3 (3.33)
    after = decide(bank["cm4"])
    assert after["status"] == "approved"
    assert todo(bank["cm5"]) == []


def test_a_committee_vote_that_cannot_reach_its_quorum_is_rejected(
    client: TestClient, users: Users
) -> None:
    vote = {"pass_ratio": "2/3", "quorum": "2/3", "early_decision": True}
    bank = credit_app(client, users, flow=credit_flow(committee=committee(vote)))
    submit(bank, application(bank, "50000.00"))
    decide(bank["president"])
    decide(bank["cm1"])
    decide(bank["cm2"], "abstain")
    assert decide(bank["cm3"])["status"] == "running"  # 2 counted + 2 open = 4 >= 3.33
    assert decide(bank["cm4"], "abstain")["status"] == "rejected"  # at most 3 counted


def test_a_quorum_above_one_is_refused_with_a_pointer(client: TestClient, users: Users) -> None:
    bank = credit_app(client, users)

    flow = credit_flow(committee=committee({"pass_ratio": "2/3", "quorum": "7/6"}))
    refused = define(bank.admin, "flow", "large_credit", flow)
    assert refused.status_code == 422, refused.text
    pointers = {(e["code"], e["pointer"]) for e in refused.json()["errors"]}
    assert ("E_FLOW_SCHEMA", "/spec/nodes/8/vote/quorum") in pointers
