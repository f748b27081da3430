"""SQL of records. Nothing else in the area runs queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from brickwork.platform.models import SerialCounter

UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class RecordRepository:
    def next_serial(self, session: Session | Connection, scope: str, prefix: str) -> int:
        """Take the next number of a counter atomically (one statement, row-locked upsert)."""
        dialect = (
            session.get_bind().dialect.name
            if isinstance(session, Session)
            else (session.dialect.name)
        )
        insert = UPSERTS[dialect]
        statement = (
            insert(SerialCounter)
            .values(scope=scope, prefix=prefix, value=1)
            .on_conflict_do_update(
                index_elements=[SerialCounter.scope, SerialCounter.prefix],
                set_={"value": SerialCounter.value + 1},
            )
            .returning(SerialCounter.value)
        )
        value: int = session.execute(statement).scalar_one()
        return value
