"""Decision-table cells and columns as sets of values, for the analysis in `analysis.py`.

A cell made of literal tests (`-`, `< 10`, `[1..5)`, `"A","B"`, `not(...)`, `true`) is read as
`Cell`; anything else is not (`read_cell` gives None). A `Column` is one input column: its
domain (`kind`: number, string, boolean or date), the atoms its cells cut it into (one
representative value each) and, per rule, the atoms the rule's cell accepts, with one rule
bitset per atom. Pure: nothing here evaluates FEEL text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from brickwork.engines.expr.syntax import CompareTest, Null, Range, UnaryTests, ValueTest
from brickwork.engines.rules.cells import MISSING, constant_value

KINDS: Mapping[str, type] = {"number": Decimal, "string": str, "boolean": bool, "date": date}
KIND_NAMES: Mapping[type, str] = {Decimal: "number", str: "string", bool: "boolean", date: "date"}


# ---------------------------------------------------------------- cells as sets of values


@dataclass(frozen=True, slots=True)
class LiteralTest:
    op: str  # "=", "!=", "<", "<=", ">", ">=" or "range"
    value: Any = None
    interval: tuple[Any, bool, Any, bool] = (None, False, None, False)


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell read as literal tests; `tests=None` for `-`."""

    tests: tuple[LiteralTest, ...] | None
    negated: bool = False

    def accepts(self, x: Any) -> bool:
        if self.tests is None:
            return True
        return any(_passes(t, x) for t in self.tests) != self.negated

    def points(self) -> Iterator[Any]:
        for t in self.tests or ():
            if t.op == "range":
                yield from (e for e in (t.interval[0], t.interval[2]) if e is not None)
            else:
                yield t.value


def _passes(test: LiteralTest, x: Any) -> bool:
    match test.op:
        case "=":
            return bool(x == test.value)
        case "!=":
            return bool(x != test.value)
        case "<":
            return bool(x < test.value)
        case "<=":
            return bool(x <= test.value)
        case ">":
            return bool(x > test.value)
        case ">=":
            return bool(x >= test.value)
    low, low_closed, high, high_closed = test.interval
    above = low is None or x > low or (low_closed and x == low)
    below = high is None or x < high or (high_closed and x == high)
    return above and below


def _read_test(test: CompareTest | ValueTest) -> tuple[LiteralTest, set[type]] | None:
    match test:
        case ValueTest(expr=Range(low=low, high=high, low_closed=lc, high_closed=hc)):
            ends = [None if e is None else constant_value(e) for e in (low, high)]
            if MISSING in ends or ends == [None, None]:
                return None
            return LiteralTest("range", interval=(ends[0], lc, ends[1], hc)), {
                type(e) for e in ends if e is not None
            }
        case ValueTest(expr=expr):
            value = constant_value(expr)
            return None if value is MISSING else (LiteralTest("=", value), {type(value)})
        case CompareTest(op=op, operand=operand):
            value = constant_value(operand)
            return None if value is MISSING else (LiteralTest(op, value), {type(value)})
    return None


def read_cell(tree: UnaryTests) -> tuple[Cell, set[type]] | None:
    """The cell as literal tests with the kinds of its literals; None when it is not that."""
    if tree.any_input:
        return Cell(None), set()
    if any(isinstance(t, ValueTest) and isinstance(t.expr, Null) for t in tree.tests):
        return None
    tests: list[LiteralTest] = []
    kinds: set[type] = set()
    for test in tree.tests:
        read = _read_test(test)
        if read is None:
            return None
        tests.append(read[0])
        kinds |= read[1]
    return Cell(tuple(tests), tree.negated), kinds


# ---------------------------------------------------------------- columns and atoms


