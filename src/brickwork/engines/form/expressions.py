"""Design-time compilation of the expressions in a form definition, with problems that say where.

`compile_site` parses, type-checks and compiles one expression property (`visible_when`, a
computed `expression`, a validation, ...) against the form's scope, and records which field
names the expression reads (names resolved against the scope, not locals such as filter items
or iteration variables), which is what the dependency graph of computed fields is built from.
Expression diagnostics become problems at the property's pointer, keeping the diagnostic's
line, column and hint (`did you mean ...`). `dependency_order` sorts value-producing fields and
names the cycles it finds. This module must not evaluate expressions or look at records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from brickwork.engines.bilingual import Words
from brickwork.engines.expr import (
    CompiledExpression,
    Diagnostic,
    ExpressionError,
    ExprSyntaxError,
    Scope,
    compile_expression,
)
from brickwork.engines.expr.datatypes import BOOLEAN, ExprType, compatible, is_known
from brickwork.engines.expr.words import zh_type
from brickwork.engines.form.problems import Problem, problem

UNKNOWN_NAME_CODES = frozenset({"E_UNKNOWN_NAME", "E_UNKNOWN_FIELD"})


@dataclass(frozen=True)
class _RecordingScope(Scope):
    """A scope that remembers which of its fields the checker looked up."""

    seen: set[str] = field(default_factory=set, compare=False, repr=False)

    def lookup(self, name: str) -> ExprType | None:
        found = super().lookup(name)
        if found is not None and name in self.fields:
            self.seen.add(name)
        return found


@dataclass(frozen=True, slots=True)
class Site:
    """A compiled expression property and the field names it reads."""

    expression: CompiledExpression
    names: frozenset[str]


def detail_of(diagnostic: Diagnostic) -> Words:
    """The diagnostic's message with its hint, in each language, for a problem message."""
    return diagnostic.detail()


def diagnostic_problem(diagnostic: Diagnostic, *, syntax: bool, pointer: str) -> Problem:
    if syntax:
        code = "expression_syntax"
    elif diagnostic.code in UNKNOWN_NAME_CODES:
        code = "expression_unknown_name"
    else:
        code = "expression_invalid"
    return problem(
        code,
        pointer=pointer,
        line=diagnostic.line,
        column=diagnostic.column,
        detail=detail_of(diagnostic),
    )


def compile_site(
    source: str,
    scope: Scope | None,
    *,
    pointer: str,
    expected: ExprType | None,
    problems: list[Problem],
) -> Site | None:
    """Compile `source` for the property at `pointer`; problems are appended, None on failure.

    Without a scope the text is only parsed and its function calls checked (lookup `where`
    expressions speak about another form's fields, which only the platform knows).
    """
    recording = None if scope is None else _RecordingScope(scope.fields, scope.user, scope.extra)
    try:
        compiled = compile_expression(source, recording)
    except ExpressionError as exc:
        syntax = isinstance(exc, ExprSyntaxError)
        problems.extend(
            diagnostic_problem(d, syntax=syntax, pointer=pointer) for d in exc.diagnostics
        )
        return None
    if expected is not None and not _fits(compiled.result_type, expected):
        found = problem(
            "expression_type",
            pointer=pointer,
            expected=Words(zh_type(expected), str(expected)),
            actual=Words(zh_type(compiled.result_type), str(compiled.result_type)),
        )
        problems.append(found)
        return None
    names = frozenset(recording.seen) if recording is not None else frozenset()
    return Site(compiled, names)


def _fits(actual: ExprType, expected: ExprType) -> bool:
    if expected == BOOLEAN:
        return not is_known(actual) or actual.kind == BOOLEAN.kind
    return compatible(actual, expected)


# ---------------------------------------------------------------- dependency order


def dependency_order(
    nodes: Mapping[str, frozenset[str]],
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Nodes with their dependencies first (definition order otherwise), and the cycles found.

    `nodes` maps each value-producing key to the keys it reads; keys that are not nodes are
    inputs and impose no order. A cycle is reported once, as the path that closes it
    (`("a", "b", "a")`; a field reading itself gives `("a", "a")`).
    """
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    order: list[str] = []
    cycles: list[tuple[str, ...]] = []
    seen_cycles: set[frozenset[str]] = set()
    position = {key: index for index, key in enumerate(nodes)}

    def visit(key: str, path: list[str]) -> None:
        state[key] = 1
        path.append(key)
        for dependency in sorted(nodes[key] & nodes.keys(), key=position.__getitem__):
            status = state.get(dependency)
            if status == 1:
                cycle = (*path[path.index(dependency) :], dependency)
                if frozenset(cycle) not in seen_cycles:
                    seen_cycles.add(frozenset(cycle))
                    cycles.append(cycle)
            elif status is None:
                visit(dependency, path)
        path.pop()
        state[key] = 2
        order.append(key)

    for key in nodes:
        if key not in state:
            visit(key, [])
    return tuple(order), tuple(cycles)
