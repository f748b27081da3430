"""Flow runs: instances pinned to a flow version with their live state, tasks (the inbox),
the timeline, idempotency keys of commands, and out-of-office delegation.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import JsonText, UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "flow_instances",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("app_key", sa.String(63), nullable=False),
        sa.Column("flow_key", sa.String(63), nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(63), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("initiator", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", JsonText(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("running_key", sa.String(300), nullable=True),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("parent_node", sa.String(63), nullable=True),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_instances")),
        sa.UniqueConstraint("running_key", name=op.f("uq_flow_instances_running_key")),
    )
    op.create_index(
        "ix_flow_instances_record", "flow_instances", ["app_key", "form_key", "record_id"]
    )
    op.create_index("ix_flow_instances_initiator", "flow_instances", ["initiator", "started_at"])
    op.create_index("ix_flow_instances_parent_id", "flow_instances", ["parent_id"])
    op.create_table(
        "flow_tasks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("node", sa.String(63), nullable=False),
        sa.Column("assignee", sa.String(128), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("due", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["flow_instances.id"],
            name=op.f("fk_flow_tasks_instance_id_flow_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_tasks")),
        sa.UniqueConstraint("instance_id", "task", name=op.f("uq_flow_tasks_instance_id_task")),
    )
    op.create_index("ix_flow_tasks_instance_id", "flow_tasks", ["instance_id"])
    op.create_index(
        "ix_flow_tasks_inbox", "flow_tasks", ["assignee", "status", "kind", "created_at"]
    )
    op.create_table(
        "flow_history",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("node", sa.String(63), nullable=True),
        sa.Column("task", sa.String(32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("detail", JsonText(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["flow_instances.id"],
            name=op.f("fk_flow_history_instance_id_flow_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_history")),
        sa.UniqueConstraint("instance_id", "seq", name=op.f("uq_flow_history_instance_id_seq")),
    )
    op.create_table(
        "flow_commands",
        sa.Column("instance_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["flow_instances.id"],
            name=op.f("fk_flow_commands_instance_id_flow_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("instance_id", "key", name=op.f("pk_flow_commands")),
    )
    op.create_table(
        "out_of_office",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("delegate", sa.String(128), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_out_of_office")),
    )
    op.create_index("ix_out_of_office_user", "out_of_office", ["username", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_out_of_office_user", table_name="out_of_office")
    op.drop_table("out_of_office")
    op.drop_table("flow_commands")
    op.drop_table("flow_history")
    op.drop_index("ix_flow_tasks_inbox", table_name="flow_tasks")
    op.drop_index("ix_flow_tasks_instance_id", table_name="flow_tasks")
    op.drop_table("flow_tasks")
    op.drop_index("ix_flow_instances_parent_id", table_name="flow_instances")
    op.drop_index("ix_flow_instances_initiator", table_name="flow_instances")
    op.drop_index("ix_flow_instances_record", table_name="flow_instances")
    op.drop_table("flow_instances")
