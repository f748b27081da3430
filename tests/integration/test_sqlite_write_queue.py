"""SQLite writers of one process queue in arrival order (issue 9: 8-client tail latency).

Without the queue, waiting writers poll in SQLite's busy handler, sleeping in growing steps, and
whoever polls at the right moment wins: a writer can lose many turns in a row."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from brickwork.platform.db.session import (
    make_engine,
    make_session_factory,
    unit_of_work,
    write_gate,
)

WRITERS = 5


def test_waiting_writers_get_the_database_in_the_order_they_came(tmp_path: Path) -> None:
    database = tmp_path / "queue.db"
    engine = make_engine(f"sqlite:///{database}")
    factory = make_session_factory(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE turns (writer INTEGER)"))
    gate = write_gate(str(database))
    order: list[int] = []

    def write(index: int) -> None:
        with unit_of_work(factory) as session:
            session.execute(text("INSERT INTO turns VALUES (:i)"), {"i": index})
            order.append(index)

    threads: list[threading.Thread] = []
    with unit_of_work(factory) as first:
        first.execute(text("INSERT INTO turns VALUES (0)"))  # holds the write lock
        for index in range(1, WRITERS + 1):
            thread = threading.Thread(target=write, args=(index,))
            thread.start()
            threads.append(thread)
            while gate.waiting < index:  # each one queued before the next comes
                threading.Event().wait(0.001)
    for thread in threads:
        thread.join(timeout=30)
    assert order == list(range(1, WRITERS + 1))
    assert gate.waiting == 0
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT writer FROM turns ORDER BY rowid")).scalars()
        assert list(stored) == list(range(WRITERS + 1))
    engine.dispose()


def test_a_write_started_by_a_committed_writer_does_not_wait_for_it(tmp_path: Path) -> None:
    """Work triggered after a commit (``after_commit`` hooks: audit events of reads) writes in
    its own transaction while the committed session still has its connection."""
    engine = make_engine(f"sqlite:///{tmp_path / 'after.db'}")
    factory = make_session_factory(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    session = factory()
    session.execute(text("INSERT INTO notes VALUES ('first')"))
    session.connection().commit()  # the transaction ends; the session keeps its connection
    with unit_of_work(factory) as other:
        other.execute(text("INSERT INTO notes VALUES ('second')"))
    session.close()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar_one() == 2
    assert write_gate(str(tmp_path / "after.db")).waiting == 0
    engine.dispose()
