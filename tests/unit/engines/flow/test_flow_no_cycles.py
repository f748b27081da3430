"""A step leaves no reference cycle behind: everything it builds is freed as soon as it is done
with, not kept until the garbage collector runs (which a busy engine would pay for on every few
commands)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flow_support import NOW, bank, credit_spec, env

from brickwork.engines.flow import Approve, FlowState, World, compile_flow, start, step


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("collector_paused")
def test_the_credit_scenario_leaves_nothing_for_the_garbage_collector() -> None:
    flow = compile_flow(credit_spec(), env())
    world = World({"amount": Decimal(2_000_000)}, bank())
    state = start(flow, instance_id="i1", initiator="am", now=NOW, world=world).state
    for node in ("president", "risk", "compliance", "committee", "committee", "committee"):
        task = next(t for t in state.tasks if t.node == node)
        state = step(flow, state, Approve(task.assignee, task.id), now=NOW, world=world).state
        state = FlowState.from_json(state.to_json())
    assert state.status == "approved"
    assert gc.collect() == 0
