"""Differences between two definition bodies: an RFC 6902 patch and a summary for people.

The summary follows element ids (fields, nodes, rows keep their ids when labels or keys change), so
a renamed field reads as "changed" rather than "removed and added".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from brickwork.jsonio import canonical_dumps, escape_pointer

Patch = list[dict[str, Any]]


def json_patch(before: Any, after: Any, pointer: str = "") -> Patch:
    """Operations that turn ``before`` into ``after`` (applying them in order is exact)."""
    if _same(before, after):
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        return _patch_objects(before, after, pointer)
    if _is_list(before) and _is_list(after):
        return _patch_lists(before, after, pointer)
    return [{"op": "replace", "path": pointer, "value": after}]


def _patch_objects(before: Mapping[str, Any], after: Mapping[str, Any], pointer: str) -> Patch:
    ops: Patch = []
    for key in before:
        path = f"{pointer}/{escape_pointer(key)}"
        if key not in after:
            ops.append({"op": "remove", "path": path})
        else:
            ops.extend(json_patch(before[key], after[key], path))
    for key in after:
        if key not in before:
            ops.append(
                {"op": "add", "path": f"{pointer}/{escape_pointer(key)}", "value": after[key]}
            )
    return ops


def _patch_lists(before: Sequence[Any], after: Sequence[Any], pointer: str) -> Patch:
    ops: Patch = []
    common = min(len(before), len(after))
    for index in range(common):
        ops.extend(json_patch(before[index], after[index], f"{pointer}/{index}"))
    ops.extend(
        {"op": "add", "path": f"{pointer}/{index}", "value": after[index]}
        for index in range(common, len(after))
    )
    ops.extend(
        {"op": "remove", "path": f"{pointer}/{index}"}
        for index in range(len(before) - 1, common - 1, -1)
    )
    return ops


def apply_patch(document: Any, patch: Patch) -> Any:
    """Apply an RFC 6902 patch made of add/remove/replace (returns a new document)."""
    import copy

    result = copy.deepcopy(document)
    for operation in patch:
        result = _apply_one(result, operation)
    return result


def _apply_one(document: Any, operation: Mapping[str, Any]) -> Any:
    path = operation["path"]
    if path == "":
        return operation.get("value")
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
    parent = document
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    op = operation["op"]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if op == "add":
            parent.insert(index, operation["value"])
        elif op == "remove":
            del parent[index]
        else:
            parent[index] = operation["value"]
    elif op == "remove":
        del parent[last]
    else:
        parent[last] = operation["value"]
    return document


def summarise(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Changes keyed by readable paths; list elements with an ``id`` are matched by id."""
    if _same(before, after):
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after)):
            child = f"{path}.{key}" if path else key
            if key not in after:
                changes.append({"path": child, "change": "removed", "before": before[key]})
            elif key not in before:
                changes.append({"path": child, "change": "added", "after": after[key]})
            else:
                changes.extend(summarise(before[key], after[key], child))
        return changes
    if _is_list(before) and _is_list(after) and _has_ids(before) and _has_ids(after):
        return _summarise_elements(before, after, path)
    return [{"path": path, "change": "changed", "before": before, "after": after}]


def _summarise_elements(
    before: Sequence[Any], after: Sequence[Any], path: str
) -> list[dict[str, Any]]:
    old = {item["id"]: item for item in before}
    new = {item["id"]: item for item in after}
    changes: list[dict[str, Any]] = []
    for element_id, item in old.items():
        child = f"{path}[{element_id}]"
        if element_id not in new:
            changes.append({"path": child, "change": "removed", "before": item})
        else:
            changes.extend(summarise(item, new[element_id], child))
    changes.extend(
        {"path": f"{path}[{element_id}]", "change": "added", "after": item}
        for element_id, item in new.items()
        if element_id not in old
    )
    if [i for i in old if i in new] != [i for i in new if i in old]:
        changes.append(
            {"path": path, "change": "reordered", "before": list(old), "after": list(new)}
        )
    return changes


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _has_ids(items: Sequence[Any]) -> bool:
    ids = [item.get("id") for item in items if isinstance(item, Mapping)]
    return (
        len(ids) == len(items)
        and all(isinstance(i, str) for i in ids)
        and len(set(ids)) == len(ids)
    )


def _same(before: Any, after: Any) -> bool:
    # Canonical text tells 1 from true and 1.0 from 1.00, exactly as the checksum does.
    return canonical_dumps(before) == canonical_dumps(after)
