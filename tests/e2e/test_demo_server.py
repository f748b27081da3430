"""``brickwork demo`` starts a real server whose health endpoint answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BRICKWORK = Path(sys.executable).with_name("brickwork")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_demo_serves_health_and_demo_app(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRICKWORK_")}
    process = subprocess.Popen(
        [str(BRICKWORK), "demo", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "database": "ok"}
        apps = httpx.get(f"{base}/apps", timeout=5).json()
        assert [a["key"] for a in apps] == ["onboarding"]
        customers = httpx.get(f"{base}/apps/onboarding/forms/customer/records", timeout=5).json()
        assert customers["total"] == 5
        openapi = httpx.get(f"{base}/openapi.json", timeout=5)
        assert openapi.json()["info"]["title"] == "Brickwork"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "demo data installed" in output
