"""Drill-through to a record list: a report filter with its parameters written in as literals
(on the parsed expression, never by text replacement), so the list runs the same condition."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import format_expression, parse
from brickwork.engines.expr.syntax import Boolean, Name, Null, Number, Path, String, Temporal


def bind_parameters(source: str, values: Mapping[str, Any]) -> str:
    """`source` with every `$params.<key>[.start|.end]` replaced by its value."""
    return format_expression(_bind(parse(source), values))


def _parameter(node: Any) -> list[str] | None:
    """The keys of a `$params...` path, or None for anything else."""
    keys: list[str] = []
    while isinstance(node, Path):
        keys.insert(0, node.key)
        node = node.target
    if isinstance(node, Name) and node.name == "$params" and keys:
        return keys
    return None


def _literal(value: Any) -> Any:
    if value is None:
        return Null()
    if isinstance(value, bool):
        return Boolean(value)
    if isinstance(value, int | Decimal):
        return Number(Decimal(value))
    if isinstance(value, date):
        return Temporal(value)
    return String(str(value))


def _bind(node: Any, values: Mapping[str, Any]) -> Any:
    keys = _parameter(node)
    if keys is not None:
        value: Any = values.get(keys[0])
        for key in keys[1:]:
            value = value.get(key) if isinstance(value, Mapping) else None
        return _literal(value)
    if isinstance(node, tuple):
        return tuple(_bind(item, values) for item in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    changes = {
        item.name: _bind(getattr(node, item.name), values)
        for item in dataclasses.fields(node)
        if item.name != "span"
    }
    return dataclasses.replace(node, **changes)
