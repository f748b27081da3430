"""SQL of reports: running the one statement a report compiles to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session


class ReportRepository:
    def rows(self, session: Session, statement: Select[Any]) -> Sequence[Row[Any]]:
        return session.execute(statement).all()
