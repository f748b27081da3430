"""The rules engine (pure interpreter); filled in by its own issue."""

from brickwork.engines.rules.compiler import CompiledModel, compile_model, compile_table
from brickwork.engines.rules.definition import DecisionModel, DecisionTable
from brickwork.engines.rules.problems import DecisionModelError, ModelProblem
from brickwork.engines.rules.results import DecisionResult, DecisionTrace, RuleTrace, TableTrace

__all__ = [
    "CompiledModel",
    "DecisionModel",
    "DecisionModelError",
    "DecisionResult",
    "DecisionTable",
    "DecisionTrace",
    "ModelProblem",
    "RuleTrace",
    "TableTrace",
    "compile_model",
    "compile_table",
]
