"""Each app's menu (order, hidden entries, groups): ``apps.navigation``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import JsonText

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a nullable column is added in place on both databases (a batch would copy `apps`, which
    # other tables' foreign keys refer to)
    op.add_column("apps", sa.Column("navigation", JsonText(), nullable=True))


def downgrade() -> None:
    op.drop_column("apps", "navigation")  # in place too (SQLite 3.35 and later)
