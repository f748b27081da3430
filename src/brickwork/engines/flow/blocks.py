"""Branch blocks (DingTalk-style approval builder): a flow as an ordered list of steps.

A block document is `{"start": <start node>, "steps": [...], "end": <end node>}`. A step is an
`approval`, `task`, `cc`, `action` or `timer` node exactly as the flow's `nodes` hold it (id,
label, assignees, mode, vote, sla, allow, field_permissions...), or a branches block:

    {"type": "branches", "id": "amount_check", "kind": "exclusive",
     "branches": [{"id": "large", "label": "Large loans", "condition": "amount > 1000000",
                   "default": false, "steps": [...]},
                  {"id": "other", "condition": null, "default": true, "steps": []}]}

`to_graph` compiles a document to a flow's `spec` (start, the steps in order, end); a branches
block becomes a split gateway of its kind, each branch's steps, and a join gateway of the same
kind (`<id>_join` unless the block names its `join`). A rejected approval has no `rejected`
edge: the engine then ends the instance as rejected. Node ids are the blocks' own and edge ids
derive from them, so the same document always gives the same graph. `to_blocks` reads such a
graph back and refuses any other shape (`E_FLOW_NOT_BLOCKS`, naming the node) for the canvas to
edit. Pure: no expression is evaluated here; `compile_flow` judges the graph.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from brickwork.engines.bilingual import listing
from brickwork.engines.flow.compiler import schema_problems
from brickwork.engines.flow.definition import (
    ActionNode,
    ApprovalNode,
    CcNode,
    EndNode,
    FeelText,
    Frozen,
    Label,
    NodeId,
    StartNode,
    TaskNode,
    TimerNode,
)
from brickwork.engines.flow.design_messages import (
    BLOCK_ITEMS,
    BLOCK_KINDS,
    EDGE_SETTINGS,
    design_problem,
)
from brickwork.engines.flow.problems import FlowDefinitionError, FlowProblem
from brickwork.engines.flow.refusals import words_of

STEP_MODELS: dict[str, type[BaseModel]] = {
    "approval": ApprovalNode,
    "task": TaskNode,
    "cc": CcNode,
    "action": ActionNode,
    "timer": TimerNode,
}
"""The node types a step may be (besides `branches`)."""
KINDS = ("exclusive", "parallel", "inclusive")
BLOCK_KEYS = frozenset({"type", "id", "label", "kind", "join", "branches"})
BRANCH_KEYS = frozenset({"id", "label", "condition", "default", "priority", "steps"})
EDGE_KEYS = frozenset({"id", "from", "to", "label", "condition", "default", "priority"})
DOCUMENT_KEYS = frozenset({"start", "steps", "end"})
_MAX_ID = 63


class NotBlocks(Exception):
    """A flow graph that is not a start, a sequence of steps and branch blocks, and an end:
    `node` (and `pointer`, into the spec) is where the shape breaks."""

    code = "E_FLOW_NOT_BLOCKS"

    def __init__(
        self, message: str, node: str | None = None, pointer: str = "", zh_cn: str = ""
    ) -> None:
        self.message = message
        self.node = node
        self.pointer = pointer
        self.zh_cn = zh_cn or message
        super().__init__(f"{self.code} at {pointer or '/'}: {message}")

    def text(self, locale: str | None) -> str:
        """The reason in `locale` ("zh-CN" or English)."""
        return self.zh_cn if locale == "zh-CN" else self.message


def join_id(block: Mapping[str, Any]) -> str:
    """The id of the join gateway of a branches block: its `join`, else `<id>_join`."""
    named = block.get("join")
    if isinstance(named, str):
        return named
    return f"{str(block['id'])[: _MAX_ID - 5]}_join"


def edge_id(source: str, target: str) -> str:
    """The id of the edge from `source` to `target`: `e_<source>_<target>`, or a digest of
    both when that would be longer than an id may be."""
    text = f"e_{source}_{target}"
    if len(text) <= _MAX_ID:
        return text
    return "e_" + hashlib.sha256(f"{source}>{target}".encode()).hexdigest()[:20]


# ---------------------------------------------------------------- blocks -> graph


def to_graph(
    blocks: Mapping[str, Any], *, form: str, settings: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The flow `spec` (form, settings, nodes, edges) of a block document; raises
    `FlowDefinitionError` with pointers into the document when it is not one."""
    problems = _check_document(blocks)
    if problems:
        raise FlowDefinitionError(problems)
    builder = _Builder()
    start = copy.deepcopy(dict(blocks.get("start") or {"id": "start", "type": "start"}))
    end = copy.deepcopy(dict(blocks.get("end") or {"id": "end", "type": "end"}))
    builder.node(start, "/start")
    exits = builder.sequence(blocks["steps"], [start["id"]], "/steps")
    builder.node(end, "/end")
    builder.connect(exits, end["id"], "/end")
    if builder.problems:
        raise FlowDefinitionError(builder.problems)
    spec: dict[str, Any] = {"form": form}
    if settings:
        spec["settings"] = copy.deepcopy(dict(settings))
    spec["nodes"] = builder.nodes
    spec["edges"] = builder.edges
    return spec


