"""Content-addressed file storage on disk: ``<root>/<first 2 hex>/<sha256>``.

Identical content is stored once. Writes go to a temporary file in the target directory, are
flushed to disk and then renamed into place, so a reader never sees a half-written file and a
crash leaves at most a stray temporary file. This module knows bytes and digests only: it must not
touch the database, know file names or media types, or decide who may read what.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from brickwork.platform.db.filemodes import PRIVATE_DIR, private_dir

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
TEMP_PREFIX = ".incoming-"


@dataclass(frozen=True, slots=True)
class Blob:
    """Stored content: its digest, its size and whether this call wrote it."""

    sha256: str
    size: int
    written: bool


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class FileStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """Where content with this digest lives (the digest is checked: it becomes a path)."""
        if not SHA256_HEX.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def put(self, content: bytes) -> Blob:
        """Store the bytes unless identical content is already there."""
        sha256 = digest(content)
        target = self.path_of(sha256)
        if target.is_file() and target.stat().st_size == len(content):
            return Blob(sha256, len(content), written=False)
        private_dir(self.root)
        target.parent.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        # mkstemp creates the file 0600, and the rename keeps that mode.
        descriptor, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            # Same directory, so the rename is atomic; a concurrent writer of the same content
            # replaces identical bytes.
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return Blob(sha256, len(content), written=True)

    def read(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()
