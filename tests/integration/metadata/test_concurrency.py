"""Two people acting on the same definition at once never both win (real commits, each backend)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.errors import Conflict
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, DraftUpdate, Kind
from brickwork.platform.metadata.service import MetadataService


def race(factory: sessionmaker[Session], action: Any, runners: int = 2) -> list[object]:
    barrier = threading.Barrier(runners)
    outcomes: list[object] = []

    def run(index: int) -> None:
        try:
            with unit_of_work(factory) as session:
                barrier.wait(timeout=10)
                outcomes.append(action(session, index))
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_simultaneous_publish_and_edit(backend: str, fresh_database_urls: dict[str, str]) -> None:
    if backend not in fresh_database_urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    engine = make_engine(fresh_database_urls[backend])
    factory = make_session_factory(engine)
    service, actor = MetadataService(), Actor("a", system=True)
    with unit_of_work(factory) as session:
        service.create_app(session, actor, AppCreate.model_validate({"key": "k", "label": "K"}))
        service.create_definition(
            session,
            actor,
            "k",
            DefinitionCreate.model_validate(
                {
                    "kind": "form",
                    "key": "f",
                    "label": "F",
                    "spec": {"fields": [{"id": "f_a", "key": "a", "type": "text", "label": "A"}]},
                }
            ),
        )

    published = race(
        factory, lambda s, _i: service.publish(s, actor, "k", Kind.FORM, "f").version_number
    )
    assert len(published) == 2
    assert published.count(1) == 1
    assert {o for o in published if o != 1} <= {"concurrent_change", "no_changes"}

    def edit(session: Session, index: int) -> int:
        body = DraftUpdate.model_validate({"label": f"edit {index}", "base_revision": 1})
        return service.update_draft(session, actor, "k", Kind.FORM, "f", body).draft_revision

    edited = race(factory, edit)
    assert len(edited) == 2
    assert edited.count(2) == 1
    assert {o for o in edited if o != 2} <= {"concurrent_change", "stale_revision"}
    with unit_of_work(factory) as session:
        assert [v.version for v in service.versions(session, "k", Kind.FORM, "f")] == [1]
        assert service.definition(session, "k", Kind.FORM, "f").draft_revision == 2
    engine.dispose()
