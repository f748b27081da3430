"""Design-time validation of flows: realistic and block-structured flows compile clean, every
problem of a flow is reported at once, any graph is judged with pointers that resolve, and
every code is documented."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.flow import FlowDefinitionError, FlowEnvironment, FlowProblem, compile_flow
from brickwork.engines.rules.calendar import BusinessCalendar

ROOT = Path(__file__).resolve().parents[4]
FIELDS = {
    "amount": "money",
    "note": "text",
    "risk_level": "text",
    "compliance_note": "text",
    "committee_note": "text",
    "score": "decimal",
    "branch": "department",
    "relationship_manager": "member",
}
ENV = FlowEnvironment(
    fields=FIELDS,
    roles=frozenset({"risk_officer", "compliance_officer", "credit_committee"}),
    forms={"credit_log": {"amount": "money", "note": "text"}},
    decisions={"credit_scoring": object()},
    flows={"kyc_check": frozenset({1, 2})},
    calendars={"cn": BusinessCalendar(key="cn")},
)


def edge(edge_id: str, source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"id": edge_id, "from": source, "to": target, **extra}


def role(key: str) -> list[dict[str, Any]]:
    return [{"type": "role", "role": key}]


def credit_flow() -> dict[str, Any]:
    """Account manager submits -> branch president (rework loop on rejection) -> scoring ->
    above 1,000,000: risk || compliance || KYC subflow, else a cooling-off wait -> credit
    committee vote -> CC -> log -> end; any rejection in the branches or by the committee ends
    the case as rejected."""
    return {
        "form": "credit_application",
        "settings": {"dedupe_approvers": {"mode": "consecutive", "except": ["committee"]}},
        "nodes": [
            {"id": "submit", "type": "start"},
            {
                "id": "president",
                "type": "approval",
                "mode": "single",
                "assignees": [{"type": "department_head", "of": "initiator"}],
                "sla": {
                    "duration": "P2D",
                    "on_breach": "escalate",
                    "escalate_to": [{"type": "manager", "levels": 2}, *role("risk_officer")],
                },
                "field_permissions": {"note": "write", "risk_level": "hidden"},
            },
            {
                "id": "revise",
                "type": "task",
                "assignees": [{"type": "initiator"}],
                "field_permissions": {"amount": "write", "note": "write"},
            },
            {
                "id": "scoring",
                "type": "action",
                "actions": [
                    {
                        "type": "call_decision",
                        "model": "credit_scoring",
                        "inputs": {"amount": "amount"},
                        "outputs": {"score": "result"},
                    }
                ],
            },
            {"id": "large", "type": "exclusive"},
            {"id": "split", "type": "parallel"},
            {
                "id": "risk",
                "type": "approval",
                "assignees": role("risk_officer"),
                "field_permissions": {"risk_level": "write"},
            },
            {
                "id": "compliance",
                "type": "approval",
                "mode": "all",
                "assignees": role("compliance_officer"),
                "field_permissions": {"compliance_note": "write"},
            },
            {"id": "kyc", "type": "subflow", "flow": "kyc_check", "version": 2},
            {"id": "join", "type": "parallel"},
            {"id": "cooling", "type": "timer", "wait": "PT4H"},
            {"id": "ready", "type": "exclusive"},
            {
                "id": "committee",
                "type": "approval",
                "mode": "vote",
                "vote": {"pass_ratio": "0.6"},
                "assignees": role("credit_committee"),
                "field_permissions": {"committee_note": "write"},
            },
            {
                "id": "notify",
                "type": "cc",
                "assignees": [{"type": "field", "field": "relationship_manager"}],
            },
            {
                "id": "log",
                "type": "action",
                "actions": [
                    {"type": "create_record", "form": "credit_log", "values": {"amount": "amount"}}
                ],
            },
            {"id": "approved", "type": "end"},
            {"id": "rejected", "type": "end", "terminate": True, "outcome": "rejected"},
        ],
        "edges": [
            edge("e1", "submit", "president"),
            edge("e2", "president", "scoring"),
            edge("e3", "president", "revise", on="rejected"),
            edge("e4", "revise", "president"),
            edge("e5", "scoring", "large"),
            edge("e6", "large", "split", condition="amount > 1000000", priority=1),
            edge("e7", "large", "cooling", default=True),
            edge("e8", "split", "risk"),
            edge("e9", "split", "compliance"),
            edge("e10", "split", "kyc"),
            edge("e11", "risk", "join"),
            edge("e12", "compliance", "join"),
            edge("e13", "kyc", "join"),
            edge("e14", "risk", "rejected", on="rejected"),
            edge("e15", "compliance", "rejected", on="rejected"),
            edge("e16", "join", "ready"),
            edge("e17", "cooling", "ready"),
            edge("e18", "ready", "committee"),
            edge("e19", "committee", "notify"),
            edge("e20", "committee", "rejected", on="rejected"),
            edge("e21", "notify", "log"),
            edge("e22", "log", "approved"),
        ],
    }


def test_realistic_credit_flow_compiles_clean() -> None:
    compiled = compile_flow(credit_flow(), ENV)
    assert compiled.start == "submit"
    assert set(compiled.nodes) == {n["id"] for n in credit_flow()["nodes"]}


def test_the_documented_credit_scenario_compiles_clean() -> None:
    flows = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
    block = flows.split("## 8.")[1].split("```json")[1].split("```")[0]
    compiled = compile_flow(json.loads(block), ENV)
    assert compiled.inclusive_joins == ()
    assert {"split", "join", "committee"} <= set(compiled.nodes)


CLEAN_SHAPES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    (
        "outcomes of a subflow and of a task whose SLA rejects",
        [
            {"id": "kyc", "type": "subflow", "flow": "kyc_check", "version": 1},
            {
                "id": "fill",
                "type": "task",
                "assignees": [{"type": "initiator"}],
                "sla": {"duration": "P1D", "on_breach": "reject"},
            },
        ],
        [
            edge("e0", "s", "kyc"),
            edge("e1", "kyc", "fill"),
            edge("e2", "kyc", "a", on="rejected"),
            edge("e3", "fill", "end"),
            edge("e4", "fill", "a", on="rejected"),
            edge("e5", "a", "end"),
        ],
    ),
    (
        "inclusive split with an always-taken edge needs no default",
        [{"id": "i", "type": "inclusive"}, {"id": "m", "type": "inclusive"}],
        [
            edge("e0", "s", "i"),
            edge("e1", "i", "a", condition="amount > 1"),
            edge("e2", "i", "b"),
            edge("e3", "a", "m"),
            edge("e4", "b", "m"),
            edge("e5", "m", "end"),
        ],
    ),
    (
        "parallel branches joined by an inclusive gateway",
        [{"id": "i", "type": "parallel"}, {"id": "m", "type": "inclusive"}],
        [
            edge("e0", "s", "i"),
            edge("e1", "i", "a"),
            edge("e2", "i", "b"),
            edge("e3", "a", "m"),
            edge("e4", "b", "m"),
            edge("e5", "m", "end"),
        ],
    ),
    (
        "a fork without a join: one branch ends, the other goes on",
        [{"id": "p", "type": "parallel"}, {"id": "x", "type": "exclusive"}],
        [
            edge("e0", "s", "x"),
            edge("e1", "x", "p", condition="amount > 1"),
            edge("e2", "x", "b", default=True),
            edge("e3", "p", "a"),
            edge("e4", "p", "b"),
            edge("e5", "a", "end"),
            edge("e6", "b", "end"),
        ],
    ),
    (
        "a decision inside a parallel branch merges before the join",
        [
            {"id": "p", "type": "parallel"},
            {"id": "x", "type": "exclusive"},
            {"id": "m", "type": "exclusive"},
            {"id": "j", "type": "parallel"},
        ],
        [
            edge("e0", "s", "p"),
            edge("e1", "p", "x"),
            edge("e2", "x", "a", condition="amount > 1"),
            edge("e3", "x", "m", default=True),
            edge("e4", "a", "m"),
            edge("e5", "m", "j"),
            edge("e6", "p", "b"),
            edge("e7", "b", "j"),
            edge("e8", "j", "end"),
        ],
    ),
    (
        "a nested fork whose extra branch ends inside a joined branch",
        [
            {"id": "p", "type": "parallel"},
            {"id": "q", "type": "parallel"},
            {"id": "j", "type": "parallel"},
            {"id": "c", "type": "cc", "assignees": [{"type": "user", "user": "audit"}]},
        ],
        [
            edge("e0", "s", "p"),
            edge("e1", "p", "q"),
            edge("e2", "q", "a"),
            edge("e3", "q", "c"),
            edge("e4", "c", "end"),
            edge("e5", "a", "j"),
            edge("e6", "p", "b"),
            edge("e7", "b", "j"),
            edge("e8", "j", "end"),
        ],
    ),
    (
        "a rework loop inside a parallel branch",
        [
            {"id": "p", "type": "parallel"},
            {"id": "j", "type": "parallel"},
            {"id": "fix", "type": "task", "assignees": [{"type": "initiator"}]},
        ],
        [
            edge("e0", "s", "p"),
            edge("e1", "p", "a"),
            edge("e2", "a", "fix", on="rejected"),
            edge("e3", "fix", "a"),
            edge("e4", "a", "j"),
            edge("e5", "p", "b"),
            edge("e6", "b", "j"),
            edge("e7", "j", "end"),
        ],
    ),
    (
        "three branches joined two, then one",
        [
            {"id": "p", "type": "parallel"},
            {"id": "j1", "type": "parallel"},
            {"id": "j2", "type": "parallel"},
            {"id": "c", "type": "timer", "wait": "PT1H"},
        ],
        [
            edge("e0", "s", "p"),
            edge("e1", "p", "a"),
            edge("e2", "p", "b"),
            edge("e3", "p", "c"),
            edge("e4", "a", "j1"),
            edge("e5", "b", "j1"),
            edge("e6", "j1", "j2"),
            edge("e7", "c", "j2"),
            edge("e8", "j2", "end"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("gateways", "edges"),
    [pytest.param(nodes, edges, id=name) for name, nodes, edges in CLEAN_SHAPES],
)
def test_sound_shapes_compile_clean(
    gateways: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> None:
    used = {e["from"] for e in edges} | {e["to"] for e in edges}
    named = {g["id"] for g in gateways}
    people = [
        {"id": key, "type": "approval", "assignees": [{"type": "user", "user": key}]}
        for key in sorted(used - named - {"s", "end"})
    ]
    spec = {
        "form": "credit_application",
        "nodes": [{"id": "s", "type": "start"}, *gateways, *people, {"id": "end", "type": "end"}],
        "edges": edges,
    }
    compile_flow(spec, ENV)


def test_every_problem_is_reported_at_once() -> None:
    spec = credit_flow()
    spec["nodes"].append({"id": "orphan", "type": "cc", "assignees": [{"type": "initiator"}]})
    spec["nodes"][6]["assignees"] = role("risk_manager")
    spec["edges"][6]["condition"] = "amount < 10"  # the default e7 gets a condition
    spec["edges"][10] = edge("e11", "risk", "ready")  # risk skips the join
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, ENV)
    assert {(p.pointer, p.code) for p in refused.value.problems} == {
        ("/nodes/17", "E_FLOW_UNREACHABLE"),
        ("/nodes/17", "E_FLOW_DEAD_END"),
        ("/nodes/6/assignees/0/role", "E_FLOW_UNKNOWN_ROLE"),
        ("/edges/6/condition", "E_FLOW_DEFAULT_CONDITION"),
        ("/nodes/11", "E_FLOW_UNSYNCHRONIZED_MERGE"),  # risk's token and the join's meet
    }


# ---------------------------------------------------------------- block-structured flows


class _Builder:
    """Builds a flow from nested blocks: every block has one entry and one exit node."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = [
            {"id": "s", "type": "start"},
            {"id": "end", "type": "end"},
        ]
        self.edges: list[dict[str, Any]] = []
        self.ids = itertools.count()

    def node(self, kind: str, **extra: Any) -> str:
        key = f"n{next(self.ids)}"
        self.nodes.append({"id": key, "type": kind, **extra})
        return key

    def edge(self, source: str, target: str, **extra: Any) -> None:
        self.edges.append(edge(f"e{len(self.edges)}", source, target, **extra))

    def block(self, tree: Any) -> tuple[str, str]:
        kind, *parts = tree
        if kind == "approval":
            key = self.node("approval", assignees=[{"type": "user", "user": "u"}])
            if parts[0]:
                if not any(n["id"] == "stop" for n in self.nodes):
                    self.nodes.append(
                        {"id": "stop", "type": "end", "terminate": True, "outcome": "rejected"}
                    )
                self.edge(key, "stop", on="rejected")
            return key, key
        if kind == "seq":
            first_in, first_out = self.block(parts[0])
            second_in, second_out = self.block(parts[1])
            self.edge(first_out, second_in)
            return first_in, second_out
        if kind == "loop":
            head = self.node("exclusive")
            body_in, body_out = self.block(parts[0])
            check = self.node("approval", assignees=[{"type": "user", "user": "checker"}])
            self.edge(head, body_in)
            self.edge(body_out, check)
            self.edge(check, head, on="rejected")
            return head, check
        split = self.node(kind)
        join = self.node(kind)
        branches = parts[0]
        for i, branch in enumerate(branches):
            entry, exit_ = self.block(branch)
            extra: dict[str, Any] = {}
            if kind != "parallel":
                last = i == len(branches) - 1
                extra = {"default": True} if last else {"condition": f"amount > {i}"}
            self.edge(split, entry, **extra)
            self.edge(exit_, join)
        return split, join

    def spec(self, tree: Any) -> dict[str, Any]:
        entry, exit_ = self.block(tree)
        self.edge("s", entry)
        self.edge(exit_, "end")
        return {"form": "credit_application", "nodes": self.nodes, "edges": self.edges}


