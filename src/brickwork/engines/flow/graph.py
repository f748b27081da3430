"""The graph of a flow as adjacency maps, and the graph algorithms validation uses:
reachability and strongly connected components (iterative, linear). Pure."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from brickwork.engines.flow.definition import Edge, FlowSpec, Node


@dataclass
class FlowGraph:
    """The graph of a flow with only the edges whose both ends exist: nodes by id (first
    definition wins), outgoing and incoming edge positions, the start node if exactly one."""

    spec: FlowSpec
    nodes: dict[str, Node] = field(default_factory=dict)
    position: dict[str, int] = field(default_factory=dict)
    out: dict[str, list[int]] = field(default_factory=dict)
    inc: dict[str, list[int]] = field(default_factory=dict)
    start: str | None = None

    @classmethod
    def of(cls, spec: FlowSpec) -> FlowGraph:
        graph = cls(spec)
        for position, node in enumerate(spec.nodes):
            if node.id not in graph.nodes:
                graph.nodes[node.id] = node
                graph.position[node.id] = position
                graph.out[node.id] = []
                graph.inc[node.id] = []
        for position, edge in enumerate(spec.edges):
            if edge.from_ in graph.nodes and edge.to in graph.nodes:
                graph.out[edge.from_].append(position)
                graph.inc[edge.to].append(position)
        starts = [key for key, node in graph.nodes.items() if node.type == "start"]
        graph.start = starts[0] if len(starts) == 1 else None
        return graph

    def edge(self, position: int) -> Edge:
        return self.spec.edges[position]

    def pointer(self, node: str) -> str:
        return f"/nodes/{self.position[node]}"

    def successors(self, node: str) -> list[str]:
        return [self.spec.edges[k].to for k in self.out[node]]

    def predecessors(self, node: str) -> list[str]:
        return [self.spec.edges[k].from_ for k in self.inc[node]]

    def has_outcomes(self, node: str) -> bool:
        """Approvals and subflows end approved or rejected (so does a task whose SLA rejects
        on breach); their edges choose by `on`."""
        found = self.nodes[node]
        if found.type in ("approval", "subflow"):
            return True
        sla = getattr(found, "sla", None)
        return sla is not None and sla.on_breach == "reject"

    def is_join(self, node: str) -> bool:
        """A parallel or inclusive gateway with several incoming edges (it waits for tokens)."""
        return self.nodes[node].type in ("parallel", "inclusive") and len(self.inc[node]) > 1

    def is_split(self, node: str) -> bool:
        """A parallel or inclusive gateway with several outgoing edges (it makes tokens)."""
        return self.nodes[node].type in ("parallel", "inclusive") and len(self.out[node]) > 1

    def names(self, nodes: Iterable[str], limit: int = 6) -> str:
        ordered = sorted(nodes, key=self.position.__getitem__)
        shown = ", ".join(f"`{n}`" for n in ordered[:limit])
        return shown + (f" and {len(ordered) - limit} more" if len(ordered) > limit else "")


def reachable(starts: Iterable[str], step: Mapping[str, Sequence[str]]) -> set[str]:
    """Every node reachable from `starts` (included) following `step`."""
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for following in step[queue.popleft()]:
            if following not in seen:
                seen.add(following)
                queue.append(following)
    return seen


def components(nodes: Iterable[str], step: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Strongly connected components of the subgraph of `nodes` (Tarjan, iterative)."""
    ordered = list(dict.fromkeys(nodes))
    members = set(ordered)
    successors: dict[str, list[str]] = {}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in ordered:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, at = work.pop()
            if at == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
                successors[node] = [s for s in step[node] if s in members]
            following = successors[node]
            if at < len(following):
                work.append((node, at + 1))
                nxt = following[at]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def is_cycle(component: Sequence[str], step: Mapping[str, Sequence[str]]) -> bool:
    return len(component) > 1 or component[0] in step[component[0]]
