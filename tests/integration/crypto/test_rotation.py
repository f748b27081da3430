"""Key rotation over real form tables: batches, resumability, readability throughout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from brickwork.platform.auth.mfa import SECRET_CONTEXT as MFA_SECRET
from brickwork.platform.crypto.cipher import KeyringCipher
from brickwork.platform.crypto.keyring import load_keyring, write_keyring
from brickwork.platform.models import Webhook
from brickwork.platform.notifications.webhooks import SECRET_CONTEXT as WEBHOOK_SECRET
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


def stored_secrets(session: Session) -> int:
    """Ciphertexts in all: the form's, and the platform's (the signed-in administrator's MFA
    seed, webhook secrets)."""
    seeds = session.scalar(text("SELECT count(*) FROM users WHERE mfa_secret IS NOT NULL"))
    hooks = session.scalar(text("SELECT count(*) FROM webhooks"))
    return 2 * COUNT + int(seeds or 0) + int(hooks or 0)


def test_rotation_in_batches_keeps_every_record_readable(
    cards: TestClient, session: Session, tmp_path: Path
) -> None:
    cipher = rotate_key(cards, tmp_path)
    rotation = KeyRotation(cipher)
    total = stored_secrets(session)
    before = rotation.status(session)
    assert before["counts"] == {"k1": total, "k2": 0}
    reports = []
    while (report := rotation.step(session, batch=3)) is not None:
        reports.append(report)
        items = cards.get(RECORDS, params={"limit": 50}).json()["items"]
        assert sorted(r["pan"] for r in items) == [f"pan-{n}" for n in range(COUNT)]
    assert [r.reencrypted for r in reports] == [3, 3, 1, 3, 3, 1, total - 2 * COUNT]
    assert reports[2].remaining == 0
    assert key_ids(session) == ["k2"]
    assert rotation.status(session)["counts"] == {"k1": 0, "k2": total}
    found = cards.get(RECORDS, params={"filter": 'pan = "pan-4"'}).json()["items"]
    assert [r["name"] for r in found] == ["n4"]  # blind indexes survive rotation
    record = cards.get(f"{RECORDS}/{found[0]['id']}").json()
    assert record["lines"][0]["secret"] == "s4"


def test_interrupted_batch_is_resumed(cards: TestClient, session: Session, tmp_path: Path) -> None:
    rotation = KeyRotation(rotate_key(cards, tmp_path))
    total = stored_secrets(session)
    assert rotation.step(session, batch=4) is not None

    def interrupted() -> None:
        with session.begin_nested():  # the batch's transaction, rolled back by the crash
            rotation.step(session, batch=4)
            raise RuntimeError("the process died mid-batch")

    with pytest.raises(RuntimeError):
        interrupted()
    assert rotation.status(session)["counts"] == {"k1": total - 4, "k2": 4}
    steps = 0
    while rotation.step(session, batch=4) is not None:
        steps += 1
    assert steps == 3 + (total - 2 * COUNT)  # the platform's secrets sit in tables of their own
    assert rotation.status(session)["counts"] == {"k1": 0, "k2": total}
    assert rotation.step(session, batch=4) is None  # idempotent: nothing left to do


def test_mfa_seeds_and_webhook_secrets_rotate_too(
    cards: TestClient, session: Session, tmp_path: Path
) -> None:
    """The platform's own secrets sit under the same key file: after a rotation nothing is left
    under the old key, and each secret still works."""
    state = cards.app.state  # type: ignore[attr-defined]
    old: KeyringCipher = state.records.cipher
    session.add(
        Webhook(
            key="siem",
            url="https://siem.example/hook",
            secret=old.encrypt("s" * 32, context=WEBHOOK_SECRET),
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            updated_by="setup",
        )
    )
    user = state.identities.repo.user_by_username(session, "admin")
    seed = pyotp.random_base32()
    user.mfa_secret = old.encrypt(seed, context=MFA_SECRET)
    session.flush()
    rotation = KeyRotation(rotate_key(cards, tmp_path))
    total = stored_secrets(session)
    assert total == 2 * COUNT + 2  # the administrator's seed (replaced here) and the webhook
    assert rotation.status(session)["counts"] == {"k1": total, "k2": 0}
    while rotation.step(session, batch=50) is not None:
        pass
    assert rotation.status(session)["counts"] == {"k1": 0, "k2": total}
    stored = session.scalars(text("SELECT secret FROM webhooks")).one()
    assert stored.split(":")[1] == "k2"
    webhooks = state.notifications.webhooks
    assert webhooks.target(session, "siem") == ("https://siem.example/hook", "s" * 32)
    session.refresh(user)
    assert user.mfa_secret.split(":")[1] == "k2"
    user.mfa_last_step = None
    code = pyotp.TOTP(seed).at(state.clock())
    assert state.identities.mfa.code_ok(user, code)
