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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from brickwork.engines.expr import (
    CompiledExpression,
    EvaluationContext,
    ExpressionError,
    Scope,
    compile_expression,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.environment import EMPTY_CONTEXT
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
    LiteralExpression,
    Parameter,
    Relation,
)
from brickwork.engines.rules.itemtypes import ANY_TYPE, DmnType, TypeResolver
from brickwork.engines.rules.problems import (
    DecisionModelError,
    ModelProblem,
    from_diagnostic,
    pointer_token,
)
from brickwork.engines.rules.results import DecisionResult, DecisionTrace, State
from brickwork.engines.rules.tables import CompiledTable

Evaluator = Callable[[dict[str, Any], State], Any]
"""A compiled boxed expression: `(variables, state) -> value`; never raises."""

_BOXED_KEYS = frozenset(
    {"logic", "value", "items", "if", "then", "else", "in", "match", "return", "satisfies", "body"}
)
_BOXED_TAGS = frozenset(
    {"literal", "decision_table", "context", "list", "relation", "invocation", "conditional"}
    | {"filter", "iterator", "function"}
)
_INPUT_NAME = re.compile(r"([^\W\d][\w ]*?)\s*(?:\.|$)")


def _null(variables: dict[str, Any], state: State) -> Any:
    return None


# ---------------------------------------------------------------- function values


class ModelFunction(v.FunctionValue):
    """A business knowledge model or a boxed function as a FEEL function value, bound to one
    evaluation (its diagnostics go to that evaluation's state)."""

    __slots__ = ("body", "closure", "pointer", "result", "state", "types")

    def __init__(
        self,
        params: tuple[str, ...],
        types: tuple[DmnType, ...],
        result: DmnType,
        body: Evaluator,
        closure: Mapping[str, Any],
        state: State,
        pointer: str,
    ) -> None:
        super().__init__(params)
        self.types = types
        self.result = result
        self.body = body
        self.closure = closure
        self.state = state
        self.pointer = pointer

    def call(self, args: list[Any]) -> Any:
        if len(args) != len(self.params):
            self.state.report(
                "E_ARGUMENT_COUNT",
                f"takes {len(self.params)} argument(s), not {len(args)}",
                self.pointer,
            )
            return None
        return self._enter(args)

    def call_named(self, args: Mapping[str, Any]) -> Any:
        unknown = [name for name in args if name not in self.params]
        if unknown:
            self.state.report("E_ARGUMENT_NAME", f"has no parameter `{unknown[0]}`", self.pointer)
            return None
        return self._enter([args.get(name) for name in self.params])

    def _enter(self, args: Sequence[Any]) -> Any:
        local = dict(self.closure)
        for name, dtype, raw in zip(self.params, self.types, args, strict=True):
            value, problem = dtype.coerce(v.norm(raw))
            if problem is not None:
                # A non-conforming argument is null in the body (DMN TCK 0082 decision_bkm_002).
                self.state.report(
                    "E_DMN_TYPE_MISMATCH", f"parameter `{name}`: {problem}", self.pointer
                )
            local[name] = value
        value = self.body(local, self.state)
        value, problem = self.result.coerce(value)
        if problem is not None:
            self.state.report("E_DMN_TYPE_MISMATCH", f"result: {problem}", self.pointer)
        return value


# ---------------------------------------------------------------- boxed expressions


