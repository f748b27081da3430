"""Flow commands racing on real databases, each in a thread with its own session: an or-sign
task approved 50 times at once moves on once; a countersign of 20 decided at once ends right;
a withdraw, an administrator's termination or reassignment racing an approval, exactly one
wins. On
PostgreSQL the instance row is locked and its version compared-and-swapped; SQLite has one
writer at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from brickwork.engines.flow import Approve, Reject, Withdraw
from brickwork.platform.assembly import Services, build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import new_id
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.errors import PlatformError
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import FlowHistory, FlowTask, Role, UserRole
from brickwork.settings import Settings

OPS = Actor("ops", system=True)
FIELDS = [{"id": "f_title", "key": "title", "type": "text", "label": "Title"}]
PASSWORD = "Tester-pass-2026"
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def approval_flow(users: list[str], mode: str) -> dict[str, Any]:
    return {
        "form": "case",
        "nodes": [
            {"id": "start", "type": "start"},
            {
                "id": "review",
                "type": "approval",
                "mode": mode,
                "assignees": [{"type": "user", "user": name} for name in users],
            },
            {
                "id": "second",
                "type": "approval",
                "mode": "or",
                "assignees": [{"type": "user", "user": "second"}],
            },
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "review"},
            {"id": "e2", "from": "review", "to": "second"},
            {"id": "e3", "from": "second", "to": "end"},
        ],
    }


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def prepare(
    url: str, engines: list[Engine], data_dir: Path, users: list[str], mode: str
) -> tuple[sessionmaker[Session], Services]:
    engine = make_engine(url, pool_size=20, max_overflow=60)
    engines.append(engine)
    factory = make_session_factory(engine)
    settings = Settings(data_dir=data_dir, database_url=url, argon2_profile="test")
    services = build_services(settings=settings, data_dir=data_dir)
    with unit_of_work(factory) as session:
        for name in [*users, "second"]:
            services.identities.create_user(
                session, OPS, username=name, password=PASSWORD, must_change_password=False
            )
        metadata = services.metadata
        metadata.create_app(session, OPS, AppCreate(key="ops", label="Ops"))
        for kind, key, spec in (
            ("form", "case", {"fields": FIELDS}),
            ("flow", "review", approval_flow(users, mode)),
        ):
            body = {"kind": kind, "key": key, "label": key, "spec": spec}
            metadata.create_definition(session, OPS, "ops", DefinitionCreate.model_validate(body))
            metadata.publish(session, OPS, "ops", Kind(kind), key)
    return factory, services


def start(factory: sessionmaker[Session], services: Services) -> dict[str, Any]:
    with unit_of_work(factory) as session:
        record = services.records.create(session, OPS, "ops", "case", {"title": "loan"})
        return services.runs.start_flow(session, OPS, "ops", "case", record["id"], "review")


def race(count: int, action: Callable[[int], Any]) -> list[Any]:
    """`action(i)` in `count` threads released at once: each result, or the refusal's code."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = action(index)
        except PlatformError as exc:
            results[index] = exc.code
        except BaseException as exc:  # reported by the assertions below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def decide(
    factory: sessionmaker[Session],
    services: Services,
    username: str,
    task: dict[str, Any],
    verdict: type[Approve] | type[Reject] = Approve,
) -> dict[str, Any]:
    with unit_of_work(factory) as session:
        return services.runs.task_command(
            session,
            Actor(username),
            task["id"],
            lambda engine_task, version: verdict(username, engine_task, version),
            expected_version=task["version"],
            key=None,
            action="approve",
        )


def rows(factory: sessionmaker[Session], instance: str) -> tuple[list[Any], list[str]]:
    with unit_of_work(factory) as session:
        tasks = session.execute(
            select(FlowTask.node, FlowTask.assignee, FlowTask.status, FlowTask.outcome)
            .where(FlowTask.instance_id == instance)
            .order_by(FlowTask.id)
        ).all()
        actions = session.scalars(
            select(FlowHistory.action)
            .where(FlowHistory.instance_id == instance)
            .order_by(FlowHistory.seq)
        ).all()
        return [tuple(t) for t in tasks], list(actions)


BACKENDS = ["sqlite", "postgresql"]


def url_of(backend: str, urls: dict[str, str]) -> str:
    if backend not in urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    return urls[backend]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seats", [1, 5])
