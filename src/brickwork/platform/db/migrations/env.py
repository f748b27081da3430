"""Alembic environment: runs against the connection that ``brickwork.platform.db.migrate`` gives."""

from __future__ import annotations

from alembic import context

from brickwork.platform import models  # noqa: F401  (registers every table on the metadata)
from brickwork.platform.db.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `brickwork db upgrade`, which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
