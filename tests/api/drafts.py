"""Saving a definition's draft over HTTP, for tests that then publish it (and read why not)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def draft(client: TestClient, app: str, kind: str, key: str, spec: dict[str, Any]) -> None:
    """Save `spec` as the draft of `kind`/`key` in the app at URL `app` (created when new)."""
    if client.get(f"{app}/definitions/{kind}/{key}").status_code == 404:
        body = {"kind": kind, "key": key, "label": key}
        assert client.post(f"{app}/definitions", json=body).status_code == 201
    saved = client.put(f"{app}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
