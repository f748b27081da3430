"""Key rotation over real form tables: batches, resumability, readability throughout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from brickwork.platform.crypto.cipher import KeyringCipher
from brickwork.platform.crypto.keyring import load_keyring, write_keyring
from brickwork.platform.records.key_rotation import KeyRotation

API = "/api/v1"
RECORDS = f"{API}/apps/rot/forms/card/records"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
    {"id": "f_pan", "key": "pan", "type": "text", "label": "PAN", "encrypted": True},
    {
        "id": "f_lines",
        "key": "lines",
        "type": "subtable",
        "label": "Lines",
        "fields": [
            {"id": "f_secret", "key": "secret", "type": "text", "label": "S", "encrypted": True}
        ],
    },
]
COUNT = 7


@pytest.fixture
def cards(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "rot", "label": "Rot"})
    client.post(f"{API}/apps/rot/definitions", json={"kind": "form", "key": "card", "label": "C"})
    form = f"{API}/apps/rot/definitions/form/card"
    assert client.put(form, json={"label": "C", "spec": {"fields": FIELDS}}).status_code == 200
    assert client.post(f"{form}/publish", json={}).status_code == 201
    for number in range(COUNT):
        created = client.post(
            RECORDS,
            json={
                "name": f"n{number}",
                "pan": f"pan-{number}",
                "lines": [{"secret": f"s{number}"}],
            },
        )
        assert created.status_code == 201, created.text
    return client


def rotate_key(client: TestClient, tmp_path: Path) -> KeyringCipher:
    """Add and activate a new key in a copy of the app's key file, which this test's app then
    reads (the shared test key file stays as it is)."""
    cipher: KeyringCipher = client.app.state.records.cipher  # type: ignore[attr-defined]
    rotated, _ = cipher.keyring.with_new_key(activate=True)
    path = tmp_path / "keys.json"
    write_keyring(path, rotated, create=True)
    cipher._load = lambda: load_keyring(path)  # type: ignore[method-assign]
    cipher.reload()
    return cipher


def key_ids(session: Session) -> list[str]:
    tables = [str(t) for t in session.scalars(text("SELECT table_name FROM form_tables"))]
    main = next(t for t in tables if t.startswith("f_rot"))
    values = list(session.scalars(text(f"SELECT c_f_pan FROM {main}")))
    values += list(session.scalars(text(f"SELECT c_f_secret FROM {main}__f_lines")))
    return sorted({v.split(":")[1] for v in values})


def test_rotation_in_batches_keeps_every_record_readable(
    cards: TestClient, session: Session, tmp_path: Path
) -> None:
    cipher = rotate_key(cards, tmp_path)
    rotation = KeyRotation(cipher)
    before = rotation.status(session)
    assert before["counts"] == {"k1": 2 * COUNT, "k2": 0}
    reports = []
    while (report := rotation.step(session, batch=3)) is not None:
        reports.append(report)
        items = cards.get(RECORDS, params={"limit": 50}).json()["items"]
        assert sorted(r["pan"] for r in items) == [f"pan-{n}" for n in range(COUNT)]
    assert [r.reencrypted for r in reports] == [3, 3, 1, 3, 3, 1]
    assert reports[2].remaining == 0
    assert key_ids(session) == ["k2"]
    assert rotation.status(session)["counts"] == {"k1": 0, "k2": 2 * COUNT}
    found = cards.get(RECORDS, params={"filter": 'pan = "pan-4"'}).json()["items"]
    assert [r["name"] for r in found] == ["n4"]  # blind indexes survive rotation
    record = cards.get(f"{RECORDS}/{found[0]['id']}").json()
    assert record["lines"][0]["secret"] == "s4"


def test_interrupted_batch_is_resumed(cards: TestClient, session: Session, tmp_path: Path) -> None:
    rotation = KeyRotation(rotate_key(cards, tmp_path))
    assert rotation.step(session, batch=4) is not None

    def interrupted() -> None:
        with session.begin_nested():  # the batch's transaction, rolled back by the crash
            rotation.step(session, batch=4)
            raise RuntimeError("the process died mid-batch")

    with pytest.raises(RuntimeError):
        interrupted()
    assert rotation.status(session)["counts"] == {"k1": 2 * COUNT - 4, "k2": 4}
    steps = 0
    while rotation.step(session, batch=4) is not None:
        steps += 1
    assert steps == 3
    assert rotation.status(session)["counts"] == {"k1": 0, "k2": 2 * COUNT}
    assert rotation.step(session, batch=4) is None  # idempotent: nothing left to do
