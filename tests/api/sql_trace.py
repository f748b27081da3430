"""What SQL a request runs, for the tests that bound it (statements per request, statements
built per request)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import event


@contextmanager
def traced(engine: Any, hook: str) -> Iterator[list[Any]]:
    """What the engine's `hook` was given while the block ran: the SQL text of each statement
    (``before_cursor_execute``, whitespace collapsed) or the statement object executed
    (``before_execute``; kept alive, so that identities are not reused)."""
    seen: list[Any] = []

    def note(_conn: Any, statement: Any, *rest: Any) -> None:
        if hook == "before_cursor_execute":
            statement = " ".join(rest[0].split())  # (cursor, statement, parameters, ...)
        seen.append(statement)

    event.listen(engine, hook, note)
    try:
        yield seen
    finally:
        event.remove(engine, hook, note)


def statements(engine: Any) -> AbstractContextManager[list[Any]]:
    """The SQL text of every statement run while the block runs."""
    return traced(engine, "before_cursor_execute")
