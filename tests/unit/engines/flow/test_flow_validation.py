"""Design-time validation of flows: one minimal flow per rule, with the exact pointer and code
`compile_flow` refuses it with, and flows that must compile clean."""

from __future__ import annotations

from typing import Any

import pytest

from brickwork.engines.flow import FlowDefinitionError, FlowEnvironment, compile_flow

FIELDS = {
    "amount": "money",
    "note": "text",
    "risk_level": "text",
    "compliance_note": "text",
    "score": "decimal",
    "branch": "department",
}


def env(**changes: Any) -> FlowEnvironment:
    base: dict[str, Any] = {
        "fields": FIELDS,
        "roles": frozenset({"risk_officer", "compliance_officer", "credit_committee"}),
        "forms": {"credit_log": {"amount": "money", "note": "text"}},
        "flows": {"kyc_check": frozenset({1, 2})},
    }
    base.update(changes)
    return FlowEnvironment(**base)


def node(node_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "type": kind, **extra}


def appr(node_id: str, **extra: Any) -> dict[str, Any]:
    return node(node_id, "approval", assignees=[{"type": "user", "user": "u"}], **extra)


def edge(edge_id: str, source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"id": edge_id, "from": source, "to": target, **extra}


def flow(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"form": "credit_application", "nodes": nodes, "edges": edges, **spec}


def problems(
    spec: dict[str, Any], environment: FlowEnvironment | None = None
) -> set[tuple[str, str]]:
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, environment or env())
    found = refused.value.problems
    for problem in found:
        assert problem.hint, problem
    return {(p.pointer, p.code) for p in found}


START, END = node("s", "start"), node("end", "end")


