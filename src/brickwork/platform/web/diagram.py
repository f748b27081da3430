"""A flow's diagram drawn for a page: its nodes placed in columns from left to right (each node
one column after the furthest node that leads to it), edges as lines between them, returns
and loops as arcs below, every node coloured by its status in the instance.

Pure layout: it takes the diagram a flow instance reports (nodes with their status, edges with
whether they were taken) and answers coordinates for an SVG; the page draws them (no script).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NODE_WIDTH = 120
NODE_HEIGHT = 44
EVENT_SIZE = 28
COLUMN_GAP = 48
ROW_GAP = 20
MARGIN = 16
LOOP_DROP = 28
ARC_STEP = 16
BOW_ROOM = 40
"""With `long_below`, room on the left for the bows between boxes of one column (and labels)."""
"""With `long_below`, each further arc below the boxes runs this much lower (labels apart)."""
LABEL_LENGTH = 9
EVENTS = frozenset({"start", "end"})
GATEWAYS = frozenset({"exclusive", "parallel", "inclusive"})


@dataclass(frozen=True, slots=True)
class Box:
    id: str
    label: str
    title: str
    type: str
    status: str
    x: float
    y: float
    width: float
    height: float

    @property
    def shape(self) -> str:
        if self.type in EVENTS:
            return "event"
        if self.type in GATEWAYS:
            return "gateway"
        return "task"

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def diamond(self) -> str:
        """The points of a gateway's diamond."""
        return (
            f"{self.cx},{self.y} {self.x + self.width},{self.cy} "
            f"{self.cx},{self.y + self.height} {self.x},{self.cy}"
        )


@dataclass(frozen=True, slots=True)
class Line:
    path: str
    taken: bool
    back: bool
    label: str = ""
    """Text written at the middle of the line (an edge's `label`), e.g. a share."""
    lx: float = 0
    ly: float = 0
    id: str = ""
    """The edge's id in the definition (empty when the diagram gives none)."""


@dataclass(frozen=True, slots=True)
class Drawing:
    width: float
    height: float
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]


def layout(
    diagram: Mapping[str, Any], labels: Mapping[str, str], *, long_below: bool = False
) -> Drawing:
    """Coordinates of `diagram` (`nodes` with id, type and status; `edges` with from, to,
    taken, and optionally a `label` written on the line and `rank: false` for an edge that does
    not push its end a column further); `labels` names each node as the page shows it. With
    `long_below`, an edge that skips a column is drawn as an arc below the boxes (so it never
    seems to pass through the box in between), each further arc lower, and an edge within one
    column as a bow on its left, with room for the labels."""
    nodes = [node for node in diagram.get("nodes", ()) if isinstance(node, Mapping)]
    ids = [str(node["id"]) for node in nodes]
    known = set(ids)
    kept = [
        edge
        for edge in diagram.get("edges", ())
        if isinstance(edge, Mapping) and edge.get("from") in known and edge.get("to") in known
    ]
    edges = [(str(edge["from"]), str(edge["to"]), bool(edge.get("taken"))) for edge in kept]
    edge_ids = [str(edge.get("id") or "") for edge in kept]
    texts = [str(edge.get("label") or "") for edge in kept]
    unranked = {(str(e["from"]), str(e["to"])) for e in kept if e.get("rank") is False}
    back = back_edges(ids, [(a, b) for a, b, _ in edges], first=starts(nodes, ids))
    column = columns(
        ids, [(a, b) for a, b, _ in edges if (a, b) not in back and (a, b) not in unranked]
    )
    layers = ordered(ids, column, [(a, b) for a, b, _ in edges if (a, b) not in back])
    tallest = max((len(layer) for layer in layers.values()), default=1)
    left = MARGIN + (BOW_ROOM if long_below else 0)
    height = tallest * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
    boxes: dict[str, Box] = {}
    by_id = {str(node["id"]): node for node in nodes}
    for index, layer in layers.items():
        top = (height - (len(layer) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP)) / 2
        for position, node_id in enumerate(layer):
            node = by_id[node_id]
            kind = str(node.get("type", "task"))
            width, tall = (
                (EVENT_SIZE, EVENT_SIZE)
                if kind in EVENTS
                else (NODE_HEIGHT, NODE_HEIGHT)
                if kind in GATEWAYS
                else (NODE_WIDTH, NODE_HEIGHT)
            )
            x = left + index * (NODE_WIDTH + COLUMN_GAP) + (NODE_WIDTH - width) / 2
            y = MARGIN + top + position * (NODE_HEIGHT + ROW_GAP) + (NODE_HEIGHT - tall) / 2
            title = labels.get(node_id) or node_id
            short = title if len(title) <= LABEL_LENGTH else title[: LABEL_LENGTH - 1] + "…"
            boxes[node_id] = Box(
                node_id, short, title, kind, str(node.get("status", "")), x, y, width, tall
            )
    lines = []
    below: list[float] = []  # the lowest point of each arc drawn below the boxes
    for (source, target, taken), text, edge_id in zip(edges, texts, edge_ids, strict=True):
        start, end = boxes[source], boxes[target]
        arcs = (
            (source, target) in back
            or column[target] < column[source]
            or (long_below and column[target] > column[source] + 1)
        )
        if column[target] == column[source] and (source, target) not in back:
            bulge = start.x - (left - 2 if long_below else MARGIN - 2)  # a bow on the left
            path = f"M{start.x},{start.cy} C{bulge},{start.cy} {bulge},{end.cy} {end.x},{end.cy}"
            lx, ly = start.x - BOW_ROOM / 2 - 2, (start.cy + end.cy) / 2 + 4
        elif arcs:
            bottom = MARGIN + height + LOOP_DROP + ARC_STEP * (len(below) if long_below else 0)
            below.append(bottom)
            path = (
                f"M{start.cx},{start.y + start.height} C{start.cx},{bottom} "
                f"{end.cx},{bottom} {end.cx},{end.y + end.height}"
            )
            lx, ly = (start.cx + end.cx) / 2, bottom - 6
        else:
            x1, y1 = start.x + start.width, start.cy
            x2, y2 = end.x, end.cy
            middle = (x1 + x2) / 2
            path = f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"
            lx, ly = middle, (y1 + y2) / 2 - 4
        lines.append(Line(path, taken, arcs, text, lx, ly, edge_id))
    width = left + MARGIN + len(layers) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP
    loops = max(below, default=MARGIN + height - 8) - (MARGIN + height) + 8
    return Drawing(max(width, 0), MARGIN * 2 + height + loops, tuple(boxes.values()), tuple(lines))


