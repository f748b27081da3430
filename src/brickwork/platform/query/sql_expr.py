"""Render the expression engine's SQL IR to SQLAlchemy Core.

`render(ir, resolve)` turns a `brickwork.engines.expr.sql_ir` tree into a `ColumnElement`,
asking `resolve(path)` for every column or context value (`("amount",)`, `("items", "amount")`,
`("$user", "department")`, `("$today",)`). The IR fixes the semantics; this module picks the
SQL spelling per dialect (PostgreSQL and SQLite are tested for agreement with the Python
evaluator). It must not decide what is pushable (the engine does) and must not run queries.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BinaryExpression, ColumnElement, Grouping, UnaryExpression
from sqlalchemy.sql.functions import FunctionElement

from brickwork.engines.expr import values
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
from brickwork.platform.clock import BUSINESS_ZONE
from brickwork.platform.db.base import UtcDateTime


def _grouped(x: ColumnElement[Any]) -> ColumnElement[Any]:
    """`x` in parentheses when it is an operation. SQLite renders a boolean `NOT x` as `x = 0`
    after precedence is decided, so `a IS NOT x` would read `(a IS x) = 0` without them."""
    if isinstance(x, BinaryExpression | UnaryExpression):
        return Grouping(x)
    return x


SQLITE_INTEGER_MIN = -(2**63)
SQLITE_INTEGER_MAX = 2**63 - 1

Resolver = Callable[[tuple[str, ...]], ColumnElement[Any]]


class ExactNumber(sa.types.TypeDecorator[Decimal]):
    """Numbers as `Decimal` both ways; on SQLite (no decimal type) as int or float in SQL."""

    impl = sa.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.types.NullType())
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        if value == value.to_integral_value() and SQLITE_INTEGER_MIN <= value <= SQLITE_INTEGER_MAX:
            return int(value)
        # Beyond 64 bits SQLite has only REAL; it still orders against every stored integer
        # exactly (the rounding never crosses one), and binding an int would overflow.
        return float(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _literal(node: SqlLiteral) -> ColumnElement[Any]:
    value = node.value
    if value is None:
        return sa.null()
    if node.kind == values.BOOLEAN:
        return sa.true() if value else sa.false()
    if node.kind == values.NUMBER:
        return sa.literal(value, ExactNumber())
    if node.kind == values.STRING:
        return sa.literal(value, sa.String())
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return sa.literal(value, sa.DateTime())
        # An instant with an offset (`@"2026-01-01T00:00:00+08:00"`) is compared as the UTC
        # instant stored columns hold: SQLite's DateTime would write its local wall time.
        return sa.literal(value, UtcDateTime())
    if isinstance(value, date):
        return sa.literal(value, sa.Date())
    raise ValueError(f"no SQL literal for {node.kind}")  # pragma: no cover - engine refuses


def _null(node: SqlExpr) -> bool:
    return isinstance(node, SqlLiteral) and node.value is None


def _integer(node: SqlExpr, rendered: ColumnElement[Any]) -> ColumnElement[Any]:
    """Positions and scales are SQL integers (literals stay literals, others are cast)."""
    if isinstance(node, SqlLiteral) and isinstance(node.value, Decimal):
        return sa.literal(int(node.value), sa.Integer())
    return sa.cast(rendered, sa.Integer())


class contains_text(FunctionElement[bool]):
    """`m` occurs in `s`, case-sensitively (LIKE would be case-insensitive on SQLite)."""

    type = sa.Boolean()
    name = "contains_text"
    inherit_cache = True


@compiles(contains_text, "postgresql")
def _contains_pg(element: contains_text, compiler: SQLCompiler, **kw: Any) -> str:
    s, m = list(element.clauses)
    return f"(strpos({compiler.process(s, **kw)}, {compiler.process(m, **kw)}) > 0)"


@compiles(contains_text)
def _contains_default(element: contains_text, compiler: SQLCompiler, **kw: Any) -> str:
    s, m = list(element.clauses)
    return f"(instr({compiler.process(s, **kw)}, {compiler.process(m, **kw)}) > 0)"


class round_half_up(FunctionElement[Decimal]):
    """Round to a scale with ties away from zero (PostgreSQL NUMERIC `round`)."""

    type = ExactNumber()
    name = "round_half_up"
    inherit_cache = True


@compiles(round_half_up, "postgresql")
def _round_pg(element: round_half_up, compiler: SQLCompiler, **kw: Any) -> str:
    n, scale = list(element.clauses)
    return f"round(CAST({compiler.process(n, **kw)} AS NUMERIC), {compiler.process(scale, **kw)})"


@compiles(round_half_up)
def _round_default(element: round_half_up, compiler: SQLCompiler, **kw: Any) -> str:
    n, scale = list(element.clauses)
    return f"round({compiler.process(n, **kw)}, {compiler.process(scale, **kw)})"


class business_local(FunctionElement[datetime]):
    """A stored date-time as the business's clock shows it, for its year, month and day (as
    expressions in memory read record values): with Asia/Shanghai's rules on PostgreSQL; on
    SQLite, which has no zone data, at its offset (+08:00, kept since 1991)."""

    type = sa.DateTime()
    name = "business_local"
    inherit_cache = True


_BUSINESS_OFFSET = datetime(2000, 1, 1, tzinfo=UTC).astimezone(BUSINESS_ZONE).utcoffset()
_BUSINESS_MINUTES = 0 if _BUSINESS_OFFSET is None else int(_BUSINESS_OFFSET.total_seconds() // 60)


@compiles(business_local, "postgresql")
def _business_local_pg(element: business_local, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = list(element.clauses)
    return f"timezone('{BUSINESS_ZONE.key}', {compiler.process(moment, **kw)})"


@compiles(business_local)
def _business_local_default(element: business_local, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = list(element.clauses)
    return f"datetime({compiler.process(moment, **kw)}, '{_BUSINESS_MINUTES:+d} minutes')"


def _date_part(name: str) -> FunctionRule:
    """`year`/`month`/`day` of a date, or of a stored date-time in the business's time (a
    literal date-time keeps its own offset, as in memory)."""

    def part(a: list[ColumnElement[Any]], raw: tuple[SqlExpr, ...]) -> ColumnElement[Any]:
        moment = a[0]
        if isinstance(moment.type, UtcDateTime) and not isinstance(raw[0], SqlLiteral):
            moment = business_local(moment)
        return sa.extract(name, moment)

    return part


class business_day(FunctionElement[date]):
    """The calendar date of a stored date-time on the business's clock (see `business_local`)."""

    type = sa.Date()
    name = "business_day"
    inherit_cache = True


