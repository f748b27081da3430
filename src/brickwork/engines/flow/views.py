"""Read-only views of an instance: field permissions for a user, the diagram with statuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from brickwork.engines.flow.compiler import CompiledFlow
from brickwork.engines.flow.state import FlowState

Permission = Literal["hidden", "read", "write"]
_RANK = {"hidden": 0, "read": 1, "write": 2}


def field_permissions(
    flow: CompiledFlow, state: FlowState, username: str
) -> Mapping[str, Permission]:
    """What `username` may do with each field of the bound record now: the most permissive
    of the permissions of the nodes where they hold an open task (fields a node does not name:
    read); the initiator's resubmission task writes every field the start node does not
    restrict; without an open task every field is read."""
    fields = list(flow.env.fields)
    nodes = {t.node for t in state.tasks if t.assignee == username and t.kind != "cc"}
    if not nodes:
        return dict.fromkeys(fields, "read")
    result: dict[str, Permission] = dict.fromkeys(fields, "hidden")
    for node_id in nodes:
        node = flow.nodes[node_id]
        default: Permission = "write" if node_id == flow.start else "read"
        for key in fields:
            permission = node.field_permissions.get(key, default)
            if _RANK[permission] > _RANK[result[key]]:
                result[key] = permission
    return result


def diagram(flow: CompiledFlow, state: FlowState) -> dict[str, Any]:
    """The flow's nodes with their status in this instance (`pending`, `active`, `done`,
    `skipped`, `rejected`) and its edges with whether they were taken on the current path."""
    active = {t.node for t in state.tokens if t.wait != "join"}
    waiting = {t.node for t in state.tokens}
    executed = set(state.path)
    ahead: set[str] = set(waiting)
    for node_id in waiting:
        ahead |= flow.reach[node_id]
    nodes = []
    for node in flow.spec.nodes:
        if node.id == state.rejected_node:
            status = "rejected"
        elif node.id in active:
            status = "active"
        elif node.id in executed:
            status = "done"
        elif not state.finished and node.id in ahead:
            status = "pending"
        else:
            status = "skipped"
        nodes.append({"id": node.id, "type": node.type, "label": node.label, "status": status})
    reached = executed | waiting
    edges = [
        {
            "id": edge.id,
            "from": edge.from_,
            "to": edge.to,
            "taken": edge.from_ in executed and edge.to in reached and edge.from_ not in active,
        }
        for edge in flow.spec.edges
    ]
    return {"status": state.status, "nodes": nodes, "edges": edges}
