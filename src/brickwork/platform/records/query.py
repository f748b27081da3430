"""Turning list parameters (filter expression, sort keys, sums) into SQL over a form's table.

Filters are written in the expression language and pushed down to SQL through the engine's SQL IR
(``brickwork.engines.expr.to_sql_ir``) and ``platform.query.sql_expr``; an expression that cannot
run in SQL is refused with its position, never evaluated row by row behind the user's back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, literal, null
from sqlalchemy.exc import DataError

from brickwork.engines.expr import ExpressionError, Scope, to_sql_ir
from brickwork.engines.expr import values as kinds
from brickwork.engines.expr.sql_ir import (
    SqlColumn,
    SqlEquals,
    SqlExpr,
    SqlIn,
    SqlIsNull,
    SqlLiteral,
)
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import coerce_value
from brickwork.engines.form.fieldtypes.base import CoerceContext
from brickwork.jsonio import canonical_dumps, to_jsonable
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import business_date, system_clock
from brickwork.platform.crypto.errors import KeyringError
from brickwork.platform.errors import ErrorItem, Forbidden, Invalid
from brickwork.platform.query.sql_expr import map_children, render
from brickwork.platform.records.layout import (
    BLIND_INDEX_SUFFIX,
    CURRENCY_SUFFIX,
    ENCRYPTED,
    ColumnLayout,
)
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.storage import plaintext_of
from brickwork.platform.records.windows import CANDIDATE, bind_trigger, related_scope

SORTABLE_SYSTEM = ("created_at", "updated_at", "version", "id", "owner")
SYSTEM_FILTERS: dict[str, str] = {
    "id": "string",
    "created_at": "date and time",
    "created_by": "string",
    "updated_at": "date and time",
    "updated_by": "string",
    "owner": "string",
    "department": "string",
    "version": "number",
    "flow_status": "string",
}
"""System columns a filter may name, with their types (`flow_status = "running"`, `created_by
= "li.wei"`): every reader of a record sees them, so naming them reveals nothing. Form fields
cannot take these keys (`RESERVED_KEYS`)."""
_SYSTEM_SCOPE = Scope.of(SYSTEM_FILTERS).fields
AGGREGATABLE: dict[str, frozenset[str]] = {
    "sum": frozenset({"decimal", "bigint"}),
    "avg": frozenset({"decimal", "bigint"}),
    "min": frozenset({"decimal", "bigint", "date", "datetime"}),
    "max": frozenset({"decimal", "bigint", "date", "datetime"}),
}
"""Storage types each aggregate function takes (count takes every field; a fixed-currency money
field is stored as a decimal, one whose values name their currencies as `money`: never summed)."""
BLIND = "$blind_index"
"""Path head of a rewritten column reference: ``(BLIND, key)`` is the field's blind index."""


def _equality_only(key: str) -> Invalid:
    return Invalid(
        f"{key!r} is encrypted: encrypted fields allow equality only",
        code="filter_invalid",
        zh_cn=f"字段 {key} 加密存储，只能按“等于”筛选",
        errors=[
            ErrorItem(
                "/filter",
                "encrypted_equality_only",
                f'{key} is encrypted; filter it only with {key} = "value" or '
                f'{key} in ["a", "b"] (no comparisons, functions or sorting)',
            )
        ],
    )


@contextmanager
def filter_in_range(source: str | None) -> Iterator[None]:
    """Run a filtered query; arithmetic the database cannot hold (PostgreSQL's 64-bit integers
    and numeric limits) refuses the filter instead of failing the request. Nothing is written by
    a query, so the rolled-back transaction loses nothing."""
    try:
        yield
    except DataError as exc:
        if not source or not source.strip():
            raise
        raise Invalid(
            "the filter cannot be used: it computes a number out of the database's range",
            code="filter_invalid",
            zh_cn="筛选条件无法使用：计算出的数值超出了数据库能处理的范围",
            errors=[
                ErrorItem(
                    "/filter",
                    "filter_out_of_range",
                    "the filter's arithmetic goes beyond what the database can compute "
                    "(64-bit whole numbers); use smaller numbers",
                )
            ],
        ) from exc


