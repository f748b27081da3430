"""The typed abstract syntax tree of the expression language.

Every node is a frozen dataclass; `Expr` is the closed union the checker, printer, compilers and
SQL translator `match` over (with `assert_never`, so a new node without a handler fails mypy).
Spans are carried for messages but excluded from equality, so `parse(print(tree)) == tree`.
This module holds data only: no parsing, no evaluation, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal, TypeAlias, assert_never

from brickwork.engines.expr.diagnostics import NO_SPAN, Span
from brickwork.engines.expr.values import YearsMonths

ArithOp: TypeAlias = Literal["+", "-", "*", "/", "**"]
CompareOp: TypeAlias = Literal["=", "!=", "<", "<=", ">", ">="]
LogicOp: TypeAlias = Literal["and", "or"]
QuantifierKind: TypeAlias = Literal["some", "every"]
TemporalValue: TypeAlias = date | datetime | time | timedelta | YearsMonths

ARITH_OPS: tuple[ArithOp, ...] = ("+", "-", "*", "/", "**")
COMPARE_OPS: tuple[CompareOp, ...] = ("=", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class String:
    value: str
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Boolean:
    value: bool
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Null:
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Temporal:
    """An `@"..."` literal: a date, time, date and time or duration."""

    value: TemporalValue
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A variable: a field, `item`, `?`, `$user`, `$now` or an iteration variable."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Path:
    target: Expr
    key: str
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Filter:
    target: Expr
    condition: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a call; `name` is set for named arguments (`substring(string: s)`)."""

    value: Expr
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Arg, ...]
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Logic:
    op: LogicOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Between:
    value: Expr
    low: Expr
    high: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class CompareTest:
    """A unary comparison test such as `< 100` (compares the tested value to `operand`)."""

    op: CompareOp
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class ValueTest:
    """A unary test given by an expression: equality, list membership, range, or `?` condition."""

    expr: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


Test: TypeAlias = CompareTest | ValueTest


@dataclass(frozen=True, slots=True)
class In:
    value: Expr
    tests: tuple[Test, ...]
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Range:
    """A range value: `[1..10)`, `]1..10]`, or a unary comparison such as `< 10` used as a value,
    where the missing end is `None` (unbounded)."""

    low: Expr | None
    high: Expr | None
    low_closed: bool = True
    high_closed: bool = True
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type as written after `instance of` or on a function parameter.

    `name` is the canonical FEEL name: `Any`, `Null`, `number`, `string`, `boolean`, `date`,
    `time`, `date and time`, `days and time duration`, `years and months duration`, `list`,
    `context`, `range` or `function`. `args` holds the item type of `list<T>`/`range<T>` and the
    parameter types of `function<A, B> -> R` (whose result is `result`); `fields` the entries of
    `context<name: T, ...>`. A bare `list`, `context`, `range` or `function` has neither.
    """

    name: str
    args: tuple[TypeRef, ...] = ()
    fields: tuple[tuple[str, TypeRef], ...] = ()
    result: TypeRef | None = None
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One formal parameter of a function definition, with its declared type if any."""

    name: str
    type: TypeRef | None = None


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """`function(a, b: number) a + b`: a function value closing over the names in scope.

    `external` marks `function(...) external {...}` (the body is then the context after
    `external`); such definitions are refused when checked.
    """

    params: tuple[Parameter, ...]
    body: Expr
    external: bool = False
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Invoke:
    """A call of a computed function value: `ctx.f(1)`, `(function(x) x * 2)(3)`.

    A call of a plain name is a `Call`, resolved by the checker against the names in scope
    (a parameter or context entry holding a function) before the built-ins.
    """

    target: Expr
    args: tuple[Arg, ...]
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class InstanceOf:
    value: Expr
    type: TypeRef
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class ListOf:
    items: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Context:
    entries: tuple[tuple[str, Expr], ...]
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class If:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Iteration:
    """`name in domain` or, for integer ranges, `name in start..end`."""

    name: str
    domain: Expr
    until: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class For:
    iterations: tuple[Iteration, ...]
    body: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Quantified:
    kind: QuantifierKind
    iterations: tuple[Iteration, ...]
    condition: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


