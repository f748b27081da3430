"""The rules engine (pure interpreter): DMN decision models (`compile_model`) and
event-condition-action rules (`compile_rule`)."""

from brickwork.engines.rules.compiler import CompiledModel, compile_model, compile_table
from brickwork.engines.rules.definition import DecisionModel, DecisionTable
from brickwork.engines.rules.eca import (
    AggregateRequest,
    AlertEffect,
    BlockEffect,
    CompiledRule,
    CreateRecordEffect,
    NotifyEffect,
    RuleDefinitionError,
    RuleEvent,
    RuleOutcome,
    SetFieldsEffect,
    StartFlowEffect,
    compile_rule,
)
from brickwork.engines.rules.problems import DecisionModelError, ModelProblem
from brickwork.engines.rules.results import DecisionResult, DecisionTrace, RuleTrace, TableTrace
from brickwork.engines.rules.rule_definition import RuleDefinition

__all__ = [
    "AggregateRequest",
    "AlertEffect",
    "BlockEffect",
    "CompiledModel",
    "CompiledRule",
    "CreateRecordEffect",
    "DecisionModel",
    "DecisionModelError",
    "DecisionResult",
    "DecisionTable",
    "DecisionTrace",
    "ModelProblem",
    "NotifyEffect",
    "RuleDefinition",
    "RuleDefinitionError",
    "RuleEvent",
    "RuleOutcome",
    "RuleTrace",
    "SetFieldsEffect",
    "StartFlowEffect",
    "TableTrace",
    "compile_model",
    "compile_rule",
    "compile_table",
]
