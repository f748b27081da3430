"""Key rotation: move every stored ciphertext to the active key, one batch at a time: fields of
every form table (retired columns too) and the platform's own secrets (MFA seeds, webhook
signing secrets).

Each call of ``KeyRotation.step`` re-encrypts one batch of one column in the caller's
transaction; the command commits after each, so an interruption loses at most one batch and a
second run carries on where the first stopped (values already under the active key are skipped).
Blind indexes are untouched: the index key never rotates (see ``keyring``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.crypto.cipher import FORMAT, KeyringCipher
from brickwork.platform.crypto.repository import KeyRepository
from brickwork.platform.records.layout import ENCRYPTED, TableLayout


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    table: str
    column: str
    key: str = "id"
    """The row's primary key column."""

    @property
    def context(self) -> str:
        return f"{self.table}:{self.column}"


@dataclass(frozen=True, slots=True)
class BatchReport:
    column: EncryptedColumn
    reencrypted: int
    remaining: int


PLATFORM_SECRETS = (
    EncryptedColumn("users", "mfa_secret"),
    EncryptedColumn("webhooks", "secret", key="key"),
)
"""Secrets the platform keeps under the same key file: MFA seeds and webhook signing secrets
(their encryption context is `table:column` too)."""


def _columns_of(layout: TableLayout) -> Iterator[EncryptedColumn]:
    """Retired columns too: their data is kept, so it must stay readable."""
    for item in layout.columns:
        if item.type_key == ENCRYPTED:
            yield EncryptedColumn(layout.table, item.column)
    for child in layout.children:
        for item in child.columns:
            if item.type_key == ENCRYPTED:
                yield EncryptedColumn(child.table, item.column)


class KeyRotation:
    def __init__(self, cipher: KeyringCipher, repository: KeyRepository | None = None) -> None:
        self.cipher = cipher
        self.repo = repository or KeyRepository()

    def columns(self, session: Session) -> list[EncryptedColumn]:
        found: list[EncryptedColumn] = list(PLATFORM_SECRETS)
        for layout in self.repo.layouts(session):
            found.extend(_columns_of(TableLayout.from_json(layout)))
        return sorted(found, key=lambda c: (c.table, c.column))

    def _prefix(self) -> str:
        return f"{FORMAT}:{self.cipher.keyring.active}:"

    def step(self, session: Session, *, batch: int = 500) -> BatchReport | None:
        """Re-encrypt one batch of the first column that has values under an older key; None
        when every value is under the active key."""
        prefix = self._prefix()
        for target in self.columns(session):
            rows = self.repo.stale(
                session, target.table, target.column, prefix, batch, key=target.key
            )
            if not rows:
                continue
            done = 0
            for row_id, token in rows:
                fresh = self.cipher.reencrypt(token, context=target.context)
                if fresh is not None:
                    done += self.repo.replace(
                        session, target.table, target.column, row_id, token, fresh, key=target.key
                    )
            total = self.repo.count(session, target.table, target.column)
            current = self.repo.count(session, target.table, target.column, prefix)
            return BatchReport(target, done, total - current)
        return None

    def status(self, session: Session) -> dict[str, Any]:
        """Ciphertexts per key id (``unknown``: values naming no key of the file) and in all."""
        keys = sorted(self.cipher.keyring.keys)
        counts = dict.fromkeys(keys, 0)
        total = 0
        for target in self.columns(session):
            total += self.repo.count(session, target.table, target.column)
            for key_id in keys:
                counts[key_id] += self.repo.count(
                    session, target.table, target.column, f"{FORMAT}:{key_id}:"
                )
        return {
            "active": self.cipher.keyring.active,
            "counts": counts,
            "unknown": total - sum(counts.values()),
            "total": total,
        }
