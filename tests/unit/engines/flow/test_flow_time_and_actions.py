"""SLAs on a business calendar (remind, escalate, auto-approve/reject as `system`), timer
nodes, action nodes (set fields, decision tables, records) and subflows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flow_support import NOW, RATING, Driver, approval, chain, env

from brickwork.engines.flow import (
    Approve,
    CommandRefused,
    CreateRecord,
    History,
    Incident,
    Notify,
    ScheduleTimer,
    SetFields,
    StartSubflow,
    SubflowFinished,
    TaskClosed,
    TimerFired,
    UpdateRecords,
    compile_flow,
)


def with_sla(sla: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return chain(approval("a", "ua", sla=sla), settings={"calendar": "cn", **settings})


def timer(driver: Driver, purpose: str) -> str:
    return next(t.id for t in driver.state.timers if t.purpose == purpose)


def test_working_day_sla_skips_weekends_and_holidays() -> None:
    # Monday 2 March 2026 09:00; Wednesday 4 March is a holiday of the `cn` calendar.
    driver = Driver(with_sla({"working_days": 2, "remind_before": "PT4H"}))
    task = driver.task("a")
    assert task.due == datetime(2026, 3, 5, 9, 0, tzinfo=NOW.tzinfo)
    due = {e.purpose: e.due for e in driver.effects if isinstance(e, ScheduleTimer)}
    assert due == {"sla_remind": task.due - timedelta(hours=4), "sla_breach": task.due}


def test_reminder_then_breach_reminds() -> None:
    driver = Driver(with_sla({"duration": "P1D", "remind_before": "PT2H"}))
    task = driver.task("a")
    effects = driver.send(TimerFired(timer(driver, "sla_remind")))
    assert Notify("reminder", ("ua",), task.id) in effects
    effects = driver.send(TimerFired(timer(driver, "sla_breach")))
    assert Notify("reminder", ("ua",), task.id) in effects
    assert driver.state.timers == ()
    assert driver.task("a").id == task.id


def test_breach_escalates_to_the_manager_chain() -> None:
    spec = with_sla(
        {"duration": "P2D", "on_breach": "escalate", "escalate_to": [{"type": "manager"}]}
    )
    driver = Driver(spec)
    old = driver.task("a")
    effects = driver.send(TimerFired(timer(driver, "sla_breach")))
    new = driver.task("a")
    assert new.assignee == "president"
    assert TaskClosed(old.id, "transferred") in effects
    assert Notify("escalated", ("president",), new.id) in effects
    driver.send(Approve("president", new.id))
    assert driver.state.status == "approved"


@pytest.mark.parametrize(("breach", "status"), [("approve", "approved"), ("reject", "rejected")])
def test_breach_decides_as_system(breach: str, status: str) -> None:
    driver = Driver(with_sla({"duration": "PT8H", "on_breach": breach}))
    task = driver.task("a")
    effects = driver.send(TimerFired(timer(driver, "sla_breach")))
    assert History("system", f"auto_{status}", "a", task.id) in effects
    assert driver.state.status == status


def test_a_fired_timer_cannot_fire_twice() -> None:
    driver = Driver(with_sla({"duration": "PT8H", "on_breach": "approve"}))
    fired = TimerFired(timer(driver, "sla_breach"))
    driver.send(fired)
    with pytest.raises(CommandRefused) as refused:
        driver.send(fired)
    assert refused.value.code == "E_FLOW_FINISHED"


@pytest.mark.parametrize(
    ("settings", "due"),
    [
        ({"wait": "PT4H"}, datetime(2026, 3, 2, 13, 0, tzinfo=NOW.tzinfo)),
        ({"working_days": 2}, datetime(2026, 3, 5, 9, 0, tzinfo=NOW.tzinfo)),
        ({"until": 'date("2026-03-10")'}, datetime(2026, 3, 10, tzinfo=NOW.tzinfo)),
    ],
)
def test_timer_node_waits_then_continues(settings: dict[str, Any], due: datetime) -> None:
    node = {"id": "wait", "type": "timer", **settings}
    driver = Driver(chain(node, approval("a", "ua"), settings={"calendar": "cn"}))
    scheduled = [e for e in driver.effects if isinstance(e, ScheduleTimer)]
    assert [(e.due, e.purpose) for e in scheduled] == [(due, "timer")]
    assert driver.tasks() == []
    driver.send(TimerFired(scheduled[0].timer))
    assert driver.assignees("a") == ["ua"]


def test_timer_until_in_the_past_passes_through() -> None:
    node = {"id": "wait", "type": "timer", "until": 'date("2020-01-01")'}
    driver = Driver(chain(node, approval("a", "ua")))
    assert driver.assignees("a") == ["ua"]


def test_action_node_sets_fields_creates_and_updates_records() -> None:
    node = {
        "id": "act",
        "type": "action",
        "actions": [
            {
                "type": "set_fields",
                "values": {"risk_level": 'if amount > 100 then "high" else "low"'},
            },
            {"type": "create_record", "form": "credit_log", "values": {"note": "risk_level"}},
            {
                "type": "update_records",
                "form": "credit_log",
                "where": "it.note = record.note",
                "values": {"amount": "amount * 2"},
            },
        ],
    }
    spec = chain(node, {"id": "x", "type": "exclusive"})
    spec["nodes"].append(approval("high", "uh"))
    spec["edges"] = [e for e in spec["edges"] if e["from"] != "x"] + [
        {"id": "h", "from": "x", "to": "high", "condition": 'risk_level = "high"'},
        {"id": "d", "from": "x", "to": "end", "default": True},
        {"id": "h2", "from": "high", "to": "end"},
    ]
    driver = Driver(spec, record={"amount": Decimal(500)})
    assert SetFields({"risk_level": "high"}) in driver.effects
    assert CreateRecord("credit_log", {"note": "high"}) in driver.effects
    assert UpdateRecords("credit_log", "it.note = record.note", {"amount": Decimal(1000)}) in (
        driver.effects
    )
    assert driver.assignees("high") == ["uh"]


def decision_flow() -> Any:
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
    return compile_flow(chain(node, approval("a", "ua")), env(decisions={"rating": RATING}))


@pytest.mark.parametrize(("amount", "level"), [(5000, "high"), (10, "low")])
def test_action_node_calls_a_decision_table(amount: int, level: str) -> None:
    driver = Driver(decision_flow(), record={"amount": Decimal(amount)})
    assert SetFields({"risk_level": level}) in driver.effects


def test_a_failing_decision_is_an_incident_not_a_silent_stop() -> None:
    driver = Driver(decision_flow(), record={"amount": "not a number"})
    assert driver.state.status == "incident"
    assert any(isinstance(e, Incident) and e.node == "rate" for e in driver.effects)


@pytest.mark.parametrize(("outcome", "status"), [("approved", "running"), ("rejected", "rejected")])
def test_subflow_waits_for_the_child(outcome: Any, status: str) -> None:
    node = {"id": "child", "type": "subflow", "flow": "collateral", "version": 3}
    flow = compile_flow(chain(node, approval("a", "ua")), env(flows={"collateral": frozenset({3})}))
    driver = Driver(flow, record={"amount": Decimal(7)})
    assert StartSubflow("child", "collateral", 3, {"amount": Decimal(7)}) in driver.effects
    assert driver.state.status == "running"
    assert driver.tasks() == []
    driver.send(SubflowFinished("child", outcome))
    assert driver.state.status == status
    with pytest.raises(CommandRefused):
        driver.send(SubflowFinished("child", outcome))
