"""Compiled decision tables: cells classified and indexed once, every hit policy of DMN 1.5.

Each input cell is compiled with the expression engine (`compile_unary_tests`) and classified:
`-` (any input), equality with literals (`"A", "B"`, `1, 2`), ranges and comparisons with
literal numbers or dates (`< 10`, `[18..65)`), or anything else. Indexed columns answer, for an
input of the column's kind, the set of rules whose cell passes (a dict for equality columns, a
sorted list of end points with one rule bitset per segment for range columns); rules are bits
of Python ints. Evaluation narrows the candidate rules column by column, in column order, and
tests only the cells the index cannot decide, so the first failing cell of every rule is known
without testing every cell (the trace). Cells never raise: a cell whose test fails (null with a
diagnostic) does not match. `indexed=False` builds the straightforward scan (every cell through
the expression engine, rule by rule): the reference the indexed form must agree with.

Results follow DMN 1.5 §8.2.11 and §8.3.4: no match gives the default outputs or null; a
violated U (several matches) or A (different outputs) gives null and a diagnostic; P and O order
by the position of the output in `output_values`; C+, C<, C>, C# of nothing give null; an input
outside `input_values` or an output outside `output_values` makes the table's result null with
a diagnostic. This module must not read the clock: the evaluation's context is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from brickwork.engines.bilingual import listing
from brickwork.engines.expr import (
    CompiledExpression,
    CompiledUnaryTests,
    ExpressionError,
    Scope,
    compile_expression,
    compile_unary_tests,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.syntax import Name, Null, UnaryTests, ValueTest
from brickwork.engines.rules.cells import (
    ANY_SHAPE,
    MISSING,
    OTHER_SHAPE,
    CellShape,
    Predicate,
    bits_of,
    build_column,
    cell_shape,
    constant_value,
    fast_predicate,
    generic_predicate,
    literal_value,
    passes,
)
from brickwork.engines.rules.definition import DecisionTable
from brickwork.engines.rules.hitpolicies import OutputColumn, aggregate, priority_key
from brickwork.engines.rules.itemtypes import TypeResolver
from brickwork.engines.rules.problems import ModelProblem, from_diagnostic, problem
from brickwork.engines.rules.results import State, TableTrace

_FAILED: Any = object()
"""An output outside its `output_values`: the table's result is null."""


# ---------------------------------------------------------------- outputs


@dataclass(slots=True)
class OutputCell:
    pointer: str
    constant: Any = MISSING
    """The checked value of a literal output (or `_FAILED`), `MISSING` when computed."""
    expression: CompiledExpression | None = None
    problem: ModelProblem | None = None
    """Why its column refuses a literal output."""


# ---------------------------------------------------------------- the table