class _Builder:
    """Appends nodes and edges in document order, noting ids given twice."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self.problems: list[FlowProblem] = []
        self.node_ids: dict[str, str] = {}
        self.edge_ids: dict[str, str] = {}

    def node(self, node: dict[str, Any], pointer: str) -> None:
        self._claim(self.node_ids, str(node["id"]), pointer, "node")
        self.nodes.append(node)

    def edge(self, edge: dict[str, Any], pointer: str) -> None:
        self._claim(self.edge_ids, edge["id"], pointer, "connection")
        self.edges.append(edge)

    def _claim(self, seen: dict[str, str], key: str, pointer: str, what: str) -> None:
        if key in seen:
            self.problems.append(
                design_problem(
                    f"{pointer}/id",
                    "E_FLOW_BLOCK_DUPLICATE_ID",
                    "block_duplicate_id",
                    key=key,
                    what=BLOCK_ITEMS[what],
                    where=seen[key] or "/",
                )
            )
        else:
            seen[key] = pointer

    def connect(self, sources: Sequence[str], target: str, pointer: str) -> None:
        for source in sources:
            self.edge({"id": edge_id(source, target), "from": source, "to": target}, pointer)

    def sequence(
        self, steps: Sequence[Mapping[str, Any]], entry: list[str], pointer: str
    ) -> list[str]:
        """Adds `steps` after the nodes in `entry`; the nodes the next step follows."""
        for index, step in enumerate(steps):
            self.connect(entry, str(step["id"]), f"{pointer}/{index}")
            entry = self.step(step, f"{pointer}/{index}")
        return entry

    def step(self, step: Mapping[str, Any], pointer: str) -> list[str]:
        if step["type"] != "branches":
            self.node(copy.deepcopy(dict(step)), pointer)
            return [str(step["id"])]
        split, join = str(step["id"]), join_id(step)
        gateway: dict[str, Any] = {"id": split, "type": step["kind"]}
        if step.get("label") is not None:
            gateway["label"] = copy.deepcopy(step["label"])
        self.node(gateway, pointer)
        for index, branch in enumerate(step["branches"]):
            steps = branch.get("steps") or []
            edge: dict[str, Any] = {
                "id": branch["id"],
                "from": split,
                "to": str(steps[0]["id"]) if steps else join,
            }
            if branch.get("label") is not None:
                edge["label"] = copy.deepcopy(branch["label"])
            if branch.get("condition") is not None:
                edge["condition"] = branch["condition"]
            if branch.get("default"):
                edge["default"] = True
            if "priority" in branch:
                edge["priority"] = branch["priority"]
            self.edge(edge, f"{pointer}/branches/{index}")
        exits: list[str] = []
        for index, branch in enumerate(step["branches"]):
            steps = branch.get("steps") or []
            if steps:
                inner = f"{pointer}/branches/{index}/steps"
                exits += self.sequence(steps[1:], self.step(steps[0], f"{inner}/0"), inner)
        self.node({"id": join, "type": step["kind"]}, pointer)
        self.connect(exits, join, pointer)
        return [join]


def _check_document(blocks: Any) -> list[FlowProblem]:
    if not isinstance(blocks, Mapping):
        return [_problem("", "document_not_object")]
    problems = [
        _problem(f"/{key}", "document_unknown_key", key=key)
        for key in blocks
        if key not in DOCUMENT_KEYS
    ]
    for key, model in (("start", StartNode), ("end", EndNode)):
        if blocks.get(key) is not None:
            problems += _node_problems(blocks[key], model, f"/{key}")
    steps = blocks.get("steps")
    if not isinstance(steps, list):
        return [*problems, _problem("/steps", "steps_not_list")]
    return problems + _check_steps(steps, "/steps")


def _check_steps(steps: list[Any], pointer: str) -> list[FlowProblem]:
    problems: list[FlowProblem] = []
    for index, step in enumerate(steps):
        at = f"{pointer}/{index}"
        kind = step.get("type") if isinstance(step, Mapping) else None
        kind = kind if isinstance(kind, str) else None
        if kind == "branches":
            problems += _check_block(step, at)
        elif kind in STEP_MODELS:
            problems += _node_problems(step, STEP_MODELS[kind], at)
        else:
            shown = listing([f"`{k}`" for k in (*STEP_MODELS, "branches")])
            problems.append(_problem(f"{at}/type", "step_type", types=shown))
    return problems


def _node_problems(node: Any, model: type[BaseModel], pointer: str) -> list[FlowProblem]:
    try:
        model.model_validate(node)
    except ValidationError as exc:
        return [
            replace(p, pointer=pointer + p.pointer, code="E_FLOW_BLOCK_SCHEMA")
            for p in schema_problems(exc)
        ]
    return []


def _check_block(block: Mapping[str, Any], pointer: str) -> list[FlowProblem]:
    problems = [
        _problem(f"{pointer}/{key}", "block_unknown_key", key=key)
        for key in block
        if key not in BLOCK_KEYS
    ]
    head = {key: block[key] for key in ("id", "label", "join") if key in block}
    problems += _node_problems(head, _Head, pointer)
    kind = block.get("kind")
    if kind not in KINDS:
        problems.append(_problem(f"{pointer}/kind", "block_kind"))
    branches = block.get("branches")
    if not isinstance(branches, list) or len(branches) < 2:
        return [
            *problems,
            design_problem(
                f"{pointer}/branches", "E_FLOW_BLOCK_BRANCHES", "block_too_few_branches"
            ),
        ]
    for index, branch in enumerate(branches):
        at = f"{pointer}/branches/{index}"
        if not isinstance(branch, Mapping):
            problems.append(_problem(at, "branch_not_object"))
            continue
        problems += _check_branch(branch, at)
    if kind in KINDS:
        problems += _branch_rules(str(kind), branches, pointer)
    return problems


def _check_branch(branch: Mapping[str, Any], at: str) -> list[FlowProblem]:
    problems = [
        _problem(f"{at}/{key}", "branch_unknown_key", key=key)
        for key in branch
        if key not in BRANCH_KEYS
    ]
    shape = {key: value for key, value in branch.items() if key in BRANCH_KEYS - {"steps"}}
    problems += _node_problems(shape, _Branch, at)
    steps = branch.get("steps", [])
    if not isinstance(steps, list):
        return [*problems, _problem(f"{at}/steps", "steps_not_list")]
    return problems + _check_steps(steps, f"{at}/steps")


def _branch_rules(kind: str, branches: list[Any], pointer: str) -> list[FlowProblem]:
    """What the engine asks of a split's edges (docs/flows.md §11.3), said of branches."""
    problems: list[FlowProblem] = []
    defaults: list[int] = []
    for index, branch in enumerate(branches):
        if not isinstance(branch, Mapping):
            continue
        at = f"{pointer}/branches/{index}"
        condition, default = branch.get("condition"), bool(branch.get("default"))
        if kind == "parallel":
            for given, name in ((condition is not None, "condition"), (default, "default")):
                if given:
                    problems.append(
                        design_problem(
                            f"{at}/{name}",
                            "E_FLOW_BLOCK_BRANCHES",
                            "parallel_branch_setting",
                            name=EDGE_SETTINGS[name],
                        )
                    )
            continue
        if default:
            defaults.append(index)
            if condition is not None:
                problems.append(
                    design_problem(
                        f"{at}/condition", "E_FLOW_BLOCK_BRANCHES", "default_branch_condition"
                    )
                )
        elif condition is None and kind == "exclusive":
            problems.append(
                design_problem(
                    f"{at}/condition", "E_FLOW_BLOCK_BRANCHES", "branch_condition_missing"
                )
            )
    for index in defaults[1:]:
        problems.append(
            design_problem(
                f"{pointer}/branches/{index}/default",
                "E_FLOW_BLOCK_BRANCHES",
                "branch_two_defaults",
            )
        )
    always = kind == "inclusive" and any(
        isinstance(b, Mapping) and not b.get("default") and b.get("condition") is None
        for b in branches
    )
    if kind != "parallel" and not defaults and not always:
        problems.append(
            design_problem(
                f"{pointer}/branches",
                "E_FLOW_BLOCK_BRANCHES",
                "branch_no_default",
                kind=words_of(BLOCK_KINDS, kind),
            )
        )
    return problems


