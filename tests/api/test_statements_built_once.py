"""The requests every user makes all day build their SQL statements once, not per request.

Building a statement and its cache key costs SQLAlchemy about 0.1 ms, more than running it on
SQLite: a statement object made anew on every call of a hot path is a cost paid per request
(issues 9 and 12: create throughput, persisted approvals per second). Pins, for creating,
reading, updating and listing records, starting a flow and approving a task, that the third
request runs only statement objects the second one ran."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from credit_flow import RECORDS, act, application, credit_app, submit, todo
from fastapi.testclient import TestClient
from sql_trace import traced

from conftest import Users


def built_anew(engine: Any, request: Callable[[int], Any]) -> list[str]:
    """The SQL of statements the third of three like requests ran that the second did not."""
    request(0)
    with traced(engine, "before_execute") as second:
        request(1)
    with traced(engine, "before_execute") as third:
        request(2)
    known = {id(statement) for statement in second}
    anew = [" ".join(str(s).split())[:120] for s in third if id(s) not in known]
    return [sql for sql in anew if not sql.startswith(TEST_HARNESS)]


TEST_HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
"""The tests' own nested transactions (one per request)."""


def test_record_requests_and_flow_commands_build_their_statements_once(
    client: TestClient, users: Users, connection: Any
) -> None:
    engine = connection.engine
    bank = credit_app(client, users)
    rm, president = bank["rm"], bank["president"]
    records: list[dict[str, Any]] = []

    def create(index: int) -> None:
        records.append(application(bank, f"{50000 + index}.00", customer=f"C{index}"))

    def start(index: int) -> None:
        submit(bank, records[index])

    tasks: list[dict[str, Any]] = []

    def approve(index: int) -> None:
        if not tasks:
            tasks.extend(todo(president))
        response = act(president, tasks[index])
        assert response.status_code == 200, response.text

    def read(index: int) -> None:
        assert rm.get(f"{RECORDS}/{records[index]['id']}").status_code == 200

    def update(index: int) -> None:
        record = records[index]
        response = rm.patch(
            f"{RECORDS}/{record['id']}",
            json={"customer": f"D{index}"},
            headers={"If-Match": f'"{record["version"]}"'},
        )
        assert response.status_code == 200, response.text

    def listing(_index: int) -> None:
        assert rm.get(RECORDS).status_code == 200

    for name, request in (
        ("create a record", create),
        ("start a flow", start),
        ("approve a task", approve),
        ("read a record", read),
        ("update a record", update),
        ("list records", listing),
    ):
        assert built_anew(engine, request) == [], name
