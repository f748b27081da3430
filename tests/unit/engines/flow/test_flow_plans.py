"""The per-node plans `compile_flow` builds for `step`: entering and leaving a node reads one
plan."""

from __future__ import annotations

import pytest
from flow_support import approval, chain, credit_spec, env

from brickwork.engines.flow import NodeEntered, NodeLeft, compile_flow


def test_each_plan_holds_its_node_its_effects_and_its_edges_by_outcome() -> None:
    flow = compile_flow(credit_spec(), env())
    assert set(flow.plans) == set(flow.nodes)
    for position, (node_id, plan) in enumerate(flow.plans.items()):
        assert plan.node is flow.nodes[node_id]
        assert plan.kind == flow.nodes[node_id].type
        assert plan.entered == NodeEntered(node_id)
        assert plan.left_approved == NodeLeft(node_id, "approved")
        assert plan.left_rejected == NodeLeft(node_id, "rejected")
        assert plan.on_approved + plan.on_rejected == flow.outgoing[node_id]
        assert all(e.on != "rejected" for e in plan.on_approved)
        assert all(e.on == "rejected" for e in plan.on_rejected)
        assert plan.assignees_pointer == f"/nodes/{position}/assignees"
        assert flow.pointer(node_id) == f"/nodes/{position}"


def test_a_single_unconditional_edge_is_followed_without_choosing() -> None:
    flow = compile_flow(credit_spec(), env())
    assert flow.plans["president"].follow == flow.outgoing["president"][0]
    assert flow.plans["large"].follow is None  # a condition and a default edge
    assert flow.plans["split"].follow is None  # two edges
    assert flow.plans["done"].follow is None  # no edge


@pytest.mark.parametrize(
    ("vote", "ratio", "strict", "quorum"),
    [
        ({}, (1, 2), False, None),
        ({"pass_ratio": "0.6"}, (3, 5), False, None),
        ({"pass_ratio": "2/3", "comparison": ">", "quorum": "2/3"}, (2, 3), True, (2, 3)),
        ({"pass_ratio": "1", "quorum": "0.5"}, (1, 1), False, (1, 2)),
    ],
)
def test_a_vote_plan_holds_its_ratios_as_exact_fractions(
    vote: dict[str, str],
    ratio: tuple[int, int],
    strict: bool,
    quorum: tuple[int, int] | None,
) -> None:
    flow = compile_flow(chain(approval("board", "v1", "v2", mode="vote", vote=vote)), env())
    rule = flow.plans["board"].vote
    assert rule is not None
    assert (rule.pass_ratio, rule.strict, rule.quorum) == (ratio, strict, quorum)


def test_only_a_vote_has_vote_rules_and_only_people_nodes_a_mode() -> None:
    flow = compile_flow(credit_spec(), env())
    assert flow.plans["committee"].mode == "vote"
    assert flow.plans["committee"].vote is not None
    assert flow.plans["president"].mode == "single"
    assert flow.plans["president"].vote is None
    assert flow.plans["large"].mode is None


def test_de_duplication_does_not_apply_at_a_node_it_excepts() -> None:
    settings = {"dedupe_approvers": {"mode": "any_earlier", "except": ["b"]}}
    spec = chain(approval("a", "u1"), approval("b", "u1"), settings=settings)
    flow = compile_flow(spec, env())
    assert flow.plans["a"].dedupe == "any_earlier"
    assert flow.plans["b"].dedupe == "none"


def test_maker_checker_is_planned_for_approvals_only() -> None:
    spec = chain(
        approval("a", "u1"),
        {"id": "fill", "type": "task", "assignees": [{"type": "user", "user": "u2"}]},
        settings={"maker_checker": True},
    )
    flow = compile_flow(spec, env())
    assert flow.plans["a"].maker_checker
    assert not flow.plans["fill"].maker_checker
