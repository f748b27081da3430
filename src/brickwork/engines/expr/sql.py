"""Checked AST to SQL IR (`sql_ir`), for the documented pushable subset.

`to_sql_ir` requires a `Scope` (SQL needs static types), checks the expression, then translates
node by node so that the SQL result equals the Python result row by row, nulls included:
FEEL `=` becomes a null-safe equality, `x in ("a", "b")` is false (not NULL) on a NULL `x`,
aggregates are NULL when any element is NULL. With `predicate=True` the result is only used as a
WHERE condition, where NULL and FALSE both reject a row, so plain `=`/`IN` (index-friendly) are
used outside `not(...)`. Anything without an identical SQL form raises `NotPushable` naming the
sub-expression, its line/column and the reason. This module must not import SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Literal, assert_never

from brickwork.engines.expr import values as v
from brickwork.engines.expr.checker import Checker, Scope
from brickwork.engines.expr.datatypes import ExprType, is_known
from brickwork.engines.expr.diagnostics import Diagnostic, ExprCheckError, NotPushable
from brickwork.engines.expr.functions import BindError, Registry
from brickwork.engines.expr.library import REGISTRY
from brickwork.engines.expr.library.text import MAX_WHOLE_ARGUMENT
from brickwork.engines.expr.parser import parse
from brickwork.engines.expr.printer import format_expression
from brickwork.engines.expr.sql_ir import (
    SqlAggregate,
    SqlAnd,
    SqlArith,
    SqlCase,
    SqlColumn,
    SqlCompare,
    SqlConcat,
    SqlEquals,
    SqlExpr,
    SqlFunction,
    SqlIn,
    SqlIsNull,
    SqlLiteral,
    SqlNegate,
    SqlNot,
    SqlOr,
)
from brickwork.engines.expr.syntax import (
    Arith,
    Between,
    Boolean,
    Call,
    Compare,
    CompareTest,
    Context,
    Expr,
    Filter,
    For,
    FunctionDef,
    If,
    In,
    InstanceOf,
    Invoke,
    ListOf,
    Logic,
    Name,
    Negate,
    Null,
    Number,
    Path,
    Quantified,
    Range,
    String,
    Temporal,
    Test,
    ValueTest,
    walk,
)
from brickwork.engines.expr.words import zh_kind, zh_type

_ORDER_OPS: dict[str, Literal["<", "<=", ">", ">="]] = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
PUSHABLE_LITERAL_KINDS = frozenset({v.NUMBER, v.STRING, v.BOOLEAN, v.DATE, v.DATETIME})
SCALAR_KINDS = PUSHABLE_LITERAL_KINDS | {"any", v.NULL}


def to_sql_ir(
    source: str | Expr,
    scope: Scope,
    *,
    predicate: bool = False,
    registry: Registry = REGISTRY,
) -> SqlExpr:
    """Translate an expression to SQL IR; raises `ExprCheckError` or `NotPushable`."""
    text = source if isinstance(source, str) else format_expression(source)
    if isinstance(source, str):
        tree = parse(source, names=scope.known_names, registry=registry)
    else:
        tree = source
    result = Checker(scope, registry=registry).run(tree)
    if result.diagnostics:
        raise ExprCheckError(result.diagnostics, text)
    for node in walk(tree):
        bound = scope.lookup(node.function) if isinstance(node, Call) else None
        if isinstance(node, Call) and bound is not None and bound.kind == v.FUNCTION:
            translator = _Translator(result.types, registry, text)
            raise translator.refuse(
                node, "calls of function values have no SQL form", "函数值的调用没有对应的 SQL 形式"
            )
    found = result.types[id(tree)]
    if predicate and is_known(found) and found.kind != v.BOOLEAN:
        # A database refuses `... AND name` (PostgreSQL) or reads it its own way (SQLite).
        message = f"a condition (true/false) is needed here, not a {found}"
        diagnostic = Diagnostic(
            "E_NOT_BOOLEAN",
            message,
            tree.span,
            'e.g. name = "Li Lei"',
            zh_cn=f"此处需要条件（`true`/`false`），而不是{zh_type(found)}",
            hint_zh_cn='例如 name = "李雷"',
        )
        raise ExprCheckError((diagnostic,), text)
    return _Translator(result.types, registry, text).translate(tree, truthy=predicate)


class _Translator:
    def __init__(self, types: dict[int, ExprType] | object, registry: Registry, text: str) -> None:
        self.types: dict[int, ExprType] = types  # type: ignore[assignment]
        self.registry = registry
        self.text = text

    def refuse(self, node: Expr, reason: str, reason_zh: str) -> NotPushable:
        """Why `node` has no SQL form: `reason` in English, `reason_zh` in Chinese."""
        shown = format_expression(node)
        message = f"`{shown}` cannot run in SQL: {reason}"
        hint = "compute it after loading the rows, or rewrite it with pushable operations"
        diagnostic = Diagnostic(
            "E_NOT_PUSHABLE",
            message,
            node.span,
            hint,
            zh_cn=f"`{shown}` 无法在 SQL 中执行：{reason_zh}",
            hint_zh_cn="请在读出数据行之后再计算，或改用可下推到 SQL 的运算重写",
        )
        return NotPushable((diagnostic,), self.text)

    def kind(self, node: Expr) -> str:
        return self.types[id(node)].kind

    def translate(self, node: Expr, *, truthy: bool = False) -> SqlExpr:
        match node:
            case Number() | String() | Boolean() | Null() | Temporal():
                return self._literal(node)
            case Name() | Path():
                return self._column(node)
            case Arith() | Negate():
                return self._arith(node)
            case Compare():
                return self._compare(node, truthy)
            case Logic():
                return self._logic(node, truthy)
            case Between():
                x, text = self.translate(node.value), self.kind(node.value) == v.STRING
                low, high = self.translate(node.low), self.translate(node.high)
                return SqlAnd((SqlCompare(">=", x, low, text), SqlCompare("<=", x, high, text)))
            case In():
                return self._in(node, truthy)
            case If():
                condition = self.translate(node.condition, truthy=True)
                return SqlCase(((condition, self.translate(node.then)),),
                               self.translate(node.otherwise))  # fmt: skip
            case Call():
                return self._call(node, truthy)
            case Filter() | For() | Quantified() | ListOf() | Context() | Range():
                raise self.refuse(
                    node,
                    "lists, contexts and iteration have no SQL form here",
                    "列表、上下文和迭代在这里没有对应的 SQL 形式",
                )
            case FunctionDef() | Invoke() | InstanceOf():
                raise self.refuse(
                    node,
                    "function values and type tests have no SQL form",
                    "函数值和类型判断没有对应的 SQL 形式",
                )
            case _:
                assert_never(node)

    def _literal(self, node: Number | String | Boolean | Null | Temporal) -> SqlExpr:
        match node:
            case Number(value=value):
                return SqlLiteral(value, v.NUMBER)
            case String(value=value):
                return SqlLiteral(value, v.STRING)
            case Boolean(value=value):
                return SqlLiteral(value, v.BOOLEAN)
            case Null():
                return SqlLiteral(None, v.NULL)
            case Temporal(value=value):
                kind = v.kind_of(value)
                if kind not in PUSHABLE_LITERAL_KINDS:
                    raise self.refuse(
                        node, f"{kind} literals are not pushable", f"{zh_kind(kind)}字面量不能下推"
                    )
                return SqlLiteral(value, kind)
            case _:
                assert_never(node)

    def path_of(self, node: Expr) -> tuple[str, ...] | None:
        parts: list[str] = []
        while isinstance(node, Path):
            parts.append(node.key)
            node = node.target
        if not isinstance(node, Name) or node.name == "?":
            return None
        return (node.name, *reversed(parts))

    def _column(self, node: Name | Path) -> SqlExpr:
        path = self.path_of(node)
        if path is None:
            raise self.refuse(node, "only field paths can be read in SQL", "SQL 中只能读取字段路径")
        if self.kind(node) not in SCALAR_KINDS:
            found = self.types[id(node)]
            raise self.refuse(
                node,
                f"a {found} value has no SQL column form",
                f"{zh_type(found)}类型的值没有对应的 SQL 列",
            )
        return SqlColumn(path)

    def _arith(self, node: Arith | Negate) -> SqlExpr:
        if self.kind(node) not in (v.NUMBER, v.STRING):
            raise self.refuse(
                node,
                "only number arithmetic and text `+` are pushable",
                "只有数字运算和文本的 `+` 可以下推",
            )
        match node:
            case Negate():
                return SqlNegate(self.translate(node.operand))
            case Arith(op="+") if self.kind(node) == v.STRING:
                return SqlConcat(self.translate(node.left), self.translate(node.right))
            case Arith(op="+" | "-" | "*" as op):
                return SqlArith(op, self.translate(node.left), self.translate(node.right))
            case Arith():
                reason = "division and powers are rounded differently by each database"
                raise self.refuse(node, reason, "各数据库对除法和乘方的舍入方式不同")
            case _:
                assert_never(node)

    def _compare(self, node: Compare, truthy: bool) -> SqlExpr:
        left, right = node.left, node.right
        if node.op in ("=", "!="):
            negated = node.op == "!="
            if isinstance(right, Null) or isinstance(left, Null):
                other = left if isinstance(right, Null) else right
                return SqlIsNull(self.translate(other), negated=negated)
            literal = isinstance(left, Number | String | Boolean | Temporal) or isinstance(
                right, Number | String | Boolean | Temporal
            )
            null_safe = negated or not (truthy and literal)
            return SqlEquals(self.translate(left), self.translate(right), negated, null_safe)
        text = self.kind(left) == v.STRING
        op = _ORDER_OPS[node.op]
        return SqlCompare(op, self.translate(left), self.translate(right), text)

    def _logic(self, node: Logic, truthy: bool) -> SqlExpr:
        operands: list[SqlExpr] = []
        stack: list[Expr] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, Logic) and current.op == node.op:
                stack.extend((current.right, current.left))
            else:
                operands.append(self.translate(current, truthy=truthy))
        return SqlAnd(tuple(operands)) if node.op == "and" else SqlOr(tuple(operands))

    def _in(self, node: In, truthy: bool) -> SqlExpr:
        x = self.translate(node.value)
        literals = self._literal_list(node.tests)
        if literals is not None:
            return SqlIn(x, literals, null_is_false=not truthy)
        text = self.kind(node.value) == v.STRING
        parts = tuple(self._test(x, test, text) for test in node.tests)
        return parts[0] if len(parts) == 1 else SqlOr(parts)

    def _literal_list(self, tests: Sequence[Test]) -> tuple[SqlLiteral, ...] | None:
        exprs: list[Expr] = []
        for test in tests:
            if not isinstance(test, ValueTest):
                return None
            exprs.extend(test.expr.items if isinstance(test.expr, ListOf) else (test.expr,))
        if not exprs or not all(isinstance(e, Number | String | Boolean | Temporal) for e in exprs):
            return None
        literals = tuple(self.translate(e) for e in exprs)
        return literals  # type: ignore[return-value]

    def _test(self, x: SqlExpr, test: Test, text: bool) -> SqlExpr:
        match test:
            case CompareTest(op="=" | "!=" as op, operand=operand):
                return SqlEquals(x, self.translate(operand), op == "!=")
            case CompareTest(op="<" | "<=" | ">" | ">=" as op, operand=operand):
                return SqlCompare(op, x, self.translate(operand), text)
            case ValueTest(expr=Range() as rng):
                return self._range_test(x, rng, text)
            case ValueTest(expr=expr) if self.kind(expr) in SCALAR_KINDS - {v.NULL, "any"}:
                return SqlEquals(x, self.translate(expr))
            case ValueTest(expr=expr):
                raise self.refuse(
                    expr,
                    "only scalar values and literal ranges are pushable in `in`",
                    "`in` 中只有单个值和字面量区间可以下推",
                )
            case _:  # pragma: no cover - CompareTest ops are exhausted above
                raise self.refuse(test.operand, "unsupported test", "不支持这种判断")

    def _range_test(self, x: SqlExpr, rng: Range, text: bool) -> SqlExpr:
        """`x in range`; an end that is null makes the test null, as in the evaluator."""
        low_op: Literal[">=", ">"] = ">=" if rng.low_closed else ">"
        high_op: Literal["<=", "<"] = "<=" if rng.high_closed else "<"
        tests: list[SqlExpr] = []
        nullable: list[SqlExpr] = []
        for op, end in ((low_op, rng.low), (high_op, rng.high)):
            if end is None:  # unbounded, as in `x in (< 10)`
                continue
            if isinstance(end, Null):
                return SqlLiteral(None, v.NULL)
            bound = self.translate(end)
            tests.append(SqlCompare(op, x, bound, text))
            if not isinstance(end, Number | String | Boolean | Temporal):
                nullable.append(SqlIsNull(bound))
        inside = tests[0] if len(tests) == 1 else SqlAnd(tuple(tests))
        if not nullable:
            return inside
        unknown = nullable[0] if len(nullable) == 1 else SqlOr(tuple(nullable))
        return SqlCase(((unknown, SqlLiteral(None, v.NULL)),), inside)

    def _call(self, node: Call, truthy: bool) -> SqlExpr:
        spec = self.registry.lookup(node.function)
        if spec is None or spec.sql is None:
            raise self.refuse(
                node, f"`{node.function}` has no SQL form", f"`{node.function}` 没有对应的 SQL 形式"
            )
        try:
            binding = self.registry.bind(spec, node.args)
        except BindError as exc:  # pragma: no cover - the checker already bound it
            reason_zh = exc.zh_cn if exc.zh_cn is not None else f"参数不符：{exc.message}"
            raise self.refuse(node, exc.message, reason_zh) from None
        args: list[Expr | None] = []
        for slot in binding.slots:
            if isinstance(slot, tuple):
                args.extend(node.args[i].value for i in slot)
            else:
                args.append(None if slot is None else node.args[slot].value)
        return SQL_CALLS[spec.sql](self, node, args, truthy)


Args = list[Expr | None]
CallRule = Callable[[_Translator, Call, Args, bool], SqlExpr]


def _whole_literal(tr: _Translator, node: Call, arg: Expr | None, default: int,
                   minimum: int) -> int:  # fmt: skip
    if arg is None:
        return default
    if (
        isinstance(arg, Number)
        and arg.value == arg.value.to_integral_value()
        and minimum <= arg.value <= MAX_WHOLE_ARGUMENT
    ):
        return int(arg.value)
    maximum = f"{MAX_WHOLE_ARGUMENT:_}".replace("_", ",")
    allowed = f"between {minimum} and {maximum}"
    raise tr.refuse(
        node,
        f"this argument must be a whole-number literal {allowed} in SQL",
        f"这个参数在 SQL 中必须是 {minimum} 到 {maximum} 之间的整数字面量",
    )


def _simple(name: str, arity: int) -> CallRule:
    def rule(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
        present = [a for a in args if a is not None]
        if len(present) != arity:
            raise tr.refuse(
                node,
                f"only the {arity}-argument form is pushable",
                f"只有 {arity} 个参数的形式可以下推",
            )
        return SqlFunction(name, tuple(tr.translate(a) for a in present))  # type: ignore[arg-type]

    return rule


def _aggregate(name: str) -> CallRule:
    def rule(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
        if len(args) == 1 and args[0] is not None and tr.kind(args[0]) == v.LIST:
            path = tr.path_of(args[0])
            if path is not None and len(path) > 1:
                return SqlAggregate(name, SqlColumn(path))  # type: ignore[arg-type]
        raise tr.refuse(
            node,
            "only aggregates over a sub-table column (`sum(items.amount)`)",
            "只有对子表列的聚合可以下推，例如 `sum(items.amount)`",
        )

    return rule


def _substring(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    text, start, length = args
    assert text is not None
    first = _whole_literal(tr, node, start, 1, 1)
    parts: tuple[SqlExpr, ...] = (tr.translate(text), SqlLiteral(Decimal(first), v.NUMBER))
    if length is not None:
        parts += (SqlLiteral(Decimal(_whole_literal(tr, node, length, 0, 0)), v.NUMBER),)
    return SqlFunction("substr", parts)


def _left(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    text, count = args
    assert text is not None
    n = SqlLiteral(Decimal(_whole_literal(tr, node, count, 1, 0)), v.NUMBER)
    return SqlFunction("substr", (tr.translate(text), SqlLiteral(Decimal(1), v.NUMBER), n))


def _right(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    text, count = args
    assert text is not None
    n = Decimal(_whole_literal(tr, node, count, 1, 1))
    s = tr.translate(text)
    length = SqlFunction("length", (s,))
    start = SqlArith("+", SqlArith("-", length, SqlLiteral(n, v.NUMBER)),
                     SqlLiteral(Decimal(1), v.NUMBER))  # fmt: skip
    short = SqlCompare("<=", length, SqlLiteral(n, v.NUMBER))
    return SqlCase(((short, s),), SqlFunction("substr", (s, start)))


def _round(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    number, scale = (*args, None)[:2]  # `round half up(n)` or `round half up(n, scale)`
    assert number is not None
    places = _whole_literal(tr, node, scale, 0, -30)
    return SqlFunction("round_half_up",
                       (tr.translate(number), SqlLiteral(Decimal(places), v.NUMBER)))  # fmt: skip


def _date(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    if len(args) != 1 or args[0] is None or tr.kind(args[0]) not in {v.DATE, v.DATETIME}:
        raise tr.refuse(
            node,
            "only `date(d)` of a date or a date and time is pushable",
            "只有对日期或日期时间求 `date(d)` 可以下推",
        )
    return SqlFunction("date", (tr.translate(args[0]),))


def _not(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    assert args[0] is not None
    return SqlNot(tr.translate(args[0]))


def _if(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    condition, then, otherwise = args
    assert condition is not None
    assert then is not None
    fallback = SqlLiteral(None, v.NULL) if otherwise is None else tr.translate(otherwise)
    return SqlCase(((tr.translate(condition, truthy=True), tr.translate(then)),), fallback)


def _isblank(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    assert args[0] is not None
    x = tr.translate(args[0])
    if tr.kind(args[0]) == v.STRING:
        empty = SqlEquals(x, SqlLiteral("", v.STRING), null_safe=False)
        return SqlOr((SqlIsNull(x), empty))
    return SqlIsNull(x)


def _coalesce(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
    if not args:
        return SqlLiteral(None, v.NULL)
    return SqlFunction("coalesce", tuple(tr.translate(a) for a in args if a is not None))


def _clock(name: str) -> CallRule:
    def rule(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
        return SqlColumn((name,))

    return rule


def _logic_call(word: str) -> CallRule:
    def rule(tr: _Translator, node: Call, args: Args, truthy: bool) -> SqlExpr:
        if len(args) < 2 or any(a is None or tr.kind(a) == v.LIST for a in args):
            raise tr.refuse(
                node,
                "only the form with two or more separate arguments is pushable",
                "只有带两个或更多独立参数的形式可以下推",
            )
        parts = tuple(tr.translate(a, truthy=truthy) for a in args if a is not None)
        return SqlAnd(parts) if word == "and" else SqlOr(parts)

    return rule


SQL_CALLS: dict[str, CallRule] = {
    "upper": _simple("upper", 1),
    "lower": _simple("lower", 1),
    "length": _simple("length", 1),
    "abs": _simple("abs", 1),
    "floor": _simple("floor", 1),
    "ceiling": _simple("ceiling", 1),
    "contains": _simple("contains", 2),
    "starts_with": _simple("starts_with", 2),
    "ends_with": _simple("ends_with", 2),
    "year": _simple("year", 1),
    "month": _simple("month", 1),
    "day": _simple("day", 1),
    "date": _date,
    "substring": _substring,
    "left": _left,
    "right": _right,
    "round_half_up": _round,
    "not": _not,
    "if": _if,
    "isblank": _isblank,
    "coalesce": _coalesce,
    "sum": _aggregate("sum"),
    "min": _aggregate("min"),
    "max": _aggregate("max"),
    "count": _aggregate("count"),
    "today": _clock("$today"),
    "now": _clock("$now"),
    "all": _logic_call("and"),
    "any": _logic_call("or"),
}
"""How each registry `sql` name translates; a unit test keeps this in step with the registry."""
