"""Assignee resolution (every kind, de-duplicated, snapshotted at node entry) and the
policies: out-of-office delegates, empty assignees, initiator-is-approver, de-duplication."""

from __future__ import annotations

from typing import Any

import pytest
from flow_support import Driver, approval, bank, chain, env

from brickwork.engines.flow import Approve, History, compile_flow


def node(*assignees: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "a", "type": "approval", "assignees": list(assignees), **extra}


RECORD = {  # member and department fields hold ids; an id of nobody is left out
    "amount": 10,
    "branch": ["d-sh", "d-gone"],
    "relationship_manager": ["u-rm1", "u-rm2", "u-rm1", "u-gone"],
    "risk_level": "high",
}


@pytest.mark.parametrize(
    ("assignees", "expected"),
    [
        ([{"type": "user", "user": "zoe"}], ["zoe"]),
        ([{"type": "role", "role": "risk_officer"}], ["risk1", "risk2"]),
        ([{"type": "role", "role": "risk_officer", "department": "east"}], []),
        ([{"type": "role", "role": "risk_officer", "department": "hq"}], ["risk1", "risk2"]),
        ([{"type": "role", "role": "risk_officer", "department_field": "branch"}], []),
        ([{"type": "role", "role": "teller", "department_field": "branch"}], ["teller_sh"]),
        ([{"type": "department_head", "of": "initiator"}], ["president"]),
        ([{"type": "department_head", "of_field": "branch"}], ["president"]),
        ([{"type": "manager"}], ["president"]),
        ([{"type": "manager", "levels": 3}], ["president", "regional", "ceo"]),
        ([{"type": "field", "field": "relationship_manager"}], ["rm1", "rm2"]),
        (
            [{"type": "expression", "expression": 'if risk_level = "high" then "cro" else "x"'}],
            ["cro"],
        ),
        ([{"type": "expression", "expression": '["p", initiator]'}], ["p", "am"]),
        (  # a member field's value is a user id: the user it names
            [
                {
                    "type": "expression",
                    "expression": 'if amount > 5 then relationship_manager[2] else "x"',
                }
            ],
            ["rm2"],
        ),
        (
            [
                {"type": "user", "user": "risk2"},
                {"type": "role", "role": "risk_officer"},
                {"type": "user", "user": "risk2"},
            ],
            ["risk2", "risk1"],
        ),
    ],
)
def test_assignees_resolve_in_order_without_duplicates(
    assignees: list[dict[str, Any]], expected: list[str]
) -> None:
    settings = {
        "empty_assignee": {"policy": "user", "user": "nobody"},
        "initiator_is_approver": "handle",
    }
    driver = Driver(chain(node(*assignees, mode="all"), settings=settings), record=RECORD)
    assert driver.assignees("a") == (expected or ["nobody"])


def test_manager_of_a_department_head_is_the_parent_head() -> None:
    driver = Driver(chain(node({"type": "manager"})), initiator="president")
    assert driver.assignees("a") == ["regional"]


def test_assignees_are_snapshotted_at_entry() -> None:
    driver = Driver(chain(node({"type": "role", "role": "risk_officer"}, mode="all")))
    driver.directory.roles["risk_officer"].append(("risk3", "hq"))
    driver.send(Approve("risk1", driver.task("a", "risk1").id))
    driver.send(Approve("risk2", driver.task("a", "risk2").id))
    assert driver.state.status == "approved"


def test_out_of_office_delegate_and_inactive_users() -> None:
    directory = bank()
    directory.away["risk1"] = "deputy"
    directory.inactive.add("risk2")
    driver = Driver(
        chain(node({"type": "role", "role": "risk_officer"}, mode="all")), directory=directory
    )
    assert driver.assignees("a") == ["deputy"]
    assert (
        History("system", "out_of_office", "a", detail={"user": "risk1", "delegate": "deputy"})
        in driver.effects
    )


def test_a_delegation_is_not_passed_on_by_an_absent_delegate() -> None:
    directory = bank()
    directory.away["risk1"] = "deputy"
    directory.away["deputy"] = "risk2"
    driver = Driver(chain(node({"type": "user", "user": "risk1"})), directory=directory)
    assert driver.assignees("a") == ["deputy"]


def test_an_absent_user_named_twice_is_replaced_once() -> None:
    directory = bank()
    directory.away["risk1"] = "deputy"
    assignees = ({"type": "user", "user": "risk1"}, {"type": "role", "role": "risk_officer"})
    driver = Driver(chain(node(*assignees, mode="all")), directory=directory)
    assert driver.assignees("a") == ["deputy", "risk2"]
    replaced = [e for e in driver.effects if isinstance(e, History) and e.action == "out_of_office"]
    assert replaced == [
        History("system", "out_of_office", "a", detail={"user": "risk1", "delegate": "deputy"})
    ]


@pytest.mark.parametrize(
    ("policy", "expected", "status"),
    [
        ({"policy": "skip"}, [], "approved"),
        ({"policy": "user", "user": "backup"}, ["backup"], "running"),
        ({"policy": "admin"}, ["admin"], "running"),
    ],
)
def test_empty_assignee_policy(policy: dict[str, Any], expected: list[str], status: str) -> None:
    spec = chain(
        node({"type": "role", "role": "nobody_has_it"}), settings={"empty_assignee": policy}
    )
    roles = frozenset({"risk_officer", "nobody_has_it"})  # a role the app has, held by nobody
    driver = Driver(compile_flow(spec, env(roles=roles)))
    assert driver.assignees("a") == expected
    assert driver.state.status == status


@pytest.mark.parametrize(
    ("policy", "mode", "expected", "status"),
    [
        ("approve", "all", ["ub"], "running"),
        ("approve", "or", [], "approved"),
        ("handle", "all", ["am", "ub"], "running"),
        ("skip_node", "all", [], "approved"),
    ],
)
def test_initiator_is_approver(policy: str, mode: str, expected: list[str], status: str) -> None:
    spec = chain(approval("a", "am", "ub", mode=mode), settings={"initiator_is_approver": policy})
    driver = Driver(spec)
    assert driver.assignees("a") == expected
    assert driver.state.status == status


def test_explicit_initiator_assignee_is_always_asked() -> None:
    driver = Driver(chain(node({"type": "initiator"})))
    assert driver.assignees("a") == ["am"]


@pytest.mark.parametrize(
    ("mode", "exceptions", "third"),
    [
        ("none", [], ["u1"]),
        ("consecutive", [], ["u1"]),  # u1 did not approve the node just before
        ("any_earlier", [], []),
        ("any_earlier", ["c"], ["u1"]),
    ],
)
def test_dedupe_approvers(mode: str, exceptions: list[str], third: list[str]) -> None:
    settings = {"dedupe_approvers": {"mode": mode, "except": exceptions}}
    spec = chain(approval("a", "u1"), approval("b", "u2"), approval("c", "u1"), settings=settings)
    driver = Driver(spec)
    driver.send(Approve("u1", driver.task("a").id))
    driver.send(Approve("u2", driver.task("b").id))
    assert driver.assignees("c") == third


def test_dedupe_consecutive_skips_the_same_approver_twice_in_a_row() -> None:
    settings = {"dedupe_approvers": {"mode": "consecutive"}}
    spec = chain(approval("a", "u1"), approval("b", "u1", "u2", mode="all"), settings=settings)
    driver = Driver(spec)
    driver.send(Approve("u1", driver.task("a").id))
    assert driver.assignees("b") == ["u2"]
    assert History("system", "auto_approve", "b", detail={"user": "u1", "reason": "dedupe"}) in (
        driver.effects
    )
