"""Design-time checks of decision models (definition kind `decision_table`).

A decision model is refused at save-to-publish time with every problem the rules engine finds,
each with its stable code, the JSON pointer into the definition and, inside FEEL text, the line
and column: an invalid model never reaches evaluation. Each problem becomes an `ErrorItem` in
English and in Simplified Chinese (`problem_item`), so a designer reads it in their language.
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
        yield from (problem_item(problem) for problem in exc.problems)
        return
    for outcome in run_examples(model):
        if not outcome.passed:
            expected, actual = json.dumps(outcome.expected), json.dumps(outcome.actual)
            yield ErrorItem(
                f"/tests/{outcome.index}/expected",
                "E_DMN_TEST_FAILED",
                f"example {outcome.test_id!r} expects {expected} but the model gives {actual}",
                f"示例 {outcome.test_id!r} 期望 {expected}，但模型给出 {actual}",
            )


def validate_rule_spec(spec: Mapping[str, Any]) -> Iterator[ErrorItem]:
    """The rule's shape; what needs the app's forms (fields, examples) is checked at publish."""
    try:
        RuleDefinition.model_validate(spec)
    except ValidationError as exc:
        for error in exc.errors():
            yield rule_schema_item(pointer_of(error["loc"]), error["msg"])


def rule_schema_item(pointer: str, message: str) -> ErrorItem:
    """A pydantic error in a rule's shape (English only: a Chinese lead-in puts it in context)."""
    return ErrorItem(pointer, "E_RULE_SCHEMA", message, f"规则定义的结构不符合要求：{message}")


def problem_item(problem: ModelProblem, prefix: str = "") -> ErrorItem:
    """The problem as an error item, its pointer under `prefix`, in both languages."""
    return ErrorItem(
        prefix + problem.pointer, problem.code, describe(problem), describe(problem, "zh-CN")
    )


def describe(problem: ModelProblem, locale: str | None = None) -> str:
    """The problem's message with its place in the FEEL text and its hint, in `locale`
    ("zh-CN" or English)."""
    message, hint = problem.said(locale)
    if locale == "zh-CN":
        text = f"第 {problem.line} 行第 {problem.column} 列：{message}" if problem.line else message
        return f"{text}（{hint}）" if hint else text
    text = f"line {problem.line}, column {problem.column}: {message}" if problem.line else message
    return f"{text} ({hint})" if hint else text
