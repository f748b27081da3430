"""The layout of a flow's diagram for the record page: columns follow the flow, branches
share a column without overlapping, returns are drawn as arcs and never move a node."""

from __future__ import annotations

from brickwork.platform.web.diagram import EVENT_SIZE, NODE_WIDTH, layout

CREDIT = {
    "nodes": [
        {"id": "start", "type": "start", "status": "done"},
        {"id": "review", "type": "approval", "status": "done"},
        {"id": "big", "type": "exclusive", "status": "done"},
        {"id": "split", "type": "parallel", "status": "done"},
        {"id": "risk", "type": "approval", "status": "active"},
        {"id": "compliance", "type": "approval", "status": "done"},
        {"id": "join", "type": "parallel", "status": "pending"},
        {"id": "committee", "type": "approval", "status": "pending"},
        {"id": "end", "type": "end", "status": "pending"},
    ],
    "edges": [
        {"from": "start", "to": "review", "taken": True},
        {"from": "review", "to": "big", "taken": True},
        {"from": "big", "to": "split", "taken": True},
        {"from": "big", "to": "committee", "taken": False},
        {"from": "split", "to": "risk", "taken": True},
        {"from": "split", "to": "compliance", "taken": True},
        {"from": "risk", "to": "join", "taken": False},
        {"from": "compliance", "to": "join", "taken": True},
        {"from": "join", "to": "committee", "taken": False},
        {"from": "committee", "to": "end", "taken": False},
        {"from": "committee", "to": "review", "taken": False},
    ],
}


def test_nodes_sit_in_columns_after_what_leads_to_them() -> None:
    drawing = layout(CREDIT, {"review": "Branch review of the credit"})
    boxes = {box.id: box for box in drawing.boxes}
    column = {
        key: round((box.cx - 16 - NODE_WIDTH / 2) / (NODE_WIDTH + 48)) for key, box in boxes.items()
    }
    assert column["start"] == 0
    assert column["review"] == 1
    assert column["risk"] == column["compliance"] == 4
    assert column["committee"] == 6, "after the join, not beside the gateway's short cut"
    assert column["end"] == 7
    assert boxes["risk"].cy != boxes["compliance"].cy, "parallel branches do not overlap"
    assert abs(boxes["risk"].cy - boxes["compliance"].cy) >= 44
    assert boxes["start"].width == EVENT_SIZE
    assert boxes["start"].shape == "event"
    assert boxes["big"].shape == "gateway"
    assert boxes["review"].label == "Branch r…"
    assert boxes["review"].title == "Branch review of the credit"
    assert boxes["risk"].status == "active"
    assert all(box.x >= 0 and box.x + box.width <= drawing.width for box in boxes.values())
    assert all(box.y >= 0 and box.y + box.height <= drawing.height for box in boxes.values())


def test_a_return_is_an_arc_below_and_taken_edges_are_marked() -> None:
    drawing = layout(CREDIT, {})
    back = [line for line in drawing.lines if line.back]
    assert len(back) == 1
    assert " C" in back[0].path
    assert sum(line.taken for line in drawing.lines) == 6
    alone = layout({"nodes": [{"id": "a", "type": "task"}], "edges": []}, {})
    assert len(alone.boxes) == 1
    assert alone.lines == ()
    assert layout({"nodes": [], "edges": []}, {}).boxes == ()


def test_a_cycle_without_a_start_still_gets_a_layout() -> None:
    loop = {
        "nodes": [{"id": "a", "type": "task"}, {"id": "b", "type": "task"}],
        "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}, {"from": "b", "to": "x"}],
    }
    drawing = layout(loop, {})
    assert [box.id for box in drawing.boxes] == ["a", "b"]
    assert sum(line.back for line in drawing.lines) == 1
    assert len(drawing.lines) == 2, "an edge to an unknown node is left out"
