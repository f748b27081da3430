"""DMN XML import and export: Camunda Modeler files, round trips, refusals, hostile XML."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from brickwork.engines.rules import compile_model
from brickwork.engines.rules.definition import DecisionModel
from brickwork.engines.rules.dmn_xml import (
    DmnXmlError,
    export_dmn,
    import_dmn,
    import_dmn_report,
    normalise_type,
)

MODELS = Path(__file__).parent / "models"
DMN_FILES = sorted(MODELS.glob("*.dmn"))
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def _same(spec: Any) -> dict[str, Any]:
    return DecisionModel.model_validate(spec).model_dump(by_alias=True)


def _wrap(body: str, namespace: str = DMN13, extra: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{namespace}" {extra} '
        f'id="Definitions_1" name="T" namespace="urn:t">\n{body}\n</definitions>\n'
    )


LITERAL_DECISION = """<decision id="Decision_1abc" name="D">
  <literalExpression id="LiteralExpression_1"><text>1 + 1</text></literalExpression>
</decision>"""


# ---------------------------------------------------------------- Camunda Modeler files


def test_import_gives_the_expected_json() -> None:
    spec = import_dmn((MODELS / "risk_rating_dmn13.dmn").read_bytes())
    expected = json.loads((MODELS / "risk_rating_dmn13.json").read_text(encoding="utf-8"))
    assert spec == expected


def test_imported_graph_evaluates() -> None:
    model = compile_model(import_dmn((MODELS / "risk_rating_dmn13.dmn").read_text()))
    result = model.evaluate("Fee", {"Age": 12, "Segment": "retail"})
    assert result.ok, result.diagnostics
    assert result.decisions == {"Risk level": "high", "Fee": Decimal(50)}
    assert model.evaluate("Risk level", {"Age": 30, "Segment": "retail"}).value == "low"


def test_meaningful_extensions_and_documentation_are_listed_as_ignored() -> None:
    report = import_dmn_report((MODELS / "risk_rating_dmn13.dmn").read_bytes())
    assert report.version == "1.3"
    ignored = {(p.element_id, p.message.split(" ")[0]) for p in report.ignored}
    assert ("Input_1", "{http://camunda.org/schema/1.0/dmn}inputVariable") in ignored
    assert ("DecisionRule_0minor", "the") in ignored  # its description
    assert {"AuthorityRequirement_0pol", "KnowledgeSource_0pol", "TextAnnotation_0note"} <= {
        p.element_id for p in report.ignored
    }
    assert all(p.line for p in report.ignored)
    # presentation-only extensions (historyTimeToLive, versionTag, DMNDI) are not listed
    assert "Decision_1risk" not in {p.element_id for p in report.ignored}


def test_boxed_expressions_of_dmn14() -> None:
    report = import_dmn_report((MODELS / "boxed_dmn14.dmn").read_bytes())
    assert report.version == "1.4"
    assert report.ignored == ()
    entries = report.spec["decisions"][0]["logic"]["entries"]
    types = [e["value"]["type"] for e in entries]
    assert types == [
        "filter",
        "iterator",
        "iterator",
        "iterator",
        "invocation",
        "list",
        "relation",
        "function",
        "conditional",
    ]
    assert entries[1]["value"]["kind"] == "for"
    assert entries[2]["value"]["kind"] == "some"
    assert entries[6]["value"]["columns"] == ["name", "rate"]
    result = compile_model(report.spec).evaluate("Summary", {"Amounts": [50, 200, 300]})
    assert result.ok, result.diagnostics
    assert result.value == {
        "big": Decimal(2),
        "doubled": [Decimal(100), Decimal(400), Decimal(600)],
        "any": False,
        "all": True,
        "twice": Decimal(100),
        "tier": "gold",
        "sum": Decimal(3),
        "limits": [Decimal(100), Decimal(1000)],
    }


EXPECTED_POLICIES = {
    "Policy A": ("A", None),
    "Policy P": ("P", {"band": "high", "points": Decimal(3)}),
    "Policy F": ("F", {"band": "low", "points": Decimal(1)}),
    "Policy R": ("R", [Decimal(1), Decimal(2), Decimal(3)]),
    "Policy O": ("O", [Decimal(3), Decimal(2), Decimal(1)]),
    "Policy C": ("C", [Decimal(1), Decimal(2), Decimal(3)]),
    "Policy Csum": ("C+", Decimal(6)),
    "Policy Cmin": ("C<", Decimal(1)),
    "Policy Cmax": ("C>", Decimal(3)),
    "Policy Ccount": ("C#", Decimal(3)),
}


@pytest.mark.parametrize("decision", sorted(EXPECTED_POLICIES))
def test_every_hit_policy_imports_and_evaluates(decision: str) -> None:
    spec = import_dmn((MODELS / "hit_policies_dmn15.dmn").read_bytes())
    (found,) = [d for d in spec["decisions"] if d["name"] == decision]
    policy, expected = EXPECTED_POLICIES[decision]
    assert found["logic"]["hit_policy"] == policy
    value = compile_model(spec).evaluate(decision, {"Score": 5}).value
    if isinstance(expected, list) and isinstance(value, list):
        value = [row["points"] for row in value]
    if policy == "A":  # the matching rules give different outputs: ANY is violated
        assert value is None
    else:
        assert value == expected


def test_default_output_entry_applies_when_no_rule_matches() -> None:
    spec = import_dmn((MODELS / "hit_policies_dmn15.dmn").read_bytes())
    value = compile_model(spec).evaluate("Policy F", {"Score": 50}).value
    assert value == {"band": "low", "points": None}


# ---------------------------------------------------------------- export and round trips


@pytest.mark.parametrize("path", DMN_FILES, ids=[p.stem for p in DMN_FILES])
def test_export_then_import_gives_the_same_model(path: Path) -> None:
    spec = import_dmn(path.read_bytes())
    exported = export_dmn(spec)
    assert 'xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/"' in exported
    assert _same(import_dmn(exported)) == _same(spec)
    assert export_dmn(import_dmn(exported)) == exported


def test_export_has_a_shape_for_every_drg_element_and_an_edge_per_requirement() -> None:
    spec = import_dmn((MODELS / "risk_rating_dmn13.dmn").read_bytes())
    exported = export_dmn(spec)
    for element in (
        "Decision_1risk",
        "Decision_0fee",
        "BusinessKnowledgeModel_0fee",
        "InputData_0age",
        "InputData_1seg",
    ):
        assert f'<dmndi:DMNShape id="DMNShape_{element}" dmnElementRef="{element}">' in exported
    assert exported.count("<dmndi:DMNEdge ") == 4  # 2 inputs, 1 decision, 1 knowledge
    assert exported.count("<dc:Bounds ") == 5


def test_export_keeps_the_entry_and_drops_the_default_namespace() -> None:
    spec = {
        "entry": "D",
        "decisions": [
            {"id": "d1", "name": "D", "logic": {"type": "literal", "text": "1"}},
            {"id": "d2", "name": "E", "logic": {"type": "literal", "text": "2"}},
        ],
    }
    back = import_dmn(export_dmn(spec))
    assert back["entry"] == "D"
    assert "namespace" not in back
    assert _same(back) == _same(spec)


def test_export_as_dmn13_for_dmn_js() -> None:
    spec = import_dmn((MODELS / "risk_rating_dmn13.dmn").read_bytes())
    exported = export_dmn(spec, version="1.3")
    assert f'xmlns="{DMN13}"' in exported
    assert 'xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"' in exported
    report = import_dmn_report(exported)
    assert report.version == "1.3"
    assert _same(report.spec) == _same(spec)


def test_dmn13_export_refuses_boxes_of_later_versions() -> None:
    spec = import_dmn((MODELS / "boxed_dmn14.dmn").read_bytes())
    with pytest.raises(DmnXmlError) as caught:
        export_dmn(spec, version="1.3")
    pointers = [p.pointer for p in caught.value.problems]
    assert pointers == [f"/decisions/0/logic/entries/{n}/value" for n in (0, 1, 2, 3, 8)]
    assert "/decisions/0/logic/entries/0/value" in str(caught.value)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("feel:number", "number"),
        ("xsd:string", "string"),
        ("string", "string"),
        ("integer", "number"),
        ("double", "number"),
        ("date and time", "date and time"),
        ("dateTime", "date and time"),
        ("feel:date and time", "date and time"),
        ("xsd:dayTimeDuration", "days and time duration"),
        ("yearMonthDuration", "years and months duration"),
        ("tCustomer", "tCustomer"),
        ("list<number>", "list<number>"),
        ("context<a: number>", "context<a: number>"),
        ("", None),
    ],
)
def test_type_references_are_normalised(written: str, read: str | None) -> None:
    assert normalise_type(written) == read


@pytest.mark.parametrize(
    "namespace",
    [
        DMN13,
        "https://www.omg.org/spec/DMN/20211108/MODEL/",
        "https://www.omg.org/spec/DMN/20230324/MODEL/",
    ],
)
def test_every_supported_namespace(namespace: str) -> None:
    spec = import_dmn(_wrap(LITERAL_DECISION, namespace))
    assert spec["decisions"][0]["logic"] == {
        "id": "LiteralExpression_1",
        "type": "literal",
        "text": "1 + 1",
    }


# ---------------------------------------------------------------- refusals


def _refusal(xml: str) -> DmnXmlError:
    with pytest.raises(DmnXmlError) as caught:
        import_dmn(xml)
    return caught.value


REFUSALS = [
    (
        '<decisionService id="DecisionService_0svc" name="S" />',
        "E_XML_UNSUPPORTED",
        "DecisionService_0svc",
    ),
    (
        '<import id="Import_0x" namespace="urn:o" importType="x" />',
        "E_XML_UNSUPPORTED",
        "Import_0x",
    ),
    (
        '<decision id="Decision_0js" name="D"><literalExpression id="LiteralExpression_0js" '
        'expressionLanguage="javascript"><text>1</text></literalExpression></decision>',
        "E_XML_EXPRESSION_LANGUAGE",
        "LiteralExpression_0js",
    ),
    (
        '<decision id="Decision_0none" name="D"><variable name="D" /></decision>',
        "E_XML_MISSING",
        "Decision_0none",
    ),
    (
        '<decision id="Decision_0ref" name="D"><informationRequirement id="Req_1">'
        '<requiredInput href="#Nowhere" /></informationRequirement>'
        "<literalExpression><text>1</text></literalExpression></decision>",
        "E_XML_REFERENCE",
        "Req_1",
    ),
    (
        '<decision id="Decision_0hp" name="D"><decisionTable id="DecisionTable_0hp" '
        'hitPolicy="SOMETIMES"><output id="O" name="o" /></decisionTable></decision>',
        "E_XML_UNSUPPORTED",
        "DecisionTable_0hp",
    ),
    (
        '<decision id="Decision_0ag" name="D"><decisionTable id="DecisionTable_0ag" '
        'hitPolicy="FIRST" aggregation="SUM"><output id="O" name="o" /></decisionTable>'
        "</decision>",
        "E_XML_UNSUPPORTED",
        "DecisionTable_0ag",
    ),
    (
        '<businessKnowledgeModel id="BKM_0java" name="K"><encapsulatedLogic id="Fn_0java" '
        'kind="Java"><literalExpression><text>1</text></literalExpression>'
        "</encapsulatedLogic></businessKnowledgeModel>" + LITERAL_DECISION,
        "E_XML_UNSUPPORTED",
        "Fn_0java",
    ),
    (
        '<decision id="Decision_0el" name="D"><literalExpression><text>1</text>'
        '</literalExpression><performanceIndicator id="Kpi_1" /></decision>',
        "E_XML_UNSUPPORTED",
        "Kpi_1",
    ),
    (
        '<decision id="Decision_0ns" name="D"><other:rule xmlns:other="urn:x" id="Other_1" />'
        "<literalExpression><text>1</text></literalExpression></decision>",
        "E_XML_UNSUPPORTED",
        "Other_1",
    ),
    (
        '<itemDefinition id="ItemDefinition_0tc" name="t"><typeRef>number</typeRef>'
        '<typeConstraint id="UnaryTests_0tc"><text>&gt; 0</text></typeConstraint>'
        "</itemDefinition>" + LITERAL_DECISION,
        "E_XML_UNSUPPORTED",
        "UnaryTests_0tc",
    ),
    (
        '<decision id="Bad id" name="D"><literalExpression><text>1</text>'
        "</literalExpression></decision>",
        "E_XML_SCHEMA",
        "Bad id",
    ),
]


@pytest.mark.parametrize(("body", "code", "element_id"), REFUSALS)
def test_unsupported_content_is_refused_with_its_element_id(
    body: str, code: str, element_id: str
) -> None:
    error = _refusal(_wrap(body))
    assert code in error.codes
    (problem,) = [p for p in error.problems if p.code == code]
    assert problem.element_id == element_id
    assert problem.line is not None
    assert problem.line >= 3
    assert problem.hint
    assert element_id in str(error)


def test_every_problem_is_reported_at_once_with_pointers() -> None:
    error = _refusal(_wrap(REFUSALS[0][0] + REFUSALS[2][0] + REFUSALS[3][0]))
    assert error.codes == ("E_XML_UNSUPPORTED", "E_XML_EXPRESSION_LANGUAGE", "E_XML_MISSING")
    assert [p.pointer for p in error.problems][1:] == ["/decisions/0/logic", "/decisions/1"]


def test_definitions_in_another_expression_language_are_refused() -> None:
    error = _refusal(_wrap(LITERAL_DECISION, extra='expressionLanguage="juel"'))
    assert error.codes == ("E_XML_EXPRESSION_LANGUAGE",)


@pytest.mark.parametrize(
    "xml",
    [
        '<definitions xmlns="http://www.omg.org/spec/DMN/20151101/dmn.xsd" id="d" />',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" />',
    ],
)
def test_not_dmn_13_or_later(xml: str) -> None:
    assert _refusal(xml).codes == ("E_XML_NOT_DMN",)


def test_malformed_xml_names_its_line() -> None:
    error = _refusal(_wrap("<decision id='x'>\n<oops></decision>"))
    assert error.codes == ("E_XML_MALFORMED",)
    assert error.problems[0].line == 4


# ---------------------------------------------------------------- hostile XML

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" name="&lol4;" />
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE d [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" name="&secret;" />
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://example.invalid/dmn.dtd">
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" name="x" />
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_hostile_xml_is_refused(xml: str) -> None:
    for source in (xml, xml.encode("utf-8")):
        error = _refusal(source)  # type: ignore[arg-type]
        assert error.codes == ("E_XML_FORBIDDEN",)
        assert "DOCTYPE" in (error.problems[0].hint or "")
