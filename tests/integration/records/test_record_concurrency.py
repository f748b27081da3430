"""Concurrent writers on real databases: optimistic locking and serial numbers via the service."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.assembly import Services, build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.errors import Conflict
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind

ACTOR = Actor("ops", system=True)
FIELDS = [
    {
        "id": "f_no",
        "key": "no",
        "type": "serial_number",
        "label": "No.",
        "pattern": "CASE-{YYYY}-{seq:4}",
    },
    {"id": "f_status", "key": "status", "type": "text", "label": "Status"},
]


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def prepare(url: str, engines: list[Engine]) -> tuple[sessionmaker[Session], Services]:
    engine = make_engine(url, pool_size=10, max_overflow=60)
    engines.append(engine)
    factory = make_session_factory(engine)
    services = build_services()
    with unit_of_work(factory) as session:
        services.metadata.create_app(
            session, ACTOR, AppCreate.model_validate({"key": "ops", "label": "Ops"})
        )
        services.metadata.create_definition(
            session,
            ACTOR,
            "ops",
            DefinitionCreate.model_validate(
                {"kind": "form", "key": "case", "label": "Case", "spec": {"fields": FIELDS}}
            ),
        )
        services.metadata.publish(session, ACTOR, "ops", Kind.FORM, "case")
    return factory, services


def race(
    factory: sessionmaker[Session], count: int, action: Callable[[Session, int], Any]
) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            with unit_of_work(factory) as session:
                results.append(action(session, index))
        except Conflict as exc:
            results.append(exc.code)
        except BaseException as exc:  # reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_concurrent_updates_one_wins_one_gets_409(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    if backend not in fresh_database_urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    factory, services = prepare(fresh_database_urls[backend], engines)
    with unit_of_work(factory) as session:
        record = services.records.create(session, ACTOR, "ops", "case", {"status": "new"})

    def update(session: Session, index: int) -> int:
        updated = services.records.update(
            session,
            ACTOR,
            "ops",
            "case",
            record["id"],
            {"status": f"by {index}"},
            expected_version=1,
        )
        return int(updated["version"])

    results = race(factory, 2, update)
    assert sorted(map(str, results)) == ["2", "stale_record"]
    with unit_of_work(factory) as session:
        final = services.records.get(session, ACTOR, "ops", "case", record["id"])
        history = services.records.history(session, ACTOR, "ops", "case", record["id"])
    assert final["version"] == 2
    assert [h["action"] for h in history] == ["create", "update"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_50_concurrent_creations_get_50_consecutive_numbers(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine]
) -> None:
    if backend not in fresh_database_urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    factory, services = prepare(fresh_database_urls[backend], engines)

    def create(session: Session, index: int) -> str:
        return str(
            services.records.create(session, ACTOR, "ops", "case", {"status": str(index)})["no"]
        )

    numbers = race(factory, 50, create)
    assert all(isinstance(n, str) for n in numbers), numbers
    year = numbers[0][5:9]
    assert sorted(numbers) == [f"CASE-{year}-{n:04d}" for n in range(1, 51)]
