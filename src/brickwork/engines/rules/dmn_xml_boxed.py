"""DMN XML boxed expressions (decision tables, literal expressions, contexts, ...) → spec dicts.

Called by the importer in `dmn_xml.py` for every expression element; each reader returns the
dict of one `Boxed` of DECISION_FORMAT and reports refusals through the importer (element id,
line, pointer, hint). Pure: reads an already parsed tree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from brickwork.engines.rules.dmn_xml_export import AGGREGATIONS, HIT_POLICIES

if TYPE_CHECKING:
    from brickwork.engines.rules.dmn_xml import _Importer

EXPRESSIONS = frozenset(
    {
        "literalExpression",
        "decisionTable",
        "context",
        "list",
        "relation",
        "invocation",
        "conditional",
        "filter",
        "for",
        "some",
        "every",
        "functionDefinition",
    }
)
_TYPE_NAMES = {
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "date and time": "date and time",
    "datetime": "date and time",
    "days and time duration": "days and time duration",
    "daytimeduration": "days and time duration",
    "duration": "days and time duration",
    "years and months duration": "years and months duration",
    "yearmonthduration": "years and months duration",
    "any": "Any",
    "integer": "number",
    "int": "number",
    "long": "number",
    "double": "number",
    "decimal": "number",
    "float": "number",
    "context": "context",
    "list": "list",
}


def normalise_type(type_ref: str | None) -> str | None:
    """`feel:number`, `xsd:string`, `dateTime` → the FEEL type name; others unchanged."""
    if type_ref is None or not type_ref.strip():
        return None
    text = type_ref.strip()
    prefix, colon, local = text.partition(":")
    if colon and re.fullmatch(r"[A-Za-z_][\w.-]*", prefix) and "<" not in prefix:
        found = _TYPE_NAMES.get(local.strip().lower())
        if found is not None:
            return found
    return _TYPE_NAMES.get(text.lower(), text)


_HIT_POLICY_CODES = {name: code for code, name in HIT_POLICIES.items()}
_AGGREGATION_CODES = {name: code for code, name in AGGREGATIONS.items()}


def _with_id(element: ET.Element, boxed: dict[str, Any]) -> dict[str, Any]:
    if element.get("id"):
        return {"id": element.get("id"), **boxed}
    return boxed


def read_expression(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    local = importer.tag(element)
    reader = _READERS.get(local)
    if reader is None:
        importer.unsupported(element, pointer, "use a FEEL boxed expression of DMN 1.5")
        return {"type": "literal", "text": "null"}
    return _with_id(element, reader(importer, element, pointer))


def _only_expression(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    """The one expression inside a container (`<if>`, `<in>`, a binding, a row cell...)."""
    found = [
        (local, child)
        for local, child in importer.children(element, pointer)
        if local in EXPRESSIONS
    ]
    if len(found) != 1:
        importer.problem(
            "E_XML_MISSING",
            element,
            f"{importer.tag(element)} must hold exactly one expression, not {len(found)}",
            "fill in the expression in the modeler",
            pointer,
        )
        return {"type": "literal", "text": "null"}
    return importer.expression(found[0][1], pointer)


def _literal(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    boxed: dict[str, Any] = {"type": "literal", "text": importer.text(element) or "null"}
    type_ref = _type(element)
    if type_ref:
        boxed["type_ref"] = type_ref
    for local, child in importer.children(element, pointer):
        if local not in ("text", "description"):
            importer.unsupported(child, pointer, "a literal expression holds FEEL text")
    return boxed


def _type(element: ET.Element) -> str | None:
    return normalise_type(element.get("typeRef"))


def _hit_policy(importer: _Importer, element: ET.Element, pointer: str) -> str:
    policy = element.get("hitPolicy", "UNIQUE").strip()
    aggregation = element.get("aggregation")
    if policy not in _HIT_POLICY_CODES:
        importer.problem(
            "E_XML_UNSUPPORTED",
            element,
            f"hit policy {policy!r} is not a DMN 1.5 hit policy",
            "use UNIQUE, ANY, PRIORITY, FIRST, RULE ORDER, OUTPUT ORDER or COLLECT",
            pointer,
        )
        return "U"
    code = _HIT_POLICY_CODES[policy]
    if aggregation is not None:
        if code != "C" or aggregation.strip() not in _AGGREGATION_CODES:
            importer.problem(
                "E_XML_UNSUPPORTED",
                element,
                f"aggregation {aggregation!r} with hit policy {policy}",
                "aggregations (SUM, MIN, MAX, COUNT) go with COLLECT only",
                pointer,
            )
            return code
        return _AGGREGATION_CODES[aggregation.strip()]
    return code


def _table_input(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    importer.attributes(element)
    column: dict[str, Any] = {"id": element.get("id", "")}
    if element.get("label"):
        column["label"] = element.get("label")
    for local, child in importer.children(element, pointer):
        if local == "inputExpression":
            importer.attributes(child)
            column["expression"] = importer.text(child) or ""
            if _type(child):
                column["type_ref"] = _type(child)
        elif local == "inputValues":
            column["input_values"] = importer.text(child, default="")
        elif local != "description":
            importer.unsupported(child, pointer, "an input holds inputExpression and inputValues")
    return column


def _table_output(
    importer: _Importer, element: ET.Element, pointer: str, fallback: str
) -> dict[str, Any]:
    importer.attributes(element)
    column: dict[str, Any] = {"id": element.get("id", ""), "name": element.get("name") or fallback}
    if element.get("label"):
        column["label"] = element.get("label")
    if _type(element):
        column["type_ref"] = _type(element)
    for local, child in importer.children(element, pointer):
        if local == "outputValues":
            column["output_values"] = importer.text(child, default="")
        elif local == "defaultOutputEntry":
            column["default"] = importer.text(child) or "null"
        elif local != "description":
            importer.unsupported(child, pointer, "an output holds outputValues and a default")
    return column


def _rule(
    importer: _Importer, element: ET.Element, pointer: str, described: bool
) -> dict[str, Any]:
    importer.attributes(element)
    when: list[str] = []
    then: list[str] = []
    notes: list[str] = []
    description = None
    for local, child in importer.children(element, pointer):
        importer.attributes(child)
        if local == "inputEntry":
            when.append(importer.text(child) or "-")
        elif local == "outputEntry":
            then.append(importer.text(child) or "null")
        elif local == "annotationEntry":
            notes.append(importer.text(child) or "")
        elif local == "description":
            description = child.text or ""
            if not described:
                importer.ignore(
                    element,
                    "the rule's description was skipped: the table has "
                    "annotation columns, which hold the rule's notes",
                )
        else:
            importer.unsupported(
                child, pointer, "a rule holds input, output and annotation entries"
            )
    rule: dict[str, Any] = {"id": element.get("id", ""), "when": when, "then": then}
    if described:
        notes = [description or ""]
    if notes:
        rule["annotations"] = notes
    return rule


def _decision_table(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    table: dict[str, Any] = {"type": "decision_table"}
    table["hit_policy"] = _hit_policy(importer, element, pointer)
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    annotations: list[str] = []
    rules: list[ET.Element] = []
    for local, child in importer.children(element, pointer):
        if local == "input":
            inputs.append(_table_input(importer, child, f"{pointer}/inputs/{len(inputs)}"))
        elif local == "output":
            at = f"{pointer}/outputs/{len(outputs)}"
            outputs.append(_table_output(importer, child, at, f"output {len(outputs) + 1}"))
        elif local == "annotation":
            annotations.append(child.get("name", ""))
        elif local == "rule":
            rules.append(child)
        elif local != "description":
            importer.unsupported(child, pointer, "a decision table holds inputs, outputs, rules")
    # DMN 1.1 style rule descriptions become one annotation column when the table has none
    described = not annotations and any(importer.tag(c) == "description" for r in rules for c in r)
    if described:
        annotations = ["Description"]
    table["inputs"] = inputs
    table["outputs"] = outputs
    if annotations:
        table["annotations"] = annotations
    table["rules"] = [
        _rule(importer, rule, f"{pointer}/rules/{n}", described) for n, rule in enumerate(rules)
    ]
    return table


def _context(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for local, child in importer.children(element, pointer):
        if local != "contextEntry":
            importer.unsupported(child, pointer, "a context holds context entries")
            continue
        at = f"{pointer}/entries/{len(entries)}"
        entry: dict[str, Any] = {}
        variable = next((c for k, c in importer.children(child, at) if k == "variable"), None)
        if variable is not None and variable.get("name"):
            entry["name"] = variable.get("name")
        entry["value"] = _only_expression(importer, child, f"{at}/value")
        entries.append(entry)
    return {"type": "context", "entries": entries}


def _list(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for local, child in importer.children(element, pointer):
        if local in EXPRESSIONS:
            items.append(importer.expression(child, f"{pointer}/items/{len(items)}"))
        elif local != "description":
            importer.unsupported(child, pointer, "a list holds expressions")
    return {"type": "list", "items": items}


def _relation(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    columns: list[str] = []
    rows: list[list[dict[str, Any]]] = []
    for local, child in importer.children(element, pointer):
        if local == "column":
            columns.append(child.get("name", ""))
        elif local == "row":
            at = f"{pointer}/rows/{len(rows)}"
            cells = [c for k, c in importer.children(child, at) if k in EXPRESSIONS]
            rows.append([importer.expression(c, f"{at}/{n}") for n, c in enumerate(cells)])
        elif local != "description":
            importer.unsupported(child, pointer, "a relation holds columns and rows")
    return {"type": "relation", "columns": columns, "rows": rows}


def _invocation(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    function = ""
    bindings: list[dict[str, Any]] = []
    for local, child in importer.children(element, pointer):
        if local == "literalExpression":
            function = (importer.text(child) or "").strip()
        elif local == "binding":
            at = f"{pointer}/bindings/{len(bindings)}"
            parameter = next((c for k, c in importer.children(child, at) if k == "parameter"), None)
            has_value = any(k in EXPRESSIONS for k, _ in importer.children(child, at))
            value = (
                _only_expression(importer, child, f"{at}/value")
                if has_value
                else {"type": "literal", "text": "null"}
            )
            name = "" if parameter is None else parameter.get("name", "")
            bindings.append({"name": name, "value": value})
        elif local != "description":
            importer.unsupported(child, pointer, "an invocation names a function and bindings")
    return {"type": "invocation", "function": function, "bindings": bindings}


def _parts(
    importer: _Importer, element: ET.Element, pointer: str, names: dict[str, str]
) -> dict[str, Any]:
    """Containers such as `<if>`/`<then>`/`<else>`, each with one expression."""
    found: dict[str, Any] = {}
    for local, child in importer.children(element, pointer):
        if local in names:
            key = names[local]
            found[key] = _only_expression(importer, child, f"{pointer}/{key}")
        elif local != "description":
            importer.unsupported(child, pointer, f"expected {', '.join(names)}")
    for local, key in names.items():
        if key not in found:
            importer.problem(
                "E_XML_MISSING",
                element,
                f"{importer.tag(element)} has no <{local}>",
                f"add the <{local}> part",
                pointer,
            )
            found[key] = {"type": "literal", "text": "null"}
    return found


def _conditional(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    parts = _parts(importer, element, pointer, {"if": "if", "then": "then", "else": "else"})
    return {"type": "conditional", **parts}


def _filter(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    return {"type": "filter", **_parts(importer, element, pointer, {"in": "in", "match": "match"})}


def _iterator(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    kind = importer.tag(element)
    last = "return" if kind == "for" else "satisfies"
    parts = _parts(importer, element, pointer, {"in": "in", last: last})
    variable = element.get("iteratorVariable", "")
    return {"type": "iterator", "kind": kind, "variable": variable, **parts}


def read_function(importer: _Importer, element: ET.Element, pointer: str) -> dict[str, Any]:
    kind = element.get("kind", "FEEL").strip()
    if kind != "FEEL":
        importer.problem(
            "E_XML_UNSUPPORTED",
            element,
            f"function kind {kind!r} (only FEEL functions run here)",
            "rewrite the function body as a FEEL boxed expression",
            pointer,
        )
    parameters: list[dict[str, Any]] = []
    bodies: list[ET.Element] = []
    for local, child in importer.children(element, pointer):
        if local == "formalParameter":
            parameter: dict[str, Any] = {"name": child.get("name", "")}
            if _type(child):
                parameter["type_ref"] = _type(child)
            parameters.append(parameter)
        elif local in EXPRESSIONS:
            bodies.append(child)
        elif local != "description":
            importer.unsupported(child, pointer, "a function holds parameters and a body")
    if len(bodies) != 1:
        importer.problem(
            "E_XML_MISSING",
            element,
            f"the function has {len(bodies)} body expressions, not one",
            "give the function exactly one body",
            pointer,
        )
        body: dict[str, Any] = {"type": "literal", "text": "null"}
    else:
        body = importer.expression(bodies[0], f"{pointer}/body")
    return {"type": "function", "parameters": parameters, "body": body}


_READERS = {
    "literalExpression": _literal,
    "decisionTable": _decision_table,
    "context": _context,
    "list": _list,
    "relation": _relation,
    "invocation": _invocation,
    "conditional": _conditional,
    "filter": _filter,
    "for": _iterator,
    "some": _iterator,
    "every": _iterator,
    "functionDefinition": read_function,
}
