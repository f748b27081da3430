"""The chain head's anchor: an HMAC over (last event id, last hash) with a key kept outside the
database, so removing events at the end of the trail (and rewriting the head to match) shows.

The anchor key is derived from an encryption key of the keyring (key file or
``BRICKWORK_SECRET_KEYS``) and never stored; the head records which key signed it
(``anchor_key``), so after ``brickwork keys rotate`` the old anchor still verifies until the next
event re-signs the head with the active key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ANCHOR_CONTEXT = b"brickwork audit anchor v1"
KeySource = Callable[[], tuple[str, Mapping[str, bytes]]]
"""Returns (active key id, every key by id): the keyring's encryption keys."""


def derived_key(key: bytes) -> bytes:
    """The anchor key of an encryption key (one key never serves two purposes)."""
    return hmac.new(key, ANCHOR_CONTEXT, hashlib.sha256).digest()


def anchor_of(key: bytes, last_event_id: int, last_hash: str) -> str:
    message = f"{last_event_id}:{last_hash}".encode()
    return "hmac-sha256:" + hmac.new(derived_key(key), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AnchorKeys:
    source: KeySource

    def sign(self, last_event_id: int, last_hash: str) -> tuple[str, str]:
        """(key id, anchor) with the active key."""
        active, keys = self.source()
        return active, anchor_of(keys[active], last_event_id, last_hash)

    def check(
        self, key_id: str | None, anchor: str | None, last_event_id: int, last_hash: str
    ) -> str | None:
        """Why the anchor does not hold (None when it does)."""
        if key_id is None or anchor is None:
            return "the chain head carries no anchor"
        key = self.source()[1].get(key_id)
        if key is None:
            return f"the chain head was anchored with key {key_id!r}, which the keyring lacks"
        expected = anchor_of(key, last_event_id, last_hash)
        if not hmac.compare_digest(expected, anchor):
            return "the chain head's anchor does not match its last event: the head was rewritten"
        return None
