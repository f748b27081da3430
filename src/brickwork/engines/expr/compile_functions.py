"""Closures for function values: `function(...)` definitions, their calls, and `instance of`.

A definition evaluates to a `Closure`, which keeps the scope it was evaluated in (so it sees
parameters, iteration variables and context entries defined before it, and, through the
context's own layer, itself). Calls bind arguments by position or by name, check declared
parameter types with `instance of` semantics, and count against the evaluation's step and depth
limits: a runaway recursion ends with `E_LIMIT_DEPTH`, never with a Python `RecursionError`.
Every bad call gives null plus a diagnostic naming the parameter. This module must not use
`eval`/`exec`, read Python attributes of values, or touch the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from brickwork.engines.expr import limits as limit_codes
from brickwork.engines.expr.conformance import (
    TypedFunctionValue,
    conforms,
    static_type,
    type_problem,
)
from brickwork.engines.expr.diagnostics import (
    Diagnostic,
    EvaluationAborted,
    ExprCheckError,
    Span,
)
from brickwork.engines.expr.printer import format_type
from brickwork.engines.expr.runtime import MISSING, Fn, Layer, Run
from brickwork.engines.expr.syntax import Arg, Call, FunctionDef, InstanceOf, Invoke, TypeRef
from brickwork.engines.expr.values import FunctionValue, Value, kind_of, norm
from brickwork.engines.expr.words import zh_kind, zh_type

if TYPE_CHECKING:
    from brickwork.engines.expr.compiler import Compiler


class Closure(TypedFunctionValue):
    """A `function(...)` definition closed over the scope it was evaluated in."""

    __slots__ = ("body", "run", "scope", "span")

    def __init__(
        self,
        params: tuple[str, ...],
        types: tuple[TypeRef | None, ...],
        body: Fn,
        scope: Any,
        run: Run,
        span: Span,
    ) -> None:
        super().__init__(params, types)
        self.body = body
        self.scope = scope
        self.run = run
        self.span = span

    def call(self, args: list[Value]) -> Value:
        return self.apply(args, self.run, self.span)

    def call_named(self, args: Mapping[str, Value]) -> Value:
        return self.apply_named(args, self.run, self.span)

    def apply(self, args: Sequence[Value], run: Run, span: Span) -> Value:
        """Call with positional arguments; diagnostics go to `run` at `span` (the call site)."""
        if len(args) != len(self.params):
            count = len(self.params)
            message = f"{self._usage()} takes {count} argument(s), not {len(args)}"
            zh_cn = f"{self._usage()} 需要 {count} 个参数，而不是 {len(args)} 个"
            run.report("E_ARGUMENT_COUNT", message, span, zh_cn=zh_cn)
            return None
        return self._enter(list(args), run, span)

    def apply_named(self, args: Mapping[str, Value], run: Run, span: Span) -> Value:
        for name in args:
            if name not in self.params:
                message = f"{self._usage()} has no parameter `{name}`"
                zh_cn = f"{self._usage()} 没有参数 `{name}`"
                run.report("E_ARGUMENT_NAME", message, span, zh_cn=zh_cn)
                return None
        for name in self.params:
            if name not in args:
                message = f"{self._usage()} needs an argument for `{name}`"
                zh_cn = f"{self._usage()} 缺少参数 `{name}` 的值"
                run.report("E_ARGUMENT_COUNT", message, span, zh_cn=zh_cn)
                return None
        return self._enter([args[name] for name in self.params], run, span)

    def _usage(self) -> str:
        return f"`function({', '.join(self.params)})`"

    def _enter(self, args: list[Value], run: Run, span: Span) -> Value:
        scope = self.scope
        for name, declared, raw in zip(self.params, self.types, args, strict=True):
            value = norm(raw)
            # The type Null conforms to every type (§10.3.2.9.1): null is a valid argument.
            if declared is not None and value is not None and not conforms(value, declared):
                wanted = format_type(declared)
                found = kind_of(value)
                message = f"the parameter `{name}` expects {wanted}, not a {found}"
                wanted_zh = zh_type(static_type(declared))
                zh_cn = f"参数 `{name}` 需要{wanted_zh}，而不是{zh_kind(found)}"
                run.report("E_ARGUMENT_TYPE", message, span, zh_cn=zh_cn)
                return None
            scope = Layer(name, value, scope)
        return run_body(self.body, scope, run, span)


def run_body(body: Fn, scope: Any, run: Run, span: Span) -> Value:
    """Evaluate a function body one call deeper, within the depth and step limits."""
    limit = run.context.limits.max_depth
    if run.calls >= limit:
        raise EvaluationAborted(_too_deep(limit, span))
    run.step(1, span)
    run.calls += 1
    try:
        return body(scope, run)
    except RecursionError:
        raise EvaluationAborted(_too_deep(limit, span)) from None
    finally:
        run.calls -= 1


def _too_deep(limit: int, span: Span) -> Diagnostic:
    message = f"function calls nest deeper than {limit} levels (a recursion without end?)"
    zh_cn = f"函数调用的嵌套超过 {limit} 层（是否存在无限递归？）"
    return Diagnostic(limit_codes.TOO_DEEP, message, span, zh_cn=zh_cn)


def apply_value(
    target: FunctionValue, values: list[Value], names: tuple[str, ...] | None, run: Run, span: Span
) -> Value:
    """Call any function value with the arguments of one call site."""
    if isinstance(target, Closure):
        if names is None:
            return target.apply(values, run, span)
        return target.apply_named(dict(zip(names, values, strict=True)), run, span)
    if names is None:
        return target.call(values)
    return target.call_named(dict(zip(names, values, strict=True)))


def _refuse(code: str, message: str, span: Span, source: str, *, zh_cn: str) -> ExprCheckError:
    return ExprCheckError((Diagnostic(code, message, span, zh_cn=zh_cn),), source)


def _argument_names(
    compiler: Compiler, args: tuple[Arg, ...], span: Span
) -> tuple[str, ...] | None:
    names = tuple(a.name for a in args if a.name is not None)
    if names and len(names) != len(args):
        message = "a call mixes positional and named arguments"
        zh_cn = "同一次调用不能混用按位置和按名称传递的参数"
        raise _refuse("E_MIXED_ARGUMENTS", message, span, compiler.source, zh_cn=zh_cn)
    return names or None


def compile_function_def(compiler: Compiler, node: FunctionDef) -> Fn:
    if node.external:
        message = "external functions (Java, PMML) are not supported"
        zh_cn = "不支持外部函数（Java、PMML）"
        raise _refuse("E_EXTERNAL_FUNCTION", message, node.span, compiler.source, zh_cn=zh_cn)
    for param in node.params:
        if param.type is not None:
            check_type(compiler, param.type)
    compiler.callable_names.update(p.name for p in node.params)
    compiler.makes_functions = True
    params = tuple(p.name for p in node.params)
    types = tuple(p.type for p in node.params)
    body = compiler.compile(node.body)
    span = node.span

    def function_def(v: Any, run: Run) -> Value:
        return Closure(params, types, body, v, run, span)

    return function_def


def compile_value_call(compiler: Compiler, node: Call, builtin: Fn | None) -> Fn:
    """A call of a plain name that may hold a function value: the value first, then the
    built-in of that name (if any)."""
    names = _argument_names(compiler, node.args, node.span)
    args = tuple(compiler.compile(a.value) for a in node.args)
    key, span = node.function, node.span

    def value_call(v: Any, run: Run) -> Value:
        found = v.get(key, MISSING)
        if isinstance(found, FunctionValue):
            return apply_value(found, [f(v, run) for f in args], names, run, span)
        if builtin is not None:
            return builtin(v, run)
        if found is MISSING:
            message = f"no function named `{key}` here"
            run.report("E_UNKNOWN_FUNCTION", message, span, zh_cn=f"此处没有名为 `{key}` 的函数")
        else:
            kind = kind_of(norm(found))
            message = f"`{key}` is a {kind}, not a function"
            zh_cn = f"`{key}` 是{zh_kind(kind)}，不是函数"
            run.report("E_NOT_A_FUNCTION", message, span, zh_cn=zh_cn)
        return None

    return value_call


def compile_invoke(compiler: Compiler, node: Invoke) -> Fn:
    names = _argument_names(compiler, node.args, node.span)
    target = compiler.compile(node.target)
    args = tuple(compiler.compile(a.value) for a in node.args)
    span = node.span

    def invoke(v: Any, run: Run) -> Value:
        found = target(v, run)
        if isinstance(found, FunctionValue):
            return apply_value(found, [f(v, run) for f in args], names, run, span)
        what = "null" if found is None else f"a {kind_of(found)}"
        what_zh = "空值" if found is None else zh_kind(kind_of(found))
        message = f"{what} is not a function and cannot be called"
        zh_cn = f"{what_zh}不是函数，不能调用"
        run.report("E_NOT_A_FUNCTION", message, span, zh_cn=zh_cn)
        return None

    return invoke


def check_type(compiler: Compiler, ref: TypeRef) -> None:
    problem = type_problem(ref)
    if problem is not None:
        said, part = problem
        raise _refuse("E_UNKNOWN_TYPE", said.en, part.span, compiler.source, zh_cn=said.zh_cn)


def compile_instance_of(compiler: Compiler, node: InstanceOf) -> Fn:
    check_type(compiler, node.type)
    value = compiler.compile(node.value)
    ref = node.type

    def instance_of(v: Any, run: Run) -> Value:
        return conforms(value(v, run), ref)

    return instance_of
