"""``brickwork serve`` logs requests without query values: a resident ID in a filter never reaches
the access log. The server is a real uvicorn started with the configuration ``serve`` passes.
And it settles its heap before serving: what start-up built is out of the collector's way."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from stdnum import numdb
from typer.testing import CliRunner

from brickwork.cli import app

RESIDENT_ID = "11010519491231002X"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def served_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """What ``brickwork serve`` hands to ``uvicorn.run``; uvicorn's loggers restored after."""
    handed: dict[str, Any] = {}

    def capture(application: Any, **options: Any) -> None:
        regions = "cn/loc" in numdb._open_databases
        handed.update(options, app=application, frozen=gc.get_freeze_count(), regions=regions)

    monkeypatch.setattr(uvicorn, "run", capture)
    monkeypatch.setattr(numdb, "_open_databases", {})  # as in a fresh process
    monkeypatch.setenv("BRICKWORK_ARGON2_PROFILE", "test")
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), "--port", "8765"])
    assert result.exit_code == 0, result.output
    gc.unfreeze()  # the test process goes on collecting as before
    yield handed
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.filters.clear()


def test_the_access_log_of_serve_has_no_query_values(served_with: dict[str, Any]) -> None:
    config = uvicorn.Config(
        served_with["app"],
        host="127.0.0.1",
        port=0,
        log_config=served_with["log_config"],
        log_level="info",
    )
    server = uvicorn.Server(config)
    collected = Collect()
    logging.getLogger("uvicorn.access").addHandler(collected)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        response = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/apps/onboarding/forms/customer/records",
            params={"filter": f'resident_id = "{RESIDENT_ID}"', "limit": "5"},
        )
        assert response.status_code == 401
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    lines = [line for line in collected.lines if "/records" in line]
    assert len(lines) == 1, collected.lines
    assert RESIDENT_ID not in lines[0]
    assert "/api/v1/apps/onboarding/forms/customer/records?filter=*&limit=*" in lines[0]


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/api/v1/health", "/api/v1/health"),
        (f"/r?filter=resident_id%3D%22{RESIDENT_ID}%22&limit=5", "/r?filter=*&limit=*"),
        (f"/r?{RESIDENT_ID}%20x=1&&sort", "/r?*=*&sort=*"),
        (f"/r?{RESIDENT_ID}=1&dry_run=true", "/r?*=*&dry_run=*"),
    ],
)
def test_query_values_and_odd_names_are_hidden(target: str, logged: str) -> None:
    from brickwork.platform.api.access_log import redact_query

    assert redact_query(target) == logged


def test_serve_freezes_what_start_up_built_before_serving(served_with: dict[str, Any]) -> None:
    """The app, its routes and compiled definitions sit in the permanent generation when uvicorn
    starts, so full collections under load do not walk them (see `settle_heap`)."""
    assert served_with["frozen"] > 10_000
    assert gc.get_freeze_count() == 0  # undone after the command, for the other tests


def test_serve_reads_the_region_codes_before_serving(served_with: dict[str, Any]) -> None:
    """The table of region codes (resident IDs) is read at start-up and frozen with the rest,
    not by the first request that checks a resident ID."""
    assert served_with["regions"] is True
