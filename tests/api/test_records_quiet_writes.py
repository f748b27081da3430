"""Writes that change nothing leave no trace, and an unmask reason must be readable."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent

API = "/api/v1"
RECORDS = f"{API}/apps/desk/forms/client/records"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {"id": "f_aum", "key": "aum", "type": "money", "label": "AUM", "currency": "CNY"},
    {"id": "f_tags", "key": "tags", "type": "multi_select", "label": "Tags", "options": ["a", "b"]},
    {"id": "f_rid", "key": "resident_id", "type": "resident_id", "label": "ID", "encrypted": True},
    {
        "id": "f_lines",
        "key": "lines",
        "type": "subtable",
        "label": "Lines",
        "fields": [{"id": "f_item", "key": "item", "type": "text", "label": "Item"}],
    },
]
VALUES = {
    "name": "Li Lei",
    "aum": "1200.50",
    "tags": ["a"],
    "resident_id": "11010519491231002X",
    "lines": [{"item": "x"}],
}


@pytest.fixture
def desk(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "desk", "label": "Desk"})
    created = client.post(
        f"{API}/apps/desk/definitions",
        json={"kind": "form", "key": "client", "label": "Client", "spec": {"fields": FIELDS}},
    )
    assert created.status_code == 201, created.text
    assert client.post(f"{API}/apps/desk/definitions/form/client/publish").status_code == 201
    return client


def updates(session: Session) -> int:
    return len(
        session.scalars(select(AuditEvent).where(AuditEvent.action == "record.update")).all()
    )


def test_a_patch_that_changes_nothing_keeps_the_version_history_and_audit(
    desk: TestClient, session: Session
) -> None:
    record = desk.post(RECORDS, json=VALUES).json()
    url = f"{RECORDS}/{record['id']}"
    same = {**VALUES, "aum": "1200.5", "lines": record["lines"]}  # equal values, other spelling
    for body in (same, {"name": "Li Lei"}, {}):
        response = desk.patch(url, json=body, headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 1
        assert response.headers["etag"] == '"1"'
        assert response.json() == desk.get(url).json()
    assert [h["action"] for h in desk.get(f"{url}/history").json()] == ["create"]
    assert updates(session) == 0

    changed = desk.patch(url, json={"name": "Han Meimei"}, headers={"If-Match": '"1"'})
    assert changed.json()["version"] == 2
    assert [h["action"] for h in desk.get(f"{url}/history").json()] == ["create", "update"]
    assert updates(session) == 1
    stale = desk.patch(url, json={"name": "Han Meimei"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409  # a no-op is still checked against the version sent


@pytest.mark.parametrize(
    "reason",
    [
        "\u200b\u200b\u200b\u200b\u200b\u200b",
        "\ufeff\ufeff\ufeff\ufeff\ufeff",
        "\u3000\u3000\u3000\u3000\u3000",
        "a\u200bb\u200dc\u2060",
        "\u202e\u202d\u200e\u200f\u00a0\u2028",
    ],
)
def test_an_unmask_reason_needs_visible_characters(
    desk: TestClient, session: Session, reason: str
) -> None:
    record = desk.post(RECORDS, json=VALUES).json()
    response = desk.post(
        f"{RECORDS}/{record['id']}/unmask", json={"fields": ["resident_id"], "reason": reason}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "unmask_reason_required"
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/reason", "unmask_reason_required")
    ]
    unmasks = select(AuditEvent).where(AuditEvent.action == "record.unmask")
    assert session.scalars(unmasks).all() == []
