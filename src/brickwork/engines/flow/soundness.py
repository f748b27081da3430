"""Token-flow rules of design-time validation: which tokens may meet where, which joins can hang.

Pure graph algorithms over adjacency maps (no expression is evaluated): `validate` uses them to
refuse a flow whose joins may wait forever, whose merges run once per parallel branch, whose
parallel branches write the same field, or which loops without waiting anywhere. The labels
they read come from `labels`. See docs/flows.md, "Design-time validation", for the rules in
words.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from brickwork.engines.flow.design_messages import (
    NODE_TYPES,
    STARVING_END,
    STARVING_EXIT,
    design_problem,
    node_names,
    phrase,
)
from brickwork.engines.flow.graph import FlowGraph, components, is_cycle, reachable
from brickwork.engines.flow.labels import (
    PARALLEL,
    PARALLEL_OR_INCLUSIVE,
    Label,
    Labels,
    Tag,
    concurrent_split,
    shared_tags,
)
from brickwork.engines.flow.problems import FlowProblem
from brickwork.engines.flow.refusals import words_of

WAIT_STATES = frozenset({"approval", "task", "timer", "subflow"})
"""Node types where an instance waits for a person, the clock or a child instance."""


def check_joins(graph: FlowGraph, labels: Labels) -> list[FlowProblem]:
    """Parallel joins that may wait forever, merges that run once per parallel branch, and
    edges that take a token a join waits for somewhere it never arrives."""
    problems: list[FlowProblem] = []
    awaited: dict[Tag, list[str]] = {}
    for node in labels.order:
        if graph.is_join(node) and graph.nodes[node].type == "parallel":
            problems.extend(_parallel_join(graph, labels, node, awaited))
    for node in labels.order:
        if graph.nodes[node].type != "end" and not graph.is_join(node):
            problems.extend(_merge(graph, labels, node))
    before: dict[str, set[str]] = {}
    for node in labels.order:
        if not graph.is_join(node):
            problems.extend(_starved(graph, labels, node, awaited, before))
            problems.extend(_entered(graph, labels, node, awaited, before))
    return problems


def _entered(
    graph: FlowGraph,
    labels: Labels,
    node: str,
    awaited: Mapping[Tag, list[str]],
    before: dict[str, set[str]],
) -> list[FlowProblem]:
    """Back edges (loops) into a parallel branch from outside it: the token they bring reaches
    the join as that branch's token alone, and the join waits for the other branches forever."""
    problems: list[FlowProblem] = []
    inside = labels.node.get(node, ())
    for k in graph.inc[node]:
        if k not in labels.back or k not in labels.edge:
            continue
        brought = set(labels.edge[k])
        for tag in inside:
            if tag in brought:
                continue
            ahead = [j for j in awaited.get(tag, ()) if node in _ancestors(graph, j, before)]
            if not ahead:
                continue
            split = tag[0]
            edge = graph.edge(k)
            problems.append(
                design_problem(
                    f"/edges/{k}",
                    "E_FLOW_JOIN_DEADLOCK",
                    "join_entered_from_outside",
                    edge=edge.id,
                    source=edge.from_,
                    split=split,
                    start=_branch_start(graph, tag),
                    join=ahead[0],
                )
            )
            break
    return problems


def _branch_start(graph: FlowGraph, tag: Tag) -> str:
    split, branch = tag
    return next(graph.edge(k).to for k in graph.out[split] if graph.edge(k).id == branch)


def _ancestors(graph: FlowGraph, node: str, known: dict[str, set[str]]) -> set[str]:
    """The nodes from which `node` can be reached (computed once per node)."""
    found = known.get(node)
    if found is None:
        step = {key: graph.predecessors(key) for key in graph.nodes}
        found = known[node] = reachable(graph.predecessors(node), step)
    return found


def _parallel_join(
    graph: FlowGraph, labels: Labels, node: str, awaited: dict[Tag, list[str]]
) -> list[FlowProblem]:
    problems: list[FlowProblem] = []
    arriving: list[tuple[int, Label]] = []
    for k in graph.inc[node]:
        edge = graph.edge(k)
        if k in labels.back:
            problems.append(
                design_problem(
                    graph.pointer(node),
                    "E_FLOW_JOIN_DEADLOCK",
                    "join_own_output",
                    node=node,
                    edge=edge.id,
                    source=edge.from_,
                )
            )
        elif k not in labels.edge:
            problems.append(
                design_problem(
                    graph.pointer(node),
                    "E_FLOW_JOIN_DEADLOCK",
                    "join_unreached",
                    node=node,
                    edge=edge.id,
                    source=edge.from_,
                )
            )
        else:
            arriving.append((k, labels.edge[k]))
    if not _branches_of_one_split(graph, [found for _, found in arriving]):
        pair = next(
            (
                (k, j)
                for i, (k, mine) in enumerate(arriving)
                for j, theirs in arriving[i + 1 :]
                if concurrent_split(graph, mine, theirs, kinds=PARALLEL) is None
            ),
            None,
        )
        if pair is not None:
            problems.append(_deadlock(graph, node, *pair))
    if len(arriving) > 1:
        common = set(shared_tags([found for _, found in arriving]))
        for _, found in arriving:
            for tag in found:
                if tag not in common and graph.nodes[tag[0]].type == "parallel":
                    awaited.setdefault(tag, []).append(node)
    return problems


