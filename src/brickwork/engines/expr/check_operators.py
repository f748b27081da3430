"""Static type rules of the operators (arithmetic, comparison, logic, between, in, tests).

Used by `checker.Checker`; kept apart so each module stays small. Rules mirror the runtime
tables in `operators.py`. This module must not evaluate expressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, assert_never

from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.diagnostics import Span
from brickwork.engines.expr.operators import ARITHMETIC, NEGATION, OP_WORDS, OP_WORDS_ZH
from brickwork.engines.expr.syntax import (
    Arith,
    Between,
    Compare,
    CompareTest,
    Expr,
    In,
    Logic,
    Negate,
    String,
    Test,
    ValueTest,
    mentions,
)
from brickwork.engines.expr.values import YearsMonths
from brickwork.engines.expr.words import zh_type

if TYPE_CHECKING:
    from brickwork.engines.expr.checker import Checker

ExprType = t.ExprType
_Locals = Mapping[str, ExprType]


def check_operator(
    checker: Checker, node: Arith | Negate | Compare | Logic | Between | In, local: _Locals
) -> ExprType:
    match node:
        case Arith():
            return _arith(checker, node, local)
        case Negate():
            operand = checker.check(node.operand, local)
            if t.is_known(operand) and operand.kind not in NEGATION:
                return checker.error("E_TYPE_MISMATCH", f"cannot negate a {operand}", node.span,
                                     zh_cn=f"不能对{zh_type(operand)}取负")  # fmt: skip
            return operand if t.is_known(operand) else t.ANY
        case Compare():
            left, right = checker.check(node.left, local), checker.check(node.right, local)
            comparable(checker, node.op, left, right, node.span, node.right)
            return t.BOOLEAN
        case Logic():
            for side in (node.left, node.right):
                checker.condition(side, local, node.op)
            return t.BOOLEAN
        case Between():
            value = checker.check(node.value, local)
            for end in (node.low, node.high):
                comparable(checker, "<=", value, checker.check(end, local), node.span, end)
            return t.BOOLEAN
        case In():
            value = checker.check(node.value, local)
            for test in node.tests:
                check_test(checker, value, test, local)
            return t.BOOLEAN
        case _:
            assert_never(node)


def sample_value(kind: str) -> object:
    """A fixed value of each scalar kind, to derive static result types from runtime tables."""
    samples: dict[str, object] = {
        v.NUMBER: Decimal(2),
        v.STRING: "a",
        v.DATE: date(2000, 1, 3),
        v.TIME: time(1),
        v.DATETIME: datetime.combine(date(2000, 1, 3), time(1, tzinfo=UTC)),
        v.DT_DURATION: timedelta(days=1),
        v.YM_DURATION: YearsMonths(1),
    }
    return samples[kind]


ARITHMETIC_TYPES: dict[tuple[str, str, str], ExprType] = {
    key: t.SCALARS[v.kind_of(fn(sample_value(key[1]), sample_value(key[2])))]
    for key, fn in ARITHMETIC.items()
}
"""Result type of each (operator, left kind, right kind), derived from the runtime table."""


def _arith(checker: Checker, node: Arith, local: _Locals) -> ExprType:
    left, right = checker.check(node.left, local), checker.check(node.right, local)
    if not (t.is_known(left) and t.is_known(right)):
        return t.NUMBER if node.op in ("**",) else t.ANY
    found = ARITHMETIC_TYPES.get((node.op, left.kind, right.kind))
    if found is None:
        hint = hint_zh = None
        if node.op == "+" and v.STRING in (left.kind, right.kind):
            hint = 'to join text with a number, write string(x) + "..." or CONCAT(...)'
            hint_zh = '如需将文本与数字拼接，请写 string(x) + "..." 或 CONCAT(...)'
        return checker.error(
            "E_TYPE_MISMATCH", f"cannot {OP_WORDS[node.op]} {left} and {right} with `{node.op}`",
            node.span, hint,
            zh_cn=f"{zh_type(left)}和{zh_type(right)}不能用 `{node.op}` {OP_WORDS_ZH[node.op]}",
            hint_zh_cn=hint_zh,
        )  # fmt: skip
    return found


def comparable(
    checker: Checker, op: str, left: ExprType, right: ExprType, span: Span, right_node: Expr
) -> None:
    if not (t.is_known(left) and t.is_known(right)):
        return
    if left.kind != right.kind:
        hint, hint_zh = _comparison_hint(left, right, right_node) or (None, None)
        checker.error(
            "E_IMPOSSIBLE_COMPARISON",
            f"comparing a {left} with a {right} is always null",
            span,
            hint,
            zh_cn=f"{zh_type(left)}与{zh_type(right)}比较的结果总是空值",
            hint_zh_cn=hint_zh,
        )
        return
    if op not in ("=", "!=") and left.kind not in v.ORDERED_KINDS:
        checker.error("E_IMPOSSIBLE_COMPARISON", f"{left} values cannot be ordered with `{op}`",
                      span, zh_cn=f"{zh_type(left)}不能用 `{op}` 比较大小")  # fmt: skip


def _comparison_hint(left: ExprType, right: ExprType, right_node: Expr) -> tuple[str, str] | None:
    """The hint for comparing values of two kinds, in English and in Chinese."""
    kinds = {left.kind, right.kind}
    if kinds == {v.DATE, v.STRING} or kinds == {v.DATETIME, v.STRING}:
        text = right_node.value if isinstance(right_node, String) else "2025-01-01"
        return (
            f'write a date as @"{text}" or date("{text}")',
            f'请将日期写成 @"{text}" 或 date("{text}")',
        )
    if kinds == {v.NUMBER, v.STRING}:
        if isinstance(right_node, String):
            return f"remove the quotes: {right_node.value}", f"请去掉引号：{right_node.value}"
        return "convert with number(...) or string(...)", "请用 number(...) 或 string(...) 转换"
    if v.DATE in kinds and v.NUMBER in kinds:
        return (
            'use YEAR(d), DATEDIF(a, b, "D") or compare with another date',
            '请改用 YEAR(d)、DATEDIF(a, b, "D")，或与另一个日期比较',
        )
    if kinds == {v.DATE, v.DATETIME}:
        return (
            "compare its date instead, e.g. date(at) >= today()",
            "请改为比较其日期，例如 date(at) >= today()",
        )
    if v.BOOLEAN in kinds:
        return (
            "compare with true or false, without quotes",
            "请与 `true` 或 `false` 比较，不要加引号",
        )
    return None


def check_test(checker: Checker, value: ExprType, test: Test, local: _Locals) -> None:
    match test:
        case CompareTest(op=op, operand=operand, span=span):
            comparable(checker, op, value, checker.check(operand, local), span, operand)
        case ValueTest(expr=expr, span=span):
            if _mentions_input(expr):
                checker.condition(expr, local, "a test using ?")
                return
            found = checker.check(expr, local)
            if found.kind in (v.LIST, v.RANGE):
                found = found.item or t.ANY
                if found.kind == v.RANGE and value.kind != v.RANGE:  # a list of ranges
                    found = found.item or t.ANY
            if found.kind != v.BOOLEAN or value.kind == v.BOOLEAN:
                comparable(checker, "=", value, found, span, expr)
        case _:
            assert_never(test)


def _mentions_input(expr: Expr) -> bool:
    return mentions(expr, "?")
