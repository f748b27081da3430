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

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

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
from brickwork.engines.expr.syntax import (
    Arg,
    Boolean,
    Call,
    CompareTest,
    Expr,
    Name,
    Negate,
    Null,
    Number,
    Range,
    String,
    Temporal,
    UnaryTests,
    ValueTest,
)
from brickwork.engines.rules.definition import DecisionTable
from brickwork.engines.rules.itemtypes import DmnType, TypeResolver
from brickwork.engines.rules.problems import ModelProblem, from_diagnostic
from brickwork.engines.rules.results import State, TableTrace

Predicate = Callable[[Any, Mapping[str, Any], State], bool]
Interval = tuple[Any, bool, Any, bool]
"""(low, low included, high, high included); None for an unbounded end."""

_MISSING: Any = object()
_FAILED: Any = object()
"""An output outside its `output_values`: the table's result is null."""
_INDEXED_KINDS = (Decimal, str, bool, date)
_RANGE_KINDS = (Decimal, date)


# ---------------------------------------------------------------- cells


@dataclass(frozen=True, slots=True)
class CellShape:
    """What a cell is, as far as an index is concerned."""

    any_input: bool = False
    kind: type | None = None
    """The Python type of the literals of an equality or range cell (None: anything else)."""
    members: frozenset[Any] | None = None
    intervals: tuple[Interval, ...] | None = None
    negated: bool = False


_ANY_SHAPE = CellShape(any_input=True)
_OTHER_SHAPE = CellShape()


def _constant(expr: Expr | None) -> Any:
    """The value of a literal number, string, boolean or date; `_MISSING` for anything else."""
    match expr:
        case Number(value=value):
            return value
        case Negate(operand=Number(value=value)):
            return -value
        case String(value=value):
            return value
        case Boolean(value=value):
            return value
        case Temporal(value=value) if type(value) is date:
            return value
        case Call(function="date", args=(Arg(value=String(value=text), name=None),)):
            if "T" in text:
                return _MISSING
            try:
                return v.parse_date(text)
            except ValueError:
                return _MISSING
        case _:
            return _MISSING


_NUMBER_TEXT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_STRING_TEXT = re.compile(r'"[^"\\\n]*"')
_WORDS = {"true": True, "false": False, "null": None}


def _literal(text: str) -> Any:
    """The value of an output text that is a plain number, string, boolean or null, read
    without the parser (a table's outputs are mostly such texts); `_MISSING` otherwise."""
    text = text.strip()
    if len(text) > 30:
        return _MISSING  # long numbers are rounded by the parser: leave them to it
    if _NUMBER_TEXT.fullmatch(text):
        return Decimal(text)
    if _STRING_TEXT.fullmatch(text):
        return text[1:-1]
    return _WORDS.get(text, _MISSING)


def _test_shape(
    test: CompareTest | ValueTest, members: set[Any], intervals: list[Interval], kinds: set[type]
) -> bool:
    """Add one test of a cell to the shape being built; False when it has no indexable form."""
    match test:
        case ValueTest(expr=Range(low=low, high=high, low_closed=lc, high_closed=hc)):
            ends = [_constant(e) if e is not None else None for e in (low, high)]
            if _MISSING in ends or ends == [None, None]:
                return False
            kinds.update(type(e) for e in ends if e is not None)
            intervals.append((ends[0], lc, ends[1], hc))
        case ValueTest(expr=expr):
            value = _constant(expr)
            if value is _MISSING:
                return False
            kinds.add(type(value))
            members.add(value)
        case CompareTest(op=op, operand=operand):
            value = _constant(operand)
            if value is _MISSING or op == "!=":
                return False
            kinds.add(type(value))
            if op == "=":
                members.add(value)
            elif op in ("<", "<="):
                intervals.append((None, False, value, op == "<="))
            else:
                intervals.append((value, op == ">=", None, False))
    return True


