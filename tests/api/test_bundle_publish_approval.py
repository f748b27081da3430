"""App bundles carry maker-checker publishing (`publish_approval`): export writes it, import
restores it, and an import never switches it off together with new versions."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.jsonio import checksum
from brickwork.platform.models import AuditEvent

API = "/api/v1"
FIELDS = [{"id": "f_name", "key": "name", "type": "text", "label": "Name"}]


def make_app(client: TestClient, key: str) -> None:
    assert client.post(f"{API}/apps", json={"key": key, "label": key}).status_code == 201
    body = {"kind": "form", "key": "client", "label": "Client", "spec": {"fields": FIELDS}}
    assert client.post(f"{API}/apps/{key}/definitions", json=body).status_code == 201
    published = client.post(f"{API}/apps/{key}/definitions/form/client/publish")
    assert published.status_code == 201, published.text


def approval(client: TestClient, key: str) -> bool:
    value: bool = client.get(f"{API}/apps/{key}").json()["publish_approval"]
    return value


def set_approval(client: TestClient, key: str, value: bool) -> None:
    response = client.patch(f"{API}/apps/{key}", json={"publish_approval": value})
    assert response.status_code == 200, response.text


def import_bundle(client: TestClient, bundle: dict[str, Any]) -> Any:
    return client.post(f"{API}/apps/import", json=bundle)


def import_events(session: Session) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "app.import").order_by(AuditEvent.id)
    return list(session.scalars(query))


def test_export_carries_the_setting_and_import_restores_it(
    client: TestClient, session: Session
) -> None:
    make_app(client, "crm")
    set_approval(client, "crm", True)
    bundle = client.get(f"{API}/apps/crm/export").json()
    assert bundle["app"]["publish_approval"] is True

    set_approval(client, "crm", False)
    restored = import_bundle(client, bundle)
    assert restored.status_code == 200, restored.text
    assert approval(client, "crm") is True
    assert import_events(session)[-1].details["publish_approval"] == {
        "before": False,
        "after": True,
    }

    copy = {**bundle, "app": {**bundle["app"], "key": "crm2", "id": str(uuid.uuid4())}}
    copy["definitions"] = []
    assert import_bundle(client, copy).status_code == 200
    assert approval(client, "crm2") is True  # a new app starts with the bundle's setting

    again = import_bundle(client, bundle)  # idempotent: nothing changes, nothing to audit
    assert again.status_code == 200
    assert "publish_approval" not in import_events(session)[-1].details


def test_an_import_switches_approval_off_only_without_new_versions(
    client: TestClient, session: Session
) -> None:
    make_app(client, "crm")
    open_bundle = client.get(f"{API}/apps/crm/export").json()
    assert open_bundle["app"]["publish_approval"] is False
    set_approval(client, "crm", True)

    newer = client.get(f"{API}/apps/crm/export").json()
    version = newer["definitions"][0]["versions"][0]
    newer["app"]["publish_approval"] = False
    body = {**version["body"], "label": "Client v2"}
    newer["definitions"][0]["versions"].append(
        {**version, "version": 2, "body": body, "checksum": None}
    )
    newer["definitions"][0]["versions"][1]["checksum"] = checksum(body)
    refused = import_bundle(client, newer)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "publish_approval_required"
    assert approval(client, "crm") is True

    switched = import_bundle(client, open_bundle)  # no new version: the admin may switch it off
    assert switched.status_code == 200, switched.text
    assert approval(client, "crm") is False
    assert import_events(session)[-1].details["publish_approval"] == {
        "before": True,
        "after": False,
    }


def test_a_bundle_without_the_setting_leaves_it_alone(client: TestClient) -> None:
    make_app(client, "crm")
    bundle = client.get(f"{API}/apps/crm/export").json()
    del bundle["app"]["publish_approval"]
    set_approval(client, "crm", True)
    assert import_bundle(client, bundle).status_code == 200
    assert approval(client, "crm") is True
