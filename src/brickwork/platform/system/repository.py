"""SQL of instance settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.models import InstanceSetting


class InstanceRepository:
    def get(self, session: Session, key: str) -> InstanceSetting | None:
        return session.get(InstanceSetting, key)

    def put(self, session: Session, row: InstanceSetting) -> None:
        session.add(row)
        session.flush()

    def value(self, session: Session, key: str) -> Any:
        row = self.get(session, key)
        return None if row is None else row.value
