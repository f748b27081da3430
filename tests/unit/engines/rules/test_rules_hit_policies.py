"""Decision tables: every hit policy of DMN 1.5 (§8.2.11, §8.3.4), no match, defaults,
multiple outputs, violated U and A, input and output value lists."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rules_support import codes, one_table, table

OVERLAP = [
    (["< 10"], ['"low"']),
    (["< 20"], ['"high"']),
    (["< 30"], ['"medium"']),
]


def evaluate(logic: dict, x: object) -> tuple[object, list[str]]:
    result = one_table(logic).evaluate("d", {"x": x})
    return result.value, codes(result)


def test_unique_gives_the_one_matching_rule() -> None:
    logic = table("U", [(["[0..10)"], ['"a"']), (["[10..20]"], ['"b"'])])
    assert evaluate(logic, 5) == ("a", [])
    assert evaluate(logic, 10) == ("b", [])


def test_no_rule_matched_is_null_without_a_diagnostic() -> None:
    for policy in ("U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#"):
        logic = table(policy, [(["< 0"], ["1"])], outputs=("o",))
        logic["outputs"][0]["output_values"] = "1, 2"
        assert evaluate(logic, 5) == (None, []), policy


def test_violated_unique_is_null_with_a_diagnostic_naming_the_rules() -> None:
    logic = table("U", OVERLAP)
    result = one_table(logic).evaluate("d", {"x": 5})
    assert result.value is None
    assert codes(result) == ["E_DMN_UNIQUE_VIOLATED"]
    assert "r0, r1, r2" in result.diagnostics[0].message
    assert result.diagnostics[0].pointer == "/decisions/0/logic/rules/0"


def test_any_with_equal_outputs_gives_the_output() -> None:
    logic = table("A", [(["< 10"], ['"ok"']), (["< 20"], ['"ok"'])])
    assert evaluate(logic, 5) == ("ok", [])


def test_any_with_different_outputs_is_null_with_a_diagnostic() -> None:
    logic = table("A", [(["< 10"], ['"ok"']), (["< 20"], ['"no"'])])
    assert evaluate(logic, 5) == (None, ["E_DMN_ANY_VIOLATED"])
    assert evaluate(logic, 15) == ("no", [])


def test_priority_picks_the_output_listed_first_in_output_values() -> None:
    logic = table("P", OVERLAP)
    logic["outputs"][0]["output_values"] = '"high", "medium", "low"'
    assert evaluate(logic, 5) == ("high", [])
    assert evaluate(logic, 25) == ("medium", [])


def test_first_gives_the_first_matching_rule_in_rule_order() -> None:
    assert evaluate(table("F", OVERLAP), 5) == ("low", [])
    assert evaluate(table("F", OVERLAP), 15) == ("high", [])


def test_rule_order_lists_every_match_in_rule_order() -> None:
    assert evaluate(table("R", OVERLAP), 5) == (["low", "high", "medium"], [])


def test_output_order_lists_every_match_by_output_priority() -> None:
    logic = table("O", OVERLAP)
    logic["outputs"][0]["output_values"] = '"high", "medium", "low"'
    assert evaluate(logic, 5) == (["high", "medium", "low"], [])


def test_collect_lists_every_match() -> None:
    assert evaluate(table("C", OVERLAP), 15) == (["high", "medium"], [])


NUMBERS = [(["< 10"], ["5"]), (["< 20"], ["2"]), (["< 30"], ["5"]), (["< 40"], ["7"])]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("C+", Decimal(19)), ("C<", Decimal(2)), ("C>", Decimal(7)), ("C#", Decimal(4))],
)
def test_collect_aggregations(policy: str, expected: Decimal) -> None:
    # C# counts the outputs (DMN 1.5 §8.2.11: "the count of the outputs"): 5, 2, 5, 7 are four.
    assert evaluate(table(policy, NUMBERS), 5) == (expected, [])


def test_aggregations_of_several_outputs_aggregate_each_output() -> None:
    # DMN TCK 0118-multi-sum-collect-hitpolicy: a context of the per-output sums.
    rules = [
        (["> 1"], ["98.83", "200"]),
        (["> 2"], ["150.21", "300"]),
        (["> 3"], ["205.43", "400"]),
    ]
    logic = table("C+", rules, outputs=("amount", "fees"))
    assert evaluate(logic, 4) == ({"amount": Decimal("454.47"), "fees": Decimal(900)}, [])
    logic = table("C>", rules, outputs=("amount", "fees"))
    assert evaluate(logic, 3) == ({"amount": Decimal("150.21"), "fees": Decimal(300)}, [])


def test_collect_sum_of_a_non_number_is_null_with_a_diagnostic() -> None:
    logic = table("C+", [(["< 10"], ["5"]), (["< 20"], ['"five"'])])
    assert evaluate(logic, 5) == (None, ["E_DMN_AGGREGATION"])


def test_collect_min_of_values_that_cannot_be_compared_is_null_with_a_diagnostic() -> None:
    logic = table("C<", [(["< 10"], ["5"]), (["< 20"], ['"five"'])])
    assert evaluate(logic, 5) == (None, ["E_DMN_AGGREGATION"])


def test_several_outputs_give_a_context_per_rule() -> None:
    rules = [(["< 10"], ['"low"', "0.1"]), (["< 20"], ['"high"', "0.5"])]
    single = table("U", [*rules[:1], (["[10..20)"], ['"high"', "0.5"])], outputs=("level", "rate"))
    assert evaluate(single, 15) == ({"level": "high", "rate": Decimal("0.5")}, [])
    collected = table("R", rules, outputs=("level", "rate"))
    assert evaluate(collected, 5)[0] == [
        {"level": "low", "rate": Decimal("0.1")},
        {"level": "high", "rate": Decimal("0.5")},
    ]


def test_default_output_values_apply_when_no_rule_matches() -> None:
    logic = table("U", [(["< 10"], ['"low"', "1"])], outputs=("level", "score"))
    logic["outputs"][0]["default"] = '"none"'
    assert evaluate(logic, 50) == ({"level": "none", "score": None}, [])
    assert evaluate(logic, 5) == ({"level": "low", "score": Decimal(1)}, [])
    single = table("F", [(["< 10"], ["1"])])
    single["outputs"][0]["default"] = "x * 2"
    assert evaluate(single, 50) == (Decimal(100), [])


def test_an_input_outside_its_input_values_makes_the_result_null() -> None:
    logic = table("U", [(["-"], ['"any"'])], inputs=("x",))
    logic["inputs"][0]["input_values"] = '"A", "B"'
    assert evaluate(logic, "A") == ("any", [])
    result = one_table(logic).evaluate("d", {"x": "Z"})
    assert (result.value, codes(result)) == (None, ["E_DMN_INPUT_NOT_ALLOWED"])
    assert result.diagnostics[0].pointer == "/decisions/0/logic/inputs/0/input_values"


def test_an_output_outside_its_output_values_makes_the_result_null() -> None:
    logic = table("U", [(["< 10"], ['"low"']), ([">= 10"], ['"huge"'])])
    logic["outputs"][0]["output_values"] = '"low", "high"'
    assert evaluate(logic, 5) == ("low", [])
    result = one_table(logic).evaluate("d", {"x": 50})
    assert (result.value, codes(result)) == (None, ["E_DMN_OUTPUT_NOT_ALLOWED"])
    assert result.diagnostics[0].pointer == "/decisions/0/logic/rules/1/then/0"


def test_computed_outputs_and_cells_use_the_inputs() -> None:
    logic = table(
        "F",
        [(["> limit", '"A"'], ["x - limit"]), (["-", "-"], ["0"])],
        inputs=("x", "grade"),
    )
    model = one_table(logic, names=("x", "grade", "limit"))
    assert model.evaluate("d", {"x": 120, "grade": "A", "limit": 100}).value == Decimal(20)
    assert model.evaluate("d", {"x": 80, "grade": "A", "limit": 100}).value == Decimal(0)


def test_inputs_arrive_json_decoded() -> None:
    logic = table(
        "U", [(["[1.5..2.5]", "true"], ['"in"']), (["-", "false"], ['"off"'])], inputs=("x", "flag")
    )
    model = one_table(logic, names=("x", "flag"))
    assert model.evaluate("d", {"x": 2.5, "flag": True}).value == "in"
    assert model.evaluate("d", {"x": 2, "flag": True}).value == "in"
    assert model.evaluate("d", {"x": 3, "flag": False}).value == "off"
