"""Boxed expressions compiled to evaluators, and model functions as FEEL function values.

`BoxedCompiler.boxed` turns each boxed expression of the decision-model format (literal,
decision table, context, list, relation, invocation, conditional, filter, iterator, function)
into an `Evaluator`, `(variables, state) -> value`, and its static type for the scopes of later
expressions. Every FEEL text is compiled once against a scope of exactly what its element may
use; a text that uses an element of the model its decision does not require is reported as a
missing requirement. `ModelFunction` is a business knowledge model or a boxed function bound to
one evaluation: FEEL calls it like any function value, and its arguments and result are
coerced to their declared types. This module collects problems; it must not raise them, read
the clock or evaluate anything at compile time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, assert_never

from brickwork.engines.bilingual import NONE, listing
from brickwork.engines.expr import CompiledExpression, ExpressionError, Scope, compile_expression
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.rules.definition import (
    BoxedContext,
    BoxedFilter,
    BoxedList,
    Conditional,
    DecisionTable,
    FunctionDefinition,
    Invocation,
    Iterator,
    LiteralExpression,
    Parameter,
    Relation,
)
from brickwork.engines.rules.itemtypes import ANY_TYPE, DmnType, TypeResolver
from brickwork.engines.rules.messages import AN_ELEMENT
from brickwork.engines.rules.problems import ModelProblem, from_diagnostic, problem
from brickwork.engines.rules.results import State
from brickwork.engines.rules.tables import CompiledTable

BoxedNode = (
    LiteralExpression
    | DecisionTable
    | BoxedContext
    | BoxedList
    | Relation
    | Invocation
    | Conditional
    | BoxedFilter
    | Iterator
    | FunctionDefinition
)
"""The boxed expressions of `definition.Boxed`, as a plain union for `match`."""

Evaluator = Callable[[dict[str, Any], State], Any]
"""A compiled boxed expression: `(variables, state) -> value`; never raises."""


def null_evaluator(variables: dict[str, Any], state: State) -> Any:
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
                "argument_count",
                self.pointer,
                expected=len(self.params),
                given=len(args),
            )
            return None
        return self._enter(args)

    def call_named(self, args: Mapping[str, Any]) -> Any:
        unknown = [name for name in args if name not in self.params]
        if unknown:
            self.state.report("E_ARGUMENT_NAME", "argument_name", self.pointer, name=unknown[0])
            return None
        return self._enter([args.get(name) for name in self.params])

    def _enter(self, args: Sequence[Any]) -> Any:
        local = dict(self.closure)
        for name, dtype, raw in zip(self.params, self.types, args, strict=True):
            value, reason = dtype.coerce(v.norm(raw))
            if reason is not None:
                # A non-conforming argument is null in the body (DMN TCK 0082 decision_bkm_002).
                self.state.report(
                    "E_DMN_TYPE_MISMATCH", "parameter_type", self.pointer, name=name, detail=reason
                )
            local[name] = value
        value = self.body(local, self.state)
        value, reason = self.result.coerce(value)
        if reason is not None:
            self.state.report("E_DMN_TYPE_MISMATCH", "result_type", self.pointer, detail=reason)
        return value


# ---------------------------------------------------------------- boxed expressions


class BoxedCompiler:
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
                names = listing([f"`{n}`" for n in used], empty=AN_ELEMENT)
                self.problems.append(
                    problem("E_DMN_MISSING_REQUIREMENT", "not_required", pointer, names=names)
                )
                return
        self.problems.extend(
            from_diagnostic(d, pointer, code="E_DMN_EXPRESSION") for d in exc.diagnostics
        )

    def boxed(self, node: BoxedNode, scope: Scope, pointer: str) -> tuple[Evaluator, t.ExprType]:
        match node:
            case LiteralExpression():
                return self._literal(node, scope, pointer)
            case DecisionTable():
                return self._decision_table(node, scope, pointer)
            case BoxedContext():
                return self._context(node, scope, pointer)
            case BoxedList():
                return self._list(node, scope, pointer)
            case Relation():
                return self._relation(node, scope, pointer)
            case Invocation():
                return self._invocation(node, scope, pointer)
            case Conditional():
                return self._conditional(node, scope, pointer)
            case BoxedFilter():
                return self._filter(node, scope, pointer)
            case Iterator():
                return self._iterator(node, scope, pointer)
            case FunctionDefinition():
                return self._function(node, scope, pointer)
            case _:
                assert_never(node)

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
        return table, table.result_type()

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
            return null_evaluator, t.ANY
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
                    problem("E_DMN_CONTEXT_RESULT", "context_result", f"{at}/name")
                )
            if entry.name is not None and entry.name in seen:
                self.problems.append(
                    problem(
                        "E_DMN_DUPLICATE_NAME", "duplicate_entry", f"{at}/name", name=entry.name
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
                    problem(
                        "E_DMN_RELATION_SHAPE",
                        "relation_row",
                        f"{pointer}/rows/{r}",
                        cells=len(row),
                        columns=len(columns),
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
                code, key = "E_DMN_MISSING_REQUIREMENT", "invoke_unrequired"
            else:
                code, key = "E_DMN_UNKNOWN_FUNCTION", "invoke_unknown"
            self.problems.append(problem(code, key, f"{pointer}/function", name=name))
        params = found.field_names if found is not None and found.fields else None
        bindings: list[tuple[str, Evaluator]] = []
        for index, binding in enumerate(node.bindings):
            if params is not None and binding.name not in params:
                self.problems.append(
                    problem(
                        "E_DMN_INVOCATION_BINDING",
                        "invoke_binding",
                        f"{pointer}/bindings/{index}/name",
                        name=name,
                        parameter=binding.name,
                        parameters=listing(params, empty=NONE),
                    )
                )
            at = f"{pointer}/bindings/{index}/value"
            bindings.append((binding.name, self.boxed(binding.value, scope, at)[0]))
        result = found.item if found is not None and found.item is not None else t.ANY

        def invocation(variables: dict[str, Any], state: State) -> Any:
            target = variables.get(name)
            if not isinstance(target, v.FunctionValue):
                state.report("E_NOT_A_FUNCTION", "not_a_function", pointer, name=name)
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
                problem(
                    "E_DMN_ITERATOR", "iterator_body", f"{pointer}/{key}", kind=node.kind, part=key
                )
            )
            return null_evaluator, t.ANY
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
                    problem(
                        "E_DMN_DUPLICATE_NAME",
                        "duplicate_parameter",
                        f"{pointer}/{index}/name",
                        name=name,
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
        value, reason = dtype.coerce(evaluator(variables, state))
        if reason is not None:
            state.report("E_DMN_TYPE_MISMATCH", "value_type", pointer, detail=reason)
        return value

    return typed
