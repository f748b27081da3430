"""Engine and session factory. The caller (request, CLI command, worker) owns the commit."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.db.filemodes import private_database
from brickwork.platform.db.sqlite_sums import register_exact_sum, sum_exactly_on_overflow

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_BEGIN_OPTION = "brickwork_sqlite_begin"
HOLDS_GATE = "brickwork_write_gate"
"""Key in a pooled connection's ``info``: the write gate it holds, until it is checked in."""
AUDIT_AT_COMMIT = "brickwork_audit_at_commit"
"""``Session.info`` key: the session's audit events are chained when it commits (see
``AuditLog.record``)."""
WRITE_FACTORY = "brickwork_write_factory"
"""``Session.info`` key of a deferred read session: the factory its side writes go through."""


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, real (transactional) BEGINs and exact
    sums beyond 64 bits (``sqlite_sums``); PostgreSQL sessions run in UTC."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            private_database(Path(database))
        # A read request may hold a second connection for a short side write (``write_side``):
        # never make it wait for a pooled connection (SQLite connections are cheap).
        options.setdefault("max_overflow", -1)
        engine = create_engine(url, **options)
        in_memory = not database or database == ":memory:"
        gate = None if in_memory else write_gate(database or "")
        _configure_sqlite(engine, in_memory=in_memory, gate=gate)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # Sessions compute in UTC whatever the server's TimeZone (a bank's server may well say
        # Asia/Shanghai): stored instants are UTC, and date parts of instants (`month(at)`) and
        # date-time literals without an offset must mean what they mean on SQLite and in the
        # expression engine.
        options["connect_args"] = {"options": "-c TimeZone=UTC", **options.get("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, **options)


def _configure_sqlite(engine: Engine, *, in_memory: bool, gate: WriteGate | None) -> None:
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
        register_exact_sum(dbapi_connection)

    sum_exactly_on_overflow(engine)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate"
        if immediate and gate is not None:
            _pass_gate(connection, gate)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if gate is not None:
        _leave_gate_when_done(engine)


class WriteGate:
    """A first-come, first-served queue of the writers of one SQLite database in this process.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps and
    polls in growing steps (up to 100 ms each). Under several concurrent writers a waiter can
    sleep through many turns, so write latency gets a long tail. Writers of this process
    therefore queue here first: the gate is handed to the next waiter the moment the previous
    writer's connection goes back to the pool, in arrival order. Other processes (the CLI, a
    worker) still meet SQLite's own lock and busy timeout."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait for the gate; False when ``timeout`` seconds passed without it."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._mutex:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed over between the timeout and the removal

    @property
    def waiting(self) -> int:
        """How many writers wait for the gate."""
        with self._mutex:
            return len(self._waiting)

    def release(self) -> None:
        """Hand the gate to the longest waiter (it stays held), or open it."""
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


_GATES: dict[str, WriteGate] = {}
_GATES_MUTEX = threading.Lock()


def write_gate(database: str) -> WriteGate:
    """The one gate of a database file in this process (engines on one file share it)."""
    name = database if database.startswith("file:") else str(Path(database).resolve())
    with _GATES_MUTEX:
        return _GATES.setdefault(name, WriteGate())


def _pass_gate(connection: Any, gate: WriteGate) -> None:
    """Queue at ``gate`` before ``BEGIN IMMEDIATE``; on a timeout the writer still waits in
    SQLite's busy handler, as it did without the gate."""
    if HOLDS_GATE not in connection.info and gate.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        connection.info[HOLDS_GATE] = gate


def _leave_gate_when_done(engine: Engine) -> None:
    """A writer leaves the gate as its transaction ends.

    The gate is left when the commit or rollback starts (SQLAlchemy has no event after it), so
    the next writer may find SQLite's lock still held for the commit itself and wait there for
    about a millisecond; leaving any later would make a write that the committed transaction
    triggers (``after_commit`` hooks, such as audit events of reads) wait for its own writer.
    A connection checked in or invalidated leaves it too."""

    def leave(info: dict[str, Any]) -> None:
        held: WriteGate | None = info.pop(HOLDS_GATE, None)
        if held is not None:
            held.release()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def transaction_ends(connection: Any) -> None:
        leave(connection.info)

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "invalidate")
    def connection_ends(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        leave(record.info)


def make_session_factory(engine: Engine, *, audit_at_commit: bool = False) -> sessionmaker[Session]:
    """Sessions for units of work. On SQLite they take the write lock when they begin, so two
    writers queue (busy timeout) instead of failing with "database is locked" mid-transaction.
    ``audit_at_commit``: their audit events are chained when they commit (the server's)."""
    bind = engine
    if engine.dialect.name == "sqlite":
        bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "immediate"})
    info = {AUDIT_AT_COMMIT: True} if audit_at_commit else {}
    return sessionmaker(bind=bind, expire_on_commit=False, info=info)


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


def reading_factory(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Read sessions beside the unit-of-work ``factory``: on SQLite they begin deferred (a long
    read holds no write lock; its side writes go through ``factory``), elsewhere ``factory``."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return factory
    deferred = bind.execution_options(**{SQLITE_BEGIN_OPTION: "deferred"})
    return sessionmaker(bind=deferred, expire_on_commit=False, info={WRITE_FACTORY: factory})


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
