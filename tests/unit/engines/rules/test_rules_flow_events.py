"""Rules on flow events and the start_flow action, through the rules engine's API: which flow
events trigger a rule, what a condition sees of the event (`flow.<fact>`), the start_flow
effect, embedded examples with a flow event, and the refusals at compile time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from brickwork.engines.expr import Scope
from brickwork.engines.rules import RuleDefinitionError, RuleEvent, StartFlowEffect, compile_rule

SCOPES = {
    "loan": Scope.of({"amount": "number", "status": "string", "officer": "string"}),
    "alert": Scope.of({"about": "string"}),
}
NOW = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
ON_REJECTION: dict[str, Any] = {
    "trigger": {
        "on": "flow",
        "form": "loan",
        "flow": "credit",
        "events": ["rejected", "finished"],
        "nodes": ["committee"],
    },
    "condition": 'flow.event = "finished" or amount > 1000000',
    "actions": [
        {
            "type": "create_record",
            "form": "alert",
            "values": {"about": 'flow.key + "/" + flow.event'},
        }
    ],
}


def flow_event(
    event: str, node: str | None = None, *, key: str = "credit", amount: int = 2_000_000
) -> RuleEvent:
    facts = {
        "key": key,
        "event": event,
        "node": node,
        "outcome": "rejected" if event != "started" else None,
        "instance": "i1",
        "initiator": "li.na",
    }
    return RuleEvent("flow", NOW, "loan", {"amount": amount, "id": "r1"}, flow=facts)


@pytest.mark.parametrize(
    ("event", "any_node", "committee_only"),
    [
        (flow_event("rejected", "committee"), True, True),
        (flow_event("rejected", "branch"), True, False),
        (flow_event("finished", None), True, False),  # a finished instance names no node
        (flow_event("approved", "committee"), False, False),
        (flow_event("started"), False, False),
        (flow_event("rejected", "committee", key="other"), False, False),
        (RuleEvent("updated", NOW, "loan", {"amount": 1}), False, False),
        (RuleEvent("flow", NOW, "alert", {}, flow=flow_event("finished").flow), False, False),
    ],
)
def test_which_flow_events_trigger_the_rule(
    event: RuleEvent, any_node: bool, committee_only: bool
) -> None:
    unfiltered = {**ON_REJECTION, "trigger": {**ON_REJECTION["trigger"], "nodes": []}}
    assert compile_rule(unfiltered, scopes=SCOPES).triggered_by(event) is any_node
    assert compile_rule(ON_REJECTION, scopes=SCOPES).triggered_by(event) is committee_only


def test_a_condition_reads_the_flow_facts_and_the_record() -> None:
    compiled = compile_rule(ON_REJECTION, scopes=SCOPES)
    matched = compiled.evaluate(flow_event("rejected", "committee"))
    assert matched.matched
    (effect,) = matched.effects
    assert effect.values == {"about": "credit/rejected"}  # type: ignore[union-attr]
    small = compiled.evaluate(flow_event("rejected", "committee", amount=10))
    assert not small.matched


def test_start_flow_is_an_effect_of_record_buttons_and_flow_rules() -> None:
    for trigger in (
        {"on": "record", "form": "loan", "events": ["created"]},
        {"on": "manual", "form": "loan"},
        {"on": "flow", "form": "loan", "flow": "kyc", "events": ["finished"]},
    ):
        spec = {"trigger": trigger, "actions": [{"type": "start_flow", "flow": "credit"}]}
        outcome = compile_rule(spec, scopes=SCOPES).evaluate(
            RuleEvent("created", NOW, "loan", {"amount": 5})
        )
        assert outcome.effects == (StartFlowEffect("credit"),)


@pytest.mark.parametrize(
    ("spec", "pointer", "code"),
    [
        (
            {
                "trigger": {"on": "schedule", "cron": "0 2 * * *"},
                "actions": [{"type": "start_flow", "flow": "credit"}],
            },
            "/actions/0/type",
            "E_RULE_START_FLOW",
        ),
        (
            {
                "trigger": {"on": "record", "form": "loan", "events": ["deleted"]},
                "actions": [{"type": "start_flow", "flow": "credit"}],
            },
            "/actions/0/type",
            "E_RULE_START_FLOW",
        ),
        (
            {
                "trigger": {"on": "record", "form": "loan"},
                "phase": "before_save",
                "actions": [{"type": "start_flow", "flow": "credit"}],
            },
            "/actions/0/type",
            "E_RULE_PHASE",
        ),
        (
            {**ON_REJECTION, "phase": "before_save"},
            "/phase",
            "E_RULE_PHASE",
        ),
        (
            {**ON_REJECTION, "trigger": {**ON_REJECTION["trigger"], "form": "nothing"}},
            "/trigger/form",
            "E_RULE_UNKNOWN_FORM",
        ),
        (
            {**ON_REJECTION, "trigger": {**ON_REJECTION["trigger"], "events": ["paused"]}},
            "/trigger/events/0",
            "E_RULE_SCHEMA",
        ),
        (
            {**ON_REJECTION, "condition": "flow.stage = 1"},
            "/condition",
            "E_RULE_EXPRESSION",
        ),
    ],
)
def test_refusals_point_at_the_problem(spec: dict[str, Any], pointer: str, code: str) -> None:
    with pytest.raises(RuleDefinitionError) as caught:
        compile_rule(spec, scopes=SCOPES)
    assert (pointer, code) in {(p.pointer, p.code) for p in caught.value.problems}


def test_examples_may_give_a_flow_event() -> None:
    example = {
        "name": "a rejected large loan",
        "given": {
            "event": "flow",
            "record": {"amount": 2000000},
            "flow": {"key": "credit", "event": "rejected", "node": "committee"},
        },
        "expect": {"matched": True, "actions": ["create_record"]},
    }
    compile_rule({**ON_REJECTION, "examples": [example]}, scopes=SCOPES)
    wrong = {**example, "expect": {"matched": False}}
    with pytest.raises(RuleDefinitionError) as caught:
        compile_rule({**ON_REJECTION, "examples": [wrong]}, scopes=SCOPES)
    assert caught.value.problems[0].code == "E_RULE_EXAMPLE"