def _branches_of_one_split(graph: FlowGraph, labels: Sequence[Label]) -> bool:
    """The usual case, checked in linear time: beyond what they share, every label starts with
    branches of one parallel split, and no two labels have a branch of it in common (so every
    two labels are concurrent)."""
    common = set(shared_tags(labels)) if labels else set()
    split: str | None = None
    seen: set[str] = set()
    for found in labels:
        own = [tag for tag in found if tag not in common]
        if not own or (split is not None and own[0][0] != split):
            return False
        split = own[0][0]
        branches = {edge for key, edge in own if key == split}
        if branches & seen:
            return False
        seen |= branches
    return split is None or graph.nodes[split].type == "parallel"


def _deadlock(graph: FlowGraph, join: str, a: int, b: int) -> FlowProblem:
    first, second = graph.edge(a), graph.edge(b)
    decider = _decider(graph, first.from_, second.from_)
    if decider is None:
        cause = phrase("cause_not_branches")
    else:
        kind = graph.nodes[decider].type
        cause = phrase(
            "cause_gateway" if kind in ("exclusive", "inclusive") else "cause_outcome",
            type=words_of(NODE_TYPES, kind),
            decider=decider,
        )
    return design_problem(
        graph.pointer(join),
        "E_FLOW_JOIN_DEADLOCK",
        "join_deadlock",
        join=join,
        first=first.id,
        second=second.id,
        cause=cause,
    )


def _decider(graph: FlowGraph, a: str, b: str) -> str | None:
    """The decision point (exclusive or inclusive split, approval with both outcomes) that
    both `a` and `b` come after, latest in definition order."""
    back = {key: graph.predecessors(key) for key in graph.nodes}
    shared = reachable([a], back) & reachable([b], back)
    deciders = [
        key
        for key in shared
        if (graph.nodes[key].type in ("exclusive", "inclusive") and len(graph.out[key]) > 1)
        or (
            graph.has_outcomes(key)
            and {graph.edge(k).on or "approved" for k in graph.out[key]} == {"approved", "rejected"}
        )
    ]
    return max(deciders, key=graph.position.__getitem__, default=None)


def _merge(graph: FlowGraph, labels: Labels, node: str) -> list[FlowProblem]:
    arriving = [(k, labels.edge[k]) for k in graph.inc[node] if k in labels.edge]
    for i, (k, mine) in enumerate(arriving):
        for j, theirs in arriving[i + 1 :]:
            split = concurrent_split(graph, mine, theirs, kinds=PARALLEL_OR_INCLUSIVE)
            if split is None:
                continue
            return [
                design_problem(
                    graph.pointer(node),
                    "E_FLOW_UNSYNCHRONIZED_MERGE",
                    "unsynchronized_merge",
                    node=node,
                    first=graph.edge(k).id,
                    second=graph.edge(j).id,
                    type=words_of(NODE_TYPES, graph.nodes[split].type),
                    split=split,
                )
            ]
    return []


def _starved(
    graph: FlowGraph,
    labels: Labels,
    node: str,
    awaited: Mapping[Tag, list[str]],
    before: dict[str, set[str]],
) -> list[FlowProblem]:
    """Edges into `node` that take a token away from the parallel join waiting for it: the
    token's innermost branch is awaited by a join still ahead of the edge's source, and `node`
    (a non-terminating end, or a node outside that branch) does not carry it on."""
    target = graph.nodes[node]
    if target.type == "end" and target.terminate:
        return []
    kept = set(labels.node[node]) if target.type != "end" else set()
    problems: list[FlowProblem] = []
    for k in graph.inc[node]:
        found = labels.edge.get(k)
        if not found or found[-1] in kept:
            continue
        edge = graph.edge(k)
        ahead = [
            join
            for join in awaited.get(found[-1], ())
            if edge.from_ in _ancestors(graph, join, before)
        ]
        if not ahead:
            continue
        problems.append(
            design_problem(
                f"/edges/{k}",
                "E_FLOW_JOIN_STARVED",
                "join_starved",
                edge=edge.id,
                split=found[-1][0],
                start=_branch_start(graph, found[-1]),
                where=STARVING_END if target.type == "end" else STARVING_EXIT,
                node=node,
                join=ahead[0],
            )
        )
    return problems


