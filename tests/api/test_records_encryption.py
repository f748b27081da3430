"""Encrypted fields through the HTTP API: ciphertext at rest, plaintext in responses, blind-index
filters and uniqueness, and loud failures on tampering or a wrong key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from brickwork.platform.crypto.keyring import new_keyring, write_keyring
from conftest import write_inside

API = "/api/v1"
RECORDS = f"{API}/apps/vault/forms/holder/records"
FORM = f"{API}/apps/vault/definitions/form/holder"
RESIDENT_ID = "11010519491231002X"
OTHER_ID = "110105199001011232"

FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {
        "id": "f_rid",
        "key": "resident_id",
        "type": "resident_id",
        "label": "ID",
        "encrypted": True,
        "unique": True,
    },
    {"id": "f_pin", "key": "pin", "type": "text", "label": "PIN", "encrypted": True},
]


def publish(client: TestClient, fields: list[dict[str, Any]], **options: Any) -> Any:
    response = client.put(FORM, json={"label": "Holder", "spec": {"fields": fields}})
    assert response.status_code == 200, response.text
    return client.post(f"{FORM}/publish", json=options)


@pytest.fixture
def vault(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "vault", "label": "Vault"})
    client.post(
        f"{API}/apps/vault/definitions", json={"kind": "form", "key": "holder", "label": "Holder"}
    )
    response = publish(client, FIELDS)
    assert response.status_code == 201, response.text
    return client


def table_of(session: Session) -> str:
    name = session.execute(
        text("SELECT table_name FROM form_tables WHERE table_name LIKE 'f_vault%'")
    ).scalar_one()
    return str(name)


def test_stored_as_ciphertext_returned_as_plaintext(vault: TestClient, session: Session) -> None:
    created = vault.post(RECORDS, json={"name": "Li", "resident_id": RESIDENT_ID, "pin": "1234"})
    assert created.status_code == 201, created.text
    record = created.json()
    assert (record["resident_id"], record["pin"]) == (RESIDENT_ID, "1234")
    stored = session.execute(
        text(f"SELECT c_f_rid, c_f_rid_bidx, c_f_pin FROM {table_of(session)}")
    ).one()
    assert stored[0].startswith("v1:k1:")
    assert RESIDENT_ID not in stored[0]
    assert len(stored[1]) == 32
    assert "1234" not in stored[2]
    assert vault.get(f"{RECORDS}/{record['id']}").json()["resident_id"] == RESIDENT_ID


def test_blind_index_filter_and_refusals(vault: TestClient) -> None:
    vault.post(RECORDS, json={"name": "Li", "resident_id": RESIDENT_ID})
    vault.post(RECORDS, json={"name": "Han", "resident_id": OTHER_ID})
    found = vault.get(RECORDS, params={"filter": f'resident_id = "{RESIDENT_ID}"'})
    assert found.status_code == 200, found.text
    assert [r["name"] for r in found.json()["items"]] == ["Li"]
    both = vault.get(RECORDS, params={"filter": f'resident_id in ["{RESIDENT_ID}", "{OTHER_ID}"]'})
    assert sorted(r["name"] for r in both.json()["items"]) == ["Han", "Li"]
    none = vault.get(RECORDS, params={"filter": 'pin = "0000"'})
    assert none.json()["items"] == []
    for bad in ('resident_id > "1"', 'starts with(resident_id, "1101")'):
        refused = vault.get(RECORDS, params={"filter": bad})
        assert refused.status_code == 422, bad
        assert refused.json()["code"] == "filter_invalid"
        assert "equality only" in refused.json()["detail"]
    unsorted = vault.get(RECORDS, params={"sort": "resident_id"})
    assert unsorted.status_code == 422
    assert unsorted.json()["errors"][0]["code"] == "encrypted_unsortable"


def test_unique_through_blind_index(vault: TestClient) -> None:
    assert vault.post(RECORDS, json={"name": "A", "resident_id": RESIDENT_ID}).status_code == 201
    again = vault.post(RECORDS, json={"name": "B", "resident_id": RESIDENT_ID})
    assert again.status_code == 422
    assert again.json()["errors"][0]["pointer"] == "/resident_id"
    assert again.json()["errors"][0]["code"] == "unique_violation"


def test_unique_index_holds_without_the_pre_check(vault: TestClient, session: Session) -> None:
    vault.post(RECORDS, json={"name": "A", "resident_id": RESIDENT_ID})
    table = table_of(session)
    row = session.execute(text(f"SELECT * FROM {table}")).mappings().one()
    copy = {**row, "id": "copy-of-a"}
    columns = ", ".join(copy)
    with pytest.raises(Exception, match=r"(?i)unique"), session.begin_nested():
        session.execute(
            text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in copy)})"),
            copy,
        )


def test_tampered_ciphertext_fails_loudly(vault: TestClient, session: Session) -> None:
    record = vault.post(RECORDS, json={"name": "A", "resident_id": RESIDENT_ID}).json()
    table = table_of(session)
    token = session.execute(text(f"SELECT c_f_rid FROM {table}")).scalar_one()
    tampered = token[:-6] + ("AAAA" if token[-6:-2] != "AAAA" else "BBBB") + token[-2:]
    session.execute(text(f"UPDATE {table} SET c_f_rid = :t"), {"t": tampered})
    response = vault.get(f"{RECORDS}/{record['id']}")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "decryption_failed"
    assert record["id"] in body["detail"]
    assert "c_f_rid" in body["detail"]
    assert RESIDENT_ID not in response.text
    session.execute(text(f"UPDATE {table} SET c_f_rid = :t"), {"t": tampered})  # rolled back
    listed = vault.get(RECORDS)
    assert listed.status_code == 500
    assert listed.json()["code"] == "decryption_failed"


def test_ciphertext_moved_to_another_column_does_not_open(
    vault: TestClient, session: Session
) -> None:
    record = vault.post(RECORDS, json={"name": "A", "resident_id": RESIDENT_ID, "pin": "1"}).json()
    table = table_of(session)
    session.execute(text(f"UPDATE {table} SET c_f_pin = c_f_rid"))
    response = vault.get(f"{RECORDS}/{record['id']}")
    assert (response.status_code, response.json()["code"]) == (500, "decryption_failed")


def test_wrong_key_file_fails_loudly(
    vault: TestClient,
    session: Session,
    tmp_path: Path,
    users: Any,
    clock: Any,
) -> None:
    from brickwork.app import create_app
    from brickwork.platform.api.deps import unit_of_work

    record = vault.post(RECORDS, json={"name": "A", "resident_id": RESIDENT_ID}).json()
    other = tmp_path / "other-keys.json"
    write_keyring(other, new_keyring(), create=True)
    settings = vault.app.state.settings.with_overrides(secret_key_file=other)  # type: ignore[attr-defined]
    app = create_app(settings, clock=clock)
    write_inside(app, session.connection())

    def same_session() -> Any:
        yield session

    app.dependency_overrides[unit_of_work] = same_session
    users.user("reader", roles=("tester",))  # no second factor: its secret needs keys too
    with TestClient(app, raise_server_exceptions=False) as wrong:
        response = users.sign_in("reader", wrong).get(f"{RECORDS}/{record['id']}")
    app.state.engine.dispose()
    assert response.status_code == 500
    assert response.json()["code"] == "decryption_failed"
    assert RESIDENT_ID not in response.text
    found = json.loads(other.read_text(encoding="utf-8"))
    assert found["active"] == "k1"


def test_turning_encryption_on_and_off_needs_a_conversion(
    vault: TestClient, session: Session
) -> None:
    vault.post(RECORDS, json={"name": "A", "resident_id": RESIDENT_ID, "pin": "42"})
    plain = [dict(f, encrypted=False) if f["id"] == "f_pin" else f for f in FIELDS]
    refused = publish(vault, plain)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "unsafe_type_change"
    assert publish(vault, plain, conversions={"f_pin": "cast"}).status_code == 201
    table = table_of(session)
    assert session.execute(text(f"SELECT c_f_pin_2 FROM {table}")).scalar_one() == "42"
    assert vault.get(RECORDS).json()["items"][0]["pin"] == "42"
    assert publish(vault, FIELDS, conversions={"f_pin": "cast"}).status_code == 201
    row = vault.get(RECORDS, params={"filter": 'pin = "42"'}).json()["items"]
    assert [r["pin"] for r in row] == ["42"]


def test_history_and_audit_never_hold_plaintext(vault: TestClient, session: Session) -> None:
    record = vault.post(RECORDS, json={"name": "A", "resident_id": RESIDENT_ID, "pin": "9876"})
    record_id = record.json()["id"]
    updated = vault.patch(f"{RECORDS}/{record_id}", json={"pin": "5432"})
    assert updated.status_code == 200, updated.text
    history = vault.get(f"{RECORDS}/{record_id}/history").json()
    assert {"field": "pin", "encrypted": True} in history[-1]["changes"]
    dumped = " ".join(
        str(v) for v in session.execute(text("SELECT details FROM audit_events")).scalars()
    )
    assert "9876" not in dumped
    assert "5432" not in dumped
