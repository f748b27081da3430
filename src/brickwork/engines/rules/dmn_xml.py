"""DMN XML interop: import DMN 1.3/1.4/1.5 XML into a decision model spec, export a spec as DMN 1.5.

`import_dmn(xml)` reads what Camunda Modeler and dmn-js write and returns a spec dict valid for
`DecisionModel.model_validate`; `export_dmn(spec)` writes DMN 1.5 XML with a minimal diagram
(DMNDI) so dmn-js opens it. The XML is parsed with `defusedxml`: DTDs, entities and external
references are refused. Everything the importer cannot map (decision services, imports,
expression languages other than FEEL, unknown elements) is refused with a `DmnXmlError` that lists
every problem with a stable code, the element id, the XML line and a hint, in English and in
Simplified Chinese (`dmn_xml_messages`): nothing is dropped silently. Only diagram and
documentation elements (DMNDI, `extensionElements`, text annotations, associations, knowledge
sources and authority requirements, `question`/`allowedAnswers`) and foreign attributes
(`camunda:`, `biodi:`) are ignored; they carry no decision logic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import (
    Element,
    ParseError,
    SubElement,
    TreeBuilder,
    indent,
    tostring,
)

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from pydantic import ValidationError

from brickwork.engines.bilingual import Words, fill, listing
from brickwork.engines.rules.definition import ID_PATTERN, DecisionModel, LocalisedText
from brickwork.engines.rules.dmn_xml_messages import XML_MESSAGES
from brickwork.engines.rules.problems import pointer_token

DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMN14 = "https://www.omg.org/spec/DMN/20211108/MODEL/"
DMN15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"
MODEL_NAMESPACES = (DMN13, DMN14, DMN15)
DMNDI15 = "https://www.omg.org/spec/DMN/20230324/DMNDI/"
DMNDI13 = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
_DMN14_BOXED = ("conditional", "filter", "iterator")
MAX_DEPTH = 100
"""How deep elements may nest (a decision table is 6 levels deep); deeper files are refused."""
DC = "http://www.omg.org/spec/DMN/20180521/DC/"
DI = "http://www.omg.org/spec/DMN/20180521/DI/"
FEEL_LANGUAGES = (
    "https://www.omg.org/spec/DMN/20191111/FEEL/",
    "https://www.omg.org/spec/DMN/20211108/FEEL/",
    "https://www.omg.org/spec/DMN/20230324/FEEL/",
    "http://www.omg.org/spec/FEEL/20140401",
    "feel",
    "FEEL",
)

HIT_POLICY_NAMES = {
    "UNIQUE": "U",
    "ANY": "A",
    "PRIORITY": "P",
    "FIRST": "F",
    "RULE ORDER": "R",
    "OUTPUT ORDER": "O",
    "COLLECT": "C",
}
AGGREGATIONS = {"SUM": "C+", "MIN": "C<", "MAX": "C>", "COUNT": "C#"}
_POLICY_XML = {short: name for name, short in HIT_POLICY_NAMES.items()}
_AGGREGATION_XML = {short: name for name, short in AGGREGATIONS.items()}

# XML type names (Camunda Modeler, XML Schema) and their FEEL spelling.
TYPE_NAMES = {
    "string": "string",
    "number": "number",
    "integer": "number",
    "int": "number",
    "long": "number",
    "double": "number",
    "decimal": "number",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "dateTime": "date and time",
    "date and time": "date and time",
    "dayTimeDuration": "days and time duration",
    "days and time duration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "years and months duration": "years and months duration",
    "any": "Any",
    "Any": "Any",
    "context": "context",
    "list": "list",
}
_TYPE_PREFIXES = ("feel:", "xsd:", "xs:", "FEEL:")

# Elements without decision logic: diagrams, documentation, extensions.
_IGNORED = {
    "extensionElements",
    "textAnnotation",
    "association",
    "knowledgeSource",
    "authorityRequirement",
    "group",
    "question",
    "allowedAnswers",
    "elementCollection",
    "performanceIndicator",
    "organizationUnit",
}
_BOXED = {
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


@dataclass(frozen=True, slots=True)
class DmnXmlProblem:
    code: str
    message: str
    element_id: str = ""
    line: int = 0
    hint: str | None = None
    pointer: str = ""
    """The JSON pointer into the spec the element maps to, where known."""
    zh_cn: str | None = None
    """The message in Simplified Chinese."""
    hint_zh_cn: str | None = None
    """The hint in Simplified Chinese."""

    def __str__(self) -> str:
        where = f"element `{self.element_id}`" if self.element_id else "the document"
        place = [f"line {self.line}"] if self.line else []
        place += [self.pointer] if self.pointer else []
        if place:
            where += f" ({', '.join(place)})"
        text = f"{self.code} at {where}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def zh_text(self) -> str:
        """What `str` says, in Simplified Chinese (English where there is no Chinese text)."""
        where = f"元素 `{self.element_id}`" if self.element_id else "文件"
        place = [f"第 {self.line} 行"] if self.line else []
        place += [self.pointer] if self.pointer else []
        if place:
            where += f"（{'，'.join(place)}）"
        text = f"{self.code}：{where}：{self.zh_cn or self.message}"
        hint = self.hint_zh_cn or self.hint
        return f"{text}（提示：{hint}）" if hint else text


def xml_problem(
    code: str, key: str, element_id: str, line: int, pointer: str = "", /, **params: object
) -> DmnXmlProblem:
    """Problem `code` at an element (its id, its line, the pointer it maps to), saying entry
    `key` of `XML_MESSAGES` with `params`."""
    message, hint = XML_MESSAGES[key]
    zh_cn, en = fill(message, params)
    hint_zh_cn, hint_en = fill(hint, params) if hint is not None else (None, None)
    return DmnXmlProblem(code, en, element_id, line, hint_en, pointer, zh_cn, hint_zh_cn)


class DmnXmlError(Exception):
    """The XML cannot be imported; `problems` lists everything found."""

    def __init__(self, problems: list[DmnXmlProblem]) -> None:
        self.problems: tuple[DmnXmlProblem, ...] = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


# ---------------------------------------------------------------- parsing


class _LineBuilder:
    """A tree builder that remembers the line of every element's start tag."""

    def __init__(self) -> None:
        self.builder = TreeBuilder()
        self.lines: dict[int, int] = {}
        self.current_line: Callable[[], int] = lambda: 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = self.builder.start(tag, attrs)
        self.lines[id(element)] = self.current_line()
        return element

    def end(self, tag: str) -> Element:
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Element:
        return self.builder.close()


