"""Resolving incidents: retry the node after the data was fixed, or move the token elsewhere;
or end the instance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flow_support import RATING, Driver, approval, chain, env

from brickwork.engines.flow import (
    Approve,
    CommandRefused,
    History,
    Incident,
    ResolveIncident,
    SetFields,
    Terminate,
    compile_flow,
)


def stuck() -> Driver:
    """An action node whose decision fails on the record: the instance waits in an incident."""
    node = {
        "id": "rate",
        "type": "action",
        "actions": [
            {
                "type": "call_decision",
                "model": "rating",
                "inputs": {"amount": "amount"},
                "outputs": {"risk_level": "result"},
            }
        ],
    }
    spec = chain(approval("first", "u1"), node, approval("a", "ua"))
    flow = compile_flow(spec, env(decisions={"rating": RATING}))
    driver = Driver(flow, record={"amount": "not a number"})
    driver.send(Approve("u1", driver.task("first").id))
    assert driver.state.status == "incident"
    return driver


def test_retry_after_the_record_was_fixed_runs_the_node_again() -> None:
    driver = stuck()
    driver.record["amount"] = Decimal(5000)
    effects = driver.send(ResolveIncident("admin", "rate", comment="amount corrected"))
    assert driver.state.status == "running"
    assert SetFields({"risk_level": "high"}) in effects
    assert (
        History("admin", "incident_resolved", "rate", None, "amount corrected", {"to": "rate"})
        in effects
    )
    assert driver.assignees("a") == ["ua"]
    assert all(t.wait != "incident" for t in driver.state.tokens)


def test_a_retry_that_fails_again_is_a_new_incident() -> None:
    driver = stuck()
    effects = driver.send(ResolveIncident("admin", "rate"))
    assert driver.state.status == "incident"
    assert [e.node for e in effects if isinstance(e, Incident)] == ["rate"]
    assert [t.node for t in driver.state.tokens] == ["rate"]


def test_moving_the_token_skips_the_failing_node() -> None:
    driver = stuck()
    driver.send(ResolveIncident("admin", "rate", to="a"))
    assert driver.state.status == "running"
    assert driver.assignees("a") == ["ua"]
    driver.send(Approve("ua", driver.task("a").id))
    assert driver.state.status == "approved"


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (ResolveIncident("admin", "first"), "E_FLOW_NO_INCIDENT"),
        (ResolveIncident("admin", "nowhere"), "E_FLOW_NO_INCIDENT"),
        (ResolveIncident("admin", "rate", to="nowhere"), "E_FLOW_UNKNOWN_NODE"),
        (ResolveIncident("admin", "rate", to="s"), "E_FLOW_UNKNOWN_NODE"),
        (ResolveIncident("admin", "rate", expected_version=1), "E_FLOW_STALE"),
    ],
)
def test_resolving_what_is_not_an_incident_is_refused(event: Any, code: str) -> None:
    driver = stuck()
    before = driver.state
    with pytest.raises(CommandRefused) as refused:
        driver.send(event)
    assert refused.value.code == code
    assert driver.state == before


def test_the_incident_token_keeps_the_previous_approvers_through_a_retry() -> None:
    """Approver de-duplication still sees who approved before the failing node."""
    driver = stuck()
    token = next(t for t in driver.state.tokens if t.wait == "incident")
    assert token.prev == ("u1",)


def test_an_instance_in_an_incident_can_be_terminated() -> None:
    driver = stuck()
    effects = driver.send(Terminate("admin", "the customer withdrew", driver.state.version))
    assert (driver.state.status, driver.state.tokens) == ("terminated", ())
    assert History("admin", "terminate", comment="the customer withdrew") in effects


def test_an_incident_says_why_in_both_languages() -> None:
    driver = stuck()
    [incident] = [e for e in driver.effects if isinstance(e, Incident)]
    assert incident.code == "E_FLOW_EVALUATION"
    assert incident.message == (
        "/nodes/2/actions/0/model: E_TYPE_MISMATCH at /decisions/0/logic/rules/0/when/0 "
        "(line 1, column 1): cannot compare string with number"
    )
    assert incident.zh_cn == (
        "/nodes/2/actions/0/model：E_TYPE_MISMATCH（/decisions/0/logic/rules/0/when/0，"
        "第 1 行第 1 列）：表达式求值出错：不能比较文本和数字"
    )
