"""A `brickwork worker` process killed (SIGKILL) in the middle of a timer-driven escalation:
nothing of the half-done escalation stays, and after a restart the escalation happens exactly
once. On PostgreSQL the test holds the instance's row lock so that the worker is caught inside
the escalation's transaction, after claiming its job, when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from test_flow_timers import ManualClock, engines, prepare, start, timeline  # noqa: F401

from brickwork.platform.db.session import unit_of_work
from brickwork.platform.models import FlowInstance, Job
from brickwork.platform.models.job import RUNNING
from brickwork.platform.runs.service import TIMER_JOB


@pytest.fixture
def worker_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRICKWORK_")}
    env["BRICKWORK_DATA_DIR"] = str(tmp_path)
    env["BRICKWORK_ARGON2_PROFILE"] = "test"
    env["BRICKWORK_WORKER_POLL_SECONDS"] = "1"
    return env


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_worker_killed_inside_an_escalation_escalates_once_after_restart(
    fresh_database_urls: dict[str, str],
    engines: list[Engine],  # noqa: F811
    tmp_path: Path,
    worker_env: dict[str, str],
) -> None:
    if "postgresql" not in fresh_database_urls:
        pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
    url = fresh_database_urls["postgresql"]
    clock = ManualClock()
    clock.now = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)  # the reminder and breach are long due
    factory, services = prepare(url, engines, tmp_path, clock)
    started = start(factory, services)
    worker_env["BRICKWORK_DATABASE_URL"] = url
    brickwork = Path(sys.executable).with_name("brickwork")

    engine = engines[0]
    holder = engine.connect()
    blocker = holder.begin()
    holder.execute(  # the instance's row lock: the escalation's transaction will wait on it
        select(FlowInstance.id).where(FlowInstance.id == started["id"]).with_for_update()
    )
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [str(brickwork), "worker"], env=worker_env, stdout=subprocess.DEVNULL, stderr=log
    )
    try:

        def waiting_on_the_lock() -> bool:
            with engine.connect() as probe:
                claimed = probe.execute(
                    select(Job.id).where(Job.kind == TIMER_JOB, Job.status == RUNNING)
                ).first()
                blocked = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                ).scalar_one()
                return claimed is not None and blocked > 0

        wait_for(
            waiting_on_the_lock,
            "the worker to claim a timer and wait inside it (see worker.log)",
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        log.close()
        blocker.rollback()
        holder.close()

    assert [a for a, _k in timeline(factory, started["id"])].count("sla_breached") == 0
    with unit_of_work(factory) as session:  # its lease runs out (time passes)
        session.execute(
            update(Job)
            .where(Job.kind == TIMER_JOB, Job.status == RUNNING)
            .values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    for _ in range(2):  # a restarted worker, twice: the second finds nothing to do
        done = subprocess.run(
            [str(brickwork), "worker", "--once"],
            env=worker_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    lines = timeline(factory, started["id"])
    assert [a for a, _k in lines].count("sla_breached") == 1
    assert lines.count(("notified", "escalated")) == 1
    with unit_of_work(factory) as session:
        tasks = services.runs.view(session, started["id"])["tasks"]
        assert [t["assignee"] for t in tasks] == ["deputy"]