def bind_today(node: SqlExpr, today: date) -> SqlExpr:
    """`node` with `today()` as the query's date."""
    if isinstance(node, SqlColumn) and node.path == ("$today",):
        return SqlLiteral(today, kinds.DATE)
    return map_children(node, lambda child: bind_today(child, today))


def _candidate_fields(node: SqlExpr) -> SqlExpr:
    """`it.<field>` paths as plain field paths."""
    if isinstance(node, SqlColumn) and node.path[0] == CANDIDATE and len(node.path) > 1:
        return SqlColumn(node.path[1:])
    return map_children(node, _candidate_fields)


def natural_units(
    column: ColumnElement[Any], layout: ColumnLayout, dialect: str
) -> ColumnElement[Any]:
    """A stored column as compared with literals: SQLite keeps exact decimals as scaled
    integers, so they are compared in natural units."""
    base, _, scale = layout.type_key.partition(":")
    if base in {"decimal", "money"} and dialect == "sqlite" and int(scale):
        return column * literal(1.0) / literal(10 ** int(scale))
    return column


class RecordQuery:
    def __init__(
        self,
        form: PublishedForm,
        *,
        actor: Actor,
        dialect: str,
        today: date | None = None,
        closed: frozenset[str] = frozenset(),
        partial: Mapping[str, ColumnElement[bool]] | None = None,
    ) -> None:
        """``closed``: fields the reader may not see in clear; naming them in a filter or sort
        is refused (``field_not_readable``), or comparisons would reveal them. ``partial``:
        fields readable on some rows only, with the condition of those rows; filters, sorts and
        sums see them as empty elsewhere (a filter never matches there, a sum skips them)."""
        self.form = form
        self.closed = closed
        self.partial = dict(partial or {})
        self.actor = actor
        self.dialect = dialect
        self.today = today or business_date(system_clock())
        self.columns: dict[str, ColumnLayout] = {
            item.key: column for item, column in form.shape.columns
        }
        self.encrypted: dict[str, FieldBase] = {
            item.key: item for item, column in form.shape.columns if column.type_key == ENCRYPTED
        }

    # ------------------------------------------------------------ encrypted fields

    def _encrypted_key(self, node: SqlExpr) -> str | None:
        if isinstance(node, SqlColumn) and node.path[0] in self.encrypted:
            if len(node.path) > 1:
                raise _equality_only(node.path[0])
            return node.path[0]
        return None

    def _index_literal(self, key: str, node: SqlLiteral) -> SqlLiteral:
        """The blind index a stored value equal to the literal would have."""
        if node.value is None:
            return node
        item = self.encrypted[key]
        coerced = coerce_value(item, node.value, context=CoerceContext(today=self.today))
        plaintext = (
            plaintext_of(item, coerced.value)
            if coerced.ok and coerced.value is not None
            else canonical_dumps(to_jsonable(node.value))  # matches nothing, as it should
        )
        cipher = self.form.shape.cipher
        if cipher is None:
            raise KeyringError(
                f"{key!r} is encrypted but no key file is configured",
                zh_cn=f"字段 {key} 加密存储，但系统未配置密钥文件",
            )
        column = self.columns[key].column
        digest = cipher.blind_index(plaintext, context=f"{self.form.table.name}:{column}")
        return SqlLiteral(digest, kinds.STRING)

    def _blind(self, node: SqlExpr) -> SqlExpr:
        """Encrypted fields through their blind index: only ``field = literal``, ``field in
        [...]`` and null checks are possible; any other use is refused."""
        if isinstance(node, SqlEquals) and not node.negated:
            for column, other in ((node.left, node.right), (node.right, node.left)):
                key = self._encrypted_key(column)
                if key is not None and isinstance(other, SqlLiteral):
                    index = SqlColumn((BLIND, key))
                    return SqlEquals(index, self._index_literal(key, other), False, node.null_safe)
        if isinstance(node, SqlIn):
            key = self._encrypted_key(node.operand)
            if key is not None:
                literals = tuple(self._index_literal(key, v) for v in node.values)
                return SqlIn(SqlColumn((BLIND, key)), literals, node.null_is_false)
        if isinstance(node, SqlIsNull):
            key = self._encrypted_key(node.operand)
            if key is not None:
                return SqlIsNull(SqlColumn((BLIND, key)), node.negated)
        key = self._encrypted_key(node)
        if key is not None:
            raise _equality_only(key)
        return map_children(node, self._blind)

    def _guard(self, key: str, pointer: str) -> None:
        if key in self.closed:
            raise Forbidden(
                f"{key!r} is hidden or masked for you; it cannot be filtered, sorted or summed",
                code="field_not_readable",
                zh_cn=f"字段 {key} 对您隐藏或脱敏显示，不能用来筛选、排序或汇总",
                errors=[ErrorItem(pointer, "field_not_readable", f"{key} is not readable")],
            )

    def _readable(self, key: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``column`` where the reader may read ``key``, NULL on the other rows."""
        condition = self.partial.get(key)
        return column if condition is None else case((condition, column), else_=null())

    def column(self, key: str, *, natural: bool = True) -> ColumnElement[Any]:
        """The SQL expression of a field (money: its amount) or of a system column."""
        table = self.form.table
        if key in SORTABLE_SYSTEM:
            return table.c[key]
        if key in self.encrypted:
            raise _equality_only(key)
        layout = self.columns.get(key)
        if layout is None:
            raise KeyError(key)
        column = table.c[layout.column]
        return natural_units(column, layout, self.dialect) if natural else column

    def where(self, source: str | None) -> list[ColumnElement[bool]]:
        if not source or not source.strip():
            return []
        fields = self.form.compiled.scope
        scope = replace(fields, fields={**_SYSTEM_SCOPE, **fields.fields})
        return [self._rendered(self._ir(source, scope, "/filter"), "/filter")]

    def where_related(
        self, source: str | None, trigger: Mapping[str, Any]
    ) -> list[ColumnElement[bool]]:
        """A filter over candidate records (`it.<field>`) that may name the values of a
        triggering record (`record.<field>`, bound as values): see `windows.py`."""
        if not source or not source.strip():
            return []
        scope = related_scope(self.form.compiled.scope.fields, trigger)
        ir = bind_trigger(self._ir(source, scope, "/where"), trigger)
        return [self._rendered(_candidate_fields(bind_today(ir, self.today)), "/where")]

    def _ir(self, source: str, scope: Scope, pointer: str) -> SqlExpr:
        try:
            return to_sql_ir(source, scope, predicate=True)
        except ExpressionError as exc:
            first = exc.diagnostic
            said, detail = first.words(), first.detail()
            raise Invalid(
                f"the filter cannot be used: {said.en}",
                code="filter_invalid",
                zh_cn=f"筛选条件无法使用：{said.zh_cn}",
                errors=[
                    ErrorItem(
                        pointer,
                        first.code,
                        f"line {first.line}, column {first.column}: {detail.en}",
                        f"第 {first.line} 行第 {first.column} 列：{detail.zh_cn}",
                    )
                ],
            ) from exc

    def _rendered(self, ir: SqlExpr, pointer: str) -> ColumnElement[bool]:
        if self.encrypted:
            ir = self._blind(ir)

        def resolve(path: tuple[str, ...]) -> ColumnElement[Any]:
            self._guard(path[1] if path[0] == BLIND else path[0], pointer)
            if path[0] == BLIND:
                blind = self.form.table.c[self.columns[path[1]].column + BLIND_INDEX_SUFFIX]
                return self._readable(path[1], blind)
            if path[0] in SYSTEM_FILTERS and path[0] not in self.columns:
                return self.form.table.c[path[0]]
            try:
                return self._readable(path[0], self.column(path[0]))
            except KeyError:
                raise Invalid(
                    f"{'.'.join(path)!r} cannot be filtered in the database",
                    code="filter_invalid",
                    zh_cn=f"不能在数据库中按 {'.'.join(path)} 筛选",
                    errors=[
                        ErrorItem(
                            pointer, "not_pushable", f"{'.'.join(path)} is not a stored column"
                        )
                    ],
                ) from None

        return render(ir, resolve)

    def order_by(self, sort: str | None) -> list[ColumnElement[Any]]:
        if not sort:
            return [self.form.table.c.created_at.desc()]
        clauses: list[ColumnElement[Any]] = []
        for part in (p.strip() for p in sort.split(",")):
            descending = part.startswith("-")
            key = part.lstrip("-+")
            self._guard(key, "/sort")
            if key in self.encrypted:
                raise Invalid(
                    f"cannot sort by {key!r}: it is encrypted",
                    code="validation_failed",
                    zh_cn=f"字段 {key} 加密存储，不能用来排序",
                    errors=[ErrorItem("/sort", "encrypted_unsortable", f"{key!r} is encrypted")],
                )
            try:
                column = self.column(key, natural=False)
            except KeyError:
                raise Invalid(
                    f"cannot sort by {key!r}",
                    code="validation_failed",
                    zh_cn=f"不能按 {key} 排序：没有这个字段或系统列",
                    errors=[
                        ErrorItem(
                            "/sort", "unknown_field", f"{key!r} is not a field or system column"
                        )
                    ],
                ) from None
            column = self._readable(key, column)
            ordered = column.desc() if descending else column.asc()
            # Empty values (and values the reader may not read) go last either way, on both
            # databases, as in reports and spreadsheets: by themselves SQLite puts NULLs first
            # and PostgreSQL puts them first only when descending. System columns are never
            # empty, and a plain order keeps PostgreSQL's index on them usable.
            clauses.append(ordered if key in SORTABLE_SYSTEM else ordered.nulls_last())
        return clauses

    def aggregated(self, key: str, function: str, pointer: str) -> ColumnElement[Any]:
        """The stored column of `key` to aggregate with `function` (count takes any field; sum
        and avg numbers; min and max numbers, dates and date-times), NULL on rows where the
        reader may not read it."""
        self._guard(key, pointer)
        layout = self.columns.get(key)
        base = "" if layout is None else layout.type_key.split(":")[0]
        if base == "money" and function != "count":  # each value names its own currency
            raise Invalid(
                f"cannot take the {function} of {key!r}: its amounts are in several currencies",
                code="aggregate_invalid",
                zh_cn=f"不能对字段 {key} 计算 {function}：它的金额分属多种币种",
                errors=[ErrorItem(pointer, "mixed_currencies", f"{key!r} has no fixed currency")],
            )
        allowed = AGGREGATABLE.get(function, frozenset())
        if layout is None or (function != "count" and base not in allowed):
            what = "a stored field" if function == "count" else " or ".join(sorted(allowed))
            raise Invalid(
                f"cannot take the {function} of {key!r}",
                code="aggregate_invalid",
                zh_cn=f"不能对字段 {key} 计算 {function}",
                errors=[ErrorItem(pointer, "not_aggregatable", f"{key!r} is not {what}")],
            )
        return self._readable(key, self.form.table.c[layout.column])

    def sum_columns(
        self, keys: Sequence[str]
    ) -> dict[str, tuple[ColumnElement[Any], ColumnElement[Any] | None]]:
        """Each field's column to sum, with its currency column when its values name their
        own currencies (they are summed per currency, never together)."""
        sums: dict[str, tuple[ColumnElement[Any], ColumnElement[Any] | None]] = {}
        for key in keys:
            self._guard(key, "/sum")
            layout = self.columns.get(key)
            if layout is None or layout.type_key.split(":")[0] not in {
                "decimal",
                "money",
                "bigint",
            }:
                raise Invalid(
                    f"cannot sum {key!r}",
                    code="validation_failed",
                    zh_cn=f"不能对字段 {key} 求和",
                    errors=[ErrorItem("/sum", "not_numeric", f"{key!r} is not a numeric field")],
                )
            currency = None
            if layout.type_key.startswith("money:"):
                currency = self.form.table.c[layout.column + CURRENCY_SUFFIX]
            sums[key] = (self._readable(key, self.form.table.c[layout.column]), currency)
        return sums
