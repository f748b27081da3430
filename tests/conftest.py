"""Shared fixtures: one migrated test database per run, one rolled-back transaction per test.

The backend is SQLite unless ``BRICKWORK_TEST_DATABASE_URL`` names another (PostgreSQL in CI).
``BRICKWORK_TEST_POSTGRES_URL`` (an admin URL of a PostgreSQL server) enables the tests that need
their own PostgreSQL database; they skip without it on a laptop and fail without it in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from brickwork.app import create_app
from brickwork.platform.api.deps import unit_of_work
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine
from brickwork.settings import Settings

IN_CI = bool(os.environ.get("CI"))


class FakeClock:
    """A controllable clock: starts at a fixed instant and moves one second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def reset_postgres_schema(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("BRICKWORK_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        reset_postgres_schema(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(db_engine: Engine) -> Iterator[Connection]:
    with db_engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session whose commits only release savepoints: everything is rolled back after."""
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as db_session:
        yield db_session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def app_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        auto_upgrade=False,
        max_body_bytes=64 * 1024,
    )


@pytest.fixture
def client(
    app_settings: Settings, db_engine: Engine, session: Session, clock: FakeClock
) -> Iterator[TestClient]:
    """The whole HTTP app, writing inside the test's rolled-back transaction."""
    app = create_app(app_settings, clock=clock)

    def test_unit_of_work() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[unit_of_work] = test_unit_of_work
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("BRICKWORK_TEST_POSTGRES_URL")
    if not url:
        message = "BRICKWORK_TEST_POSTGRES_URL is not set (a PostgreSQL server is needed)"
        if IN_CI:
            pytest.fail(message + "; CI must provide one")
        pytest.skip(message)
    return url


@pytest.fixture
def fresh_database_urls(
    tmp_path: Path, postgres_admin_url_or_none: str | None
) -> Iterator[dict[str, str]]:
    """Empty, migrated databases on every backend available: {'sqlite': url, 'postgresql': url}."""
    urls = {"sqlite": f"sqlite:///{tmp_path / 'fresh.db'}"}
    created: list[str] = []
    if postgres_admin_url_or_none:
        name = f"bw_fresh_{uuid.uuid4().hex[:12]}"
        admin = create_engine(postgres_admin_url_or_none, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        urls["postgresql"] = (
            make_url(postgres_admin_url_or_none).set(database=name).render_as_string(False)
        )
        admin.dispose()
    for url in urls.values():
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    yield urls
    if created:
        admin = create_engine(postgres_admin_url_or_none or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_admin_url_or_none() -> str | None:
    url = os.environ.get("BRICKWORK_TEST_POSTGRES_URL")
    if not url and IN_CI:
        pytest.fail("BRICKWORK_TEST_POSTGRES_URL is not set; CI must provide a PostgreSQL server")
    return url or None
