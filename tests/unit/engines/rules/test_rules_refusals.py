"""Invalid decision models are refused when compiled, with every problem listed: a stable
code, a JSON pointer into the spec, the line/column inside FEEL text, and a hint."""

from __future__ import annotations

from typing import Any

import pytest
from rules_support import table

from brickwork.engines.rules import DecisionModelError, compile_model


def lit(text: str) -> dict[str, Any]:
    return {"type": "literal", "text": text}


def refused(spec: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DecisionModelError) as caught:
        compile_model(spec)
    problems = caught.value.problems
    assert all(p.hint for p in problems)
    return [(p.code, p.pointer) for p in problems]


def one(logic: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "inputs": [{"id": "x", "name": "x"}],
        "decisions": [{"id": "d", "name": "d", "requires": {"inputs": ["x"]}, "logic": logic}],
        **extra,
    }


def test_schema_problems_point_into_the_spec() -> None:
    spec = one({"type": "decision_table", "hit_policy": "Z", "outputs": [{"id": "o", "name": "o"}]})
    assert refused(spec) == [("E_DMN_SCHEMA", "/decisions/0/logic/hit_policy")]
    assert refused({"decisions": []}) == [("E_DMN_SCHEMA", "/decisions")]
    bad = one({"type": "context", "entries": [{"value": {"type": "literal"}}]})
    assert refused(bad) == [("E_DMN_SCHEMA", "/decisions/0/logic/entries/0/value/text")]


def test_expression_problems_carry_line_and_column() -> None:
    with pytest.raises(DecisionModelError) as caught:
        compile_model(one(lit("x +\n  * 2")))
    (problem,) = caught.value.problems
    assert (problem.code, problem.pointer) == ("E_DMN_EXPRESSION", "/decisions/0/logic/text")
    assert (problem.line, problem.column) == (2, 3)


def test_every_problem_is_listed_at_once() -> None:
    logic = table("U", [(["< ", "1"], ["oops +"]), (["-"], ["1", "2"])])
    found = refused(one(logic))
    assert found == [
        ("E_DMN_RULE_SHAPE", "/decisions/0/logic/rules/0/when"),
        ("E_DMN_RULE_SHAPE", "/decisions/0/logic/rules/1/then"),
        ("E_DMN_EXPRESSION", "/decisions/0/logic/rules/0/when/0"),
        ("E_DMN_EXPRESSION", "/decisions/0/logic/rules/0/then/0"),
    ]


def test_duplicate_ids_and_names() -> None:
    spec = {
        "inputs": [{"id": "a", "name": "Amount"}],
        "decisions": [
            {"id": "a", "name": "Amount", "logic": lit("1")},
        ],
    }
    assert refused(spec) == [
        ("E_DMN_DUPLICATE_ID", "/decisions/0/id"),
        ("E_DMN_DUPLICATE_NAME", "/decisions/0/name"),
    ]


def test_requirements() -> None:
    spec = {
        "inputs": [{"id": "x", "name": "x"}],
        "decisions": [
            {
                "id": "a",
                "name": "A",
                "requires": {"inputs": ["y"], "decisions": ["x"]},
                "logic": lit("1"),
            },
            {"id": "b", "name": "B", "logic": lit("x + 1")},
        ],
    }
    assert refused(spec) == [
        ("E_DMN_UNKNOWN_REQUIREMENT", "/decisions/0/requires/inputs/0"),
        ("E_DMN_REQUIREMENT_KIND", "/decisions/0/requires/decisions/0"),
        ("E_DMN_MISSING_REQUIREMENT", "/decisions/1/logic/text"),
    ]


def test_requirement_cycles() -> None:
    spec = {
        "decisions": [
            {"id": "a", "name": "A", "requires": {"decisions": ["B"]}, "logic": lit("B")},
            {"id": "b", "name": "B", "requires": {"decisions": ["A"]}, "logic": lit("A")},
        ],
    }
    assert refused(spec) == [("E_DMN_REQUIREMENT_CYCLE", "/decisions/0/requires/decisions")]
    spec = {
        "knowledge": [
            {"id": "f", "name": "F", "requires": {"knowledge": ["F"]}, "logic": lit("1")},
        ],
        "decisions": [{"id": "a", "name": "A", "logic": lit("1")}],
    }
    assert refused(spec) == [("E_DMN_REQUIREMENT_CYCLE", "/knowledge/0/requires/knowledge")]


