"""Permissions: grants per role, primary departments, publish approval (maker-checker).

``roles.permissions`` holds the role's grants (app x form x actions, row scopes, field levels)
as JSON; ``user_departments.is_primary`` names the department a user's new records belong to;
``apps.publish_approval`` turns on maker-checker publishing, whose requests live in
``publish_requests``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import JsonText, UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roles") as batch:
        batch.add_column(sa.Column("permissions", JsonText(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("user_departments") as batch:
        batch.add_column(
            sa.Column("is_primary", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("apps") as batch:
        batch.add_column(
            sa.Column("publish_approval", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "publish_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("definition_id", sa.String(36), nullable=False),
        sa.Column("draft_revision", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(71), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("conversions", JsonText(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["definitions.id"],
            name=op.f("fk_publish_requests_definition_id_definitions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_requests")),
    )
    op.create_index(
        op.f("ix_publish_requests_definition_id"), "publish_requests", ["definition_id"]
    )
    op.create_index(op.f("ix_publish_requests_status"), "publish_requests", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_publish_requests_status"), table_name="publish_requests")
    op.drop_index(op.f("ix_publish_requests_definition_id"), table_name="publish_requests")
    op.drop_table("publish_requests")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("publish_approval")
    with op.batch_alter_table("user_departments") as batch:
        batch.drop_column("is_primary")
    with op.batch_alter_table("roles") as batch:
        batch.drop_column("description")
        batch.drop_column("permissions")
