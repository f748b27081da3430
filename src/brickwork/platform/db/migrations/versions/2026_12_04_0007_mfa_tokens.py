"""Multi-factor sign-in, sign-in throttling and account inactivity.

``users`` gains the encrypted TOTP secret, its confirmation time and the last accepted time step,
and ``enabled_at`` (the inactivity period restarts when an administrator enables an account);
``roles.require_mfa`` asks a business role's holders for a TOTP code; ``mfa_recovery_codes``
holds one-time recovery codes (hashed); ``sign_in_failures`` records failed sign-ins by source
address for the per-source backoff and the account lock.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("enabled_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("mfa_secret", sa.Text(), nullable=True))
        batch.add_column(sa.Column("mfa_enabled_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("roles") as batch:
        batch.add_column(
            sa.Column("require_mfa", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mfa_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
    )
    op.create_index(op.f("ix_mfa_recovery_codes_user_id"), "mfa_recovery_codes", ["user_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_source_at", "sign_in_failures", ["source", "at"])
    op.create_index("ix_sign_in_failures_user_id_at", "sign_in_failures", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_user_id_at", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_source_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index(op.f("ix_mfa_recovery_codes_user_id"), table_name="mfa_recovery_codes")
    op.drop_table("mfa_recovery_codes")
    with op.batch_alter_table("roles") as batch:
        batch.drop_column("require_mfa")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mfa_last_step")
        batch.drop_column("mfa_enabled_at")
        batch.drop_column("mfa_secret")
        batch.drop_column("enabled_at")
