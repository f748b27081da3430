"""What one authenticated request costs in SQL statements (issue 9: fixed per-request overhead).

Counts statements through ``create_app()``; a bound that grows means every request pays more."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

ME = "/api/v1/auth/me"


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_session_request_reads_session_user_and_roles_in_one_query(
    users: Any, connection: Any
) -> None:
    client = users.client("clerk.count", departments=("branch_a",))
    assert client.get(ME).status_code == 200
    with statements(connection.engine) as seen:
        response = client.get(ME)
    assert response.status_code == 200
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    touched = {table for s in reads for table in ("sessions", "users", "roles") if table in s}
    assert touched == {"sessions", "users", "roles"}
    assert len(reads) <= 1, reads
