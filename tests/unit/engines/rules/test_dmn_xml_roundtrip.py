"""Export then import gives back the same decision model, for models built from small
strategies over every element and boxed expression of the JSON form."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.rules import DecisionModel
from brickwork.engines.rules.dmn_xml import export_dmn, import_dmn

NAMES = st.sampled_from(["a", "b", "Monthly Income", "rate", "年龄", "x_1", "Risk & <level>"])
TYPES = st.sampled_from(
    ["number", "string", "date and time", "days and time duration", "list<string>", "Any"]
)
FEEL = st.sampled_from(["1", "a + 1", '"high"', "x < 3 and y > 4", "null", "[1, 2]", "{k: 1}"])
TESTS = st.sampled_from(["-", "< 18", '"A","B"', "[1..5]", "not(3)", "> 1000 & < 2"])
TEXTS = st.sampled_from(["", "why", 'a note with "quotes" & <tags>', "多行"])
POLICIES = st.sampled_from(["U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#"])


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def clean(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v is not None}


def literal() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda text, type_ref, with_id: clean(
            {"type": "literal", "text": text, "type_ref": type_ref, "id": with_id}
        ),
        FEEL,
        optional(TYPES),
        optional(st.just("?")),
    )


@st.composite
def table(draw: st.DrawFn) -> dict[str, Any]:
    n_in = draw(st.integers(0, 3))
    n_out = draw(st.integers(1, 2))
    n_notes = draw(st.integers(0, 2))
    inputs = [
        clean(
            {
                "id": "?",
                "label": draw(optional(NAMES)),
                "expression": draw(FEEL),
                "type_ref": draw(optional(TYPES)),
                "input_values": draw(optional(TESTS)),
            }
        )
        for _ in range(n_in)
    ]
    outputs = [
        clean(
            {
                "id": "?",
                "name": f"out {i}",
                "label": draw(optional(NAMES)),
                "type_ref": draw(optional(TYPES)),
                "output_values": draw(optional(TESTS)),
                "default": draw(optional(FEEL)),
            }
        )
        for i in range(n_out)
    ]
    rules = [
        {
            "id": "?",
            "when": [draw(TESTS) for _ in range(n_in)],
            "then": [draw(FEEL) for _ in range(n_out)],
            "annotations": [draw(TEXTS) for _ in range(n_notes)],
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    return clean(
        {
            "type": "decision_table",
            "id": draw(optional(st.just("?"))),
            "hit_policy": draw(POLICIES),
            "inputs": inputs,
            "outputs": outputs,
            "annotations": [draw(TEXTS) for _ in range(n_notes)],
            "rules": rules,
        }
    )


def boxed_of(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    entry = st.builds(
        lambda name, value: clean({"name": name, "value": value}), optional(NAMES), children
    )
    parameter = st.builds(
        lambda name, type_ref: clean({"name": name, "type_ref": type_ref}), NAMES, optional(TYPES)
    )
    return st.one_of(
        st.builds(
            lambda entries: {"type": "context", "entries": entries}, st.lists(entry, max_size=3)
        ),
        st.builds(lambda items: {"type": "list", "items": items}, st.lists(children, max_size=3)),
        st.integers(1, 2).flatmap(
            lambda n: st.builds(
                lambda rows: {
                    "type": "relation",
                    "columns": [f"c{i}" for i in range(n)],
                    "rows": rows,
                },
                st.lists(st.lists(children, min_size=n, max_size=n), max_size=2),
            )
        ),
        st.builds(
            lambda function, bindings: {
                "type": "invocation",
                "function": function,
                "bindings": bindings,
            },
            NAMES,
            st.lists(st.builds(lambda n, v: {"name": n, "value": v}, NAMES, children), max_size=2),
        ),
        st.builds(
            lambda a, b, c: {"type": "conditional", "if": a, "then": b, "else": c},
            children,
            children,
            children,
        ),
        st.builds(lambda a, b: {"type": "filter", "in": a, "match": b}, children, children),
        st.builds(
            lambda kind, name, a, b: {
                "type": "iterator",
                "kind": kind,
                "variable": name,
                "in": a,
                ("return" if kind == "for" else "satisfies"): b,
            },
            st.sampled_from(["for", "some", "every"]),
            NAMES,
            children,
            children,
        ),
        st.builds(
            lambda parameters, body: {"type": "function", "parameters": parameters, "body": body},
            st.lists(parameter, max_size=2),
            children,
        ),
    )


BOXED = st.recursive(st.one_of(literal(), table()), boxed_of, max_leaves=6)


def item_definition(depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    typed = st.builds(
        lambda name, type_ref, many, allowed: clean(
            {
                "id": "?",
                "name": name,
                "type_ref": type_ref,
                "is_collection": many or None,
                "allowed_values": allowed,
            }
        ),
        NAMES,
        TYPES,
        st.booleans(),
        optional(TESTS),
    )
    if depth:
        return typed
    structured = st.builds(
        lambda name, components, many: clean(
            {"id": "?", "name": name, "components": components, "is_collection": many or None}
        ),
        NAMES,
        st.lists(item_definition(depth + 1), min_size=1, max_size=2),
        st.booleans(),
    )
    return st.one_of(typed, structured)


def number_ids(value: Any, counter: itertools.count[int]) -> Any:
    """Replace every `?` id with a fresh one, so ids are unique in the model."""
    if isinstance(value, dict):
        return {
            k: (f"e{next(counter)}" if k == "id" and v == "?" else number_ids(v, counter))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [number_ids(v, counter) for v in value]
    return value


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    inputs = [
        clean({"id": "?", "name": f"input {i}", "type_ref": draw(optional(TYPES))})
        for i in range(draw(st.integers(0, 3)))
    ]
    knowledge: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 2))):
        parameters = draw(
            st.lists(
                st.builds(lambda n, t: clean({"name": n, "type_ref": t}), NAMES, optional(TYPES)),
                max_size=2,
            )
        )
        requires = (
            draw(st.lists(st.sampled_from([k["name"] for k in knowledge]), max_size=1, unique=True))
            if knowledge
            else []
        )
        knowledge.append(
            clean(
                {
                    "id": "?",
                    "name": f"bkm {i}",
                    "parameters": parameters,
                    "type_ref": draw(optional(TYPES)),
                    "requires": {"knowledge": requires} if requires else None,
                    "logic": draw(BOXED),
                }
            )
        )
    decisions: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        requires = {
            "decisions": draw(
                st.lists(st.sampled_from([d["name"] for d in decisions]), unique=True)
            )
            if decisions
            else [],
            "inputs": draw(st.lists(st.sampled_from([d["name"] for d in inputs]), unique=True))
            if inputs
            else [],
            "knowledge": draw(
                st.lists(st.sampled_from([d["name"] for d in knowledge]), unique=True)
            )
            if knowledge
            else [],
        }
        decisions.append(
            clean(
                {
                    "id": "?",
                    "name": f"decision {i}",
                    "type_ref": draw(optional(TYPES)),
                    "requires": {k: v for k, v in requires.items() if v} or None,
                    "logic": draw(BOXED),
                    "description": draw(optional(st.just("what it decides"))),
                }
            )
        )
    spec = {
        "name": draw(NAMES),
        "namespace": "https://bank.example/dmn/generated",
        "item_definitions": draw(st.lists(item_definition(), max_size=2)),
        "inputs": inputs,
        "decisions": decisions,
        "knowledge": knowledge,
    }
    return number_ids(spec, itertools.count())


@given(models())
def test_export_then_import_gives_the_same_model(spec: dict[str, Any]) -> None:
    model = DecisionModel.model_validate(spec)
    again = DecisionModel.model_validate(import_dmn(export_dmn(model)))
    assert again == model
