"""DMN TCK test cases: read a test-case file and check a compiled model against it.

The DMN Technology Compatibility Kit describes tests in XML (namespace
`http://www.omg.org/spec/DMN/20160719/testcase`): `testCases/testCase` with `inputNode`s (the
inputs) and `resultNode`s (a decision's `expected` value). Values are typed `value` elements
(`xsi:type="xsd:decimal"`, `xsd:string`, `xsd:boolean`, `xsd:date`, `xsd:dateTime`, `xsd:time`,
`xsd:duration`; `xsi:nil="true"` is null), lists (`list/item`) and contexts (`component`s).
`read_test_cases` parses the file (with `defusedxml`; problems are `DmnXmlError`s with
`E_DMN_TCK_...` codes), `run_test_cases` evaluates every result node and compares the values
with FEEL equality; `render` prints a value as FEEL text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from brickwork.engines.expr import values as v
from brickwork.engines.rules.compiler import CompiledModel
from brickwork.engines.rules.dmn_xml import DmnXmlError, DmnXmlProblem, parse_xml, xml_problem

TESTCASE = "http://www.omg.org/spec/DMN/20160719/testcase"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_T = f"{{{TESTCASE}}}"

_NUMBER_TYPES = {"decimal", "double", "float", "integer", "int", "long", "short", "byte"}


class UntypedText(str):
    """The text of a `value` without `xsi:type`: a string, unless the value it is compared with
    (or the input it is given to) has another type, whose lexical form it is then read in."""

    __slots__ = ()


_KINDS = {
    v.NUMBER: "decimal",
    v.BOOLEAN: "boolean",
    v.DATE: "date",
    v.DATETIME: "dateTime",
    v.TIME: "time",
    v.DT_DURATION: "duration",
    v.YM_DURATION: "duration",
}


@dataclass(frozen=True, slots=True)
class Expected:
    """What one result node expects: a value, or an error (`error_result`)."""

    name: str
    value: Any
    error_result: bool = False


@dataclass(frozen=True, slots=True)
class TckCase:
    id: str
    description: str
    inputs: Mapping[str, Any]
    results: tuple[Expected, ...]
    kind: str = "decision"


@dataclass(frozen=True, slots=True)
class TckSuite:
    model_name: str
    cases: tuple[TckCase, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The outcome of one result node of one test case."""

    case_id: str
    name: str
    passed: bool
    expected: str
    actual: str
    note: str = ""


class _Reader:
    def __init__(self, lines: dict[int, int]) -> None:
        self.lines = lines
        self.problems: list[DmnXmlProblem] = []

    def report(self, code: str, key: str, element: Element, /, **params: object) -> None:
        """Report problem `code`, saying entry `key` of `XML_MESSAGES`, at `element`."""
        where = element.get("id") or element.get("name") or element.tag.rpartition("}")[2]
        line = self.lines.get(id(element), 0)
        self.problems.append(xml_problem(code, key, where, line, **params))

    def suite(self, root: Element) -> TckSuite:
        if root.tag != f"{_T}testCases":
            self.report(
                "E_DMN_TCK_NOT_TESTCASES", "not_test_cases", root, tag=root.tag, namespace=TESTCASE
            )
            return TckSuite("", ())
        model = root.find(f"{_T}modelName")
        cases = tuple(self.case(c, i) for i, c in enumerate(root.iter(f"{_T}testCase")))
        return TckSuite((model.text or "").strip() if model is not None else "", cases)

    def case(self, element: Element, index: int) -> TckCase:
        description = element.find(f"{_T}description")
        inputs = {
            node.get("name", ""): self.node(node) for node in element.findall(f"{_T}inputNode")
        }
        results = []
        for node in element.findall(f"{_T}resultNode"):
            expected = node.find(f"{_T}expected")
            error = node.get("errorResult") == "true"
            if expected is None and not error:
                self.report("E_DMN_TCK_INVALID", "no_expected", node)
            value = self.node(expected) if expected is not None else None
            results.append(Expected(node.get("name", ""), value, error))
        return TckCase(
            element.get("id") or str(index + 1),
            (description.text or "").strip() if description is not None else "",
            inputs,
            tuple(results),
            element.get("type", "decision"),
        )

    def node(self, element: Element) -> Any:
        """The value of a value-holding element: `value`, `component`s or `list`."""
        value = element.find(f"{_T}value")
        if value is not None:
            return self.value(value)
        items = element.find(f"{_T}list")
        if items is not None:
            return [self.node(item) for item in items.findall(f"{_T}item")]
        components = element.findall(f"{_T}component")
        if components:
            return {c.get("name", ""): self.node(c) for c in components}
        if element.get(f"{{{XSI}}}nil") == "true":
            return None
        return None

    def value(self, element: Element) -> Any:
        if element.get(f"{{{XSI}}}nil") == "true":
            return None
        text = element.text or ""
        kind = element.get(f"{{{XSI}}}type", "").rpartition(":")[2]
        try:
            return _typed(kind, text)
        except (ValueError, InvalidOperation, v.YearOutOfRange):
            self.report("E_DMN_TCK_VALUE", "test_value", element, text=text.strip(), kind=kind)
            return None


