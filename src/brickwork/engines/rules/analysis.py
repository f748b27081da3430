"""Design-time analysis of decision tables: overlaps, gaps, shadowed rules, type mismatches.

Each input column is read as a domain: numbers and dates (ordered), strings (an enumeration of
the literals the cells mention, closed when the column declares its values through
`input_values` or an item definition's `allowed_values`), or booleans. The column is cut into
*atoms* (for ordered domains: every end point the cells mention and the open stretches between
them; for enumerations: each value and, unless the enumeration is closed, "any other value"),
and every cell is read as the set of atoms it accepts. A cell is a set of atoms exactly when it
is `-` or built from literal tests (`< 10`, `[1..5)`, `"A","B"`, `not(...)`, `true`); anything
else (`? > limit`, `x + 1`, a string compared with `<`) is *unknown*: the analysis says so in an
`unanalysed` finding and leaves the rule out of the other checks rather than guessing.

Findings (`Finding.kind`):
- `overlap`: under hit policy U, two rules that both match an input (with that input);
- `gap`: inputs that no rule matches (with an example; the outputs' defaults then apply);
- `shadowed`: under hit policy F, a rule that never fires because earlier rules cover it;
- `type_mismatch`: a cell (input or output) whose literal is not of its column's type;
- `unanalysed`: a cell the analysis cannot read as a set of inputs.

Pointers are JSON pointers into the model's `spec` (`/decisions/0/logic/rules/3/when/1`).
Pure: no I/O; nothing here evaluates FEEL text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Any, Literal

from brickwork.engines.expr import ExpressionError, parse_unary_tests
from brickwork.engines.rules.analysis_domain import (
    KIND_NAMES,
    Cell,
    Column,
    cell_cover,
    column_atoms,
    column_kind,
    read_cell,
)
from brickwork.engines.rules.cells import MISSING, literal_value
from brickwork.engines.rules.definition import DecisionModel, DecisionTable
from brickwork.engines.rules.problems import pointer_token

FindingKind = Literal["overlap", "gap", "shadowed", "type_mismatch", "unanalysed"]
MAX_FINDINGS = 50
"""Per kind and table: a table with thousands of gaps says so after this many."""


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    pointer: str
    message: str
    rules: tuple[str, ...] = ()
    """Ids of the rules concerned (two for an overlap, the shadowed rule first for shadowing)."""
    example: Mapping[str, Any] | None = None
    """An input (by input column expression) showing the finding: matched by both rules of an
    overlap, by no rule for a gap."""


# ---------------------------------------------------------------- the analysis


class _TableAnalysis:
    def __init__(
        self,
        table: DecisionTable,
        pointer: str,
        types: Mapping[str, tuple[str | None, str | None]],
    ) -> None:
        self.table = table
        self.pointer = pointer
        self.findings: list[Finding] = []
        self.columns = [self._column(c, types) for c in range(len(table.inputs))]
        self.known = [
            r
            for r in range(len(table.rules))
            if all(col.cells[r] is not None for col in self.columns)
        ]

    def _cell_pointer(self, rule: int, column: int, part: str = "when") -> str:
        return f"{self.pointer}/rules/{rule}/{part}/{column}"

    def _column(self, c: int, types: Mapping[str, tuple[str | None, str | None]]) -> Column:
        column_input = self.table.inputs[c]
        type_ref, allowed = column_input.type_ref, None
        named = types.get(column_input.expression.strip())
        if named is not None:
            type_ref = type_ref or named[0]
            allowed = named[1]
        read: list[tuple[Cell, set[type]] | None] = []
        for r, rule in enumerate(self.table.rules):
            read.append(self._parse(rule.when[c] if c < len(rule.when) else "-", r, c))
        kind = column_kind(type_ref)
        if kind is None:
            kinds = {k for item in read if item is not None for k in item[1]}
            kind = kinds.pop() if len(kinds) == 1 else None
        column = Column(column_input.expression, kind, [])
        for r, item in enumerate(read):
            column.cells.append(self._typed(item, kind, type_ref, r, c))
        for text in (column_input.input_values, allowed):
            column.universe = column.universe or self._universe(text, kind)
        if kind is not None:
            column.atoms = column_atoms(column)
        elif all(cell is not None and cell.tests is None for cell in column.cells):
            column.atoms = [None]  # every cell is `-`: the column does not matter
        column.covers = [cell_cover(cell, column) for cell in column.cells]
        column.index()
        return column

    def _parse(self, text: str, r: int, c: int) -> tuple[Cell, set[type]] | None:
        try:
            read = read_cell(parse_unary_tests(text or "-"))
        except ExpressionError:
            read = None
        if read is None:
            self._add(
                "unanalysed",
                self._cell_pointer(r, c),
                f"the cell `{text}` is not a literal test: the analysis leaves rule "
                f"{self.table.rules[r].id} out (it may overlap, fill a gap or be shadowed)",
                (self.table.rules[r].id,),
            )
        return read

    def _typed(
        self,
        item: tuple[Cell, set[type]] | None,
        kind: type | None,
        type_ref: str | None,
        r: int,
        c: int,
    ) -> Cell | None:
        if item is None:
            return None
        cell, kinds = item
        if kind is None and cell.tests is not None:
            self._add(
                "unanalysed",
                self._cell_pointer(r, c),
                "the column mixes literals of several types and declares no type_ref",
                (self.table.rules[r].id,),
            )
            return None
        wrong = sorted(KIND_NAMES.get(k, k.__name__) for k in kinds if k is not kind)
        ordered = kind in (Decimal, date)
        unordered_test = not ordered and any(t.op not in ("=", "!=") for t in cell.tests or ())
        if wrong or unordered_test:
            what = ", ".join(wrong) if wrong else "a comparison or range"
            self._add(
                "type_mismatch",
                self._cell_pointer(r, c),
                f"the cell tests {what} but the input is {type_ref or KIND_NAMES[kind]}"  # type: ignore[index]
                + ("" if wrong else " (which has no order)"),
                (self.table.rules[r].id,),
            )
            return None
        return cell

    def _universe(self, text: str | None, kind: type | None) -> Cell | None:
        if text is None or not text.strip() or kind is None:
            return None
        try:
            read = read_cell(parse_unary_tests(text))
        except ExpressionError:
            return None
        if read is None or any(k is not kind for k in read[1]):
            return None
        return read[0]

    def _add(
        self,
        kind: FindingKind,
        pointer: str,
        message: str,
        rules: tuple[str, ...] = (),
        example: Mapping[str, Any] | None = None,
    ) -> None:
        if sum(f.kind == kind for f in self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(kind, pointer, message, rules, example))

    # ------------------------------------------------------------ checks

    def _example(self, atoms: Sequence[int]) -> dict[str, Any]:
        return {col.label: col.atoms[a] for col, a in zip(self.columns, atoms, strict=True)}

    def _common(self, i: int, j: int) -> list[int]:
        """The first atom, per column, that the cells of rules i and j both accept."""
        firsts = []
        for col in self.columns:
            a, b = col.covers[i], col.covers[j]
            if a is None or b is None:
                firsts.append(min(col.atoms_of(j) if a is None else a, default=0))
            else:
                firsts.append(min(a & b))
        return firsts

    def _meeting(self, rule: int, candidates: int) -> int:
        """The `candidates` (a bitset) that match some input `rule` matches."""
        for col in self.columns:
            if not candidates:
                break
            candidates &= col.rules_meeting(rule)
        return candidates

    def overlaps(self) -> None:
        rules = self.table.rules
        known = sum(1 << r for r in self.known)
        for i in self.known:
            later = self._meeting(i, known & ~((2 << i) - 1))
            for j in _bits(later):
                if sum(f.kind == "overlap" for f in self.findings) >= MAX_FINDINGS:
                    return
                example = self._example(self._common(i, j))
                self._add(
                    "overlap",
                    f"{self.pointer}/rules/{j}",
                    f"rules {rules[i].id} and {rules[j].id} both match {_show(example)} "
                    "(hit policy U allows one)",
                    (rules[i].id, rules[j].id),
                    example,
                )

    def gaps(self) -> None:
        if any(not col.atoms for col in self.columns):
            return
        if len(self.known) < len(self.table.rules):
            message = " (rules with unanalysed cells may cover it)"
        else:
            message = ""
        everything = [col.every for col in self.columns]
        defaults = [o.default is not None for o in self.table.outputs]
        if all(defaults):
            outcome = "the outputs' defaults apply"
        elif any(defaults):
            outcome = "the outputs without a default are null"
        else:
            outcome = "the result is null"
        known = sum(1 << r for r in self.known)
        for box in islice(self._uncovered(everything, known, 0), MAX_FINDINGS):
            example = self._example([min(atoms) for atoms in box])
            self._add(
                "gap",
                self.pointer,
                f"no rule matches {_show(example)}: {outcome}{message}",
                example=example,
            )

    def _uncovered(
        self, box: list[frozenset[int]], rules: int, c: int
    ) -> Iterator[list[frozenset[int]]]:
        """The parts of `box` (a set of atoms per column) that none of `rules` (a bitset)
        covers."""
        if not rules:
            yield box
            return
        if c == len(self.columns):
            return
        column = self.columns[c]
        ordered = column.kind in (Decimal, date)
        groups: dict[tuple[int, int], set[int]] = {}
        runs: dict[int, tuple[int, int]] = {}  # covering rules: (run start, last atom)
        for atom in sorted(box[c]):
            covering = column.rules_at(atom) & rules
            start, last = runs.get(covering, (0, -2))
            if ordered and last + 1 != atom:  # separate stretches are separate findings
                start = atom
            runs[covering] = (start, atom)
            groups.setdefault((covering, start), set()).add(atom)
        for (covering, _), atoms in groups.items():
            part = [*box[:c], frozenset(atoms), *box[c + 1 :]]
            yield from self._uncovered(part, covering, c + 1)

    def shadows(self) -> None:
        rules = self.table.rules
        known = sum(1 << r for r in self.known)
        for j in self.known:
            box = [col.atoms_of(j) for col in self.columns]
            earlier = self._meeting(j, known & ((1 << j) - 1))
            if any(not atoms for atoms in box) or next(self._uncovered(box, earlier, 0), None):
                continue
            hits = [rules[i].id for i in _bits(earlier)]
            self._add(
                "shadowed",
                f"{self.pointer}/rules/{j}",
                f"rule {rules[j].id} never fires under hit policy F: earlier rules "
                f"{', '.join(hits)} match every input it matches",
                (rules[j].id, *hits),
            )

    def outputs(self) -> None:
        for o, output in enumerate(self.table.outputs):
            kind = column_kind(output.type_ref)
            if kind is None:
                continue
            for r, rule in enumerate(self.table.rules):
                value = literal_value(rule.then[o]) if o < len(rule.then) else MISSING
                if value is MISSING or value is None or type(value) is kind:
                    continue
                self._add(
                    "type_mismatch",
                    self._cell_pointer(r, o, "then"),
                    f"the output `{rule.then[o]}` is a {KIND_NAMES[type(value)]} but "
                    f"{output.name} is {output.type_ref}",
                    (rule.id,),
                )


def _bits(mask: int) -> Iterator[int]:
    """The rules (bit positions) of a bitset, in order."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _show(example: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {_value_text(x)}" for k, x in example.items()) or "every input"


