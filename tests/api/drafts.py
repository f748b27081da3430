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


def app_with_form(client: TestClient, app: str, form: str, fields: list[dict[str, Any]]) -> None:
    """Create the app at URL `app` (its key is the URL's last part) with form `form` of
    `fields`, published."""
    key = app.rstrip("/").rsplit("/", 1)[-1]
    created = client.post(f"{app.rsplit('/apps/', 1)[0]}/apps", json={"key": key, "label": key})
    assert created.status_code == 201, created.text
    draft(client, app, "form", form, {"fields": fields})
    published = client.post(f"{app}/definitions/form/{form}/publish")
    assert published.status_code == 201, published.text
