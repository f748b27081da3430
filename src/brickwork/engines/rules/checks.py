"""Checks of a decision model that need more than one element, with stable codes and pointers.

The JSON shape (pydantic errors become `E_DMN_SCHEMA` with pointers into the spec), unique ids
and names, requirements that name existing elements of the right kind, and requirement cycles.
This module must not compile FEEL text (the boxed-expression compiler does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from brickwork.engines.bilingual import NONE, listing
from brickwork.engines.rules.definition import (
    BoxedContext,
    BoxedFilter,
    BoxedList,
    BusinessKnowledgeModel,
    Conditional,
    Decision,
    DecisionModel,
    DecisionTable,
    FunctionDefinition,
    InputData,
    Invocation,
    Iterator,
    Relation,
)
from brickwork.engines.rules.messages import REQUIRED
from brickwork.engines.rules.problems import ModelProblem, pointer_token, problem

_BOXED_KEYS = frozenset(
    {"logic", "value", "items", "if", "then", "else", "in", "match", "return", "satisfies", "body"}
)
_BOXED_TAGS = frozenset(
    {"literal", "decision_table", "context", "list", "relation", "invocation", "conditional"}
    | {"filter", "iterator", "function"}
)


def schema_problems(exc: ValidationError) -> list[ModelProblem]:
    problems = []
    errors = exc.errors()
    locations = [tuple(e["loc"]) for e in errors]
    for error in errors:
        loc = tuple(error["loc"])
        nested = any(len(other) > len(loc) and other[: len(loc)] == loc for other in locations)
        if error["type"] == "too_short" and nested:
            continue  # a list whose items failed counts as too short: the items say why
        tokens: list[str | int] = []
        for item in error["loc"]:
            previous = tokens[-1] if tokens else None
            after_boxed = previous in _BOXED_KEYS or isinstance(previous, int)
            if isinstance(item, str) and item in _BOXED_TAGS and after_boxed:
                continue
            tokens.append(item)
        pointer = "".join(f"/{pointer_token(token)}" for token in tokens)
        problems.append(problem("E_DMN_SCHEMA", "model_schema", pointer, detail=error["msg"]))
    return problems


def _cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    """One cycle of `graph` (names in order), or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt in graph and state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


def check_cycles(
    model: DecisionModel,
    decision_index: Mapping[str, int],
    knowledge_index: Mapping[str, int],
    problems: list[ModelProblem],
) -> bool:
    """Report requirement cycles; True when there is one (nothing more can be compiled)."""
    knowledge_cycle = _cycle({k.name: list(k.requires.knowledge) for k in model.knowledge})
    if knowledge_cycle:
        problems.append(
            problem(
                "E_DMN_REQUIREMENT_CYCLE",
                "knowledge_cycle",
                f"/knowledge/{knowledge_index[knowledge_cycle[0]]}/requires/knowledge",
                cycle=" → ".join(knowledge_cycle),
            )
        )
    decision_cycle = _cycle({d.name: list(d.requires.decisions) for d in model.decisions})
    if decision_cycle:
        problems.append(
            problem(
                "E_DMN_REQUIREMENT_CYCLE",
                "decision_cycle",
                f"/decisions/{decision_index[decision_cycle[0]]}/requires/decisions",
                cycle=" → ".join(decision_cycle),
            )
        )
    return bool(knowledge_cycle or decision_cycle)


def unique_problems(problems: Sequence[ModelProblem]) -> list[ModelProblem]:
    seen: set[ModelProblem] = set()
    found = []
    for item in problems:
        if item not in seen:
            seen.add(item)
            found.append(item)
    return found


def check_ids(model: DecisionModel, problems: list[ModelProblem]) -> None:
    seen: dict[str, str] = {}

    def note(element_id: str | None, pointer: str) -> None:
        if element_id is None:
            return
        if element_id in seen:
            problems.append(
                problem(
                    "E_DMN_DUPLICATE_ID",
                    "duplicate_id",
                    f"{pointer}/id",
                    element=element_id,
                    at=seen[element_id],
                )
            )
        else:
            seen[element_id] = pointer

    def boxed(node: Any, pointer: str) -> None:
        note(getattr(node, "id", None), pointer)
        for element_id, at in _table_ids(node, pointer):
            note(element_id, at)
        for child, at in _boxed_children(node, pointer):
            boxed(child, at)

    def item(definition: Any, pointer: str) -> None:
        note(definition.id, pointer)
        for i, part in enumerate(definition.components or ()):
            item(part, f"{pointer}/components/{i}")

    for i, definition in enumerate(model.item_definitions):
        item(definition, f"/item_definitions/{i}")
    _note_elements(model, note, boxed)
    _check_names(model, problems)
    _check_names(model, problems)