def _typed(kind: str, text: str) -> Any:
    stripped = text.strip()
    if kind in _NUMBER_TYPES:
        return Decimal(stripped)
    if kind == "boolean":
        if stripped not in ("true", "false", "1", "0"):
            raise ValueError(stripped)
        return stripped in ("true", "1")
    if kind == "date":
        return v.parse_date(stripped)
    if kind == "dateTime":
        return v.parse_datetime(stripped)
    if kind == "time":
        return v.parse_time(stripped)
    if kind in ("duration", "dayTimeDuration", "yearMonthDuration"):
        return v.parse_duration(stripped)
    if kind:
        return text  # xsd:string
    return UntypedText(text)


def read_test_cases(xml: str | bytes) -> TckSuite:
    """Parse a TCK test-case file; raises `DmnXmlError` with every problem found."""
    root, lines = parse_xml(xml)
    reader = _Reader(lines)
    suite = reader.suite(root)
    if reader.problems:
        raise DmnXmlError(reader.problems)
    return suite


def run_test_cases(model: CompiledModel, suite: TckSuite) -> list[Outcome]:
    """Evaluate every result node of every case; one outcome per result node."""
    outcomes: list[Outcome] = []
    for case in suite.cases:
        for expected in case.results:
            shown = "error" if expected.error_result else render(expected.value)
            if case.kind != "decision":
                note = f"test cases of type `{case.kind}` are not supported"
                outcomes.append(Outcome(case.id, expected.name, False, shown, "-", note))
                continue
            if expected.name not in model.decision_names:
                note = "the model has no decision of this name"
                outcomes.append(Outcome(case.id, expected.name, False, shown, "-", note))
                continue
            result = model.evaluate(expected.name, _inputs(model, case.inputs))
            actual = render(result.value)
            notes = "; ".join(str(d) for d in result.diagnostics)
            if expected.error_result:
                passed = result.value is None and bool(result.diagnostics)
                actual = f"error ({notes})" if result.diagnostics else actual
                outcomes.append(Outcome(case.id, expected.name, passed, shown, actual))
                continue
            passed = same(expected.value, result.value)
            outcomes.append(Outcome(case.id, expected.name, passed, shown, actual, notes))
    return outcomes


def _inputs(model: CompiledModel, given: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs of a case; an untyped `true`/`false` given to a boolean input is a boolean
    (untyped numbers and temporals are read by their inputs' types already)."""
    booleans = {i.name for i in model.model.inputs if i.type_ref == "boolean"}
    inputs = {name: _plain(value) for name, value in given.items()}
    for name, value in given.items():
        if name in booleans and isinstance(value, UntypedText) and value in ("true", "false"):
            inputs[name] = value == "true"
    return inputs


def _plain(value: Any) -> Any:
    """Untyped text as plain strings (what JSON-decoded inputs hold)."""
    if isinstance(value, UntypedText):
        return str(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _read_as(text: UntypedText, actual: Any) -> Any:
    """Untyped text read in the lexical form of the actual value's type (else the text)."""
    try:
        kind = _KINDS.get(v.kind_of(v.to_value(actual)))
    except (v.UnsupportedValue, TypeError):
        return text
    if kind is None:
        return text
    try:
        return _typed(kind, text)
    except (ValueError, InvalidOperation):
        return text


def same(expected: Any, actual: Any) -> bool:
    """FEEL equality of an expected and an actual value (null equals null)."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return set(expected) == set(actual) and all(same(expected[k], actual[k]) for k in expected)
    if isinstance(expected, UntypedText) and not isinstance(actual, str):
        expected = _read_as(expected, actual)
    try:
        return v.equal(v.to_value(expected), v.to_value(actual)) is True
    except (v.UnsupportedValue, TypeError):
        return False


def render(value: Any) -> str:
    """A value as FEEL text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        return v.format_number(Decimal(value))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {render(item)}" for key, item in value.items()) + "}"
    if isinstance(value, datetime):
        return f'date and time("{v.format_datetime(value)}")'
    if isinstance(value, date):
        return f'date("{value.isoformat()}")'
    if isinstance(value, time):
        return f'time("{v.format_time(value)}")'
    if isinstance(value, timedelta):
        return f'duration("{v.format_days_time(value)}")'
    if isinstance(value, v.YearsMonths):
        return f'duration("{v.format_years_months(value)}")'
    return f"<{type(value).__name__}>"