def test_types() -> None:
    spec = {
        "item_definitions": [
            {"id": "t1", "name": "tLoop", "type_ref": "tLoop"},
            {"id": "t2", "name": "tBoth", "type_ref": "number", "components": []},
            {"id": "t3", "name": "tOdd", "type_ref": "numbr"},
            {"id": "t4", "name": "tA", "type_ref": "tB"},
            {"id": "t5", "name": "tB", "type_ref": "tA"},
        ],
        "decisions": [{"id": "a", "name": "A", "type_ref": "tNone", "logic": lit("1")}],
    }
    found = refused(spec)
    assert ("E_DMN_TYPE_CYCLE", "/item_definitions/0/type_ref") in found
    assert ("E_DMN_ITEM_DEFINITION", "/item_definitions/1") in found
    assert ("E_DMN_UNKNOWN_TYPE", "/item_definitions/2/type_ref") in found
    assert ("E_DMN_TYPE_CYCLE", "/item_definitions/3") in found
    assert ("E_DMN_UNKNOWN_TYPE", "/decisions/0/type_ref") in found


def test_hit_policy_needs() -> None:
    assert refused(one(table("P", [(["-"], ['"a"'])]))) == [
        ("E_DMN_PRIORITY_WITHOUT_OUTPUT_VALUES", "/decisions/0/logic/hit_policy")
    ]


def test_boxed_expression_shapes() -> None:
    context = {
        "type": "context",
        "entries": [{"value": lit("1")}, {"name": "a", "value": lit("2")}],
    }
    assert refused(one(context)) == [("E_DMN_CONTEXT_RESULT", "/decisions/0/logic/entries/0/name")]
    relation = {"type": "relation", "columns": ["a", "b"], "rows": [[lit("1")]]}
    assert refused(one(relation)) == [("E_DMN_RELATION_SHAPE", "/decisions/0/logic/rows/0")]
    iterator = {
        "type": "iterator",
        "kind": "some",
        "variable": "v",
        "in": lit("[1]"),
        "return": lit("v"),
    }
    assert refused(one(iterator)) == [("E_DMN_ITERATOR", "/decisions/0/logic/satisfies")]


def test_invocations() -> None:
    spec = {
        "knowledge": [
            {"id": "k", "name": "K", "parameters": [{"name": "p"}], "logic": lit("p")},
        ],
        "decisions": [
            {
                "id": "a",
                "name": "A",
                "requires": {"knowledge": ["K"]},
                "logic": {
                    "type": "invocation",
                    "function": "K",
                    "bindings": [{"name": "q", "value": lit("1")}],
                },
            },
            {"id": "b", "name": "B", "logic": {"type": "invocation", "function": "K"}},
            {"id": "c", "name": "C", "logic": {"type": "invocation", "function": "Z"}},
        ],
    }
    assert refused(spec) == [
        ("E_DMN_INVOCATION_BINDING", "/decisions/0/logic/bindings/0/name"),
        ("E_DMN_MISSING_REQUIREMENT", "/decisions/1/logic/function"),
        ("E_DMN_UNKNOWN_FUNCTION", "/decisions/2/logic/function"),
    ]


def test_unknown_entry() -> None:
    spec = {"decisions": [{"id": "a", "name": "A", "logic": lit("1")}], "entry": "B"}
    assert refused(spec) == [("E_DMN_UNKNOWN_ENTRY", "/entry")]


def test_a_missing_requirement_with_spaces_in_its_name_is_named() -> None:
    spec = {
        "inputs": [{"id": "income", "name": "Monthly Income"}],
        "decisions": [{"id": "a", "name": "A", "logic": lit("max([1]) + Monthly Income")}],
    }
    with pytest.raises(DecisionModelError) as caught:
        compile_model(spec)
    (problem,) = caught.value.problems
    assert (problem.code, problem.pointer) == (
        "E_DMN_MISSING_REQUIREMENT",
        "/decisions/0/logic/text",
    )
    assert "`Monthly Income`" in problem.message
