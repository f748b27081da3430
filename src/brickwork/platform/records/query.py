"""Turning list parameters (filter expression, sort keys, sums) into SQL over a form's table.

Filters are written in the expression language and pushed down to SQL through the engine's SQL IR
(``brickwork.engines.expr.to_sql_ir``) and ``platform.query.sql_expr``; an expression that cannot
run in SQL is refused with its position, never evaluated row by row behind the user's back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal

from brickwork.engines.expr import ExpressionError, to_sql_ir
from brickwork.platform.auth.actor import Actor
from brickwork.platform.errors import ErrorItem, Invalid
from brickwork.platform.query.sql_expr import render
from brickwork.platform.records.layout import ColumnLayout
from brickwork.platform.records.published import PublishedForm

SORTABLE_SYSTEM = ("created_at", "updated_at", "version", "id", "owner")


class RecordQuery:
    def __init__(self, form: PublishedForm, *, actor: Actor, dialect: str) -> None:
        self.form = form
        self.actor = actor
        self.dialect = dialect
        self.columns: dict[str, ColumnLayout] = {
            item.key: column for item, column in form.shape.columns
        }

    def column(self, key: str, *, natural: bool = True) -> ColumnElement[Any]:
        """The SQL expression of a field (money: its amount) or of a system column."""
        table = self.form.table
        if key in SORTABLE_SYSTEM:
            return table.c[key]
        layout = self.columns.get(key)
        if layout is None:
            raise KeyError(key)
        column = table.c[layout.column]
        base, _, scale = layout.type_key.partition(":")
        if natural and base in {"decimal", "money"} and self.dialect == "sqlite" and int(scale):
            # SQLite keeps exact decimals as scaled integers; compare in natural units.
            return column * literal(1.0) / literal(10 ** int(scale))
        return column

    def where(self, source: str | None) -> list[ColumnElement[bool]]:
        if not source or not source.strip():
            return []
        try:
            ir = to_sql_ir(source, self.form.compiled.scope, predicate=True)
        except ExpressionError as exc:
            first = exc.diagnostic
            raise Invalid(
                f"the filter cannot be used: {first.message}",
                code="filter_invalid",
                errors=[
                    ErrorItem(
                        "/filter",
                        first.code,
                        f"line {first.line}, column {first.column}: {first.message}"
                        + (f" ({first.hint})" if first.hint else ""),
                    )
                ],
            ) from exc

        def resolve(path: tuple[str, ...]) -> ColumnElement[Any]:
            try:
                return self.column(path[0])
            except KeyError:
                raise Invalid(
                    f"{'.'.join(path)!r} cannot be filtered in the database",
                    code="filter_invalid",
                    errors=[
                        ErrorItem(
                            "/filter", "not_pushable", f"{'.'.join(path)} is not a stored column"
                        )
                    ],
                ) from None

        return [render(ir, resolve)]

    def order_by(self, sort: str | None) -> list[ColumnElement[Any]]:
        if not sort:
            return [self.form.table.c.created_at.desc()]
        clauses: list[ColumnElement[Any]] = []
        for part in (p.strip() for p in sort.split(",")):
            descending = part.startswith("-")
            key = part.lstrip("-+")
            try:
                column = self.column(key, natural=False)
            except KeyError:
                raise Invalid(
                    f"cannot sort by {key!r}",
                    code="validation_failed",
                    errors=[
                        ErrorItem(
                            "/sort", "unknown_field", f"{key!r} is not a field or system column"
                        )
                    ],
                ) from None
            clauses.append(column.desc() if descending else column.asc())
        return clauses

    def sum_columns(self, keys: Sequence[str]) -> dict[str, ColumnElement[Any]]:
        sums: dict[str, ColumnElement[Any]] = {}
        for key in keys:
            layout = self.columns.get(key)
            if layout is None or layout.type_key.split(":")[0] not in {
                "decimal",
                "money",
                "bigint",
            }:
                raise Invalid(
                    f"cannot sum {key!r}",
                    code="validation_failed",
                    errors=[ErrorItem("/sum", "not_numeric", f"{key!r} is not a numeric field")],
                )
            sums[key] = self.form.table.c[layout.column]
        return sums
