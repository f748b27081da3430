"""The key file and the cipher: permissions, format, AEAD binding, blind indexes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from brickwork.platform.crypto.cipher import KeyringCipher
from brickwork.platform.crypto.errors import DecryptionFailed, KeyringError
from brickwork.platform.crypto.keyring import (
    ensure_key_file,
    load_keyring,
    new_keyring,
    write_keyring,
)


def test_created_with_mode_0600_and_loaded(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    assert ensure_key_file(path) is True
    assert ensure_key_file(path) is False
    assert (path.stat().st_mode & 0o777) == 0o600
    keyring = load_keyring(path)
    assert keyring.active == "k1"
    assert len(keyring.keys["k1"]) == 32
    assert str(keyring.keys["k1"]) not in repr(keyring)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "keys.json"
    ensure_key_file(path)
    path.chmod(mode)
    with pytest.raises(KeyringError, match="chmod 600"):
        load_keyring(path)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not valid JSON"),
        ({"keys": {}}, "'active' must name"),
        ({"active": "k1", "keys": {"k1": {"enc": "AAAA", "index": "AAAA"}}}, "32 bytes"),
        ([], "must be an object"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, document: object, message: str) -> None:
    path = tmp_path / "keys.json"
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(KeyringError, match=message):
        load_keyring(path)


def test_missing_file_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="brickwork keys init"):
        load_keyring(tmp_path / "absent.json")


def test_index_keys_must_agree(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    first, second = new_keyring().to_json(), new_keyring().to_json()
    document = {"active": "k1", "keys": {"k1": first["keys"]["k1"], "k2": second["keys"]["k1"]}}
    path.write_text(json.dumps(document), encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(KeyringError, match="same index key"):
        load_keyring(path)


def test_new_key_keeps_the_index_key(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ensure_key_file(path)
    before = load_keyring(path)
    after, key_id = before.with_new_key(activate=True)
    write_keyring(path, after)
    reloaded = load_keyring(path)
    assert (key_id, reloaded.active, sorted(reloaded.keys)) == ("k2", "k2", ["k1", "k2"])
    assert reloaded.index_key == before.index_key
    assert (path.stat().st_mode & 0o777) == 0o600


def test_aead_binds_the_value_to_its_column() -> None:
    keyring = new_keyring()
    cipher = KeyringCipher(lambda: keyring)
    token = cipher.encrypt('"secret"', context="f_a:c_x")
    assert token.startswith("v1:k1:")
    assert cipher.encrypt('"secret"', context="f_a:c_x") != token  # random nonce
    assert cipher.decrypt(token, context="f_a:c_x") == '"secret"'
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(token, context="f_a:c_y")
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(token, context="f_b:c_x")


def test_wrong_key_and_unknown_key_fail() -> None:
    token = KeyringCipher(new_keyring).encrypt("1", context="t:c")
    with pytest.raises(DecryptionFailed, match="altered"):
        KeyringCipher(new_keyring).decrypt(token, context="t:c")
    with pytest.raises(DecryptionFailed, match="does not hold"):
        KeyringCipher(new_keyring).decrypt(token.replace("v1:k1:", "v1:k9:"), context="t:c")
    with pytest.raises(DecryptionFailed, match="not a v1"):
        KeyringCipher(new_keyring).decrypt("plain text", context="t:c")


def test_blind_index_is_stable_across_rotation_and_bound_to_column() -> None:
    keyring = new_keyring()
    rotated, _ = keyring.with_new_key(activate=True)
    old, new = KeyringCipher(lambda: keyring), KeyringCipher(lambda: rotated)
    index = old.blind_index('"x"', context="t:c")
    assert len(index) == 32
    assert new.blind_index('"x"', context="t:c") == index
    assert old.blind_index('"x"', context="t:d") != index
    assert old.blind_index('"y"', context="t:c") != index
    token = old.encrypt('"x"', context="t:c")
    assert new.decrypt(token, context="t:c") == '"x"'
    fresh = new.reencrypt(token, context="t:c")
    assert fresh is not None
    assert fresh.startswith("v1:k2:")
    assert new.reencrypt(fresh, context="t:c") is None