def starts(nodes: Sequence[Mapping[str, Any]], ids: list[str]) -> list[str]:
    found = [str(node["id"]) for node in nodes if node.get("type") == "start"]
    return found or ids[:1]


def back_edges(
    ids: list[str], edges: list[tuple[str, str]], *, first: list[str]
) -> set[tuple[str, str]]:
    """Edges that close a cycle in a walk from the start (returns and loops)."""
    following: dict[str, list[str]] = {node: [] for node in ids}
    for source, target in edges:
        following[source].append(target)
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    back: set[tuple[str, str]] = set()
    for root in [*first, *ids]:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack.pop()
            if index < len(following[node]):
                stack.append((node, index + 1))
                target = following[node][index]
                if state.get(target) == 1:
                    back.add((node, target))
                elif target not in state:
                    state[target] = 1
                    stack.append((target, 0))
            else:
                state[node] = 2
    return back


def columns(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: one after the furthest node leading to it (edges form no cycle)."""
    leading: dict[str, list[str]] = {node: [] for node in ids}
    for source, target in edges:
        leading[target].append(source)
    found: dict[str, int] = {}

    def column_of(node: str) -> int:
        stack = [node]
        while stack:
            current = stack[-1]
            waiting = [s for s in leading[current] if s not in found]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            found[current] = max((found[s] + 1 for s in leading[current]), default=0)
        return found[node]

    for node in ids:
        if node not in found:
            column_of(node)
    return found


def ordered(
    ids: list[str], column: dict[str, int], edges: list[tuple[str, str]]
) -> dict[int, list[str]]:
    """The nodes of each column, top to bottom: in the order of the nodes leading to them (so
    branches do not cross), else as the definition lists them."""
    rows: dict[int, list[str]] = {}
    for node in ids:
        rows.setdefault(column[node], []).append(node)
    leading: dict[str, list[str]] = {node: [] for node in ids}
    for source, target in edges:
        leading[target].append(source)
    place: dict[str, float] = {}
    for index in sorted(rows):
        row = rows[index]
        for position, node in enumerate(row):
            before = [place[s] for s in leading[node] if s in place]
            place[node] = sum(before) / len(before) if before else float(position)
        row.sort(key=lambda node: (place[node], ids.index(node)))
        for position, node in enumerate(row):
            place[node] = float(position)
    return dict(sorted(rows.items()))
