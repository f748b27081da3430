"""Record indexes: the default order and the row-scope columns of every form table, lookups.

Every published form's table gets the system indexes of ``records.layout.RECORD_INDEXES``
(``created_at`` newest first with ``id``; ``owner``, ``department`` and ``created_by`` each
followed by that order; ``deleted_at``) and one index per lookup field; the indexes on fields
that grants' row-scope expressions name come with the form's next publish. Core tables get the
indexes their foreign-key and owner lookups lacked.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from brickwork.platform.db.base import JsonText
from brickwork.platform.records.layout import (
    RECORD_INDEXES,
    TableLayout,
    field_index_name,
    record_index_name,
)
from brickwork.platform.records.schema_sync import create_indexes, missing_indexes

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORM_TABLES = sa.table("form_tables", sa.column("layout", JsonText()))


def _layouts() -> list[TableLayout]:
    rows = op.get_bind().execute(sa.select(FORM_TABLES.c.layout)).scalars()
    return [TableLayout.from_json(layout) for layout in rows]


def upgrade() -> None:
    op.create_index(
        op.f("ix_departments_head_user_id"), "departments", ["head_user_id"], unique=False
    )
    op.create_index(
        op.f("ix_stored_files_created_by"), "stored_files", ["created_by"], unique=False
    )
    connection = op.get_bind()
    for layout in _layouts():
        create_indexes(missing_indexes(layout, connection), connection)


def downgrade() -> None:
    connection = op.get_bind()
    for layout in _layouts():
        existing = {ix["name"] for ix in sa.inspect(connection).get_indexes(layout.table)}
        added = {record_index_name(layout.table, suffix) for suffix, _columns in RECORD_INDEXES}
        added |= {
            field_index_name(layout.table, column.column)
            for column in layout.live().values()
            if column.type_key == "ref"
        }
        for name in sorted(added & existing):
            op.drop_index(name, table_name=layout.table)
    op.drop_index(op.f("ix_stored_files_created_by"), table_name="stored_files")
    op.drop_index(op.f("ix_departments_head_user_id"), table_name="departments")
