"""Branch blocks: a block document compiles to a flow graph that validates, reads back to the
same document, and bad documents or graphs of another shape are refused with pointers."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brickwork.engines.flow import (
    FlowDefinitionError,
    FlowEnvironment,
    NotBlocks,
    card_of,
    compile_flow,
    to_blocks,
    to_graph,
)

ENV = FlowEnvironment(
    fields={"amount": "money", "note": "text", "risk_level": "text"},
    roles=frozenset({"risk_officer", "credit_committee"}),
)
START = {"id": "start", "type": "start"}
END = {"id": "end", "type": "end"}


def approval(key: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": key,
        "type": "approval",
        "assignees": [{"type": "role", "role": "risk_officer"}],
        **extra,
    }


def branch(key: str, steps: list[Any], condition: str | None = None, default: bool = False):
    return {"id": key, "condition": condition, "default": default, "steps": steps}


def document(*steps: Any) -> dict[str, Any]:
    return {"start": START, "steps": list(steps), "end": END}


def edges(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["id"], e["from"], e["to"]) for e in spec["edges"]]


# ---------------------------------------------------------------- shapes


def test_no_steps_is_start_to_end() -> None:
    spec = to_graph(document(), form="loan")
    assert spec == {
        "form": "loan",
        "nodes": [START, END],
        "edges": [{"id": "e_start_end", "from": "start", "to": "end"}],
    }
    assert to_blocks(spec) == document()


def test_a_sequence_keeps_each_node_as_it_is() -> None:
    first = approval(
        "branch_review",
        label={"zh-CN": "支行审查", "en": "Branch review"},
        mode="vote",
        vote={"pass_ratio": "2/3"},
        sla={"working_days": 2},
        allow=["return"],
        field_permissions={"note": "write"},
    )
    cc = {"id": "tell", "type": "cc", "assignees": [{"type": "initiator"}]}
    task = {"id": "fill", "type": "task", "assignees": [{"type": "manager", "levels": 2}]}
    blocks = document(first, cc, task)
    spec = to_graph(blocks, form="loan", settings={"maker_checker": True})
    assert spec["settings"] == {"maker_checker": True}
    assert spec["nodes"] == [START, first, cc, task, END]
    assert edges(spec) == [
        ("e_start_branch_review", "start", "branch_review"),
        ("e_branch_review_tell", "branch_review", "tell"),
        ("e_tell_fill", "tell", "fill"),
        ("e_fill_end", "fill", "end"),
    ]
    compile_flow(spec, ENV)
    assert to_blocks(spec) == blocks


@pytest.mark.parametrize("kind", ["exclusive", "parallel", "inclusive"])
def test_branches_become_a_split_and_a_join_of_their_kind(kind: str) -> None:
    deciding = kind != "parallel"
    block = {
        "type": "branches",
        "id": "amount_check",
        "label": "Amount",
        "kind": kind,
        "branches": [
            {
                "id": "large",
                "label": {"zh-CN": "大额", "en": "Large"},
                "condition": "amount > 1000000" if deciding else None,
                "default": False,
                "priority": 1,
                "steps": [approval("committee"), approval("chair")],
            },
            branch("other", [], default=deciding),
        ],
    }
    spec = to_graph(document(approval("first"), block), form="loan")
    assert [(n["id"], n["type"]) for n in spec["nodes"]] == [
        ("start", "start"),
        ("first", "approval"),
        ("amount_check", kind),
        ("committee", "approval"),
        ("chair", "approval"),
        ("amount_check_join", kind),
        ("end", "end"),
    ]
    assert edges(spec) == [
        ("e_start_first", "start", "first"),
        ("e_first_amount_check", "first", "amount_check"),
        ("large", "amount_check", "committee"),
        ("other", "amount_check", "amount_check_join"),
        ("e_committee_chair", "committee", "chair"),
        ("e_chair_amount_check_join", "chair", "amount_check_join"),
        ("e_amount_check_join_end", "amount_check_join", "end"),
    ]
    assert spec["edges"][2]["label"] == {"zh-CN": "大额", "en": "Large"}
    assert spec["edges"][2]["priority"] == 1
    compile_flow(spec, ENV)
    assert to_blocks(spec) == document(approval("first"), block)


def test_rejection_ends_the_flow_as_rejected() -> None:
    """No `rejected` edge: the engine ends the instance as rejected (docs/flows.md §1.2)."""
    spec = to_graph(document(approval("a"), approval("b")), form="loan")
    assert not any("on" in e for e in spec["edges"])
    compiled = compile_flow(spec, ENV)
    assert compiled.plans["a"].on_rejected == ()


def test_nested_branches_and_branches_right_after_branches() -> None:
    inner = {
        "type": "branches",
        "id": "checks",
        "kind": "parallel",
        "branches": [branch("risk", [approval("risk")]), branch("legal", [approval("legal")])],
    }
    outer = {
        "type": "branches",
        "id": "size",
        "kind": "exclusive",
        "branches": [
            branch("big", [inner], condition="amount > 10"),
            branch("small", [], default=True),
        ],
    }
    after = {
        "type": "branches",
        "id": "notify",
        "kind": "inclusive",
        "branches": [
            branch(
                "high",
                [{"id": "cc_risk", "type": "cc", "assignees": [{"type": "initiator"}]}],
                condition='risk_level = "high"',
            ),
            branch("always", []),
        ],
    }
    blocks = document(outer, after)
    spec = to_graph(blocks, form="loan")
    compile_flow(spec, ENV)
    assert to_blocks(spec) == blocks


def test_a_hand_written_flow_reads_as_blocks() -> None:
    spec = {
        "form": "loan",
        "nodes": [
            {"id": "n_start", "type": "start"},
            approval("review"),
            {"id": "gate", "type": "exclusive"},
            approval("boss"),
            {"id": "merge", "type": "exclusive"},
            {"id": "n_end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "n_start", "to": "review"},
            {"id": "e2", "from": "review", "to": "gate", "on": "approved"},
            {"id": "e3", "from": "gate", "to": "boss", "condition": "amount > 5"},
            {"id": "e4", "from": "gate", "to": "merge", "default": True},
            {"id": "e5", "from": "boss", "to": "merge"},
            {"id": "e6", "from": "merge", "to": "n_end"},
        ],
    }
    blocks = to_blocks(spec)
    assert blocks["start"]["id"] == "n_start"
    assert blocks["steps"][1] == {
        "type": "branches",
        "id": "gate",
        "kind": "exclusive",
        "join": "merge",
        "branches": [
            branch("e3", [approval("boss")], condition="amount > 5"),
            branch("e4", [], default=True),
        ],
    }
    again = to_graph(blocks, form="loan")
    assert [n["id"] for n in again["nodes"]] == [n["id"] for n in spec["nodes"]]
    compile_flow(again, ENV)
    assert to_blocks(again) == blocks


# ---------------------------------------------------------------- graphs of another shape


def _flow(nodes: list[dict[str, Any]], pairs: list[tuple[str, str]], **extra: Any):
    made = [{"id": f"e{i}", "from": a, "to": b} for i, (a, b) in enumerate(pairs)]
    return {"form": "loan", "nodes": nodes, "edges": made, **extra}


@pytest.mark.parametrize(
    ("nodes", "pairs", "node", "words"),
    [
        (
            [START, approval("a"), {"id": "x", "type": "subflow", "flow": "k", "version": 1}, END],
            [("start", "a"), ("a", "x"), ("x", "end")],
            "x",
            "subflow",
        ),
        (
            [START, approval("a"), approval("b"), END],
            [("start", "a"), ("a", "b"), ("b", "a"), ("b", "end")],
            "a",
            "reached over 2",
        ),
        (
            [START, {"id": "g", "type": "exclusive"}, approval("a"), END, {**END, "id": "end2"}],
            [("start", "g"), ("g", "a"), ("g", "end2"), ("a", "end")],
            "g",
            "do not meet again",
        ),
        (
            [START, approval("a"), approval("lost"), END],
            [("start", "a"), ("a", "end")],
            "lost",
            "not on the path",
        ),
        (
            [
                START,
                {"id": "p", "type": "parallel"},
                approval("a"),
                approval("b"),
                {"id": "j", "type": "exclusive"},
                END,
            ],
            [("start", "p"), ("p", "a"), ("p", "b"), ("a", "j"), ("b", "j"), ("j", "end")],
            "j",
            "plain parallel gateway",
        ),
    ],
)
def test_other_shapes_are_refused_naming_the_node(nodes, pairs, node, words) -> None:
    with pytest.raises(NotBlocks) as caught:
        to_blocks(_flow(nodes, pairs))
    assert caught.value.code == "E_FLOW_NOT_BLOCKS"
    assert caught.value.node == node
    assert caught.value.pointer == f"/nodes/{[n['id'] for n in nodes].index(node)}"
    assert words in caught.value.message
    assert "canvas" in caught.value.message
    said = caught.value.text("zh-CN")  # the designer's language
    assert said.startswith(f"`{node}` ")
    assert said.endswith("因此该流程不是由步骤和分支块组成的序列：请在画布上编辑")


def test_a_rejection_sent_elsewhere_is_not_blocks() -> None:
    spec = _flow(
        [START, approval("a"), approval("appeal"), END],
        [("start", "a"), ("a", "end"), ("appeal", "end")],
    )
    spec["edges"].append({"id": "r", "from": "a", "to": "appeal", "on": "rejected"})
    with pytest.raises(NotBlocks) as caught:
        to_blocks(spec)
    assert caught.value.node == "a"


# ---------------------------------------------------------------- bad documents


def _problems(blocks: Any) -> list[tuple[str, str]]:
    with pytest.raises(FlowDefinitionError) as caught:
        to_graph(blocks, form="loan")
    return [(p.pointer, p.code) for p in caught.value.problems]


def _block(kind: str, *branches: dict[str, Any]) -> dict[str, Any]:
    return {"type": "branches", "id": "b", "kind": kind, "branches": list(branches)}


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ("nope", [("", "E_FLOW_BLOCK_SCHEMA")]),
        (document({"id": "x", "type": "subflow"}), [("/steps/0/type", "E_FLOW_BLOCK_SCHEMA")]),
        (
            document(approval("a", mode="sometimes")),
            [("/steps/0/mode", "E_FLOW_BLOCK_SCHEMA")],
        ),
        (
            document(approval("a", assignees=[{"type": "role"}])),
            [("/steps/0/assignees/0", "E_FLOW_BLOCK_SCHEMA")],
        ),
        (
            document(approval("a"), approval("a")),
            [("/steps/1/id", "E_FLOW_BLOCK_DUPLICATE_ID")],
        ),
        (
            document(_block("exclusive", branch("x", []))),
            [("/steps/0/branches", "E_FLOW_BLOCK_BRANCHES")],
        ),
        (
            document(
                _block("exclusive", branch("x", [], "amount > 1"), branch("y", [], "amount > 2"))
            ),
            [("/steps/0/branches", "E_FLOW_BLOCK_BRANCHES")],
        ),
        (
            document(_block("exclusive", branch("x", []), branch("y", [], default=True))),
            [("/steps/0/branches/0/condition", "E_FLOW_BLOCK_BRANCHES")],
        ),
        (
            document(
                _block("exclusive", branch("x", [], default=True), branch("y", [], default=True))
            ),
            [("/steps/0/branches/1/default", "E_FLOW_BLOCK_BRANCHES")],
        ),
        (
            document(_block("parallel", branch("x", [], "amount > 1"), branch("y", []))),
            [("/steps/0/branches/0/condition", "E_FLOW_BLOCK_BRANCHES")],
        ),
        (
            document(_block("inclusive", branch("x", [], "amount > 1"), branch("y", [], "true"))),
            [("/steps/0/branches", "E_FLOW_BLOCK_BRANCHES")],
        ),
        (
            document(
                _block(
                    "parallel",
                    branch("x", [approval("a")]),
                    branch("y", [{"id": "z", "type": "cc", "assignees": []}]),
                )
            ),
            [("/steps/0/branches/1/steps/0/assignees", "E_FLOW_BLOCK_SCHEMA")],
        ),
        (
            document({**_block("parallel", branch("x", []), branch("y", [])), "colour": "red"}),
            [("/steps/0/colour", "E_FLOW_BLOCK_SCHEMA")],
        ),
    ],
)
def test_bad_documents_are_refused_with_pointers(blocks: Any, expected: list[Any]) -> None:
    assert _problems(blocks) == expected


def test_problems_of_the_graph_map_back_onto_cards() -> None:
    block = _block(
        "exclusive", branch("x", [approval("a")], "amount > 1"), branch("y", [], default=True)
    )
    blocks = document(block, approval("c"))
    spec = to_graph(blocks, form="loan")
    ids = [n["id"] for n in spec["nodes"]]
    assert card_of(blocks, spec, f"/nodes/{ids.index('a')}/assignees/0/role") == "a"
    assert card_of(blocks, spec, f"/nodes/{ids.index('c')}") == "c"
    assert card_of(blocks, spec, f"/nodes/{ids.index('b_join')}") == "b"
    edge_ids = [e["id"] for e in spec["edges"]]
    assert card_of(blocks, spec, f"/edges/{edge_ids.index('x')}/condition") == "x"
    assert card_of(blocks, spec, f"/edges/{edge_ids.index('e_a_b_join')}") == "a"
    assert card_of(blocks, spec, "/settings/calendar") is None


# ---------------------------------------------------------------- any block tree


_ids = (f"s{i}" for i in itertools.count())
CONDITIONS = ("amount > 1000", 'risk_level = "high"', "note != null", "amount <= 5")
ASSIGNEES = st.sampled_from(
    [
        {"type": "role", "role": "risk_officer"},
        {"type": "user", "user": "alice"},
        {"type": "manager", "levels": 2},
        {"type": "department_head", "of": "initiator"},
        {"type": "initiator"},
    ]
)


@st.composite
def steps(draw: st.DrawFn, depth: int) -> list[Any]:
    made: list[Any] = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(
            st.sampled_from(
                ["approval", "task", "cc", "timer", "branches"]
                if depth
                else ["approval", "task", "cc", "timer"]
            )
        )
        key = f"n{draw(st.integers(0, 10**6))}_{len(made)}_{depth}"
        if kind == "branches":
            made.append(draw(block(key, depth - 1)))
        elif kind == "timer":
            made.append({"id": key, "type": "timer", "wait": "PT4H"})
        else:
            node: dict[str, Any] = {"id": key, "type": kind, "assignees": [draw(ASSIGNEES)]}
            if kind == "approval" and draw(st.booleans()):
                node["mode"] = "vote"
                node["vote"] = {"pass_ratio": "2/3"}
            if draw(st.booleans()):
                node["label"] = {"zh-CN": "审批", "en": "Review"}
            made.append(node)
    return made


@st.composite
def block(draw: st.DrawFn, key: str, depth: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["exclusive", "parallel", "inclusive"]))
    count = draw(st.integers(2, 3))
    default = draw(st.integers(0, count - 1))
    made = []
    for i in range(count):
        condition = None
        is_default = False
        if kind != "parallel":
            is_default = i == default
            condition = None if is_default else draw(st.sampled_from(CONDITIONS))
        made.append(
            {
                "id": f"{key}_b{i}",
                "condition": condition,
                "default": is_default,
                "steps": draw(steps(depth)),
            }
        )
    return {"type": "branches", "id": key, "kind": kind, "branches": made}


def _unique(blocks: dict[str, Any]) -> bool:
    seen: list[str] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            seen.append(item["id"])
            for b in item.get("branches", []):
                seen.append(b["id"])
                walk(b["steps"])

    walk(blocks["steps"])
    return len(seen) == len(set(seen))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps(2))
def test_any_block_tree_compiles_and_reads_back(tree: list[Any]) -> None:
    blocks = document(*tree)
    if not _unique(blocks):
        return
    spec = to_graph(blocks, form="loan")
    assert to_graph(blocks, form="loan") == spec
    compile_flow(spec, ENV)
    assert to_blocks(spec) == blocks


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(
        ["start", "end", "approval", "branches", "exclusive", "parallel", "a", "b", "e1"]
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "kind",
                    "steps",
                    "branches",
                    "from",
                    "to",
                    "nodes",
                    "edges",
                    "start",
                    "end",
                    "condition",
                    "default",
                    "on",
                    "join",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(JSON)
def test_any_json_is_judged_never_crashes(sent: Any) -> None:
    codes: list[str] = []
    try:
        to_graph(sent, form="loan")
    except FlowDefinitionError as exc:
        codes += exc.codes
    if isinstance(sent, dict):
        try:
            to_blocks(sent)
        except NotBlocks as exc:
            codes.append(exc.code)
    assert all(code.startswith(("E_FLOW_BLOCK", "E_FLOW_NOT_BLOCKS")) for code in codes)
