"""Files: an index on the uploader, so each upload's quota check sums one user's files.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_stored_files_created_by"), "stored_files", ["created_by"])


def downgrade() -> None:
    op.drop_index(op.f("ix_stored_files_created_by"), table_name="stored_files")
