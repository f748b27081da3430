"""DMN TCK test cases: typed values, lists and contexts are read; every result node is compared
with the model's value; `brickwork dmn check` prints pass/fail per case and sets the exit code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brickwork.cli import app
from brickwork.engines.rules import compile_model
from brickwork.engines.rules.dmn_xml import DmnXmlError, import_dmn
from brickwork.engines.rules.tck import read_test_cases, render, run_test_cases

MODELS = Path(__file__).parent / "models"
runner = CliRunner()

HEAD = (
    '<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
)


def cases(body: str) -> str:
    return f"{HEAD}\n<modelName>m.dmn</modelName>\n{body}\n</testCases>"


def literal_model(text: str, type_ref: str | None = None) -> str:
    """A DMN 1.3 model with input `x` and one decision `d` = the FEEL `text`."""
    typed = f' typeRef="{type_ref}"' if type_ref else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="m" name="m" namespace="urn:m">
  <decision id="d" name="d">
    <informationRequirement id="r"><requiredInput href="#x" /></informationRequirement>
    <literalExpression id="e"><text>{text}</text></literalExpression>
  </decision>
  <inputData id="x" name="x"><variable id="xv" name="x"{typed} /></inputData>
</definitions>"""


def decimal(text: str) -> str:
    return f'<value xsi:type="xsd:decimal">{text}</value>'


def one_case(
    case_id: str, given: str, expected: str, *, result: str = "d", kind: str = "decision"
) -> str:
    return (
        f'<testCase id="{case_id}" type="{kind}">'
        f'<inputNode name="x">{given}</inputNode>\n'
        f'<resultNode name="{result}"><expected>{expected}</expected></resultNode></testCase>\n'
    )


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_typed_values_lists_and_components_are_read() -> None:
    xml = cases(
        """<testCase id="t1"><description>all kinds</description>
        <inputNode name="n"><value xsi:type="xsd:decimal">1.50</value></inputNode>
        <inputNode name="i"><value xsi:type="xsd:integer">7</value></inputNode>
        <inputNode name="b"><value xsi:type="xsd:boolean">true</value></inputNode>
        <inputNode name="s"><value xsi:type="xsd:string"> padded </value></inputNode>
        <inputNode name="dt"><value xsi:type="xsd:date">2024-02-29</value></inputNode>
        <inputNode name="ts"><value xsi:type="xsd:dateTime">2024-02-29T10:30:00Z</value></inputNode>
        <inputNode name="tm"><value xsi:type="xsd:time">10:30:00</value></inputNode>
        <inputNode name="du"><value xsi:type="xsd:duration">P1DT2H</value></inputNode>
        <inputNode name="nil"><value xsi:nil="true" /></inputNode>
        <inputNode name="l"><list><item><value xsi:type="xsd:decimal">1</value></item>
          <item><component name="k"><value xsi:type="xsd:string">v</value></component></item>
        </list></inputNode>
        <resultNode name="d" errorResult="true" />
        </testCase>"""
    )
    (case,) = read_test_cases(xml).cases
    assert case.id == "t1"
    assert case.description == "all kinds"
    assert dict(case.inputs) == {
        "n": Decimal("1.50"),
        "i": Decimal(7),
        "b": True,
        "s": " padded ",
        "dt": date(2024, 2, 29),
        "ts": datetime(2024, 2, 29, 10, 30, tzinfo=UTC),
        "tm": time(10, 30),
        "du": timedelta(days=1, hours=2),
        "nil": None,
        "l": [Decimal(1), {"k": "v"}],
    }
    assert case.results[0].error_result


