"""DMN TCK test-case files: typed values, lists, components, nulls, refusals, and comparison."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from brickwork.engines.expr.values import YearsMonths
from brickwork.engines.rules import compile_model
from brickwork.engines.rules.dmn_xml import import_dmn
from brickwork.engines.rules.tck import (
    TckFileError,
    read_test_cases,
    run_suite,
    same_value,
    show_value,
)

MODELS = Path(__file__).parent / "models"
HEAD = (
    '<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
)


def _suite(body: str) -> str:
    return f"{HEAD}<modelName>m.dmn</modelName>{body}</testCases>"


def _input(value_xml: str) -> Any:
    suite = read_test_cases(
        _suite(f'<testCase id="1"><inputNode name="x">{value_xml}</inputNode></testCase>')
    )
    return suite.cases[0].inputs["x"]


@pytest.mark.parametrize(
    ("xml", "value"),
    [
        ('<value xsi:type="xsd:string">a b</value>', "a b"),
        ("<value>untyped</value>", "untyped"),
        ('<value xsi:type="xsd:decimal">10.50</value>', Decimal("10.50")),
        ('<value xsi:type="xsd:double">1e3</value>', Decimal(1000)),
        ('<value xsi:type="xsd:integer">-4</value>', Decimal(-4)),
        ('<value xsi:type="xsd:boolean">true</value>', True),
        ('<value xsi:type="xsd:boolean">false</value>', False),
        ('<value xsi:type="xsd:date">2025-03-01</value>', date(2025, 3, 1)),
        (
            '<value xsi:type="xsd:dateTime">2025-03-01T10:00:00Z</value>',
            datetime(2025, 3, 1, 10, tzinfo=UTC),
        ),
        ('<value xsi:type="xsd:time">10:30:00</value>', time(10, 30)),
        ('<value xsi:type="xsd:duration">P1DT2H</value>', timedelta(days=1, hours=2)),
        ('<value xsi:type="xsd:duration">P1Y2M</value>', YearsMonths(14)),
        ('<value xsi:nil="true" />', None),
        ("", None),
        (
            '<list><item><value xsi:type="xsd:decimal">1</value></item>'
            '<item><value xsi:nil="true"/></item></list>',
            [Decimal(1), None],
        ),
        (
            '<component name="a"><value xsi:type="xsd:string">x</value></component>'
            '<component name="b"><list><item><value xsi:type="xsd:boolean">true</value>'
            "</item></list></component>",
            {"a": "x", "b": [True]},
        ),
    ],
)
def test_values_are_read_by_their_xsi_type(xml: str, value: Any) -> None:
    assert _input(xml) == value


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        ('<value xsi:type="xsd:decimal">ten</value>', "cannot be read"),
        ('<value xsi:type="xsd:boolean">yes</value>', "cannot be read"),
        ('<value xsi:type="xsd:date">2025-13-01</value>', "cannot be read"),
        ('<value xsi:type="xsd:base64Binary">AA==</value>', "not supported"),
    ],
)
def test_unreadable_values_name_the_case_and_node(xml: str, reason: str) -> None:
    with pytest.raises(TckFileError, match=reason) as caught:
        _input(xml)
    assert "testCase 1/inputNode x" in str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        "<testCases><testCase/></testCases>",
        "<not xml",
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "x">]>' + _suite(""),
    ],
)
def test_unreadable_files_are_refused(source: str) -> None:
    with pytest.raises(TckFileError):
        read_test_cases(source)


def test_result_nodes_and_error_results() -> None:
    suite = read_test_cases(
        _suite(
            '<testCase id="a" name="A"><description> d </description>'
            '<resultNode name="D" errorResult="true"><expected>'
            '<value xsi:type="xsd:decimal">1</value></expected></resultNode></testCase>'
        )
    )
    assert suite.model_name == "m.dmn"
    (case,) = suite.cases
    assert (case.id, case.name, case.kind, case.description) == ("a", "A", "decision", "d")
    assert case.results[0].error_result is True
    model = compile_model(
        {"decisions": [{"id": "d", "name": "D", "logic": {"type": "literal", "text": "1/0"}}]}
    )
    (outcome,) = run_suite(model, suite)
    assert outcome.passed  # an error result expects null, whatever `expected` says


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        (Decimal("1.0"), Decimal(1), True),
        (Decimal(1), Decimal("1.01"), False),
        (None, None, True),
        (None, Decimal(0), False),
        ("", None, False),
        ([Decimal(1), "a"], [Decimal("1.00"), "a"], True),
        ([Decimal(1)], [Decimal(1), Decimal(2)], False),
        ({"a": Decimal(1)}, {"a": Decimal(1), "b": None}, False),
        ({"a": [True]}, {"a": [True]}, True),
        ("1", Decimal(1), False),
    ],
)
def test_values_compare_by_feel_equality(expected: Any, actual: Any, same: bool) -> None:
    assert same_value(expected, actual) is same


def test_values_are_shown_as_feel_literals() -> None:
    assert show_value({"a": [Decimal("1.5"), "x", None, True]}) == '{"a": [1.5, "x", null, true]}'


def test_model_files_pass_their_test_cases() -> None:
    model = compile_model(import_dmn((MODELS / "risk_rating_dmn13.dmn").read_bytes()))
    outcomes = run_suite(model, read_test_cases((MODELS / "risk_rating_tests.xml").read_bytes()))
    assert [(o.case.id, o.passed) for o in outcomes] == [
        ("001", True),
        ("002", True),
        ("003", True),
    ]
    boxed = compile_model(import_dmn((MODELS / "boxed_dmn14.dmn").read_bytes()))
    outcomes = run_suite(boxed, read_test_cases((MODELS / "boxed_tests.xml").read_bytes()))
    by_id = {o.case.id: o for o in outcomes}
    assert by_id["lists-and-contexts"].passed
    assert by_id["no-big-amounts"].passed
    wrong = by_id["wrong-on-purpose"]
    assert not wrong.passed
    assert wrong.results[0].expected == {"big": Decimal(7)}
    assert wrong.results[0].actual["big"] == Decimal(1)
    assert not by_id["bkm-case"].passed
    assert by_id["bkm-case"].skipped == "test cases of type 'bkm' are not run"
