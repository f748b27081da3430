"""The public entry points of the expression engine.

`compile_expression` parses, checks (when a `Scope` is given) and compiles once; the returned
`CompiledExpression.evaluate` is the fast path and never raises: every problem during evaluation
becomes null plus a `Diagnostic`. Unary tests (decision-table cells) have the same shape. This
module must not read the clock or the environment: callers pass an `EvaluationContext`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import DecimalException, DivisionByZero, Overflow, getcontext, setcontext
from functools import lru_cache
from typing import Any

from brickwork.engines.expr.checker import Checker, CheckResult, Scope
from brickwork.engines.expr.compiler import Compiler
from brickwork.engines.expr.datatypes import ANY, BOOLEAN, FUNCTION, ExprType, is_known
from brickwork.engines.expr.diagnostics import (
    NO_SPAN,
    Diagnostic,
    EvaluationAborted,
    ExprCheckError,
)
from brickwork.engines.expr.direct import UNDECIDED, Direct, direct_of
from brickwork.engines.expr.environment import EMPTY_CONTEXT, EvaluationContext
from brickwork.engines.expr.functions import Registry
from brickwork.engines.expr.library import REGISTRY
from brickwork.engines.expr.limits import DEFAULT_LIMITS, Limits
from brickwork.engines.expr.parser import parse, parse_unary_tests
from brickwork.engines.expr.printer import format_expression as _format_tree
from brickwork.engines.expr.printer import format_unary_tests
from brickwork.engines.expr.runtime import Evaluation, Fn, Run
from brickwork.engines.expr.syntax import Expr, UnaryTests
from brickwork.engines.expr.unary import UnaryFn, compile_unary
from brickwork.engines.expr.values import DECIMAL_CONTEXT, UnsupportedValue, Value, norm

_NO_VARIABLES: Mapping[str, Any] = {}


def _finish(value: Value) -> Value:
    """Deep-normalise lists and contexts that may still hold caller objects (ints, tuples)."""
    value = norm(value)
    if type(value) is list:
        return [_finish(item) for item in value]
    if type(value) is dict:
        return {key: _finish(item) for key, item in value.items()}
    return value


def _failed(run: Run, diagnostic: Diagnostic) -> Evaluation:
    return Evaluation(None, (*run.diagnostics, diagnostic))


def _failure_zh(exc: BaseException) -> str:
    """Why an evaluation failed, in Chinese, with the name of the Python exception."""
    if isinstance(exc, RecursionError):
        cause = "嵌套过深"
    elif isinstance(exc, MemoryError):
        cause = "内存不足"
    elif isinstance(exc, Overflow):
        cause = "数字超出了可以计算的范围"
    elif isinstance(exc, DivisionByZero):
        cause = "除数为 0"
    else:
        cause = "数字运算无效"
    return f"计算失败：{cause}（{type(exc).__name__}）"


def _guarded(fn: Fn, variables: Mapping[str, Any], run: Run) -> Evaluation:
    """Run a compiled closure; whatever happens, return an `Evaluation`."""
    saved = getcontext()
    setcontext(DECIMAL_CONTEXT)
    try:
        value = fn(variables, run)
        if type(value) is list or type(value) is dict:
            value = _finish(value)
    except EvaluationAborted as exc:
        return _failed(run, exc.diagnostic)
    except UnsupportedValue as exc:
        diagnostic = Diagnostic("E_UNSUPPORTED_VALUE", str(exc), NO_SPAN, zh_cn=exc.zh_cn)
        return _failed(run, diagnostic)
    except (DecimalException, RecursionError, MemoryError) as exc:
        message = f"the evaluation failed: {type(exc).__name__}"
        diagnostic = Diagnostic("E_EVALUATION_FAILED", message, NO_SPAN, zh_cn=_failure_zh(exc))
        return _failed(run, diagnostic)
    except Exception as exc:  # the promise: no exception escapes an evaluation
        name = type(exc).__name__
        message = f"internal error ({name}); please report this expression"
        zh_cn = f"内部错误（{name}），请将此表达式反馈给技术支持"
        return _failed(run, Diagnostic("E_INTERNAL", message, NO_SPAN, zh_cn=zh_cn))
    finally:
        setcontext(saved)
    if run.diagnostics:
        return Evaluation(value, tuple(run.diagnostics))
    return Evaluation(value)


_CONSTANT_RESULTS: dict[object, Evaluation] = {
    True: Evaluation(True),
    False: Evaluation(False),
    None: Evaluation(None),
}
_new_evaluation = tuple.__new__


class _NoSpareRuns(list[Run]):
    """The spare runs of an expression whose function values keep their run: always empty."""

    def append(self, run: Run) -> None:
        pass


class CompiledExpression:
    """A parsed, checked and compiled expression; cheap to evaluate many times."""

    __slots__ = ("_decimal", "_fn", "_spare_runs", "direct", "result_type", "source", "tree")

    def __init__(
        self,
        source: str,
        tree: Expr,
        fn: Fn,
        result_type: ExprType,
        *,
        decimal: bool = True,
        reuse_runs: bool = True,
    ) -> None:
        self.source = source
        self.tree = tree
        self.result_type = result_type
        self._fn = fn
        self._decimal = decimal
        # Direct answers are booleans: none for an expression known to give something else.
        boolean = not is_known(result_type) or result_type.kind == BOOLEAN.kind
        self.direct: Direct | None = direct_of(tree) if boolean else None
        """For the commonest condition shapes (see `direct`): `(variables) -> True | False`, or
        `UNDECIDED` when `evaluate` is needed. Callers on a hot path may call it first."""
        # Runs that finished cleanly are reused; list.pop/append are atomic under the GIL.
        # Not when the expression defines functions: a function value keeps its run.
        self._spare_runs: list[Run] = [] if reuse_runs else _NoSpareRuns()

    def evaluate(
        self,
        variables: Mapping[str, Any] | None = None,
        *,
        context: EvaluationContext = EMPTY_CONTEXT,
    ) -> Evaluation:
        """Evaluate against `variables` (field values). Never raises."""
        if variables is None:
            variables = _NO_VARIABLES
        direct = self.direct
        if direct is not None:
            decided = direct(variables)
            if decided is not UNDECIDED:
                return _CONSTANT_RESULTS[decided]
        try:
            run = self._spare_runs.pop()
            run.context = context
        except IndexError:
            run = Run(context)
        if self._decimal:
            # Number fast paths use Python operators, which read the thread's decimal context:
            # set ours for the duration of the call and restore the caller's.
            saved = getcontext()
            setcontext(DECIMAL_CONTEXT)
            try:
                value = self._fn(variables, run)
            except Exception:  # evaluate again on the guarded path for the diagnostic
                return _guarded(self._fn, variables, Run(context))
            finally:
                setcontext(saved)
        else:
            try:
                value = self._fn(variables, run)
            except Exception:  # evaluate again on the guarded path for the diagnostic
                return _guarded(self._fn, variables, Run(context))
        if run.diagnostics:
            if type(value) is list or type(value) is dict:
                value = _finish(value)
            return Evaluation(value, tuple(run.diagnostics))
        run.steps = 0
        self._spare_runs.append(run)
        if type(value) is bool or value is None:
            return _CONSTANT_RESULTS[value]
        if type(value) is list or type(value) is dict:
            value = _finish(value)
        return _new_evaluation(Evaluation, (value, ()))

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


class CompiledUnaryTests:
    """A compiled decision-table cell; `test(value)` says whether the value matches."""

    __slots__ = ("_fn", "source", "tree")

    def __init__(self, source: str, tree: UnaryTests, fn: UnaryFn) -> None:
        self.source = source
        self.tree = tree
        self._fn = fn

    def test(
        self,
        value: Any,
        variables: Mapping[str, Any] | None = None,
        *,
        context: EvaluationContext = EMPTY_CONTEXT,
    ) -> Evaluation:
        """Whether `value` passes the cell: true, false or null (with diagnostics). Never raises.

        `value` may be the `Evaluation` of the input expression: when that reported diagnostics,
        its value is not trusted, so no cell but `-` matches it (the result is null) and the
        input's diagnostics are carried into the result, which is then not `ok`."""
        fn = self._fn
        run = Run(context)
        if isinstance(value, Evaluation):
            if value.diagnostics:
                matched = True if self.tree.any_input else None
                return Evaluation(matched, value.diagnostics)
            value = value.value
        try:
            x = norm(value)
        except UnsupportedValue as exc:
            zh_cn = exc.zh_cn
            return _failed(run, Diagnostic("E_UNSUPPORTED_VALUE", str(exc), NO_SPAN, zh_cn=zh_cn))
        return _guarded(lambda v, r: fn(x, v, r), variables or _NO_VARIABLES, run)

    def __repr__(self) -> str:
        return f"CompiledUnaryTests({self.source!r})"