class CompiledTable:
    """A decision table ready to evaluate: `table(variables, state) -> value`."""

    def __init__(
        self,
        table: DecisionTable,
        scope: Scope,
        pointer: str,
        types: TypeResolver,
        problems: list[ModelProblem],
        *,
        indexed: bool = True,
        checked_scope: Callable[[str, str, Scope], Any] | None = None,
    ) -> None:
        self.table = table
        self.pointer = pointer
        self.hit_policy = table.hit_policy
        self.indexed = indexed
        self.rule_ids = tuple(rule.id for rule in table.rules)
        self.cells_text = tuple(tuple(rule.when) for rule in table.rules)
        self.annotations_text = tuple(tuple(rule.annotations) for rule in table.rules)
        self._problems = problems
        self._compile_scope = checked_scope
        self._inputs = [
            self._input(i, column, scope, types) for i, column in enumerate(table.inputs)
        ]
        self._outputs = [
            self._output(i, column, scope, types) for i, column in enumerate(table.outputs)
        ]
        self._check_shape()
        self._check_policy()
        # The same text in the same column compiles to the same cell: compile it once.
        self._cells: dict[tuple[int, str], tuple[CellShape, CompiledUnaryTests | None]] = {}
        self._texts: dict[str, CompiledExpression | None] = {}
        width = len(table.inputs)
        shapes: list[list[CellShape]] = [[] for _ in range(width)]
        generic: list[list[Predicate | None]] = [[] for _ in range(width)]
        fast: list[list[Predicate | None]] = [[] for _ in range(width)]
        for r, rule in enumerate(table.rules):
            for c in range(width):
                text = rule.when[c] if c < len(rule.when) else "-"
                cell_pointer = f"{pointer}/rules/{r}/when/{c}"
                shape, compiled = self._cell(text, c, scope, cell_pointer)
                shapes[c].append(shape)
                predicate = None if compiled is None else generic_predicate(compiled, cell_pointer)
                generic[c].append(predicate)
                fast[c].append(None if predicate is None else fast_predicate(shape, predicate))
        self._generic = generic
        self._columns = [build_column(shapes[c], fast[c]) for c in range(width)]
        self._all = (1 << len(table.rules)) - 1
        self._rule_outputs = [
            [self._output_cell(r, o, rule, scope) for o in range(len(table.outputs))]
            for r, rule in enumerate(table.rules)
        ]
        self._single = len(table.outputs) == 1
        self._names = tuple(o.name for o in self._outputs)

    def result_type(self) -> t.ExprType:
        """The static type of the table's value: a row's output (a context of the outputs when
        there are several), a list of them when the hit policy collects or orders, a number for
        a count or a sum, the output's own type for a minimum or a maximum."""
        row = (
            self._outputs[0].type.static
            if self._single
            else t.context_of({o.name: o.type.static for o in self._outputs})
        )
        policy = self.hit_policy
        if policy in ("C+", "C#"):
            return t.NUMBER
        if policy in ("C<", "C>"):
            return row
        if policy in ("C", "R", "O"):
            return t.list_of(row)
        return row

    # ---- compile helpers

    def _compile(self, text: str, scope: Scope, pointer: str) -> CompiledExpression | None:
        if self._compile_scope is not None:
            found = self._compile_scope(text, pointer, scope)
            return found if isinstance(found, CompiledExpression) else None
        try:
            return compile_expression(text, scope)
        except ExpressionError as exc:
            self._problems.extend(
                from_diagnostic(d, pointer, code="E_DMN_EXPRESSION") for d in exc.diagnostics
            )
            return None

    def _input(self, index: int, column: Any, scope: Scope, types: TypeResolver) -> Any:
        pointer = f"{self.pointer}/inputs/{index}"
        dtype = types.resolve(column.type_ref, f"{pointer}/type_ref")
        expression = self._compile(column.expression, scope, f"{pointer}/expression")
        name = None
        if expression is not None and isinstance(expression.tree, Name):
            name = expression.tree.name
        allowed = None
        if column.input_values is not None and column.input_values.strip() not in ("", "-"):
            allowed = self._unary(column.input_values, scope, None, f"{pointer}/input_values")
        static = (
            dtype.static
            if column.type_ref is not None
            else (expression.result_type if expression is not None else t.ANY)
        )
        return (expression, name, None if dtype.is_any else dtype, allowed, static, pointer)

    def _unary(
        self, text: str, scope: Scope, input_type: t.ExprType | None, pointer: str
    ) -> CompiledUnaryTests | None:
        try:
            return compile_unary_tests(text, scope, input_type=input_type)
        except ExpressionError as exc:
            self._problems.extend(
                from_diagnostic(d, pointer, code="E_DMN_EXPRESSION") for d in exc.diagnostics
            )
            return None

    def _output(self, index: int, column: Any, scope: Scope, types: TypeResolver) -> OutputColumn:
        pointer = f"{self.pointer}/outputs/{index}"
        dtype = types.resolve(column.type_ref, f"{pointer}/type_ref")
        allowed = None
        priorities: tuple[Any, ...] | None = None
        if column.output_values is not None and column.output_values.strip() not in ("", "-"):
            allowed = self._unary(column.output_values, scope, None, f"{pointer}/output_values")
            if allowed is not None:
                priorities = self._priorities(allowed.tree)
        default = None
        if column.default is not None:
            default = self._compile(column.default, scope, f"{pointer}/default")
        return OutputColumn(column.name, pointer, dtype, allowed, priorities, default)

    @staticmethod
    def _priorities(tree: UnaryTests) -> tuple[Any, ...] | None:
        if tree.negated or tree.any_input:
            return None
        found = []
        for test in tree.tests:
            if not isinstance(test, ValueTest):
                return None
            value = constant_value(test.expr)
            if value is MISSING:
                return None
            found.append(value)
        return tuple(found)

    def _cell(
        self, text: str, column: int, scope: Scope, pointer: str
    ) -> tuple[CellShape, CompiledUnaryTests | None]:
        if text.strip() in ("", "-"):
            return ANY_SHAPE, None
        static = self._inputs[column][4]
        key = (column, text)
        cached = self._cells.get(key)
        if cached is not None:
            return cached
        compiled = self._unary(text, scope, static, pointer)
        if compiled is None:
            return OTHER_SHAPE, compile_unary_tests("-")
        indexable = self.indexed and "date" not in scope.fields
        shape = cell_shape(compiled.tree) if indexable else OTHER_SHAPE
        found = (shape, None if shape.any_input else compiled)
        self._cells[key] = found
        return found

    def _output_cell(self, r: int, o: int, rule: Any, scope: Scope) -> OutputCell:
        pointer = f"{self.pointer}/rules/{r}/then/{o}"
        if o >= len(rule.then):
            return OutputCell(pointer, constant=None)
        text = rule.then[o]
        value = literal_value(text) if self.indexed else MISSING
        if value is MISSING:
            if text in self._texts:
                expression = self._texts[text]
            else:
                expression = self._texts[text] = self._compile(text, scope, pointer)
            if expression is None:
                return OutputCell(pointer, constant=None)
            value = constant_value(expression.tree)
            if isinstance(expression.tree, Null):
                value = None
            if value is MISSING or not self.indexed:
                return OutputCell(pointer, expression=expression)
        checked, refused = self._check_output(self._outputs[o], value, pointer)
        return OutputCell(pointer, constant=checked, problem=refused)

    def _check_shape(self) -> None:
        table = self.table
        for r, rule in enumerate(table.rules):
            base = f"{self.pointer}/rules/{r}"
            if len(rule.when) != len(table.inputs):
                self._problems.append(
                    problem(
                        "E_DMN_RULE_SHAPE",
                        "rule_inputs",
                        f"{base}/when",
                        cells=len(rule.when),
                        columns=len(table.inputs),
                    )
                )
            if len(rule.then) != len(table.outputs):
                self._problems.append(
                    problem(
                        "E_DMN_RULE_SHAPE",
                        "rule_outputs",
                        f"{base}/then",
                        cells=len(rule.then),
                        columns=len(table.outputs),
                    )
                )
            if rule.annotations and len(rule.annotations) != len(table.annotations):
                self._problems.append(
                    problem(
                        "E_DMN_RULE_SHAPE",
                        "rule_annotations",
                        f"{base}/annotations",
                        cells=len(rule.annotations),
                        columns=len(table.annotations),
                    )
                )
        names = [o.name for o in table.outputs]
        for index, name in enumerate(names):
            if name in names[:index]:
                self._problems.append(
                    problem(
                        "E_DMN_DUPLICATE_NAME",
                        "duplicate_output",
                        f"{self.pointer}/outputs/{index}/name",
                        name=name,
                    )
                )

    def _check_policy(self) -> None:
        policy = self.hit_policy
        if policy in ("P", "O") and not any(o.priorities for o in self._outputs):
            self._problems.append(
                problem(
                    "E_DMN_PRIORITY_WITHOUT_OUTPUT_VALUES",
                    "priority_values",
                    f"{self.pointer}/hit_policy",
                    policy=policy,
                )
            )

    # ---- evaluation

    def _check_output(
        self, column: OutputColumn, value: Any, pointer: str
    ) -> tuple[Any, ModelProblem | None]:
        """The output value as its column takes it, or `_FAILED` and why (at `pointer`)."""
        if value is None:
            return None, None
        coerced, reason = column.type.coerce(value)
        if reason is not None:
            found = problem(
                "E_DMN_TYPE_MISMATCH", "output_type", pointer, name=column.name, detail=reason
            )
            return _FAILED, found
        if column.allowed is not None and column.allowed.test(coerced).value is not True:
            text = v.literal_text(coerced)
            found = problem(
                "E_DMN_OUTPUT_NOT_ALLOWED",
                "output_not_allowed",
                pointer,
                name=column.name,
                value=text,
            )
            return _FAILED, found
        return coerced, None

    def _rule_value(self, r: int, variables: Mapping[str, Any], state: State) -> Any:
        values = []
        for o, cell in enumerate(self._rule_outputs[r]):
            value = cell.constant
            if value is MISSING:
                assert cell.expression is not None
                found = cell.expression.evaluate(variables, context=state.context)
                if found.diagnostics:
                    state.expression(found.diagnostics, cell.pointer)
                value, refused = self._check_output(self._outputs[o], found.value, cell.pointer)
            else:
                refused = cell.problem
            if refused is not None:
                state.diagnostics.append(refused)
                return _FAILED
            values.append(value)
        if self._single:
            return values[0]
        return dict(zip(self._names, values, strict=True))

    def _default(self, variables: Mapping[str, Any], state: State) -> Any:
        if not any(o.default is not None for o in self._outputs):
            return None
        values = []
        for column in self._outputs:
            value = None
            if column.default is not None:
                found = column.default.evaluate(variables, context=state.context)
                if found.diagnostics:
                    state.expression(found.diagnostics, f"{column.pointer}/default")
                value, refused = self._check_output(
                    column, found.value, f"{column.pointer}/default"
                )
                if refused is not None:
                    state.diagnostics.append(refused)
                    return None
            values.append(value)
        return values[0] if self._single else dict(zip(self._names, values, strict=True))

    def _input_values(self, variables: Mapping[str, Any], state: State) -> tuple[list[Any], bool]:
        xs = []
        ok = True
        for expression, name, dtype, allowed, _static, pointer in self._inputs:
            x = MISSING if name is None else variables.get(name, MISSING)
            if x is MISSING:
                if expression is None:
                    x = None
                else:
                    found = expression.evaluate(variables, context=state.context)
                    if found.diagnostics:
                        state.expression(found.diagnostics, f"{pointer}/expression")
                    x = found.value
            if dtype is not None and x is not None:
                x, reason = dtype.coerce(x)
                if reason is not None:
                    state.report("E_DMN_TYPE_MISMATCH", "column_input_type", pointer, detail=reason)
            if allowed is not None and x is not None and not passes(allowed, x, variables, state):
                state.report(
                    "E_DMN_INPUT_NOT_ALLOWED",
                    "input_not_allowed",
                    f"{pointer}/input_values",
                    value=v.literal_text(x),
                )
                ok = False
            xs.append(x)
        return xs, ok

    def _match_indexed(
        self, xs: Sequence[Any], variables: Mapping[str, Any], state: State, fails: list[int] | None
    ) -> int:
        remaining = self._all
        for c, column in enumerate(self._columns):
            if not remaining:
                if fails is not None:
                    fails.append(0)
                continue
            x = xs[c]
            kind = column.kind
            if kind is not None and type(x) is kind:
                assert column.lookup is not None
                passed = (column.lookup(x) | column.any_bits) & remaining
                rest = column.undecided_bits & remaining
            else:
                passed = column.any_bits & remaining
                rest = column.all_tested_bits & remaining
            if rest:
                predicates = column.predicates
                while rest:
                    low = rest & -rest
                    rest ^= low
                    if predicates[low.bit_length() - 1](x, variables, state):
                        passed |= low
            if fails is not None:
                fails.append(remaining & ~passed)
            remaining = passed
        return remaining

    def _match_scan(
        self, xs: Sequence[Any], variables: Mapping[str, Any], state: State, fails: list[int] | None
    ) -> int:
        matched = 0
        masks = [0] * len(self._columns)
        for r in range(len(self.rule_ids)):
            for c, cells in enumerate(self._generic):
                cell = cells[r]
                if cell is not None and not cell(xs[c], variables, state):
                    masks[c] |= 1 << r
                    break
            else:
                matched |= 1 << r
        if fails is not None:
            fails.extend(masks)
        return matched

    def __call__(self, variables: Mapping[str, Any], state: State) -> Any:
        xs, ok = self._input_values(variables, state)
        fails: list[int] | None = [] if state.trace else None
        if not ok:
            result = None
            matched: list[int] = []
            if fails is not None:
                fails.extend(0 for _ in self._columns)
        else:
            match = self._match_indexed if self.indexed else self._match_scan
            bits = match(xs, variables, state, fails)
            matched = bits_of(bits) if bits else []
        outputs: dict[int, Any] = {}
        if ok:
            result = self._hit(matched, outputs, variables, state)
        if fails is not None:
            scratch = State(state.context)
            for r in matched:
                if r not in outputs:
                    outputs[r] = self._rule_value(r, variables, scratch)
            state.tables.append(
                TableTrace(
                    self.table.id,
                    self.pointer,
                    self.hit_policy,
                    tuple(xs),
                    self.rule_ids,
                    self.cells_text,
                    self.annotations_text,
                    tuple(matched),
                    {r: (None if o is _FAILED else o) for r, o in outputs.items()},
                    tuple(fails),
                    result,
                    None if ok else "an input is outside its input values",
                )
            )
        return result

    def _hit(
        self,
        matched: list[int],
        outputs: dict[int, Any],
        variables: Mapping[str, Any],
        state: State,
    ) -> Any:
        if not matched:
            return self._default(variables, state)
        policy = self.hit_policy

        def value(r: int) -> Any:
            found = outputs.get(r, MISSING)
            if found is MISSING:
                found = outputs[r] = self._rule_value(r, variables, state)
            return found

        if policy == "U" and len(matched) > 1:
            state.report(
                "E_DMN_UNIQUE_VIOLATED",
                "unique_violated",
                f"{self.pointer}/rules/{matched[0]}",
                rules=listing([self.rule_ids[r] for r in matched]),
            )
            return None
        if policy in ("U", "F"):
            found = value(matched[0])
            return None if found is _FAILED else found
        found_all = [value(r) for r in matched]
        if any(found is _FAILED for found in found_all):
            return None
        if policy == "A":
            return self._any(matched, found_all, state)
        if policy == "P":
            ranked = sorted(range(len(found_all)), key=lambda i: self._priority(found_all[i]))
            return found_all[ranked[0]]
        if policy == "O":
            return sorted(found_all, key=self._priority)
        if policy in ("R", "C"):
            return found_all
        if self._single:
            return self._aggregate(policy, found_all, state)
        # Several outputs: each output aggregated on its own (DMN TCK 0118, 0119).
        return {
            name: self._aggregate(policy, [found[name] for found in found_all], state)
            for name in self._names
        }

    def _any(self, matched: list[int], found_all: list[Any], state: State) -> Any:
        first = found_all[0]
        if all(v.equal(first, other) is True for other in found_all[1:]):
            return first
        state.report(
            "E_DMN_ANY_VIOLATED",
            "any_violated",
            f"{self.pointer}/rules/{matched[0]}",
            rules=listing([self.rule_ids[r] for r in matched]),
        )
        return None

    def _priority(self, found: Any) -> tuple[int, ...]:
        return priority_key(self._outputs, self._single, found)

    def _aggregate(self, policy: str, found: list[Any], state: State) -> Any:
        return aggregate(policy, found, state, f"{self.pointer}/hit_policy")
