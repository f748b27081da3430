"""A small, backend-neutral SQL IR that pushable expressions compile to.

The engine cannot import SQLAlchemy, so the SQL path stops here: frozen dataclasses whose
meaning is standard SQL with three-valued logic (NULL propagates, `AND`/`OR`/`NOT` are
Kleene), plus the explicit flags FEEL needs (`SqlEquals.null_safe`, `SqlIn.null_is_false`).
`brickwork.platform.query.sql_expr` renders the IR to SQLAlchemy Core. This module is data
only; it must not import SQLAlchemy or anything from the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from brickwork.engines.expr.values import Value

SqlFunctionName: TypeAlias = Literal[
    "upper",
    "lower",
    "length",
    "abs",
    "floor",
    "ceiling",
    "round_half_up",
    "substr",
    "contains",
    "starts_with",
    "ends_with",
    "coalesce",
    "year",
    "month",
    "day",
    "date",
]

SQL_FUNCTIONS: dict[str, str] = {
    "upper": "upper(s): s in capitals (SQLite: ASCII letters only)",
    "lower": "lower(s): s in small letters (SQLite: ASCII letters only)",
    "length": "length(s): number of characters",
    "abs": "abs(n)",
    "floor": "floor(n): largest integer ≤ n",
    "ceiling": "ceiling(n): smallest integer ≥ n",
    "round_half_up": "round_half_up(n, scale): ties away from zero (PostgreSQL NUMERIC round)",
    "substr": "substr(s, start[, length]): start ≥ 1 (a literal)",
    "contains": "contains(s, m): m occurs in s (case-sensitive; strpos/instr, not LIKE)",
    "starts_with": "starts_with(s, m): substr(s, 1, length(m)) = m",
    "ends_with": "ends_with(s, m): substr(s, length(s) - length(m) + 1) = m",
    "coalesce": "coalesce(a, b, ...): first non-NULL",
    "year": "year(d): EXTRACT(YEAR FROM d)",
    "month": "month(d): EXTRACT(MONTH FROM d)",
    "day": "day(d): EXTRACT(DAY FROM d)",
    "date": "date(d): the calendar date of a date or date-time (stored date-times in the "
    "business's time zone)",
}
"""Every function form the IR may use, with its meaning; the renderer implements each."""

AggregateName: TypeAlias = Literal["sum", "min", "max", "count"]


@dataclass(frozen=True, slots=True)
class SqlColumn:
    """A value the caller resolves: a field path (`("amount",)`, `("items", "amount")`), or a
    context value whose first element starts with `$` (`("$user", "department")`, `("$today",)`).
    """

    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SqlLiteral:
    value: Value
    kind: str
    """A `values` kind name (`number`, `string`, `boolean`, `date`, `date and time`, `null`)."""


@dataclass(frozen=True, slots=True)
class SqlCompare:
    """`left op right` with SQL semantics: NULL if either side is NULL. `op` is <, <=, >, >=.
    With `text`, strings are ordered by code point (binary collation), as in FEEL."""

    op: Literal["<", "<=", ">", ">="]
    left: SqlExpr
    right: SqlExpr
    text: bool = False


@dataclass(frozen=True, slots=True)
class SqlEquals:
    """`left = right` (or `<>` when `negated`). With `null_safe`, NULLs compare as values
    (`IS [NOT] DISTINCT FROM`): never NULL. Without it, plain SQL `=`/`<>` (NULL on NULL)."""

    left: SqlExpr
    right: SqlExpr
    negated: bool = False
    null_safe: bool = True


@dataclass(frozen=True, slots=True)
class SqlIsNull:
    operand: SqlExpr
    negated: bool = False


@dataclass(frozen=True, slots=True)
class SqlAnd:
    operands: tuple[SqlExpr, ...]


@dataclass(frozen=True, slots=True)
class SqlOr:
    operands: tuple[SqlExpr, ...]


@dataclass(frozen=True, slots=True)
class SqlNot:
    operand: SqlExpr


@dataclass(frozen=True, slots=True)
class SqlArith:
    """Exact numeric `+`, `-`, `*` (NULL propagates)."""

    op: Literal["+", "-", "*"]
    left: SqlExpr
    right: SqlExpr


@dataclass(frozen=True, slots=True)
class SqlNegate:
    operand: SqlExpr


@dataclass(frozen=True, slots=True)
class SqlConcat:
    """Text concatenation `left || right` (NULL propagates)."""

    left: SqlExpr
    right: SqlExpr


@dataclass(frozen=True, slots=True)
class SqlIn:
    """`operand IN (values)`; with `null_is_false` a NULL operand gives FALSE instead of NULL."""

    operand: SqlExpr
    values: tuple[SqlLiteral, ...]
    null_is_false: bool = True


@dataclass(frozen=True, slots=True)
class SqlCase:
    """`CASE WHEN c1 THEN v1 ... ELSE otherwise END` (a NULL condition is not taken)."""

    whens: tuple[tuple[SqlExpr, SqlExpr], ...]
    otherwise: SqlExpr


@dataclass(frozen=True, slots=True)
class SqlFunction:
    name: SqlFunctionName
    args: tuple[SqlExpr, ...]


@dataclass(frozen=True, slots=True)
class SqlAggregate:
    """An aggregate over the rows of a related list. Unlike plain SQL, `sum`/`min`/`max` are
    NULL when any row's value is NULL (FEEL semantics); all are NULL over no rows except
    `count`, which counts rows (NULLs included) and is 0 over no rows."""

    name: AggregateName
    operand: SqlColumn


SqlExpr: TypeAlias = (
    SqlColumn
    | SqlLiteral
    | SqlCompare
    | SqlEquals
    | SqlIsNull
    | SqlAnd
    | SqlOr
    | SqlNot
    | SqlArith
    | SqlNegate
    | SqlConcat
    | SqlIn
    | SqlCase
    | SqlFunction
    | SqlAggregate
)