def cell_shape(tree: UnaryTests) -> CellShape:
    """How an index may answer the cell (`_OTHER_SHAPE`: it cannot)."""
    if tree.any_input:
        return _ANY_SHAPE
    members: set[Any] = set()
    intervals: list[Interval] = []
    kinds: set[type] = set()
    if not all(_test_shape(test, members, intervals, kinds) for test in tree.tests):
        return _OTHER_SHAPE
    if len(kinds) != 1:
        return _OTHER_SHAPE
    (kind,) = kinds
    if kind not in _INDEXED_KINDS or (intervals and kind not in _RANGE_KINDS):
        return _OTHER_SHAPE
    if tree.negated:
        if intervals:
            return _OTHER_SHAPE
        return CellShape(kind=kind, members=frozenset(members), negated=True)
    if intervals:
        points = tuple((m, True, m, True) for m in members)
        return CellShape(kind=kind, intervals=(*intervals, *points))
    return CellShape(kind=kind, members=frozenset(members))


def _allowed(
    allowed: CompiledUnaryTests, x: Any, variables: Mapping[str, Any], state: State
) -> bool:
    return allowed.test(x, variables, context=state.context).value is True


def _inside(x: Any, interval: Interval) -> bool:
    low, low_closed, high, high_closed = interval
    if low is not None and (x < low if low_closed else x <= low):
        return False
    return high is None or (x <= high if high_closed else x < high)


def _generic(cell: CompiledUnaryTests, pointer: str) -> Predicate:
    test = cell.test

    def generic(x: Any, variables: Mapping[str, Any], state: State) -> bool:
        found = test(x, variables, context=state.context)
        if found.diagnostics:
            state.expression(found.diagnostics, pointer)
        return found.value is True

    return generic


def fast_predicate(shape: CellShape, generic: Predicate) -> Predicate:
    """The cell's test with the common shapes answered in Python, the rest by the engine.
    Only an input of exactly the literals' type takes the fast path, so FEEL's answers for
    mixed kinds, nulls and their diagnostics stay the engine's."""
    kind = shape.kind
    if kind is None:
        return generic
    if shape.members is not None:
        members = shape.members
        if shape.negated:

            def not_member(x: Any, variables: Mapping[str, Any], state: State) -> bool:
                if type(x) is kind:
                    return x not in members
                return generic(x, variables, state)

            return not_member

        def member(x: Any, variables: Mapping[str, Any], state: State) -> bool:
            if type(x) is kind:
                return x in members
            return generic(x, variables, state)

        return member
    intervals = shape.intervals or ()

    def in_intervals(x: Any, variables: Mapping[str, Any], state: State) -> bool:
        if type(x) is kind:
            return any(_inside(x, interval) for interval in intervals)
        return generic(x, variables, state)

    return in_intervals


# ---------------------------------------------------------------- column indexes


def _bits(mask: int) -> list[int]:
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return found


@dataclass(slots=True)
class Column:
    """One input column: which rules pass whatever the input, an index for inputs of `kind`,
    and the predicates of the cells the index cannot decide."""

    any_bits: int
    kind: type | None
    lookup: Callable[[Any], int] | None
    exact_bits: int
    """Rules whose cell the index decides for an input of `kind`."""
    predicates: dict[int, Predicate]
    """Every cell that is not `-`, by rule index."""
    undecided_bits: int
    """`predicates` minus `exact_bits`."""
    all_tested_bits: int


def _equality_lookup(cells: Mapping[int, frozenset[Any]]) -> Callable[[Any], int]:
    table: dict[Any, int] = {}
    for index, members in cells.items():
        for member in members:
            table[member] = table.get(member, 0) | (1 << index)
    get = table.get
    return lambda x: get(x, 0)


