"""SQL of key rotation and key status over the form tables' encrypted columns."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnClause, TableClause, column, func, select, table, update
from sqlalchemy.orm import Session

from brickwork.platform.models import FormTable


def _cell(
    table_name: str, column_name: str, key: str = "id"
) -> tuple[TableClause, ColumnClause[str], ColumnClause[str]]:
    value: ColumnClause[str] = column(column_name)
    row_key: ColumnClause[str] = column(key)
    return table(table_name, row_key, value), value, row_key


class KeyRepository:
    def layouts(self, session: Session) -> list[dict[str, object]]:
        """The recorded layout of every form table."""
        return [dict(layout) for layout in session.scalars(select(FormTable.layout))]

    def stale(
        self,
        session: Session,
        table_name: str,
        column_name: str,
        prefix: str,
        limit: int,
        *,
        key: str = "id",
    ) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (row key, ciphertext) pairs not starting with ``prefix``, by key."""
        _rows, value, row_key = _cell(table_name, column_name, key)
        query = (
            select(row_key, value)
            .where(value.is_not(None), ~value.startswith(prefix, autoescape=True))
            .order_by(row_key)
            .limit(limit)
        )
        return [(str(row_id), str(token)) for row_id, token in session.execute(query)]

    def replace(
        self,
        session: Session,
        table_name: str,
        column_name: str,
        row_id: str,
        old: str,
        new: str,
        *,
        key: str = "id",
    ) -> int:
        """Swap one ciphertext, only if it is still ``old`` (a concurrent write wins)."""
        rows, value, row_key = _cell(table_name, column_name, key)
        statement = update(rows).where(row_key == row_id, value == old).values({value: new})
        return session.execute(statement).rowcount  # type: ignore[attr-defined,no-any-return]

    def count(
        self, session: Session, table_name: str, column_name: str, prefix: str | None = None
    ) -> int:
        """Non-null values in the column (only those starting with ``prefix`` when given)."""
        rows, value, _key = _cell(table_name, column_name)
        query = select(func.count()).select_from(rows).where(value.is_not(None))
        if prefix is not None:
            query = query.where(value.startswith(prefix, autoescape=True))
        return session.execute(query).scalar_one()