def parse_xml(xml: str | bytes) -> tuple[Element, dict[int, int]]:
    target = _LineBuilder()
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    expat = parser.parser
    target.current_line = lambda: int(expat.CurrentLineNumber)
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if isinstance(xml, str):
        data = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", data)
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        line = int(getattr(exc, "lineno", 0) or expat.CurrentLineNumber or 0)
        raise DmnXmlError(
            [xml_problem("E_DMN_XML_FORBIDDEN", "forbidden", "", line, error=type(exc).__name__)]
        ) from None
    except LookupError as exc:  # an unknown encoding in the XML declaration
        raise DmnXmlError(
            [xml_problem("E_DMN_XML_MALFORMED", "undecodable", "", 1, detail=exc)]
        ) from None
    except ParseError as exc:
        raise DmnXmlError(
            [xml_problem("E_DMN_XML_MALFORMED", "malformed", "", exc.position[0], detail=exc)]
        ) from None
    too_deep = _too_deep(root)
    if too_deep is not None:
        raise DmnXmlError(
            [
                xml_problem(
                    "E_DMN_XML_TOO_DEEP",
                    "too_deep",
                    too_deep.get("id", "") or _local(too_deep.tag)[1],
                    target.lines.get(id(too_deep), 0),
                    depth=MAX_DEPTH,
                )
            ]
        )
    return root, target.lines