def test_a_bad_value_or_a_foreign_document_is_refused() -> None:
    xml = cases(
        '<testCase id="t1"><inputNode name="n"><value xsi:type="xsd:date">2024-13-01</value>'
        '</inputNode>\n<resultNode name="d" /></testCase>'
    )
    with pytest.raises(DmnXmlError) as caught:
        read_test_cases(xml)
    assert caught.value.codes == ("E_DMN_TCK_VALUE", "E_DMN_TCK_INVALID")
    assert caught.value.problems[1].element_id == "d"
    assert caught.value.problems[1].line == 4
    with pytest.raises(DmnXmlError) as caught:
        read_test_cases((MODELS / "risk.dmn").read_text())
    assert caught.value.codes == ("E_DMN_TCK_NOT_TESTCASES",)


def test_results_are_compared_with_feel_equality() -> None:
    model = compile_model(import_dmn(literal_model("x * 2", "number")))
    nil = '<value xsi:nil="true" />'
    xml = cases(
        one_case("ok", decimal("2.5"), decimal("5.00"))
        + one_case("wrong", decimal("1"), decimal("3"))
        + one_case("null", nil, nil)
        + one_case("missing", decimal("1"), decimal("1"), result="nope")
        + one_case("bkm", decimal("1"), decimal("1"), kind="bkm")
    )
    outcomes = run_test_cases(model, read_test_cases(xml))
    found = [(o.case_id, o.passed, o.expected, o.actual) for o in outcomes]
    assert found == [
        ("ok", True, "5.00", "5.0"),
        ("wrong", False, "3", "2"),
        ("null", True, "null", "null"),
        ("missing", False, "1", "-"),
        ("bkm", False, "1", "-"),
    ]
    assert "not supported" in outcomes[4].note


def test_an_expected_error_passes_only_when_the_decision_fails() -> None:
    model = compile_model(import_dmn(literal_model("x + 1", "number")))
    xml = cases(
        """<testCase id="bad"><inputNode name="x"><value xsi:type="xsd:string">a</value></inputNode>
        <resultNode name="d" errorResult="true" /></testCase>
        <testCase id="good"><inputNode name="x"><value xsi:type="xsd:decimal">1</value></inputNode>
        <resultNode name="d" errorResult="true" /></testCase>"""
    )
    outcomes = run_test_cases(model, read_test_cases(xml))
    assert [(o.case_id, o.passed) for o in outcomes] == [("bad", True), ("good", False)]
    assert outcomes[0].actual.startswith("error (E_DMN_TYPE_MISMATCH")