@dataclass
class Column:
    label: str
    kind: type | None
    cells: list[Cell | None]
    universe: Cell | None = None
    atoms: list[Any] = field(default_factory=list)
    """One representative value per atom."""
    covers: list[frozenset[int] | None] = field(default_factory=list)
    """Per rule, the atoms its cell accepts (None: all, for `-`; empty for an unknown cell)."""
    masks: list[int] = field(default_factory=list)
    """Per atom, the bitset of rules whose cell (other than `-`) accepts it."""
    any_rules: int = 0
    """The bitset of rules whose cell is `-`."""
    every: frozenset[int] = frozenset()

    def atoms_of(self, rule: int) -> frozenset[int]:
        cover = self.covers[rule]
        return self.every if cover is None else cover

    def rules_at(self, atom: int) -> int:
        return self.masks[atom] | self.any_rules

    def rules_meeting(self, rule: int) -> int:
        """The bitset of rules whose cell accepts an atom that `rule`'s cell accepts."""
        cover = self.covers[rule]
        if cover is None:
            return -1  # every rule (the caller masks it)
        found = self.any_rules
        for atom in cover:
            found |= self.masks[atom]
        return found

    def index(self) -> None:
        self.every = frozenset(range(len(self.atoms)))
        self.masks = [0] * len(self.atoms)
        for rule, cover in enumerate(self.covers):
            if cover is None:
                self.any_rules |= 1 << rule
                continue
            for atom in cover:
                self.masks[atom] |= 1 << rule


def cell_cover(cell: Cell | None, column: Column) -> frozenset[int] | None:
    """The atoms `cell` accepts: ranges found by bisection for ordered columns."""
    if cell is None:
        return frozenset()
    if cell.tests is None:
        return None
    atoms, size = column.atoms, len(column.atoms)
    found: set[int] = set()
    if column.kind in (Decimal, date):
        for test in cell.tests:
            for low, high in _ranges(test, atoms):
                found.update(range(low, high))
    else:
        where = {value: i for i, value in enumerate(atoms)}
        for test in cell.tests:
            at = where.get(test.value)
            if test.op == "=" and at is not None:
                found.add(at)
            elif test.op == "!=":
                found.update(i for i in range(size) if i != at)
    return frozenset(range(size)) - found if cell.negated else frozenset(found)


def _ranges(test: LiteralTest, atoms: Sequence[Any]) -> list[tuple[int, int]]:
    size, x = len(atoms), test.value
    match test.op:
        case "=":
            return [(bisect_left(atoms, x), bisect_right(atoms, x))]
        case "!=":
            return [(0, bisect_left(atoms, x)), (bisect_right(atoms, x), size)]
        case "<":
            return [(0, bisect_left(atoms, x))]
        case "<=":
            return [(0, bisect_right(atoms, x))]
        case ">":
            return [(bisect_right(atoms, x), size)]
        case ">=":
            return [(bisect_left(atoms, x), size)]
    low, low_closed, high, high_closed = test.interval
    start = 0 if low is None else (bisect_left if low_closed else bisect_right)(atoms, low)
    end = size if high is None else (bisect_right if high_closed else bisect_left)(atoms, high)
    return [(start, end)]


def _between(low: Any, high: Any) -> Any:
    if isinstance(low, date):
        gap = (high - low).days
        return low + timedelta(days=gap // 2) if gap >= 2 else MISSING
    return (low + high) / 2


def column_atoms(column: Column) -> list[Any]:
    cells = [c for c in (*column.cells, column.universe) if c is not None]
    found: set[Any] = {p for c in cells for p in c.points() if type(p) is column.kind}
    points: list[Any] = sorted(found)
    if column.kind is bool:
        candidates: list[Any] = [True, False]
    elif column.kind is str:
        candidates = list(points)
        closed = column.universe is not None and not column.universe.negated
        if not closed:
            other = "other"
            while other in points:
                other += "'"
            candidates.append(other)
    elif not points:
        candidates = [Decimal(0) if column.kind is Decimal else date(2000, 1, 1)]
    else:
        one: Any = Decimal(1) if column.kind is Decimal else timedelta(days=1)
        candidates = [points[0] - one]
        for low, high in pairwise(points):
            candidates += [low, _between(low, high)]
        candidates += [points[-1], points[-1] + one]
    universe = column.universe
    return [x for x in candidates if x is not MISSING and (universe is None or universe.accepts(x))]


def column_kind(type_ref: str | None) -> type | None:
    return None if type_ref is None else KINDS.get(type_ref.strip().lower())