def _trees(kinds: list[str], loop_body: st.SearchStrategy[Any] | None) -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.tuples(st.just("seq"), inner, inner),
            st.tuples(st.just("loop"), loop_body if loop_body is not None else inner),
            st.tuples(st.sampled_from(kinds), st.lists(inner, min_size=2, max_size=4)),
        )

    return st.recursive(st.tuples(st.just("approval"), st.booleans()), extend, max_leaves=25)


# an inclusive join inside a joined branch of a loop is refused (E_FLOW_INCLUSIVE_JOIN_LOOP):
# loop bodies are built from parallel and exclusive blocks only
blocks = _trees(["parallel", "exclusive", "inclusive"], _trees(["parallel", "exclusive"], None))


@given(blocks)
def test_block_structured_flows_compile_clean(tree: Any) -> None:
    compile_flow(_Builder().spec(tree), ENV)


def test_a_three_hundred_node_flow_compiles_clean() -> None:
    stage = ("seq", ("parallel", [("approval", True), ("approval", False)]), ("approval", True))
    tree: Any = ("exclusive", [stage, stage, ("loop", stage)])
    for _ in range(6):
        tree = ("seq", tree, ("inclusive", [tree, ("approval", False)]))
    spec = _Builder().spec(tree)
    assert len(spec["nodes"]) > 300
    compile_flow(spec, ENV)


