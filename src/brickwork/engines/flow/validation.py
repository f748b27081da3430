"""Design-time validation of a flow's graph and references, with JSON pointers.

`compile_flow` calls `validate` after the schema check and refuses the flow when it returns any
problem. Every rule runs (problems are collected, never the first one only); the token-flow
rules (joins, merges, parallel writes, loops) live in `soundness`, on the token labels of
`labels` over the graph of `graph`. Pure: reads the spec and the environment, evaluates no
expression. The rules are described in docs/flows.md, "Design-time validation".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from brickwork.engines.bilingual import NONE, listing
from brickwork.engines.flow.definition import (
    Assignee,
    FlowSpec,
    RoleAssignee,
)
from brickwork.engines.flow.design_messages import (
    EDGE_SETTINGS,
    NODE_TYPES,
    OUTCOMES,
    design_problem,
    node_names,
)
from brickwork.engines.flow.environment import FlowEnvironment
from brickwork.engines.flow.graph import FlowGraph, components, is_cycle, reachable
from brickwork.engines.flow.labels import label
from brickwork.engines.flow.problems import FlowProblem
from brickwork.engines.flow.refusals import words_of
from brickwork.engines.flow.soundness import (
    WAIT_STATES,
    check_busy_loops,
    check_inclusive_joins_in_loops,
    check_joins,
    check_parallel_writes,
)


def validate(spec: FlowSpec, env: FlowEnvironment) -> list[FlowProblem]:
    """Every problem of the flow: its ids and edge ends, the shape of its graph (reachability,
    dead ends, splits and their conditions, joins that may hang, loops that never wait,
    parallel branches writing one field) and what it names (roles, subflows, fields)."""
    problems = _identities(spec)
    graph = FlowGraph.of(spec)
    problems += _edges(graph)
    problems += _reachability(graph)
    problems += check_busy_loops(graph)
    if graph.start is not None:
        labels = label(graph, graph.start)
        problems += check_joins(graph, labels)
        problems += check_parallel_writes(graph, labels)
        problems += check_inclusive_joins_in_loops(graph, labels)
    problems += _references(spec, env)
    return problems


def _identities(spec: FlowSpec) -> list[FlowProblem]:
    """Duplicate ids, edges to unknown nodes, not exactly one start, no end."""
    problems: list[FlowProblem] = []
    seen: set[str] = set()
    for index, node in enumerate(spec.nodes):
        if node.id in seen:
            problems.append(
                design_problem(
                    f"/nodes/{index}/id", "E_FLOW_DUPLICATE_ID", "duplicate_node", node=node.id
                )
            )
        seen.add(node.id)
    edge_ids: set[str] = set()
    for index, edge in enumerate(spec.edges):
        if edge.id in edge_ids:
            problems.append(
                design_problem(
                    f"/edges/{index}/id", "E_FLOW_DUPLICATE_ID", "duplicate_edge", edge=edge.id
                )
            )
        edge_ids.add(edge.id)
        for end, key in ((edge.from_, "from"), (edge.to, "to")):
            if end not in seen:
                problems.append(
                    design_problem(
                        f"/edges/{index}/{key}", "E_FLOW_UNKNOWN_NODE", "unknown_node", node=end
                    )
                )
    starts = [i for i, node in enumerate(spec.nodes) if node.type == "start"]
    if len(starts) != 1:
        problems.append(
            design_problem(
                f"/nodes/{starts[1]}" if starts else "/nodes",
                "E_FLOW_START",
                "start_count",
                count=len(starts),
            )
        )
    if not any(node.type == "end" for node in spec.nodes):
        problems.append(design_problem("/nodes", "E_FLOW_NO_END", "no_end"))
    return problems


# ---------------------------------------------------------------- edges per node


def _edges(graph: FlowGraph) -> list[FlowProblem]:
    problems: list[FlowProblem] = []
    for key, node in graph.nodes.items():
        if node.type == "start":
            problems += [
                design_problem(
                    f"/edges/{k}/to",
                    "E_FLOW_START_INCOMING",
                    "start_incoming",
                    edge=graph.edge(k).id,
                    node=key,
                )
                for k in graph.inc[key]
            ]
        if node.type == "end":
            problems += [
                design_problem(
                    f"/edges/{k}/from",
                    "E_FLOW_END_OUTGOING",
                    "end_outgoing",
                    edge=graph.edge(k).id,
                    node=key,
                )
                for k in graph.out[key]
            ]
            continue
        if not graph.has_outcomes(key):
            problems += [
                design_problem(
                    f"/edges/{k}/on",
                    "E_FLOW_ON_OUTSIDE_APPROVAL",
                    "on_outside_approval",
                    edge=graph.edge(k).id,
                    node=key,
                    type=words_of(NODE_TYPES, node.type),
                )
                for k in graph.out[key]
                if graph.edge(k).on is not None
            ]
        if node.type == "parallel":
            problems += _parallel_split(graph, key)
        elif node.type in ("exclusive", "inclusive"):
            problems += _deciding_split(graph, key)
        else:
            problems += _activity_edges(graph, key)
    return problems


def _parallel_split(graph: FlowGraph, key: str) -> list[FlowProblem]:
    problems = []
    for k in graph.out[key]:
        edge = graph.edge(k)
        for given, name in ((edge.condition is not None, "condition"), (edge.default, "default")):
            if given:
                problems.append(
                    design_problem(
                        f"/edges/{k}/{name}",
                        "E_FLOW_PARALLEL_CONDITION",
                        "parallel_condition",
                        edge=edge.id,
                        node=key,
                        name=EDGE_SETTINGS[name],
                    )
                )
    return problems


def _deciding_split(graph: FlowGraph, key: str) -> list[FlowProblem]:
    """An exclusive gateway with several outgoing edges (or a condition) takes the first edge
    whose condition holds, else the default edge; an inclusive one takes every edge whose
    condition holds (an edge without one always), else the default edge."""
    outs = graph.out[key]
    edges = [graph.edge(k) for k in outs]
    if len(outs) < 2 and all(e.condition is None for e in edges):
        return []
    kind = graph.nodes[key].type
    problems: list[FlowProblem] = []
    defaults = [k for k in outs if graph.edge(k).default]
    for k in defaults[1:]:
        problems.append(
            design_problem(
                f"/edges/{k}/default",
                "E_FLOW_TWO_DEFAULTS",
                "two_defaults",
                type=words_of(NODE_TYPES, kind),
                node=key,
                first=graph.edge(defaults[0]).id,
                second=graph.edge(k).id,
            )
        )
    for k in outs:
        edge = graph.edge(k)
        if edge.default and edge.condition is not None:
            problems.append(
                design_problem(
                    f"/edges/{k}/condition",
                    "E_FLOW_DEFAULT_CONDITION",
                    "default_condition",
                    edge=edge.id,
                    node=key,
                )
            )
        elif kind == "exclusive" and not edge.default and edge.condition is None:
            problems.append(
                design_problem(
                    f"/edges/{k}",
                    "E_FLOW_CONDITION_MISSING",
                    "condition_missing",
                    edge=edge.id,
                    node=key,
                )
            )
    always = kind == "inclusive" and any(not e.default and e.condition is None for e in edges)
    if not defaults and not always:
        problems.append(
            design_problem(
                graph.pointer(key),
                "E_FLOW_NO_DEFAULT",
                "no_default",
                type=words_of(NODE_TYPES, kind),
                node=key,
            )
        )
    return problems


def _activity_edges(graph: FlowGraph, key: str) -> list[FlowProblem]:
    """Nodes that are not gateways leave over one edge (approvals: one per outcome), without
    conditions."""
    node = graph.nodes[key]
    problems: list[FlowProblem] = []
    for k in graph.out[key]:
        edge = graph.edge(k)
        for given, name in ((edge.condition is not None, "condition"), (edge.default, "default")):
            if given:
                problems.append(
                    design_problem(
                        f"/edges/{k}/{name}",
                        "E_FLOW_CONDITION_OUTSIDE_GATEWAY",
                        "condition_outside_gateway",
                        edge=edge.id,
                        node=key,
                        type=words_of(NODE_TYPES, node.type),
                        name=EDGE_SETTINGS[name],
                    )
                )
    if graph.has_outcomes(key):
        by_outcome: dict[str, list[int]] = {}
        for k in graph.out[key]:
            by_outcome.setdefault(graph.edge(k).on or "approved", []).append(k)
        for outcome, found in by_outcome.items():
            for k in found[1:]:
                edge = graph.edge(k)
                problems.append(
                    design_problem(
                        f"/edges/{k}/on" if edge.on is not None else f"/edges/{k}",
                        "E_FLOW_DUPLICATE_OUTCOME",
                        "duplicate_outcome",
                        type=words_of(NODE_TYPES, node.type),
                        node=key,
                        outcome=words_of(OUTCOMES, outcome),
                        first=graph.edge(found[0]).id,
                        second=edge.id,
                    )
                )
    elif len(graph.out[key]) > 1:
        problems.append(
            design_problem(
                graph.pointer(key),
                "E_FLOW_SPLIT_WITHOUT_GATEWAY",
                "split_without_gateway",
                node=key,
                type=words_of(NODE_TYPES, node.type),
                count=len(graph.out[key]),
                edges=listing([f"`{graph.edge(k).id}`" for k in graph.out[key]]),
            )
        )
    return problems


# ---------------------------------------------------------------- reachability


def _reachability(graph: FlowGraph) -> list[FlowProblem]:
    problems: list[FlowProblem] = []
    forward = {key: graph.successors(key) for key in graph.nodes}
    if graph.start is not None:
        reached = reachable([graph.start], forward)
        problems += [
            design_problem(
                graph.pointer(key), "E_FLOW_UNREACHABLE", "unreachable", node=key, start=graph.start
            )
            for key in graph.nodes
            if key not in reached
        ]
    for key, node in graph.nodes.items():
        if node.type == "end":
            continue
        if not graph.out[key]:
            problems.append(
                design_problem(
                    graph.pointer(key),
                    "E_FLOW_DEAD_END",
                    "dead_end",
                    node=key,
                    type=words_of(NODE_TYPES, node.type),
                )
            )
        elif all(graph.edge(k).on == "rejected" for k in graph.out[key]):
            problems.append(
                design_problem(
                    graph.pointer(key),
                    "E_FLOW_DEAD_END",
                    "no_approved_edge",
                    node=key,
                    type=words_of(NODE_TYPES, node.type),
                )
            )
    ends = [key for key, node in graph.nodes.items() if node.type == "end"]
    if ends:
        backward = {key: graph.predecessors(key) for key in graph.nodes}
        finishing = reachable(ends, backward)
        trapped = [key for key in graph.nodes if key not in finishing and graph.out[key]]
        problems += _traps(graph, trapped, forward)
        terminating = [k for k, n in graph.nodes.items() if n.type == "end" and n.terminate]
        stoppable = reachable(terminating, backward)
        problems += _endless_loops(graph, finishing - stoppable)
    return problems


def _keeps_a_token(graph: FlowGraph, key: str, inside: set[str]) -> bool:
    """Whether every way of leaving `key` sends at least one token into `inside`: a parallel
    gateway through any edge; an inclusive one through an unconditional edge, or else through
    each of its edges; an exclusive gateway through each; a node with outcomes through the edge
    of each outcome (a rejection without an edge ends the instance); any other node through
    its edge."""
    node = graph.nodes[key]
    edges = [graph.edge(k) for k in graph.out[key]]
    if not edges:
        return False
    if node.type == "parallel":
        return any(e.to in inside for e in edges)
    if node.type == "inclusive":
        always = [e for e in edges if not e.default and e.condition is None]
        if always:
            return any(e.to in inside for e in always)
    if graph.has_outcomes(key) and not any(e.on == "rejected" for e in edges):
        return False
    return all(e.to in inside for e in edges)


def _endless_loops(graph: FlowGraph, candidates: set[str]) -> list[FlowProblem]:
    """Loops no token ever leaves: the largest set of nodes each of which, however it is left,
    sends a token back into the set. Once there, the instance never finishes (unless a
    terminating end can be reached: those nodes are not candidates). Loops without a node that
    waits are `E_FLOW_BUSY_LOOP` already."""
    inside = set(candidates)
    queue = deque(inside)
    while queue:
        key = queue.popleft()
        if key in inside and not _keeps_a_token(graph, key, inside):
            inside.discard(key)
            queue.extend(p for p in graph.predecessors(key) if p in inside)
    step = {key: [t for t in graph.successors(key) if t in inside] for key in graph.nodes}
    problems = []
    for component in components((k for k in graph.nodes if k in inside), step):
        waits = any(graph.nodes[key].type in WAIT_STATES for key in component)
        if not waits or not is_cycle(component, step):
            continue
        first = min(component, key=graph.position.__getitem__)
        problems.append(
            design_problem(
                graph.pointer(first),
                "E_FLOW_ENDLESS_LOOP",
                "endless_loop",
                nodes=node_names(graph, component),
            )
        )
    return problems


def _traps(
    graph: FlowGraph, trapped: list[str], forward: dict[str, list[str]]
) -> list[FlowProblem]:
    """Loops that no path leaves: every node in `trapped` leads only to other trapped nodes or
    to dead ends (reported on their own), so the loops that lead nowhere else are the causes."""
    problems = []
    members = set(trapped)
    for component in components(trapped, forward):
        inside = set(component)
        leaves = any(
            following in members and following not in inside
            for key in component
            for following in forward[key]
        )
        if leaves or not is_cycle(component, forward):
            continue
        first = min(component, key=graph.position.__getitem__)
        problems.append(
            design_problem(
                graph.pointer(first),
                "E_FLOW_NO_PATH_TO_END",
                "no_path_to_end",
                nodes=node_names(graph, component),
            )
        )
    return problems


# ---------------------------------------------------------------- references


def _references(spec: FlowSpec, env: FlowEnvironment) -> list[FlowProblem]:
    problems: list[FlowProblem] = []
    ids = {node.id for node in spec.nodes}
    for i, key in enumerate(spec.settings.dedupe_approvers.except_):
        if key not in ids:
            problems.append(
                design_problem(
                    f"/settings/dedupe_approvers/except/{i}",
                    "E_FLOW_UNKNOWN_NODE",
                    "unknown_except_node",
                    node=key,
                )
            )
    for position, node in enumerate(spec.nodes):
        pointer = f"/nodes/{position}"
        for key in node.field_permissions:
            if key not in env.fields:
                problems.append(
                    design_problem(
                        f"{pointer}/field_permissions/{key}",
                        "E_FLOW_UNKNOWN_FIELD",
                        "unknown_permission_field",
                        field=key,
                    )
                )
        if node.type == "approval" and spec.settings.maker_checker:
            problems += [
                design_problem(
                    f"{pointer}/assignees/{i}",
                    "E_FLOW_MAKER_CHECKER",
                    "maker_checker",
                    node=node.id,
                )
                for i, assignee in enumerate(node.assignees)
                if assignee.type == "initiator"
            ]
        if node.type in ("approval", "task", "cc"):
            problems += _roles(
                env, ((f"{pointer}/assignees/{i}", a) for i, a in enumerate(node.assignees))
            )
        sla = getattr(node, "sla", None)
        if sla is not None:
            problems += _roles(
                env, ((f"{pointer}/sla/escalate_to/{i}", a) for i, a in enumerate(sla.escalate_to))
            )
        if node.type == "subflow":
            published = env.flows.get(node.flow)
            if published is None:
                problems.append(
                    design_problem(
                        f"{pointer}/flow",
                        "E_FLOW_UNKNOWN_FLOW",
                        "unknown_flow",
                        node=node.id,
                        flow=node.flow,
                    )
                )
            elif node.version not in published:
                problems.append(
                    design_problem(
                        f"{pointer}/version",
                        "E_FLOW_SUBFLOW_VERSION",
                        "subflow_version",
                        node=node.id,
                        flow=node.flow,
                        version=node.version,
                        published=listing([str(v) for v in sorted(published)], empty=NONE),
                    )
                )
    return problems


def _roles(env: FlowEnvironment, assignees: Iterable[tuple[str, Assignee]]) -> list[FlowProblem]:
    known = sorted(env.roles)
    shown = listing(known, limit=10, empty=NONE)
    return [
        design_problem(
            f"{pointer}/role",
            "E_FLOW_UNKNOWN_ROLE",
            "unknown_role" if known else "unknown_role_none",
            role=assignee.role,
            roles=shown,
        )
        for pointer, assignee in assignees
        if isinstance(assignee, RoleAssignee) and assignee.role not in env.roles
    ]
