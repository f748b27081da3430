"""PostgreSQL sessions compute in UTC whatever the server's (or database's) TimeZone says, as
SQLite and the expression engine do: the month of an instant, and a date-time literal without
an offset, mean the same on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from brickwork.platform.db.session import make_engine

LATE_ON_NEW_YEARS_EVE = "TIMESTAMPTZ '2025-12-31 16:30:00+00'"
"""Still December in UTC; already January in Shanghai."""


def test_postgresql_sessions_run_in_utc_whatever_the_server_says(
    fresh_database_urls: dict[str, str], postgres_admin_url: str
) -> None:
    url = fresh_database_urls.get("postgresql")
    if url is None:  # pragma: no cover - the fixture above skips (or fails in CI) first
        pytest.skip("no PostgreSQL server configured")
    name = make_url(url).database
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Shanghai'"))
    admin.dispose()
    month = f"SELECT EXTRACT(MONTH FROM {LATE_ON_NEW_YEARS_EVE})"
    local = f"SELECT {LATE_ON_NEW_YEARS_EVE} >= TIMESTAMP '2026-01-01 00:00:00'"

    plain = create_engine(url)
    with plain.connect() as connection:
        assert connection.execute(text("SHOW TimeZone")).scalar() == "Asia/Shanghai"
        assert connection.execute(text(month)).scalar() == 1, "the server's zone, unless set"
    plain.dispose()

    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SHOW TimeZone")).scalar() == "UTC"
        assert connection.execute(text(month)).scalar() == 12
        assert connection.execute(text(local)).scalar() is False
    engine.dispose()
