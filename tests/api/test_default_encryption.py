"""New forms encrypt identifiers of class C2 and above unless told otherwise (and say so when a
publish stores them in clear); values computed from an encrypted field are encrypted, classed
and masked like it; a form published before keeps its storage."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from brickwork.platform.models import AuditEvent
from conftest import Users

API = "/api/v1"
FORM = f"{API}/apps/kyc/definitions/form/customer"
RECORDS = f"{API}/apps/kyc/forms/customer/records"
RESIDENT_ID = "11010519491231002X"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {"id": "f_rid", "key": "resident_id", "type": "resident_id", "label": "ID"},
    {"id": "f_card", "key": "card", "type": "bank_card", "label": "Card"},
    {"id": "f_mob", "key": "mobile", "type": "phone", "label": "Mobile"},
    {"id": "f_pass", "key": "passport", "type": "passport", "label": "Passport"},
    {"id": "f_note", "key": "note", "type": "text", "label": "Note"},
    {
        "id": "f_birth",
        "key": "birth",
        "type": "computed",
        "label": "Birth",
        "expression": "substring(resident_id, 7, 8)",
        "result_type": "text",
    },
    {
        "id": "f_year",
        "key": "birth_year",
        "type": "computed",
        "label": "Year",
        "expression": "substring(birth, 1, 4)",
        "result_type": "text",
    },
    {
        "id": "f_len",
        "key": "name_length",
        "type": "computed",
        "label": "Length",
        "expression": "string length(name)",
        "result_type": "integer",
    },
]
VALUES = {
    "name": "Li Lei",
    "resident_id": RESIDENT_ID,
    "card": "4111111111111111",
    "mobile": "13812345678",
    "passport": "E12345678",
    "note": "plain",
}


def publish(client: TestClient, fields: list[dict[str, Any]], **body: Any) -> Any:
    if client.get(f"{API}/apps/kyc").status_code == 404:
        assert client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}).status_code == 201
    if client.get(FORM).status_code == 404:
        created = client.post(
            f"{API}/apps/kyc/definitions",
            json={"kind": "form", "key": "customer", "label": "C", "spec": {"fields": fields}},
        )
        assert created.status_code == 201, created.text
    else:
        edited = client.put(FORM, json={"label": "C", "spec": {"fields": fields}})
        assert edited.status_code == 200, edited.text
    return client.post(f"{FORM}/publish", json=body)


def stored_fields(client: TestClient) -> dict[str, dict[str, Any]]:
    fields = client.get(FORM).json()["draft"]["spec"]["fields"]
    return {item["key"]: item for item in fields}


def raw_row(client: TestClient, session: Session, record_id: str) -> str:
    """Every stored cell of the record's row, as one text."""
    records = client.app.state.records  # type: ignore[attr-defined]
    table = records.form(session, "kyc", "customer").table.name
    row = session.execute(text(f'SELECT * FROM "{table}" WHERE id = :id'), {"id": record_id})
    return " ".join(str(cell) for cell in row.one())


def publish_events(session: Session) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "definition.publish")
    return list(session.scalars(query.order_by(AuditEvent.id)))


def test_new_identifiers_and_what_is_computed_from_them_are_encrypted(
    client: TestClient, session: Session
) -> None:
    assert publish(client, FIELDS).status_code == 201
    stored = stored_fields(client)
    keys = ("resident_id", "card", "mobile", "passport")
    assert {k: stored[k].get("encrypted") for k in keys} == {
        "resident_id": True,
        "card": True,
        "mobile": True,
        "passport": True,
    }
    assert "encrypted" not in stored["note"]
    assert (stored["birth"]["encrypted"], stored["birth"]["sensitivity"]) == (True, "C2")
    assert (stored["birth_year"]["encrypted"], stored["birth_year"]["sensitivity"]) == (True, "C2")
    assert "encrypted" not in stored["name_length"]

    created = client.post(RECORDS, json=VALUES)
    assert created.status_code == 201, created.text
    assert (created.json()["birth"], created.json()["birth_year"]) == ("19491231", "1949")
    row = raw_row(client, session, created.json()["id"])
    for clear in (RESIDENT_ID, "4111111111111111", "13812345678", "E12345678", "19491231", "1949"):
        assert clear not in row
    assert "plain" in row
    assert "unencrypted_fields" not in publish_events(session)[-1].details


def test_turning_encryption_off_is_explicit_and_audited(
    client: TestClient, session: Session
) -> None:
    fields = [{**f, "encrypted": False} if f["key"] == "mobile" else f for f in FIELDS]
    assert publish(client, fields).status_code == 201
    assert stored_fields(client)["mobile"]["encrypted"] is False
    created = client.post(RECORDS, json=VALUES).json()
    assert "13812345678" in raw_row(client, session, created["id"])
    assert publish_events(session)[-1].details["unencrypted_fields"] == ["mobile"]


def test_a_published_field_keeps_its_storage_when_a_draft_omits_encrypted(
    client: TestClient,
) -> None:
    assert publish(client, FIELDS).status_code == 201
    client.post(RECORDS, json=VALUES)
    # The same spec sent again (no "encrypted" anywhere) changes nothing about storage.
    renamed = [{**f, "label": "Mobile phone"} if f["key"] == "mobile" else f for f in FIELDS]
    republished = publish(client, renamed, dry_run=True)
    assert republished.status_code == 200, republished.text
    assert publish(client, renamed).status_code == 201
    assert stored_fields(client)["mobile"]["encrypted"] is True


def test_a_form_published_in_clear_before_keeps_its_layout(
    client: TestClient, session: Session
) -> None:
    metadata = client.app.state.metadata  # type: ignore[attr-defined]
    hooks = metadata.draft_hooks
    metadata.draft_hooks = {}  # as published before identifiers were encrypted by default
    try:
        assert publish(client, FIELDS[:4]).status_code == 201
    finally:
        metadata.draft_hooks = hooks
    record = client.post(RECORDS, json={k: VALUES[k] for k in ("name", "resident_id")}).json()
    # Version 2 adds a field: only the new one is encrypted by default; no conversion needed.
    fields = [*FIELDS[:4], FIELDS[4], {**FIELDS[1], "id": "f_rid2", "key": "spouse_id"}]
    assert publish(client, fields).status_code == 201
    stored = stored_fields(client)
    assert "encrypted" not in stored["resident_id"]
    assert stored["spouse_id"]["encrypted"] is True
    assert RESIDENT_ID in raw_row(client, session, record["id"])
    assert publish_events(session)[-1].details["unencrypted_fields"] == [
        "resident_id",
        "card",
        "mobile",
    ]


@pytest.mark.parametrize(("level", "shown"), [("masked", "******"), ("write", "19491231")])
def test_a_computed_value_is_shown_as_openly_as_its_encrypted_source(
    client: TestClient, users: Users, level: str, shown: str
) -> None:
    assert publish(client, FIELDS).status_code == 201
    record = client.post(RECORDS, json=VALUES).json()
    grant = {
        "app": "kyc",
        "form": "customer",
        "actions": ["read"],
        "rows": "all",
        "fields": {"resident_id": level},
    }
    reader = users.client("reader", grants=[grant])
    item = reader.get(f"{RECORDS}/{record['id']}").json()
    assert (item["birth"], item["birth_year"]) == (shown, shown[:4] if level == "write" else shown)
    assert item["name_length"] == 6
