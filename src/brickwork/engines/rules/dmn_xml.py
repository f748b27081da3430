"""DMN 1.3/1.4/1.5 XML to and from the JSON form of a decision model (DECISION_FORMAT).

`import_dmn(xml)` reads what Camunda Modeler and dmn-js write and returns the `spec` dict;
`import_dmn_report(xml)` also lists what was ignored although it may mean something to another
tool (e.g. `camunda:inputVariable`). The XML is parsed with defusedxml: a DTD, an entity or an
external reference is refused (`E_XML_FORBIDDEN`), never expanded. Every element of the DMN
namespace is either mapped or refused with its id, its line and a hint (`E_XML_UNSUPPORTED`):
nothing that carries meaning is dropped silently. Diagram information (DMNDI, `biodi:`) and
tool extensions (`extensionElements`, `camunda:` attributes) are presentation and are skipped.
`export_dmn(spec)` (in `dmn_xml_export.py`) writes DMN 1.5 with a minimal diagram.

Pure: text in, dicts out; no file or network access (external references are refused).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from pydantic import ValidationError

from brickwork.engines.rules.definition import DecisionModel
from brickwork.engines.rules.dmn_xml_boxed import (
    EXPRESSIONS,
    normalise_type,
    read_expression,
    read_function,
)
from brickwork.engines.rules.dmn_xml_export import (
    BRICKWORK_NAMESPACE,
    DEFAULT_NAMESPACE,
    FEEL_LANGUAGES,
    MODEL_NAMESPACES,
    newer_than_13,
    write_dmn,
)
from brickwork.engines.rules.problems import pointer_token

_DIAGRAM = re.compile(r"^\{https?://www\.omg\.org/spec/DMN/\d{8}/(DMNDI|DC|DI)/\}")

# Documentation-only elements: skipped, and listed in the report.
_DOCUMENTATION = frozenset(
    {"textAnnotation", "association", "group", "knowledgeSource", "authorityRequirement"}
)
_DECISION_DOCUMENTATION = frozenset(
    {
        "question",
        "allowedAnswers",
        "supportedObjective",
        "impactedPerformanceIndicator",
        "decisionMaker",
        "decisionOwner",
        "usingProcess",
        "usingTask",
        "authorityRequirement",
    }
)
# Tool attributes that change behaviour in their own engine: ignored, but said so.
_MEANINGFUL_EXTENSIONS = {
    "inputVariable": "cells refer to the input value as `?`; rewrite them if they use this name",
}


@dataclass(frozen=True, slots=True)
class XmlProblem:
    code: str
    message: str
    element_id: str | None = None
    line: int | None = None
    pointer: str = ""
    """The JSON pointer the element maps to in the spec, when known."""
    hint: str | None = None

    def __str__(self) -> str:
        where = f"element {self.element_id}" if self.element_id else self.pointer or "/"
        if self.line:
            where += f" (line {self.line})"
        text = f"{self.code} at {where}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class DmnXmlError(Exception):
    """The XML is not a DMN model this engine can import; `problems` lists every reason."""

    def __init__(self, problems: list[XmlProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


@dataclass(frozen=True, slots=True)
class DmnImport:
    spec: dict[str, Any]
    ignored: tuple[XmlProblem, ...]
    """What was skipped although another tool may give it meaning (code `I_XML_IGNORED`)."""
    version: str


# ---------------------------------------------------------------- parsing


class _Lines(ET.TreeBuilder):
    """A tree builder that remembers the line of every element's start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.lines: dict[ET.Element, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _parse(source: str | bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    builder = _Lines()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(source)
        root = parser.close()
    except DefusedXmlException as exc:
        hint = "remove the DOCTYPE and entity declarations; DMN files need neither"
        raise DmnXmlError(
            [XmlProblem("E_XML_FORBIDDEN", f"refused: {type(exc).__name__}", hint=hint)]
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        problem = XmlProblem("E_XML_MALFORMED", f"not well-formed XML: {exc}", line=line)
        raise DmnXmlError([problem]) from None
    return root, builder.lines


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


# ---------------------------------------------------------------- the importer


class _Importer:
    def __init__(self, root: ET.Element, lines: Mapping[ET.Element, int]) -> None:
        self.root = root
        self.lines = lines
        self.ns = _split(root.tag)[0]
        self.problems: list[XmlProblem] = []
        self.reported: set[tuple[str, int, str]] = set()
        self.ignored: list[XmlProblem] = []
        self.names: dict[str, tuple[str, str]] = {}  # id → (kind, name)
        self.where: dict[str, ET.Element] = {}  # pointer → element (for schema problems)

    # ------------------------------------------------------------ helpers

    def tag(self, element: ET.Element) -> str:
        namespace, local = _split(element.tag)
        return local if namespace == self.ns else element.tag

    def problem(
        self, code: str, element: ET.Element, message: str, hint: str, pointer: str = ""
    ) -> None:
        problem = XmlProblem(
            code, message, element.get("id"), self.lines.get(element), pointer, hint
        )
        key = (code, id(element), message)
        if key not in self.reported:  # children are read more than once
            self.reported.add(key)
            self.problems.append(problem)

    def ignore(self, element: ET.Element, message: str) -> None:
        self.ignored.append(
            XmlProblem("I_XML_IGNORED", message, element.get("id"), self.lines.get(element))
        )

    def children(self, element: ET.Element, pointer: str) -> Iterator[tuple[str, ET.Element]]:
        """The DMN children of `element`; refuses elements of unknown namespaces."""
        for child in element:
            namespace, local = _split(child.tag)
            if namespace == self.ns:
                if local == "extensionElements":
                    continue
                yield local, child
            elif not _DIAGRAM.match(child.tag):
                self.problem(
                    "E_XML_UNSUPPORTED",
                    child,
                    f"unknown element {child.tag} inside {self.tag(element)}",
                    "remove it, or put tool data inside extensionElements",
                    pointer,
                )

    def attributes(self, element: ET.Element, pointer: str = "") -> None:
        for key in element.attrib:
            namespace, local = _split(key)
            if namespace and local in _MEANINGFUL_EXTENSIONS and namespace != BRICKWORK_NAMESPACE:
                self.ignore(element, f"{key} ignored: {_MEANINGFUL_EXTENSIONS[local]}")
        language = element.get("expressionLanguage")
        if language is not None and language.strip() not in FEEL_LANGUAGES:
            self.problem(
                "E_XML_EXPRESSION_LANGUAGE",
                element,
                f"expression language {language!r} is not FEEL",
                "rewrite the expressions in FEEL and remove expressionLanguage",
                pointer,
            )

    def text(self, element: ET.Element, *, default: str | None = None) -> str | None:
        for local, child in self.children(element, ""):
            if local == "text":
                self.attributes(child)
                return child.text or ""
        return default

    def unsupported(self, element: ET.Element, pointer: str, hint: str) -> None:
        local = self.tag(element)
        self.problem("E_XML_UNSUPPORTED", element, f"{local} is not supported", hint, pointer)

    # ------------------------------------------------------------ definitions

    def definitions(self) -> dict[str, Any]:
        self.attributes(self.root)
        spec: dict[str, Any] = {}
        if self.root.get("name"):
            spec["name"] = self.root.get("name")
        namespace = self.root.get("namespace")
        if namespace and namespace != DEFAULT_NAMESPACE:
            spec["namespace"] = namespace
        groups: dict[str, list[Any]] = {"item_definitions": [], "inputs": [], "decisions": []}
        groups["knowledge"] = []
        elements = list(self.children(self.root, ""))
        for local, element in elements:  # names first: requirements refer to them by id
            if local in ("inputData", "decision", "businessKnowledgeModel") and element.get("id"):
                self.names[element.get("id", "")] = (local, element.get("name", ""))
        readers: dict[str, tuple[str, Callable[[ET.Element, str], Any]]] = {
            "itemDefinition": ("item_definitions", self.item_definition),
            "inputData": ("inputs", self.input_data),
            "decision": ("decisions", self.decision),
            "businessKnowledgeModel": ("knowledge", self.knowledge),
        }
        for local, element in elements:
            if local in readers:
                key, read = readers[local]
                pointer = f"/{key}/{len(groups[key])}"
                self.where[pointer] = element
                groups[key].append(read(element, pointer))
            elif local in _DOCUMENTATION:
                self.ignore(element, f"{local} is documentation only and was skipped")
            elif local == "description":
                continue
            else:
                self.unsupported(
                    element,
                    "",
                    "decision services, imports and other elements are not supported: "
                    "inline what they refer to as decisions and knowledge models",
                )
        spec.update({key: value for key, value in groups.items() if value})
        entry = self.root.get(f"{{{BRICKWORK_NAMESPACE}}}entry")
        if entry:
            spec["entry"] = entry
        return spec

    def item_definition(self, element: ET.Element, pointer: str) -> dict[str, Any]:
        self.attributes(element)
        item: dict[str, Any] = {"id": element.get("id", ""), "name": element.get("name", "")}
        language = element.get("typeLanguage")
        if language is not None and language.strip() not in FEEL_LANGUAGES:
            self.problem(
                "E_XML_EXPRESSION_LANGUAGE",
                element,
                f"type language {language!r} is not FEEL",
                "declare the type with FEEL type names",
                pointer,
            )
        components: list[dict[str, Any]] = []
        for local, child in self.children(element, pointer):
            if local == "typeRef":
                type_ref = normalise_type(child.text)
                if type_ref:
                    item["type_ref"] = type_ref
            elif local == "itemComponent":
                sub = f"{pointer}/components/{len(components)}"
                self.where[sub] = child
                components.append(self.item_definition(child, sub))
            elif local == "allowedValues":
                item["allowed_values"] = self.text(child, default="")
            elif local != "description":
                self.unsupported(
                    child, pointer, "use typeRef, itemComponent, isCollection and allowedValues"
                )
        if components:
            item["components"] = components
        if element.get("isCollection", "false").strip() == "true":
            item["is_collection"] = True
        return item

    def variable_type(self, element: ET.Element) -> str | None:
        for local, child in self.children(element, ""):
            if local == "variable":
                return normalise_type(child.get("typeRef"))
        return None

    def input_data(self, element: ET.Element, pointer: str) -> dict[str, Any]:
        self.attributes(element)
        data: dict[str, Any] = {"id": element.get("id", ""), "name": element.get("name", "")}
        for local, child in self.children(element, pointer):
            if local not in ("variable", "description"):
                self.unsupported(child, pointer, "inputData holds only a variable")
        type_ref = self.variable_type(element)
        if type_ref:
            data["type_ref"] = type_ref
        return data

    def requirement(self, element: ET.Element, pointer: str, kinds: Mapping[str, str]) -> Any:
        """(spec key, name) of an informationRequirement/knowledgeRequirement, or None."""
        for local, child in self.children(element, pointer):
            if local not in kinds:
                self.unsupported(child, pointer, "requirements name a decision, input or BKM")
                continue
            href = child.get("href", "")
            target = href[1:] if href.startswith("#") else None
            found = self.names.get(target or "")
            if found is None:
                self.problem(
                    "E_XML_REFERENCE",
                    element,
                    f"{local} href={href!r} names no element of this file",
                    "point href at '#<id>' of a decision, inputData or businessKnowledgeModel "
                    "of the same file (imports are not supported)",
                    pointer,
                )
                continue
            return kinds[local], found[1]
        return None

    def requirements(self, element: ET.Element, pointer: str) -> dict[str, list[str]]:
        kinds = {
            "requiredDecision": "decisions",
            "requiredInput": "inputs",
            "requiredKnowledge": "knowledge",
        }
        found: dict[str, list[str]] = {}
        for local, child in self.children(element, pointer):
            if local in ("informationRequirement", "knowledgeRequirement"):
                read = self.requirement(child, pointer, kinds)
                if read is not None:
                    found.setdefault(read[0], []).append(read[1])
        return found

    def decision(self, element: ET.Element, pointer: str) -> dict[str, Any]:
        self.attributes(element)
        decision: dict[str, Any] = {"id": element.get("id", ""), "name": element.get("name", "")}
        type_ref = self.variable_type(element)
        if type_ref:
            decision["type_ref"] = type_ref
        requires = self.requirements(element, pointer)
        if requires:
            decision["requires"] = requires
        for local, child in self.children(element, pointer):
            if local in EXPRESSIONS:
                decision["logic"] = self.expression(child, f"{pointer}/logic")
            elif local == "description":
                decision["description"] = child.text or ""
            elif local in _DECISION_DOCUMENTATION:
                self.ignore(child, f"{local} is documentation only and was skipped")
            elif local not in ("variable", "informationRequirement", "knowledgeRequirement"):
                self.unsupported(child, pointer, "a decision holds requirements and one expression")
        if "logic" not in decision:
            self.problem(
                "E_XML_MISSING",
                element,
                "the decision has no expression (decision table, literal expression, ...)",
                "give the decision its logic in the modeler before exporting",
                pointer,
            )
        return decision

    def knowledge(self, element: ET.Element, pointer: str) -> dict[str, Any]:
        self.attributes(element)
        bkm: dict[str, Any] = {"id": element.get("id", ""), "name": element.get("name", "")}
        requires = self.requirements(element, pointer)
        if requires:
            bkm["requires"] = {"knowledge": requires.get("knowledge", [])}
            if set(requires) - {"knowledge"}:
                self.problem(
                    "E_XML_REFERENCE",
                    element,
                    "a business knowledge model can only require other knowledge models",
                    "pass decisions and inputs to it as parameters",
                    pointer,
                )
        logic = None
        for local, child in self.children(element, pointer):
            if local == "encapsulatedLogic":
                logic = child
            elif local == "authorityRequirement":
                self.ignore(child, f"{local} is documentation only and was skipped")
            elif local not in ("variable", "description", "knowledgeRequirement"):
                self.unsupported(child, pointer, "a BKM holds a variable and encapsulatedLogic")
        if logic is None:
            self.problem(
                "E_XML_MISSING",
                element,
                "the business knowledge model has no encapsulatedLogic",
                "give it a body in the modeler",
                pointer,
            )
            return bkm
        function = self.function(logic, f"{pointer}/logic")
        bkm["parameters"] = function["parameters"]
        bkm["logic"] = function["body"]
        if logic.get("typeRef"):
            bkm["type_ref"] = normalise_type(logic.get("typeRef"))
        return bkm

    # ------------------------------------------------------------ boxed expressions

    def expression(self, element: ET.Element, pointer: str) -> dict[str, Any]:
        self.attributes(element, pointer)
        self.where[pointer] = element
        return read_expression(self, element, pointer)

    def function(self, element: ET.Element, pointer: str) -> dict[str, Any]:
        self.attributes(element, pointer)
        self.where[pointer] = element
        return read_function(self, element, pointer)

    # ------------------------------------------------------------ schema check

    def validate(self, spec: dict[str, Any]) -> None:
        try:
            DecisionModel.model_validate(spec)
        except ValidationError as exc:
            found = []
            for error in exc.errors():
                location = [pointer_token(part) for part in error["loc"]]
                found.append(("/" + "/".join(location) if location else "", error["msg"]))
            pointers = {pointer for pointer, _ in found}
            for pointer, message in found:
                if any(other.startswith(pointer + "/") for other in pointers):
                    continue  # the deeper problem says more
                element = self._nearest(pointer)
                self.problem(
                    "E_XML_SCHEMA",
                    element,
                    f"{pointer or '/'}: {message}",
                    "correct the element in the modeler",
                    pointer,
                )

    def _nearest(self, pointer: str) -> ET.Element:
        while pointer:
            if pointer in self.where:
                return self.where[pointer]
            pointer = pointer.rpartition("/")[0]
        return self.root


def import_dmn_report(source: str | bytes) -> DmnImport:
    """Read a DMN 1.3/1.4/1.5 file; the spec plus what was ignored. Raises `DmnXmlError`."""
    root, lines = _parse(source)
    namespace, local = _split(root.tag)
    if local != "definitions" or namespace not in MODEL_NAMESPACES:
        known = ", ".join(MODEL_NAMESPACES)
        raise DmnXmlError(
            [
                XmlProblem(
                    "E_XML_NOT_DMN",
                    f"the root element is {root.tag}, not definitions of DMN 1.3, 1.4 or 1.5",
                    root.get("id"),
                    lines.get(root),
                    hint=f"export DMN 1.3 or later (namespaces {known}); the modeler migrates "
                    "older files when it opens and saves them",
                )
            ]
        )
    importer = _Importer(root, lines)
    spec = importer.definitions()
    if not importer.problems:
        importer.validate(spec)
    if importer.problems:
        raise DmnXmlError(importer.problems)
    return DmnImport(spec, tuple(importer.ignored), MODEL_NAMESPACES[namespace])


def import_dmn(source: str | bytes) -> dict[str, Any]:
    """The `spec` of the decision model in a DMN XML file. Raises `DmnXmlError`."""
    return import_dmn_report(source).spec


def export_dmn(spec: DecisionModel | Mapping[str, Any], *, version: str = "1.5") -> str:
    """DMN XML with a minimal diagram (DMNDI) for a decision model: DMN 1.5 by default, or
    DMN 1.3, the version dmn-js and Camunda Modeler read and write. Raises `DmnXmlError` for
    a 1.3 export of a model with conditional, filter or iterator boxes (DMN 1.4 and later)."""
    if version not in ("1.3", "1.5"):
        raise ValueError(f"DMN version {version!r}: export writes 1.3 or 1.5")
    model = spec if isinstance(spec, DecisionModel) else DecisionModel.model_validate(spec)
    if version == "1.3":
        problems = [
            XmlProblem(
                "E_XML_UNSUPPORTED",
                "DMN 1.3 has no conditional, filter or iterator boxed expression",
                pointer=pointer,
                hint="export as DMN 1.5, or write the box as a literal FEEL expression",
            )
            for pointer in newer_than_13(model)
        ]
        if problems:
            raise DmnXmlError(problems)
    return write_dmn(model, version)
