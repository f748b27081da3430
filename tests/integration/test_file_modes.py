"""What the platform keeps on disk is its owner's alone: the data directory 0700; the embedded
database (with -wal and -shm), the key file and stored files 0600 — whatever the umask."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from brickwork.app import create_app
from brickwork.cli import app as cli
from brickwork.settings import Settings
from conftest import sign_in_admin_committed

runner = CliRunner()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The common default umask, under which files are world-readable unless set otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def database_files(data_dir: Path) -> list[Path]:
    names = ("brickwork.db", "brickwork.db-wal", "brickwork.db-shm")
    return [data_dir / name for name in names if (data_dir / name).exists()]


def test_demo_creates_everything_for_its_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = runner.invoke(cli, ["demo", "--no-serve", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert mode(data_dir) == 0o700
    files = database_files(data_dir)
    assert data_dir / "brickwork.db" in files
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert mode(data_dir / "keys.json") == 0o600


def test_init_tightens_an_existing_open_data_directory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    (data_dir / "brickwork.db").touch(mode=0o644)
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "brickwork.db", 0o644)
    with caplog.at_level(logging.WARNING):
        result = runner.invoke(cli, ["init", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert mode(data_dir) == 0o700
    assert {mode(path) for path in database_files(data_dir)} == {0o600}
    assert "mode 755); tightened to 700" in caplog.text
    assert "mode 644); tightened to 600" in caplog.text


def test_stored_files_and_their_directories_are_private(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        argon2_profile="test",
        insecure_cookies=True,  # plain http
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            admin = sign_in_admin_committed(client)
            response = admin.post(
                "/api/v1/files",
                content=b"%PDF-1.7\n%%EOF\n",
                headers={"content-type": "application/pdf", "x-filename": "a.pdf"},
            )
            assert response.status_code == 201, response.text
            sha256 = response.json()["sha256"]
    finally:
        app.state.engine.dispose()
    stored = settings.data_dir / "files" / sha256[:2] / sha256
    assert mode(stored) == 0o600
    assert mode(stored.parent) == 0o700
    assert mode(stored.parent.parent) == 0o700
    assert mode(settings.data_dir) == 0o700
    assert {mode(path) for path in database_files(settings.data_dir)} == {0o600}
