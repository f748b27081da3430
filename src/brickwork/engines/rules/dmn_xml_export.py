"""Write a decision model as DMN 1.5 XML with a minimal DMNDI diagram.

The diagram gives every decision, input data and knowledge model a shape (`dmndi:DMNShape`
with `dc:Bounds`) and every requirement an edge (`dmndi:DMNEdge` with two waypoints), which is
what dmn-js needs to draw the requirements graph (elements without a shape are not drawn).
Decisions sit in a row at the top, knowledge models below them, input data at the bottom.
Requirements get ids derived from their decision's id (`InformationRequirement_<id>_<n>`); the
importer ignores them. Pure: a model in, text out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import assert_never
from xml.sax.saxutils import escape, quoteattr

from brickwork.engines.rules.definition import (
    Boxed,
    BoxedContext,
    BoxedFilter,
    BoxedList,
    BusinessKnowledgeModel,
    Conditional,
    Decision,
    DecisionModel,
    DecisionTable,
    FunctionDefinition,
    Invocation,
    ItemDefinition,
    Label,
    LiteralExpression,
    LocalisedText,
    Relation,
)
from brickwork.engines.rules.definition import (
    Iterator as BoxedIterator,
)

MODEL_NAMESPACES = {
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
FEEL_LANGUAGES = frozenset(
    {
        "https://www.omg.org/spec/DMN/20191111/FEEL/",
        "https://www.omg.org/spec/DMN/20211108/FEEL/",
        "https://www.omg.org/spec/DMN/20230324/FEEL/",
        "http://www.omg.org/spec/FEEL/20140401",
        "feel",
    }
)
BRICKWORK_NAMESPACE = "urn:brickwork:dmn"
"""Our own attributes (`bw:entry` on definitions: the decision evaluated by default)."""
DEFAULT_NAMESPACE = "urn:brickwork:decision-model"
"""Written for a model without a namespace; read back as none."""
HIT_POLICIES = {
    "U": "UNIQUE",
    "A": "ANY",
    "P": "PRIORITY",
    "F": "FIRST",
    "R": "RULE ORDER",
    "O": "OUTPUT ORDER",
    "C": "COLLECT",
}
AGGREGATIONS = {"C+": "SUM", "C<": "MIN", "C>": "MAX", "C#": "COUNT"}

_VERSIONS = {"1.3": "20191111", "1.5": "20230324"}
_AFTER_13 = frozenset({"conditional", "filter", "iterator"})
"""Boxed expressions DMN 1.3 does not have (they came with DMN 1.4)."""


def _namespaces(version: str) -> dict[str, str | None]:
    date = _VERSIONS[version]
    return {
        "xmlns": f"https://www.omg.org/spec/DMN/{date}/MODEL/",
        "xmlns:dmndi": f"https://www.omg.org/spec/DMN/{date}/DMNDI/",
        "xmlns:dc": "http://www.omg.org/spec/DMN/20180521/DC/",
        "xmlns:di": "http://www.omg.org/spec/DMN/20180521/DI/",
        "xmlns:bw": BRICKWORK_NAMESPACE,
    }


def newer_than_13(model: DecisionModel) -> list[str]:
    """JSON pointers of the boxed expressions a DMN 1.3 file cannot hold."""
    found: list[str] = []

    def walk(node: object, pointer: str) -> None:
        if isinstance(node, dict):
            if node.get("type") in _AFTER_13:
                found.append(pointer)
            for key, value in node.items():
                walk(value, f"{pointer}/{key}")
        elif isinstance(node, list | tuple):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(model.model_dump(by_alias=True, exclude_none=True), "")
    return found


_SIZES = {"decision": (180, 80), "knowledge": (135, 46), "input": (125, 45)}
_ROWS = {"decision": 80, "knowledge": 240, "input": 400}


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[_Node] = field(default_factory=list)
    text: str | None = None

    def add(self, tag: str, text: str | None = None, **attrs: str | None) -> _Node:
        child = _Node(tag, attrs, [], text)
        self.children.append(child)
        return child

    def lines(self, depth: int = 0) -> Iterator[str]:
        pad = "  " * depth
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in self.attrs.items() if v is not None)
        if self.text is not None:
            yield f"{pad}<{self.tag}{attrs}>{escape(self.text)}</{self.tag}>"
        elif not self.children:
            yield f"{pad}<{self.tag}{attrs} />"
        else:
            yield f"{pad}<{self.tag}{attrs}>"
            for child in self.children:
                yield from child.lines(depth + 1)
            yield f"{pad}</{self.tag}>"


def _label(label: Label | None) -> str | None:
    if isinstance(label, LocalisedText):
        return label.en or label.zh_cn
    return label


def _text(parent: _Node, tag: str, text: str, **attrs: str | None) -> _Node:
    node = parent.add(tag, **attrs)
    node.add("text", text)
    return node


# ---------------------------------------------------------------- boxed expressions


def _boxed(parent: _Node, boxed: Boxed) -> None:
    match boxed:
        case LiteralExpression():
            _text(parent, "literalExpression", boxed.text, id=boxed.id, typeRef=boxed.type_ref)
        case DecisionTable():
            _table(parent, boxed)
        case BoxedContext() | BoxedList() | Relation():
            _collection(parent, boxed)
        case Invocation():
            node = parent.add("invocation", id=boxed.id)
            _text(node, "literalExpression", boxed.function)
            for binding in boxed.bindings:
                item = node.add("binding")
                item.add("parameter", name=binding.name)
                _boxed(item, binding.value)
        case Conditional() | BoxedFilter() | BoxedIterator():
            _parts(parent, boxed)
        case FunctionDefinition():
            _function(parent, "functionDefinition", boxed, None)
        case _:
            assert_never(boxed)


def _collection(parent: _Node, boxed: BoxedContext | BoxedList | Relation) -> None:
    match boxed:
        case BoxedContext():
            node = parent.add("context", id=boxed.id)
            for entry in boxed.entries:
                item = node.add("contextEntry")
                if entry.name is not None:
                    item.add("variable", name=entry.name)
                _boxed(item, entry.value)
        case BoxedList():
            node = parent.add("list", id=boxed.id)
            for value in boxed.items:
                _boxed(node, value)
        case Relation():
            node = parent.add("relation", id=boxed.id)
            for column in boxed.columns:
                node.add("column", name=column)
            for row in boxed.rows:
                cells = node.add("row")
                for value in row:
                    _boxed(cells, value)
        case _:
            assert_never(boxed)


def _parts(parent: _Node, boxed: Conditional | BoxedFilter | BoxedIterator) -> None:
    """Expressions made of named parts (`<if>`, `<in>`, ...), one expression in each."""
    parts: tuple[tuple[str, Boxed | None], ...]
    match boxed:
        case Conditional():
            node = parent.add("conditional", id=boxed.id)
            parts = (("if", boxed.if_), ("then", boxed.then), ("else", boxed.else_))
        case BoxedFilter():
            node = parent.add("filter", id=boxed.id)
            parts = (("in", boxed.in_), ("match", boxed.match))
        case BoxedIterator():
            node = parent.add(boxed.kind, id=boxed.id, iteratorVariable=boxed.variable)
            last = (
                ("return", boxed.return_) if boxed.kind == "for" else ("satisfies", boxed.satisfies)
            )
            parts = (("in", boxed.in_), last)
        case _:
            assert_never(boxed)
    for tag, value in parts:
        if value is not None:
            _boxed(node.add(tag), value)


def _function(parent: _Node, tag: str, function: FunctionDefinition, type_ref: str | None) -> None:
    node = parent.add(tag, id=function.id, typeRef=type_ref)
    for parameter in function.parameters:
        node.add("formalParameter", name=parameter.name, typeRef=parameter.type_ref)
    _boxed(node, function.body)


def _table(parent: _Node, table: DecisionTable) -> None:
    policy = table.hit_policy
    node = parent.add(
        "decisionTable",
        id=table.id,
        hitPolicy=HIT_POLICIES["C" if policy in AGGREGATIONS else policy],
        aggregation=AGGREGATIONS.get(policy),
    )
    for column in table.inputs:
        item = node.add("input", id=column.id, label=_label(column.label))
        _text(item, "inputExpression", column.expression, typeRef=column.type_ref)
        if column.input_values is not None:
            _text(item, "inputValues", column.input_values)
    for output in table.outputs:
        item = node.add(
            "output",
            id=output.id,
            label=_label(output.label),
            name=output.name,
            typeRef=output.type_ref,
        )
        if output.output_values is not None:
            _text(item, "outputValues", output.output_values)
        if output.default is not None:
            _text(item, "defaultOutputEntry", output.default)
    for name in table.annotations:
        node.add("annotation", name=name)
    for rule in table.rules:
        item = node.add("rule", id=rule.id)
        for cell in rule.when:
            _text(item, "inputEntry", cell or "-")
        for value in rule.then:
            _text(item, "outputEntry", value)
        for note in rule.annotations:
            _text(item, "annotationEntry", note)


# ---------------------------------------------------------------- DRG elements and diagram


def _requirements(node: _Node, decision: Decision, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Write the requirement elements; (requirement id, required element id) per edge."""
    edges: list[tuple[str, str]] = []
    groups = (
        ("informationRequirement", "requiredDecision", decision.requires.decisions),
        ("informationRequirement", "requiredInput", decision.requires.inputs),
    )
    for tag, target, names in groups:
        for name in names:
            rid = f"InformationRequirement_{decision.id}_{len(edges) + 1}"
            node.add(tag, id=rid).add(target, href=f"#{ids.get(name, name)}")
            edges.append((rid, ids.get(name, name)))
    return edges


