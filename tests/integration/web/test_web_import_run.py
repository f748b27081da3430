"""The import wizard's last step on each backend (a database of its own: the import runs in the
background with its own transaction): the checked file is imported and its progress page ends
with what was written."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

API = "/api/v1"
FIELDS = [
    {"id": "f_ref", "key": "ref", "type": "text", "label": "Ref", "required": True},
    {"id": "f_amt", "key": "amount", "type": "decimal", "label": "Amount"},
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_checked_file_is_imported_and_its_progress_followed(
    backend: str,
    app_on_fresh_database: Callable[[str], FastAPI],
    admin_on_own_database: Callable[[TestClient], TestClient],
) -> None:
    app = app_on_fresh_database(backend)
    with TestClient(app) as client:
        admin_on_own_database(client)
        client.post(f"{API}/apps", json={"key": "ops", "label": "Ops"})
        body = {"kind": "form", "key": "trade", "label": "Trade", "spec": {"fields": FIELDS}}
        assert client.post(f"{API}/apps/ops/definitions", json=body).status_code == 201
        assert client.post(f"{API}/apps/ops/definitions/form/trade/publish").status_code == 201
        page = "/apps/ops/forms/trade/import"
        start = client.get(page, headers={"Accept-Language": "en"})
        assert start.status_code == 200, start.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', start.text)
        assert csrf is not None
        lines = ["ref,amount", *(f"T{i},{i}.5" for i in range(600))]
        checked = client.post(
            page,
            data={"csrf_token": csrf.group(1)},
            files={"file": ("trades.csv", "\n".join(lines).encode(), "text/csv")},
            headers={"Accept-Language": "en"},
        )
        assert "Import 600 rows" in checked.text, checked.text
        file_id = re.search(r'name="file" value="([^"]+)"', checked.text)
        assert file_id is not None
        started = client.post(
            f"{page}/run",
            data={"csrf_token": csrf.group(1), "file": file_id.group(1)},
            follow_redirects=False,
        )
        assert started.status_code == 303, started.text
        progress = started.headers["location"]
        deadline = time.monotonic() + 120
        while True:
            shown = client.get(progress, headers={"HX-Request": "true", "Accept-Language": "en"})
            assert shown.status_code == 200, shown.text
            if 'id="import-done"' in shown.text or 'id="import-failed"' in shown.text:
                break
            assert 'hx-trigger="every 1s"' in shown.text
            assert time.monotonic() < deadline, "the import did not end in 120 s"
            time.sleep(0.1)
        assert "600 records imported." in shown.text
        listed = client.get(f"{API}/apps/ops/forms/trade/records", params={"limit": 1}).json()
        assert listed["total"] == 600
