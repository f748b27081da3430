"""Traces: for every rule of every table, matched (with its outputs) or the first failing cell
with the input value that failed it; for graphs, each decision's result in evaluation order."""

from __future__ import annotations

from decimal import Decimal

from rules_support import one_table, table

from brickwork.engines.rules import RuleTrace, compile_model

RISK = table(
    "F",
    [
        ([">= 60", '"IR", "KP"'], ['"high"']),
        (["[18..60)", '"IR", "KP"'], ['"medium"']),
        (["? > 30 and ? < 40", "-"], ['"review"']),
        (["-", "-"], ['"low"']),
    ],
    inputs=("age", "country"),
)


def test_every_rule_is_matched_or_names_its_first_failing_cell() -> None:
    model = one_table(RISK, names=("age", "country"))
    result = model.evaluate("d", {"age": 35, "country": "KP"}, trace=True)
    assert result.value == "medium"
    assert result.trace is not None
    (step,) = result.trace
    assert (step.name, step.value) == ("d", "medium")
    (trace,) = step.tables
    assert trace.pointer == "/decisions/0/logic"
    assert trace.inputs == (Decimal(35), "KP")
    assert trace.matched_rules == ("r1", "r2", "r3")
    assert trace.rules == (
        RuleTrace("r0", 0, False, None, 0, ">= 60", Decimal(35)),
        RuleTrace("r1", 1, True, "medium"),
        RuleTrace("r2", 2, True, "review"),
        RuleTrace("r3", 3, True, "low"),
    )


def test_a_rule_failing_in_a_later_column_names_that_column() -> None:
    model = one_table(RISK, names=("age", "country"))
    (step,) = model.evaluate("d", {"age": 70, "country": "CN"}, trace=True).trace or ()
    rules = step.tables[0].rules
    assert rules[0] == RuleTrace("r0", 0, False, None, 1, '"IR", "KP"', "CN")
    assert rules[1] == RuleTrace("r1", 1, False, None, 0, "[18..60)", Decimal(70))
    assert rules[2] == RuleTrace("r2", 2, False, None, 0, "? > 30 and ? < 40", Decimal(70))
    assert rules[3] == RuleTrace("r3", 3, True, "low")
    assert step.tables[0].as_dict()["rules"][3]["matched"] is True


def test_without_trace_there_is_none() -> None:
    model = one_table(RISK, names=("age", "country"))
    assert model.evaluate("d", {"age": 70, "country": "CN"}).trace is None


def test_graph_trace_lists_each_decision_and_its_tables_in_order() -> None:
    spec = {
        "inputs": [{"id": "age", "name": "age"}, {"id": "country", "name": "country"}],
        "decisions": [
            {
                "id": "label",
                "name": "Label",
                "requires": {"decisions": ["Risk"]},
                "logic": {"type": "literal", "text": "upper case(Risk)"},
            },
            {
                "id": "risk",
                "name": "Risk",
                "requires": {"inputs": ["age", "country"]},
                "logic": RISK,
            },
        ],
    }
    result = compile_model(spec).evaluate(None, {"age": 20, "country": "IR"}, trace=True)
    assert result.value == "MEDIUM"
    assert result.trace is not None
    assert [(s.name, s.value, len(s.tables)) for s in result.trace] == [
        ("Risk", "medium", 1),
        ("Label", "MEDIUM", 0),
    ]


def test_rule_annotations_are_in_the_trace() -> None:
    logic = table("F", [(["> 10"], ['"high"']), (["-"], ['"low"'])])
    logic["annotations"] = ["Reason"]
    logic["rules"][0]["annotations"] = ["large amount"]
    logic["rules"][1]["annotations"] = ["otherwise"]
    (step,) = one_table(logic).evaluate("d", {"x": 5}, trace=True).trace or ()
    rules = step.tables[0].rules
    assert [(r.matched, r.annotations) for r in rules] == [
        (False, ("large amount",)),
        (True, ("otherwise",)),
    ]
