"""A page of records is read through an index on SQLite and PostgreSQL: the default order, the
row-scope columns, and fields that grants' row-scope expressions name.

The list query is the one the app really runs (captured from the engine), explained by the
database itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, inspect, text

from brickwork.app import create_app
from brickwork.platform.db import migrate
from brickwork.settings import Settings
from conftest import Users

API = "/api/v1"
RECORDS = f"{API}/apps/ops/forms/trade/records"
FIELDS = [
    {"id": "f_ref", "key": "ref", "type": "text", "label": "Ref"},
    {"id": "f_region", "key": "region", "type": "text", "label": "Region"},
]


def grant(rows: Any) -> dict[str, Any]:
    return {"app": "ops", "form": "trade", "actions": ["create", "read"], "rows": rows}


@pytest.fixture(params=["sqlite", "postgresql"])
def app(
    request: pytest.FixtureRequest,
    fresh_database_urls: dict[str, str],
    tmp_path: Path,
    admin_on_own_database: Callable[[TestClient], TestClient],
) -> Iterator[Any]:
    if request.param not in fresh_database_urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    settings = Settings(
        data_dir=tmp_path,
        database_url=fresh_database_urls[request.param],
        argon2_profile="test",
        insecure_cookies=True,  # the test client speaks plain http
    )
    application = create_app(settings)
    with TestClient(application) as admin:
        admin_on_own_database(admin)
        admin.post(f"{API}/apps", json={"key": "ops", "label": "Ops"})
        created = admin.post(
            f"{API}/apps/ops/definitions",
            json={"kind": "form", "key": "trade", "label": "Trade", "spec": {"fields": FIELDS}},
        )
        assert created.status_code == 201, created.text
        publish(admin)
        application.state.admin = admin
        yield application
    application.state.jobs.shutdown()
    application.state.engine.dispose()


def publish(admin: TestClient) -> None:
    published = admin.post(f"{API}/apps/ops/definitions/form/trade/publish")
    assert published.status_code == 201, published.text


def user(app: Any, username: str, rows: Any, departments: tuple[str, ...] = ()) -> TestClient:
    with app.state.session_factory() as own:
        users = Users(app, own, TestClient(app))
        return users.client(username, grants=[grant(rows)], departments=departments)


def list_query(app: Any, client: TestClient, **params: Any) -> tuple[str, Any]:
    """The statement and parameters of the page query a list request runs (the one that
    orders; a first page brings its count in the same statement)."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM f_ops_trade" in statement and "ORDER BY" in statement:
            seen.append((statement, parameters))

    event.listen(app.state.engine, "before_cursor_execute", capture)
    try:
        response = client.get(RECORDS, params=params)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    assert len(seen) == 1, seen
    return seen[0]


def plan_of(connection: Connection, statement: str, parameters: Any) -> str:
    raw = connection.connection.driver_connection
    assert raw is not None
    if connection.dialect.name == "sqlite":
        # EXPLAIN reads no table, so SQLite does not check whether its connection's copy of
        # the schema is current: a pooled connection would plan without an index created
        # since by another connection. Reading the schema table first refreshes it.
        raw.execute("SELECT count(*) FROM sqlite_master").fetchall()
        rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
        return "\n".join(str(row[-1]) for row in rows)
    with raw.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}", parameters)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def assert_uses_index(app: Any, statement: str, parameters: Any, index: str) -> None:
    """SQLite must read ``index``; PostgreSQL (whose planner weighs an almost empty table) one
    of the table's indexes, in order."""
    with app.state.engine.connect() as connection:
        plan = plan_of(connection, statement, parameters)
        expected = index if connection.dialect.name == "sqlite" else "Index Scan using ix_f_ops_"
    assert expected in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # SQLite: no sort of the whole table
    assert "Seq Scan" not in plan, plan  # PostgreSQL
    assert "Sort" not in plan.replace("Sort Key", ""), plan


def test_the_default_order_reads_an_index(app: Any) -> None:
    statement, parameters = list_query(app, app.state.admin)
    assert_uses_index(app, statement, parameters, "ix_f_ops_trade_created")


def test_a_department_scoped_page_reads_the_department_index(app: Any) -> None:
    clerk = user(app, "clerk", "department", departments=("retail",))
    assert clerk.post(RECORDS, json={"ref": "T1"}).status_code == 201
    statement, parameters = list_query(app, clerk)
    assert_uses_index(app, statement, parameters, "ix_f_ops_trade_dept")


def test_an_own_rows_page_reads_the_owner_index(app: Any) -> None:
    maker = user(app, "maker", "own")
    statement, parameters = list_query(app, maker)
    assert_uses_index(app, statement, parameters, "ix_f_ops_trade_owner")


def test_fields_named_by_row_scope_expressions_are_indexed_on_publish(app: Any) -> None:
    user(app, "regional", {"expression": 'region = "east"'})
    names = {ix["name"] for ix in inspect(app.state.engine).get_indexes("f_ops_trade")}
    assert "ix_f_ops_trade_c_f_region" not in names
    admin = app.state.admin
    changed = admin.put(
        f"{API}/apps/ops/definitions/form/trade",
        json={"label": "Trade ledger", "spec": {"fields": FIELDS}},
    )
    assert changed.status_code in {200, 201}, changed.text
    publish(admin)
    names = {ix["name"] for ix in inspect(app.state.engine).get_indexes("f_ops_trade")}
    assert "ix_f_ops_trade_c_f_region" in names
    with app.state.engine.connect() as connection:
        filtered = text("SELECT id FROM f_ops_trade WHERE c_f_region = 'east'")
        plan = plan_of(connection, str(filtered), ())
    assert "ix_f_ops_trade_c_f_region" in plan, plan


def test_tables_published_before_get_their_indexes_from_the_migration(app: Any) -> None:
    engine = app.state.engine
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    names = {ix["name"] for ix in inspect(engine).get_indexes("f_ops_trade")}
    assert "ix_f_ops_trade_created" not in names
    migrate.upgrade(engine)
    names = {ix["name"] for ix in inspect(engine).get_indexes("f_ops_trade")}
    assert {"ix_f_ops_trade_created", "ix_f_ops_trade_dept", "ix_f_ops_trade_owner"} <= names
