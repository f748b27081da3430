"""Ownership graphs: `effective ownership` against hand-worked groups and an independent
brute-force reading of the same graph, `ownership paths` adding up to it, and `blocked by
ownership` with OFAC's aggregation examples."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from expr_support import run, shown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brickwork.engines.expr.library.ownership import MAX_DEPTH, MAX_EDGES


def edge(owner: str, owned: str, share: str | int) -> dict[str, Any]:
    return {"owner": owner, "owned": owned, "share": Decimal(share)}


# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # a chain multiplies: 60 % of 50 % of 50 % is 15 %
    ('effective ownership([{owner: "P", owned: "H1", share: 60}, '
     '{owner: "H1", owned: "H2", share: 50}, {owner: "H2", owned: "C", share: 50}], "C")',
     '[{"owner": "H2", "share": 50, "ultimate": false}, '
     '{"owner": "H1", "share": 25, "ultimate": false}, '
     '{"owner": "P", "share": 15, "ultimate": true}]', ()),
    # two chains sum: 20 % direct and 50 % of 10 % is 25 %
    ('effective ownership([{owner: "P", owned: "C", share: 20}, '
     '{owner: "P", owned: "H", share: 50}, {owner: "H", owned: "C", share: 10}], "C")[owner = "P"]',
     '[{"owner": "P", "share": 25, "ultimate": true}]', ()),
    # exact decimals: 33.33 % of 33.33 %
    ('effective ownership([{owner: "P", owned: "H", share: 33.33}, '
     '{owner: "H", owned: "C", share: 33.33}], "C")[owner = "P"].share',
     "[11.108889]", ()),
    # two edges between the same pair add up (two share classes)
    ('effective ownership([{owner: "P", owned: "C", share: 10}, '
     '{owner: "P", owned: "C", share: 15}], "C")',
     '[{"owner": "P", "share": 25, "ultimate": true}]', ()),
    # a cycle counts once: A owns 100 % of T, B owns 40 % of A, A owns 50 % of B, P owns 60 % of A
    ('effective ownership([{owner: "A", owned: "T", share: 100}, '
     '{owner: "B", owned: "A", share: 40}, {owner: "A", owned: "B", share: 50}, '
     '{owner: "P", owned: "A", share: 60}], "T")',
     '[{"owner": "A", "share": 100, "ultimate": false}, '
     '{"owner": "P", "share": 60, "ultimate": true}, '
     '{"owner": "B", "share": 40, "ultimate": false}]', ()),
    # owning oneself (treasury shares) is ignored
    ('effective ownership([{owner: "C", owned: "C", share: 5}], "C")', "[]", ()),
    ('effective ownership([{owner: "P", owned: "C", share: 0}], "C")', "[]", ()),
    ('effective ownership([{owner: "P", owned: "X", share: 100}], "C")', "[]", ()),
    ('effective ownership([{owner: "P", owned: "C", share: 101}], "C")', "null", ("E_ARG_VALUE",)),
    ('effective ownership([{owner: "P", owned: "C", share: -1}], "C")', "null", ("E_ARG_VALUE",)),
    ('effective ownership([{owner: "P", owned: "C", share: 60}, '
     '{owner: "Q", owned: "C", share: 40.01}], "C")', "null", ("E_ARG_VALUE",)),
    ('effective ownership([{owner: "P", owned: "C"}], "C")', "null", ("E_ARG_VALUE",)),
    ('effective ownership([{owner: "P", owned: "C", share: "10"}], "C")', "null",
     ("E_ARG_VALUE",)),
    ('effective ownership([{owner: "", owned: "C", share: 10}], "C")', "null", ("E_ARG_VALUE",)),
    ('effective ownership([{owner: 1, owned: "C", share: 10}], "C")', "null", ("E_ARG_VALUE",)),
    ('effective ownership(["P owns C"], "C")', "null", ("E_ARG_VALUE",)),
    ('effective ownership(null, "C")', "null", ()),
    ("effective ownership([], null)", "null", ()),
    ('effective ownership("edges", "C")', "null", ("E_ARGUMENT_TYPE",)),
    ('ownership paths([{owner: "P", owned: "C", share: 20}, '
     '{owner: "P", owned: "H", share: 50}, {owner: "H", owned: "C", share: 10}], "C")',
     '[{"owner": "P", "path": ["P", "C"], "share": 20}, '
     '{"owner": "P", "path": ["P", "H", "C"], "share": 5}]', ()),
    ('ownership paths([{owner: "A", owned: "B", share: 50}, {owner: "B", owned: "A", share: 50}], '
     '"B")', "[]", ()),
    # OFAC: two blocked persons with 25 % each block the entity; 49.99 % does not
    ('blocked by ownership([{owner: "X", owned: "A", share: 25}, '
     '{owner: "Y", owned: "A", share: 25}], ["X", "Y"])', '[{"entity": "A", "share": 50}]', ()),
    ('blocked by ownership([{owner: "X", owned: "A", share: 25}, '
     '{owner: "Y", owned: "A", share: 24.99}], ["X", "Y"])', "[]", ()),
    # blocked through a blocked entity, not multiplied: X 50 % of A, A 50 % of B
    ('blocked by ownership([{owner: "X", owned: "A", share: 50}, '
     '{owner: "A", owned: "B", share: 50}], ["X"])',
     '[{"entity": "A", "share": 50}, {"entity": "B", "share": 50}]', ()),
    # X 25 % of A directly and 25 % through B (which X owns 50 %): A is blocked
    ('blocked by ownership([{owner: "X", owned: "A", share: 25}, '
     '{owner: "X", owned: "B", share: 50}, {owner: "B", owned: "A", share: 25}], ["X"])',
     '[{"entity": "A", "share": 50}, {"entity": "B", "share": 50}]', ()),
    ('blocked by ownership([{owner: "X", owned: "A", share: 30}], ["X"], 25)',
     '[{"entity": "A", "share": 30}]', ()),
    ('blocked by ownership([{owner: "X", owned: "A", share: 30}], ["X"], 0)', "null",
     ("E_ARG_VALUE",)),
    ('blocked by ownership([{owner: "X", owned: "A", share: 30}], [1])', "null", ("E_ARG_VALUE",)),
    ('blocked by ownership([{owner: "X", owned: "A", share: 60}], ["X", "A"])', "[]", ()),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_ownership_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


def test_a_long_chain_is_refused_with_the_limit_code() -> None:
    edges = [edge(f"E{i + 1}", f"E{i}", 100) for i in range(MAX_DEPTH + 1)]
    result = run('effective ownership(e, "E0")', {"e": edges})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_LIMIT_OWNERSHIP"]
    within = run('effective ownership(e, "E0")', {"e": edges[:MAX_DEPTH]})
    assert within.diagnostics == ()
    assert len(within.value) == MAX_DEPTH


def test_too_many_edges_or_chains_are_refused() -> None:
    many = [edge(f"P{i}", "C", 0) for i in range(MAX_EDGES + 1)]
    assert [d.code for d in run('effective ownership(e, "C")', {"e": many}).diagnostics] == [
        "E_LIMIT_OWNERSHIP"
    ]
    # a ladder of 20 levels with two entities each has 2^20 chains
    ladder = [
        edge(f"{a}{level + 1}", f"{b}{level}", 50)
        for level in range(20)
        for a, b in itertools.product("AB", repeat=2)
    ]
    result = run('effective ownership(e, "A0")', {"e": ladder})
    assert [d.code for d in result.diagnostics] == ["E_LIMIT_OWNERSHIP"]


# ---------------------------------------------------------------- against brute force

NODES = ["P1", "P2", "E1", "E2", "E3", "T"]


@st.composite
def graphs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Small graphs (cycles allowed) whose shares into each entity total at most 100."""
    edges: list[dict[str, Any]] = []
    for owned in NODES:
        owners = draw(st.lists(st.sampled_from(NODES), max_size=4, unique=True))
        budget = 10_000  # hundredths of a per cent
        for owner in owners:
            hundredths = draw(st.integers(min_value=0, max_value=budget))
            budget -= hundredths
            edges.append(edge(owner, owned, str(Decimal(hundredths).scaleb(-2))))
    return edges


