"""Embedded tests of decision models: each run with its inputs, its value compared as JSON
reads it; a failing one blocks publishing with its pointer; the DMN exporter leaves them out."""

from __future__ import annotations

from typing import Any

import pytest

from brickwork.engines.rules import compile_model
from brickwork.engines.rules.dmn_xml import export_dmn, import_dmn
from brickwork.engines.rules.examples import plain, run_examples
from brickwork.platform.rules.definitions import validate_decision_spec


def model(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "inputs": [{"id": "i_amount", "name": "Amount", "type_ref": "number"}],
        "decisions": [
            {
                "id": "d_fee",
                "name": "Fee",
                "requires": {"inputs": ["Amount"]},
                "logic": {
                    "type": "decision_table",
                    "hit_policy": "F",
                    "inputs": [{"id": "c_amount", "expression": "Amount"}],
                    "outputs": [{"id": "o_fee", "name": "fee"}],
                    "rules": [
                        {"id": "r_small", "when": ["< 1000"], "then": ["10.50"]},
                        {"id": "r_big", "when": [">= 1000"], "then": ["Amount * 0.01"]},
                    ],
                },
            }
        ],
        "tests": tests,
    }


@pytest.mark.parametrize(
    ("inputs", "expected", "passed"),
    [
        ({"Amount": 10}, "10.5", True),
        ({"Amount": "10"}, 10.50, True),
        ({"Amount": 5000}, 50, True),
        ({"Amount": 5000}, "50.00", True),
        ({"Amount": 5000}, 51, False),
        ({"Amount": None}, None, True),
        ({}, "x", False),
    ],
)
def test_an_example_passes_when_the_value_reads_alike(
    inputs: dict[str, Any], expected: Any, passed: bool
) -> None:
    compiled = compile_model(model([{"id": "t_1", "inputs": inputs, "expected": expected}]))
    (outcome,) = run_examples(compiled)
    assert outcome.passed is passed
    assert outcome.test_id == "t_1"


def test_a_failing_example_blocks_publishing_with_its_pointer() -> None:
    spec = model(
        [
            {"id": "t_ok", "inputs": {"Amount": 1}, "expected": "10.50"},
            {"id": "t_bad", "inputs": {"Amount": 2000}, "expected": "25"},
        ]
    )
    (problem,) = list(validate_decision_spec(spec))
    assert problem.pointer == "/tests/1/expected"
    assert problem.code == "E_DMN_TEST_FAILED"
    assert '"25"' in problem.message
    assert '"20"' in problem.message  # the value found, as JSON reads it


def test_values_compare_as_json_reads_them() -> None:
    assert plain([1, {"a": 2.50}]) == ["1", {"a": "2.5"}]
    assert plain(True) is True
    assert plain("x") == "x"


def test_the_dmn_exporter_leaves_the_examples_out() -> None:
    spec = model([{"id": "t_1", "inputs": {"Amount": 1}, "expected": "10.5"}])
    assert "tests" not in import_dmn(export_dmn(spec).encode())
