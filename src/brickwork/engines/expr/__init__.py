"""The Brickwork expression language: a FEEL subset with Excel-compatible aliases.

Pipeline: text → `parse` (recursive descent, `ExprSyntaxError` with line/column/hint) → typed
AST (`syntax`) → `check` against a `Scope` → `compile_expression` (Python closures, the fast
path) and, for a documented subset, `to_sql_ir` (a backend-neutral SQL IR the platform renders
with SQLAlchemy). Pure: no I/O, no clock (pass an `EvaluationContext`), no `eval`.
"""

from brickwork.engines.expr.api import (
    CompiledExpression,
    CompiledUnaryTests,
    check,
    compile_expression,
    compile_unary_tests,
    evaluate,
    format_cell,
    format_expression,
)
from brickwork.engines.expr.checker import CheckResult, Scope
from brickwork.engines.expr.datatypes import ExprType, as_type
from brickwork.engines.expr.diagnostics import (
    Diagnostic,
    ExprCheckError,
    ExpressionError,
    ExprSyntaxError,
    NotPushable,
    Span,
)
from brickwork.engines.expr.environment import EvaluationContext
from brickwork.engines.expr.library import REGISTRY
from brickwork.engines.expr.limits import Limits
from brickwork.engines.expr.parser import parse, parse_unary_tests
from brickwork.engines.expr.runtime import Evaluation
from brickwork.engines.expr.sql import to_sql_ir

__all__ = [
    "REGISTRY",
    "CheckResult",
    "CompiledExpression",
    "CompiledUnaryTests",
    "Diagnostic",
    "Evaluation",
    "EvaluationContext",
    "ExprCheckError",
    "ExprSyntaxError",
    "ExprType",
    "ExpressionError",
    "Limits",
    "NotPushable",
    "Scope",
    "Span",
    "as_type",
    "check",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "format_cell",
    "format_expression",
    "parse",
    "parse_unary_tests",
    "to_sql_ir",
]