class _Head(Frozen):
    """The gateway-level settings of a branches block."""

    id: NodeId
    label: Label | None = None
    join: NodeId | None = None


class _Branch(Frozen):
    """The edge-level settings of a branch (checked as the flow's edges are)."""

    id: NodeId
    label: Label | None = None
    condition: FeelText | None = None
    default: bool = False
    priority: int = Field(default=0, ge=-1000, le=1000)


def _problem(pointer: str, key: str, /, **params: object) -> FlowProblem:
    return design_problem(pointer, "E_FLOW_BLOCK_SCHEMA", key, **params)


# ---------------------------------------------------------------- graph -> blocks


def to_blocks(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The block document of a flow `spec` whose graph is a start, steps and branch blocks
    and an end; raises `NotBlocks` naming the first node that breaks that shape."""
    return _Reader(spec).read()


class _Reader:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        nodes = spec.get("nodes")
        edges = spec.get("edges") or []
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise NotBlocks(
                "the flow has no list of nodes and edges", None, "", "流程没有节点和连线列表"
            )
        self.nodes: dict[str, Mapping[str, Any]] = {}
        self.position: dict[str, int] = {}
        for index, node in enumerate(nodes):
            key = node.get("id") if isinstance(node, Mapping) else None
            if not isinstance(key, str) or key in self.nodes:
                raise NotBlocks(
                    f"node {index} has no id of its own",
                    None,
                    f"/nodes/{index}",
                    f"第 {index} 个节点没有自己的 id",
                )
            self.nodes[key] = node
            self.position[key] = index
        self.out: dict[str, list[Mapping[str, Any]]] = {key: [] for key in self.nodes}
        self.inc: dict[str, list[Mapping[str, Any]]] = {key: [] for key in self.nodes}
        for index, edge in enumerate(edges):
            ends = (edge.get("from"), edge.get("to")) if isinstance(edge, Mapping) else (None,)
            if not all(isinstance(end, str) and end in self.nodes for end in ends):
                raise NotBlocks(
                    f"edge {index} does not join two nodes",
                    None,
                    f"/edges/{index}",
                    f"第 {index} 条连线没有连接两个节点",
                )
            self.out[edge["from"]].append(edge)
            self.inc[edge["to"]].append(edge)
        self.seen: set[str] = set()

    def fail(self, node: str, why: str, why_zh: str) -> NotBlocks:
        return NotBlocks(
            f"`{node}` {why}, so the flow is not a sequence of steps and branches; "
            "edit it on the canvas",
            node,
            f"/nodes/{self.position[node]}",
            f"`{node}` {why_zh}，因此该流程不是由步骤和分支块组成的序列：请在画布上编辑",
        )

    def read(self) -> dict[str, Any]:
        starts = [key for key, node in self.nodes.items() if node.get("type") == "start"]
        if len(starts) != 1:
            raise NotBlocks(
                "the flow needs exactly one start node",
                None,
                "/nodes",
                "流程须有且只有一个开始节点",
            )
        start = starts[0]
        self.seen.add(start)
        following = self.single_exit(start)
        steps, end = self.chain(following)
        if self.nodes[end].get("type") != "end":
            raise self.fail(
                end, "joins branches that no branches block opened", "汇聚了并非由分支块分出的分支"
            )
        for key in self.nodes:
            if key not in self.seen:
                raise self.fail(
                    key, "is not on the path from the start to the end", "不在从开始到结束的路径上"
                )
        return {
            "start": copy.deepcopy(dict(self.nodes[start])),
            "steps": steps,
            "end": copy.deepcopy(dict(self.nodes[end])),
        }

    def single_exit(self, key: str) -> str:
        """The node after `key`, which leaves over one plain edge (an approval: its approved
        edge; a rejection ends the instance)."""
        edges = self.out[key]
        if len(edges) != 1:
            raise self.fail(
                key,
                f"has {len(edges)} outgoing connections instead of one",
                f"有 {len(edges)} 条引出的连线，而不是一条",
            )
        edge = edges[0]
        if edge.get("on") == "rejected":
            raise self.fail(
                key, "sends a rejection somewhere other than the end", "把驳回引向了结束以外的节点"
            )
        if set(edge) - {"id", "from", "to", "on"} or edge.get("condition") is not None:
            raise self.fail(
                key, "leaves over a connection with a condition", "经由带条件的连线离开"
            )
        return str(edge["to"])

    def enter(self, key: str) -> None:
        if key in self.seen:
            raise self.fail(
                key, "is reached twice (a loop or a merge)", "被到达了两次（循环或汇合）"
            )
        self.seen.add(key)

    def chain(self, key: str) -> tuple[list[Any], str]:
        """The steps from `key` on, and the end or join gateway they run into."""
        steps: list[Any] = []
        while True:
            node = self.nodes[key]
            kind = node.get("type") if isinstance(node.get("type"), str) else None
            incoming, outgoing = len(self.inc[key]), len(self.out[key])
            if kind == "end":
                if incoming != 1:
                    raise self.fail(
                        key,
                        f"is reached over {incoming} connections",
                        f"经由 {incoming} 条连线到达",
                    )
                self.enter(key)
                return steps, key
            if kind in KINDS and incoming > 1 and outgoing == 1:
                return steps, key
            if incoming != 1:
                raise self.fail(
                    key,
                    f"is reached over {incoming} connections",
                    f"经由 {incoming} 条连线到达",
                )
            if kind in KINDS:
                if outgoing < 2:
                    raise self.fail(
                        key,
                        "is a gateway that neither splits nor joins",
                        "是既不分支也不汇聚的网关",
                    )
                block, key = self.block(key)
                steps.append(block)
            elif kind in STEP_MODELS:
                self.enter(key)
                steps.append(copy.deepcopy(dict(node)))
                key = self.single_exit(key)
            else:
                raise self.fail(
                    key, f"is a {kind} node, which has no block", f"是 {kind} 节点，没有对应的块"
                )

    def block(self, split: str) -> tuple[dict[str, Any], str]:
        """The branches block opened at `split`, and the node after its join."""
        self.enter(split)
        node = self.nodes[split]
        if set(node) - {"id", "type", "label"}:
            raise self.fail(split, "is a gateway with settings of its own", "是带有自身设置的网关")
        branches: list[dict[str, Any]] = []
        joins: set[str] = set()
        for edge in self.out[split]:
            if edge.get("on") is not None or set(edge) - EDGE_KEYS:
                raise self.fail(
                    split,
                    f"opens the branch `{edge.get('id')}` with settings a branch has not",
                    f"分出的分支 `{edge.get('id')}` 带有分支所没有的设置",
                )
            target = str(edge["to"])
            steps: list[Any]
            if self.is_join(target):
                steps, join = [], target
            else:
                steps, join = self.chain(target)
            joins.add(join)
            branch: dict[str, Any] = {"id": edge["id"]}
            if edge.get("label") is not None:
                branch["label"] = copy.deepcopy(edge["label"])
            branch["condition"] = edge.get("condition")
            branch["default"] = bool(edge.get("default", False))
            if "priority" in edge:
                branch["priority"] = edge["priority"]
            branch["steps"] = steps
            branches.append(branch)
        if len(joins) != 1:
            raise self.fail(
                split,
                "has branches that do not meet again at one gateway",
                "的各分支没有在同一个网关汇聚",
            )
        join = joins.pop()
        joined = self.nodes[join]
        if joined.get("type") != node.get("type") or set(joined) - {"id", "type"}:
            raise self.fail(
                join,
                f"does not join the branches of `{split}` with a plain {node.get('type')} gateway",
                f"没有用同类型（{node.get('type')}）且无额外设置的网关汇聚 `{split}` 的分支",
            )
        if len(self.inc[join]) != len(branches):
            raise self.fail(
                join,
                f"joins more than the branches of `{split}`",
                f"汇聚的不只是 `{split}` 的分支",
            )
        self.enter(join)
        block: dict[str, Any] = {"type": "branches", "id": split}
        if node.get("label") is not None:
            block["label"] = copy.deepcopy(node["label"])
        block["kind"] = node["type"]
        if join != join_id({"id": split}):
            block["join"] = join
        block["branches"] = branches
        return block, self.single_exit(join)

    def is_join(self, key: str) -> bool:
        return self.nodes[key].get("type") in KINDS and len(self.inc[key]) > 1


# ---------------------------------------------------------------- problems onto cards


def card_of(blocks: Mapping[str, Any], spec: Mapping[str, Any], pointer: str) -> str | None:
    """The card (step, branches block, branch, start or end id) a problem of the compiled
    `spec` at `pointer` (`/nodes/3/...`, `/edges/5/...`) is about; None for the flow as a
    whole."""
    owner: dict[str, str] = {}

    def walk(steps: Sequence[Mapping[str, Any]]) -> None:
        for step in steps:
            owner[str(step.get("id"))] = str(step.get("id"))
            if step.get("type") == "branches":
                owner[join_id(step)] = str(step.get("id"))
                for branch in step.get("branches") or []:
                    owner[str(branch.get("id"))] = str(branch.get("id"))
                    walk(branch.get("steps") or [])

    walk(blocks.get("steps") or [])
    parts = pointer.split("/")
    if len(parts) < 3 or not parts[2].isdigit():
        return None
    items = spec.get(parts[1])
    index = int(parts[2])
    if parts[1] not in ("nodes", "edges") or not isinstance(items, list) or index >= len(items):
        return None
    item = items[index]
    key = str(item.get("id"))
    if parts[1] == "edges" and key not in owner:
        key = str(item.get("from"))
    return owner.get(key, key)