def fork_join(
    split: str = "parallel",
    join: str = "parallel",
    *,
    branch_a: dict[str, Any] | None = None,
    branch_b: dict[str, Any] | None = None,
    to_a: dict[str, Any] | None = None,
    to_b: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """s -> p(split) -> a, b -> j(join) -> end; nodes 0..5, edges e0..e5."""
    return flow(
        [
            START,
            node("p", split),
            branch_a or appr("a"),
            branch_b or appr("b"),
            node("j", join),
            END,
        ],
        [
            edge("e0", "s", "p"),
            edge("e1", "p", "a", **(to_a or {})),
            edge("e2", "p", "b", **(to_b or {})),
            edge("e3", "a", "j"),
            edge("e4", "b", "j"),
            edge("e5", "j", "end"),
        ],
    )


def choice(edges: list[dict[str, Any]], kind: str = "exclusive") -> dict[str, Any]:
    """s -> x(kind) -edges-> a | b, a -> end, b -> end; x is /nodes/1, `edges` start at /edges/1."""
    return flow(
        [START, node("x", kind), appr("a"), appr("b"), END],
        [edge("e0", "s", "x"), *edges, edge("z1", "a", "end"), edge("z2", "b", "end")],
    )


HIGH = "amount > 1000000"

REFUSED: list[tuple[str, dict[str, Any], set[tuple[str, str]], str]] = [
    (
        "unreachable node",
        flow(
            [START, appr("a"), END, appr("orphan")],
            [edge("e0", "s", "a"), edge("e1", "a", "end"), edge("e2", "orphan", "end")],
        ),
        {("/nodes/3", "E_FLOW_UNREACHABLE")},
        "orphan",
    ),
    (
        "node without outgoing edge",
        flow(
            [START, node("p", "parallel"), appr("a"), appr("stuck"), END],
            [
                edge("e0", "s", "p"),
                edge("e1", "p", "a"),
                edge("e2", "p", "stuck"),
                edge("e3", "a", "end"),
            ],
        ),
        {("/nodes/3", "E_FLOW_DEAD_END")},
        "stuck",
    ),
    (
        "approval without an approved edge",
        flow(
            [START, appr("a"), END],
            [edge("e0", "s", "a"), edge("e1", "a", "end", on="rejected")],
        ),
        {("/nodes/1", "E_FLOW_DEAD_END")},
        "a",
    ),
    (
        "loop no path leaves towards an end",
        flow(
            [START, node("x", "exclusive"), appr("a"), appr("b"), END],
            [
                edge("e0", "s", "x"),
                edge("e1", "x", "a", condition=HIGH),
                edge("e2", "x", "end", default=True),
                edge("e3", "a", "b"),
                edge("e4", "b", "a"),
            ],
        ),
        {("/nodes/2", "E_FLOW_NO_PATH_TO_END")},
        "`a`, `b`",
    ),
    (
        "start with an incoming edge",
        flow(
            [START, appr("a"), END],
            [edge("e0", "s", "a"), edge("e1", "a", "end"), edge("e2", "a", "s", on="rejected")],
        ),
        {("/edges/2/to", "E_FLOW_START_INCOMING")},
        "s",
    ),
    (
        "end with an outgoing edge",
        flow(
            [START, appr("a"), END, appr("b"), node("end2", "end")],
            [
                edge("e0", "s", "a"),
                edge("e1", "a", "end"),
                edge("e2", "end", "b"),
                edge("e3", "b", "end2"),
            ],
        ),
        {("/edges/2/from", "E_FLOW_END_OUTGOING")},
        "end",
    ),
    (
        "exclusive split without default",
        choice(
            [edge("e1", "x", "a", condition=HIGH), edge("e2", "x", "b", condition="amount < 5")]
        ),
        {("/nodes/1", "E_FLOW_NO_DEFAULT")},
        "x",
    ),
    (
        "exclusive gateway with one conditional edge and no default",
        flow(
            [START, node("x", "exclusive"), appr("a"), END],
            [edge("e0", "s", "x"), edge("e1", "x", "a", condition=HIGH), edge("e2", "a", "end")],
        ),
        {("/nodes/1", "E_FLOW_NO_DEFAULT")},
        "x",
    ),
    (
        "exclusive split with two defaults",
        choice([edge("e1", "x", "a", default=True), edge("e2", "x", "b", default=True)]),
        {("/edges/2/default", "E_FLOW_TWO_DEFAULTS")},
        "x",
    ),
    (
        "default edge with a condition",
        choice(
            [
                edge("e1", "x", "a", condition=HIGH),
                edge("e2", "x", "b", default=True, condition=HIGH),
            ]
        ),
        {("/edges/2/condition", "E_FLOW_DEFAULT_CONDITION")},
        "e2",
    ),
    (
        "exclusive edge that is neither conditional nor default",
        choice([edge("e1", "x", "a"), edge("e2", "x", "b", default=True)]),
        {("/edges/1", "E_FLOW_CONDITION_MISSING")},
        "x",
    ),
    (
        "condition on a parallel split",
        fork_join(to_a={"condition": HIGH}),
        {("/edges/1/condition", "E_FLOW_PARALLEL_CONDITION")},
        "p",
    ),
    (
        "default on a parallel split",
        fork_join(to_b={"default": True}),
        {("/edges/2/default", "E_FLOW_PARALLEL_CONDITION")},
        "p",
    ),
    (
        "inclusive split without default",
        fork_join(
            "inclusive", "inclusive", to_a={"condition": HIGH}, to_b={"condition": "amount < 5"}
        ),
        {("/nodes/1", "E_FLOW_NO_DEFAULT")},
        "p",
    ),
    (
        "inclusive split with two defaults",
        fork_join("inclusive", "inclusive", to_a={"default": True}, to_b={"default": True}),
        {("/edges/2/default", "E_FLOW_TWO_DEFAULTS")},
        "p",
    ),
    (
        "`on` leaving a task",
        flow(
            [START, node("t", "task", assignees=[{"type": "initiator"}]), END],
            [edge("e0", "s", "t"), edge("e1", "t", "end", on="approved")],
        ),
        {("/edges/1/on", "E_FLOW_ON_OUTSIDE_APPROVAL")},
        "t",
    ),
    (
        "two rejected edges out of a subflow",
        flow(
            [START, node("sub", "subflow", flow="kyc_check", version=1), appr("b"), appr("c"), END],
            [
                edge("e0", "s", "sub"),
                edge("e1", "sub", "end"),
                edge("e2", "sub", "b", on="rejected"),
                edge("e3", "sub", "c", on="rejected"),
                edge("e4", "b", "end"),
                edge("e5", "c", "end"),
            ],
        ),
        {("/edges/3/on", "E_FLOW_DUPLICATE_OUTCOME")},
        "sub",
    ),
    (
        "`on` leaving a gateway",
        choice(
            [
                edge("e1", "x", "a", condition=HIGH, on="rejected"),
                edge("e2", "x", "b", default=True),
            ]
        ),
        {("/edges/1/on", "E_FLOW_ON_OUTSIDE_APPROVAL")},
        "x",
    ),
    (
        "two approved edges out of an approval",
        flow(
            [START, appr("a"), appr("b"), appr("c"), END],
            [
                edge("e0", "s", "a"),
                edge("e1", "a", "b"),
                edge("e2", "a", "c"),
                edge("e3", "b", "end"),
                edge("e4", "c", "end"),
            ],
        ),
        {("/edges/2", "E_FLOW_DUPLICATE_OUTCOME")},
        "a",
    ),
    (
        "two rejected edges out of an approval",
        flow(
            [START, appr("a"), appr("b"), appr("c"), END],
            [
                edge("e0", "s", "a"),
                edge("e1", "a", "end"),
                edge("e2", "a", "b", on="rejected"),
                edge("e3", "a", "c", on="rejected"),
                edge("e4", "b", "end"),
                edge("e5", "c", "end"),
            ],
        ),
        {("/edges/3/on", "E_FLOW_DUPLICATE_OUTCOME")},
        "a",
    ),
    (
        "a task splitting without a gateway",
        flow(
            [
                START,
                node("t", "task", assignees=[{"type": "initiator"}]),
                appr("a"),
                appr("b"),
                END,
            ],
            [
                edge("e0", "s", "t"),
                edge("e1", "t", "a"),
                edge("e2", "t", "b"),
                edge("e3", "a", "end"),
                edge("e4", "b", "end"),
            ],
        ),
        {("/nodes/1", "E_FLOW_SPLIT_WITHOUT_GATEWAY")},
        "t",
    ),
    (
        "a condition on an approval's edge",
        flow(
            [START, appr("a"), END], [edge("e0", "s", "a"), edge("e1", "a", "end", condition=HIGH)]
        ),
        {("/edges/1/condition", "E_FLOW_CONDITION_OUTSIDE_GATEWAY")},
        "a",
    ),
    (
        "exclusive split whose branches meet at a parallel join",
        fork_join("exclusive", "parallel", to_a={"condition": HIGH}, to_b={"default": True}),
        {("/nodes/4", "E_FLOW_JOIN_DEADLOCK")},
        "exclusive gateway `p`",
    ),
    (
        "inclusive split whose branches meet at a parallel join",
        fork_join("inclusive", "parallel", to_a={"condition": HIGH}, to_b={"default": True}),
        {("/nodes/4", "E_FLOW_JOIN_DEADLOCK")},
        "inclusive gateway `p`",
    ),
    (
        "approval outcomes meeting at a parallel join",
        flow(
            [START, appr("a"), appr("yes"), appr("no"), node("j", "parallel"), END],
            [
                edge("e0", "s", "a"),
                edge("e1", "a", "yes"),
                edge("e2", "a", "no", on="rejected"),
                edge("e3", "yes", "j"),
                edge("e4", "no", "j"),
                edge("e5", "j", "end"),
            ],
        ),
        {("/nodes/4", "E_FLOW_JOIN_DEADLOCK")},
        "approval `a`",
    ),
    (
        "a parallel join fed by a parallel block on one path only",
        flow(
            [
                START,
                node("x", "exclusive"),
                node("p", "parallel"),
                appr("a"),
                appr("b"),
                appr("c"),
                node("j", "parallel"),
                END,
            ],
            [
                edge("e0", "s", "x"),
                edge("e1", "x", "p", condition=HIGH),
                edge("e2", "x", "c", default=True),
                edge("e3", "p", "a"),
                edge("e4", "p", "b"),
                edge("e5", "a", "j"),
                edge("e6", "b", "j"),
                edge("e7", "c", "j"),
                edge("e8", "j", "end"),
            ],
        ),
        {("/nodes/6", "E_FLOW_JOIN_DEADLOCK")},
        "j",
    ),
    (
        "a parallel join waiting for its own output",
        flow(
            [
                START,
                node("p", "parallel"),
                appr("a"),
                appr("b"),
                node("j", "parallel"),
                appr("c"),
                END,
            ],
            [
                edge("e0", "s", "p"),
                edge("e1", "p", "a"),
                edge("e2", "p", "b"),
                edge("e3", "a", "j"),
                edge("e4", "b", "j"),
                edge("e5", "j", "c"),
                edge("e6", "c", "end"),
                edge("e7", "c", "j", on="rejected"),
            ],
        ),
        {("/nodes/4", "E_FLOW_JOIN_DEADLOCK")},
        "e7",
    ),
    (
        "a parallel branch ending at a non-terminating end",
        fork_join()
        | {"nodes": [*fork_join()["nodes"], node("no", "end", outcome="rejected")]}
        | {"edges": [*fork_join()["edges"], edge("e6", "a", "no", on="rejected")]},
        {("/edges/6", "E_FLOW_JOIN_STARVED")},
        "`j`",
    ),
    (
        "a parallel branch looping back before the split",
        flow(
            [
                START,
                appr("h"),
                node("p", "parallel"),
                appr("a"),
                appr("b"),
                node("j", "parallel"),
                END,
            ],
            [
                edge("e0", "s", "h"),
                edge("e1", "h", "p"),
                edge("e2", "p", "a"),
                edge("e3", "p", "b"),
                edge("e4", "a", "j"),
                edge("e5", "b", "j"),
                edge("e6", "j", "end"),
                edge("e7", "a", "h", on="rejected"),
            ],
        ),
        {("/edges/7", "E_FLOW_JOIN_STARVED")},
        "`h`",
    ),
    (
        "a parallel branch skipping the join",
        flow(
            [
                START,
                node("p", "parallel"),
                appr("a"),
                appr("b"),
                node("j", "parallel"),
                appr("after"),
                END,
            ],
            [
                edge("e0", "s", "p"),
                edge("e1", "p", "a"),
                edge("e2", "p", "b"),
                edge("e3", "a", "j"),
                edge("e4", "b", "j"),
                edge("e5", "j", "after"),
                edge("e6", "after", "end"),
                edge("e7", "a", "after", on="rejected"),
            ],
        ),
        {("/edges/7", "E_FLOW_JOIN_STARVED")},
        "`after`",
    ),
    (
        "a loop from after the join back into one branch",
        flow(
            [
                START,
                node("p", "parallel"),
                appr("a"),
                appr("b"),
                node("j", "parallel"),
                appr("check"),
                END,
            ],
            [
                edge("e0", "s", "p"),
                edge("e1", "p", "a"),
                edge("e2", "p", "b"),
                edge("e3", "a", "j"),
                edge("e4", "b", "j"),
                edge("e5", "j", "check"),
                edge("e6", "check", "end"),
                edge("e7", "check", "a", on="rejected"),
            ],
        ),
        {("/edges/7", "E_FLOW_JOIN_DEADLOCK")},
        "`check`",
    ),
    (
        "a parallel gateway joining the alternatives of an exclusive split",
        flow(
            [START, node("x", "exclusive"), node("p", "parallel"), appr("a"), appr("b"), END],
            [
                edge("e0", "s", "x"),
                edge("e1", "x", "p", condition=HIGH),
                edge("e2", "x", "p", default=True),
                edge("e3", "p", "a"),
                edge("e4", "p", "b"),
                edge("e5", "a", "end"),
                edge("e6", "b", "end"),
            ],
        ),
        {("/nodes/2", "E_FLOW_JOIN_DEADLOCK")},
        "exclusive gateway `x`",
    ),
    (
        "a branch and its own rework both feeding the join",
        flow(
            [
                START,
                node("p", "parallel"),
                appr("a"),
                appr("b"),
                node("fix", "task", assignees=[{"type": "initiator"}]),
                node("j", "parallel"),
                END,
            ],
            [
                edge("e0", "s", "p"),
                edge("e1", "p", "a"),
                edge("e2", "p", "b"),
                edge("e3", "a", "j"),
                edge("e4", "a", "fix", on="rejected"),
                edge("e5", "fix", "j"),
                edge("e6", "b", "j"),
                edge("e7", "j", "end"),
            ],
        ),
        {("/nodes/5", "E_FLOW_JOIN_DEADLOCK")},
        "approval `a`",
    ),
    (
        "an inclusive block inside a parallel branch on a loop",
        flow(
            [
                START,
                node("head", "exclusive"),
                node("p", "parallel"),
                node("i", "inclusive"),
                appr("a"),
                appr("b"),
                node("m", "inclusive"),
                node("t", "task", assignees=[{"type": "initiator"}]),
                node("j", "parallel"),
                appr("check"),
                END,
            ],
            [
                edge("e0", "s", "head"),
                edge("e1", "head", "p"),
                edge("e2", "p", "i"),
                edge("e3", "i", "a", condition=HIGH),
                edge("e4", "i", "b", default=True),
                edge("e5", "a", "m"),
                edge("e6", "b", "m"),
                edge("e7", "m", "j"),
                edge("e8", "p", "t"),
                edge("e9", "t", "j"),
                edge("e10", "j", "check"),
                edge("e11", "check", "end"),
                edge("e12", "check", "head", on="rejected"),
            ],
        ),
        {("/nodes/6", "E_FLOW_INCLUSIVE_JOIN_LOOP")},
        "parallel join `j`",
    ),
    (
        "parallel branches merging without a join",
        fork_join("parallel", "exclusive"),
        {("/nodes/4", "E_FLOW_UNSYNCHRONIZED_MERGE")},
        "`j`",
    ),
    (
        "a loop without a wait state",
        flow(
            [
                START,
                node("x", "exclusive"),
                node(
                    "y",
                    "action",
                    actions=[{"type": "set_fields", "values": {"score": "score + 1"}}],
                ),
                END,
            ],
            [
                edge("e0", "s", "x"),
                edge("e1", "x", "y", condition="score < 3"),
                edge("e2", "x", "end", default=True),
                edge("e3", "y", "x"),
            ],
        ),
        {("/nodes/1", "E_FLOW_BUSY_LOOP")},
        "`x`, `y`",
    ),
    (
        "a loop no token leaves",
        flow(
            [
                START,
                node("i", "inclusive"),
                node("fill_a", "task", assignees=[{"type": "initiator"}]),
                node("fill_b", "task", assignees=[{"type": "initiator"}]),
                node("m", "inclusive"),
                END,
            ],
            [
                edge("e0", "s", "i"),
                edge("e1", "i", "fill_a", condition=HIGH),
                edge("e2", "i", "fill_b", default=True),
                edge("e3", "fill_a", "m"),
                edge("e4", "fill_b", "m"),
                edge("e5", "m", "end"),
                edge("e6", "m", "i"),
            ],
        ),
        {("/nodes/1", "E_FLOW_ENDLESS_LOOP")},
        "`i`, `fill_a`, `fill_b`, `m`",
    ),
    (
        "parallel branches with write permission on one field",
        fork_join(
            branch_a=appr("a", field_permissions={"note": "write"}),
            branch_b=appr("b", field_permissions={"note": "write", "risk_level": "write"}),
        ),
        {("/nodes/3/field_permissions/note", "E_FLOW_PARALLEL_WRITE")},
        "`note`",
    ),
    (
        "parallel branches setting and deciding one field",
        fork_join(
            branch_a=node(
                "a", "action", actions=[{"type": "set_fields", "values": {"score": "1"}}]
            ),
            branch_b=node(
                "b",
                "action",
                actions=[
                    {"type": "call_decision", "model": "scoring", "outputs": {"score": "result"}}
                ],
            ),
        ),
        {("/nodes/3/actions/0/outputs/score", "E_FLOW_PARALLEL_WRITE")},
        "`a` and `b`",
    ),
    (
        "inclusive branches writing one field",
        fork_join(
            "inclusive",
            "inclusive",
            to_a={"condition": HIGH},
            to_b={"default": True},
            branch_a=appr("a", field_permissions={"note": "write"}),
            branch_b=node(
                "b", "task", assignees=[{"type": "initiator"}], field_permissions={"note": "write"}
            ),
        ),
        {("/nodes/3/field_permissions/note", "E_FLOW_PARALLEL_WRITE")},
        "inclusive split `p`",
    ),
    (
        "unknown role",
        flow(
            [START, node("a", "approval", assignees=[{"type": "role", "role": "auditor"}]), END],
            [edge("e0", "s", "a"), edge("e1", "a", "end")],
        ),
        {("/nodes/1/assignees/0/role", "E_FLOW_UNKNOWN_ROLE")},
        "auditor",
    ),
    (
        "unknown role to escalate to",
        flow(
            [
                START,
                appr(
                    "a",
                    sla={
                        "duration": "P2D",
                        "on_breach": "escalate",
                        "escalate_to": [
                            {"type": "user", "user": "boss"},
                            {"type": "role", "role": "chief"},
                        ],
                    },
                ),
                END,
            ],
            [edge("e0", "s", "a"), edge("e1", "a", "end")],
        ),
        {("/nodes/1/sla/escalate_to/1/role", "E_FLOW_UNKNOWN_ROLE")},
        "chief",
    ),
    (
        "subflow of an unknown flow",
        flow(
            [START, node("sub", "subflow", flow="aml_check", version=1), END],
            [edge("e0", "s", "sub"), edge("e1", "sub", "end")],
        ),
        {("/nodes/1/flow", "E_FLOW_UNKNOWN_FLOW")},
        "aml_check",
    ),
    (
        "subflow pinning an unpublished version",
        flow(
            [START, node("sub", "subflow", flow="kyc_check", version=3), END],
            [edge("e0", "s", "sub"), edge("e1", "sub", "end")],
        ),
        {("/nodes/1/version", "E_FLOW_SUBFLOW_VERSION")},
        "published: 1, 2",
    ),
    (
        "field permission on an unknown field",
        flow(
            [START, appr("a", field_permissions={"salary": "hidden"}), END],
            [edge("e0", "s", "a"), edge("e1", "a", "end")],
        ),
        {("/nodes/1/field_permissions/salary", "E_FLOW_UNKNOWN_FIELD")},
        "salary",
    ),
    (
        "dedupe exception naming no node",
        flow(
            [START, appr("a"), END],
            [edge("e0", "s", "a"), edge("e1", "a", "end")],
            settings={"dedupe_approvers": {"mode": "any_earlier", "except": ["a", "ghost"]}},
        ),
        {("/settings/dedupe_approvers/except/1", "E_FLOW_UNKNOWN_NODE")},
        "ghost",
    ),
]


@pytest.mark.parametrize(
    ("spec", "expected", "named"),
    [pytest.param(spec, expected, named, id=name) for name, spec, expected, named in REFUSED],
)
def test_flow_is_refused_with_pointer_and_code(
    spec: dict[str, Any], expected: set[tuple[str, str]], named: str
) -> None:
    assert problems(spec) == expected
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env())
    assert any(named in p.message for p in refused.value.problems), refused.value.problems


def test_an_unknown_role_is_answered_with_the_roles_of_the_app() -> None:
    spec = flow(
        [START, node("a", "approval", assignees=[{"type": "role", "role": "risk"}]), END],
        [edge("e0", "s", "a"), edge("e1", "a", "end")],
    )
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env())
    (problem,) = refused.value.problems
    assert (
        problem.hint
        == "name a role of the app (compliance_officer, credit_committee, risk_officer)"
    )
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env(roles=frozenset()))
    assert refused.value.problems[0].hint == "create the role in the app first"
