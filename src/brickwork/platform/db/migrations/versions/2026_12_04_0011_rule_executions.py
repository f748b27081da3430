"""Rule executions: what each rule did (or would have done, in shadow mode), per record, with
the de-duplication keys of alerts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import JsonText, UtcDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rule_executions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("app_key", sa.String(63), nullable=False),
        sa.Column("rule_key", sa.String(63), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(63), nullable=True),
        sa.Column("record_id", sa.String(36), nullable=True),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
        sa.Column("outcome", JsonText(), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_executions")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_rule_executions_dedupe_key")),
    )
    op.create_index(
        "ix_rule_executions_record", "rule_executions", ["app_key", "form_key", "record_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_rule_executions_record", table_name="rule_executions")
    op.drop_table("rule_executions")
