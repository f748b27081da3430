"""docs/flows.md and docs/api-errors.md cover the engine: every node type, assignee, command
and error code; the credit scenario of docs/flows.md §8 runs as written there."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from flow_support import NOW, Driver, env

import brickwork.engines.flow as engine
from brickwork.engines.flow import (
    Approve,
    Notify,
    Return,
    TaskClosed,
    TimerFired,
    Transfer,
    compile_flow,
)
from brickwork.engines.flow.definition import Assignee, Node

ROOT = Path(__file__).resolve().parents[4]
FLOWS = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
ERRORS = (ROOT / "docs" / "api-errors.md").read_text(encoding="utf-8")
SOURCE = "".join(
    p.read_text(encoding="utf-8") for p in (ROOT / "src/brickwork/engines/flow").glob("*.py")
)


def literal_types(union: Any) -> list[str]:
    members = get_args(get_args(union)[0])
    return [get_args(m.model_fields["type"].annotation)[0] for m in members]


def test_every_flow_code_is_documented() -> None:
    codes = set(re.findall(r'"(E_FLOW_[A-Z_]+)"', SOURCE))
    assert len(codes) > 20
    assert sorted(c for c in codes if f"`{c}`" not in ERRORS) == []


def test_every_node_type_assignee_and_command_is_documented() -> None:
    for kind in literal_types(Node):
        assert f'"type": "{kind}"' in FLOWS, kind
    for kind in literal_types(Assignee):
        assert f'{{"type": "{kind}"' in FLOWS, kind
    for name in get_args(engine.Event):
        assert f"`{name.__name__}(" in FLOWS, name.__name__


def scenario_spec() -> dict[str, Any]:
    block = FLOWS.split("## 8.")[1].split("```json")[1].split("```")[0]
    spec: dict[str, Any] = json.loads(block)
    return spec


def test_the_documented_credit_scenario_runs_as_described() -> None:
    flow = compile_flow(scenario_spec(), env())
    driver = Driver(flow, record={"amount": Decimal(2_000_000)})
    first = driver.task("president")
    assert (first.assignee, first.due) == ("president", NOW.replace(day=5))
    breach = next(t.id for t in driver.state.timers if t.purpose == "sla_breach")
    effects = driver.send(TimerFired(breach))
    regional = driver.task("president")
    assert regional.assignee == "regional"
    assert Notify("escalated", ("regional",), regional.id) in effects
    driver.send(Approve("regional", regional.id))
    risk = driver.tasks("risk")
    effects = driver.send(Return("comp1", driver.task("compliance").id, target="president"))
    assert all(TaskClosed(t.id, "cancelled") in effects for t in risk)
    driver.send(Approve("president", driver.task("president").id))
    driver.send(Transfer("risk1", driver.task("risk", "risk1").id, to="risk3"))
    driver.send(Approve("risk3", driver.task("risk", "risk3").id))
    driver.send(Approve("comp1", driver.task("compliance").id))
    for member in ("c1", "c2", "c3"):
        driver.send(Approve(member, driver.task("committee", member).id))
    assert driver.state.status == "approved"
    assert any(isinstance(e, Notify) and e.kind == "cc" for e in driver.effects)