def check(source: str | Expr, scope: Scope, *, registry: Registry = REGISTRY) -> CheckResult:
    """Statically check an expression against `scope`; returns the type and all diagnostics."""
    if isinstance(source, str):
        tree = parse(source, names=scope.known_names, registry=registry)
    else:
        tree = source
    return Checker(scope, registry=registry).run(tree)


def compile_expression(
    source: str,
    scope: Scope | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    registry: Registry = REGISTRY,
) -> CompiledExpression:
    """Parse, check (if `scope` is given) and compile.

    Raises `ExprSyntaxError` for malformed text and `ExprCheckError` for scope/type errors and
    unknown functions or bad argument counts (those are checked even without a scope).
    """
    names = scope.known_names if scope is not None else ()
    tree = parse(source, limits=limits, names=names, registry=registry)
    result_type = ANY
    if scope is not None:
        result = Checker(scope, registry=registry).run(tree)
        if result.diagnostics:
            raise ExprCheckError(result.diagnostics, source)
        result_type = result.type
    compiler = Compiler(registry, source)
    if scope is not None:
        compiler.callable_names.update(_function_fields(scope))
    fn = compiler.compile(tree)
    decimal = compiler.needs_decimal_context
    reuse = not compiler.makes_functions
    return CompiledExpression(source, tree, fn, result_type, decimal=decimal, reuse_runs=reuse)


