"""Serial numbers: one counter per field and prefix, never two records with the same number."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.records.repository import RecordRepository


def test_counters_are_per_prefix(session: Session) -> None:
    repo = RecordRepository()
    assert [repo.next_serial(session, "form:f_no", "KYC-202603-") for _ in range(3)] == [1, 2, 3]
    assert repo.next_serial(session, "form:f_no", "KYC-202604-") == 1
    assert repo.next_serial(session, "other:f_no", "KYC-202603-") == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_50_concurrent_allocations_are_distinct_and_consecutive(
    backend: str, fresh_database_urls: dict[str, str]
) -> None:
    if backend not in fresh_database_urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    engine = make_engine(fresh_database_urls[backend], pool_size=10, max_overflow=50)
    factory = make_session_factory(engine)
    repo = RecordRepository()
    barrier = threading.Barrier(50)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def allocate() -> None:
        try:
            barrier.wait(timeout=30)
            with unit_of_work(factory) as session:
                numbers.append(repo.next_serial(session, "kyc:f_no", "KYC-2026-"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    assert errors == []
    assert sorted(numbers) == list(range(1, 51))
