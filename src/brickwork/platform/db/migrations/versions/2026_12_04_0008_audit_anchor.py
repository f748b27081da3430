"""Audit anchor: the chain head carries an HMAC over (last event id, last hash) and the id of
the key that made it, so removing events at the end of the trail is detected.

An existing trail stays unanchored until ``brickwork audit anchor`` checks it and signs its head
(``audit verify`` reports ``anchor_missing`` until then).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_chain") as batch:
        batch.add_column(sa.Column("anchor_key", sa.String(32), nullable=True))
        batch.add_column(sa.Column("anchor", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_chain") as batch:
        batch.drop_column("anchor")
        batch.drop_column("anchor_key")