def _value_text(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return f'"{x}"'
    if isinstance(x, date):
        return f'date("{x.isoformat()}")'
    return str(x)


def analyse_table(
    table: DecisionTable | Mapping[str, Any],
    *,
    pointer: str = "",
    input_types: Mapping[str, str | tuple[str | None, str | None]] | None = None,
) -> tuple[Finding, ...]:
    """Every finding about one table. `input_types` gives, per input name (an input column
    whose expression is that name), its type reference, or (type reference, allowed values)."""
    if not isinstance(table, DecisionTable):
        table = DecisionTable.model_validate(table)
    types = {
        name: (value, None) if isinstance(value, str) else value
        for name, value in (input_types or {}).items()
    }
    analysis = _TableAnalysis(table, pointer, types)
    if table.hit_policy == "U":
        analysis.overlaps()
    if table.hit_policy == "F":
        analysis.shadows()
    analysis.gaps()
    analysis.outputs()
    return tuple(analysis.findings)


def analyse_model(spec: DecisionModel | Mapping[str, Any]) -> tuple[Finding, ...]:
    """Every finding about every decision table of a decision model (decisions, knowledge
    models and tables nested in boxed expressions)."""
    model = spec if isinstance(spec, DecisionModel) else DecisionModel.model_validate(spec)
    items = {d.name: d for d in model.item_definitions}
    types: dict[str, tuple[str | None, str | None]] = {}
    for data in model.inputs:
        type_ref, allowed = data.type_ref, None
        item = items.get(type_ref or "")
        if item is not None and not item.is_collection:
            type_ref, allowed = item.type_ref, item.allowed_values
        types[data.name] = (type_ref, allowed)
    dumped = model.model_dump(by_alias=True, exclude_none=True)
    findings: list[Finding] = []
    for where in ("decisions", "knowledge"):
        for n, element in enumerate(dumped[where]):
            for pointer, table in _tables(element["logic"], f"/{where}/{n}/logic"):
                findings += analyse_table(table, pointer=pointer, input_types=types)
    return tuple(findings)


def _tables(node: Any, pointer: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        if node.get("type") == "decision_table":
            yield pointer, node
            return
        for key, value in node.items():
            yield from _tables(value, f"{pointer}/{pointer_token(key)}")
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _tables(value, f"{pointer}/{index}")