def _range_lookup(cells: Mapping[int, tuple[Interval, ...]]) -> Callable[[Any], int]:
    points = sorted(
        {end for ivs in cells.values() for iv in ivs for end in (iv[0], iv[2]) if end is not None}
    )
    count = len(points)
    # Segments: 2i is the open stretch below points[i] (2 * count: above the last one),
    # 2i + 1 is points[i] itself.
    delta = [0] * (2 * count + 2)
    for index, intervals in cells.items():
        spans: list[tuple[int, int]] = []
        for low, low_closed, high, high_closed in intervals:
            if low is None:
                first = 0
            else:
                at = bisect_left(points, low)
                first = 2 * at + 1 if low_closed else 2 * at + 2
            if high is None:
                last = 2 * count
            else:
                at = bisect_left(points, high)
                last = 2 * at + 1 if high_closed else 2 * at
            if first <= last:
                spans.append((first, last))
        spans.sort()
        merged: list[list[int]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        bit = 1 << index
        for first, last in merged:
            delta[first] ^= bit
            delta[last + 1] ^= bit
    segments = []
    running = 0
    for change in delta[:-1]:
        running ^= change
        segments.append(running)

    def lookup(x: Any) -> int:
        at = bisect_left(points, x)
        if at < count and points[at] == x:
            return segments[2 * at + 1]
        return segments[2 * at]

    return lookup


def build_column(shapes: Sequence[CellShape], predicates: Sequence[Predicate | None]) -> Column:
    any_bits = 0
    tested: dict[int, Predicate] = {}
    counts: dict[type, int] = {}
    for index, (shape, predicate) in enumerate(zip(shapes, predicates, strict=True)):
        if shape.any_input or predicate is None:
            any_bits |= 1 << index
            continue
        tested[index] = predicate
        if shape.kind is not None and not shape.negated:
            counts[shape.kind] = counts.get(shape.kind, 0) + 1
    all_tested = sum(1 << i for i in tested)
    kind = max(counts, key=lambda k: counts[k]) if counts else None
    if kind is None:
        return Column(any_bits, None, None, 0, tested, all_tested, all_tested)
    own = {i: s for i, s in enumerate(shapes) if i in tested and s.kind is kind and not s.negated}
    exact_bits = sum(1 << i for i in own)
    lookup: Callable[[Any], int]
    if all(s.members is not None for s in own.values()):
        lookup = _equality_lookup({i: s.members or frozenset() for i, s in own.items()})
    else:
        lookup = _range_lookup(
            {
                i: s.intervals or tuple((m, True, m, True) for m in s.members or ())
                for i, s in own.items()
            }
        )
    return Column(any_bits, kind, lookup, exact_bits, tested, all_tested & ~exact_bits, all_tested)


# ---------------------------------------------------------------- outputs


@dataclass(slots=True)
class OutputColumn:
    name: str
    pointer: str
    type: DmnType
    allowed: CompiledUnaryTests | None
    priorities: tuple[Any, ...] | None
    default: CompiledExpression | None


@dataclass(slots=True)
class OutputCell:
    pointer: str
    constant: Any = _MISSING
    """The checked value of a literal output (or `_FAILED`), `_MISSING` when computed."""
    expression: CompiledExpression | None = None
    problem: tuple[str, str] | None = None
    """(code, message) of a literal output that its column refuses."""


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
                predicate = None if compiled is None else _generic(compiled, cell_pointer)
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
            value = _constant(test.expr)
            if value is _MISSING:
                return None
            found.append(value)
        return tuple(found)

    def _cell(
        self, text: str, column: int, scope: Scope, pointer: str
    ) -> tuple[CellShape, CompiledUnaryTests | None]:
        if text.strip() in ("", "-"):
            return _ANY_SHAPE, None
        static = self._inputs[column][4]
        key = (column, text)
        cached = self._cells.get(key)
        if cached is not None:
            return cached
        compiled = self._unary(text, scope, static, pointer)
        if compiled is None:
            return _OTHER_SHAPE, compile_unary_tests("-")
        indexable = self.indexed and "date" not in scope.fields
        shape = cell_shape(compiled.tree) if indexable else _OTHER_SHAPE
        found = (shape, None if shape.any_input else compiled)
        self._cells[key] = found
        return found

    def _output_cell(self, r: int, o: int, rule: Any, scope: Scope) -> OutputCell:
        pointer = f"{self.pointer}/rules/{r}/then/{o}"
        if o >= len(rule.then):
            return OutputCell(pointer, constant=None)
        text = rule.then[o]
        value = _literal(text) if self.indexed else _MISSING
        if value is _MISSING:
            if text in self._texts:
                expression = self._texts[text]
            else:
                expression = self._texts[text] = self._compile(text, scope, pointer)
            if expression is None:
                return OutputCell(pointer, constant=None)
            value = _constant(expression.tree)
            if isinstance(expression.tree, Null):
                value = None
            if value is _MISSING or not self.indexed:
                return OutputCell(pointer, expression=expression)
        checked, problem = self._check_output(self._outputs[o], value)
        return OutputCell(pointer, constant=checked, problem=problem)

    def _check_shape(self) -> None:
        table = self.table
        for r, rule in enumerate(table.rules):
            base = f"{self.pointer}/rules/{r}"
            if len(rule.when) != len(table.inputs):
                self._problems.append(
                    ModelProblem(
                        "E_DMN_RULE_SHAPE",
                        f"the rule has {len(rule.when)} input cells; the table has "
                        f"{len(table.inputs)} inputs",
                        f"{base}/when",
                        "give one cell per input column (`-` for any value)",
                    )
                )
            if len(rule.then) != len(table.outputs):
                self._problems.append(
                    ModelProblem(
                        "E_DMN_RULE_SHAPE",
                        f"the rule has {len(rule.then)} output cells; the table has "
                        f"{len(table.outputs)} outputs",
                        f"{base}/then",
                        "give one output expression per output column",
                    )
                )
            if rule.annotations and len(rule.annotations) != len(table.annotations):
                self._problems.append(
                    ModelProblem(
                        "E_DMN_RULE_SHAPE",
                        f"the rule has {len(rule.annotations)} annotations; the table has "
                        f"{len(table.annotations)} annotation columns",
                        f"{base}/annotations",
                        "give one text per annotation column",
                    )
                )
        names = [o.name for o in table.outputs]
        for index, name in enumerate(names):
            if name in names[:index]:
                self._problems.append(
                    ModelProblem(
                        "E_DMN_DUPLICATE_NAME",
                        f"two outputs are named `{name}`",
                        f"{self.pointer}/outputs/{index}/name",
                        "give each output column its own name",
                    )
                )

    def _check_policy(self) -> None:
        policy = self.hit_policy
        if policy in ("P", "O") and not any(o.priorities for o in self._outputs):
            self._problems.append(
                ModelProblem(
                    "E_DMN_PRIORITY_WITHOUT_OUTPUT_VALUES",
                    f"the hit policy {policy} orders results by `output_values`, and no output "
                    "lists literal output values",
                    f"{self.pointer}/hit_policy",
                    'list the outputs\' values in priority order, e.g. "high", "medium", "low"',
                )
            )

    # ---- evaluation

    def _check_output(self, column: OutputColumn, value: Any) -> tuple[Any, tuple[str, str] | None]:
        if value is None:
            return None, None
        coerced, problem = column.type.coerce(value)
        if problem is not None:
            return _FAILED, ("E_DMN_TYPE_MISMATCH", f"output `{column.name}`: {problem}")
        if column.allowed is not None and column.allowed.test(coerced).value is not True:
            text = v.literal_text(coerced)
            return _FAILED, (
                "E_DMN_OUTPUT_NOT_ALLOWED",
                f"output `{column.name}` is {text}, which is not one of its output values",
            )
        return coerced, None

    def _rule_value(self, r: int, variables: Mapping[str, Any], state: State) -> Any:
        values = []
        for o, cell in enumerate(self._rule_outputs[r]):
            value = cell.constant
            if value is _MISSING:
                assert cell.expression is not None
                found = cell.expression.evaluate(variables, context=state.context)
                if found.diagnostics:
                    state.expression(found.diagnostics, cell.pointer)
                value, problem = self._check_output(self._outputs[o], found.value)
            else:
                problem = cell.problem
            if problem is not None:
                state.report(problem[0], problem[1], cell.pointer)
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
                value, problem = self._check_output(column, found.value)
                if problem is not None:
                    state.report(problem[0], problem[1], f"{column.pointer}/default")
                    return None
            values.append(value)
        return values[0] if self._single else dict(zip(self._names, values, strict=True))

    def _input_values(self, variables: Mapping[str, Any], state: State) -> tuple[list[Any], bool]:
        xs = []
        ok = True
        for expression, name, dtype, allowed, _static, pointer in self._inputs:
            x = _MISSING if name is None else variables.get(name, _MISSING)
            if x is _MISSING:
                if expression is None:
                    x = None
                else:
                    found = expression.evaluate(variables, context=state.context)
                    if found.diagnostics:
                        state.expression(found.diagnostics, f"{pointer}/expression")
                    x = found.value
            if dtype is not None and x is not None:
                x, problem = dtype.coerce(x)
                if problem is not None:
                    state.report("E_DMN_TYPE_MISMATCH", f"input: {problem}", pointer)
            if allowed is not None and x is not None and not _allowed(allowed, x, variables, state):
                state.report(
                    "E_DMN_INPUT_NOT_ALLOWED",
                    f"the input value {v.literal_text(x)} is not one of the column's input values",
                    f"{pointer}/input_values",
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
            matched = _bits(bits) if bits else []
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
            found = outputs.get(r, _MISSING)
            if found is _MISSING:
                found = outputs[r] = self._rule_value(r, variables, state)
            return found

        if policy == "U" and len(matched) > 1:
            ids = ", ".join(self.rule_ids[r] for r in matched)
            state.report(
                "E_DMN_UNIQUE_VIOLATED",
                f"the hit policy U allows one matching rule; these matched: {ids}",
                f"{self.pointer}/rules/{matched[0]}",
                "make the rules exclusive, or use another hit policy (F, P, A ...)",
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
        ids = ", ".join(self.rule_ids[r] for r in matched)
        state.report(
            "E_DMN_ANY_VIOLATED",
            f"the hit policy A needs matching rules to give the same output; these differ: {ids}",
            f"{self.pointer}/rules/{matched[0]}",
            "give the overlapping rules the same outputs, or use P or F",
        )
        return None

    def _priority(self, found: Any) -> tuple[int, ...]:
        key = []
        for column in self._outputs:
            if column.priorities is None:
                continue
            value = found if self._single else found.get(column.name)
            rank = len(column.priorities)
            for position, candidate in enumerate(column.priorities):
                if v.equal(value, candidate) is True:
                    rank = position
                    break
            key.append(rank)
        return tuple(key)

    def _aggregate(self, policy: str, found: list[Any], state: State) -> Any:
        pointer = f"{self.pointer}/hit_policy"
        if policy == "C#":
            distinct: list[Any] = []
            for item in found:
                if not any(v.equal(item, seen) is True for seen in distinct):
                    distinct.append(item)
            return Decimal(len(distinct))
        if policy == "C+":
            if not all(type(item) is Decimal for item in found):
                bad = next(item for item in found if type(item) is not Decimal)
                state.report(
                    "E_DMN_AGGREGATION",
                    f"C+ adds numbers; an output is a {v.kind_of(bad)}",
                    pointer,
                    "make every output a number, or use C to collect them",
                )
                return None
            try:
                with localcontext(v.DECIMAL_CONTEXT):
                    return sum(found, Decimal(0))
            except ArithmeticError:
                state.report("E_DMN_AGGREGATION", "C+: the sum is too large", pointer,
                             "check the outputs' magnitudes")  # fmt: skip
                return None
        best = found[0]
        want = -1 if policy == "C<" else 1
        for item in found[1:]:
            compared = v.order(item, best)
            if compared is None:
                state.report(
                    "E_DMN_AGGREGATION",
                    f"{policy} compares outputs; a {v.kind_of(item)} and a {v.kind_of(best)} "
                    "cannot be compared",
                    pointer,
                    "make every output the same comparable type",
                )
                return None
            if compared == want:
                best = item
        if v.order(best, best) is None:
            state.report(
                "E_DMN_AGGREGATION",
                f"{policy} compares outputs; a {v.kind_of(best)} has no order",
                pointer,
                "make every output a number, a string or a date",
            )
            return None
        return best


def with_fields(scope: Scope, fields: Mapping[str, t.ExprType]) -> Scope:
    """`scope` with more fields (later ones win)."""
    return replace(scope, fields={**scope.fields, **fields})
