"""Engine and session factory. The caller (request, CLI command, worker) owns the commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.db.filemodes import private_database

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_BEGIN_OPTION = "brickwork_sqlite_begin"
WRITE_FACTORY = "brickwork_write_factory"
"""``Session.info`` key of a deferred read session: the factory its side writes go through."""


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and real (transactional) BEGINs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            private_database(Path(database))
        # A read request may hold a second connection for a short side write (``write_side``):
        # never make it wait for a pooled connection (SQLite connections are cheap).
        options.setdefault("max_overflow", -1)
        engine = create_engine(url, **options)
        _configure_sqlite(engine, in_memory=not database or database == ":memory:")
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so that savepoints and DDL are transactional.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate"
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for units of work. On SQLite they take the write lock when they begin, so two
    writers queue (busy timeout) instead of failing with "database is locked" mid-transaction."""
    bind = engine
    if engine.dialect.name == "sqlite":
        bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "immediate"})
    return sessionmaker(bind=bind, expire_on_commit=False)


def make_read_session_factory(
    engine: Engine, write_factory: sessionmaker[Session]
) -> sessionmaker[Session]:
    """Sessions for read-only requests. On SQLite they begin deferred, so readers run
    concurrently with each other and with the one writer (WAL); what such a request must still
    write goes through ``write_side`` in its own short transaction of ``write_factory``. Other
    databases read in ordinary transactions, so there the write factory serves reads too."""
    if engine.dialect.name != "sqlite":
        return write_factory
    return sessionmaker(bind=engine, expire_on_commit=False, info={WRITE_FACTORY: write_factory})


@contextmanager
def write_side(session: Session) -> Iterator[Session]:
    """Where a write made while serving ``session`` goes: into ``session`` itself, or, when it is
    a deferred SQLite read session, into a short unit of work of its own (committed at the end of
    the block). A read transaction is never upgraded to a write: SQLite refuses that with
    SQLITE_BUSY_SNAPSHOT as soon as another writer committed after the read began."""
    factory: sessionmaker[Session] | None = session.info.get(WRITE_FACTORY)
    if factory is None:
        yield session
        return
    with unit_of_work(factory) as own:
        yield own


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
