"""Expression evaluation for one record validation: values, conditions and their warnings.

An `Evaluator` runs compiled expressions with the request's `EvaluationContext` and turns every
run-time diagnostic into a warning (`expression_failed`, with the property that failed), never
an exception. Computed results and default-expression results are converted to their field's
type by the field's prepared checker (money in the field currency, half-up at the scale; whole
numbers for integer results); a result the field refuses gives null and `computed_invalid` or
`default_invalid`. Warnings of computed values are kept apart because computing may run twice.
This module must not decide policy (visibility, read-only, required): `record.py` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import CompiledExpression, Diagnostic, EvaluationContext
from brickwork.engines.form.compiled import FieldPlan
from brickwork.engines.form.expressions import detail_of
from brickwork.engines.form.fieldtypes import CoerceContext, Coerced
from brickwork.engines.form.money import quantize_half_up
from brickwork.engines.form.problems import Problem, Words, problem

NOT_BOOLEAN = Words(
    "条件的结果不是 true 或 false", "the condition gave a value that is not true or false"
)


class Evaluator:
    """Runs the expressions of one validation and collects what went wrong."""

    __slots__ = ("coerce_context", "computed_warnings", "context", "warnings")

    def __init__(
        self, context: EvaluationContext, coerce_context: CoerceContext, warnings: list[Problem]
    ) -> None:
        self.context = context
        self.coerce_context = coerce_context
        self.warnings = warnings
        """Where condition and validation warnings go (the record's own list)."""
        self.computed_warnings: list[Problem] = []
        """Warnings of the latest computation of values."""

    def computed(self, plan: FieldPlan, variables: Mapping[str, Any], pointer: str) -> Any:
        assert plan.computed is not None
        assert plan.result is not None
        value = self.evaluate(plan.computed, variables, pointer, "expression", into=True)
        if value is None:
            return None
        if type(value) is Decimal and plan.result.type == "integer":
            value = quantize_half_up(value, 0)
        found = plan.check(value, self.coerce_context)
        if type(found) is not Coerced:
            return found
        if found.problems:
            first = found.problems[0]
            reason = Words(first.zh_cn, first.en)
            self.computed_warnings.append(
                problem("computed_invalid", pointer=pointer, reason=reason)
            )
        return found.value

    def defaulted(self, plan: FieldPlan, variables: Mapping[str, Any], pointer: str) -> Any:
        assert plan.default_expression is not None
        value = self.evaluate(
            plan.default_expression, variables, pointer, "default_expression", into=True
        )
        if value is None:
            return None
        found = plan.check(value, self.coerce_context)
        if type(found) is not Coerced:
            return found
        if found.problems:
            self.computed_warnings.append(problem("default_invalid", pointer=pointer))
        return found.value

    def evaluate(
        self,
        expression: CompiledExpression,
        variables: Mapping[str, Any],
        pointer: str,
        name: str,
        *,
        into: bool = False,
    ) -> Any:
        """The expression's value; diagnostics become `expression_failed` warnings."""
        found = expression.evaluate(variables, context=self.context)
        if found.diagnostics:
            sink = self.computed_warnings if into else self.warnings
            sink.append(_failed(found.diagnostics[0], pointer, name))
        return found.value

    def test(
        self, expression: CompiledExpression, variables: Mapping[str, Any], pointer: str, name: str
    ) -> bool | None:
        """A condition: True, False, or None (null or not a boolean: not applied)."""
        value = self.evaluate(expression, variables, pointer, name)
        if value is None or type(value) is bool:
            return value
        self.warnings.append(
            problem("expression_failed", pointer=pointer, property=name, detail=NOT_BOOLEAN)
        )
        return None


def _failed(diagnostic: Diagnostic, pointer: str, name: str) -> Problem:
    return problem(
        "expression_failed", pointer=pointer, property=name, detail=detail_of(diagnostic)
    )
