"""The API reference page in a real browser (Chromium through Playwright): Swagger UI renders
from the package's own assets under the page's Content-Security-Policy, with no request leaving
the server and no policy violation. One server for the module."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium; CI must provide it")
        pytest.skip("no Chromium at /usr/bin/chromium")
    from test_demo_server import free_port

    port = free_port()
    data = tmp_path_factory.mktemp("reference")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRICKWORK_")}
    env["BRICKWORK_DATA_DIR"] = str(data)
    brickwork = Path(sys.executable).with_name("brickwork")
    process = subprocess.Popen(
        [str(brickwork), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not answer in 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_api_reference_renders_offline_under_its_policy(server: str) -> None:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.goto(f"{server}/api/v1/docs")
            page.wait_for_selector(".swagger-ui .information-container .title", timeout=30_000)
            title = page.inner_text(".swagger-ui .information-container .title")
            page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
            # Swagger UI renders only the operations near the viewport: scroll through them all
            listed: set[str] = set()
            for _ in range(500):
                listed.update(
                    page.eval_on_selector_all(".swagger-ui .opblock", "els => els.map(e => e.id)")
                )
                if page.evaluate("scrollY + innerHeight >= document.body.scrollHeight - 2"):
                    break
                page.mouse.wheel(0, 600)
                page.wait_for_timeout(50)
        finally:
            browser.close()
    assert "Brickwork" in title
    document = httpx.get(f"{server}/api/v1/openapi.json", timeout=10).json()
    operations = sum(len(methods) for methods in document["paths"].values())
    assert operations > 50
    assert len(listed) == operations, "every operation of the document is listed"
    assert requested, "the page was loaded"
    assert all(url.startswith(server) for url in requested), requested
    assert not [text for text in problems if "Content Security Policy" in text], problems