def brute_force(edges: list[dict[str, Any]], target: str) -> dict[str, Fraction]:
    """Every ordering of distinct intermediate entities, checked edge by edge."""
    share = {(e["owner"], e["owned"]): Fraction(e["share"]) for e in edges}
    totals: dict[str, Fraction] = {}
    others = [n for n in NODES if n != target]
    for length in range(1, len(others) + 1):
        for chain in itertools.permutations(others, length):
            path = (target, *chain)
            product = Fraction(100)
            for owned, owner in itertools.pairwise(path):
                product = product * share.get((owner, owned), Fraction(0)) / 100
            if product:
                totals[chain[-1]] = totals.get(chain[-1], Fraction(0)) + product
    return totals


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(NODES))
def test_effective_ownership_matches_brute_force(edges: list[dict[str, Any]], target: str) -> None:
    result = run("effective ownership(e, t)", {"e": edges, "t": target})
    assert result.diagnostics == ()
    got = {item["owner"]: Fraction(item["share"]) for item in result.value}
    assert got == brute_force(edges, target)
    owned = {e["owned"] for e in edges}
    for item in result.value:
        assert item["ultimate"] == (item["owner"] not in owned)
        assert 0 < item["share"] <= 100
    shares = [(-item["share"], item["owner"]) for item in result.value]
    assert shares == sorted(shares)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from(NODES), st.randoms(use_true_random=False))
def test_edge_order_does_not_matter_and_paths_add_up(
    edges: list[dict[str, Any]], target: str, rnd: Any
) -> None:
    shuffled = list(edges)
    rnd.shuffle(shuffled)
    first = run("effective ownership(e, t)", {"e": edges, "t": target}).value
    assert run("effective ownership(e, t)", {"e": shuffled, "t": target}).value == first
    paths = run("ownership paths(e, t)", {"e": shuffled, "t": target}).value
    for item in first:
        mine = [p for p in paths if p["owner"] == item["owner"]]
        assert bool(mine) == item["ultimate"]
        if item["ultimate"]:
            assert sum(p["share"] for p in mine) == item["share"]
    for path in paths:
        assert path["path"][-1] == target
        assert len(set(path["path"])) == len(path["path"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.lists(st.sampled_from(NODES), max_size=2, unique=True))
def test_blocking_is_a_justified_fixed_point(
    edges: list[dict[str, Any]], listed: list[str]
) -> None:
    result = run("blocked by ownership(e, b)", {"e": edges, "b": listed})
    assert result.diagnostics == ()
    blocked = set(listed) | {item["entity"] for item in result.value}
    direct: dict[str, dict[str, Fraction]] = {}
    for e in edges:
        held = direct.setdefault(e["owned"], {})
        held[e["owner"]] = held.get(e["owner"], Fraction(0)) + Fraction(e["share"])
    # closed: every entity whose blocked owners hold 50 % or more is blocked
    for owned, held in direct.items():
        if sum(s for o, s in held.items() if o in blocked) >= 50:
            assert owned in blocked
    # each newly blocked entity is held 50 % or more by blocked owners, and was not listed
    for item in result.value:
        assert item["share"] >= 50
        assert item["entity"] not in listed
