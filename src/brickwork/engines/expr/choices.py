"""Text compared with a choice field: a literal that is none of the field's options never
matches, so the comparison is always false (`status = "Approved"` when the option is
`approved`) or always true (`!=`). Designers check their formulas with `foreign_options` and
refuse such a comparison at design time instead of letting a rule never fire or a branch never
be taken. Pure: the caller says which names are choice fields and what their options are.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import NamedTuple

from brickwork.engines.bilingual import Words
from brickwork.engines.expr.diagnostics import Span
from brickwork.engines.expr.syntax import (
    Call,
    Compare,
    Expr,
    For,
    FunctionDef,
    If,
    In,
    ListOf,
    Name,
    Path,
    Quantified,
    String,
    ValueTest,
    walk,
)

LIST_CONTAINS = "list contains"
SHOWN_OPTIONS = 8
"""How many options a problem lists."""


class ForeignOption(NamedTuple):
    """`value`, compared with choice field `field` at `span`, is none of its options."""

    field: str
    value: str
    span: Span


def foreign_options(tree: Expr, options: Mapping[str, frozenset[str]]) -> list[ForeignOption]:
    """The text literals that `tree` compares with a choice field (`=`, `!=`, `in`, `list
    contains` for a multiple choice) and that are none of its options (`options`: field ->
    its option values; a field of a context by its path, `it.status`). A name the expression
    binds itself (`for status in ...`, a function's parameter) is not the field."""
    if not options:
        return []
    return [
        ForeignOption(field, literal.value, literal.span)
        for field, literal in _literals_compared(tree)
        if field in options and literal.value not in options[field]
    ]


ID_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""The shape of the ids a member or department field holds."""


def names_compared(
    tree: Expr, people: Collection[str], names: Collection[str] = ()
) -> list[ForeignOption]:
    """The text literals that `tree` compares with a member or department field (`people`: their
    names, `it.manager` paths included) and that are not ids, and the values known to be names
    (`names`: paths such as `$user.username` or `flow.initiator`, reported as their path)
    compared with one: such a field holds the ids of users or departments, so a user name or
    department key (`manager = "alice"`) never matches."""
    if not people:
        return []
    found = [
        ForeignOption(field, literal.value, literal.span)
        for field, literal in _literals_compared(tree)
        if field in people and not ID_SHAPE.fullmatch(literal.value)
    ]
    for node in walk(tree) if names else ():
        if isinstance(node, Compare) and node.op in ("=", "!="):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                field, given = _field(side), _field(other)
                if field is not None and given is not None and field in people and given in names:
                    found.append(ForeignOption(field, given, other.span))
    return found


def _literals_compared(tree: Expr) -> Iterator[tuple[str, String]]:
    """(field, text literal) of each comparison of a field with text in `tree`, leaving out the
    names the expression binds itself."""
    nodes = walk(tree)
    bound = {i.name for n in nodes if isinstance(n, For | Quantified) for i in n.iterations}
    bound.update(p.name for n in nodes if isinstance(n, FunctionDef) for p in n.params)
    for node in nodes:
        for field, literal in _compared(node):
            if field.partition(".")[0] not in bound:
                yield field, literal


def _field(node: Expr) -> str | None:
    """The field `node` reads: a name, or a name's property (`it.status`)."""
    match node:
        case Name(name=name):
            return name
        case Path(target=Name(name=name), key=key):
            return f"{name}.{key}"
        case _:
            return None


def _compared(node: Expr) -> Iterator[tuple[str, String]]:
    match node:
        case Compare(op="=" | "!=", left=left, right=right):
            for side, other in ((left, right), (right, left)):
                field = _field(side)
                if field is not None and isinstance(other, String):
                    yield field, other
        case In(value=value, tests=tests):
            named = _field(value)
            if named is None:
                return
            for test in tests:
                if isinstance(test, ValueTest):
                    items = test.expr.items if isinstance(test.expr, ListOf) else (test.expr,)
                    yield from ((named, i) for i in items if isinstance(i, String))
        case Call(function=function, args=(first, second)) if function == LIST_CONTAINS:
            field = _field(first.value)
            if field is not None and isinstance(second.value, String):
                yield field, second.value


def literal_results(tree: Expr) -> list[String]:
    """The text literals `tree` may give as its value: itself, the items of a list written out
    (a multiple choice's value), or those of the branches of an `if`."""
    match tree:
        case String():
            return [tree]
        case ListOf(items=items):
            return [item for item in items if isinstance(item, String)]
        case If(then=then, otherwise=otherwise):
            return [*literal_results(then), *literal_results(otherwise)]
        case _:
            return []


def shown(allowed: frozenset[str]) -> str:
    """The options as a problem lists them: sorted, the first few, quoted."""
    ordered = sorted(allowed)
    listed = ", ".join(f'"{value}"' for value in ordered[:SHOWN_OPTIONS])
    return listed + (", ..." if len(ordered) > SHOWN_OPTIONS else "")


def not_an_option(value: str, field: str, allowed: frozenset[str]) -> Words:
    """`"value" is not an option of `field` (the options)`, in each language: the lead-in a
    designer's problem says before what follows from it where it stands."""
    listed = shown(allowed)
    return Words(
        f'"{value}" 不是 `{field}` 的选项（{listed}）',
        f'"{value}" is not an option of `{field}` ({listed})',
    )