@compiles(business_day, "postgresql")
def _business_day_pg(element: business_day, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = list(element.clauses)
    return f"CAST({compiler.process(business_local(moment), **kw)} AS DATE)"


@compiles(business_day)
def _business_day_default(element: business_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps dates as `YYYY-MM-DD` text, which its `date()` returns.
    (moment,) = list(element.clauses)
    return f"date({compiler.process(business_local(moment), **kw)})"


def _calendar_date(a: list[ColumnElement[Any]], raw: tuple[SqlExpr, ...]) -> ColumnElement[Any]:
    """`date(d)`: a date as it is; a stored date-time's date in the business's time; a literal
    date-time's date at its own offset (as in memory)."""
    (moment,), (node,) = a, raw
    if isinstance(node, SqlLiteral) and isinstance(node.value, datetime):
        return sa.literal(node.value.date(), sa.Date())
    if isinstance(moment.type, UtcDateTime):
        return business_day(moment)
    return moment


class binary_text(FunctionElement[str]):
    """A string compared by code point: `COLLATE "C"` on PostgreSQL; SQLite's default BINARY."""

    type = sa.String()
    name = "binary_text"
    inherit_cache = True


@compiles(binary_text, "postgresql")
def _binary_text_pg(element: binary_text, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = list(element.clauses)
    return f'({compiler.process(text, **kw)} COLLATE "C")'


@compiles(binary_text)
def _binary_text_default(element: binary_text, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = list(element.clauses)
    return str(compiler.process(text, **kw))


def _number_op(symbol: str) -> Callable[[ColumnElement[Any], ColumnElement[Any]], Any]:
    def apply(left: ColumnElement[Any], right: ColumnElement[Any]) -> Any:
        return left.op(symbol, return_type=ExactNumber())(right)

    return apply


_ARITH = {"+": _number_op("+"), "-": _number_op("-"), "*": _number_op("*")}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

FunctionRule = Callable[[list[ColumnElement[Any]], tuple[SqlExpr, ...]], ColumnElement[Any]]

FUNCTIONS: dict[str, FunctionRule] = {
    "upper": lambda a, raw: sa.func.upper(a[0]),
    "lower": lambda a, raw: sa.func.lower(a[0]),
    "length": lambda a, raw: sa.func.length(a[0]),
    "abs": lambda a, raw: sa.func.abs(a[0]),
    # SQLAlchemy's pysqlite dialect installs a Python `floor` that fails on NULL: guard it.
    "floor": lambda a, raw: sa.case((a[0].is_(None), sa.null()), else_=sa.func.floor(a[0])),
    "ceiling": lambda a, raw: sa.func.ceiling(a[0]),
    "round_half_up": lambda a, raw: round_half_up(a[0], _integer(raw[1], a[1])),
    "substr": lambda a, raw: sa.func.substr(
        a[0], *(_integer(r, x) for r, x in zip(raw[1:], a[1:], strict=True))
    ),
    "contains": lambda a, raw: contains_text(a[0], a[1]),
    "starts_with": lambda a, raw: sa.func.substr(a[0], 1, sa.func.length(a[1])) == a[1],
    "ends_with": lambda a, raw: (
        sa.func.substr(a[0], sa.func.length(a[0]) - sa.func.length(a[1]) + 1) == a[1]
    ),
    "coalesce": lambda a, raw: sa.func.coalesce(*a),
    "year": _date_part("year"),
    "month": _date_part("month"),
    "day": _date_part("day"),
    "date": _calendar_date,
}
"""SQL spelling of every `sql_ir.SQL_FUNCTIONS` entry (a unit test keeps the two in step)."""


def _aggregate(node: SqlAggregate, resolve: Resolver) -> ColumnElement[Any]:
    if node.name == "count":
        return sa.func.count()
    column = resolve(node.operand.path)
    functions: dict[str, Callable[[ColumnElement[Any]], ColumnElement[Any]]] = {
        "sum": sa.func.sum,
        "min": sa.func.min,
        "max": sa.func.max,
    }
    aggregated = functions[node.name](column)
    # FEEL: a null element makes the aggregate null; SQL would skip it.
    return sa.case((sa.func.count() == sa.func.count(column), aggregated), else_=sa.null())


def map_children(node: SqlExpr, change: Callable[[SqlExpr], SqlExpr]) -> SqlExpr:
    """``node`` with ``change`` applied to each direct sub-expression (generic over the IR's
    frozen dataclasses, so a new IR node needs no handler here)."""

    def visit(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(visit(item) for item in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return change(value)  # type: ignore[arg-type]
        return value

    updates = {f.name: visit(getattr(node, f.name)) for f in dataclasses.fields(node)}
    return dataclasses.replace(node, **updates)


def render(node: SqlExpr, resolve: Resolver) -> ColumnElement[Any]:  # noqa: C901 - one case per IR node
    """The SQLAlchemy expression for `node`, reading columns through `resolve`."""
    match node:
        case SqlColumn(path=path):
            return resolve(path)
        case SqlLiteral():
            return _literal(node)
        case SqlCompare(op=op, left=left, right=right, text=text):
            if _null(left) or _null(right):  # an ordering with null is null, as in FEEL
                return sa.literal(None, sa.Boolean())
            a, b = render(left, resolve), render(right, resolve)
            if text:
                a, b = binary_text(a), binary_text(b)
            return _COMPARE[op](a, b)  # type: ignore[no-any-return]
        case SqlEquals(left=left, right=right, negated=negated, null_safe=null_safe):
            a, b = render(left, resolve), render(right, resolve)
            if null_safe:
                a, b = _grouped(a), _grouped(b)
                return a.is_distinct_from(b) if negated else a.is_not_distinct_from(b)
            return a != b if negated else a == b
        case SqlIsNull(operand=operand, negated=negated):
            x = render(operand, resolve)
            return x.is_not(None) if negated else x.is_(None)
        case SqlAnd(operands=operands):
            return sa.and_(*(render(o, resolve) for o in operands))
        case SqlOr(operands=operands):
            return sa.or_(*(render(o, resolve) for o in operands))
        case SqlNot(operand=operand):
            return sa.not_(render(operand, resolve))
        case SqlArith(op=op, left=left, right=right):
            return _ARITH[op](render(left, resolve), render(right, resolve))  # type: ignore[no-any-return]
        case SqlNegate(operand=operand):
            return -render(operand, resolve)
        case SqlConcat(left=left, right=right):
            return render(left, resolve).op("||", return_type=sa.String())(render(right, resolve))
        case SqlIn(operand=operand, values=literals, null_is_false=null_is_false):
            x = render(operand, resolve)
            test = x.in_([_literal(v) for v in literals])
            return sa.and_(x.is_not(None), test) if null_is_false else test
        case SqlCase(whens=whens, otherwise=otherwise):
            branches = [(render(c, resolve), render(v, resolve)) for c, v in whens]
            return sa.case(*branches, else_=render(otherwise, resolve))
        case SqlFunction(name=name, args=args):
            return FUNCTIONS[name]([render(a, resolve) for a in args], args)
        case SqlAggregate():
            return _aggregate(node, resolve)
        case _:
            assert_never(node)
