"""The saved form of a flow state: every field survives a JSON round trip, and states saved in
the earlier array format (format 1) still load."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from brickwork.engines.flow import FlowState, Seat, Task, Timer, Token

DUE = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def full_state() -> FlowState:
    return FlowState(
        instance_id="i 1",
        initiator="am x",
        version=7,
        status="running",
        counter=21,
        tokens=(
            Token(
                "k5",
                "risk",
                "task",
                None,
                (Seat("t6", ("a b", "c")), Seat("t7")),
                1,
                0,
                2,
                5,
                ("x y",),
                ("president",),
            ),
            Token("k8", "compliance", "task", None, (Seat("t9"),), 0, 1, 0, 1, (), ()),
            Token("k10", "join", "join", "e7", (), 0, 0, 0, 0, ("risk1",), ()),
            Token("k11", "wait", "timer", None, (), prev=("p",)),
        ),
        tasks=(
            Task("t6", "risk", "risk 1", "approve", 2, "k5"),
            Task("t7", "risk", "del", "approve", 3, "k5", owner="risk2"),
            Task("t9", "compliance", "comp1", "fill", 4, "k8", None, DUE),
            Task("t12", "compliance", "c", "approve", 4, "k8", "o", DUE),
        ),
        timers=(
            Timer("m3", DUE, "sla_remind", "risk", "k5", "t6"),
            Timer("m4", DUE, "timer", "wait", "k11"),
        ),
        path=("submit", "president", "risk"),
        approvers=(("president", ("president", "p 2")),),
        jumps=(("president", "risk"),),
        decided=True,
        rejected_node="risk",
    )


def test_every_field_survives_a_json_round_trip() -> None:
    state = full_state()
    assert FlowState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_a_fresh_state_survives_a_json_round_trip() -> None:
    state = FlowState(instance_id="i1", initiator="am", version=0, status="running")
    assert FlowState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_a_state_saved_in_format_2_loads() -> None:
    saved = {
        "format": 2,
        "state": ["i 1", "am x", 7, "running", 21, "submit president risk", True, "risk"],
        "tokens": [
            ["k5 risk task  1 0 2 5", [["t6", "a b", "c"], ["t7"]], ["x y"], ["president"]],
            ["k8 compliance task  0 1 0 1", "t9"],
            ["k10 join join e7 0 0 0 0", "", ["risk1"]],
            ["k11 wait timer  0 0 0 0", "", [], ["p"]],
        ],
        "task_rows": [
            ["t6 risk approve 2 k5", "risk 1"],
            ["t7 risk approve 3 k5", "del", "risk2"],
            ["t9 compliance fill 4 k8", "comp1", None, "2026-03-04T09:00:00+00:00"],
            ["t12 compliance approve 4 k8", "c", "o", "2026-03-04T09:00:00+00:00"],
        ],
        "timers": [
            ["m3 sla_remind risk k5 t6", "2026-03-04T09:00:00+00:00"],
            ["m4 timer wait k11 ", "2026-03-04T09:00:00+00:00"],
        ],
        "approvers": {"president": ["president", "p 2"]},
        "jumps": [["president", "risk"]],
    }
    assert FlowState.from_json(saved) == full_state()


def test_open_tasks_saved_packed_in_format_2_load() -> None:
    saved = {
        "format": 2,
        "state": ["i1", "am", 3, "running", 9, "submit president", True, None],
        "tokens": [["k5 risk task  0 0 0 2", "t6 t7", [], ["president"]]],
        "tasks": ["t6 risk approve 2 k5,t7 risk approve 2 k5", ["risk1", "risk2"]],
    }
    assert FlowState.from_json(saved) == FlowState(
        instance_id="i1",
        initiator="am",
        version=3,
        status="running",
        counter=9,
        tokens=(
            Token(
                "k5", "risk", "task", None, (Seat("t6"), Seat("t7")), voters=2, prev=("president",)
            ),
        ),
        tasks=(
            Task("t6", "risk", "risk1", "approve", 2, "k5"),
            Task("t7", "risk", "risk2", "approve", 2, "k5"),
        ),
        path=("submit", "president"),
        decided=True,
    )


def test_usernames_with_separators_survive_a_json_round_trip() -> None:
    odd = "a b,c;d:e%f"
    state = full_state()._replace(instance_id=odd, initiator=odd)
    state = state._replace(tasks=tuple(t._replace(assignee=odd) for t in state.tasks))
    assert FlowState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_a_state_saved_in_format_1_loads() -> None:
    saved = {
        "format": 1,
        "instance_id": "i1",
        "initiator": "am",
        "version": 2,
        "status": "running",
        "counter": 9,
        "tokens": [
            ["k5", "risk", "task", None, [["t6"], ["t7", "u"]], [0, 0, 0, 2], [], ["president"]],
        ],
        "tasks": [["t6", "risk", "risk1", "approve", 2, "k5", None, "2026-03-04T09:00:00+00:00"]],
        "timers": [["m3", "2026-03-04T09:00:00+00:00", "sla_breach", "risk", "k5", "t6"]],
        "path": ["submit", "president", "risk"],
        "approvers": {"president": ["president"]},
        "decided": True,
    }
    assert FlowState.from_json(saved) == FlowState(
        instance_id="i1",
        initiator="am",
        version=2,
        status="running",
        counter=9,
        tokens=(
            Token(
                "k5",
                "risk",
                "task",
                None,
                (Seat("t6"), Seat("t7", ("u",))),
                0,
                0,
                0,
                2,
                (),
                ("president",),
            ),
        ),
        tasks=(Task("t6", "risk", "risk1", "approve", 2, "k5", None, DUE),),
        timers=(Timer("m3", DUE, "sla_breach", "risk", "k5", "t6"),),
        path=("submit", "president", "risk"),
        approvers=(("president", ("president",)),),
        decided=True,
    )
