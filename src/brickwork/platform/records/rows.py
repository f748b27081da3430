"""Converting between a form's values and its table rows (main row plus child rows)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Table

from brickwork.engines.form.definition import FormDefinition, SubtableField
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import coerce_value
from brickwork.engines.form.fieldtypes.base import CoerceContext
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.records.layout import (
    ChildLayout,
    ColumnLayout,
    TableLayout,
    TableSet,
    build_tables,
)
from brickwork.platform.records.storage import from_columns, to_columns

SYSTEM_FIELDS = (
    "id",
    "version",
    "form_version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "owner",
    "department",
    "flow_status",
    "deleted_at",
)


@dataclass(frozen=True, slots=True)
class ChildShape:
    field: SubtableField
    layout: ChildLayout
    table: Table
    columns: tuple[tuple[FieldBase, ColumnLayout], ...]


@dataclass(slots=True)
class FormShape:
    """A published form as stored: its fields matched to live columns and child tables."""

    definition: FormDefinition
    layout: TableLayout
    tables: TableSet
    columns: tuple[tuple[FieldBase, ColumnLayout], ...] = ()
    children: tuple[ChildShape, ...] = ()
    by_key: dict[str, FieldBase] = field(default_factory=dict)
    cipher: Cipher | None = None
    """Encrypts and decrypts the form's ``encrypted`` fields (None: the form may have none)."""

    @property
    def main(self) -> Table:
        return self.tables.main


def shape_of(
    definition: FormDefinition, layout: TableLayout, *, cipher: Cipher | None = None
) -> FormShape:
    tables = build_tables(layout)
    live = layout.live()
    children_by_id = {child.field_id: child for child in layout.children if not child.retired}
    columns: list[tuple[FieldBase, ColumnLayout]] = []
    children: list[ChildShape] = []
    for item in definition.fields:
        if isinstance(item, SubtableField):
            child = children_by_id[item.id]
            child_live = child.live()
            children.append(
                ChildShape(
                    item,
                    child,
                    tables.children[item.id],
                    tuple((row, child_live[row.id]) for row in item.fields),
                )
            )
        else:
            columns.append((item, live[item.id]))
    return FormShape(
        definition,
        layout,
        tables,
        tuple(columns),
        tuple(children),
        {f.key: f for f in definition.fields},
        cipher,
    )


def main_values(shape: FormShape, values: Mapping[str, Any]) -> dict[str, Any]:
    """Column values of the main row for typed field values (by key)."""
    row: dict[str, Any] = {}
    table = shape.main.name
    for item, column in shape.columns:
        if item.key in values:
            row.update(to_columns(item, column, values[item.key], cipher=shape.cipher, table=table))
    return row


def child_values(
    child: ChildShape, values: Mapping[str, Any], *, cipher: Cipher | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for item, column in child.columns:
        row.update(
            to_columns(item, column, values.get(item.key), cipher=cipher, table=child.table.name)
        )
    return row


Reveal = Callable[[FieldBase, Any], Any]
"""The masking hook: given a field and its decrypted JSON-form value, what the reader may see."""


def _plain(_field: FieldBase, value: Any) -> Any:
    return value


def record_json(
    shape: FormShape,
    row: Mapping[str, Any],
    rows_by_child: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    *,
    reveal: Reveal = _plain,
) -> dict[str, Any]:
    """The API form of a record: system fields, then field values by key (JSON form).

    Encrypted fields come back decrypted. ``reveal`` is where per-permission masking (DESIGN §8)
    plugs in; until field permissions exist every caller gets the plaintext."""
    out: dict[str, Any] = {name: row[name] for name in SYSTEM_FIELDS}
    cipher, table = shape.cipher, shape.main.name
    for item, column in shape.columns:
        out[item.key] = reveal(item, from_columns(item, column, row, cipher=cipher, table=table))
    if rows_by_child is not None:
        for child in shape.children:
            name = child.table.name
            out[child.field.key] = [
                {
                    "_id": child_row["id"],
                    **{
                        item.key: reveal(
                            item,
                            from_columns(item, column, child_row, cipher=cipher, table=name),
                        )
                        for item, column in child.columns
                    },
                }
                for child_row in rows_by_child.get(child.field.id, ())
            ]
    return out


def typed_values(
    definition: FormDefinition, record: Mapping[str, Any], today: date
) -> dict[str, Any]:
    """Typed values of a stored record (its JSON form), as the form engine wants for updates."""
    context = CoerceContext(today=today)
    typed: dict[str, Any] = {}
    for item in definition.fields:
        stored = record.get(item.key)
        if isinstance(item, SubtableField):
            typed[item.key] = [
                {
                    "_id": row["_id"],
                    **{
                        f.key: coerce_value(f, row.get(f.key), context=context).value
                        for f in item.fields
                    },
                }
                for row in stored or []
            ]
        else:
            typed[item.key] = coerce_value(item, stored, context=context).value
    return typed
