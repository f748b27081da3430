"""Design-time analysis of decision tables: overlaps, gaps, shadowing and type mismatches in
small tables whose answers are known by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from brickwork.engines.rules import compile_model, compile_table
from brickwork.engines.rules.analysis import Finding, analyse_model, analyse_table
from brickwork.engines.rules.dmn_xml import import_dmn

MODELS = Path(__file__).parent / "models"


def _table(
    policy: str, inputs: list[tuple[str, str | None]], rules: list[list[str]], **extra: Any
) -> dict[str, Any]:
    columns = [
        {"id": f"in{c}", "expression": name, **({"type_ref": t} if t else {})}
        for c, (name, t) in enumerate(inputs)
    ]
    return {
        "type": "decision_table",
        "hit_policy": policy,
        "inputs": columns,
        "outputs": [{"id": "out", "name": "result"}],
        "rules": [
            {"id": f"r{n}", "when": cells, "then": [str(n)]} for n, cells in enumerate(rules)
        ],
        **extra,
    }


def _kinds(findings: tuple[Finding, ...], kind: str) -> list[Finding]:
    return [f for f in findings if f.kind == kind]


def test_overlapping_numeric_ranges_under_unique() -> None:
    table = _table("U", [("Age", "number")], [["< 18"], ["[18..65]"], ["> 60"]])
    (overlap,) = _kinds(analyse_table(table, pointer="/decisions/0/logic"), "overlap")
    assert overlap.rules == ("r1", "r2")
    assert overlap.pointer == "/decisions/0/logic/rules/2"
    assert overlap.example is not None
    age = overlap.example["Age"]
    assert Decimal(60) < age <= Decimal(65)
    # the example really matches both rules: with U the engine reports the violation
    result = compile_table(table, {"Age": "number"}).evaluate(None, {"Age": age})
    assert "E_DMN_UNIQUE_VIOLATED" in {d.code for d in result.diagnostics}


def test_no_overlap_when_one_column_separates_rules() -> None:
    table = _table(
        "U",
        [("Age", "number"), ("Kind", "string")],
        [["< 18", '"A"'], ["< 18", '"B"'], [">= 18", "-"]],
    )
    findings = analyse_table(table)
    assert _kinds(findings, "overlap") == []
    gaps = _kinds(findings, "gap")
    assert [g.example for g in gaps] == [{"Age": Decimal(17), "Kind": "other"}]


def test_numeric_gaps_with_examples_that_hit_no_rule() -> None:
    table = _table("U", [("Score", "number")], [["< 10"], ["(10..20]"], ["> 30"]])
    gaps = _kinds(analyse_table(table), "gap")
    examples = [g.example["Score"] for g in gaps if g.example]
    assert examples == [Decimal(10), Decimal(25)]
    compiled = compile_table(table, {"Score": "number"})
    for score in examples:
        assert compiled.evaluate(None, {"Score": score}).value is None


def test_enumeration_declared_by_input_values_is_closed() -> None:
    rules = [['"low"'], ['"medium"']]
    open_table = _table("U", [("Risk", "string")], rules)
    assert [g.example for g in _kinds(analyse_table(open_table), "gap")] == [{"Risk": "other"}]
    closed = _table("U", [("Risk", "string")], rules)
    closed["inputs"][0]["input_values"] = '"low","medium","high"'
    assert [g.example for g in _kinds(analyse_table(closed), "gap")] == [{"Risk": "high"}]
    closed["rules"].append({"id": "r9", "when": ['"high"'], "then": ["9"]})
    assert _kinds(analyse_table(closed), "gap") == []


def test_enumeration_from_an_item_definition_and_boolean_gaps() -> None:
    spec = {
        "item_definitions": [
            {"id": "t", "name": "tRisk", "type_ref": "string", "allowed_values": '"A","B"'}
        ],
        "inputs": [
            {"id": "i1", "name": "Risk", "type_ref": "tRisk"},
            {"id": "i2", "name": "PEP", "type_ref": "boolean"},
        ],
        "decisions": [
            {
                "id": "d",
                "name": "Review",
                "requires": {"inputs": ["Risk", "PEP"]},
                "logic": _table(
                    "U",
                    [("Risk", None), ("PEP", None)],
                    [['"A"', "true"], ['"A"', "false"], ['"B"', "true"]],
                ),
            }
        ],
    }
    (gap,) = analyse_model(spec)
    assert gap.kind == "gap"
    assert gap.pointer == "/decisions/0/logic"
    assert gap.example == {"Risk": "B", "PEP": False}


def test_negated_and_date_cells() -> None:
    table = _table(
        "U",
        [("Day", "date")],
        [['< date("2025-01-01")'], ['[date("2025-01-01")..date("2025-12-31")]']],
    )
    gaps = _kinds(analyse_table(table), "gap")
    assert [g.example for g in gaps] == [{"Day": date(2026, 1, 1)}]
    negated = _table("U", [("Kind", "string")], [['not("A")'], ['"A"']])
    assert analyse_table(negated) == ()


def test_shadowed_rules_under_first() -> None:
    table = _table(
        "F",
        [("Amount", "number"), ("Channel", "string")],
        [["> 100", "-"], ["> 500", '"cash"'], ["<= 100", '"cash"'], ["[50..100]", '"cash","card"']],
    )
    shadowed = _kinds(analyse_table(table), "shadowed")
    assert [(f.pointer, f.rules) for f in shadowed] == [("/rules/1", ("r1", "r0"))]
    # covered only by two earlier rules together
    table["rules"].append({"id": "r4", "when": ["[0..200]", '"cash"'], "then": ["4"]})
    shadowed = _kinds(analyse_table(table), "shadowed")
    assert [f.rules for f in shadowed] == [("r1", "r0"), ("r4", "r0", "r2", "r3")]
    assert _kinds(analyse_table({**table, "hit_policy": "U"}), "shadowed") == []


def test_type_mismatches_in_inputs_and_outputs() -> None:
    table = _table(
        "U", [("Age", "number"), ("Kind", "string")], [['"18"', "-"], ["-", "< 5"], ["-", '"A"']]
    )
    table["outputs"][0]["type_ref"] = "string"
    mismatches = _kinds(analyse_table(table), "type_mismatch")
    assert [f.pointer for f in mismatches] == [
        "/rules/0/when/0",
        "/rules/1/when/1",
        "/rules/0/then/0",
        "/rules/1/then/0",
        "/rules/2/then/0",
    ]


@pytest.mark.parametrize("cell", ["? > limit", "Age + 1", "null", "string length(?) > 2"])
def test_cells_that_are_not_literals_are_unknown_not_guessed(cell: str) -> None:
    table = _table("U", [("Age", "number")], [["< 18"], [cell], [">= 18"]])
    findings = analyse_table(table)
    (unknown,) = _kinds(findings, "unanalysed")
    assert unknown.pointer == "/rules/1/when/0"
    assert unknown.rules == ("r1",)
    assert _kinds(findings, "overlap") == []


def test_gaps_mention_unanalysed_rules_and_defaults() -> None:
    table = _table("U", [("Age", "number")], [["< 18"], ["? > limit"]])
    (gap,) = _kinds(analyse_table(table), "gap")
    assert "unanalysed" in gap.message
    table["outputs"][0]["default"] = '"none"'
    (gap,) = _kinds(analyse_table(table), "gap")
    assert "defaults" in gap.message


def test_nested_tables_in_knowledge_models_are_found() -> None:
    inner = _table("U", [("x", "number")], [["< 1"], ["< 2"]])
    spec = {
        "decisions": [
            {
                "id": "d",
                "name": "D",
                "requires": {"knowledge": ["K"]},
                "logic": {"type": "literal", "text": "K(1)"},
            }
        ],
        "knowledge": [
            {
                "id": "k",
                "name": "K",
                "parameters": [{"name": "x"}],
                "logic": {"type": "context", "entries": [{"value": inner}]},
            }
        ],
    }
    overlaps = _kinds(analyse_model(spec), "overlap")
    assert [f.pointer for f in overlaps] == ["/knowledge/0/logic/entries/0/value/rules/1"]


def test_an_imported_camunda_model() -> None:
    spec = import_dmn((MODELS / "risk.dmn").read_bytes())
    assert analyse_model(spec) == ()  # FIRST with a catch-all last rule: nothing to say
    table = spec["decisions"][0]["logic"]
    catch_all = table["rules"][-1]
    table["rules"].append({**catch_all, "id": "DecisionRule_late"})
    (shadowed,) = analyse_model(spec)
    assert shadowed.kind == "shadowed"
    assert shadowed.pointer == f"/decisions/0/logic/rules/{len(table['rules']) - 1}"
    assert shadowed.rules[0] == "DecisionRule_late"
    table["rules"] = table["rules"][:-2]  # without the catch-all: a gap
    (gap,) = analyse_model(spec)
    assert gap.kind == "gap"
    assert gap.example == {"age": Decimal(18), "Monthly Income": Decimal(1000)}
    result = compile_model(spec).evaluate(None, dict(gap.example))
    assert result.value is None