def _function_fields(scope: Scope) -> list[str]:
    return [name for name, found in scope.fields.items() if found.kind == FUNCTION.kind]


def compile_unary_tests(
    source: str,
    scope: Scope | None = None,
    *,
    input_type: ExprType | None = None,
    limits: Limits = DEFAULT_LIMITS,
    registry: Registry = REGISTRY,
) -> CompiledUnaryTests:
    """Compile a decision-table cell. With a scope, `input_type` is the column's type."""
    names = scope.known_names if scope is not None else ()
    tree = parse_unary_tests(source, limits=limits, names=names, registry=registry)
    if scope is not None:
        cell_scope = scope.with_input(input_type or ANY)
        result = Checker(cell_scope, registry=registry).run_unary(tree)
        if result.diagnostics:
            raise ExprCheckError(result.diagnostics, source)
    fn = compile_unary(Compiler(registry, source), tree)
    return CompiledUnaryTests(source, tree, fn)


@lru_cache(maxsize=512)
def _cached(source: str) -> CompiledExpression:
    return compile_expression(source)


def evaluate(
    source: str,
    variables: Mapping[str, Any] | None = None,
    *,
    context: EvaluationContext = EMPTY_CONTEXT,
) -> Evaluation:
    """One-off evaluation (compiled forms are cached). Raises only for malformed source."""
    return _cached(source).evaluate(variables, context=context)


def format_expression(source: str | Expr) -> str:
    """The canonical text of an expression (normalised spacing, quotes and parentheses)."""
    return _format_tree(parse(source) if isinstance(source, str) else source)


def format_cell(source: str | UnaryTests) -> str:
    """The canonical text of a decision-table cell."""
    return format_unary_tests(parse_unary_tests(source) if isinstance(source, str) else source)
