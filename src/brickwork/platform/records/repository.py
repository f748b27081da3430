"""SQL of records. Nothing else in the area runs queries."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from brickwork.platform.db.sqlite_sums import sum_value
from brickwork.platform.models import (
    Application,
    Definition,
    Department,
    FormTable,
    RecordChange,
    RecordWarning,
    SerialCounter,
    User,
)
from brickwork.platform.records.windows import average

UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


COVERAGE_CHUNK = 1000
"""Record ids per query when asking which grants cover each row."""


@dataclass(frozen=True, slots=True)
class PageStatements:
    """One list's SQL, built once and run by many requests: the rows of a page (``LIMIT`` and
    ``OFFSET`` are bound per run), the count capped at ``cap`` (``total=auto``), the exact
    count, and the conditions themselves (for the planner's estimate). ``counted`` holds the
    rows statement with either count as one more column, so that a first page and its total
    come back in one round trip."""

    table: Table
    rows: Select[Any]
    capped_count: Select[Any]
    count: Select[Any]
    where: tuple[ColumnElement[bool], ...]
    counted: Mapping[CountKind, Select[Any]]


CountKind = Literal["capped", "exact"]


_TAKE_SERIALS: dict[str, Any] = {}
_PER_TABLE: dict[tuple[str, Table], Any] = {}
"""Statements of every record write, built once per dialect or table (building one costs more
than running it on SQLite): see `_per_table`."""
_INSERT_CHANGES = insert(RecordChange.__table__)  # type: ignore[arg-type]
_INSERT_WARNINGS = insert(RecordWarning.__table__)  # type: ignore[arg-type]
_WARNINGS_OF = select(RecordWarning.record_id, RecordWarning.warnings).where(
    RecordWarning.definition_id == bindparam("definition"),
    RecordWarning.record_id.in_(bindparam("ids", expanding=True)),
)
_WARNINGS: Table = RecordWarning.__table__  # type: ignore[assignment]
_DROP_WARNINGS = delete(_WARNINGS).where(  # the table, not the model: no ORM bulk delete
    _WARNINGS.c.definition_id == bindparam("definition"),
    _WARNINGS.c.record_id == bindparam("record"),
)


def _form_versions() -> Select[Any]:
    apps: Table = Application.__table__  # type: ignore[assignment]
    definitions: Table = Definition.__table__  # type: ignore[assignment]
    tables: Table = FormTable.__table__  # type: ignore[assignment]
    return (
        select(apps.c.id, definitions.c.id, definitions.c.latest_version, tables.c.applied_version)
        .select_from(apps)
        .outerjoin(
            definitions,
            and_(
                definitions.c.app_id == apps.c.id,
                definitions.c.kind == bindparam("kind"),
                definitions.c.key == bindparam("form_key"),
            ),
        )
        .outerjoin(tables, tables.c.definition_id == definitions.c.id)
        .where(apps.c.key == bindparam("app_key"))
    )


FORM_VERSIONS = _form_versions()
"""Asked on every record request (is the cached form still current?): built once, of the tables'
columns (a statement of mapped attributes costs the ORM's result handling, for plain values)."""


class RecordRepository:
    def next_serial(self, session: Session | Connection, scope: str, prefix: str) -> int:
        """Take the next number of a counter atomically (one statement, row-locked upsert)."""
        return self.take_serials(session, scope, prefix, 1)

    def take_serials(
        self, session: Session | Connection, scope: str, prefix: str, count: int
    ) -> int:
        """Reserve ``count`` consecutive numbers; returns the last (the first is last-count+1)."""
        dialect = (
            session.get_bind().dialect.name
            if isinstance(session, Session)
            else session.dialect.name
        )
        statement = _TAKE_SERIALS.get(dialect)
        if statement is None:
            counters: Table = SerialCounter.__table__  # type: ignore[assignment]
            statement = (
                UPSERTS[dialect](counters)
                .values(scope=bindparam("scope"), prefix=bindparam("prefix"), value=bindparam("n"))
                .on_conflict_do_update(
                    index_elements=[counters.c.scope, counters.c.prefix],
                    set_={"value": counters.c.value + bindparam("n")},
                )
                .returning(counters.c.value)
            )
            _TAKE_SERIALS[dialect] = statement
        found = session.execute(statement, {"scope": scope, "prefix": prefix, "n": count})
        value: int = found.scalar_one()
        return value

    def form_versions(
        self, session: Session, app_key: str, kind: str, form_key: str
    ) -> tuple[str | None, str | None, int | None, int | None] | None:
        """(app id, definition id, latest version, applied table version) in one query; None
        when there is no such app, None parts when the form or its table is missing."""
        parameters = {"app_key": app_key, "kind": kind, "form_key": form_key}
        row = session.execute(FORM_VERSIONS, parameters).one_or_none()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def form_table(self, session: Session, definition_id: str) -> FormTable | None:
        return session.get(FormTable, definition_id)

    def table_names(self, session: Session) -> set[str]:
        return set(session.scalars(select(FormTable.table_name)))

    def save_form_table(
        self, session: Session, row: FormTable, *, existing: FormTable | None
    ) -> None:
        if existing is None:
            session.add(row)
        else:
            existing.applied_version = row.applied_version
            existing.layout = row.layout
            existing.updated_at = row.updated_at
        session.flush()

    # ------------------------------------------------------------ record rows

    def insert_row(self, session: Session, table: Table, row: Mapping[str, Any]) -> None:
        session.execute(insert(table), dict(row))

    def insert_returning(
        self, session: Session, table: Table, row: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """Insert one row and return it as stored (``INSERT ... RETURNING``: no read back)."""
        statement = _per_table("insert", table, lambda: insert(table).returning(*table.c))
        inserted = session.execute(statement, dict(row))
        return dict(inserted.mappings().one())

    def insert_rows(
        self, session: Session, table: Table, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        if rows:
            session.execute(insert(table), [dict(r) for r in rows])

    def fetch(
        self,
        session: Session,
        table: Table,
        record_id: str,
        *,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> Mapping[str, Any] | None:
        if where:
            query = select(table).where(table.c.id == record_id, *where)
            row = session.execute(query).mappings().first()
        else:  # the platform's own reads (a flow's record): one statement per table
            query = _per_table(
                "fetch", table, lambda: select(table).where(table.c.id == bindparam("id"))
            )
            row = session.execute(query, {"id": record_id}).mappings().first()
        return None if row is None else dict(row)

    def coverage(
        self,
        session: Session,
        table: Table,
        ids: Sequence[str],
        flags: Sequence[ColumnElement[Any]],
    ) -> dict[str, tuple[bool, ...]]:
        """Per record id, the value of each flag expression on that row (as booleans); ids go
        in chunks, so an export of many rows stays under the databases' parameter limits."""
        found: dict[str, tuple[bool, ...]] = {}
        for start in range(0, len(ids), COVERAGE_CHUNK):
            chunk = list(ids[start : start + COVERAGE_CHUNK])
            query = select(table.c.id, *flags).where(table.c.id.in_(chunk))
            found.update(
                (row[0], tuple(bool(v) for v in row[1:])) for row in session.execute(query)
            )
        return found

    def fetch_children(
        self, session: Session, table: Table, parent_ids: Sequence[str]
    ) -> list[Mapping[str, Any]]:
        query = (
            select(table)
            .where(table.c.parent_id.in_(parent_ids))
            .order_by(table.c.parent_id, table.c.row_order)
        )
        return [dict(r) for r in session.execute(query).mappings()]

    def update_row(
        self,
        session: Session,
        table: Table,
        record_id: str,
        expected_version: int,
        values: Mapping[str, Any],
    ) -> int:
        """Update only if the row is still at ``expected_version``; returns rows changed."""
        statement = _per_table(
            "update",
            table,
            lambda: update(table).where(
                table.c.id == bindparam("_record"), table.c.version == bindparam("_version")
            ),
        )  # the SET clause: the columns given (field keys never begin with "_")
        parameters = {**values, "_record": record_id, "_version": expected_version}
        return session.execute(statement, parameters).rowcount  # type: ignore[attr-defined,no-any-return]

    def set_flow_status(
        self, session: Session, table: Table, record_id: str, status: str | None
    ) -> None:
        statement = _per_table(
            "flow_status",
            table,
            lambda: (
                update(table)
                .where(table.c.id == bindparam("record"))
                .values(flow_status=bindparam("status"))
            ),
        )
        session.execute(statement, {"record": record_id, "status": status})

    def taken_values(
        self,
        session: Session,
        table: Table,
        column: str,
        values: Sequence[Any],
        *,
        exclude_id: str | None = None,
    ) -> set[Any]:
        """Which of ``values`` a live record already holds in ``column``."""
        query = select(table.c[column]).where(
            table.c[column].in_(list(values)), table.c.deleted_at.is_(None)
        )
        if exclude_id is not None:
            query = query.where(table.c.id != exclude_id)
        return set(session.execute(query).scalars())

    def held_ids(self, session: Session, kind: str, given: Sequence[str]) -> dict[str, str]:
        """The id a member (`kind` "member") or department field holds for each of `given`
        naming a user or a department: an id stays itself, a username or a department's key
        becomes its id (an id wins over a name). What names nothing is left out."""
        ids, names = _people_columns(kind)
        wanted = sorted(set(given))
        rows = session.execute(select(ids, names).where(ids.in_(wanted) | names.in_(wanted)))
        found: dict[str, str] = {}
        for row_id, name in rows:
            found.setdefault(name, row_id)
            found[row_id] = row_id
        return {name: found[name] for name in given if name in found}

    def names_of_ids(self, session: Session, kind: str, given: Sequence[str]) -> dict[str, str]:
        """The user name (`kind` "member") or department key of each of `given` naming one."""
        if not given:
            return {}
        ids, names = _people_columns(kind)
        rows = session.execute(select(ids, names).where(ids.in_(sorted(set(given)))))
        return {row[0]: row[1] for row in rows}

    def existing_ids(
        self,
        session: Session,
        table: Table,
        ids: Sequence[str],
        where: Sequence[ColumnElement[bool]],
    ) -> set[str]:
        query = select(table.c.id).where(table.c.id.in_(list(ids)), *where)
        return set(session.execute(query).scalars())

    def column_values(
        self,
        session: Session,
        table: Table,
        column: str,
        ids: Sequence[str],
        where: Sequence[ColumnElement[bool]],
    ) -> dict[str, Any]:
        """One column's value of each record of ``ids`` that ``where`` admits, by id."""
        query = select(table.c.id, table.c[column]).where(table.c.id.in_(list(ids)), *where)
        return {row[0]: row[1] for row in session.execute(query)}

    def delete_children(self, session: Session, table: Table, parent_id: str) -> None:
        session.execute(delete(table).where(table.c.parent_id == parent_id))

    def page_statements(
        self,
        table: Table,
        *,
        where: Sequence[ColumnElement[bool]],
        order_by: Sequence[ColumnElement[Any]],
        cap: int,
    ) -> PageStatements:
        """The statements of a list (see ``PageStatements``); nothing runs here."""

        def page(*more: ColumnElement[Any]) -> Select[Any]:
            return (
                select(table, *more)
                .where(*where)
                .order_by(*order_by)
                .limit(bindparam("page_limit"))
                .offset(bindparam("page_offset"))
            )

        matching = select(literal(1)).select_from(table).where(*where).limit(cap).subquery()
        capped = select(func.count()).select_from(matching)
        exact = select(func.count()).select_from(table).where(*where)
        counted: dict[CountKind, Select[Any]] = {
            "capped": page(capped.scalar_subquery().label("page_total")),
            "exact": page(exact.scalar_subquery().label("page_total")),
        }
        return PageStatements(table, page(), capped, exact, tuple(where), counted)

    def page_rows(
        self,
        session: Session,
        statements: PageStatements,
        *,
        limit: int,
        offset: int,
        count: CountKind | None = None,
    ) -> tuple[Sequence[Row[Any]], int | None]:
        """The rows of one page, as tuples in the table's column order, and with ``count`` the
        total of that kind from the same statement (None when the page is empty)."""
        parameters = {"page_limit": limit, "page_offset": offset}
        statement = statements.rows if count is None else statements.counted[count]
        rows = session.execute(statement, parameters).all()
        total = rows[0][-1] if count is not None and rows else None
        return rows, total

    def newest_rows(
        self,
        session: Session,
        table: Table,
        where: Sequence[ColumnElement[bool]],
        *,
        offset: int,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """Matching rows, newest first (the list's default order, served by its index)."""
        statement = (
            select(table)
            .where(*where)
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return session.execute(statement).all()

    def count(self, session: Session, statement: Select[Any]) -> int:
        value: int = session.execute(statement).scalar_one()
        return value

    def count_rows(
        self,
        session: Session,
        table: Table,
        *,
        where: Sequence[ColumnElement[bool]],
        cap: int | None = None,
    ) -> int:
        """How many rows match; with ``cap``, counting stops there (at most ``cap``)."""
        if cap is None:
            query = select(func.count()).select_from(table).where(*where)
            return session.execute(query).scalar_one()
        matching = select(literal(1)).select_from(table).where(*where).limit(cap).subquery()
        return session.execute(select(func.count()).select_from(matching)).scalar_one()

    def estimate_rows(
        self, session: Session, table: Table, *, where: Sequence[ColumnElement[bool]]
    ) -> int | None:
        """The planner's estimate of the matching rows (PostgreSQL; None elsewhere)."""
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            return None
        compiled = (
            select(table.c.id)
            .where(*where)
            .compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
        )
        plan = connection.exec_driver_sql(
            f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params
        ).scalar_one()
        document = json.loads(plan) if isinstance(plan, str) else plan
        return int(document[0]["Plan"]["Plan Rows"])

    def aggregate(
        self,
        session: Session,
        table: Table,
        column: ColumnElement[Any],
        *,
        where: Sequence[ColumnElement[bool]],
    ) -> Any:
        return sum_value(session.execute(select(func.sum(column)).where(*where)).scalar_one())

    def sums_by_currency(
        self,
        session: Session,
        column: ColumnElement[Any],
        currency: ColumnElement[Any],
        *,
        where: Sequence[ColumnElement[bool]],
    ) -> list[dict[str, Any]]:
        """``{"amount", "currency"}`` per currency the rows hold, by currency code."""
        statement = (
            select(currency, func.sum(column))
            .where(*where, column.is_not(None))
            .group_by(currency)
            .order_by(currency)
        )
        return [
            {"amount": sum_value(total), "currency": code}
            for code, total in session.execute(statement)
        ]

    def ids_where(
        self, session: Session, table: Table, where: Sequence[ColumnElement[bool]], limit: int
    ) -> list[str]:
        statement = select(table.c.id).where(*where).order_by(table.c.created_at, table.c.id)
        return [str(found) for found in session.execute(statement.limit(limit)).scalars()]

    def rows_where(
        self, session: Session, table: Table, where: Sequence[ColumnElement[bool]], limit: int
    ) -> list[Mapping[str, Any]]:
        """Whole main rows, oldest first; at most `limit`."""
        statement = select(table).where(*where).order_by(table.c.created_at, table.c.id)
        return [dict(r) for r in session.execute(statement.limit(limit)).mappings()]

    def window_aggregate(
        self,
        session: Session,
        table: Table,
        function: str,
        column: ColumnElement[Any] | None,
        where: Sequence[ColumnElement[bool]],
    ) -> Any:
        """count/sum/min/max of `column` (count: of rows when None); avg as an exact sum over a
        count (SQL's AVG goes through floating point on SQLite)."""
        if column is None:
            return session.execute(select(func.count()).select_from(table).where(*where)).scalar()
        if function == "avg":
            statement = select(func.sum(column), func.count(column)).select_from(table)
            total, count = session.execute(statement.where(*where)).one()
            return average(total, int(count))
        aggregate: dict[str, Callable[[ColumnElement[Any]], ColumnElement[Any]]] = {
            "count": func.count,
            "sum": func.sum,
            "min": func.min,
            "max": func.max,
        }
        statement = select(aggregate[function](column)).select_from(table).where(*where)
        found = session.execute(statement).scalar()
        return sum_value(found) if function == "sum" else found

    # ------------------------------------------------------------ history

    def add_changes(self, session: Session, changes: Sequence[Mapping[str, Any]]) -> None:
        """Many history rows in one statement (dicts with RecordChange's columns)."""
        if changes:
            session.execute(_INSERT_CHANGES, list(changes))

    def changes(
        self, session: Session, definition_id: str, record_id: str
    ) -> Sequence[RecordChange]:
        query = (
            select(RecordChange)
            .where(RecordChange.definition_id == definition_id, RecordChange.record_id == record_id)
            .order_by(RecordChange.id)
        )
        return session.scalars(query).all()

    # ------------------------------------------------------------ kept warnings

    def warnings_of(
        self, session: Session, definition_id: str, record_ids: Sequence[str]
    ) -> dict[str, Any]:
        """The kept warnings of these records, by record id (records without any: absent)."""
        found: dict[str, Any] = {}
        for start in range(0, len(record_ids), COVERAGE_CHUNK):
            chunk = list(record_ids[start : start + COVERAGE_CHUNK])
            rows = session.execute(_WARNINGS_OF, {"definition": definition_id, "ids": chunk})
            for record_id, kept in rows:
                found[record_id] = kept
        return found

    def keep_warnings(
        self,
        session: Session,
        definition_id: str,
        record_id: str,
        kept: Sequence[Any],
        now: datetime,
    ) -> None:
        """Replace the kept warnings of one record; none removes its row."""
        self.drop_warnings(session, definition_id, record_id)
        if kept:
            self.add_warnings(session, definition_id, {record_id: kept}, now)

    def add_warnings(
        self,
        session: Session,
        definition_id: str,
        kept: Mapping[str, Sequence[Any]],
        now: datetime,
    ) -> None:
        """The warnings of new records (record id → its warnings, none: nothing stored)."""
        rows = [
            {
                "definition_id": definition_id,
                "record_id": record_id,
                "warnings": list(found),
                "updated_at": now,
            }
            for record_id, found in kept.items()
            if found
        ]
        if rows:
            session.execute(_INSERT_WARNINGS, rows)

    def drop_warnings(self, session: Session, definition_id: str, record_id: str) -> None:
        session.execute(_DROP_WARNINGS, {"definition": definition_id, "record": record_id})


def _per_table(purpose: str, table: Table, build: Callable[[], Any]) -> Any:
    """The statement for `purpose` on `table`, built the first time. A form table replaced at
    publish is a new key; the cache is emptied when many tables came and went."""
    key = (purpose, table)
    statement = _PER_TABLE.get(key)
    if statement is None:
        if len(_PER_TABLE) >= 1024:
            _PER_TABLE.clear()
        statement = _PER_TABLE[key] = build()
    return statement


def _people_columns(kind: str) -> tuple[Any, Any]:
    """The id column and the name column of what a member (`kind` "member") or department
    field names: users by user name, departments by key."""
    if kind == "member":
        return User.id, User.username
    return Department.id, Department.key