class _Builder:
    """Compiles boxed expressions; collects problems instead of raising."""

    def __init__(
        self,
        types: TypeResolver,
        problems: list[ModelProblem],
        model_names: Mapping[str, t.ExprType],
        *,
        indexed: bool,
    ) -> None:
        self.types = types
        self.problems = problems
        self.model_names = model_names
        self.indexed = indexed
        self.open_items = 0
        """How many filters over elements of unknown type enclose what is compiled now."""

    def expression(self, text: str, pointer: str, scope: Scope) -> CompiledExpression | None:
        try:
            return compile_expression(text, scope)
        except ExpressionError as exc:
            if self.open_items and all(d.code == "E_UNKNOWN_NAME" for d in exc.diagnostics):
                # Inside a filter over elements of unknown type, names may be their entries:
                # checked when evaluated (an absent one is null with `E_UNDEFINED_NAME`).
                try:
                    return compile_expression(text)
                except ExpressionError:
                    pass
            self._refused(exc, text, pointer, scope)
            return None

    def _refused(self, exc: ExpressionError, text: str, pointer: str, scope: Scope) -> None:
        if self.model_names.keys() - scope.fields.keys():
            # Names with spaces do not even parse where they are unknown: try them all.
            wider = replace(scope, fields={**self.model_names, **scope.fields})
            try:
                compile_expression(text, wider)
            except ExpressionError:
                pass
            else:
                used = sorted(
                    n
                    for n in self.model_names
                    if n not in scope.fields and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)
                )
                self.problems.append(
                    ModelProblem(
                        "E_DMN_MISSING_REQUIREMENT",
                        f"the expression uses {', '.join(f'`{n}`' for n in used) or 'an element'}"
                        ", which its decision does not require",
                        pointer,
                        "add the element to the decision's `requires` (decisions, inputs or "
                        "knowledge)",
                    )
                )
                return
        self.problems.extend(
            from_diagnostic(d, pointer, code="E_DMN_EXPRESSION") for d in exc.diagnostics
        )

    def boxed(self, node: Any, scope: Scope, pointer: str) -> tuple[Evaluator, t.ExprType]:
        build: Callable[[Any, Scope, str], tuple[Evaluator, t.ExprType]] = getattr(
            self, f"_{node.type}"
        )
        return build(node, scope, pointer)

    def _decision_table(
        self, node: DecisionTable, scope: Scope, pointer: str
    ) -> tuple[Evaluator, t.ExprType]:
        table = CompiledTable(
            node,
            scope,
            pointer,
            self.types,
            self.problems,
            indexed=self.indexed,
            checked_scope=lambda text, at, s: self.expression(text, at, s),
        )
        return table, t.ANY

    def _list(self, node: BoxedList, scope: Scope, pointer: str) -> tuple[Evaluator, t.ExprType]:
        items = [
            self.boxed(item, scope, f"{pointer}/items/{i}")[0] for i, item in enumerate(node.items)
        ]
        return (lambda variables, state: [f(variables, state) for f in items]), t.ANY_LIST

    def _literal(
        self, node: LiteralExpression, scope: Scope, pointer: str
    ) -> tuple[Evaluator, t.ExprType]:
        compiled = self.expression(node.text, f"{pointer}/text", scope)
        if compiled is None:
            return _null, t.ANY
        dtype = self.types.resolve(node.type_ref, f"{pointer}/type_ref")
        evaluate = compiled.evaluate
        at = f"{pointer}/text"

        def literal(variables: dict[str, Any], state: State) -> Any:
            found = evaluate(variables, context=state.context)
            if found.diagnostics:
                state.expression(found.diagnostics, at)
            return found.value

        if node.type_ref is None or dtype.is_any:
            return literal, compiled.result_type
        return _typed(literal, dtype, pointer), dtype.static

    def _context(
        self, node: BoxedContext, scope: Scope, pointer: str
    ) -> tuple[Evaluator, t.ExprType]:
        entries: list[tuple[str | None, Evaluator]] = []
        seen: set[str] = set()
        fields: dict[str, t.ExprType] = {}
        for index, entry in enumerate(node.entries):
            at = f"{pointer}/entries/{index}"
            if entry.name is None and index != len(node.entries) - 1:
                self.problems.append(
                    ModelProblem(
                        "E_DMN_CONTEXT_RESULT",
                        "only the last entry of a context may have no name (it is the result)",
                        f"{at}/name",
                        "name the entry, or move it to the end",
                    )
                )
            if entry.name is not None and entry.name in seen:
                self.problems.append(
                    ModelProblem(
                        "E_DMN_DUPLICATE_NAME",
                        f"the context has two entries named `{entry.name}`",
                        f"{at}/name",
                        "give each entry its own name",
                    )
                )
            inner = replace(scope, fields={**scope.fields, **fields}) if fields else scope
            evaluator, static = self.boxed(entry.value, inner, f"{at}/value")
            entries.append((entry.name, evaluator))
            if entry.name is not None:
                seen.add(entry.name)
                fields[entry.name] = static
        result_entry = bool(entries) and entries[-1][0] is None

        def context(variables: dict[str, Any], state: State) -> Any:
            local = dict(variables)
            result: dict[str, Any] = {}
            for name, evaluator in entries:
                value = evaluator(local, state)
                if name is None:
                    return value
                result[name] = value
                local[name] = value
            return result

        static = t.ANY if result_entry else t.context_of(fields)
        return context, static

    def _relation(self, node: Relation, scope: Scope, pointer: str) -> tuple[Evaluator, t.ExprType]:
        rows: list[list[Evaluator]] = []
        columns = tuple(node.columns)
        for r, row in enumerate(node.rows):
            if len(row) != len(columns):
                self.problems.append(
                    ModelProblem(
                        "E_DMN_RELATION_SHAPE",
                        f"the row has {len(row)} cells; the relation has {len(columns)} columns",
                        f"{pointer}/rows/{r}",
                        "give one cell per column",
                    )
                )
            rows.append(
                [
                    self.boxed(cell, scope, f"{pointer}/rows/{r}/{c}")[0]
                    for c, cell in enumerate(row)
                ]
            )

        def relation(variables: dict[str, Any], state: State) -> Any:
            return [
                {name: cell(variables, state) for name, cell in zip(columns, row, strict=False)}
                for row in rows
            ]

        return relation, t.ANY_LIST

    def _invocation(
        self, node: Invocation, scope: Scope, pointer: str
    ) -> tuple[Evaluator, t.ExprType]:
        name = node.function
        found = scope.fields.get(name)
        if found is None or found.kind != t.FUNCTION.kind:
            if name in self.model_names:
                code, hint = "E_DMN_MISSING_REQUIREMENT", "add it to `requires.knowledge`"
            else:
                code, hint = "E_DMN_UNKNOWN_FUNCTION", "invoke a business knowledge model by name"
            self.problems.append(
                ModelProblem(
                    code,
                    f"`{name}` is not a function this element may invoke",
                    f"{pointer}/function",
                    hint,
                )
            )
        params = found.field_names if found is not None and found.fields else None
        bindings: list[tuple[str, Evaluator]] = []
        for index, binding in enumerate(node.bindings):
            if params is not None and binding.name not in params:
                self.problems.append(
                    ModelProblem(
                        "E_DMN_INVOCATION_BINDING",
                        f"`{name}` has no parameter `{binding.name}`",
                        f"{pointer}/bindings/{index}/name",
                        f"parameters: {', '.join(params) or 'none'}",
                    )
                )
            at = f"{pointer}/bindings/{index}/value"
            bindings.append((binding.name, self.boxed(binding.value, scope, at)[0]))
        result = found.item if found is not None and found.item is not None else t.ANY

        def invocation(variables: dict[str, Any], state: State) -> Any:
            target = variables.get(name)
            if not isinstance(target, v.FunctionValue):
                state.report("E_NOT_A_FUNCTION", f"`{name}` is not a function", pointer)
                return None
            args = {key: evaluator(variables, state) for key, evaluator in bindings}
            if isinstance(target, ModelFunction):
                return target.call_named(args)
            return target.call_named({p: args.get(p) for p in target.params})

        return invocation, result

    def _conditional(
        self, node: Conditional, scope: Scope, pointer: str
    ) -> tuple[Evaluator, t.ExprType]:
        condition, _ = self.boxed(node.if_, scope, f"{pointer}/if")
        then, then_type = self.boxed(node.then, scope, f"{pointer}/then")
        otherwise, else_type = self.boxed(node.else_, scope, f"{pointer}/else")

        def conditional(variables: dict[str, Any], state: State) -> Any:
            if condition(variables, state) is True:
                return then(variables, state)
            return otherwise(variables, state)

        return conditional, t.unify(then_type, else_type)

    def _filter(
        self, node: BoxedFilter, scope: Scope, pointer: str
    ) -> tuple[Evaluator, t.ExprType]:
        source, source_type = self.boxed(node.in_, scope, f"{pointer}/in")
        item = source_type.item if source_type.kind == v.LIST and source_type.item else t.ANY
        inner = {"item": item, **dict(item.fields or ())}
        open_items = not item.fields
        self.open_items += open_items
        try:
            match, _ = self.boxed(
                node.match, replace(scope, fields={**scope.fields, **inner}), f"{pointer}/match"
            )
        finally:
            self.open_items -= open_items

        def filtered(variables: dict[str, Any], state: State) -> Any:
            items = source(variables, state)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            kept = []
            for element in items:
                local = dict(variables)
                if type(element) is dict:
                    local.update(element)
                local["item"] = element
                if match(local, state) is True:
                    kept.append(element)
            return kept

        return filtered, source_type if source_type.kind == v.LIST else t.ANY_LIST

    def _iterator(self, node: Iterator, scope: Scope, pointer: str) -> tuple[Evaluator, t.ExprType]:
        source, source_type = self.boxed(node.in_, scope, f"{pointer}/in")
        item = source_type.item if source_type.kind == v.LIST and source_type.item else t.ANY
        inner = replace(scope, fields={**scope.fields, node.variable: item})
        part = node.return_ if node.kind == "for" else node.satisfies
        other = node.satisfies if node.kind == "for" else node.return_
        key = "return" if node.kind == "for" else "satisfies"
        if part is None or other is not None:
            self.problems.append(
                ModelProblem(
                    "E_DMN_ITERATOR",
                    f"a `{node.kind}` iterator needs `{key}` (and no other body)",
                    f"{pointer}/{key}",
                    "`for` takes `return`; `some` and `every` take `satisfies`",
                )
            )
            return _null, t.ANY
        body, body_type = self.boxed(part, inner, f"{pointer}/{key}")
        name = node.variable
        kind = node.kind

        def iterate(variables: dict[str, Any], state: State) -> Any:
            items = source(variables, state)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            results = []
            for element in items:
                local = dict(variables)
                local[name] = element
                results.append(body(local, state))
            if kind == "for":
                return results
            if kind == "some":
                if any(r is True for r in results):
                    return True
                return False if all(r is False for r in results) else None
            if any(r is False for r in results):
                return False
            return True if all(r is True for r in results) else None

        return iterate, t.list_of(body_type) if kind == "for" else t.BOOLEAN

    def parameters(
        self, parameters: Sequence[Parameter], pointer: str
    ) -> tuple[tuple[str, ...], tuple[DmnType, ...], dict[str, t.ExprType]]:
        names = tuple(p.name for p in parameters)
        types = tuple(
            self.types.resolve(p.type_ref, f"{pointer}/{i}/type_ref")
            for i, p in enumerate(parameters)
        )
        for index, name in enumerate(names):
            if name in names[:index]:
                self.problems.append(
                    ModelProblem(
                        "E_DMN_DUPLICATE_NAME",
                        f"two parameters are named `{name}`",
                        f"{pointer}/{index}/name",
                        "give each parameter its own name",
                    )
                )
        return names, types, {n: d.static for n, d in zip(names, types, strict=True)}

    def _function(
        self, node: FunctionDefinition, scope: Scope, pointer: str
    ) -> tuple[Evaluator, t.ExprType]:
        names, types, fields = self.parameters(node.parameters, f"{pointer}/parameters")
        body, result = self.boxed(
            node.body, replace(scope, fields={**scope.fields, **fields}), f"{pointer}/body"
        )

        def function(variables: dict[str, Any], state: State) -> Any:
            return ModelFunction(names, types, ANY_TYPE, body, variables, state, pointer)

        return function, t.ExprType(t.FUNCTION.kind, result, tuple(fields.items()))


