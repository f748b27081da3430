"""Compiling flow definitions: schema problems and FEEL problems with pointers."""

from __future__ import annotations

from typing import Any

import pytest
from flow_support import RATING, approval, chain, credit_spec, env

from brickwork.engines.flow import FlowDefinitionError, compile_flow


def problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env())
    return [(p.code, p.pointer) for p in refused.value.problems]


def gated() -> dict[str, Any]:
    """start -> gate (exclusive) -[e1: condition]-> a -> end, gate -[e3: default]-> end."""
    spec = chain({"id": "gate", "type": "exclusive"}, approval("a", "ua"))
    spec["edges"][1]["condition"] = "amount > 1"
    spec["edges"].append({"id": "e3", "from": "gate", "to": "end", "default": True})
    return spec


def test_the_credit_scenario_compiles() -> None:
    flow = compile_flow(credit_spec(), env())
    assert flow.start == "submit"
    assert [e.id for e in flow.outgoing["large"]] == ["e3", "e4"]
    assert "committee" in flow.reach["president"]
    assert flow.incoming["join"] == ("e7", "e8")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["nodes"][1].update(mode="majority"), ("E_FLOW_SCHEMA", "/nodes/1/mode")),
        (lambda s: s["nodes"][1].update(extra=1), ("E_FLOW_SCHEMA", "/nodes/1/extra")),
        (lambda s: s["edges"][0].update(to="ghost"), ("E_FLOW_UNKNOWN_NODE", "/edges/0/to")),
        (lambda s: s["nodes"].append(dict(s["nodes"][1])), ("E_FLOW_DUPLICATE_ID", "/nodes/3/id")),
        (lambda s: s["nodes"].append({"id": "s2", "type": "start"}), ("E_FLOW_START", "/nodes/3")),
        (
            lambda s: s["nodes"][1]["assignees"].append({"type": "field", "field": "nope"}),
            ("E_FLOW_UNKNOWN_FIELD", "/nodes/1/assignees/1/field"),
        ),
        (  # a text field names no users: its values would resolve to nobody at run time
            lambda s: s["nodes"][1]["assignees"].append({"type": "field", "field": "note"}),
            ("E_FLOW_FIELD_TYPE", "/nodes/1/assignees/1/field"),
        ),
        (
            lambda s: s["nodes"][1]["assignees"].append(
                {"type": "department_head", "of_field": "relationship_manager"}
            ),
            ("E_FLOW_FIELD_TYPE", "/nodes/1/assignees/1/of_field"),
        ),
        (
            lambda s: s["nodes"][1]["assignees"].append(
                {"type": "role", "role": "teller", "department_field": "note"}
            ),
            ("E_FLOW_FIELD_TYPE", "/nodes/1/assignees/1/department_field"),
        ),
        (
            lambda s: s["settings"].update(calendar="mars"),
            ("E_FLOW_UNKNOWN_CALENDAR", "/settings/calendar"),
        ),
    ],
)
def test_problems_point_into_the_spec(change: Any, expected: tuple[str, str]) -> None:
    spec = chain(approval("a", "ua"))
    change(spec)
    assert expected in problems(spec)


@pytest.mark.parametrize(
    ("condition", "code"),
    [("amount >", "E_FLOW_EXPRESSION"), ("amount + 1", "E_FLOW_CONDITION")],
)
def test_a_gateway_condition_is_checked(condition: str, code: str) -> None:
    spec = gated()
    spec["edges"][1]["condition"] = condition
    assert (code, "/edges/1/condition") in problems(spec)


def test_feel_problems_carry_line_and_column() -> None:
    spec = gated()
    spec["edges"][1]["condition"] = "amount > 1 and\n  unknown_field = 2"
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env())
    problem = refused.value.problems[0]
    assert (problem.code, problem.line, problem.column) == ("E_FLOW_EXPRESSION", 2, 3)


@pytest.mark.parametrize(
    ("action", "code", "pointer"),
    [
        (
            {"type": "create_record", "form": "ghost", "values": {"a": "1"}},
            "E_FLOW_UNKNOWN_FORM",
            "/nodes/1/actions/0/form",
        ),
        (
            {"type": "set_fields", "values": {"ghost": "1"}},
            "E_FLOW_UNKNOWN_FIELD",
            "/nodes/1/actions/0/values/ghost",
        ),
        (
            {"type": "call_decision", "model": "ghost", "outputs": {"note": "result"}},
            "E_FLOW_UNKNOWN_DECISION",
            "/nodes/1/actions/0/model",
        ),
    ],
)
def test_action_references_are_checked(action: dict[str, Any], code: str, pointer: str) -> None:
    spec = chain({"id": "act", "type": "action", "actions": [action]})
    assert (code, pointer) in problems(spec)


def test_a_decision_call_names_a_decision_and_inputs_of_its_model() -> None:
    """An input the model does not declare would be dropped and the decision made on null; a
    decision it does not have would fail every run: both are refused when the flow compiles."""
    call = {
        "type": "call_decision",
        "model": "rating",
        "decision": "grade",
        "inputs": {"amount": "amount", "amout": "amount"},
        "outputs": {"note": "result.level"},
    }
    spec = chain({"id": "act", "type": "action", "actions": [call]})
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env(decisions={"rating": RATING}))
    assert [(p.code, p.pointer) for p in refused.value.problems] == [
        ("E_FLOW_UNKNOWN_DECISION", "/nodes/1/actions/0/decision"),
        ("E_FLOW_UNKNOWN_INPUT", "/nodes/1/actions/0/inputs/amout"),
    ]
    decision, unknown = refused.value.problems
    assert decision.message.startswith("the model has no decision `grade`")
    assert unknown.zh_cn is not None
    assert unknown.zh_cn.startswith("决策调用有误：决策模型中没有输入 `amout`")
    del call["decision"], call["inputs"]["amout"]
    compile_flow(spec, env(decisions={"rating": RATING}))