def _too_deep(root: Element) -> Element | None:
    """The first element nested deeper than `MAX_DEPTH`, if any (without recursion)."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            return element
        stack.extend((child, depth + 1) for child in reversed(element))
    return None


# ---------------------------------------------------------------- import


def import_dmn(xml: str | bytes) -> dict[str, Any]:
    """Map a DMN 1.3/1.4/1.5 document to a decision model spec; raises `DmnXmlError`."""
    root, lines = parse_xml(xml)
    reader = _Reader(lines)
    spec = reader.read(root)
    if reader.problems:
        raise DmnXmlError(reader.problems)
    try:
        DecisionModel.model_validate(spec)
    except ValidationError as exc:
        by_id = {e.get("id"): lines.get(id(e), 0) for e in root.iter() if e.get("id")}
        problems = []
        errors = exc.errors()
        locations = [tuple(e["loc"]) for e in errors]
        for error in errors:
            loc = tuple(error["loc"])
            if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locations):
                continue  # a consequence of a deeper error
            pointer, element_id = _Reader.locate(error["loc"], spec)
            problems.append(
                xml_problem(
                    "E_DMN_XML_INVALID",
                    "invalid",
                    element_id,
                    by_id.get(element_id, 0),
                    pointer,
                    at=pointer,
                    detail=error["msg"],
                )
            )
        raise DmnXmlError(problems) from None
    return spec


def element_at(spec: Mapping[str, Any], pointer: str) -> str:
    """The id of the element a JSON pointer into an imported `spec` falls in (the nearest
    enclosing element with an id; "" if none), to report compile problems by XML element id."""
    node: Any = spec
    found = ""
    for raw in pointer.split("/")[1:] if pointer else ():
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list | tuple):
            if not token.isdigit() or int(token) >= len(node):
                break
            node = node[int(token)]
        elif isinstance(node, Mapping) and token in node:
            node = node[token]
        else:
            break
        if isinstance(node, Mapping) and isinstance(node.get("id"), str):
            found = node["id"]
    return found


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


class _Reader:
    def __init__(self, lines: dict[int, int]) -> None:
        self.lines = lines
        self.problems: list[DmnXmlProblem] = []
        self.ns = DMN15
        self.names: dict[str, tuple[str, str]] = {}  # id -> (kind, name)
        self.item_names: set[str] = set()
        self.path: list[str] = []
        """Where in the spec the element being read maps to (JSON pointer tokens)."""

    # -- helpers

    @contextmanager
    def at(self, *tokens: str | int) -> Iterator[None]:
        """Read the elements of the block as the spec's `tokens` below the current place."""
        self.path.extend(pointer_token(t) for t in tokens)
        try:
            yield
        finally:
            del self.path[len(self.path) - len(tokens) :]

    def line(self, element: Element) -> int:
        return self.lines.get(id(element), 0)

    def report(
        self,
        code: str,
        key: str,
        element: Element,
        /,
        *,
        owner: Element | None = None,
        **params: object,
    ) -> None:
        """Report problem `code`, saying entry `key` of `XML_MESSAGES` with `params`, at
        `element` (by its id, else `owner`'s id, else its tag)."""
        element_id = element.get("id", "") or (owner.get("id", "") if owner is not None else "")
        if not element_id:
            element_id = _local(element.tag)[1]
        pointer = "/" + "/".join(self.path) if self.path else ""
        line = self.line(element)
        self.problems.append(xml_problem(code, key, element_id, line, pointer, **params))

    def tag(self, local: str) -> str:
        return f"{{{self.ns}}}{local}"

    def children(
        self, element: Element, allowed: set[str] | frozenset[str] = frozenset()
    ) -> Iterator[tuple[str, Element]]:
        """The DMN children of `element` named in `allowed`; reports unknown DMN children."""
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            namespace, local = _local(child.tag)
            if namespace != self.ns or local in _IGNORED:
                continue  # extensions and diagrams (DMNDI) carry no decision logic
            if local == "description" and "description" not in allowed:
                continue
            if local in allowed:
                yield local, child
            else:
                self.unsupported(child, element)

    def unsupported(self, child: Element, parent: Element) -> None:
        local = _local(child.tag)[1]
        key = {"decisionService": "decision_service", "import": "import"}.get(local, "unsupported")
        parent_tag = _local(parent.tag)[1]
        self.report("E_DMN_XML_UNSUPPORTED_ELEMENT", key, child, tag=local, parent=parent_tag)

    def text_of(self, element: Element | None) -> str:
        if element is None:
            return ""
        node = element.find(self.tag("text"))
        return (node.text or "").strip() if node is not None else ""

    def type_ref(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        for prefix in _TYPE_PREFIXES:
            if value.startswith(prefix):
                value = value[len(prefix) :]
                break
        else:
            if ":" in value and "<" not in value:
                tail = value.split(":", 1)[1]
                if tail in self.item_names:
                    return tail
        if value in self.item_names:
            return value
        return TYPE_NAMES.get(value, value)

    def check_language(self, element: Element) -> None:
        language = element.get("expressionLanguage")
        if language is not None and language not in FEEL_LANGUAGES:
            self.report(
                "E_DMN_XML_EXPRESSION_LANGUAGE", "expression_language", element, language=language
            )

    def required_id(self, element: Element) -> str:
        value = element.get("id")
        if not value:
            self.report("E_DMN_XML_MISSING", "no_id", element, tag=_local(element.tag)[1])
            return "missing"
        return value

    def required_name(self, element: Element) -> str:
        value = element.get("name")
        if not value:
            self.report("E_DMN_XML_MISSING", "no_name", element, tag=_local(element.tag)[1])
            return "missing"
        return value

    @staticmethod
    def locate(loc: tuple[int | str, ...], spec: Mapping[str, Any]) -> tuple[str, str]:
        """The JSON pointer of a validation error's location, and the nearest element id."""
        node: Any = spec
        found = ""
        tokens: list[str] = []
        for key in loc:
            if isinstance(node, Mapping) and key not in node and node.get("type") == key:
                continue  # the discriminator of a boxed expression
            tokens.append(str(key).replace("~", "~0").replace("/", "~1"))
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                break
            if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                found = node["id"]
        return "/" + "/".join(tokens), found

    # -- definitions

    def read(self, root: Element) -> dict[str, Any]:
        namespace, local = _local(root.tag)
        if local != "definitions" or namespace not in MODEL_NAMESPACES:
            old = namespace.startswith(("http://www.omg.org/spec/DMN/", "https://www.omg.org"))
            key = "old_dmn" if old else "not_dmn"
            self.report("E_DMN_XML_NOT_DMN", key, root, tag=local, namespace=namespace)
            return {}
        self.ns = namespace
        for child in root:
            if isinstance(child.tag, str) and _local(child.tag) == (namespace, "itemDefinition"):
                name = child.get("name")
                if name:
                    self.item_names.add(name)
        for child in root:
            if not isinstance(child.tag, str) or _local(child.tag)[0] != namespace:
                continue
            element_id = child.get("id")
            if element_id and child.get("name"):
                self.names[element_id] = (_local(child.tag)[1], child.get("name", ""))
        spec: dict[str, Any] = {}
        name = root.get("name")
        if name:
            spec["name"] = name
        if root.get("namespace"):
            spec["namespace"] = root.get("namespace")
        self.read_elements(root, spec)
        if not spec["decisions"]:
            self.report("E_DMN_XML_MISSING", "no_decision", root)
        return spec

    def read_elements(self, root: Element, spec: dict[str, Any]) -> None:
        drg = {"inputData", "decision", "businessKnowledgeModel"}
        items: list[dict[str, Any]] = []
        inputs: list[dict[str, Any]] = []
        decisions: list[dict[str, Any]] = []
        knowledge: list[dict[str, Any]] = []
        for local_name, child in self.children(root, drg | {"itemDefinition"}):
            if local_name == "itemDefinition":
                with self.at("item_definitions", len(items)):
                    items.append(self.item_definition(child))
            elif local_name == "inputData":
                with self.at("inputs", len(inputs)):
                    inputs.append(self.input_data(child))
            elif local_name == "decision":
                with self.at("decisions", len(decisions)):
                    decisions.append(self.decision(child))
            else:
                with self.at("knowledge", len(knowledge)):
                    knowledge.append(self.knowledge(child))
        if items:
            spec["item_definitions"] = items
        if inputs:
            spec["inputs"] = inputs
        spec["decisions"] = decisions
        if knowledge:
            spec["knowledge"] = knowledge

    def item_definition(self, element: Element, parent_id: str = "", index: int = 0) -> Any:
        self.check_language(element)
        element_id = element.get("id") or (
            f"{parent_id}_{index}" if parent_id else self.required_id(element)
        )
        item: dict[str, Any] = {"id": element_id, "name": self.required_name(element)}
        components: list[dict[str, Any]] = []
        for local_name, child in self.children(
            element, {"typeRef", "itemComponent", "allowedValues", "functionItem"}
        ):
            if local_name == "typeRef":
                item["type_ref"] = self.type_ref(child.text)
            elif local_name == "itemComponent":
                with self.at("components", len(components)):
                    components.append(self.item_definition(child, element_id, len(components)))
            elif local_name == "allowedValues":
                self.check_language(child)
                item["allowed_values"] = self.text_of(child) or "-"
            else:
                self.unsupported(child, element)
        if components:
            item["components"] = components
        if element.get("isCollection") == "true":
            item["is_collection"] = True
        if "type_ref" not in item and not components:
            self.report("E_DMN_XML_MISSING", "untyped_item", element)
        return item

    def variable_type(self, element: Element) -> str | None:
        variable = element.find(self.tag("variable"))
        return self.type_ref(variable.get("typeRef")) if variable is not None else None

    def input_data(self, element: Element) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.required_id(element),
            "name": self.required_name(element),
        }
        list(self.children(element, {"variable"}))
        type_ref = self.variable_type(element)
        if type_ref:
            item["type_ref"] = type_ref
        return item

    def reference(self, element: Element, kinds: set[str], owner: Element) -> str | None:
        href = element.get("href", "")
        if not href.startswith("#"):
            self.report(
                "E_DMN_XML_BAD_REFERENCE", "external_reference", element, owner=owner, href=href
            )
            return None
        kind, name = self.names.get(href[1:], ("", ""))
        if kind not in kinds:
            named = sorted(kinds)
            self.report(
                "E_DMN_XML_BAD_REFERENCE",
                "bad_reference",
                element,
                owner=owner,
                href=href,
                kinds=Words(" 或 ".join(named), " or ".join(named)),
            )
            return None
        return name

    def requirements(self, kids: list[tuple[str, Element]]) -> dict[str, list[str]]:
        requires: dict[str, list[str]] = {}
        targets = {
            "requiredDecision": ("decisions", {"decision"}),
            "requiredInput": ("inputs", {"inputData"}),
            "requiredKnowledge": ("knowledge", {"businessKnowledgeModel"}),
        }
        for local_name, child in kids:
            if local_name not in ("informationRequirement", "knowledgeRequirement"):
                continue
            for target, ref in self.children(child, set(targets)):
                key, kinds = targets[target]
                name = self.reference(ref, kinds, child)
                if name is not None:
                    requires.setdefault(key, []).append(name)
        return requires

    def single_boxed(self, element: Element, allowed: set[str], *, required: bool = True) -> Any:
        """The one boxed expression among `element`'s children (others in `allowed`)."""
        return self.pick_boxed(element, list(self.children(element, _BOXED | allowed)), required)

    def pick_boxed(
        self, element: Element, kids: list[tuple[str, Element]], required: bool = True
    ) -> Any:
        found = [child for local, child in kids if local in _BOXED]
        if len(found) > 1:
            self.report("E_DMN_XML_UNSUPPORTED_ELEMENT", "two_expressions", found[1])
        if not found:
            if required:
                self.report(
                    "E_DMN_XML_MISSING", "no_expression", element, tag=_local(element.tag)[1]
                )
            return None
        return self.boxed(found[0], element.get("name", ""))

    def decision(self, element: Element) -> dict[str, Any]:
        allowed = {
            "variable",
            "informationRequirement",
            "knowledgeRequirement",
            "description",
            "supportedObjective",
            "impactedPerformanceIndicator",
            "decisionMaker",
            "decisionOwner",
            "usingProcess",
            "usingTask",
        }
        item: dict[str, Any] = {
            "id": self.required_id(element),
            "name": self.required_name(element),
        }
        type_ref = self.variable_type(element)
        if type_ref:
            item["type_ref"] = type_ref
        kids = list(self.children(element, allowed | _BOXED))
        with self.at("requires"):
            requires = self.requirements(kids)
        if requires:
            item["requires"] = requires
        with self.at("logic"):
            logic = self.pick_boxed(element, kids)
        item["logic"] = logic if logic is not None else {"type": "literal", "text": "null"}
        description = element.find(self.tag("description"))
        if description is not None and (description.text or "").strip():
            item["description"] = (description.text or "").strip()
        return item

    def knowledge(self, element: Element) -> dict[str, Any]:
        allowed = {"variable", "knowledgeRequirement", "encapsulatedLogic", "description"}
        item: dict[str, Any] = {
            "id": self.required_id(element),
            "name": self.required_name(element),
        }
        with self.at("requires"):
            requires = self.requirements(list(self.children(element, allowed)))
        if set(requires) - {"knowledge"}:
            self.report("E_DMN_XML_UNSUPPORTED_ELEMENT", "knowledge_requires", element)
        logic = element.find(self.tag("encapsulatedLogic"))
        if logic is None:
            self.report("E_DMN_XML_MISSING", "no_logic", element)
            item["logic"] = {"type": "literal", "text": "null"}
            return item
        function = self.function(logic, body_at=("logic",))
        item["parameters"] = function["parameters"]
        type_ref = self.type_ref(logic.get("typeRef")) or self.variable_type(element)
        if type_ref:
            item["type_ref"] = type_ref
        if requires.get("knowledge"):
            item["requires"] = {"knowledge": requires["knowledge"]}
        item["logic"] = function["body"]
        return item

    # -- boxed expressions

    def boxed(self, element: Element, owner: str) -> dict[str, Any]:
        local = _local(element.tag)[1]
        self.check_language(element)
        readers: dict[str, Callable[[Element, str], dict[str, Any]]] = {
            "literalExpression": self.literal,
            "decisionTable": self.table,
            "context": self.context,
            "list": self.boxed_list,
            "relation": self.relation,
            "invocation": self.invocation,
            "conditional": self.conditional,
            "filter": self.filter,
            "for": self.iterator,
            "some": self.iterator,
            "every": self.iterator,
            "functionDefinition": self.function,
        }
        result = readers[local](element, owner)
        if element.get("id"):
            result = {"id": element.get("id"), **result}
        return result

    def literal(self, element: Element, owner: str = "") -> dict[str, Any]:
        list(self.children(element, {"text", "importedValues"}))
        if element.find(self.tag("importedValues")) is not None:
            self.report("E_DMN_XML_UNSUPPORTED_ELEMENT", "imported_values", element)
        result: dict[str, Any] = {"type": "literal", "text": self.text_of(element) or "null"}
        if element.get("typeRef"):
            result["type_ref"] = self.type_ref(element.get("typeRef"))
        return result

    def hit_policy(self, element: Element) -> str:
        policy_name = element.get("hitPolicy", "UNIQUE")
        aggregation = element.get("aggregation")
        policy = HIT_POLICY_NAMES.get(policy_name)
        if policy is None:
            self.report(
                "E_DMN_XML_HIT_POLICY",
                "hit_policy",
                element,
                policy=policy_name,
                policies=listing(list(HIT_POLICY_NAMES)),
            )
            policy = "U"
        if aggregation:
            if policy != "C" or aggregation not in AGGREGATIONS:
                self.report(
                    "E_DMN_XML_HIT_POLICY",
                    "aggregation",
                    element,
                    aggregation=aggregation,
                    policy=policy_name,
                )
            else:
                policy = AGGREGATIONS[aggregation]
        return policy

    def table(self, element: Element, owner: str) -> dict[str, Any]:
        table_id = element.get("id") or "table"
        policy = self.hit_policy(element)
        if element.get("preferredOrientation") not in (None, "Rule-as-Row"):
            self.report(
                "E_DMN_XML_UNSUPPORTED_ELEMENT",
                "orientation",
                element,
                orientation=element.get("preferredOrientation"),
            )
        inputs: list[dict[str, Any]] = []
        outputs: list[dict[str, Any]] = []
        annotations: list[str] = []
        rules: list[Element] = []
        for local, child in self.children(element, {"input", "output", "annotation", "rule"}):
            if local == "input":
                with self.at("inputs", len(inputs)):
                    inputs.append(self.table_input(child, f"{table_id}_in{len(inputs)}"))
            elif local == "output":
                with self.at("outputs", len(outputs)):
                    outputs.append(self.table_output(child, f"{table_id}_out{len(outputs)}"))
            elif local == "annotation":
                annotations.append(child.get("name", ""))
            else:
                rules.append(child)
        if len(outputs) == 1 and "name" not in outputs[0]:
            outputs[0]["name"] = owner or "result"
        for index, output in enumerate(outputs):
            if "name" not in output:
                with self.at("outputs", index, "name"):
                    self.report("E_DMN_XML_MISSING", "unnamed_output", element)
                output["name"] = output["id"]
        described = "Description" not in annotations and any(
            _own_description(self.text_of_child(rule, "description") or "", self.entries(rule))
            for rule in rules
        )
        if described:
            annotations.append("Description")
        result: dict[str, Any] = {"type": "decision_table", "hit_policy": policy}
        result["inputs"] = inputs
        result["outputs"] = outputs
        if annotations:
            result["annotations"] = annotations
        result["rules"] = []
        for index, rule in enumerate(rules):
            with self.at("rules", index):
                result["rules"].append(
                    self.rule(
                        rule,
                        f"{table_id}_r{index}",
                        len(inputs),
                        len(outputs),
                        len(annotations),
                        described,
                    )
                )
        return result

    def text_of_child(self, element: Element, local: str) -> str:
        child = element.find(self.tag(local))
        return (child.text or "").strip() if child is not None else ""

    def table_input(self, element: Element, default_id: str) -> dict[str, Any]:
        column: dict[str, Any] = {"id": element.get("id") or default_id}
        if element.get("label"):
            column["label"] = element.get("label")
        expression = None
        for local, child in self.children(element, {"inputExpression", "inputValues"}):
            if local == "inputExpression":
                list(self.children(child, {"text"}))
                self.check_language(child)
                expression = child
            else:
                self.check_language(child)
                column["input_values"] = self.text_of(child) or "-"
        if expression is None or not self.text_of(expression):
            self.report("E_DMN_XML_MISSING", "no_input_expression", element)
        column["expression"] = self.text_of(expression) or "null"
        if expression is not None and expression.get("typeRef"):
            column["type_ref"] = self.type_ref(expression.get("typeRef"))
        return column

    def table_output(self, element: Element, default_id: str) -> dict[str, Any]:
        column: dict[str, Any] = {"id": element.get("id") or default_id}
        if element.get("name"):
            column["name"] = element.get("name")
        if element.get("label"):
            column["label"] = element.get("label")
        if element.get("typeRef"):
            column["type_ref"] = self.type_ref(element.get("typeRef"))
        for local, child in self.children(element, {"outputValues", "defaultOutputEntry"}):
            self.check_language(child)
            text = self.text_of(child)
            if local == "outputValues":
                column["output_values"] = text or "-"
            elif text:
                column["default"] = text
        return column

    def rule(
        self,
        element: Element,
        default_id: str,
        n_inputs: int,
        n_outputs: int,
        n_annotations: int,
        described: bool,
    ) -> dict[str, Any]:
        when: list[str] = []
        then: list[str] = []
        notes: list[str] = []
        allowed = {"inputEntry", "outputEntry", "annotationEntry", "description"}
        for local, child in self.children(element, allowed):
            if local == "inputEntry":
                self.check_language(child)
                when.append(self.text_of(child) or "-")
            elif local == "outputEntry":
                self.check_language(child)
                then.append(self.text_of(child) or "null")
            elif local == "annotationEntry":
                notes.append(self.text_of(child))
        if described:
            notes.append(self.text_of_child(element, "description"))
        rule: dict[str, Any] = {"id": element.get("id") or default_id, "when": when, "then": then}
        if len(when) != n_inputs or len(then) != n_outputs:
            self.report(
                "E_DMN_XML_CELL_COUNT",
                "cell_count",
                element,
                inputs=len(when),
                outputs=len(then),
                input_columns=n_inputs,
                output_columns=n_outputs,
            )
        if n_annotations:
            notes += [""] * (n_annotations - len(notes))
            rule["annotations"] = notes[:n_annotations]
        return rule

    def entries(self, rule: Element) -> list[str]:
        return [self.text_of(child) for child in rule.findall(self.tag("annotationEntry"))]

    def context(self, element: Element, owner: str = "") -> dict[str, Any]:
        entries: list[dict[str, Any]] = []
        for index, (_, child) in enumerate(self.children(element, {"contextEntry"})):
            with self.at("entries", index):
                entries.append(self.context_entry(child))
        return {"type": "context", "entries": entries}

    def context_entry(self, child: Element) -> dict[str, Any]:
        variable = child.find(self.tag("variable"))
        with self.at("value"):
            value = self.single_boxed(child, {"variable"})
        entry: dict[str, Any] = {}
        if variable is not None:
            with self.at("name"):
                entry["name"] = self.required_name(variable)
            if value is not None and variable.get("typeRef"):
                if value["type"] == "literal":
                    value.setdefault("type_ref", self.type_ref(variable.get("typeRef")))
                else:
                    self.report("E_DMN_XML_UNSUPPORTED_TYPE_REF", "entry_type_ref", variable)
        entry["value"] = value if value is not None else {"type": "literal", "text": "null"}
        return entry

    def boxed_list(self, element: Element, owner: str = "") -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for index, (_, child) in enumerate(self.children(element, _BOXED)):
            with self.at("items", index):
                items.append(self.boxed(child, ""))
        return {"type": "list", "items": items}

    def relation(self, element: Element, owner: str = "") -> dict[str, Any]:
        columns: list[str] = []
        rows: list[list[Any]] = []
        for local, child in self.children(element, {"column", "row"}):
            if local == "column":
                columns.append(self.required_name(child))
            else:
                row: list[Any] = []
                for index, (_, cell) in enumerate(self.children(child, _BOXED)):
                    with self.at("rows", len(rows), index):
                        row.append(self.boxed(cell, ""))
                rows.append(row)
        for index, row in enumerate(rows):
            if len(row) != len(columns):
                with self.at("rows", index):
                    self.report(
                        "E_DMN_XML_CELL_COUNT",
                        "relation_cells",
                        element,
                        row=index + 1,
                        cells=len(row),
                        columns=len(columns),
                    )
        return {"type": "relation", "columns": columns, "rows": rows}

    def invocation(self, element: Element, owner: str = "") -> dict[str, Any]:
        function: str | None = None
        bindings: list[dict[str, Any]] = []
        for local, child in self.children(element, _BOXED | {"binding"}):
            if local == "binding":
                parameter = child.find(self.tag("parameter"))
                name = self.required_name(parameter) if parameter is not None else ""
                if parameter is None:
                    self.report("E_DMN_XML_MISSING", "unbound_parameter", child)
                with self.at("bindings", len(bindings), "value"):
                    value = self.single_boxed(child, {"parameter"}, required=False)
                bindings.append(
                    {
                        "name": name or "missing",
                        "value": value or {"type": "literal", "text": "null"},
                    }
                )
            elif local == "literalExpression" and function is None:
                function = self.text_of(child)
            else:
                self.report("E_DMN_XML_UNSUPPORTED_ELEMENT", "invoked_function", child)
        if not function:
            self.report("E_DMN_XML_MISSING", "no_function", element)
        return {"type": "invocation", "function": function or "missing", "bindings": bindings}

    def part(self, element: Element, local: str) -> dict[str, Any]:
        child = element.find(self.tag(local))
        if child is None:
            self.report(
                "E_DMN_XML_MISSING", "no_part", element, tag=_local(element.tag)[1], part=local
            )
            return {"type": "literal", "text": "null"}
        with self.at(local):
            value = self.single_boxed(child, set())
        return value if value is not None else {"type": "literal", "text": "null"}

    def conditional(self, element: Element, owner: str = "") -> dict[str, Any]:
        list(self.children(element, {"if", "then", "else"}))
        return {
            "type": "conditional",
            "if": self.part(element, "if"),
            "then": self.part(element, "then"),
            "else": self.part(element, "else"),
        }

    def filter(self, element: Element, owner: str = "") -> dict[str, Any]:
        list(self.children(element, {"in", "match"}))
        return {
            "type": "filter",
            "in": self.part(element, "in"),
            "match": self.part(element, "match"),
        }

    def iterator(self, element: Element, owner: str = "") -> dict[str, Any]:
        kind = _local(element.tag)[1]
        last = "return" if kind == "for" else "satisfies"
        list(self.children(element, {"in", last}))
        variable = element.get("iteratorVariable")
        if not variable:
            self.report("E_DMN_XML_MISSING", "no_iterator_variable", element, kind=kind)
        return {
            "type": "iterator",
            "kind": kind,
            "variable": variable or "missing",
            "in": self.part(element, "in"),
            last: self.part(element, last),
        }

    def function(
        self, element: Element, owner: str = "", *, body_at: tuple[str, ...] = ("body",)
    ) -> dict[str, Any]:
        """A function definition; its body is read at `body_at` (a BKM's at its `logic`)."""
        kind = element.get("kind", "FEEL")
        if kind != "FEEL":
            self.report("E_DMN_XML_UNSUPPORTED_ELEMENT", "function_kind", element, kind=kind)
        parameters: list[dict[str, Any]] = []
        kids = list(self.children(element, _BOXED | {"formalParameter"}))
        for local, child in kids:
            if local != "formalParameter":
                continue
            with self.at("parameters", len(parameters), "name"):
                parameter: dict[str, Any] = {"name": self.required_name(child)}
            if child.get("typeRef"):
                parameter["type_ref"] = self.type_ref(child.get("typeRef"))
            parameters.append(parameter)
        with self.at(*body_at):
            body = self.pick_boxed(element, kids)
        return {
            "type": "function",
            "parameters": parameters,
            "body": body if body is not None else {"type": "literal", "text": "null"},
        }


