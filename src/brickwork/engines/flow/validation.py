"""Design-time validation of a flow's graph and references, with JSON pointers.

`compile_flow` calls `validate` after the schema check and refuses the flow when it returns any
problem.
"""

from __future__ import annotations

from brickwork.engines.flow.definition import FlowSpec
from brickwork.engines.flow.environment import FlowEnvironment
from brickwork.engines.flow.problems import FlowProblem


def validate(spec: FlowSpec, env: FlowEnvironment) -> list[FlowProblem]:
    """Every problem of the flow's graph: duplicate ids, edges to unknown nodes, not exactly one
    start, no end."""
    problems: list[FlowProblem] = []
    seen: set[str] = set()
    for index, node in enumerate(spec.nodes):
        if node.id in seen:
            problems.append(
                FlowProblem(
                    f"/nodes/{index}/id",
                    "E_FLOW_DUPLICATE_ID",
                    f"two nodes have the id `{node.id}`",
                    "give every node its own id",
                )
            )
        seen.add(node.id)
    edge_ids: set[str] = set()
    for index, edge in enumerate(spec.edges):
        if edge.id in edge_ids:
            problems.append(
                FlowProblem(
                    f"/edges/{index}/id",
                    "E_FLOW_DUPLICATE_ID",
                    f"two edges have the id `{edge.id}`",
                    "give every edge its own id",
                )
            )
        edge_ids.add(edge.id)
        for end, key in ((edge.from_, "from"), (edge.to, "to")):
            if end not in seen:
                problems.append(
                    FlowProblem(
                        f"/edges/{index}/{key}",
                        "E_FLOW_UNKNOWN_NODE",
                        f"there is no node `{end}`",
                        "name the id of a node of this flow",
                    )
                )
    starts = [i for i, node in enumerate(spec.nodes) if node.type == "start"]
    if len(starts) != 1:
        problems.append(
            FlowProblem(
                f"/nodes/{starts[1]}" if starts else "/nodes",
                "E_FLOW_START",
                f"a flow has exactly one start node, this one has {len(starts)}",
                'keep one {"type": "start"} node',
            )
        )
    if not any(node.type == "end" for node in spec.nodes):
        problems.append(
            FlowProblem(
                "/nodes",
                "E_FLOW_NO_END",
                "the flow has no end node",
                'add an {"type": "end"} node',
            )
        )
    return problems
