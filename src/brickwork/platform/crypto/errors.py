"""Failures of field encryption. Both are server faults (500): the request was fine, the
deployment's keys or stored ciphertexts are not."""

from __future__ import annotations

from brickwork.platform.errors import ServerFault


class KeyringError(ServerFault):
    """The key file is missing, unreadable, malformed or readable by others."""

    code = "keyring_invalid"
    title = "The encryption key file cannot be used"


class DecryptionFailed(ServerFault):
    """A stored ciphertext does not open with the key file's keys (wrong key or tampering)."""

    code = "decryption_failed"
    title = "A stored value could not be decrypted"