def test_fifty_approvals_of_an_or_sign_task_succeed_once(
    backend: str,
    seats: int,
    fresh_database_urls: dict[str, str],
    engines: list[Engine],
    tmp_path: Path,
) -> None:
    """50 approvals at once on one or-sign task (`seats` 1), or spread over the tasks of five
    or-sign approvers (`seats` 5): one approval lands."""
    approvers = [f"u{n}" for n in range(seats)]
    factory, services = prepare(
        url_of(backend, fresh_database_urls), engines, tmp_path, approvers, "or"
    )
    started = start(factory, services)
    tasks = {task["assignee"]: task for task in started["tasks"]}
    assert sorted(tasks) == approvers
    results = race(
        50, lambda i: decide(factory, services, approvers[i % seats], tasks[approvers[i % seats]])
    )
    won = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1, results
    assert {r for r in results if not isinstance(r, dict)} <= {
        "flow_stale",
        "flow_command_refused",
    }, results
    task_rows, actions = rows(factory, started["id"])
    assert actions.count("approved") == 1
    review = [t for t in task_rows if t[0] == "review"]
    assert sorted(t[3] for t in review).count("approved") == 1
    assert all(t[2] == "closed" for t in review)
    assert [t[:3] for t in task_rows if t[0] == "second"] == [("second", "second", "open")]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rejecter", [None, 7])
def test_a_countersign_of_twenty_decided_at_once_ends_right(
    backend: str,
    rejecter: int | None,
    fresh_database_urls: dict[str, str],
    engines: list[Engine],
    tmp_path: Path,
) -> None:
    signers = [f"s{n:02d}" for n in range(20)]
    factory, services = prepare(
        url_of(backend, fresh_database_urls), engines, tmp_path, signers, "all"
    )
    started = start(factory, services)
    tasks = {task["assignee"]: task for task in started["tasks"]}
    assert len(tasks) == 20

    def act(i: int) -> dict[str, Any]:
        verdict = Reject if i == rejecter else Approve
        return decide(factory, services, signers[i], tasks[signers[i]], verdict)

    results = race(20, act)
    assert not [r for r in results if isinstance(r, BaseException)], results
    task_rows, actions = rows(factory, started["id"])
    with unit_of_work(factory) as session:
        final = services.runs.view(session, started["id"])
    if rejecter is None:
        assert all(isinstance(r, dict) for r in results), results
        assert actions.count("approved") == 20
        assert final["status"] == "running"
        assert [t["node"] for t in final["tasks"]] == ["second"]
    else:
        assert isinstance(results[rejecter], dict), results
        assert final["status"] == "rejected"
        approved = actions.count("approved")
        assert approved == sum(isinstance(r, dict) for r in results) - 1
        assert actions.count("rejected") == 1
        assert not any(t[0] == "second" for t in task_rows)
        assert all(t[2] == "closed" for t in task_rows)


Rival = Callable[[Services, Session, dict[str, Any], dict[str, Any]], Any]
"""(services, session, the instance as started, its open task) -> what the rival answers."""


