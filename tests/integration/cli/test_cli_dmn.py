"""`brickwork dmn check MODEL.dmn TESTS.xml`: pass/fail per case, exit codes 0, 1 and 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from brickwork.cli import app

MODELS = Path(__file__).resolve().parents[2] / "unit" / "engines" / "rules" / "models"
runner = CliRunner()


def _check(model: Path, tests: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["dmn", "check", str(model), str(tests)])
    return result.exit_code, result.stdout, result.stderr


def test_all_cases_pass() -> None:
    code, out, _ = _check(MODELS / "risk_rating_dmn13.dmn", MODELS / "risk_rating_tests.xml")
    assert code == 0, out
    assert "PASS 001 minor" in out
    assert 'Risk level: expected "high", actual "high"' in out
    assert "Fee: expected 50.00, actual 50" in out
    assert out.strip().endswith("3 passed, 0 failed")


def test_a_failing_case_exits_1_with_expected_and_actual() -> None:
    code, out, _ = _check(MODELS / "boxed_dmn14.dmn", MODELS / "boxed_tests.xml")
    assert code == 1
    assert "PASS lists-and-contexts" in out
    assert "FAIL wrong-on-purpose a failing expectation" in out
    assert 'Summary: expected {"big": 7}, actual {"big": 1, "doubled": [1000]' in out
    assert "FAIL bkm-case" in out
    assert "not run: test cases of type 'bkm' are not run" in out
    assert out.strip().endswith("2 passed, 2 failed")


def test_a_case_failing_on_a_diagnostic_shows_it(tmp_path: Path) -> None:
    tests = (MODELS / "risk_rating_tests.xml").read_text(encoding="utf-8")
    tests = tests.replace(
        '<value xsi:type="xsd:string">medium</value>', '<value xsi:type="xsd:string">low</value>'
    )
    path = tmp_path / "tests.xml"
    path.write_text(tests, encoding="utf-8")
    code, out, _ = _check(MODELS / "risk_rating_dmn13.dmn", path)
    assert code == 1
    assert 'Risk level: expected "low", actual "medium"' in out
    assert "E_DMN_TYPE_MISMATCH" in out


def test_unreadable_model_exits_2_with_the_reason(tmp_path: Path) -> None:
    tests = MODELS / "risk_rating_tests.xml"
    code, _, err = _check(tmp_path / "missing.dmn", tests)
    assert code == 2
    assert "[dmn_model_unreadable]" in err
    bad = tmp_path / "bad.dmn"
    bad.write_text(
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" namespace="u">'
        '<decisionService id="DecisionService_1" name="S" /></definitions>',
        encoding="utf-8",
    )
    code, _, err = _check(bad, tests)
    assert code == 2
    assert "E_XML_UNSUPPORTED at element DecisionService_1 (line 1)" in err
    wrong = tmp_path / "wrong.dmn"
    wrong.write_text(
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" namespace="u">'
        '<decision id="d" name="D"><literalExpression><text>1 +</text></literalExpression>'
        "</decision></definitions>",
        encoding="utf-8",
    )
    code, _, err = _check(wrong, tests)
    assert code == 2
    assert "E_DMN_EXPRESSION" in err


def test_unreadable_tests_exit_2_with_the_reason(tmp_path: Path) -> None:
    model = MODELS / "risk_rating_dmn13.dmn"
    code, _, err = _check(model, tmp_path / "missing.xml")
    assert code == 2
    assert "[dmn_tests_unreadable]" in err
    other = tmp_path / "other.xml"
    other.write_text("<testCases><testCase /></testCases>", encoding="utf-8")
    code, _, err = _check(model, other)
    assert code == 2
    assert "not testCases of namespace" in err
