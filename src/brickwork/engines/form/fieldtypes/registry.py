"""The registry of field types: one entry per `type` a field definition may have.

Assembled from the entry tuples of the sibling modules. `computed` and `subtable` are built last
from the entries they may delegate to: rows never hold a subtable, and a computed result is
one of the basic types. This module must hold no behaviour of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from brickwork.engines.form.fieldtypes import (
    choices,
    files,
    identifier_types,
    numeric,
    references,
    structured,
    temporal,
    text,
)
from brickwork.engines.form.fieldtypes.base import FieldType

_BASIC: dict[str, FieldType[Any]] = {
    entry.name: entry
    for entries in (
        text.ENTRIES,
        numeric.ENTRIES,
        temporal.ENTRIES,
        choices.ENTRIES,
        text.CONTACT_ENTRIES,
        identifier_types.ENTRIES,
        references.ENTRIES,
        files.ENTRIES,
        structured.ENTRIES,
    )
    for entry in entries
}

ROW_TYPES: Mapping[str, FieldType[Any]] = MappingProxyType(
    {**_BASIC, "computed": structured.computed_entry(_BASIC)}
)
"""Types a subtable row may use."""

FIELD_TYPES: Mapping[str, FieldType[Any]] = MappingProxyType(
    {**ROW_TYPES, "subtable": structured.subtable_entry(ROW_TYPES)}
)
"""Every field type, by the `type` name used in definitions."""
