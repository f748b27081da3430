"""Records: form table registry, serial number counters, record change history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import JsonText, UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "form_tables",
        sa.Column("definition_id", sa.String(36), nullable=False),
        sa.Column("table_name", sa.String(63), nullable=False),
        sa.Column("applied_version", sa.Integer(), nullable=False),
        sa.Column("layout", JsonText(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["definitions.id"],
            name=op.f("fk_form_tables_definition_id_definitions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("definition_id", name=op.f("pk_form_tables")),
        sa.UniqueConstraint("table_name", name=op.f("uq_form_tables_table_name")),
    )
    op.create_table(
        "serial_counters",
        sa.Column("scope", sa.String(120), nullable=False),
        sa.Column("prefix", sa.String(100), nullable=False),
        sa.Column("value", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("scope", "prefix", name=op.f("pk_serial_counters")),
    )
    op.create_table(
        "record_changes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("definition_id", sa.String(36), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("changes", JsonText(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_changes")),
    )
    op.create_index("ix_record_changes_record", "record_changes", ["definition_id", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_changes_record", table_name="record_changes")
    op.drop_table("record_changes")
    op.drop_table("serial_counters")
    op.drop_table("form_tables")
