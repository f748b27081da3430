"""Compile a decision model once; evaluate its decisions many times.

`compile_model(spec)` validates the spec (pydantic), resolves item definitions, checks ids,
names and requirements (unknown names, wrong kinds, cycles), compiles every FEEL text once with
the expression engine against a scope of exactly what the element requires (so a FEEL text that
uses a decision it does not require is `E_DMN_MISSING_REQUIREMENT`), and builds evaluators for
every boxed expression. Every problem is collected and raised together as a
`DecisionModelError`. `CompiledModel.evaluate` runs the required decisions in dependency order,
each once, binds business knowledge models as function values (so literal expressions call
them like FEEL functions and `invocation` boxes bind arguments by name), and coerces results to
their declared types. Pure: no I/O and no clock (the `EvaluationContext` is passed in).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from brickwork.engines.bilingual import NONE, Words, listing
from brickwork.engines.expr import EvaluationContext, Scope
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.environment import EMPTY_CONTEXT
from brickwork.engines.expr.words import zh_type
from brickwork.engines.rules.boxed import BoxedCompiler, Evaluator, ModelFunction, null_evaluator
from brickwork.engines.rules.checks import (
    check_cycles,
    check_ids,
    check_requirements,
    schema_problems,
    unique_problems,
)
from brickwork.engines.rules.definition import (
    BusinessKnowledgeModel,
    Decision,
    DecisionModel,
    DecisionTable,
    InputData,
)
from brickwork.engines.rules.itemtypes import ANY_TYPE, DmnType, TypeResolver
from brickwork.engines.rules.messages import phrase
from brickwork.engines.rules.problems import (
    DecisionModelError,
    ModelProblem,
    pointer_token,
    problem,
)
from brickwork.engines.rules.results import DecisionResult, DecisionTrace, State

_INPUT_NAME = re.compile(r"([^\W\d][\w ]*?)\s*(?:\.|$)")


# ---------------------------------------------------------------- the model


class _Knowledge:
    def __init__(
        self,
        bkm: BusinessKnowledgeModel,
        names: tuple[str, ...],
        types: tuple[DmnType, ...],
        result: DmnType,
        body: Evaluator,
        pointer: str,
    ) -> None:
        self.bkm = bkm
        self.names = names
        self.types = types
        self.result = result
        self.body = body
        self.pointer = pointer


class _CompiledDecision:
    __slots__ = ("decision", "evaluator", "knowledge", "order", "pointer", "static", "type")

    def __init__(self, decision: Decision, pointer: str) -> None:
        self.decision = decision
        self.pointer = pointer
        self.evaluator: Evaluator = null_evaluator
        self.type: DmnType = ANY_TYPE
        self.static: t.ExprType = t.ANY
        """The static type of its value (its `type_ref`'s, else what its logic gives)."""
        self.knowledge: tuple[str, ...] = ()
        """Every knowledge model the decision needs, directly or through other models."""
        self.order: tuple[_CompiledDecision, ...] = ()
        """The decisions to evaluate for this one, in dependency order, itself last."""


class CompiledModel:
    """A compiled decision model. `evaluate` never raises for bad input values."""

    def __init__(
        self,
        model: DecisionModel,
        inputs: Mapping[str, tuple[InputData, DmnType]],
        decisions: Mapping[str, _CompiledDecision],
        knowledge: Mapping[str, _Knowledge],
        entry: str | None,
    ) -> None:
        self.model = model
        self._inputs = [(name, dtype, i) for i, (name, (_, dtype)) in enumerate(inputs.items())]
        self._decisions = decisions
        self._knowledge = knowledge
        self.entry = entry
        tops = [
            name
            for name in decisions
            if not any(name in d.decision.requires.decisions for d in decisions.values())
        ]
        self._tops = tuple(tops)
        self._plans: dict[str | None, _Plan] = {}

    @property
    def decision_names(self) -> tuple[str, ...]:
        return tuple(self._decisions)

    def result_type(self, decision: str | None) -> t.ExprType:
        """The static type of what calling `decision` (None: the entry) gives: its value, or a
        context of the top decisions' values when the model has no entry."""
        plan = self._plan(decision if decision is not None else self.entry)
        if plan is None:
            return t.ANY
        targets = plan[0]
        if len(targets) == 1:
            return self._decisions[targets[0]].static
        return t.context_of({name: self._decisions[name].static for name in targets})

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(name for name, _dtype, _index in self._inputs)

    def call_problems(
        self, decision: str | None, inputs: Iterable[str]
    ) -> list[tuple[str, str, str]]:
        """What a call of this model from a rule or a flow names that the model does not have:
        (pointer below the call, `decision` or `input`, message in English). An input the model
        does not declare would be dropped and the decision made on null; a decision it does not
        have fails every call."""
        return [(below, kind, said.en) for below, kind, said in self.call_gaps(decision, inputs)]

    def call_gaps(
        self,
        decision: str | None,
        inputs: Iterable[str],
        given: Mapping[str, t.ExprType] | None = None,
    ) -> list[tuple[str, str, Words]]:
        """`call_problems` with each message in both languages; with `given` (input name ->
        the static type of the expression passed), also each input passed what its type does
        not take (`input_type`: the evaluation would refuse it on every call)."""
        gaps = []
        if decision is not None and decision not in self._decisions:
            known = listing(list(self._decisions))
            said = phrase("call_decision", decision=decision, known=known)
            gaps.append(("/decision", "decision", said))
        declared = {name: dtype.static for name, dtype, _index in self._inputs}
        for name in inputs:
            wanted = declared.get(name)
            found = (given or {}).get(name, t.ANY)
            if wanted is None:
                known = listing(list(declared), empty=NONE)
                said = phrase("call_input", name=name, known=known)
                gaps.append((f"/inputs/{pointer_token(name)}", "input", said))
            elif not t.compatible(found, wanted):
                said = phrase(
                    "call_input_type",
                    name=name,
                    wanted=Words(zh_type(wanted), str(wanted)),
                    found=Words(zh_type(found), str(found)),
                )
                gaps.append((f"/inputs/{pointer_token(name)}", "input_type", said))
        return gaps

    def _bind_knowledge(self, names: Sequence[str], state: State) -> dict[str, ModelFunction]:
        bound: dict[str, ModelFunction] = {}
        for name in names:
            knowledge = self._knowledge[name]
            bound[name] = ModelFunction(
                knowledge.names,
                knowledge.types,
                knowledge.result,
                knowledge.body,
                bound,  # every model function sees the others (requirements are checked)
                state,
                knowledge.pointer,
            )
        return bound

    def evaluate(
        self,
        decision: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        *,
        trace: bool = False,
        context: EvaluationContext = EMPTY_CONTEXT,
    ) -> DecisionResult:
        """Evaluate `decision` (None: the model's entry) with JSON-decoded `inputs`."""
        state = State(context, trace=trace)
        variables = self._read_inputs(inputs or {}, state)
        name = decision if decision is not None else self.entry
        plan = self._plans.get(name) or self._plan(name)
        if plan is None:
            state.report(
                "E_DMN_UNKNOWN_DECISION",
                "unknown_decision",
                "",
                name=name,
                decisions=listing(list(self._decisions)),
            )
            return DecisionResult(None, tuple(state.diagnostics), {}, () if trace else None)
        targets, order, knowledge = plan
        if knowledge:
            variables.update(self._bind_knowledge(knowledge, state))
        results: dict[str, Any] = {}
        traces: list[DecisionTrace] = []
        for step in order:
            try:
                value = step.evaluator(variables, state)
            except Exception as exc:  # the promise: evaluation never raises
                state.report(
                    "E_DMN_EVALUATION_FAILED",
                    "evaluation_failed",
                    step.pointer,
                    error=type(exc).__name__,
                )
                value = None
            if step.type is not ANY_TYPE:
                value = self._coerce_result(step, value, state)
            variables[step.decision.name] = value
            results[step.decision.name] = value
            if trace:
                traces.append(DecisionTrace(step.decision.name, value, tuple(state.tables)))
                state.tables.clear()
        if len(targets) != 1:
            value = {target: results[target] for target in targets}
        else:
            value = results[targets[0]]
        return DecisionResult(
            value, tuple(state.diagnostics), results, tuple(traces) if trace else None
        )

    def _read_inputs(self, given: Mapping[str, Any], state: State) -> dict[str, Any]:
        variables: dict[str, Any] = {}
        for name, dtype, index in self._inputs:
            try:
                value = dtype.normalise(given.get(name))
            except v.UnsupportedValue as exc:
                state.report(
                    "E_UNSUPPORTED_VALUE",
                    "input_unsupported",
                    f"/inputs/{index}",
                    name=name,
                    detail=exc,
                )
                value = None
            if value is not None and not dtype.is_any:
                value, reason = dtype.coerce(value)
                if reason is not None:
                    state.report(
                        "E_DMN_TYPE_MISMATCH",
                        "input_type",
                        f"/inputs/{index}",
                        name=name,
                        detail=reason,
                    )
            variables[name] = value
        return variables

    @staticmethod
    def _coerce_result(step: _CompiledDecision, value: Any, state: State) -> Any:
        value, reason = step.type.coerce(value)
        if reason is not None:
            state.report(
                "E_DMN_TYPE_MISMATCH",
                "decision_type",
                step.pointer,
                name=step.decision.name,
                detail=reason,
            )
        return value

    def _plan(self, name: str | None) -> _Plan | None:
        """What to evaluate for `name` (None: every decision no other requires)."""
        if name is None:
            targets = self._tops
        elif name in self._decisions:
            targets = (name,)
        else:
            return None
        order: list[_CompiledDecision] = []
        for target in targets:
            order.extend(s for s in self._decisions[target].order if s not in order)
        knowledge = tuple(sorted({k for step in order for k in step.knowledge}))
        plan = (targets, tuple(order), knowledge)
        self._plans[name] = plan
        return plan


_Plan = tuple[tuple[str, ...], tuple[_CompiledDecision, ...], tuple[str, ...]]


def compile_model(
    spec: DecisionModel | Mapping[str, Any], *, indexed: bool = True
) -> CompiledModel:
    """Compile a decision model; raises `DecisionModelError` with every problem found.

    `indexed=False` evaluates decision tables by the straightforward scan (for comparison)."""
    if isinstance(spec, DecisionModel):
        model = spec
    else:
        try:
            model = DecisionModel.model_validate(spec)
        except ValidationError as exc:
            raise DecisionModelError(schema_problems(exc)) from None
    problems: list[ModelProblem] = []
    check_ids(model, problems)
    types = TypeResolver(model.item_definitions)
    types.resolve_all()

    inputs: dict[str, tuple[InputData, DmnType]] = {}
    for index, item in enumerate(model.inputs):
        inputs[item.name] = (item, types.resolve(item.type_ref, f"/inputs/{index}/type_ref"))
    decision_index = {d.name: i for i, d in enumerate(model.decisions)}
    knowledge_index = {k.name: i for i, k in enumerate(model.knowledge)}
    check_requirements(model, inputs, decision_index, knowledge_index, problems)
    if check_cycles(model, decision_index, knowledge_index, problems):
        raise DecisionModelError(problems + types.problems)

    model_names: dict[str, t.ExprType] = {name: d.static for name, (_, d) in inputs.items()}
    model_names.update({d.name: t.ANY for d in model.decisions})
    model_names.update({k.name: t.FUNCTION for k in model.knowledge})
    builder = BoxedCompiler(types, problems, model_names, indexed=indexed)
    knowledge, knowledge_types = _compile_knowledge(model, builder, knowledge_index)
    decisions = _compile_decisions(
        model, builder, inputs, knowledge_types, decision_index, knowledge_index
    )
    entry = _entry(model, decision_index, problems)
    problems.extend(types.problems)
    if problems:
        raise DecisionModelError(unique_problems(problems))
    ordered = {d.name: decisions[d.name] for d in model.decisions}
    return CompiledModel(model, inputs, ordered, knowledge, entry)


def _compile_knowledge(
    model: DecisionModel, builder: BoxedCompiler, knowledge_index: Mapping[str, int]
) -> tuple[dict[str, _Knowledge], dict[str, t.ExprType]]:
    """Knowledge models, dependencies first, with their static function types."""
    knowledge: dict[str, _Knowledge] = {}
    knowledge_types: dict[str, t.ExprType] = {}
    for bkm in _topological(model.knowledge, lambda k: k.requires.knowledge):
        pointer = f"/knowledge/{knowledge_index[bkm.name]}"
        names, param_types, fields = builder.parameters(bkm.parameters, f"{pointer}/parameters")
        result = builder.types.resolve(bkm.type_ref, f"{pointer}/type_ref")
        required = {
            k: knowledge_types.get(k, t.FUNCTION)
            for k in bkm.requires.knowledge
            if k in knowledge_index
        }
        scope = Scope({**required, **fields})
        body, body_type = builder.boxed(bkm.logic, scope, f"{pointer}/logic")
        knowledge[bkm.name] = _Knowledge(bkm, names, param_types, result, body, pointer)
        result_static = result.static if bkm.type_ref is not None else body_type
        knowledge_types[bkm.name] = t.ExprType(
            t.FUNCTION.kind, result_static, tuple(fields.items())
        )
    return knowledge, knowledge_types


def _knowledge_closure(
    model: DecisionModel, names: Sequence[str], knowledge_index: Mapping[str, int]
) -> set[str]:
    needed = set(names)
    pending = list(names)
    while pending:
        bkm_index = knowledge_index.get(pending.pop())
        if bkm_index is None:
            continue
        for more in model.knowledge[bkm_index].requires.knowledge:
            if more not in needed:
                needed.add(more)
                pending.append(more)
    return needed


def _compile_decisions(
    model: DecisionModel,
    builder: BoxedCompiler,
    inputs: Mapping[str, tuple[InputData, DmnType]],
    knowledge_types: Mapping[str, t.ExprType],
    decision_index: Mapping[str, int],
    knowledge_index: Mapping[str, int],
) -> dict[str, _CompiledDecision]:
    """Decisions, dependencies first; each knows the decisions to evaluate before it."""
    decisions: dict[str, _CompiledDecision] = {}
    static: dict[str, t.ExprType] = {}
    for decision in _topological(model.decisions, lambda d: d.requires.decisions):
        pointer = f"/decisions/{decision_index[decision.name]}"
        compiled = _CompiledDecision(decision, pointer)
        if decision.type_ref is not None:
            compiled.type = builder.types.resolve(decision.type_ref, f"{pointer}/type_ref")
        requires = decision.requires
        fields: dict[str, t.ExprType] = {}
        fields.update({n: inputs[n][1].static for n in requires.inputs if n in inputs})
        fields.update({n: static.get(n, t.ANY) for n in requires.decisions})
        fields.update({n: knowledge_types.get(n, t.FUNCTION) for n in requires.knowledge})
        evaluator, logic_type = builder.boxed(decision.logic, Scope(fields), f"{pointer}/logic")
        compiled.evaluator = evaluator
        static[decision.name] = (
            compiled.type.static if decision.type_ref is not None else logic_type
        )
        compiled.static = static[decision.name]
        order: list[_CompiledDecision] = []
        for required in requires.decisions:
            steps = decisions[required].order if required in decisions else ()
            order.extend(step for step in steps if step not in order)
        order.append(compiled)
        compiled.order = tuple(order)
        needed = _knowledge_closure(model, requires.knowledge, knowledge_index)
        compiled.knowledge = tuple(sorted(needed | {k for s in order for k in s.knowledge}))
        decisions[decision.name] = compiled
    return decisions


def _entry(
    model: DecisionModel, decision_index: Mapping[str, int], problems: list[ModelProblem]
) -> str | None:
    entry = model.entry
    if entry is not None and entry not in decision_index:
        problems.append(
            problem(
                "E_DMN_UNKNOWN_ENTRY",
                "unknown_entry",
                "/entry",
                entry=entry,
                decisions=listing(list(decision_index)),
            )
        )
    if entry is None:
        tops = [
            d.name
            for d in model.decisions
            if not any(d.name in o.requires.decisions for o in model.decisions)
        ]
        entry = tops[0] if len(tops) == 1 else None
    return entry


def _topological(items: Sequence[Any], requires: Callable[[Any], Sequence[str]]) -> list[Any]:
    by_name = {item.name: item for item in items}
    done: set[str] = set()
    order: list[Any] = []

    def visit(item: Any) -> None:
        if item.name in done:
            return
        done.add(item.name)
        for name in requires(item):
            if name in by_name:
                visit(by_name[name])
        order.append(item)

    for item in items:
        visit(item)
    return order


def compile_table(
    table: DecisionTable | Mapping[str, Any],
    inputs: Mapping[str, str | None] | Sequence[str] | None = None,
    *,
    name: str = "result",
    indexed: bool = True,
) -> CompiledModel:
    """A model of one decision-table decision named `name`, for a table used on its own.

    `inputs` names the values the table reads (with optional type references); by default,
    the names the input expressions start with (`age`, `Monthly Income`, `Customer` of
    `Customer.age`). Pointers stay relative to the
    model: the table is `/decisions/0/logic`."""
    raw = (
        table.model_dump(by_alias=True, exclude_none=True)
        if isinstance(table, DecisionTable)
        else dict(table)
    )
    raw.setdefault("type", "decision_table")
    if inputs is None:
        names: dict[str, str | None] = {}
        for column in raw.get("inputs") or ():
            if not isinstance(column, Mapping):
                continue
            found = _INPUT_NAME.match(str(column.get("expression", "")).strip())
            if found:
                names.setdefault(
                    found.group(1), None if "." in found.group(0) else column.get("type_ref")
                )
    elif isinstance(inputs, Mapping):
        names = dict(inputs)
    else:
        names = dict.fromkeys(inputs)
    spec = {
        "inputs": [
            {"id": f"input_{i}", "name": n, **({"type_ref": r} if r else {})}
            for i, (n, r) in enumerate(names.items())
            if n
        ],
        "decisions": [
            {
                "id": "decision",
                "name": name,
                "requires": {"inputs": [n for n in names if n]},
                "logic": raw,
            }
        ],
    }
    return compile_model(spec, indexed=indexed)
