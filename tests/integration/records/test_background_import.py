"""A long import runs as a background job whose progress can be polled, on each backend."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

API = "/api/v1"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_background_import_reports_progress_and_result(
    backend: str,
    app_on_fresh_database: Callable[[str], FastAPI],
    admin_on_own_database: Callable[[TestClient], TestClient],
) -> None:
    app = app_on_fresh_database(backend)
    with TestClient(app) as client:
        admin_on_own_database(client)
        client.post(f"{API}/apps", json={"key": "ops", "label": "Ops"})
        client.post(
            f"{API}/apps/ops/definitions",
            json={
                "kind": "form",
                "key": "trade",
                "label": "Trade",
                "spec": {
                    "fields": [
                        {
                            "id": "f_ref",
                            "key": "ref",
                            "type": "text",
                            "label": "Ref",
                            "required": True,
                        },
                        {"id": "f_amt", "key": "amount", "type": "decimal", "label": "Amount"},
                    ]
                },
            },
        )
        assert client.post(f"{API}/apps/ops/definitions/form/trade/publish").status_code == 201
        lines = ["ref,amount", *(f"T{i},{i}.5" for i in range(3000))]
        started = client.post(
            f"{API}/apps/ops/forms/trade/imports",
            params={"background": True},
            content="\n".join(lines).encode(),
            headers={"content-type": "text/csv"},
        )
        assert started.status_code == 202, started.text
        location = started.headers["location"]
        deadline = time.monotonic() + 120
        job = started.json()
        while job["status"] in {"queued", "running"} and time.monotonic() < deadline:
            time.sleep(0.05)
            job = client.get(location).json()
        assert job["status"] == "done", job
        assert (job["processed"], job["total"]) == (3000, 3000)
        assert job["result"]["created"] == 3000
        total = client.get(f"{API}/apps/ops/forms/trade/records", params={"limit": 1}).json()
        assert total["total"] == 3000
        missing = client.get(f"{API}/apps/ops/forms/trade/imports/nope")
        assert missing.json()["code"] == "job_not_found"
    app.state.jobs.shutdown()