def _knowledge_requirements(
    node: _Node, owner: str, names: tuple[str, ...], ids: dict[str, str]
) -> list[tuple[str, str]]:
    edges = []
    for n, name in enumerate(names, 1):
        rid = f"KnowledgeRequirement_{owner}_{n}"
        node.add("knowledgeRequirement", id=rid).add("requiredKnowledge", href=f"#{ids[name]}")
        edges.append((rid, ids[name]))
    return edges


def _bkm(root: _Node, bkm: BusinessKnowledgeModel, ids: dict[str, str]) -> list[tuple[str, str]]:
    node = root.add("businessKnowledgeModel", id=bkm.id, name=bkm.name)
    node.add("variable", name=bkm.name)
    logic = FunctionDefinition(type="function", parameters=bkm.parameters, body=bkm.logic)
    _function(node, "encapsulatedLogic", logic, bkm.type_ref)
    return _knowledge_requirements(node, bkm.id, bkm.requires.knowledge, ids)


def _diagram(root: _Node, shapes: list[tuple[str, str]], edges: list[tuple[str, str, str]]) -> None:
    di = root.add("dmndi:DMNDI")
    diagram = di.add("dmndi:DMNDiagram", id="DMNDiagram_1")
    places: dict[str, tuple[int, int, int, int]] = {}
    columns = {"decision": 0, "knowledge": 0, "input": 0}
    for element_id, kind in shapes:
        width, height = _SIZES[kind]
        x, y = 160 + 220 * columns[kind], _ROWS[kind]
        columns[kind] += 1
        places[element_id] = (x, y, width, height)
        shape = diagram.add("dmndi:DMNShape", id=f"DMNShape_{element_id}", dmnElementRef=element_id)
        shape.add("dc:Bounds", height=str(height), width=str(width), x=str(x), y=str(y))
    for requirement, source, target in edges:
        if source not in places or target not in places:
            continue
        sx, sy, sw, _ = places[source]
        tx, ty, tw, th = places[target]
        edge = diagram.add("dmndi:DMNEdge", id=f"DMNEdge_{requirement}", dmnElementRef=requirement)
        edge.add("di:waypoint", x=str(sx + sw // 2), y=str(sy))
        edge.add("di:waypoint", x=str(tx + tw // 2), y=str(ty + th))


def write_dmn(model: DecisionModel, version: str = "1.5") -> str:
    """DMN XML of `version` ("1.5", or "1.3" for tools that read only that, such as dmn-js);
    for 1.3 the caller checks `newer_than_13` first."""
    ids = {
        e.name: e.id for group in (model.inputs, model.decisions, model.knowledge) for e in group
    }
    root = _Node(
        "definitions",
        {
            **_namespaces(version),
            "id": "Definitions_" + (model.decisions[0].id if model.decisions else "1"),
            "name": _label(model.name) or "",
            "namespace": model.namespace or DEFAULT_NAMESPACE,
            "bw:entry": model.entry,
        },
    )
    for item in model.item_definitions:
        _item_definition(root, "itemDefinition", item)
    shapes: list[tuple[str, str]] = []
    edges: list[tuple[str, str, str]] = []
    for decision in model.decisions:
        node = root.add("decision", id=decision.id, name=decision.name)
        if decision.description is not None:
            node.add("description", decision.description)
        node.add("variable", name=decision.name, typeRef=decision.type_ref)
        found = _requirements(node, decision, ids)
        found += _knowledge_requirements(node, decision.id, decision.requires.knowledge, ids)
        edges += [(rid, source, decision.id) for rid, source in found]
        _boxed(node, decision.logic)
        shapes.append((decision.id, "decision"))
    for bkm in model.knowledge:
        edges += [(rid, source, bkm.id) for rid, source in _bkm(root, bkm, ids)]
        shapes.append((bkm.id, "knowledge"))
    for data in model.inputs:
        root.add("inputData", id=data.id, name=data.name).add(
            "variable", name=data.name, typeRef=data.type_ref
        )
        shapes.append((data.id, "input"))
    _diagram(root, shapes, edges)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(root.lines()) + "\n"


def _item_definition(parent: _Node, tag: str, item: ItemDefinition) -> None:
    node = parent.add(
        tag, id=item.id, name=item.name, isCollection="true" if item.is_collection else None
    )
    if item.type_ref is not None:
        node.add("typeRef", item.type_ref)
    if item.allowed_values is not None:
        _text(node, "allowedValues", item.allowed_values)
    for component in item.components or ():
        _item_definition(node, "itemComponent", component)
