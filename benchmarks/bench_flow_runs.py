"""Persisted flow commands: approvals through the flow service layer, one transaction each.

Run: `.venv/bin/python benchmarks/bench_flow_runs.py [--commands 600] [--clients 1]
[--database-url URL]` (SQLite file in a temporary directory by default; a PostgreSQL URL names
an empty database, migrated here).

Each client starts its own instances of a two-step flow (an or-sign approval, then a second
approval) on records of a small form and approves task after task through
`FlowService.task_command`: per command the instance row is read (locked on PostgreSQL), the
engine steps, the state is compared-and-swapped, task and timeline rows are written and the
timeline feeds the audit chain, all in one committed transaction. Starting instances is not
counted. Prints commands per second. Target: >= 300/s on SQLite with one client.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from brickwork.engines.flow import Approve
from brickwork.platform.assembly import Services, build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.settings import Settings

OPS = Actor("ops", system=True)
FIELDS = [{"id": "f_title", "key": "title", "type": "text", "label": "Title"}]
FLOW: dict[str, Any] = {
    "form": "case",
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "first", "type": "approval", "assignees": [{"type": "user", "user": "boss"}]},
        {"id": "second", "type": "approval", "assignees": [{"type": "user", "user": "boss"}]},
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "first"},
        {"id": "e2", "from": "first", "to": "second"},
        {"id": "e3", "from": "second", "to": "end"},
    ],
}


def prepare(url: str, data_dir: Path) -> tuple[Any, Services]:
    engine = make_engine(url, pool_size=16, max_overflow=16)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    settings = Settings(data_dir=data_dir, database_url=url, argon2_profile="test")
    services = build_services(settings=settings, data_dir=data_dir)
    with unit_of_work(factory) as session:
        services.identities.create_user(
            session, OPS, username="boss", password="Bench-pass-2026", must_change_password=False
        )
        services.metadata.create_app(session, OPS, AppCreate(key="ops", label="Ops"))
        for kind, key, spec in (("form", "case", {"fields": FIELDS}), ("flow", "review", FLOW)):
            body = {"kind": kind, "key": key, "label": key, "spec": spec}
            services.metadata.create_definition(
                session, OPS, "ops", DefinitionCreate.model_validate(body)
            )
            services.metadata.publish(session, OPS, "ops", Kind(kind), key)
    return factory, services


def client(factory: Any, services: Services, commands: int, done: list[float]) -> None:
    """Start commands/2 instances, then approve both steps of each; records the elapsed time."""
    started = []
    for _ in range(commands // 2):
        with unit_of_work(factory) as session:
            record = services.records.create(session, OPS, "ops", "case", {"title": "x"})
            started.append(
                services.runs.start_flow(session, OPS, "ops", "case", record["id"], "review")
            )
    boss = Actor("boss")
    began = time.perf_counter()
    for instance in started:
        task = instance["tasks"][0]
        for _step in range(2):
            with unit_of_work(factory) as session:
                after = services.runs.task_command(
                    session,
                    boss,
                    task["id"],
                    lambda t, v: Approve("boss", t, v),
                    expected_version=task["version"],
                    key=None,
                    action="approve",
                )
            if after["tasks"]:
                task = after["tasks"][0]
    done.append(time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=600, help="approvals per client")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{data_dir / 'bench.db'}"
        factory, services = prepare(url, data_dir)
        times: list[float] = []
        barrier = threading.Barrier(args.clients)

        def run() -> None:
            barrier.wait()
            client(factory, services, args.commands, times)

        threads = [threading.Thread(target=run) for _ in range(args.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        total = args.clients * (args.commands // 2) * 2
        slowest = max(times)
        print(f"backend: {make_engine(url).dialect.name}, clients: {args.clients}")
        print("| what | commands | seconds | commands/s |")
        print("|---|---:|---:|---:|")
        print(
            f"| approvals (slowest client's loop) | {total} | {slowest:.2f} | "
            f"{total / slowest:.0f} |"
        )
        print(f"| wall time incl. starting instances | {total} | {wall:.2f} | - |")


if __name__ == "__main__":
    main()
