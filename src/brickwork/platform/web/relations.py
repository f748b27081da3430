"""The relations graph on a record's page, as the form's `graph` setting declares it.

Walks the relation records out from the record (`depth` steps, `max_nodes` nodes at most), reads
them and the records they link through the viewer's permissions (a relation or a record the viewer
may not read is not drawn, nor is an edge to it), works out each node's effective share of the
record from the relations' shares (`effective ownership`), highlights the nodes the graph's
`highlight` expression picks, and lays it all out for an SVG the page draws without script.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from brickwork.engines.expr import compile_expression
from brickwork.engines.expr.functions import FunctionError
from brickwork.engines.expr.library.ownership import effective_ownership
from brickwork.engines.form.definition import RelationGraph
from brickwork.platform.errors import PlatformError
from brickwork.platform.web.diagram import Drawing, layout
from brickwork.platform.web.views import text_in

RELATIONS_PER_STEP = 500
"""Relation records read per step of the walk; a node with more is drawn with the first ones."""


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    label: str
    share: Decimal | None
    highlighted: bool
    center: bool
    link: str

    @property
    def share_text(self) -> str:
        return "" if self.share is None else f"{self.share.normalize():f}%"


@dataclass(frozen=True, slots=True)
class Graph:
    drawing: Drawing
    nodes: tuple[Node, ...]
    truncated: bool


def relations_graph(
    request: Request,
    session: Session,
    viewer: Any,
    app: str,
    form: str,
    record: dict[str, Any],
    graph: RelationGraph,
) -> Graph | None:
    """The graph around `record`, or None when the record has no key or the viewer may not
    read the relations."""
    center = record.get(graph.key)
    if not isinstance(center, str) or not center:
        return None
    records = request.app.state.records
    try:
        relations, truncated = _walk(records, session, viewer.actor, app, graph, center)
        found = records.search(
            session, viewer.actor, app, form,
            filter_=f"{graph.key} in {_literal(sorted({center, *_ends(relations, graph)}))}",
            limit=graph.max_nodes + 1, total="auto",
        )  # fmt: skip
        kinds = records.form(session, app, graph.relations).definition.fields
    except PlatformError:
        return None
    rows = {row[graph.key]: row for row in found.items if isinstance(row.get(graph.key), str)}
    if center not in rows:
        rows[center] = record
    edges = [
        r for r in relations if r.get(graph.from_field) in rows and r.get(graph.to_field) in rows
    ]
    shares = _effective_shares(edges, graph, center)
    test = compile_expression(graph.highlight) if graph.highlight else None
    nodes = []
    for key, row in rows.items():
        share = shares.get(key)
        highlighted = False
        if test is not None and key != center:
            highlighted = test.evaluate({**row, "share": share}).value is True
        label = row.get(graph.label or graph.key)
        nodes.append(
            Node(
                key=key,
                label=str(label) if label not in (None, "") else key,
                share=share,
                highlighted=highlighted,
                center=key == center,
                link=f"/apps/{app}/forms/{form}/records/{row['id']}",
            )
        )
    nodes.sort(key=lambda n: (not n.center, not n.highlighted, -(n.share or 0), n.key))
    kind_field = next((f for f in kinds if f.key == graph.kind_field), None)
    drawing = layout(
        {
            "nodes": [
                {
                    "id": n.key,
                    "type": "task",
                    "status": "center" if n.center else "highlighted" if n.highlighted else "",
                }
                for n in nodes
            ],
            "edges": _merged(edges, graph, kind_field, viewer.language),
        },
        {n.key: n.label for n in nodes},
        long_below=True,
    )
    return Graph(drawing, tuple(nodes), truncated or len(found.items) > graph.max_nodes)


def _walk(
    records: Any, session: Session, actor: Any, app: str, graph: RelationGraph, center: str
) -> tuple[list[dict[str, Any]], bool]:
    """The relation records within `depth` steps of `center`, at most `max_nodes` ends."""
    seen = {center}
    frontier = [center]
    found: dict[str, dict[str, Any]] = {}
    truncated = False
    for _ in range(graph.depth):
        if not frontier:
            break
        names = _literal(frontier)
        page = records.search(
            session, actor, app, graph.relations,
            filter_=f"{graph.from_field} in {names} or {graph.to_field} in {names}",
            limit=RELATIONS_PER_STEP, total="auto",
        )  # fmt: skip
        truncated = truncated or len(page.items) >= RELATIONS_PER_STEP
        frontier = []
        for row in page.items:
            ends = (row.get(graph.from_field), row.get(graph.to_field))
            if not all(isinstance(end, str) and end for end in ends):
                continue
            for end in ends:
                if end not in seen:
                    if len(seen) >= graph.max_nodes:
                        truncated = True
                        continue
                    seen.add(end)
                    frontier.append(end)
            if all(end in seen for end in ends):
                found[str(row["id"])] = row
    return list(found.values()), truncated


def _ends(relations: list[dict[str, Any]], graph: RelationGraph) -> set[str]:
    return {r[graph.from_field] for r in relations} | {r[graph.to_field] for r in relations}


def _literal(names: list[str]) -> str:
    """A list of strings in the expression language (JSON strings are valid string literals)."""
    return "[" + ", ".join(json.dumps(name, ensure_ascii=False) for name in names) + "]"


def _number(value: Any) -> Decimal | None:
    if isinstance(value, dict):
        value = value.get("amount")
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _effective_shares(
    edges: list[dict[str, Any]], graph: RelationGraph, center: str
) -> dict[str, Decimal]:
    if graph.share_field is None:
        return {}
    ownership = [
        {"owner": r[graph.from_field], "owned": r[graph.to_field], "share": share}
        for r in edges
        if (share := _number(r.get(graph.share_field))) is not None
    ]
    try:
        owners = effective_ownership(ownership, center)
    except FunctionError:  # inconsistent shares (above 100 % in one entity): none shown
        return {}
    return {item["owner"]: item["share"] for item in owners}


def _merged(
    edges: list[dict[str, Any]], graph: RelationGraph, kind: Any, language: str
) -> list[dict[str, Any]]:
    """One line per pair of nodes, its labels joined (a holder who is also the manager)."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for row in edges:
        pair = (row[graph.from_field], row[graph.to_field])
        label = _edge_label(row, graph, kind, language)
        found = pairs.setdefault(pair, {"labels": [], "rank": False})
        if label and label not in found["labels"]:
            found["labels"].append(label)
        found["rank"] = found["rank"] or _ranks(row, graph)
    return [
        {"from": a, "to": b, "label": " · ".join(e["labels"]), "rank": e["rank"]}
        for (a, b), e in pairs.items()
    ]


def _ranks(row: dict[str, Any], graph: RelationGraph) -> bool:
    """With shares, only relations that carry one set the columns (owners left of what they
    own); the others (family, employment) are drawn between the nodes where they fall."""
    return graph.share_field is None or _number(row.get(graph.share_field)) is not None


def _edge_label(row: dict[str, Any], graph: RelationGraph, kind: Any, language: str) -> str:
    share = _number(row.get(graph.share_field)) if graph.share_field else None
    if share is not None:
        return f"{share.normalize():f}%"
    value = row.get(graph.kind_field) if graph.kind_field else None
    if value is None:
        return ""
    for option in getattr(kind, "options", None) or ():
        if option.value == value:
            return text_in(option.label, language) or str(value)
    return str(value)
