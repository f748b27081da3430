"""The migrations build exactly the schema the models describe, and are date-named."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from brickwork.platform import models  # noqa: F401
from brickwork.platform.db import migrate
from brickwork.platform.db.base import Base

VERSIONS = Path(migrate.__file__).with_name("migrations") / "versions"


def test_models_and_migrations_agree(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_database_is_at_head(db_engine: Engine) -> None:
    assert migrate.current_revision(db_engine) == migrate.head_revision()


def test_migration_files_are_date_named() -> None:
    names = [p.name for p in VERSIONS.glob("*.py")]
    assert names
    for name in names:
        assert re.match(r"^\d{4}_\d{2}_\d{2}_\w+\.py$", name), name