def test_values_render_as_feel() -> None:
    value = {
        "a": [Decimal("1.5"), 'x "q"', True, None],
        "d": date(2024, 1, 2),
        "t": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    assert render(value) == (
        '{a: [1.5, "x \\"q\\"", true, null], d: date("2024-01-02"), '
        't: date and time("2024-01-02T03:04:05Z")}'
    )
    assert render(timedelta(days=1)) == 'duration("P1D")'


def test_dmn_check_passes_when_every_case_passes() -> None:
    code, output = run("dmn", "check", MODELS / "risk.dmn", MODELS / "risk-tests.xml")
    assert code == 0, output
    assert 'PASS 001 Risk level: expected "high", actual "high"' in output
    assert "3 passed, 0 failed" in output
    code, output = run("dmn", "check", MODELS / "loan.dmn", MODELS / "loan-tests.xml")
    assert code == 0, output
    assert "PASS adult Summary: expected {total: 565, big: [200, 300]" in output


def test_dmn_check_fails_with_expected_and_actual_values(tmp_path: Path) -> None:
    tests = (MODELS / "risk-tests.xml").read_text().replace(">medium<", ">low<")
    (tmp_path / "tests.xml").write_text(tests)
    code, output = run("dmn", "check", MODELS / "risk.dmn", tmp_path / "tests.xml")
    assert code == 1
    assert 'FAIL 002 Risk level: expected "low", actual "medium"' in output
    assert "2 passed, 1 failed" in output


def test_dmn_check_exits_2_for_unreadable_or_unusable_files(tmp_path: Path) -> None:
    code, output = run("dmn", "check", tmp_path / "none.dmn", MODELS / "risk-tests.xml")
    assert code == 2
    assert "file_unreadable" in output
    code, output = run("dmn", "check", MODELS / "refused.dmn", MODELS / "risk-tests.xml")
    assert code == 2
    assert "E_DMN_XML_UNSUPPORTED_ELEMENT at element `DecisionService_score` (line 4)" in output
    (tmp_path / "broken.xml").write_text(cases("<testCase"))
    code, output = run("dmn", "check", MODELS / "risk.dmn", tmp_path / "broken.xml")
    assert code == 2
    assert "E_DMN_XML_MALFORMED" in output
    (tmp_path / "bad.dmn").write_text(literal_model("x +"))
    code, output = run("dmn", "check", tmp_path / "bad.dmn", MODELS / "risk-tests.xml")
    assert code == 2
    assert "E_DMN_EXPRESSION at /decisions/0/logic/text" in output
    assert "[element e]" in output


APPROVAL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="m" name="m" namespace="urn:m">
  <decision id="approval" name="Approval">
    <informationRequirement id="r1"><requiredInput href="#age" /></informationRequirement>
    <informationRequirement id="r2"><requiredInput href="#ok" /></informationRequirement>
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i1">
        <inputExpression id="e1" typeRef="number"><text>Age</text></inputExpression>
      </input>
      <input id="i2">
        <inputExpression id="e2" typeRef="boolean"><text>Affordable</text></inputExpression>
      </input>
      <output id="o1" name="Status" typeRef="string" />
      <output id="o2" name="Limit" typeRef="number" />
      <output id="o3" name="Checked" typeRef="boolean" />
      <rule id="a">
        <inputEntry id="a1"><text>&gt;= 18</text></inputEntry>
        <inputEntry id="a2"><text>true</text></inputEntry>
        <outputEntry id="a3"><text>"Approved"</text></outputEntry>
        <outputEntry id="a4"><text>1000.0</text></outputEntry>
        <outputEntry id="a5"><text>true</text></outputEntry>
      </rule>
      <rule id="b">
        <inputEntry id="b1"><text>-</text></inputEntry>
        <inputEntry id="b2"><text>-</text></inputEntry>
        <outputEntry id="b3"><text>"Declined"</text></outputEntry>
        <outputEntry id="b4"><text>0</text></outputEntry>
        <outputEntry id="b5"><text>false</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <inputData id="age" name="Age"><variable id="v1" name="Age" typeRef="number" /></inputData>
  <inputData id="ok" name="Affordable">
    <variable id="v2" name="Affordable" typeRef="boolean" />
  </inputData>
</definitions>"""


def untyped_case(case_id: str, age: str, ok: str, status: str, limit: str, checked: str) -> str:
    components = "".join(
        f'<component name="{name}"><value>{text}</value></component>'
        for name, text in (("Status", status), ("Limit", limit), ("Checked", checked))
    )
    return (
        f'<testCase id="{case_id}"><inputNode name="Age"><value>{age}</value></inputNode>'
        f'<inputNode name="Affordable"><value>{ok}</value></inputNode>\n'
        f'<resultNode name="Approval"><expected>{components}</expected></resultNode></testCase>'
    )


def test_untyped_values_are_read_in_the_type_they_meet() -> None:
    """Many TCK files write values without `xsi:type`: inputs are read by their declared types,
    expected values in the type of the actual value."""
    model = compile_model(import_dmn(APPROVAL))
    xml = cases(
        untyped_case("001", "18", "true", "Approved", "1000", "true")
        + untyped_case("002", "17", "true", "Declined", "0", "false")
        + untyped_case("003", "30", "false", "Approved", "1000", "true")
        + untyped_case("004", "30", "true", "Approved", "ten", "true")
    )
    outcomes = run_test_cases(model, read_test_cases(xml))
    assert [(o.case_id, o.passed) for o in outcomes] == [
        ("001", True),
        ("002", True),
        ("003", False),
        ("004", False),
    ]
    assert outcomes[2].actual == '{Status: "Declined", Limit: 0, Checked: false}'