def _typed(evaluator: Evaluator, dtype: DmnType, pointer: str) -> Evaluator:
    def typed(variables: dict[str, Any], state: State) -> Any:
        value, problem = dtype.coerce(evaluator(variables, state))
        if problem is not None:
            state.report(
                "E_DMN_TYPE_MISMATCH",
                problem,
                pointer,
                "the value does not conform to the declared type; it is null",
            )
        return value

    return typed


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
    __slots__ = ("decision", "evaluator", "knowledge", "order", "pointer", "type")

    def __init__(self, decision: Decision, pointer: str) -> None:
        self.decision = decision
        self.pointer = pointer
        self.evaluator: Evaluator = _null
        self.type: DmnType = ANY_TYPE
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
                f"the model has no decision named `{name}`",
                "",
                f"decisions: {', '.join(self._decisions)}",
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
                    f"the decision could not be evaluated ({type(exc).__name__})",
                    step.pointer,
                    "please report this model and its inputs",
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
                state.report("E_UNSUPPORTED_VALUE", f"input `{name}`: {exc}", f"/inputs/{index}")
                value = None
            if value is not None and not dtype.is_any:
                value, problem = dtype.coerce(value)
                if problem is not None:
                    state.report(
                        "E_DMN_TYPE_MISMATCH",
                        f"input `{name}`: {problem}",
                        f"/inputs/{index}",
                        "the input does not conform to its declared type; it is null",
                    )
            variables[name] = value
        return variables

    @staticmethod
    def _coerce_result(step: _CompiledDecision, value: Any, state: State) -> Any:
        value, problem = step.type.coerce(value)
        if problem is not None:
            state.report(
                "E_DMN_TYPE_MISMATCH",
                f"decision `{step.decision.name}`: {problem}",
                step.pointer,
                "the result does not conform to the decision's type; it is null",
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


def _schema_problems(exc: ValidationError) -> list[ModelProblem]:
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
        problems.append(
            ModelProblem(
                "E_DMN_SCHEMA",
                error["msg"],
                pointer,
                "see docs/rules.md for the JSON form of a decision model",
            )
        )
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
            raise DecisionModelError(_schema_problems(exc)) from None
    problems: list[ModelProblem] = []
    _check_ids(model, problems)
    types = TypeResolver(model.item_definitions)
    types.resolve_all()

    inputs: dict[str, tuple[InputData, DmnType]] = {}
    for index, item in enumerate(model.inputs):
        inputs[item.name] = (item, types.resolve(item.type_ref, f"/inputs/{index}/type_ref"))
    decision_index = {d.name: i for i, d in enumerate(model.decisions)}
    knowledge_index = {k.name: i for i, k in enumerate(model.knowledge)}
    _check_requirements(model, inputs, decision_index, knowledge_index, problems)
    if _check_cycles(model, decision_index, knowledge_index, problems):
        raise DecisionModelError(problems + types.problems)

    model_names: dict[str, t.ExprType] = {name: d.static for name, (_, d) in inputs.items()}
    model_names.update({d.name: t.ANY for d in model.decisions})
    model_names.update({k.name: t.FUNCTION for k in model.knowledge})
    builder = _Builder(types, problems, model_names, indexed=indexed)
    knowledge, knowledge_types = _compile_knowledge(model, builder, knowledge_index)
    decisions = _compile_decisions(
        model, builder, inputs, knowledge_types, decision_index, knowledge_index
    )
    entry = _entry(model, decision_index, problems)
    problems.extend(types.problems)
    if problems:
        raise DecisionModelError(_unique(problems))
    ordered = {d.name: decisions[d.name] for d in model.decisions}
    return CompiledModel(model, inputs, ordered, knowledge, entry)


def _check_cycles(
    model: DecisionModel,
    decision_index: Mapping[str, int],
    knowledge_index: Mapping[str, int],
    problems: list[ModelProblem],
) -> bool:
    """Report requirement cycles; True when there is one (nothing more can be compiled)."""
    knowledge_cycle = _cycle({k.name: list(k.requires.knowledge) for k in model.knowledge})
    if knowledge_cycle:
        problems.append(
            ModelProblem(
                "E_DMN_REQUIREMENT_CYCLE",
                "business knowledge models require each other in a cycle: "
                + " → ".join(knowledge_cycle),
                f"/knowledge/{knowledge_index[knowledge_cycle[0]]}/requires/knowledge",
                "break the cycle",
            )
        )
    decision_cycle = _cycle({d.name: list(d.requires.decisions) for d in model.decisions})
    if decision_cycle:
        problems.append(
            ModelProblem(
                "E_DMN_REQUIREMENT_CYCLE",
                "decisions require each other in a cycle: " + " → ".join(decision_cycle),
                f"/decisions/{decision_index[decision_cycle[0]]}/requires/decisions",
                "a decision cannot depend on itself, directly or through others",
            )
        )
    return bool(knowledge_cycle or decision_cycle)


def _compile_knowledge(
    model: DecisionModel, builder: _Builder, knowledge_index: Mapping[str, int]
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
    builder: _Builder,
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
            ModelProblem(
                "E_DMN_UNKNOWN_ENTRY",
                f"the entry `{entry}` is not a decision of the model",
                "/entry",
                f"decisions: {', '.join(decision_index)}",
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


def _unique(problems: Sequence[ModelProblem]) -> list[ModelProblem]:
    seen: set[ModelProblem] = set()
    found = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            found.append(problem)
    return found


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


def _check_ids(model: DecisionModel, problems: list[ModelProblem]) -> None:
    seen: dict[str, str] = {}

    def note(element_id: str | None, pointer: str) -> None:
        if element_id is None:
            return
        if element_id in seen:
            problems.append(
                ModelProblem(
                    "E_DMN_DUPLICATE_ID",
                    f"the id `{element_id}` is already used at {seen[element_id]}",
                    f"{pointer}/id",
                    "ids must be unique in the model",
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
                    ModelProblem(
                        "E_DMN_DUPLICATE_NAME",
                        f"the name `{element.name}` is already used at {names[element.name]}",
                        f"{pointer}/name",
                        "inputs, decisions and knowledge models share one namespace",
                    )
                )
            else:
                names[element.name] = pointer
    item_names: set[str] = set()
    for i, definition in enumerate(model.item_definitions):
        if definition.name in item_names:
            problems.append(
                ModelProblem(
                    "E_DMN_DUPLICATE_NAME",
                    f"two item definitions are named `{definition.name}`",
                    f"/item_definitions/{i}/name",
                    "give each item definition its own name",
                )
            )
        item_names.add(definition.name)


def _check_requirements(
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
            other = next((k for k, known in kinds.items() if name in known), None)
            if other is not None:
                message = f"`{name}` is in `{other}`, not `{kind}`"
                hint = f"move it to `requires.{other}`"
                code = "E_DMN_REQUIREMENT_KIND"
            else:
                noun = "knowledge model" if kind == "knowledge" else kind[:-1]
                message = f"the model has no {noun} named `{name}`"
                hint = f"known: {', '.join(kinds[kind]) or 'none'}"
                code = "E_DMN_UNKNOWN_REQUIREMENT"
            problems.append(ModelProblem(code, message, f"{owner}/requires/{kind}/{index}", hint))

    for i, decision in enumerate(model.decisions):
        owner = f"/decisions/{i}"
        check(owner, "inputs", decision.requires.inputs)
        check(owner, "decisions", decision.requires.decisions)
        check(owner, "knowledge", decision.requires.knowledge)
    for i, bkm in enumerate(model.knowledge):
        check(f"/knowledge/{i}", "knowledge", bkm.requires.knowledge)


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
