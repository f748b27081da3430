"""DMN XML import refuses what it cannot map, listing every problem with a stable code, the
element id, the XML line and a hint; DTDs, entities and external references are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brickwork.engines.rules.dmn_xml import DMN13, DmnXmlError, DmnXmlProblem, import_dmn

MODELS = Path(__file__).parent / "models"


def read(name: str) -> str:
    return (MODELS / name).read_text(encoding="utf-8")


def line_of(xml: str, fragment: str) -> int:
    """The 1-based line of the first occurrence of `fragment` in `xml`."""
    return xml[: xml.index(fragment)].count("\n") + 1


def refused(xml: str | bytes) -> list[DmnXmlProblem]:
    with pytest.raises(DmnXmlError) as caught:
        import_dmn(xml)
    problems = list(caught.value.problems)
    assert all(p.hint for p in problems)
    assert caught.value.codes == tuple(p.code for p in problems)
    return problems


def test_every_unsupported_element_is_listed_with_id_line_and_pointer() -> None:
    xml = read("refused.dmn")
    found = [(p.code, p.element_id, p.line, p.pointer) for p in refused(xml)]
    unsupported, missing = "E_DMN_XML_UNSUPPORTED_ELEMENT", "E_DMN_XML_MISSING"
    expected = [
        (unsupported, "import", line_of(xml, "<import "), ""),
        (unsupported, "DecisionService_score", line_of(xml, "<decisionService"), ""),
        (
            "E_DMN_XML_BAD_REFERENCE",
            "InformationRequirement_missing",
            line_of(xml, 'href="#InputData_nowhere"'),
            "/decisions/0/requires",
        ),
        (
            "E_DMN_XML_EXPRESSION_LANGUAGE",
            "LiteralExpression_js",
            line_of(xml, 'id="LiteralExpression_js"'),
            "/decisions/0/logic",
        ),
        (
            "E_DMN_XML_HIT_POLICY",
            "DecisionTable_bad",
            line_of(xml, 'id="DecisionTable_bad"'),
            "/decisions/1/logic",
        ),
        (
            unsupported,
            "RuleSet_unknown",
            line_of(xml, 'id="RuleSet_unknown"'),
            "/decisions/1/logic",
        ),
        (
            "E_DMN_XML_CELL_COUNT",
            "DecisionRule_short",
            line_of(xml, 'id="DecisionRule_short"'),
            "/decisions/1/logic/rules/0",
        ),
        (unsupported, "FunctionDefinition_java", line_of(xml, 'kind="Java"'), "/decisions/2/logic"),
        (missing, "Decision_empty", line_of(xml, 'id="Decision_empty"'), "/decisions/3"),
        (missing, "Decision_empty", line_of(xml, 'id="Decision_empty"'), "/decisions/3/logic"),
    ]
    assert found == expected
    message = str(refused(xml)[1])
    assert "DecisionService_score" in message
    assert "decision services" in message


def test_a_reference_to_another_model_is_refused() -> None:
    xml = read("risk.dmn").replace('href="#InputData_age"', 'href="other.dmn#InputData_age"')
    (problem,) = refused(xml)
    assert (problem.code, problem.element_id) == (
        "E_DMN_XML_BAD_REFERENCE",
        "InformationRequirement_1",
    )
    assert problem.line == line_of(xml, "other.dmn#")


def test_an_unknown_hit_policy_is_refused() -> None:
    xml = read("risk.dmn").replace('hitPolicy="FIRST"', 'hitPolicy="SOMETIMES"')
    (problem,) = refused(xml)
    assert (problem.code, problem.element_id) == ("E_DMN_XML_HIT_POLICY", "DecisionTable_risk")


def test_a_typed_context_entry_that_is_not_a_literal_is_refused() -> None:
    xml = read("loan.dmn").replace(
        '<variable id="InformationItem_adult" name="adult" />',
        '<variable id="InformationItem_adult" name="adult" typeRef="string" />',
    )
    (problem,) = refused(xml)
    assert (problem.code, problem.element_id) == (
        "E_DMN_XML_UNSUPPORTED_TYPE_REF",
        "InformationItem_adult",
    )
    assert problem.line == line_of(xml, 'id="InformationItem_adult"')
    assert problem.pointer == "/decisions/1/logic/entries/2"
    assert f"(line {problem.line}, /decisions/1/logic/entries/2)" in str(problem)


def test_an_element_mapping_to_an_invalid_spec_is_refused_with_its_pointer() -> None:
    xml = read("risk.dmn").replace('id="DecisionRule_poor"', 'id="2 poor"')
    (problem,) = refused(xml)
    assert problem.code == "E_DMN_XML_INVALID"
    assert problem.pointer == "/decisions/0/logic/rules/1/id"
    assert (problem.element_id, problem.line) == ("2 poor", line_of(xml, 'id="2 poor"'))


def test_older_dmn_and_other_documents_are_refused() -> None:
    old = read("risk.dmn").replace(
        "https://www.omg.org/spec/DMN/20191111/MODEL/",
        "http://www.omg.org/spec/DMN/20180521/MODEL/",
    )
    (problem,) = refused(old)
    assert (problem.code, problem.element_id, problem.line) == (
        "E_DMN_XML_NOT_DMN",
        "Definitions_risk",
        2,
    )
    assert "Camunda Modeler" in (problem.hint or "")
    (problem,) = refused("<bpmn:definitions xmlns:bpmn='urn:x' id='d'/>")
    assert problem.code == "E_DMN_XML_NOT_DMN"


def test_malformed_xml_is_refused_with_its_line() -> None:
    (problem,) = refused("<definitions>\n  <decision>\n</definitions>")
    assert (problem.code, problem.line) == ("E_DMN_XML_MALFORMED", 3)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="&lol4;" />
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="&secret;" />
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://bank.example/dmn.dtd">
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="x" />
"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_dtds_and_entities_are_refused(xml: str) -> None:
    (problem,) = refused(xml)
    assert problem.code == "E_DMN_XML_FORBIDDEN"
    assert problem.line == 2
    (as_bytes,) = refused(xml.encode("utf-8"))
    assert as_bytes.code == "E_DMN_XML_FORBIDDEN"


def test_every_refusal_code_is_documented() -> None:
    root = Path(__file__).resolve().parents[4]
    sources = [root / "src/brickwork/engines/rules" / f for f in ("dmn_xml.py", "tck.py")]
    codes = {
        c for p in sources for c in re.findall(r'"(E_DMN_(?:XML|TCK)_[A-Z_]+)"', p.read_text())
    }
    assert len(codes) > 10
    doc = (root / "docs" / "dmn-interop.md").read_text(encoding="utf-8")
    table = doc[doc.index("## 4. Refusals") : doc.index("## 5.")]
    assert sorted(c for c in codes if f"| `{c}` |" not in table) == []


def test_too_deep_nesting_and_unknown_encodings_are_refused() -> None:
    def nested(levels: int) -> str:
        return (
            f'<definitions xmlns="{DMN13}" id="m" name="m">\n<decision id="d" name="d">\n'
            + "<list>" * levels
            + "</list>" * levels
            + "</decision></definitions>"
        )

    assert import_dmn(nested(90))["decisions"][0]["logic"]["type"] == "list"
    (problem,) = refused(nested(3000))
    assert (problem.code, problem.element_id, problem.line) == ("E_DMN_XML_TOO_DEEP", "list", 3)
    (problem,) = refused(b'<?xml version="1.0" encoding="no-such"?>\n<definitions/>')
    assert (problem.code, problem.line) == ("E_DMN_XML_MALFORMED", 1)