def check_parallel_writes(graph: FlowGraph, labels: Labels) -> list[FlowProblem]:
    """Nodes that may run at the same time (different branches of one parallel or inclusive
    split) and both write one field. Writers with the same label are never concurrent, so
    only groups of writers with different labels are compared."""
    groups: dict[str, dict[Label, list[tuple[str, str]]]] = {}
    for node in labels.order:
        if labels.node[node]:
            for key, pointer in _writes(graph, node):
                by_label = groups.setdefault(key, {})
                by_label.setdefault(labels.node[node], []).append((node, pointer))
    found: list[tuple[int, str, str, str, str, str]] = []
    for key, by_label in groups.items():
        ordered = list(by_label.items())
        for i, (mine, ours) in enumerate(ordered):
            for theirs, others in ordered[i + 1 :]:
                split = concurrent_split(graph, mine, theirs, kinds=PARALLEL_OR_INCLUSIVE)
                if split is None:
                    continue
                for a, b in itertools.product(ours, others):
                    first, (second, pointer) = sorted((a, b), key=lambda w: graph.position[w[0]])
                    found.append((graph.position[second], pointer, key, first[0], second, split))
    return [
        design_problem(
            pointer,
            "E_FLOW_PARALLEL_WRITE",
            "parallel_write",
            first=first,
            second=second,
            type=words_of(NODE_TYPES, graph.nodes[split].type),
            split=split,
            field=key,
        )
        for _, pointer, key, first, second, split in sorted(found)
    ]


def _writes(graph: FlowGraph, node: str) -> list[tuple[str, str]]:
    """(field, pointer) for every field `node` writes."""
    spec_node = graph.nodes[node]
    base = graph.pointer(node)
    found = [
        (key, f"{base}/field_permissions/{key}")
        for key, permission in spec_node.field_permissions.items()
        if permission == "write"
    ]
    if spec_node.type == "action":
        for i, action in enumerate(spec_node.actions):
            if action.type == "set_fields":
                found.extend((key, f"{base}/actions/{i}/values/{key}") for key in action.values)
            elif action.type == "call_decision":
                found.extend((key, f"{base}/actions/{i}/outputs/{key}") for key in action.outputs)
    return found


def check_busy_loops(graph: FlowGraph) -> list[FlowProblem]:
    """Cycles on which no node waits (approval, task, timer, subflow): once entered, the
    engine would go round without end."""
    busy = [key for key, node in graph.nodes.items() if node.type not in WAIT_STATES]
    step = {key: graph.successors(key) for key in graph.nodes}
    problems = []
    for component in components(busy, step):
        if not is_cycle(component, step):
            continue
        first = min(component, key=graph.position.__getitem__)
        problems.append(
            design_problem(
                graph.pointer(first),
                "E_FLOW_BUSY_LOOP",
                "busy_loop",
                nodes=node_names(graph, component),
            )
        )
    return problems


def check_inclusive_joins_in_loops(graph: FlowGraph, labels: Labels) -> list[FlowProblem]:
    """An inclusive join waits while any live token can still reach it. Inside a branch that
    another join synchronises, on a loop through both, the sibling token waiting at that join
    can reach the inclusive join through the loop, while that join waits for the inclusive
    join's output: both would wait forever."""
    step = {key: graph.successors(key) for key in graph.nodes}
    synchronised: dict[str, set[Tag]] = {}
    for key in labels.order:
        if graph.is_join(key):
            arriving = [labels.edge[k] for k in graph.inc[key] if k in labels.edge]
            common = set(shared_tags(arriving)) if arriving else set()
            synchronised[key] = {tag for found in arriving for tag in found} - common
    problems = []
    for component in components(graph.nodes, step):
        joins = [key for key in component if key in synchronised]
        for key in sorted(joins, key=graph.position.__getitem__):
            if graph.nodes[key].type != "inclusive":
                continue
            inside = set(labels.node[key])
            other = next((j for j in joins if j != key and synchronised[j] & inside), None)
            if other is None:
                continue
            problems.append(
                design_problem(
                    graph.pointer(key),
                    "E_FLOW_INCLUSIVE_JOIN_LOOP",
                    "inclusive_join_loop",
                    node=key,
                    type=words_of(NODE_TYPES, graph.nodes[other].type),
                    other=other,
                )
            )
    return problems
