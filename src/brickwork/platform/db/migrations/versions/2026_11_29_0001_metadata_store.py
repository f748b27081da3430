"""Metadata store: apps, definitions, immutable versions, instance settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import JsonText, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IMMUTABLE_MESSAGE = "definition versions are immutable"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER trg_definition_versions_no_update BEFORE UPDATE ON definition_versions
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}'); END""",
    f"""CREATE TRIGGER trg_definition_versions_no_delete BEFORE DELETE ON definition_versions
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}'); END""",
)
POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION brickwork_refuse_version_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{IMMUTABLE_MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER trg_definition_versions_immutable
    BEFORE UPDATE OR DELETE ON definition_versions
    FOR EACH ROW EXECUTE FUNCTION brickwork_refuse_version_change()""",
)


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "apps",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(63), nullable=False),
        sa.Column("label", JsonText(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apps")),
        sa.UniqueConstraint("key", name=op.f("uq_apps_key")),
    )
    op.create_table(
        "definitions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("app_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(63), nullable=False),
        sa.Column("draft", JsonText(), nullable=False),
        sa.Column("draft_revision", sa.Integer(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_definitions_app_id_apps"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definitions")),
        sa.UniqueConstraint("app_id", "kind", "key", name=op.f("uq_definitions_app_id_kind_key")),
    )
    op.create_index(op.f("ix_definitions_app_id"), "definitions", ["app_id"])
    op.create_table(
        "definition_versions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("definition_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", JsonText(), nullable=False),
        sa.Column("checksum", sa.String(80), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.Column("published_by", sa.String(128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["definitions.id"],
            name=op.f("fk_definition_versions_definition_id_definitions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definition_versions")),
        sa.UniqueConstraint(
            "definition_id", "version", name=op.f("uq_definition_versions_definition_id_version")
        ),
    )
    op.create_index(
        op.f("ix_definition_versions_definition_id"), "definition_versions", ["definition_id"]
    )
    op.create_table(
        "instance_settings",
        sa.Column("key", sa.String(63), nullable=False),
        sa.Column("value", JsonText(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_settings")),
    )
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS trg_definition_versions_no_update")
        op.execute("DROP TRIGGER IF EXISTS trg_definition_versions_no_delete")
    else:
        op.execute(
            "DROP TRIGGER IF EXISTS trg_definition_versions_immutable ON definition_versions"
        )
        op.execute("DROP FUNCTION IF EXISTS brickwork_refuse_version_change()")
    op.drop_table("instance_settings")
    op.drop_index(op.f("ix_definition_versions_definition_id"), table_name="definition_versions")
    op.drop_table("definition_versions")
    op.drop_index(op.f("ix_definitions_app_id"), table_name="definitions")
    op.drop_table("definitions")
    op.drop_table("apps")
