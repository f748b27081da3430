"""Design-time validation of flows: time of `validate` (graph rules) and of `compile_flow`
(validation plus FEEL compilation) against the number of nodes, for four shapes.

Run: `.venv/bin/python benchmarks/bench_flow_validation.py [--rounds 5]`.

Shapes, each built to the size asked and valid (every flow compiles clean):
- `chain`: start, N approvals in a row, end; every approval writes the same field (the worst
  case of the parallel-write rule, which compares the writers of a field pairwise).
- `blocks`: a sequence of blocks, each a parallel split of an approval and an exclusive choice
  between two approvals, joined, then a rework loop (the rejection goes back to the block).
- `wide`: one parallel split into N approvals and one join with N incoming edges (the worst
  case of the join rule, which compares the incoming edges pairwise).
- `nested`: parallel, exclusive and inclusive blocks nested three deep, repeated in sequence.
The best of `--rounds` runs is reported, with the machine load (`uptime`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from collections.abc import Callable
from typing import Any

from brickwork.engines.flow import FlowEnvironment, FlowSpec, compile_flow
from brickwork.engines.flow.validation import validate

ENV = FlowEnvironment(fields={"amount": "money", "note": "text"})


class Flow:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = [{"id": "s", "type": "start"}]
        self.edges: list[dict[str, Any]] = []
        self.ids = itertools.count()

    def node(self, kind: str, **extra: Any) -> str:
        key = f"n{next(self.ids)}"
        self.nodes.append({"id": key, "type": kind, **extra})
        return key

    def approval(self, **extra: Any) -> str:
        return self.node("approval", assignees=[{"type": "user", "user": "u"}], **extra)

    def edge(self, source: str, target: str, **extra: Any) -> None:
        self.edges.append({"id": f"e{len(self.edges)}", "from": source, "to": target, **extra})

    def spec(self, last: str) -> dict[str, Any]:
        self.nodes.append({"id": "end", "type": "end"})
        self.edge(last, "end")
        return {"form": "f", "nodes": self.nodes, "edges": self.edges}


def chain(size: int) -> dict[str, Any]:
    flow = Flow()
    last = "s"
    for _ in range(size):
        key = flow.approval(field_permissions={"note": "write"})
        flow.edge(last, key)
        last = key
    return flow.spec(last)


def blocks(size: int) -> dict[str, Any]:
    flow = Flow()
    last = "s"
    while len(flow.nodes) < size:
        head = flow.node("exclusive")
        split, join = flow.node("parallel"), flow.node("parallel")
        choice, merge = flow.node("exclusive"), flow.node("exclusive")
        one, high, low = flow.approval(), flow.approval(), flow.approval()
        check = flow.approval()
        flow.edge(last, head)
        flow.edge(head, split)
        flow.edge(split, one)
        flow.edge(split, choice)
        flow.edge(choice, high, condition="amount > 1000")
        flow.edge(choice, low, default=True)
        flow.edge(high, merge)
        flow.edge(low, merge)
        flow.edge(one, join)
        flow.edge(merge, join)
        flow.edge(join, check)
        flow.edge(check, head, on="rejected")
        last = check
    return flow.spec(last)


def wide(size: int) -> dict[str, Any]:
    flow = Flow()
    split, join = flow.node("parallel"), flow.node("parallel")
    flow.edge("s", split)
    for _ in range(size):
        key = flow.approval()
        flow.edge(split, key)
        flow.edge(key, join)
    return flow.spec(join)


def nested(size: int) -> dict[str, Any]:
    flow = Flow()

    def block(depth: int) -> tuple[str, str]:
        if depth == 0:
            key = flow.approval()
            return key, key
        kind = ("parallel", "exclusive", "inclusive")[depth % 3]
        split, join = flow.node(kind), flow.node(kind)
        for i in range(3):
            entry, exit_ = block(depth - 1)
            extra: dict[str, Any] = {}
            if kind != "parallel":
                extra = {"default": True} if i == 2 else {"condition": f"amount > {i}"}
            flow.edge(split, entry, **extra)
            flow.edge(exit_, join)
        return split, join

    last = "s"
    while len(flow.nodes) < size:
        entry, exit_ = block(3)
        flow.edge(last, entry)
        last = exit_
    return flow.spec(last)


SHAPES: dict[str, Callable[[int], dict[str, Any]]] = {
    "chain": chain,
    "blocks": blocks,
    "wide": wide,
    "nested": nested,
}


def best(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'shape':<8} {'nodes':>6} {'edges':>6} {'validate ms':>12} {'compile ms':>11}")
    for name, build in SHAPES.items():
        for size in (100, 300, 1000, 3000):
            spec = build(size)
            model = FlowSpec.model_validate(spec)
            assert validate(model, ENV) == []
            compile_flow(model, ENV)
            checked = best(lambda model=model: validate(model, ENV), args.rounds)
            compiled = best(lambda spec=spec: compile_flow(spec, ENV), args.rounds)
            print(
                f"{name:<8} {len(spec['nodes']):>6} {len(spec['edges']):>6} "
                f"{checked * 1000:>12.2f} {compiled * 1000:>11.2f}"
            )


if __name__ == "__main__":
    main()