# ---------------------------------------------------------------- export


def export_dmn(spec: DecisionModel | Mapping[str, Any], *, version: str = "1.5") -> str:
    """Write a decision model as DMN XML with a minimal diagram (DMNDI).

    `version` "1.5" (the default) or "1.3", for tools that read only DMN 1.3 (dmn-js, Camunda
    Modeler); a model with conditional, filter or iterator expressions (new in DMN 1.4) cannot be
    written as 1.3 (`ValueError`). "auto" writes 1.3 when the model fits in it, else 1.5."""
    if version not in ("1.3", "1.5", "auto"):
        raise ValueError(f"DMN version {version!r}: write 1.5, 1.3 or auto")
    model = spec if isinstance(spec, DecisionModel) else DecisionModel.model_validate(spec)
    data = model.model_dump(by_alias=True, exclude_none=True)
    needs_14 = bool(_boxed_types(data) & set(_DMN14_BOXED))
    if version == "auto":
        version = "1.5" if needs_14 else "1.3"
    if version == "1.3" and needs_14:
        raise ValueError("conditional, filter and iterator expressions need DMN 1.4 or later")
    namespaces = (DMN15, DMNDI15) if version == "1.5" else (DMN13, DMNDI13)
    return _Writer(data, namespaces).write()


def _shown_annotation(annotations: Sequence[str]) -> str:
    """The text written as a rule's description: its annotations, one per line."""
    return "\n".join(text for text in annotations if text)


