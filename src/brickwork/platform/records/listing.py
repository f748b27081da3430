"""What a record list page is compiled to, once, and reused by every request for it.

A list page costs little more than its SQL when the work that does not depend on the rows is done
once: the statements of a page (``repository.PageStatements``) are built once per published form
version, reader's grants and row-scope facts, list parameters and day, with only the page's
``LIMIT`` and ``OFFSET`` bound per request (the service keys them, see
``RecordService._page_statements``); and each row becomes the record a reader sees through a
``RowConverter`` compiled once per form version and field levels, which turns the stored columns
into values (decrypting, masking, leaving hidden fields out, and never decrypting what it does not
show) by decisions taken per field, not per cell. Both caches hang on the ``PublishedForm``, so a
new publish starts afresh; a role change changes the grants and thereby the key. Nothing here runs
SQL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from brickwork.engines.form.definition import ComputedField, MoneyField
from brickwork.engines.form.elements import FieldBase
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.records.access import SENSITIVE, masked_json, sensitivity
from brickwork.platform.records.layout import CURRENCY_SUFFIX, ENCRYPTED, ColumnLayout
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.rows import SYSTEM_FIELDS, FormShape
from brickwork.platform.records.storage import decrypt_cell

CACHE_SIZE = 256
"""Entries each cache of a published form keeps (least recently used go first)."""

Cell = Callable[[Sequence[Any]], Any]
"""Reads one field's value (its JSON form) from a row of the form's main table."""


class LruCache:
    """A small thread-safe least-recently-used map (requests run on several threads)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@dataclass(frozen=True, slots=True)
class RowConverter:
    """Rows of the main table → records as one reader sees them (system fields, then the
    visible fields by key; masked ones masked), noting the C2/C3 fields shown in clear."""

    system: tuple[tuple[str, int], ...]
    fields: tuple[tuple[str, Cell], ...]
    audited: frozenset[str]
    """Keys of the C2/C3 fields this reader sees in clear (their reads are audited)."""
    order: tuple[str, ...]
    """Every field key in definition order (the order audit events name them in)."""

    def convert(self, row: Sequence[Any], clear: set[str]) -> dict[str, Any]:
        record = {name: row[index] for name, index in self.system}
        audited = self.audited
        for key, cell in self.fields:
            value = cell(row)
            record[key] = value
            if key in audited and value is not None and value != "" and value != []:
                clear.add(key)
        return record


def row_converter(
    shape: FormShape, columns: Sequence[str], levels: Mapping[str, FieldLevel]
) -> RowConverter:
    """The converter for rows whose columns are named ``columns`` (in order), as a reader with
    ``levels`` sees them (a field not in ``levels`` is hidden)."""
    index = {name: position for position, name in enumerate(columns)}
    table = shape.main.name
    fields: list[tuple[str, Cell]] = []
    audited: set[str] = set()
    for item, column in shape.columns:
        level = levels.get(item.key, FieldLevel.HIDDEN)
        if level == FieldLevel.HIDDEN:
            continue  # never read, never decrypted
        cell = _cell(item, column, index, shape.cipher, table)
        if level == FieldLevel.MASKED:
            cell = _masking(item, cell)
        elif sensitivity(item) in SENSITIVE:
            audited.add(item.key)
        fields.append((item.key, cell))
    return RowConverter(
        tuple((name, index[name]) for name in SYSTEM_FIELDS),
        tuple(fields),
        frozenset(audited),
        tuple(item.key for item in shape.definition.fields),
    )


def _cell(
    item: FieldBase,
    column: ColumnLayout,
    index: Mapping[str, int],
    cipher: Cipher | None,
    table: str,
) -> Cell:
    """The per-field reading ``storage.from_columns`` does, with its decisions taken once."""
    position = index[column.column]
    if column.type_key == ENCRYPTED:
        row_id = index["id"]

        def decrypted(row: Sequence[Any]) -> Any:
            token = row[position]
            if token is None:
                return None
            return decrypt_cell(item, column, token, cipher=cipher, table=table, row_id=row[row_id])

        return decrypted
    if column.type_key.startswith("money:"):
        currency_at = index[column.column + CURRENCY_SUFFIX]

        def money(row: Sequence[Any]) -> Any:
            amount = row[position]
            return None if amount is None else {"amount": amount, "currency": row[currency_at]}

        return money
    currency = getattr(item, "currency", None)
    if isinstance(item, MoneyField) or (isinstance(item, ComputedField) and currency):

        def fixed(row: Sequence[Any]) -> Any:
            amount = row[position]
            return None if amount is None else {"amount": amount, "currency": currency}

        return fixed
    read: Cell = itemgetter(position)
    return read


def _masking(item: FieldBase, cell: Cell) -> Cell:
    def masked(row: Sequence[Any]) -> Any:
        return masked_json(item, cell(row))

    return masked


def converter_for(form: PublishedForm, levels: Mapping[str, FieldLevel]) -> RowConverter:
    """The form's converter for ``levels``, compiled on first use."""
    cache: LruCache = form.caches.setdefault("converters", LruCache())
    key = tuple(sorted(levels.items()))
    found: RowConverter | None = cache.get(key)
    if found is None:
        columns = [column.key for column in form.table.columns]
        found = row_converter(form.shape, columns, levels)
        cache.put(key, found)
    return found


def statements_cache(form: PublishedForm) -> LruCache:
    """The form's compiled list statements, by everything they depend on (see the service)."""
    cache: LruCache = form.caches.setdefault("statements", LruCache())
    return cache
