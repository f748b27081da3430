"""A design problem of a flow says the same in Simplified Chinese as in English: node types,
outcomes and lists in Chinese words, ids and keys as they are; a detail that comes in English
only (an expression's diagnostic, pydantic's) after a Chinese lead-in."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from flow_support import approval, chain, env

from brickwork.engines.flow import FlowDefinitionError, FlowProblem, compile_flow, to_graph

CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(spec: Any) -> tuple[FlowProblem, ...]:
    with pytest.raises(FlowDefinitionError) as found:
        compile_flow(spec, env())
    for problem in found.value.problems:
        assert CJK.search(problem.zh_cn or ""), problem
    return found.value.problems


def test_an_approval_with_two_approved_edges_names_its_type_and_outcome_in_chinese() -> None:
    spec = chain(approval("a", "ua"))  # s -e0-> a -e1-> end
    spec["edges"].append({"id": "again", "from": "a", "to": "end"})
    (problem,) = refused(spec)
    assert problem.code == "E_FLOW_DUPLICATE_OUTCOME"
    assert problem.message == (
        "the approval `a` has several edges for the outcome approved (`e1`, `again`)"
    )
    assert problem.zh_cn == "审批节点 `a` 有多条“通过”结果的连线（`e1`、`again`）"
    assert problem.hint_zh_cn == "“通过”结果只保留一条连线，在它之后用网关分支"
    assert problem.said("zh-CN") == (problem.zh_cn, problem.hint_zh_cn)
    assert problem.said("en") == problem.said(None) == (problem.message, problem.hint)


def test_a_loop_of_many_nodes_is_named_by_its_first_nodes_in_both_languages() -> None:
    """Eight gateways in a ring that waits nowhere: `n7` goes back to `n0` or out."""
    ids = [f"n{i}" for i in range(8)]
    nodes = [{"id": "s", "type": "start"}, *({"id": i, "type": "exclusive"} for i in ids)]
    nodes.append({"id": "end", "type": "end"})
    edges = [
        {"id": f"e{i}", "from": a, "to": b}
        for i, (a, b) in enumerate(itertools.pairwise(["s", *ids, "n0"]))
    ]
    edges[-1]["condition"] = "true"
    edges.append({"id": "out", "from": "n7", "to": "end", "default": True})
    spec = {"form": "credit_application", "nodes": nodes, "edges": edges}
    busy = next(p for p in refused(spec) if p.code == "E_FLOW_BUSY_LOOP")
    assert busy.message.startswith(
        "the loop through `n0`, `n1`, `n2`, `n3`, `n4`, `n5` and 2 more has no approval"
    )
    assert busy.zh_cn is not None
    assert busy.zh_cn.startswith("循环（`n0`、`n1`、`n2`、`n3`、`n4`、`n5` 等共 8 个节点）中没有")


def test_an_expressions_diagnostic_is_said_in_each_language_after_a_lead_in() -> None:
    spec = chain({"id": "x", "type": "exclusive"}, approval("a", "ua"))
    spec["edges"][1]["condition"] = "amount >"
    spec["edges"].append({"id": "other", "from": "x", "to": "end", "default": True})
    (problem,) = refused(spec)
    assert problem.code == "E_FLOW_EXPRESSION"
    assert (problem.line, problem.column > 0) == (1, True)
    assert problem.message == "E_TRAILING_OPERATOR: the expression ends right after `>`"
    assert problem.hint == "add what comes after `>`, or remove it"
    assert problem.zh_cn == "表达式有误（E_TRAILING_OPERATOR）：表达式在 `>` 之后就结束了"
    assert problem.hint_zh_cn == "请在 `>` 之后补上内容，或删除 `>`"
    assert problem.said("zh-CN") == (problem.zh_cn, problem.hint_zh_cn)


def test_a_branches_block_says_its_problems_in_chinese_with_their_pointers() -> None:
    blocks = {
        "steps": [
            {
                "type": "branches",
                "id": "size",
                "kind": "exclusive",
                "branches": [
                    {"id": "large", "condition": "amount > 1", "steps": []},
                    {"id": "small", "condition": "amount <= 1", "steps": [], "colour": "red"},
                ],
            },
            {"type": "approval", "id": "a", "assignees": [], "mode": "most"},
        ]
    }
    with pytest.raises(FlowDefinitionError) as found:
        to_graph(blocks, form="credit_application")
    said = {(p.pointer, p.code): (p.zh_cn, p.hint_zh_cn) for p in found.value.problems}
    assert said[("/steps/0/branches/1/colour", "E_FLOW_BLOCK_SCHEMA")] == (
        "分支中不能有 `colour`",
        "分支块的写法见 docs/flows.md",
    )
    assert said[("/steps/0/branches", "E_FLOW_BLOCK_BRANCHES")] == (
        "条件分支块需要一个默认分支，在所有条件都不成立时走",
        "请把一个分支设为默认分支",
    )
    zh, hint = said[("/steps/1/mode", "E_FLOW_BLOCK_SCHEMA")]
    assert (zh or "").startswith("定义的结构不符合要求：Input should be")
    assert hint == "结构说明见 docs/flows.md"
