"""Gateways: exclusive splits (priority, default, incident), parallel splits and joins,
inclusive splits and joins (waiting while a live token can still arrive)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flow_support import Driver, approval, env

from brickwork.engines.flow import (
    Approve,
    CommandRefused,
    FlowDefinitionError,
    Reject,
    compile_flow,
)


def exclusive(edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "form": "f",
        "nodes": [
            {"id": "s", "type": "start"},
            {"id": "x", "type": "exclusive"},
            approval("low", "u_low"),
            approval("mid", "u_mid"),
            approval("high", "u_high"),
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e0", "from": "s", "to": "x"},
            *edges,
            {"id": "z1", "from": "low", "to": "end"},
            {"id": "z2", "from": "mid", "to": "end"},
            {"id": "z3", "from": "high", "to": "end"},
        ],
    }


PRIORITY_EDGES = [
    {"id": "a", "from": "x", "to": "high", "condition": "amount > 100", "priority": 1},
    {"id": "b", "from": "x", "to": "mid", "condition": "amount > 10", "priority": 2},
    {"id": "c", "from": "x", "to": "low", "default": True},
]


@pytest.mark.parametrize(
    ("amount", "node"),
    [("500", "high"), ("50", "mid"), ("5", "low"), (None, "low")],
)
def test_exclusive_takes_the_first_true_edge_by_priority_else_default(
    amount: str | None, node: str
) -> None:
    record = {"amount": None if amount is None else Decimal(amount)}
    driver = Driver(exclusive(PRIORITY_EDGES), record=record)
    assert [t.node for t in driver.state.tasks] == [node]


def test_priority_not_definition_order_decides() -> None:
    edges = [
        {"id": "b", "from": "x", "to": "mid", "condition": "amount > 10", "priority": 5},
        {"id": "a", "from": "x", "to": "high", "condition": "amount > 10", "priority": 1},
        {"id": "c", "from": "x", "to": "low", "default": True},
    ]
    driver = Driver(exclusive(edges), record={"amount": Decimal(50)})
    assert [t.node for t in driver.state.tasks] == ["high"]


def test_an_exclusive_split_without_a_default_is_refused_before_it_can_stop() -> None:
    """No true edge and no default would stop the instance: the flow is refused at design
    time instead (the runtime would raise an incident, never stop silently)."""
    edges = [{"id": "a", "from": "x", "to": "high", "condition": "amount > 100"}]
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(exclusive(edges), env())
    assert "E_FLOW_NO_DEFAULT" in refused.value.codes


def fork(kind: str, conditions: dict[str, str] | None = None) -> dict[str, Any]:
    conditions = conditions or {}
    branches = ["a", "b", "c"]
    edges: list[dict[str, Any]] = [{"id": "e0", "from": "s", "to": "fork"}]
    for name in branches:
        edge: dict[str, Any] = {"id": f"to_{name}", "from": "fork", "to": name}
        if name in conditions:
            edge["condition"] = conditions[name]
        edges.append(edge)
        edges.append({"id": f"from_{name}", "from": name, "to": "merge"})
    edges.append({"id": "last", "from": "merge", "to": "after"})
    edges.append({"id": "fin", "from": "after", "to": "end"})
    return {
        "form": "f",
        "nodes": [
            {"id": "s", "type": "start"},
            {"id": "fork", "type": kind},
            *(approval(name, f"u_{name}") for name in branches),
            {"id": "merge", "type": kind},
            approval("after", "boss"),
            {"id": "end", "type": "end"},
        ],
        "edges": edges,
    }


def test_parallel_join_waits_for_one_token_per_incoming_edge() -> None:
    driver = Driver(fork("parallel"))
    assert sorted(t.node for t in driver.state.tasks) == ["a", "b", "c"]
    driver.send(Approve("u_a", driver.task("a").id))
    driver.send(Approve("u_b", driver.task("b").id))
    assert driver.assignees("after") == []
    assert sorted(t.edge or "" for t in driver.state.tokens if t.wait == "join") == [
        "from_a",
        "from_b",
    ]
    driver.send(Approve("u_c", driver.task("c").id))
    assert driver.assignees("after") == ["boss"]
    assert [t.node for t in driver.state.tokens] == ["after"]


@pytest.mark.parametrize(
    ("amount", "branches"),
    [("5", ["c"]), ("50", ["b", "c"]), ("500", ["a", "b", "c"])],
)
def test_inclusive_split_takes_every_true_edge(amount: str, branches: list[str]) -> None:
    spec = fork("inclusive", {"a": "amount > 100", "b": "amount > 10"})
    driver = Driver(spec, record={"amount": Decimal(amount)})
    assert sorted(t.node for t in driver.state.tasks) == branches
    for name in branches[:-1]:
        driver.send(Approve(f"u_{name}", driver.task(name).id))
        assert driver.assignees("after") == []
    last = branches[-1]
    driver.send(Approve(f"u_{last}", driver.task(last).id))
    assert driver.assignees("after") == ["boss"]


def test_inclusive_join_rechecks_when_a_branch_dies() -> None:
    spec = fork("inclusive", {"a": "amount > 100", "b": "amount > 10"})
    # branch b may end on rejection without reaching the join
    spec["nodes"].append({"id": "dropped", "type": "end"})
    spec["edges"].append({"id": "b_no", "from": "b", "to": "dropped", "on": "rejected"})
    driver = Driver(spec, record={"amount": Decimal(500)})
    driver.send(Approve("u_a", driver.task("a").id))
    driver.send(Approve("u_c", driver.task("c").id))
    assert driver.assignees("after") == []
    driver.send(Reject("u_b", driver.task("b").id))
    assert driver.assignees("after") == ["boss"]


def test_an_inclusive_split_that_may_take_no_edge_is_refused() -> None:
    spec = fork("inclusive", {"a": "amount > 100", "b": "amount > 10", "c": "amount > 1"})
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env())
    assert "E_FLOW_NO_DEFAULT" in refused.value.codes


def test_stale_version_is_refused_and_changes_nothing() -> None:
    driver = Driver(fork("parallel"))
    task = driver.task("a")
    before = driver.state
    with pytest.raises(CommandRefused) as refused:
        driver.send(Approve("u_a", task.id, expected_version=task.version + 1))
    assert refused.value.code == "E_FLOW_STALE"
    assert refused.value.state is before
    driver.send(Approve("u_a", task.id, expected_version=task.version))
    assert driver.state.version == before.version + 1


def test_someone_else_s_task_is_refused() -> None:
    driver = Driver(fork("parallel"))
    with pytest.raises(CommandRefused) as refused:
        driver.send(Approve("u_b", driver.task("a").id))
    assert refused.value.code == "E_FLOW_NOT_YOUR_TASK"
