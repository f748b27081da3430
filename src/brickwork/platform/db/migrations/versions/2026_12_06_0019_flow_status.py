"""Records show the status of their flow: ``flow_status`` of every record with a flow is set
from the flow started last on it (subflows left out), as the flow service keeps it from now on.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOUND_TABLES = sa.text(
    "SELECT DISTINCT fi.app_key, fi.form_key, ft.table_name FROM flow_instances fi"
    " JOIN apps a ON a.key = fi.app_key"
    " JOIN definitions d ON d.app_id = a.id AND d.kind = 'form' AND d.key = fi.form_key"
    " JOIN form_tables ft ON ft.definition_id = d.id"
    " WHERE fi.parent_id IS NULL"
)


def upgrade() -> None:
    bind = op.get_bind()
    for app_key, form_key, table_name in bind.execute(BOUND_TABLES).all():
        table = bind.dialect.identifier_preparer.quote(table_name)
        latest = (
            "SELECT fi.status FROM flow_instances fi"
            " WHERE fi.app_key = :app AND fi.form_key = :form AND fi.parent_id IS NULL"
            f" AND fi.record_id = {table}.id"
            " ORDER BY fi.started_at DESC, fi.id DESC LIMIT 1"
        )
        with_flows = (
            "SELECT record_id FROM flow_instances"
            " WHERE app_key = :app AND form_key = :form AND parent_id IS NULL"
        )
        bind.execute(
            sa.text(f"UPDATE {table} SET flow_status = ({latest}) WHERE id IN ({with_flows})"),
            {"app": app_key, "form": form_key},
        )


def downgrade() -> None:
    """The column was there before; its values, derived from the flows, stay."""
