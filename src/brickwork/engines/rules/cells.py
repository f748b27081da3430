"""Decision-table cells: what shape each has, how to test it fast, and the column indexes.

Each input cell, compiled by the expression engine, is classified (`cell_shape`): `-` (any
input), equality with literals (`"A", "B"`, `1, 2`), ranges and comparisons with literal numbers
or dates (`< 10`, `[18..65)`, `>= date("2025-01-01")`), or anything else. `fast_predicate`
answers the common shapes in Python for an input of exactly the literals' type and leaves
everything else (mixed kinds, nulls, `? > limit`) to the engine, so FEEL's answers and
diagnostics are unchanged. `build_column` indexes a column for inputs of its commonest literal
kind: a dict for equality columns, a sorted list of end points with one rule bitset per segment
for range columns. Rules are bits of Python ints. This module must not evaluate FEEL text other
than through the compiled cells it is given.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import CompiledUnaryTests
from brickwork.engines.expr import values as v
from brickwork.engines.expr.syntax import (
    Arg,
    Boolean,
    Call,
    CompareTest,
    Expr,
    Negate,
    Number,
    Range,
    String,
    Temporal,
    UnaryTests,
    ValueTest,
)
from brickwork.engines.rules.results import State

Predicate = Callable[[Any, Mapping[str, Any], State], bool]
Interval = tuple[Any, bool, Any, bool]
"""(low, low included, high, high included); None for an unbounded end."""

MISSING: Any = object()
"""Not a literal (see `constant_value`)."""
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


ANY_SHAPE = CellShape(any_input=True)
OTHER_SHAPE = CellShape()


def constant_value(expr: Expr | None) -> Any:
    """The value of a literal number, string, boolean or date; `MISSING` for anything else."""
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
                return MISSING
            try:
                return v.parse_date(text)
            except ValueError:
                return MISSING
        case _:
            return MISSING


_NUMBER_TEXT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_STRING_TEXT = re.compile(r'"[^"\\\n]*"')
_WORDS = {"true": True, "false": False, "null": None}


def literal_value(text: str) -> Any:
    """The value of an output text that is a plain number, string, boolean or null, read
    without the parser (a table's outputs are mostly such texts); `MISSING` otherwise."""
    text = text.strip()
    if len(text) > 30:
        return MISSING  # long numbers are rounded by the parser: leave them to it
    if _NUMBER_TEXT.fullmatch(text):
        return Decimal(text)
    if _STRING_TEXT.fullmatch(text):
        return text[1:-1]
    return _WORDS.get(text, MISSING)


def _test_shape(
    test: CompareTest | ValueTest, members: set[Any], intervals: list[Interval], kinds: set[type]
) -> bool:
    """Add one test of a cell to the shape being built; False when it has no indexable form."""
    match test:
        case ValueTest(expr=Range(low=low, high=high, low_closed=lc, high_closed=hc)):
            ends = [constant_value(e) if e is not None else None for e in (low, high)]
            if MISSING in ends or ends == [None, None]:
                return False
            kinds.update(type(e) for e in ends if e is not None)
            intervals.append((ends[0], lc, ends[1], hc))
        case ValueTest(expr=expr):
            value = constant_value(expr)
            if value is MISSING:
                return False
            kinds.add(type(value))
            members.add(value)
        case CompareTest(op=op, operand=operand):
            value = constant_value(operand)
            if value is MISSING or op == "!=":
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
    """How an index may answer the cell (`OTHER_SHAPE`: it cannot)."""
    if tree.any_input:
        return ANY_SHAPE
    members: set[Any] = set()
    intervals: list[Interval] = []
    kinds: set[type] = set()
    if not all(_test_shape(test, members, intervals, kinds) for test in tree.tests):
        return OTHER_SHAPE
    if len(kinds) != 1:
        return OTHER_SHAPE
    (kind,) = kinds
    if kind not in _INDEXED_KINDS or (intervals and kind not in _RANGE_KINDS):
        return OTHER_SHAPE
    if tree.negated:
        if intervals:
            return OTHER_SHAPE
        return CellShape(kind=kind, members=frozenset(members), negated=True)
    if intervals:
        points = tuple((m, True, m, True) for m in members)
        return CellShape(kind=kind, intervals=(*intervals, *points))
    return CellShape(kind=kind, members=frozenset(members))


def passes(allowed: CompiledUnaryTests, x: Any, variables: Mapping[str, Any], state: State) -> bool:
    return allowed.test(x, variables, context=state.context).value is True


def _inside(x: Any, interval: Interval) -> bool:
    low, low_closed, high, high_closed = interval
    if low is not None and (x < low if low_closed else x <= low):
        return False
    return high is None or (x <= high if high_closed else x < high)


def generic_predicate(cell: CompiledUnaryTests, pointer: str) -> Predicate:
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


def bits_of(mask: int) -> list[int]:
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
