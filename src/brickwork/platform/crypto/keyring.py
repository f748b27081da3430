"""The key file: which keys exist, which one encrypts, and the blind-index key.

Format (JSON, permissions 0600)::

    {"active": "k2", "keys": {"k1": {"enc": "<base64 32 bytes>", "index": "<base64 32 bytes>"},
                              "k2": {...}}}

``enc`` keys encrypt (AES-256-GCM); each ciphertext names the key that made it, so old keys keep
decrypting until rotation has moved every value to the active key. ``index`` is the blind-index
(HMAC) key. It is one per deployment: every entry carries the same one and rotation never changes
it, because blind indexes are what equality filters and unique indexes compare; a new index key
would silently stop every existing index from matching. The loader refuses a file whose entries
disagree on it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brickwork.platform.crypto.errors import KeyringError

log = logging.getLogger(__name__)

KEY_BYTES = 32
KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,32}$")
KEY_FILE_NAME = "keys.json"


@dataclass(frozen=True, slots=True)
class Keyring:
    active: str
    keys: Mapping[str, bytes] = field(repr=False)
    index_key: bytes = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        index = _b64(self.index_key)
        return {
            "active": self.active,
            "keys": {
                key_id: {"enc": _b64(key), "index": index} for key_id, key in self.keys.items()
            },
        }

    def with_new_key(self, *, activate: bool) -> tuple[Keyring, str]:
        """A keyring with one more (random) encryption key; the index key is kept."""
        key_id = next_key_id(self.keys)
        keys = {**self.keys, key_id: secrets.token_bytes(KEY_BYTES)}
        return Keyring(key_id if activate else self.active, keys, self.index_key), key_id


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def next_key_id(existing: Mapping[str, bytes]) -> str:
    numbers = [int(k[1:]) for k in existing if re.fullmatch(r"k\d+", k)]
    return f"k{max(numbers, default=0) + 1}"


def new_keyring() -> Keyring:
    return Keyring("k1", {"k1": secrets.token_bytes(KEY_BYTES)}, secrets.token_bytes(KEY_BYTES))


def key_file_path(data_dir: Path, configured: Path | None) -> Path:
    return configured if configured is not None else data_dir / KEY_FILE_NAME


def _decode(path: Path | str, key_id: str, part: str, value: object) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"key file {path}: keys.{key_id}.{part} must be 32 bytes in base64")
    return raw


def check_permissions(path: Path) -> None:
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyringError(
            f"key file {path} is accessible to group or others (mode {mode:o}); "
            f"restrict it with `chmod 600 {path}`"
        )


def load_keyring(path: Path) -> Keyring:
    """Read and check the key file; every problem is a ``KeyringError`` naming the file."""
    try:
        check_permissions(path)
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyringError(
            f"key file {path} does not exist; create it with `brickwork keys init`"
        ) from None
    except OSError as exc:
        raise KeyringError(f"key file {path} cannot be read: {exc.strerror}") from None
    except ValueError:
        raise KeyringError(f"key file {path} is not valid JSON") from None
    return _parse(path, document)


def parse_keyring(text: str, source: str) -> Keyring:
    """A keyring from the JSON text of a key file held elsewhere (``source`` names it in
    messages, e.g. the environment variable); never echoes the text."""
    try:
        document = json.loads(text)
    except ValueError:
        raise KeyringError(f"{source} is not valid JSON") from None
    return _parse(source, document)


def _parse(path: Path | str, document: object) -> Keyring:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), dict):
        raise KeyringError(f"key file {path} must be an object with 'active' and 'keys'")
    keys: dict[str, bytes] = {}
    index_keys: set[bytes] = set()
    for key_id, entry in document["keys"].items():
        if not KEY_ID.match(key_id) or not isinstance(entry, dict):
            raise KeyringError(f"key file {path}: {key_id!r} is not a valid key entry")
        keys[key_id] = _decode(path, key_id, "enc", entry.get("enc"))
        index_keys.add(_decode(path, key_id, "index", entry.get("index")))
    active = document.get("active")
    if not isinstance(active, str) or active not in keys:
        raise KeyringError(f"key file {path}: 'active' must name one of its keys")
    if len(index_keys) != 1:
        raise KeyringError(
            f"key file {path}: every key must carry the same index key (blind indexes would "
            "stop matching otherwise)"
        )
    return Keyring(active, keys, index_keys.pop())


def write_keyring(path: Path, keyring: Keyring, *, create: bool = False) -> None:
    """Write the key file with mode 0600 (atomically; with ``create`` only if it is absent)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = json.dumps(keyring.to_json(), indent=2) + "\n"
    target = path if create else path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        descriptor = os.open(target, flags, 0o600)
    except FileExistsError:
        raise KeyringError(f"key file {target} already exists; nothing was changed") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    if not create:
        os.replace(target, path)


def ensure_key_file(path: Path) -> bool:
    """Create a key file with one fresh key when there is none; True when it was created."""
    if path.exists():
        return False
    write_keyring(path, new_keyring(), create=True)
    log.warning("created a new encryption key file at %s (mode 0600); back it up", path)
    return True