# ---------------------------------------------------------------- any graph


def _resolve(document: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        document = document[int(key)] if isinstance(document, list) else document[key]
    return document


NODE_KINDS = ["approval", "task", "exclusive", "parallel", "inclusive", "end", "timer"]


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from(NODE_KINDS), min_size=1, max_size=12))
    nodes: list[dict[str, Any]] = [{"id": "s", "type": "start"}]
    for i, kind in enumerate(kinds):
        extra: dict[str, Any] = {}
        if kind in ("approval", "task"):
            extra = {"assignees": [{"type": "user", "user": "u"}]}
            if draw(st.booleans()):
                extra["field_permissions"] = {"note": "write"}
        if kind == "timer":
            extra = {"wait": "PT1H"}
        nodes.append({"id": f"n{i}", "type": kind, **extra})
    ids = [n["id"] for n in nodes]
    count = draw(st.integers(min_value=0, max_value=3 * len(ids)))
    edges = []
    for i in range(count):
        extra = {}
        if draw(st.booleans()):
            extra["condition"] = "amount > 1"
        if draw(st.integers(0, 3)) == 0:
            extra["default"] = True
        outcome = draw(st.sampled_from([None, None, "approved", "rejected"]))
        if outcome is not None:
            extra["on"] = outcome
        edges.append(edge(f"e{i}", draw(st.sampled_from(ids)), draw(st.sampled_from(ids)), **extra))
    return {"form": "credit_application", "nodes": nodes, "edges": edges}


@given(graphs())
def test_any_graph_compiles_or_is_refused_with_pointers_into_it(spec: dict[str, Any]) -> None:
    found: tuple[FlowProblem, ...] | None = None
    try:
        compile_flow(spec, ENV)
    except FlowDefinitionError as refused:
        found = refused.problems
    if found is not None:
        assert found
        for problem in found:
            assert problem.code.startswith("E_FLOW_")
            assert problem.hint
            _resolve(spec, problem.pointer)


def test_every_validation_code_is_documented() -> None:
    sources = [
        ROOT / "src" / "brickwork" / "engines" / "flow" / name
        for name in ("validation.py", "soundness.py")
    ]
    codes = set()
    for path in sources:
        codes |= set(re.findall(r'"(E_FLOW_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    documented = set(
        re.findall(r"`(E_FLOW_[A-Z_]+)`", (ROOT / "docs" / "api-errors.md").read_text("utf-8"))
    )
    flows_doc = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
    assert len(codes) >= 25
    assert sorted(codes - documented) == []
    assert sorted(c for c in codes if c not in flows_doc) == []
