"""DMN unary tests: the language of decision-table input cells.

A cell is `-` (any input), a comma list of tests (`< 100`, `[1..5)`, `"A","B"`, an expression
using `?` such as `? > 3 and ? < 9`), or `not(...)` of such a list. A value test matches when the
input equals the value, is in it (list or range), or — for expressions that mention `?` — when
the expression is true. The result is three-valued; a decision table treats only `true` as a
match. A test whose own value fails (null plus a diagnostic) matches nothing, not even null.
This module compiles cells to closures; it must not evaluate anything at compile time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_never

from brickwork.engines.expr.compiler import Compiler, checked_compare, value_test
from brickwork.engines.expr.runtime import Layer, Run
from brickwork.engines.expr.syntax import (
    CompareTest,
    Range,
    Test,
    UnaryTests,
    ValueTest,
    mentions,
)
from brickwork.engines.expr.values import Value, kind_of
from brickwork.engines.expr.words import zh_kind

UnaryFn = Callable[[Value, Any, Run], bool | None]


def compile_unary(compiler: Compiler, cell: UnaryTests) -> UnaryFn:
    if cell.any_input:
        return _always
    tests = tuple(_test(compiler, t) for t in cell.tests)
    negated = cell.negated

    def unary(x: Value, v: Any, run: Run) -> bool | None:
        scope = Layer("?", x, v)
        unknown = False
        for test in tests:
            result = test(x, scope, run)
            if result is True:
                return not negated
            unknown = unknown or result is None
        if unknown:
            return None
        return negated

    return unary


def _always(x: Value, v: Any, run: Run) -> bool | None:
    return True


def _test(compiler: Compiler, test: Test) -> UnaryFn:
    match test:
        case CompareTest(op=op, operand=operand, span=span):
            target = compiler.compile(operand)

            def compare(x: Value, v: Any, run: Run) -> bool | None:
                mark = len(run.diagnostics)
                value = target(v, run)
                if value is None and len(run.diagnostics) > mark:
                    return None
                return checked_compare(op, x, value, span, run)

            return compare
        case ValueTest(expr=expr, span=span) if mentions(expr, "?"):
            condition = compiler.compile(expr)

            def condition_test(x: Value, v: Any, run: Run) -> bool | None:
                result = condition(v, run)
                if result is None or type(result) is bool:
                    return result
                kind = kind_of(result)
                message = f"a test using `?` must be true or false, not a {kind}"
                zh_cn = f"使用 `?` 的判断必须得出 `true` 或 `false`，而不是{zh_kind(kind)}"
                run.report("E_TYPE_MISMATCH", message, span, zh_cn=zh_cn)
                return None

            return condition_test
        case ValueTest(expr=expr, span=span):
            return value_test(compiler.compile(expr), span, is_range=isinstance(expr, Range))
        case _:
            assert_never(test)
