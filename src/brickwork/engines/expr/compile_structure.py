"""Closures for structural nodes: ranges, lists, contexts, `if`, `for` and `some`/`every`.

Iterations count steps and check list sizes against the evaluation's limits, so no expression
can loop or allocate without bound. This module must not use `eval`/`exec` or touch the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, assert_never

from brickwork.engines.expr.diagnostics import Diagnostic, ExprCheckError, Span
from brickwork.engines.expr.runtime import Fn, Layer, Run
from brickwork.engines.expr.syntax import (
    Context,
    For,
    FunctionDef,
    If,
    Iteration,
    ListOf,
    Quantified,
    Range,
)
from brickwork.engines.expr.values import ORDERED_KINDS, RangeValue, Value, kind_of, norm, order
from brickwork.engines.expr.words import zh_kind

if TYPE_CHECKING:
    from brickwork.engines.expr.compiler import Compiler

CompiledIteration = tuple[str, Fn, Fn | None, Span]


def compile_structure(
    compiler: Compiler, node: Range | ListOf | Context | If | For | Quantified
) -> Fn:
    match node:
        case Range():
            return _range(compiler, node)
        case ListOf():
            return _list(tuple(compiler.compile(i) for i in node.items), node.span)
        case Context():
            entries = tuple(
                (k, compiler.compile(e), isinstance(e, FunctionDef)) for k, e in node.entries
            )
            return _context(entries)
        case If():
            return _if(compiler, node)
        case For():
            return _for(compiler, node)
        case Quantified():
            return _quantified(compiler, node)
        case _:
            assert_never(node)


def _range(compiler: Compiler, node: Range) -> Fn:
    if node.low is None or node.high is None:
        return _unbounded_range(compiler, node)
    low, high = compiler.compile(node.low), compiler.compile(node.high)
    low_closed, high_closed, span = node.low_closed, node.high_closed, node.span

    def range_(v: Any, run: Run) -> Value:
        a, b = low(v, run), high(v, run)
        if a is None or b is None:
            return None
        if order(a, b) is None:
            message = f"a range needs two comparable ends, not {kind_of(a)} and {kind_of(b)}"
            zh_cn = f"区间的两端必须能相互比较，不能是{zh_kind(kind_of(a))}和{zh_kind(kind_of(b))}"
            run.report("E_TYPE_MISMATCH", message, span, zh_cn=zh_cn)
            return None
        return RangeValue(a, b, low_closed, high_closed)

    return range_


def _unbounded_range(compiler: Compiler, node: Range) -> Fn:
    """`< 10` or `>= 2` as a value: the missing end is null (unbounded) and open."""
    known = node.low if node.low is not None else node.high
    if known is None:
        message = "a range needs at least one end"
        diagnostic = Diagnostic("E_TYPE_MISMATCH", message, node.span, zh_cn="区间至少要有一端")
        raise ExprCheckError((diagnostic,), compiler.source)
    end = compiler.compile(known)
    low_given = node.low is not None
    low_closed, high_closed, span = node.low_closed, node.high_closed, node.span

    def unbounded_range(v: Any, run: Run) -> Value:
        x = end(v, run)
        if x is None:
            return None
        if kind_of(x) not in ORDERED_KINDS:
            message = f"a range cannot end at a {kind_of(x)}"
            zh_cn = f"区间的端点不能是{zh_kind(kind_of(x))}"
            run.report("E_TYPE_MISMATCH", message, span, zh_cn=zh_cn)
            return None
        if low_given:
            return RangeValue(x, None, low_closed, False)
        return RangeValue(None, x, False, high_closed)

    return unbounded_range


def _list(items: tuple[Fn, ...], span: Span) -> Fn:
    def list_(v: Any, run: Run) -> Value:
        return [f(v, run) for f in items]

    return list_


def _context(entries: tuple[tuple[str, Fn, bool], ...]) -> Fn:
    """Each entry sees the entries before it; a function entry also sees itself (recursion)."""

    def context(v: Any, run: Run) -> Value:
        out: dict[str, Value] = {}
        scope = v
        for key, f, is_function in entries:
            if is_function:
                scope = Layer(key, None, scope)
                value = scope.value = f(scope, run)
            else:
                value = f(scope, run)
                scope = Layer(key, value, scope)
            out[key] = value
        return out

    return context


def _if(compiler: Compiler, node: If) -> Fn:
    condition = compiler.compile(node.condition)
    then, otherwise = compiler.compile(node.then), compiler.compile(node.otherwise)
    span = node.condition.span

    def if_(v: Any, run: Run) -> Value:
        c = condition(v, run)
        if c is True:
            return then(v, run)
        if c is not False and c is not None:
            message = f"`if` needs true or false, not a {kind_of(c)}"
            zh_cn = f"`if` 的条件必须是 `true` 或 `false`，而不是{zh_kind(kind_of(c))}"
            run.report("E_TYPE_MISMATCH", message, span, zh_cn=zh_cn)
        return otherwise(v, run)

    return if_


def _iterations(compiler: Compiler, iterations: tuple[Iteration, ...]) -> list[CompiledIteration]:
    return [
        (
            it.name,
            compiler.compile(it.domain),
            None if it.until is None else compiler.compile(it.until),
            it.span,
        )
        for it in iterations
    ]


def domain(value: Value, until: Value, span: Span, run: Run) -> list[Value] | None:
    """The values an iteration variable takes: a list, an integer range, or a single value."""
    if until is not None or type(value) is RangeValue:
        if type(value) is RangeValue:
            start, end = value.low, value.high
            closed = (value.low_closed, value.high_closed)
        else:
            start, end, closed = value, until, (True, True)
        return _integers(start, end, closed, span, run)
    if value is None:
        return None
    return value if type(value) is list else [value]


def _integers(
    start: Value, end: Value, closed: tuple[bool, bool], span: Span, run: Run
) -> list[Value] | None:
    whole = (
        type(start) is Decimal and type(end) is Decimal
        and start == start.to_integral_value() and end == end.to_integral_value()
    )  # fmt: skip
    if not whole:
        message = "only ranges of whole numbers can be iterated"
        run.report("E_TYPE_MISMATCH", message, span, zh_cn="只能遍历整数区间")
        return None
    first, last = int(start), int(end)
    size = abs(last - first) + 1
    run.step(size, span)
    run.check_size(size, span)
    step = 1 if last >= first else -1
    values = [Decimal(i) for i in range(first, last + step, step)]
    if not closed[0]:
        values = values[1:]
    if not closed[1]:
        values = values[:-1]
    return values


def _bindings(iterations: list[CompiledIteration], v: Any, run: Run) -> list[Any] | None:
    """Every scope (cartesian product of the iterations, left to right); None if a domain is."""
    scopes: list[Any] = [v]
    for name, dom, until, span in iterations:
        following: list[Any] = []
        for scope in scopes:
            values = domain(dom(scope, run), None if until is None else until(scope, run), span,
                            run)  # fmt: skip
            if values is None:
                return None
            run.step(len(values), span)
            following.extend(Layer(name, norm(x), scope) for x in values)
            run.check_list(following, span)
        scopes = following
    return scopes


def _for(compiler: Compiler, node: For) -> Fn:
    iterations = _iterations(compiler, node.iterations)
    body = compiler.compile(node.body)

    def for_(v: Any, run: Run) -> Value:
        scopes = _bindings(iterations, v, run)
        if scopes is None:
            return None
        return [body(scope, run) for scope in scopes]

    return for_


def _quantified(compiler: Compiler, node: Quantified) -> Fn:
    iterations = _iterations(compiler, node.iterations)
    condition = compiler.compile(node.condition)
    stop = node.kind == "some"
    span = node.condition.span
    check: Callable[[Value, Run], None] = _non_boolean(node.kind, span)

    def quantified(v: Any, run: Run) -> Value:
        scopes = _bindings(iterations, v, run)
        if scopes is None:
            return None
        unknown = False
        for scope in scopes:
            result = condition(scope, run)
            if result is stop:
                return stop
            if result is not (not stop):
                check(result, run)
                unknown = True
        return None if unknown else not stop

    return quantified


def _non_boolean(kind: str, span: Span) -> Callable[[Value, Run], None]:
    def check(result: Value, run: Run) -> None:
        if result is not None:
            found = kind_of(result)
            message = f"`{kind} ... satisfies` needs true or false, not a {found}"
            zh_cn = f"`{kind} ... satisfies` 的条件必须是 `true` 或 `false`，而不是{zh_kind(found)}"
            run.report("E_TYPE_MISMATCH", message, span, zh_cn=zh_cn)

    return check
