"""Approval modes, table-driven: single, or, all (countersign), sequential, vote; fill-in tasks,
CC nodes, ends and the effects each step reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flow_support import Driver, approval, chain, credit_spec

from brickwork.engines.flow import (
    Abstain,
    Approve,
    CommandRefused,
    Complete,
    Finished,
    History,
    NodeEntered,
    Notify,
    Reject,
    TaskClosed,
    TaskCreated,
)

USERS = ("u1", "u2", "u3")


def decide(driver: Driver, node: str, decisions: list[tuple[str, str]]) -> None:
    for user, decision in decisions:
        task = driver.task(node, user)
        event: Any = {"a": Approve, "r": Reject, "x": Abstain}[decision](user, task.id)
        driver.send(event)


@pytest.mark.parametrize(
    ("mode", "decisions", "status", "open_after"),
    [
        ("or", [("u2", "a")], "approved", []),
        ("or", [("u3", "r")], "rejected", []),
        ("all", [("u1", "a"), ("u2", "a")], "running", ["u3"]),
        ("all", [("u1", "a"), ("u2", "a"), ("u3", "a")], "approved", []),
        ("all", [("u1", "a"), ("u3", "r")], "rejected", []),
        ("sequential", [("u1", "a")], "running", ["u2"]),
        ("sequential", [("u1", "a"), ("u2", "a"), ("u3", "a")], "approved", []),
        ("sequential", [("u1", "a"), ("u2", "r")], "rejected", []),
    ],
)
def test_modes_decide_as_documented(
    mode: str, decisions: list[tuple[str, str]], status: str, open_after: list[str]
) -> None:
    driver = Driver(chain(approval("review", *USERS, mode=mode)))
    first = ["u1"] if mode == "sequential" else list(USERS)
    assert driver.assignees("review") == first
    decide(driver, "review", decisions)
    assert driver.state.status == status
    assert driver.assignees("review") == open_after


def test_or_sign_cancels_the_siblings() -> None:
    driver = Driver(chain(approval("review", *USERS, mode="or")))
    tasks = {t.assignee: t.id for t in driver.tasks("review")}
    effects = driver.send(Approve("u1", tasks["u1"], comment="fine"))
    closed = {e.task: e.outcome for e in effects if isinstance(e, TaskClosed)}
    assert closed == {tasks["u1"]: "approved", tasks["u2"]: "cancelled", tasks["u3"]: "cancelled"}
    assert History("u1", "approved", "review", tasks["u1"], "fine") in effects
    assert Finished("approved") in effects


def test_single_with_several_assignees_acts_as_or() -> None:
    driver = Driver(chain(approval("review", "u1", "u2", mode="single")))
    decide(driver, "review", [("u2", "a")])
    assert driver.state.status == "approved"


def test_a_decided_task_cannot_be_decided_again() -> None:
    driver = Driver(chain(approval("review", *USERS, mode="all")))
    task = driver.task("review", "u1")
    driver.send(Approve("u1", task.id))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Approve("u1", task.id))
    assert refused.value.code == "E_FLOW_UNKNOWN_TASK"
    assert refused.value.state == driver.state


VOTE_CASES = [
    # pass ratio, comparison, abstain, early, decisions, status
    ("0.6", ">=", "exclude", True, ["a", "a", "a"], "approved"),
    ("0.6", ">", "exclude", True, ["a", "a", "a"], "running"),
    ("0.6", ">", "exclude", True, ["a", "a", "a", "a"], "approved"),
    ("0.6", ">=", "exclude", True, ["r", "r", "r"], "rejected"),
    ("0.6", ">=", "exclude", False, ["a", "a", "a"], "running"),
    ("0.6", ">=", "exclude", False, ["a", "a", "a", "r", "r"], "approved"),
    ("0.5", ">=", "exclude", False, ["x", "x", "x", "a", "r"], "approved"),
    ("0.5", ">=", "exclude", True, ["x", "x", "x", "a"], "approved"),
    ("0.5", ">=", "against", True, ["x", "x", "x"], "rejected"),
    ("0.5", ">=", "for", True, ["x", "x", "x"], "approved"),
    ("0.5", ">=", "exclude", False, ["x", "x", "x", "x", "x"], "rejected"),
]


@pytest.mark.parametrize(("ratio", "comparison", "abstain", "early", "votes", "status"), VOTE_CASES)
def test_vote(
    ratio: str, comparison: str, abstain: str, early: bool, votes: list[str], status: str
) -> None:
    voters = tuple(f"v{i}" for i in range(1, 6))
    vote = {
        "pass_ratio": ratio,
        "comparison": comparison,
        "abstain": abstain,
        "early_decision": early,
    }
    driver = Driver(chain(approval("board", *voters, mode="vote", vote=vote)))
    decide(driver, "board", list(zip(voters, votes, strict=False)))
    assert driver.state.status == status


def test_abstaining_outside_a_vote_is_refused() -> None:
    driver = Driver(chain(approval("review", "u1")))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Abstain("u1", driver.task("review").id))
    assert refused.value.code == "E_FLOW_NOT_ALLOWED"


def test_fill_in_task_is_completed_not_approved() -> None:
    node = {"id": "fill", "type": "task", "assignees": [{"type": "initiator"}]}
    driver = Driver(chain(node))
    task = driver.task("fill", "am")
    assert task.kind == "fill"
    with pytest.raises(CommandRefused) as refused:
        driver.send(Approve("am", task.id))
    assert refused.value.code == "E_FLOW_TASK_KIND"
    driver.send(Complete("am", task.id))
    assert driver.state.status == "approved"


def test_cc_node_creates_read_only_tasks_and_passes() -> None:
    node = {"id": "copy", "type": "cc", "assignees": [{"type": "user", "user": "auditor"}]}
    driver = Driver(chain(node))
    created = [e for e in driver.effects if isinstance(e, TaskCreated)]
    assert [(e.assignee, e.kind) for e in created] == [("auditor", "cc")]
    assert Notify("cc", ("auditor",), created[0].task) in driver.effects
    assert driver.state.status == "approved"
    assert driver.state.tasks == ()


def test_rejection_without_rejected_edge_ends_rejected() -> None:
    driver = Driver(chain(approval("review", "u1"), approval("next", "u2")))
    driver.send(Reject("u1", driver.task("review").id))
    assert driver.state.status == "rejected"
    assert driver.state.rejected_node == "review"
    assert NodeEntered("next") not in driver.effects


def test_rejection_follows_a_rejected_edge() -> None:
    spec = chain(approval("review", "u1"))
    spec["nodes"].append(approval("appeal", "u9"))
    spec["edges"] += [
        {"id": "r1", "from": "review", "to": "appeal", "on": "rejected"},
        {"id": "r2", "from": "appeal", "to": "end"},
    ]
    driver = Driver(spec)
    driver.send(Reject("u1", driver.task("review").id))
    assert driver.assignees("appeal") == ["u9"]


def test_terminating_end_kills_other_branches() -> None:
    spec: dict[str, Any] = {
        "form": "f",
        "nodes": [
            {"id": "s", "type": "start"},
            {"id": "fork", "type": "parallel"},
            approval("a", "u1"),
            approval("b", "u2"),
            {"id": "stop", "type": "end", "terminate": True, "outcome": "rejected"},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "s", "to": "fork"},
            {"id": "e2", "from": "fork", "to": "a"},
            {"id": "e3", "from": "fork", "to": "b"},
            {"id": "e4", "from": "a", "to": "stop"},
            {"id": "e5", "from": "b", "to": "end"},
        ],
    }
    driver = Driver(spec)
    b_task = driver.task("b").id
    effects = driver.send(Approve("u1", driver.task("a").id))
    assert TaskClosed(b_task, "cancelled") in effects
    assert driver.state.status == "rejected"
    assert driver.state.tokens == ()


def test_credit_scenario_large_amount_runs_to_completion() -> None:
    driver = Driver(credit_spec(), record={"amount": Decimal("2000000")})
    decide(driver, "president", [("president", "a")])
    assert sorted(driver.assignees("risk") + driver.assignees("compliance")) == [
        "comp1",
        "risk1",
        "risk2",
    ]
    decide(driver, "risk", [("risk1", "a")])
    assert driver.assignees("committee") == []
    decide(driver, "compliance", [("comp1", "a")])
    decide(driver, "committee", [("c1", "a"), ("c2", "r"), ("c3", "a"), ("c4", "a")])
    assert driver.state.status == "approved"
    assert driver.state.tasks == ()
    assert driver.state.timers == ()


def test_credit_scenario_small_amount_skips_risk_and_compliance() -> None:
    driver = Driver(credit_spec(), record={"amount": Decimal("200000")})
    decide(driver, "president", [("president", "a")])
    assert driver.assignees("committee") == ["c1", "c2", "c3", "c4", "c5"]
    assert "risk" not in driver.state.path