Expr: TypeAlias = (
    Number
    | String
    | Boolean
    | Null
    | Temporal
    | Name
    | Path
    | Filter
    | Call
    | Negate
    | Arith
    | Compare
    | Logic
    | Between
    | In
    | Range
    | ListOf
    | Context
    | If
    | For
    | Quantified
    | FunctionDef
    | Invoke
    | InstanceOf
)


@dataclass(frozen=True, slots=True)
class UnaryTests:
    """A decision-table cell: `-` (any input), a list of tests, maybe negated by `not(...)`."""

    tests: tuple[Test, ...]
    negated: bool = False
    any_input: bool = False
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `node`, in source order."""
    match node:
        case Number() | String() | Boolean() | Null() | Temporal() | Name():
            return ()
        case Path() | Filter() | Call() | Negate() | Range() | ListOf() | Context():
            return _access_children(node)
        case Arith() | Compare() | Logic() | Between() | In():
            return _operator_children(node)
        case If(condition=c, then=then, otherwise=o):
            return (c, then, o)
        case For(iterations=its, body=body):
            return (*_iteration_exprs(its), body)
        case Quantified(iterations=its, condition=condition):
            return (*_iteration_exprs(its), condition)
        case FunctionDef(body=body):
            return (body,)
        case Invoke(target=target, args=args):
            return (target, *(a.value for a in args))
        case InstanceOf(value=value):
            return (value,)
        case _:
            assert_never(node)


def _access_children(
    node: Path | Filter | Call | Negate | Range | ListOf | Context,
) -> tuple[Expr, ...]:
    match node:
        case Path(target=target) | Negate(operand=target):
            return (target,)
        case Filter(target=target, condition=condition):
            return (target, condition)
        case Call(args=args):
            return tuple(a.value for a in args)
        case Range(low=low, high=high):
            return tuple(e for e in (low, high) if e is not None)
        case ListOf(items=items):
            return items
        case Context(entries=entries):
            return tuple(e for _, e in entries)
        case _:
            assert_never(node)


def _operator_children(node: Arith | Compare | Logic | Between | In) -> tuple[Expr, ...]:
    match node:
        case Arith(left=left, right=right) | Compare(left=left, right=right):
            return (left, right)
        case Logic(left=left, right=right):
            return (left, right)
        case Between(value=value, low=low, high=high):
            return (value, low, high)
        case In(value=value, tests=tests):
            return (value, *(_test_expr(t) for t in tests))
        case _:
            assert_never(node)


def _test_expr(test: Test) -> Expr:
    return test.operand if isinstance(test, CompareTest) else test.expr


def _iteration_exprs(iterations: tuple[Iteration, ...]) -> tuple[Expr, ...]:
    out: list[Expr] = []
    for it in iterations:
        out.append(it.domain)
        if it.until is not None:
            out.append(it.until)
    return tuple(out)


def walk(node: Expr) -> list[Expr]:
    """All nodes of the tree (pre-order), iteratively."""
    out: list[Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out


_LEAVES = frozenset({Number, String, Boolean, Null, Temporal})


def mentions(node: Expr, name: str) -> bool:
    """Whether the free or bound name `name` occurs anywhere in `node`."""
    stack = [node]
    while stack:  # compiling every decision-table cell asks this: leaves are skipped cheaply
        current = stack.pop()
        kind = type(current)
        if kind is Name:
            if current.name == name:  # type: ignore[union-attr]
                return True
        elif kind not in _LEAVES:
            stack.extend(children(current))
    return False


def read_beyond_null_tests(node: Expr, names: frozenset[str]) -> list[str]:
    """The names of `names` that `node` reads for their value, not only to test them for null
    (`x = null`, `x != null`, `x instance of ...`), sorted. A local variable
    of the same name (`for x in ...`) counts as a read: callers pass field names."""
    if not names:
        return []
    tested: set[int] = set()
    found: set[str] = set()
    for current in walk(node):
        match current:
            case (
                Compare(op="=" | "!=", left=Name() as name, right=Null())
                | Compare(op="=" | "!=", left=Null(), right=Name() as name)
            ):
                tested.add(id(name))
            case InstanceOf(value=Name() as name):
                tested.add(id(name))
            case Name(name=key) if key in names and id(current) not in tested:
                found.add(key)
    return sorted(found)
