"""Token labels: which parallel and inclusive split branches a token may descend from.

Every token is labelled with the branches it descends from (a tag is a split node id and the id
of the outgoing edge the token took). The labels are computed in one pass over the graph in
topological order of its forward edges; back edges (loops) are only checked against the labels
their targets already have. See docs/flows.md, "Design-time validation". Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from brickwork.engines.flow.graph import FlowGraph

Tag = tuple[str, str]
"""A branch: (split node id, id of the edge the token took out of it)."""
Label = tuple[Tag, ...]
"""The branches a token descends from, outermost first."""


@dataclass
class Labels:
    """The label of every reached node's entry and of every edge leaving a reached node;
    `back` holds the positions of back edges (loops) of the depth-first order."""

    node: dict[str, Label]
    edge: dict[int, Label]
    back: set[int]
    order: list[str]


def _forward_order(graph: FlowGraph, start: str) -> tuple[list[str], set[int]]:
    """Nodes reachable from `start` in topological order of the forward edges, and the back
    edges (edges to a node on the current depth-first path)."""
    finished: list[str] = []
    back: set[int] = set()
    state: dict[str, int] = {start: 1}  # 1: on the path, 2: finished
    work: list[tuple[str, int]] = [(start, 0)]
    while work:
        node, at = work.pop()
        outs = graph.out[node]
        if at < len(outs):
            work.append((node, at + 1))
            target = graph.edge(outs[at]).to
            seen = state.get(target)
            if seen is None:
                state[target] = 1
                work.append((target, 0))
            elif seen == 1:
                back.add(outs[at])
            continue
        state[node] = 2
        finished.append(node)
    finished.reverse()
    return finished, back


def label(graph: FlowGraph, start: str) -> Labels:
    order, back = _forward_order(graph, start)
    node_labels: dict[str, Label] = {}
    edge_labels: dict[int, Label] = {}
    for node in order:
        incoming = [edge_labels[k] for k in graph.inc[node] if k in edge_labels and k not in back]
        if node == start or not incoming:
            entry: Label = ()
        elif graph.is_join(node):
            entry = close(graph, incoming)
        else:
            entry = shared_tags(incoming)
        node_labels[node] = entry
        split = graph.is_split(node)
        for k in graph.out[node]:
            edge_labels[k] = (*entry, (node, graph.edge(k).id)) if split else entry
    return Labels(node_labels, edge_labels, back, order)


def shared_tags(labels: Sequence[Label]) -> Label:
    rest = [set(other) for other in labels[1:]]
    return tuple(tag for tag in labels[0] if all(tag in other for other in rest))


def close(graph: FlowGraph, labels: Sequence[Label]) -> Label:
    """The label after a join of tokens with `labels`: what they share, plus the branches of
    splits the join does not complete (a split is complete when the tokens cover every
    outgoing edge of it; branches of splits opened inside completed branches go too)."""
    common = shared_tags(labels)
    kept = set(common)
    extra: dict[Tag, None] = {}
    for one in labels:
        extra.update((tag, None) for tag in one if tag not in kept)
    branches: dict[str, set[str]] = {}
    for split, edge in extra:
        branches.setdefault(split, set()).add(edge)
    complete = {
        split
        for split, taken in branches.items()
        if len(taken) == len({graph.edge(k).id for k in graph.out[split]})
    }
    if not complete:
        return (*common, *extra)
    survivors: dict[Tag, None] = {}
    for one in labels:
        inner = False
        for tag in one:
            if tag in kept:
                continue
            inner = inner or tag[0] in complete
            if not inner:
                survivors[tag] = None
    return (*common, *survivors)


def concurrent_split(graph: FlowGraph, a: Label, b: Label, *, kinds: frozenset[str]) -> str | None:
    """A split (of a type in `kinds`) that `a` and `b` descend from through different
    branches: tokens with these labels can be alive at the same time."""
    mine: dict[str, set[str]] = {}
    for split, edge in a:
        mine.setdefault(split, set()).add(edge)
    theirs: dict[str, set[str]] = {}
    for split, edge in b:
        theirs.setdefault(split, set()).add(edge)
    for split, edges in mine.items():
        other = theirs.get(split)
        if other and not edges & other and graph.nodes[split].type in kinds:
            return split
    return None


PARALLEL = frozenset({"parallel"})
PARALLEL_OR_INCLUSIVE = frozenset({"parallel", "inclusive"})