def races_with_an_approval(
    backend: str,
    urls: dict[str, str],
    engines: list[Engine],
    data_dir: Path,
    rival: Rival,
) -> Iterator[tuple[Sequence[Any], dict[str, Any], Sequence[Any], list[str]]]:
    """Five fresh instances, each with one task `boss` approves while `rival` runs at the same
    moment; per round, after checking that exactly one of the two won: the two results
    (approval first), the instance as it ended, its task rows and its timeline's actions."""
    factory, services = prepare(url_of(backend, urls), engines, data_dir, ["boss"], "single")
    for _round in range(5):
        started = start(factory, services)
        (task,) = started["tasks"]

        def act(i: int, started: dict[str, Any] = started, task: dict[str, Any] = task) -> Any:
            if i == 0:
                return decide(factory, services, "boss", task)
            with unit_of_work(factory) as session:
                return rival(services, session, started, task)

        results = race(2, act)
        assert [isinstance(r, dict) for r in results].count(True) == 1, results
        with unit_of_work(factory) as session:
            final = services.runs.view(session, started["id"])
        yield results, final, *rows(factory, started["id"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_withdraw_racing_an_approval_exactly_one_wins(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    def withdraw(
        services: Services, session: Session, started: dict[str, Any], _task: dict[str, Any]
    ) -> Any:
        return services.runs.instance_command(
            session,
            OPS,
            started["id"],
            lambda version: Withdraw("ops", version),
            expected_version=started["version"],
            key=None,
            action="withdraw",
        )

    for results, final, _tasks, _actions in races_with_an_approval(
        backend, fresh_database_urls, engines, tmp_path, withdraw
    ):
        if isinstance(results[0], dict):
            assert final["status"] == "running"
            assert [t["node"] for t in final["tasks"]] == ["second"]
            assert results[1] in {"flow_stale", "flow_command_refused"}
        else:
            assert final["status"] == "withdrawn"
            assert final["tasks"] == []
            assert results[0] in {"flow_stale", "flow_command_refused"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_termination_racing_an_approval_exactly_one_wins(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    def terminate(
        services: Services, session: Session, started: dict[str, Any], _task: dict[str, Any]
    ) -> Any:
        return services.runs.terminate(
            session,
            OPS,
            started["id"],
            "started on the wrong case",
            expected_version=started["version"],
            key=None,
        )

    for results, final, tasks, actions in races_with_an_approval(
        backend, fresh_database_urls, engines, tmp_path, terminate
    ):
        if isinstance(results[0], dict):
            assert tasks[-1] == ("second", "second", "open", None)
            assert "terminate" not in actions
            assert results[1] == "flow_stale"  # it carried the instance's version before
        else:
            assert final["status"] == "terminated"
            assert tasks == [("review", "boss", "closed", "cancelled")]
            assert actions.count("terminate") == 1
            assert "approved" not in actions
            assert results[0] in {"flow_stale", "flow_command_refused"}  # the task went


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_reassignment_racing_an_approval_exactly_one_wins(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    def reassign(
        services: Services, session: Session, _started: dict[str, Any], task: dict[str, Any]
    ) -> Any:
        return services.runs.reassign(
            session,
            OPS,
            task["id"],
            "second",
            "boss is on leave",
            expected_version=task["version"],
            key=None,
        )

    for results, _final, tasks, actions in races_with_an_approval(
        backend, fresh_database_urls, engines, tmp_path, reassign
    ):
        assert [r for r in results if not isinstance(r, dict)] in (
            ["flow_stale"],
            ["flow_command_refused"],
        )
        if isinstance(results[0], dict):  # approved: the next step is open, nothing reassigned
            assert tasks == [
                ("review", "boss", "closed", "approved"),
                ("second", "second", "open", None),
            ]
            assert "reassign" not in actions
        else:
            assert tasks == [
                ("review", "boss", "closed", "transferred"),
                ("review", "second", "open", None),
            ]
            assert "approved" not in actions


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_edit_racing_an_approval_both_land_in_the_timeline(
    backend: str, fresh_database_urls: dict[str, str], engines: list[Engine], tmp_path: Path
) -> None:
    factory, services = prepare(
        url_of(backend, fresh_database_urls), engines, tmp_path, ["boss"], "or"
    )
    with unit_of_work(factory) as session:
        editor = services.identities.create_user(
            session, OPS, username="editor", password=PASSWORD, must_change_password=False
        )
        grants = [{"app": "ops", "actions": ["read", "update"], "rows": "all"}]
        role = Role(id=new_id(), key="editor", label={"en": "editor"}, builtin=False)
        role.admin_kind, role.permissions = None, grants
        session.add(role)
        session.flush()
        session.add(UserRole(user_id=editor.id, role_id=role.id, granted_at=T0, granted_by="ops"))
        editor_actor = Actor("editor", roles=("editor",), user_id=editor.id)
    for round_ in range(5):
        started = start(factory, services)
        (task,) = started["tasks"]

        def act(i: int, started: dict[str, Any] = started, task: dict[str, Any] = task) -> Any:
            if i == 0:
                return decide(factory, services, "boss", task)
            with unit_of_work(factory) as session:
                return services.records.update(
                    session, editor_actor, "ops", "case", started["record"], {"title": f"r{i}"}
                )

        results = race(2, act)
        assert all(isinstance(r, dict) for r in results), (round_, results)
        _tasks, actions = rows(factory, started["id"])
        assert actions.count("record_edited") == 1
        assert actions.count("approved") == 1
        with unit_of_work(factory) as session:
            seqs = session.scalars(
                select(FlowHistory.seq)
                .where(FlowHistory.instance_id == started["id"])
                .order_by(FlowHistory.seq)
            ).all()
        assert list(seqs) == list(range(1, len(seqs) + 1))
