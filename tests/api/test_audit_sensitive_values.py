"""What the audit trail keeps of sensitive values, and what a read costs it: C2/C3 values masked
and encrypted values absent in every event and export; one event per request, the read's event
written after the reading transaction (never inside it); one event for a create."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent

API = "/api/v1"
FORM = f"{API}/apps/bank/definitions/form/client"
RECORDS = f"{API}/apps/bank/forms/client/records"
AUDIT = f"{API}/audit"

# Identifier fields are encrypted by default; these are stored in clear on purpose, to show that
# their values are masked in the trail (the encrypted PIN shows the other case).
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {
        "id": "f_rid",
        "key": "resident_id",
        "type": "resident_id",
        "label": "Resident ID",
        "encrypted": False,
    },
    {"id": "f_mob", "key": "mobile", "type": "phone", "label": "Mobile", "encrypted": False},
    {"id": "f_card", "key": "card", "type": "bank_card", "label": "Card", "encrypted": False},
    {"id": "f_pin", "key": "pin", "type": "text", "label": "PIN", "encrypted": True},
    {
        "id": "f_contacts",
        "key": "contacts",
        "type": "subtable",
        "label": "Contacts",
        "fields": [
            {"id": "f_c_name", "key": "c_name", "type": "text", "label": "Name"},
            {
                "id": "f_c_mob",
                "key": "c_mobile",
                "type": "phone",
                "label": "Mobile",
                "encrypted": False,
            },
        ],
    },
]
FIRST = {
    "name": "Li Lei",
    "resident_id": "310115198001011238",
    "mobile": "13812345678",
    "card": "6222021234567890128",
    "pin": "834271",
    "contacts": [{"c_name": "Han", "c_mobile": "13911112222"}],
}
SECOND = {
    "resident_id": "440305199005057892",
    "mobile": "13987654321",
    "card": "4111111111111111",
    "pin": "552901",
    "contacts": [{"c_name": "Han", "c_mobile": "13700001111"}],
}
CLEAR = (
    *(FIRST[key] for key in ("resident_id", "mobile", "card", "pin")),
    *(SECOND[key] for key in ("resident_id", "mobile", "card", "pin")),
    FIRST["contacts"][0]["c_mobile"],
    SECOND["contacts"][0]["c_mobile"],
)


@pytest.fixture
def bank(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"})
    client.post(
        f"{API}/apps/bank/definitions", json={"kind": "form", "key": "client", "label": "Client"}
    )
    assert client.put(FORM, json={"label": "Client", "spec": {"fields": FIELDS}}).status_code == 200
    assert client.post(f"{FORM}/publish").status_code == 201
    return client


@pytest.fixture
def auditor(users: Any) -> TestClient:
    return users.client("audit.li", roles=("audit_admin",))


def events_of(auditor: TestClient, request_id: str) -> list[dict[str, Any]]:
    response = auditor.get(f"{AUDIT}/events", params={"request_id": request_id, "order": "asc"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_update_events_and_exports_hold_no_sensitive_value_in_clear(
    bank: TestClient, auditor: TestClient
) -> None:
    created = bank.post(RECORDS, json=FIRST)
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    updated = bank.patch(f"{RECORDS}/{record_id}", json=SECOND)
    assert updated.status_code == 200, updated.text
    assert updated.json()["resident_id"] == SECOND["resident_id"]  # the writer sees it in clear

    [event] = events_of(auditor, updated.headers["x-request-id"])
    assert event["action"] == "record.update"
    changes = {change["field"]: change for change in event["details"]["changes"]}
    assert changes["resident_id"]["before"] != FIRST["resident_id"]
    assert "*" in changes["resident_id"]["after"]
    assert changes["resident_id"]["after"][-4:] == SECOND["resident_id"][-4:]
    assert changes["card"]["after"].startswith(SECOND["card"][:6])
    assert "*" in changes["mobile"]["before"]
    assert changes["pin"] == {"field": "pin", "field_id": "f_pin", "encrypted": True}
    [row] = changes["contacts"]["after"]
    assert row["c_name"] == "Han"
    assert "*" in row["c_mobile"]

    search = auditor.get(f"{AUDIT}/events", params={"limit": 500})
    csv_export = auditor.get(f"{AUDIT}/events/export", params={"format": "csv"})
    jsonl_export = auditor.get(f"{AUDIT}/events/export", params={"format": "jsonl"})
    single = auditor.get(f"{AUDIT}/events/{event['id']}")
    for response in (search, csv_export, jsonl_export, single):
        assert response.status_code == 200, response.text
        for value in CLEAR:
            assert value not in response.text
    verified = auditor.get(f"{AUDIT}/verify").json()
    assert verified["intact"], verified


def test_history_still_shows_the_writer_their_values(bank: TestClient) -> None:
    record_id = bank.post(RECORDS, json=FIRST).json()["id"]
    bank.patch(f"{RECORDS}/{record_id}", json={"mobile": SECOND["mobile"]})
    history = bank.get(f"{RECORDS}/{record_id}/history").json()
    changes = [change for entry in history for change in entry["changes"]]
    assert {"field": "mobile", "before": FIRST["mobile"], "after": SECOND["mobile"]} in changes


@pytest.fixture
def request_flushes(session: Session) -> Iterator[list[str]]:
    """The actions of audit events the request's own session writes."""
    written: list[str] = []

    def collect(flushed: Session, _context: Any, _instances: Any) -> None:
        written.extend(item.action for item in flushed.new if isinstance(item, AuditEvent))

    event.listen(session, "before_flush", collect)
    yield written
    event.remove(session, "before_flush", collect)


def test_a_create_writes_one_event_naming_what_its_response_shows(
    bank: TestClient, auditor: TestClient
) -> None:
    created = bank.post(RECORDS, json=FIRST)
    assert created.status_code == 201, created.text
    [event] = events_of(auditor, created.headers["x-request-id"])
    assert event["action"] == "record.create"
    assert event["details"]["shown"] == ["resident_id", "mobile", "card", "contacts"]


def test_a_read_in_clear_is_one_event_written_after_the_reading_transaction(
    bank: TestClient, auditor: TestClient, request_flushes: list[str]
) -> None:
    first = bank.post(RECORDS, json=FIRST).json()["id"]
    bank.post(RECORDS, json={**FIRST, "name": "Han Meimei"})
    request_flushes.clear()

    one = bank.get(f"{RECORDS}/{first}")
    listed = bank.get(RECORDS, params={"limit": 10})
    assert (one.status_code, listed.status_code) == (200, 200)
    assert request_flushes == []  # the reading transactions wrote no audit event

    [read] = events_of(auditor, one.headers["x-request-id"])
    assert (read["action"], read["object_id"]) == ("record.read", "bank/client")
    assert read["details"]["ids"] == [first]
    [listing] = events_of(auditor, listed.headers["x-request-id"])
    assert listing["action"] == "record.read"
    assert len(listing["details"]["ids"]) == 2
    assert "resident_id" in listing["details"]["fields"]


def test_audit_searches_are_audited_after_their_transaction(
    auditor: TestClient, request_flushes: list[str]
) -> None:
    response = auditor.get(f"{AUDIT}/events", params={"action": "record.*"})
    assert response.status_code == 200
    assert request_flushes == []
    [searched] = events_of(auditor, response.headers["x-request-id"])
    assert searched["action"] == "audit.search"
    assert json.dumps(searched["details"]["filters"]) == '{"action": "record.*"}'
