"""AES-256-GCM ciphertexts bound to their column, and HMAC-SHA256 blind indexes.

A ciphertext is the text ``v1:<key id>:<base64(nonce | ciphertext | tag)>`` with a random 96-bit
nonce. The associated data is the column's ``<table>:<column>``, so a ciphertext copied into
another column (or another form's table) does not open. A blind index is the first 32 hex
characters of HMAC-SHA256 under the deployment's index key over the same context and the
normalised value: equal values in one column have equal indexes (equality filters, uniqueness),
equal values in different columns do not (no cross-column correlation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from brickwork.platform.crypto.errors import DecryptionFailed
from brickwork.platform.crypto.keyring import Keyring

FORMAT = "v1"
NONCE_BYTES = 12
BLIND_INDEX_CHARS = 32


class Cipher(Protocol):
    """What record storage needs from field encryption; ``context`` is ``<table>:<column>``."""

    def encrypt(self, plaintext: str, *, context: str) -> str: ...

    def decrypt(self, token: str, *, context: str) -> str: ...

    def blind_index(self, plaintext: str, *, context: str) -> str: ...


def key_id_of(token: str) -> str | None:
    """The key id a stored ciphertext names (None if it is not a ciphertext of this format)."""
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == FORMAT else None


class KeyringCipher:
    """The ``Cipher`` over a keyring that is loaded on first use (``load``) and then kept."""

    def __init__(self, load: Callable[[], Keyring]) -> None:
        self._load = load
        self._keyring: Keyring | None = None
        self._aeads: dict[str, AESGCM] = {}
        """One AES-GCM context per key id (setting one up costs as much as a decryption)."""

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            self._keyring = self._load()
        return self._keyring

    def reload(self) -> None:
        """Read the key file again at next use (after a key was added)."""
        self._keyring = None
        self._aeads = {}

    def encrypt(self, plaintext: str, *, context: str) -> str:
        keyring = self.keyring
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(keyring.keys[keyring.active]).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return f"{FORMAT}:{keyring.active}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, *, context: str) -> str:
        key_id = key_id_of(token)
        if key_id is None:
            raise DecryptionFailed(f"the value in {context} is not a {FORMAT} ciphertext")
        aead = self._aeads.get(key_id)
        if aead is None:
            key = self.keyring.keys.get(key_id)
            if key is None:
                raise DecryptionFailed(
                    f"the value in {context} was encrypted with key {key_id!r}, which the key "
                    "file does not hold"
                )
            aead = self._aeads[key_id] = AESGCM(key)
        try:
            raw = base64.b64decode(token.split(":", 2)[2], validate=True)
            opened = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
            text: str = opened.decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionFailed(
                f"the value in {context} does not open with key {key_id!r}: the key is wrong or "
                "the stored value was altered"
            ) from None
        return text

    def blind_index(self, plaintext: str, *, context: str) -> str:
        message = context.encode("utf-8") + b"\x00" + plaintext.encode("utf-8")
        digest = hmac.new(self.keyring.index_key, message, hashlib.sha256).hexdigest()
        return digest[:BLIND_INDEX_CHARS]

    def reencrypt(self, token: str, *, context: str) -> str | None:
        """The value under the active key, or None when it already is (rotation skips it)."""
        if key_id_of(token) == self.keyring.active:
            return None
        return self.encrypt(self.decrypt(token, context=context), context=context)