def _own_description(description: str, entries: Sequence[str]) -> bool:
    """A description that is more than the copy of the annotation entries the export writes."""
    return bool(description) and not (entries and description == _shown_annotation(entries))


def _boxed_types(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, Mapping):
        if isinstance(value.get("type"), str):
            found.add(value["type"])
        for item in value.values():
            found |= _boxed_types(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= _boxed_types(item)
    return found


def _all_ids(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        if isinstance(value.get("id"), str):
            yield value["id"]
        for item in value.values():
            yield from _all_ids(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _all_ids(item)


def _label(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("en") or value.get("zh-CN") or "")
    if isinstance(value, LocalisedText):
        return value.en or value.zh_cn or ""
    return str(value)


class _Writer:
    def __init__(self, data: dict[str, Any], namespaces: tuple[str, str]) -> None:
        self.data = data
        self.namespaces = namespaces
        self.ids: set[str] = set(_all_ids(data))
        self.edges: list[tuple[str, str, str]] = []  # requirement id, source id, target id

    def fresh(self, base: str) -> str:
        candidate = base if re.match(ID_PATTERN, base) else "_" + re.sub(r"[^\w.-]", "_", base)
        n = 1
        while candidate in self.ids:
            n += 1
            candidate = f"{base}_{n}"
        self.ids.add(candidate)
        return candidate

    def el(self, parent: Element, local: str, **attributes: str | None) -> Element:
        attrs = {k.rstrip("_"): v for k, v in attributes.items() if v is not None}
        return SubElement(parent, local, attrs)

    def text(self, parent: Element, local: str, text: str, **attributes: str | None) -> Element:
        element = self.el(parent, local, **attributes)
        SubElement(element, "text").text = text
        return element

    def write(self) -> str:
        data = self.data
        root = Element(
            "definitions",
            {
                "xmlns": self.namespaces[0],
                "xmlns:dmndi": self.namespaces[1],
                "xmlns:dc": DC,
                "xmlns:di": DI,
                "id": self.fresh("definitions"),
                "name": _label(data.get("name", "Decision model")),
                "namespace": data.get("namespace", "https://brickwork.example/dmn"),
            },
        )
        for item in data.get("item_definitions", ()):
            self.item_definition(root, item, "itemDefinition")
        by_name = {
            kind: {item["name"]: item["id"] for item in data.get(kind, ())}
            for kind in ("inputs", "decisions", "knowledge")
        }
        for decision in data["decisions"]:
            element = self.el(root, "decision", id=decision["id"], name=decision["name"])
            if "description" in decision:
                self.el(element, "description").text = decision["description"]
            self.el(
                element,
                "variable",
                id=self.fresh(decision["id"] + "_variable"),
                name=decision["name"],
                typeRef=decision.get("type_ref"),
            )
            requires = decision.get("requires", {})
            for kind, local, target in (
                ("decisions", "requiredDecision", "informationRequirement"),
                ("inputs", "requiredInput", "informationRequirement"),
                ("knowledge", "requiredKnowledge", "knowledgeRequirement"),
            ):
                for name in requires.get(kind, ()):
                    self.requirement(element, target, local, by_name[kind].get(name, name))
            self.boxed(element, decision["logic"])
        for bkm in data.get("knowledge", ()):
            element = self.el(root, "businessKnowledgeModel", id=bkm["id"], name=bkm["name"])
            self.el(element, "variable", id=self.fresh(bkm["id"] + "_variable"), name=bkm["name"])
            logic = self.el(
                element,
                "encapsulatedLogic",
                id=self.fresh(bkm["id"] + "_logic"),
                kind="FEEL",
                typeRef=bkm.get("type_ref"),
            )
            self.parameters(logic, bkm.get("parameters", ()))
            self.boxed(logic, bkm["logic"])
            for name in bkm.get("requires", {}).get("knowledge", ()):
                self.requirement(
                    element,
                    "knowledgeRequirement",
                    "requiredKnowledge",
                    by_name["knowledge"].get(name, name),
                )
        for item in data.get("inputs", ()):
            element = self.el(root, "inputData", id=item["id"], name=item["name"])
            self.el(
                element,
                "variable",
                id=self.fresh(item["id"] + "_variable"),
                name=item["name"],
                typeRef=item.get("type_ref"),
            )
        self.diagram(root)
        indent(root, "  ")
        xml = tostring(root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n"

    def requirement(self, element: Element, local: str, target: str, href: str) -> None:
        requirement_id = self.fresh(f"{element.get('id')}_{local}_{href}")
        requirement = self.el(element, local, id=requirement_id)
        self.el(requirement, target, href=f"#{href}")
        self.edges.append((requirement_id, href, element.get("id", "")))

    def item_definition(self, parent: Element, item: dict[str, Any], local: str) -> None:
        element = self.el(
            parent,
            local,
            id=item["id"],
            name=item["name"],
            isCollection="true" if item.get("is_collection") else None,
        )
        if "type_ref" in item:
            self.el(element, "typeRef").text = item["type_ref"]
        if "allowed_values" in item:
            self.text(element, "allowedValues", item["allowed_values"])
        for component in item.get("components", ()):
            self.item_definition(element, component, "itemComponent")

    def parameters(self, parent: Element, parameters: Any) -> None:
        for parameter in parameters:
            self.el(
                parent,
                "formalParameter",
                name=parameter["name"],
                typeRef=parameter.get("type_ref"),
            )

    def boxed(self, parent: Element, value: dict[str, Any]) -> None:  # noqa: C901 - a case per type
        kind = value["type"]
        element_id = value.get("id")
        if kind == "literal":
            self.text(
                parent,
                "literalExpression",
                value["text"],
                id=element_id,
                typeRef=value.get("type_ref"),
            )
        elif kind == "decision_table":
            self.table(parent, value)
        elif kind == "context":
            element = self.el(parent, "context", id=element_id)
            for entry in value["entries"]:
                child = self.el(element, "contextEntry")
                if "name" in entry:
                    self.el(child, "variable", name=entry["name"])
                self.boxed(child, entry["value"])
        elif kind == "list":
            element = self.el(parent, "list", id=element_id)
            for item in value["items"]:
                self.boxed(element, item)
        elif kind == "relation":
            element = self.el(parent, "relation", id=element_id)
            for column in value["columns"]:
                self.el(element, "column", name=column)
            for row in value["rows"]:
                child = self.el(element, "row")
                for cell in row:
                    self.boxed(child, cell)
        elif kind == "invocation":
            element = self.el(parent, "invocation", id=element_id)
            self.text(element, "literalExpression", value["function"])
            for binding in value["bindings"]:
                child = self.el(element, "binding")
                self.el(child, "parameter", name=binding["name"])
                self.boxed(child, binding["value"])
        elif kind == "function":
            element = self.el(parent, "functionDefinition", id=element_id, kind="FEEL")
            self.parameters(element, value["parameters"])
            self.boxed(element, value["body"])
        else:
            parts: tuple[str, ...]
            if kind == "iterator":
                local = value["kind"]
                parts = ("in", "return" if local == "for" else "satisfies")
                element = self.el(parent, local, id=element_id, iteratorVariable=value["variable"])
            else:
                local = kind
                parts = ("if", "then", "else") if kind == "conditional" else ("in", "match")
                element = self.el(parent, local, id=element_id)
            for part in parts:
                child = self.el(element, part)
                self.boxed(child, value[part])

    def table(self, parent: Element, value: dict[str, Any]) -> None:
        policy = value.get("hit_policy", "U")
        aggregation = _AGGREGATION_XML.get(policy)
        table_id = value.get("id")
        element = self.el(
            parent,
            "decisionTable",
            id=table_id,
            hitPolicy="COLLECT" if aggregation else _POLICY_XML[policy],
            aggregation=aggregation,
        )
        for column in value.get("inputs", ()):
            child = self.el(
                element,
                "input",
                id=column["id"],
                label=_label(column["label"]) if "label" in column else None,
            )
            self.text(
                child,
                "inputExpression",
                column["expression"],
                id=self.fresh(column["id"] + "_expression"),
                typeRef=column.get("type_ref"),
            )
            if "input_values" in column:
                self.text(child, "inputValues", column["input_values"])
        for column in value["outputs"]:
            child = self.el(
                element,
                "output",
                id=column["id"],
                label=_label(column["label"]) if "label" in column else None,
                name=column["name"],
                typeRef=column.get("type_ref"),
            )
            if "output_values" in column:
                self.text(child, "outputValues", column["output_values"])
            if "default" in column:
                self.text(child, "defaultOutputEntry", column["default"])
        for name in value.get("annotations", ()):
            self.el(element, "annotation", name=name)
        for rule in value.get("rules", ()):
            child = self.el(element, "rule", id=rule["id"])
            shown = _shown_annotation(rule.get("annotations", ()))
            if shown:  # dmn-js and Camunda Modeler show a rule's description as its annotation
                self.el(child, "description").text = shown
            for index, text in enumerate(rule["when"]):
                self.text(child, "inputEntry", text, id=self.fresh(f"{rule['id']}_i{index}"))
            for index, text in enumerate(rule["then"]):
                self.text(child, "outputEntry", text, id=self.fresh(f"{rule['id']}_o{index}"))
            for text in rule.get("annotations", ()):
                self.text(child, "annotationEntry", text)

    def diagram(self, root: Element) -> None:
        """A shape per decision, knowledge model and input data, an edge per requirement."""
        dmndi = SubElement(root, "dmndi:DMNDI")
        diagram = SubElement(dmndi, "dmndi:DMNDiagram", {"id": self.fresh("diagram")})
        rows = (("decisions", 80), ("knowledge", 260), ("inputs", 440))
        centres: dict[str, tuple[int, int]] = {}
        for kind, y in rows:
            for index, item in enumerate(self.data.get(kind, ())):
                x = 160 + index * 220
                shape = SubElement(
                    diagram,
                    "dmndi:DMNShape",
                    {"id": self.fresh(f"{item['id']}_di"), "dmnElementRef": item["id"]},
                )
                width, height = (180, 80) if kind != "inputs" else (125, 45)
                SubElement(
                    shape,
                    "dc:Bounds",
                    {"height": str(height), "width": str(width), "x": str(x), "y": str(y)},
                )
                centres[item["id"]] = (x + width // 2, y + height // 2)
        for requirement_id, source, target in self.edges:
            if source not in centres or target not in centres:
                continue
            edge = SubElement(
                diagram,
                "dmndi:DMNEdge",
                {"id": self.fresh(f"{requirement_id}_di"), "dmnElementRef": requirement_id},
            )
            for x, y in (centres[source], centres[target]):
                SubElement(edge, "di:waypoint", {"x": str(x), "y": str(y)})
