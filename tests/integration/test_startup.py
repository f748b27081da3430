"""Server start-up: the schema is upgraded automatically on an empty database, and says so."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from brickwork.app import create_app
from brickwork.platform.db import migrate
from brickwork.settings import Settings


def test_first_start_upgrades_and_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=tmp_path)
    with caplog.at_level(logging.INFO, logger="brickwork"):
        app = create_app(settings)
    assert migrate.current_revision(app.state.engine) == migrate.head_revision()
    assert "upgrading database schema from empty to" in caplog.text
    app.state.engine.dispose()

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="brickwork"):
        again = create_app(settings)
    assert "upgrading" not in caplog.text
    again.state.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    with app.state.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    app.state.engine.dispose()


def test_applications_of_one_process_share_routes_but_not_overrides(tmp_path: Path) -> None:
    """The route table is built once per process; each application still applies its own
    dependency overrides (and serves its own state) to the requests it receives."""
    from fastapi import HTTPException
    from fastapi.testclient import TestClient

    from brickwork.platform.api.deps import unit_of_work

    first = create_app(Settings(data_dir=tmp_path / "first"))
    second = create_app(Settings(data_dir=tmp_path / "second"))
    shared = [route for route in first.router.routes if route in second.router.routes]
    assert len(shared) > 10

    async def teapot() -> None:
        raise HTTPException(status_code=418)

    first.dependency_overrides[unit_of_work] = teapot
    with TestClient(first) as one, TestClient(second) as other:
        assert one.get("/api/v1/auth/me").status_code == 418
        assert other.get("/api/v1/auth/me").status_code == 401
        assert one.get("/api/v1/health").status_code == 200
    assert first.state.settings.data_dir != second.state.settings.data_dir
    first.state.engine.dispose()
    second.state.engine.dispose()