def _note_elements(
    model: DecisionModel,
    note: Callable[[str | None, str], None],
    boxed: Callable[[Any, str], None],
) -> None:
    for i, data in enumerate(model.inputs):
        note(data.id, f"/inputs/{i}")
    for i, decision in enumerate(model.decisions):
        note(decision.id, f"/decisions/{i}")
        boxed(decision.logic, f"/decisions/{i}/logic")
    for i, bkm in enumerate(model.knowledge):
        note(bkm.id, f"/knowledge/{i}")
        boxed(bkm.logic, f"/knowledge/{i}/logic")


def _table_ids(node: Any, pointer: str) -> list[tuple[str, str]]:
    if not isinstance(node, DecisionTable):
        return []
    found = [(c.id, f"{pointer}/inputs/{i}") for i, c in enumerate(node.inputs)]
    found.extend((o.id, f"{pointer}/outputs/{i}") for i, o in enumerate(node.outputs))
    found.extend((r.id, f"{pointer}/rules/{i}") for i, r in enumerate(node.rules))
    return found


def _boxed_children(node: Any, pointer: str) -> list[tuple[Any, str]]:
    """The boxed expressions directly inside `node`, with their pointers."""
    match node:
        case BoxedContext():
            return [(e.value, f"{pointer}/entries/{i}/value") for i, e in enumerate(node.entries)]
        case BoxedList():
            return [(item, f"{pointer}/items/{i}") for i, item in enumerate(node.items)]
        case Relation():
            return [
                (cell, f"{pointer}/rows/{r}/{c}")
                for r, row in enumerate(node.rows)
                for c, cell in enumerate(row)
            ]
        case Invocation():
            return [(b.value, f"{pointer}/bindings/{i}/value") for i, b in enumerate(node.bindings)]
        case Conditional():
            return [(node.if_, f"{pointer}/if"), (node.then, f"{pointer}/then"),
                    (node.else_, f"{pointer}/else")]  # fmt: skip
        case BoxedFilter():
            return [(node.in_, f"{pointer}/in"), (node.match, f"{pointer}/match")]
        case Iterator():
            parts = [(node.in_, f"{pointer}/in")]
            if node.return_ is not None:
                parts.append((node.return_, f"{pointer}/return"))
            if node.satisfies is not None:
                parts.append((node.satisfies, f"{pointer}/satisfies"))
            return parts
        case FunctionDefinition():
            return [(node.body, f"{pointer}/body")]
    return []


def _check_names(model: DecisionModel, problems: list[ModelProblem]) -> None:
    names: dict[str, str] = {}
    elements: list[tuple[str, Sequence[InputData | Decision | BusinessKnowledgeModel]]] = [
        ("inputs", model.inputs),
        ("decisions", model.decisions),
        ("knowledge", model.knowledge),
    ]
    for kind, items in elements:
        for i, element in enumerate(items):
            pointer = f"/{kind}/{i}"
            if element.name in names:
                problems.append(
                    problem(
                        "E_DMN_DUPLICATE_NAME",
                        "duplicate_element",
                        f"{pointer}/name",
                        name=element.name,
                        at=names[element.name],
                    )
                )
            else:
                names[element.name] = pointer
    item_names: set[str] = set()
    for i, definition in enumerate(model.item_definitions):
        if definition.name in item_names:
            problems.append(
                problem(
                    "E_DMN_DUPLICATE_NAME",
                    "duplicate_item_definition",
                    f"/item_definitions/{i}/name",
                    name=definition.name,
                )
            )
        item_names.add(definition.name)


def check_requirements(
    model: DecisionModel,
    inputs: Mapping[str, Any],
    decisions: Mapping[str, int],
    knowledge: Mapping[str, int],
    problems: list[ModelProblem],
) -> None:
    kinds = {"inputs": inputs, "decisions": decisions, "knowledge": knowledge}

    def check(owner: str, kind: str, names: Sequence[str]) -> None:
        for index, name in enumerate(names):
            if name in kinds[kind]:
                continue
            pointer = f"{owner}/requires/{kind}/{index}"
            other = next((k for k, known in kinds.items() if name in known), None)
            if other is not None:
                problems.append(
                    problem(
                        "E_DMN_REQUIREMENT_KIND",
                        "requirement_kind",
                        pointer,
                        name=name,
                        other=other,
                        kind=kind,
                    )
                )
            else:
                known = listing(list(kinds[kind]), empty=NONE)
                problems.append(
                    problem(
                        "E_DMN_UNKNOWN_REQUIREMENT",
                        "unknown_requirement",
                        pointer,
                        name=name,
                        noun=REQUIRED[kind],
                        known=known,
                    )
                )

    for i, decision in enumerate(model.decisions):
        owner = f"/decisions/{i}"
        check(owner, "inputs", decision.requires.inputs)
        check(owner, "decisions", decision.requires.decisions)
        check(owner, "knowledge", decision.requires.knowledge)
    for i, bkm in enumerate(model.knowledge):
        check(f"/knowledge/{i}", "knowledge", bkm.requires.knowledge)
