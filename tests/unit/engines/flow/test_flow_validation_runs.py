"""What validation promises, checked against the engine: a flow that compiles never gets stuck.

Block-structured flows (sequences, loops with a wait state, parallel, exclusive and inclusive
blocks, rejections to a terminating end) get one or two random extra edges, and sometimes a
gateway of another type (an exclusive split joined by a parallel gateway, ...). Whatever still
compiles is run with random decisions (rejecting less after a while): at every step the
instance is finished, or someone has a task to act on; it never stops in an incident or with
tokens nobody can move.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from brickwork.engines.flow import (
    Approve,
    Complete,
    FlowDefinitionError,
    FlowEnvironment,
    Reject,
    World,
    compile_flow,
    start,
    step,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ENV = FlowEnvironment(fields={"amount": "money", "note": "text"})


class Directory:
    """Everyone is active, in no department; nobody is away."""

    def users_with_role(self, role: str, department: str | None) -> Sequence[str]:
        return []

    def department_of(self, username: str) -> str | None:
        return None

    def department_head(self, department: str) -> str | None:
        return None

    def parent_department(self, department: str) -> str | None:
        return None

    def is_active(self, username: str) -> bool:
        return True

    def usernames_of(self, user_ids: Sequence[str]) -> Mapping[str, str]:
        return {}

    def department_keys_of(self, department_ids: Sequence[str]) -> Mapping[str, str]:
        return {}

    def delegate_of(self, username: str, at: datetime) -> str | None:
        return None

    def administrator(self) -> str:
        return "admin"


class Builder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = [{"id": "s", "type": "start"}]
        self.edges: list[dict[str, Any]] = []
        self.ids = itertools.count()

    def node(self, kind: str, **extra: Any) -> str:
        key = f"n{next(self.ids)}"
        self.nodes.append({"id": key, "type": kind, **extra})
        return key

    def edge(self, source: str, target: str, **extra: Any) -> None:
        self.edges.append({"id": f"e{len(self.edges)}", "from": source, "to": target, **extra})

    def block(self, tree: Any) -> tuple[str, str]:
        kind, *parts = tree
        if kind == "approval":
            key = self.node("approval", assignees=[{"type": "user", "user": "u"}])
            if parts[0]:
                self.edge(key, "stop", on="rejected")
            return key, key
        if kind == "task":
            key = self.node("task", assignees=[{"type": "user", "user": "u"}])
            return key, key
        if kind == "seq":
            first_in, first_out = self.block(parts[0])
            second_in, second_out = self.block(parts[1])
            self.edge(first_out, second_in)
            return first_in, second_out
        if kind == "loop":
            head = self.node("exclusive")
            body_in, body_out = self.block(parts[0])
            check = self.node("approval", assignees=[{"type": "user", "user": "u"}])
            self.edge(head, body_in)
            self.edge(body_out, check)
            self.edge(check, head, on="rejected")
            return head, check
        split, join = self.node(kind), self.node(kind)
        for i, branch in enumerate(parts[0]):
            entry, exit_ = self.block(branch)
            extra: dict[str, Any] = {}
            if kind != "parallel":
                last = i == len(parts[0]) - 1
                extra = {"default": True} if last else {"condition": f"amount > {i * 10}"}
            self.edge(split, entry, **extra)
            self.edge(exit_, join)
        return split, join

    def spec(self, tree: Any) -> dict[str, Any]:
        entry, exit_ = self.block(tree)
        self.edge("s", entry)
        self.edge(exit_, "end")
        self.nodes.append({"id": "end", "type": "end"})
        self.nodes.append({"id": "stop", "type": "end", "terminate": True, "outcome": "rejected"})
        self.nodes.append({"id": "other_end", "type": "end", "outcome": "rejected"})
        return {"form": "f", "nodes": self.nodes, "edges": self.edges}


def trees(kinds: list[str], loop_body: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.tuples(st.just("seq"), inner, inner),
            st.tuples(st.just("loop"), loop_body if loop_body is not None else inner),
            st.tuples(st.sampled_from(kinds), st.lists(inner, min_size=2, max_size=3)),
        )

    leaves = st.one_of(st.tuples(st.just("approval"), st.booleans()), st.just(("task",)))
    return st.recursive(leaves, extend, max_leaves=12)


# Loop bodies mostly without inclusive blocks (most flows then compile), sometimes with them
# (validation must refuse the ones the engine would hang on).
blocks = trees(
    ["parallel", "exclusive", "inclusive"],
    st.one_of(
        trees(["parallel", "exclusive"], None),
        trees(["parallel", "exclusive", "inclusive"], None),
    ),
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    spec = Builder().spec(draw(blocks))
    ids = [n["id"] for n in spec["nodes"]]
    gateways = [n for n in spec["nodes"] if n["type"] in ("parallel", "exclusive", "inclusive")]
    if gateways and draw(st.booleans()):
        changed = draw(st.sampled_from(gateways))
        changed["type"] = draw(st.sampled_from(["parallel", "exclusive", "inclusive"]))
        if changed["type"] == "parallel":
            for one in spec["edges"]:
                if one["from"] == changed["id"]:
                    one.pop("condition", None)
                    one.pop("default", None)
    for i in range(draw(st.integers(min_value=0, max_value=2))):
        extra: dict[str, Any] = {}
        if draw(st.booleans()):
            extra["on"] = "rejected"
        if draw(st.booleans()):
            extra["condition"] = "amount > 15"
        source, target = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        spec["edges"].append({"id": f"x{i}", "from": source, "to": target, **extra})
    targets = {e["to"] for e in spec["edges"]}
    spec["nodes"] = [n for n in spec["nodes"] if n["type"] != "end" or n["id"] in targets]
    return spec


@given(mutated(), st.integers(min_value=0, max_value=40), st.randoms(use_true_random=False))
def test_a_flow_that_compiles_always_ends_or_waits_for_someone(
    spec: dict[str, Any], amount: int, rng: Any
) -> None:
    try:
        flow = compile_flow(spec, ENV)
    except FlowDefinitionError:
        event("refused")
        return
    event("compiled")
    world = World({"amount": Decimal(amount)}, Directory())
    state = start(flow, instance_id="i1", initiator="am", now=NOW, world=world).state
    for turn in range(300):
        assert state.status != "incident", state
        if state.status != "running":
            return
        open_tasks = [t for t in state.tasks if t.kind != "cc"]
        assert open_tasks or state.timers, f"stuck: {state.to_json()}"
        task = rng.choice(open_tasks)
        reject = turn < 100 and rng.random() < 0.3
        if task.kind == "fill":
            command: Any = Complete(task.assignee, task.id)
        else:
            command = Reject(task.assignee, task.id) if reject else Approve(task.assignee, task.id)
        state = step(flow, state, command, now=NOW, world=world).state
    # still running after 300 decisions: a loop whose condition the data keep true (no
    # structural rule can tell), but at every step someone had a task to act on
