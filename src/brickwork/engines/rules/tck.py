"""DMN TCK test cases: read a test-case file and check a compiled model against it.

The file format is the DMN TCK's (namespace `http://www.omg.org/spec/DMN/20160719/testcase`):
`testCases` holds `testCase` elements, each with `inputNode`s (the inputs, by name) and
`resultNode`s (a decision by name, with its `expected` value). A value is a `value` typed by
`xsi:type` (`xsd:string`, `xsd:decimal`, `xsd:boolean`, `xsd:date`, `xsd:dateTime`,
`xsd:time`, `xsd:duration`, ...; `xsi:nil="true"` is null), a `list` of `item`s, or
`component`s (a context). `errorResult="true"` expects null. Values are compared with FEEL
equality (so `1.0` equals `1`). Test cases of other types (`bkm`, `decisionService`) are
reported as not run, never as passed. Pure: text in, outcomes out (the CLI does the I/O).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from brickwork.engines.expr import values as v
from brickwork.engines.rules.compiler import CompiledModel

TESTCASE_NAMESPACE = "http://www.omg.org/spec/DMN/20160719/testcase"
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
_NUMBER_TYPES = frozenset(
    {"decimal", "double", "float", "integer", "int", "long", "short", "byte", "number"}
)


class TckFileError(Exception):
    """The test-case file cannot be read; the message says why and where."""


@dataclass(frozen=True, slots=True)
class TckResult:
    name: str
    expected: Any
    error_result: bool = False


@dataclass(frozen=True, slots=True)
class TckCase:
    id: str
    name: str
    kind: str
    inputs: Mapping[str, Any]
    results: tuple[TckResult, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class TckSuite:
    model_name: str | None
    cases: tuple[TckCase, ...]


@dataclass(frozen=True, slots=True)
class ResultOutcome:
    name: str
    expected: Any
    actual: Any
    passed: bool
    diagnostics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    case: TckCase
    results: tuple[ResultOutcome, ...]
    skipped: str | None = None
    """Why the case was not run (it then counts as failed)."""

    @property
    def passed(self) -> bool:
        return self.skipped is None and all(r.passed for r in self.results)


# ---------------------------------------------------------------- reading


def _local(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child) == name]


def _scalar(element: ET.Element, where: str) -> Any:
    if element.get(f"{_XSI}nil") == "true":
        return None
    text = element.text or ""
    kind = (element.get(f"{_XSI}type") or "xsd:string").rpartition(":")[2]
    try:
        if kind in _NUMBER_TYPES:
            return Decimal(text.strip())
        if kind == "boolean":
            if text.strip() not in ("true", "false", "1", "0"):
                raise ValueError(f"{text!r} is not a boolean")
            return text.strip() in ("true", "1")
        if kind == "date":
            return v.parse_date(text.strip())
        if kind == "dateTime":
            return v.parse_datetime(text.strip())
        if kind == "time":
            return v.parse_time(text.strip())
        if kind in ("duration", "dayTimeDuration", "yearMonthDuration"):
            return v.parse_duration(text.strip())
    except (ValueError, InvalidOperation) as exc:
        raise TckFileError(f"{where}: the {kind} value {text!r} cannot be read ({exc})") from None
    if kind in ("string", "anyURI", "anySimpleType"):
        return text
    raise TckFileError(f"{where}: values of xsi:type {kind!r} are not supported")


def read_value(element: ET.Element, where: str) -> Any:
    """The value held by an `inputNode`, `expected`, `item` or `component` element."""
    if element.get(f"{_XSI}nil") == "true":
        return None
    for child in element:
        local = _local(child)
        if local == "value":
            return _scalar(child, where)
        if local == "list":
            items = _children(child, "item")
            return [read_value(item, f"{where}/item[{n}]") for n, item in enumerate(items)]
    components = _children(element, "component")
    if components:
        return {c.get("name", ""): read_value(c, f"{where}/{c.get('name')}") for c in components}
    return None


def read_test_cases(source: str | bytes) -> TckSuite:
    """Read a TCK test-case file. Raises `TckFileError` with the reason."""
    try:
        root = fromstring(source, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise TckFileError(f"refused: {type(exc).__name__} (remove the DOCTYPE)") from None
    except ET.ParseError as exc:
        raise TckFileError(f"not well-formed XML: {exc}") from None
    if root.tag != f"{{{TESTCASE_NAMESPACE}}}testCases":
        raise TckFileError(
            f"the root element is {root.tag}, not testCases of namespace {TESTCASE_NAMESPACE}"
        )
    names = _children(root, "modelName")
    cases = []
    for n, element in enumerate(_children(root, "testCase")):
        case_id = element.get("id") or str(n + 1)
        where = f"testCase {case_id}"
        inputs = {
            node.get("name", ""): read_value(node, f"{where}/inputNode {node.get('name')}")
            for node in _children(element, "inputNode")
        }
        results = []
        for node in _children(element, "resultNode"):
            at = f"{where}/resultNode {node.get('name')}"
            expected = _children(node, "expected")
            value = read_value(expected[0], at) if expected else None
            error = node.get("errorResult", "false") == "true"
            results.append(TckResult(node.get("name", ""), value, error))
        description = "".join(d.text or "" for d in _children(element, "description"))
        cases.append(
            TckCase(
                case_id,
                element.get("name") or "",
                element.get("type") or "decision",
                inputs,
                tuple(results),
                description.strip(),
            )
        )
    return TckSuite(names[0].text.strip() if names and names[0].text else None, tuple(cases))


# ---------------------------------------------------------------- running


def same_value(expected: Any, actual: Any) -> bool:
    """FEEL equality of an expected and an actual value (null equals only null)."""
    if expected is None or actual is None:
        return expected is None and actual is None
    try:
        return v.equal(v.norm(expected), v.norm(actual)) is True
    except (TypeError, ValueError):
        return False


def show_value(value: Any) -> str:
    """The value as FEEL literal text, for reports."""
    try:
        return v.literal_text(v.norm(value))
    except (TypeError, ValueError):
        return repr(value)


def run_case(model: CompiledModel, case: TckCase) -> CaseOutcome:
    if case.kind != "decision":
        return CaseOutcome(case, (), skipped=f"test cases of type {case.kind!r} are not run")
    outcomes = []
    for result in case.results:
        evaluated = model.evaluate(result.name, case.inputs)
        expected = None if result.error_result else result.expected
        notes = tuple(str(d) for d in evaluated.diagnostics)
        passed = same_value(expected, evaluated.value)
        outcomes.append(ResultOutcome(result.name, expected, evaluated.value, passed, notes))
    if not outcomes:
        return CaseOutcome(case, (), skipped="the test case has no resultNode")
    return CaseOutcome(case, tuple(outcomes))


def run_suite(model: CompiledModel, suite: TckSuite) -> tuple[CaseOutcome, ...]:
    return tuple(run_case(model, case) for case in suite.cases)
