"""Design-time checks of decision models (definition kind `decision_table`).

A decision model is refused at save-to-publish time with every problem the rules engine finds,
each with its stable code, the JSON pointer into the definition and, inside FEEL text, the line
and column: an invalid model never reaches evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from brickwork.engines.rules import DecisionModelError, ModelProblem, RuleDefinition, compile_model
from brickwork.engines.rules.examples import run_examples
from brickwork.platform.errors import ErrorItem, pointer_of


def validate_decision_spec(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    """Every problem of the model; when it compiles, every embedded example that fails."""
    try:
        model = compile_model(spec)
    except DecisionModelError as exc:
        for problem in exc.problems:
            yield ErrorItem(problem.pointer, problem.code, describe(problem))
        return
    for outcome in run_examples(model):
        if not outcome.passed:
            yield ErrorItem(
                f"/tests/{outcome.index}/expected",
                "E_DMN_TEST_FAILED",
                f"example {outcome.test_id!r} expects {json.dumps(outcome.expected)} but the "
                f"model gives {json.dumps(outcome.actual)}",
            )


def validate_rule_spec(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    """The rule's shape; what needs the app's forms (fields, examples) is checked at publish."""
    try:
        RuleDefinition.model_validate(spec)
    except ValidationError as exc:
        for error in exc.errors():
            pointer = pointer_of(error["loc"])
            yield ErrorItem(pointer, "E_RULE_SCHEMA", error["msg"])


def describe(problem: ModelProblem) -> str:
    """The problem's message with its place in the FEEL text and its hint."""
    text = problem.message
    if problem.line:
        text = f"line {problem.line}, column {problem.column}: {text}"
    return f"{text} ({problem.hint})" if problem.hint else text
