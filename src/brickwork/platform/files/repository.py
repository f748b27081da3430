"""SQL of the file store's metadata (``stored_files``). Nothing else in the area runs queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brickwork.platform.models import StoredFile


class FileRepository:
    def get(self, session: Session, file_id: str) -> StoredFile | None:
        return session.get(StoredFile, file_id)

    def many(self, session: Session, file_ids: Collection[str]) -> Sequence[StoredFile]:
        if not file_ids:
            return ()
        query = select(StoredFile).where(StoredFile.id.in_(sorted(file_ids)))
        return session.scalars(query).all()

    def add(self, session: Session, row: StoredFile) -> None:
        session.add(row)
        session.flush()

    def stored_bytes(self, session: Session, username: str) -> int:
        """Bytes of every file ``username`` uploaded (each upload counts, shared content too)."""
        query = select(func.coalesce(func.sum(StoredFile.size), 0)).where(
            StoredFile.created_by == username
        )
        return int(session.scalar(query) or 0)
