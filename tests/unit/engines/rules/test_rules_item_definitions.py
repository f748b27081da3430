"""Item definitions: structured and collection types, allowed values, JSON input reading and
the conversions of DMN 1.5 §10.3.2.9.4 (a non-conforming value becomes null with a diagnostic;
singleton lists are unwrapped for a non-list type and values wrapped for a list type)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from rules_support import codes

from brickwork.engines.rules import compile_model

ITEMS = [
    {
        "id": "t_customer",
        "name": "tCustomer",
        "components": [
            {"id": "t_customer_name", "name": "name", "type_ref": "string"},
            {"id": "t_customer_age", "name": "age", "type_ref": "number"},
            {"id": "t_customer_born", "name": "born", "type_ref": "date"},
        ],
    },
    {"id": "t_amounts", "name": "tAmounts", "type_ref": "number", "is_collection": True},
    {"id": "t_rating", "name": "tRating", "type_ref": "string", "allowed_values": '"A", "B"'},
    {"id": "t_ratings", "name": "tRatings", "type_ref": "tRating", "is_collection": True},
]


def model(logic_text: str, type_ref: str | None, inputs: list[dict[str, Any]]) -> Any:
    spec = {
        "item_definitions": ITEMS,
        "inputs": inputs,
        "decisions": [
            {
                "id": "d",
                "name": "d",
                "requires": {"inputs": [i["name"] for i in inputs]},
                "logic": {"type": "literal", "text": logic_text},
                **({"type_ref": type_ref} if type_ref else {}),
            }
        ],
    }
    return compile_model(spec)


CUSTOMER = [{"id": "customer", "name": "Customer", "type_ref": "tCustomer"}]


def test_structured_input_is_read_from_json_with_its_component_types() -> None:
    m = model("Customer.born", "date", CUSTOMER)
    given = {"Customer": {"name": "Li", "age": 41, "born": "1984-02-29"}}
    assert m.evaluate("d", given).value == date(1984, 2, 29)
    assert model("Customer.age + 1", "number", CUSTOMER).evaluate("d", given).value == 42


def test_a_number_sent_as_a_string_of_digits_is_read_as_that_decimal() -> None:
    m = model("Customer.age + 1", "number", CUSTOMER)

    def customer(age: str) -> dict[str, Any]:
        return {"Customer": {"name": "Li", "age": age, "born": "1984-02-29"}}

    assert m.evaluate("d", customer("41.50")).value == Decimal("42.50")
    assert m.evaluate("d", customer("-4.1e1")).value == Decimal("-40")
    for text in ("forty", "1,000", "0x10", "NaN", " 41"):
        result = m.evaluate("d", customer(text))
        assert result.value is None, text
        assert codes(result) == ["E_DMN_TYPE_MISMATCH"], text


def test_a_structured_input_that_does_not_conform_is_null_with_a_diagnostic() -> None:
    m = model("Customer", None, CUSTOMER)
    result = m.evaluate("d", {"Customer": {"name": "Li", "age": "forty"}})
    assert result.value is None
    assert codes(result) == ["E_DMN_TYPE_MISMATCH"]
    assert result.diagnostics[0].pointer == "/inputs/0"


def test_collection_type() -> None:
    amounts = [{"id": "amounts", "name": "Amounts", "type_ref": "tAmounts"}]
    m = model("sum(Amounts)", "number", amounts)
    assert m.evaluate("d", {"Amounts": [1, 2.5, 3]}).value == Decimal("6.5")
    wrong = m.evaluate("d", {"Amounts": [1, "x"]})
    assert wrong.value is None
    assert "E_DMN_TYPE_MISMATCH" in codes(wrong)


def test_a_result_that_does_not_conform_to_the_decision_type_is_null() -> None:
    result = model('"text"', "number", []).evaluate("d", {})
    assert result.value is None
    assert codes(result) == ["E_DMN_TYPE_MISMATCH"]
    assert result.diagnostics[0].pointer == "/decisions/0"
    assert result.decisions == {"d": None}


def test_singleton_list_conversions() -> None:
    assert model("[5]", "number", []).evaluate("d", {}).value == Decimal(5)
    assert model("5", "tAmounts", []).evaluate("d", {}).value == [Decimal(5)]
    assert model("5", "list<number>", []).evaluate("d", {}).value == [Decimal(5)]
    two = model("[5, 6]", "number", []).evaluate("d", {})
    assert (two.value, codes(two)) == (None, ["E_DMN_TYPE_MISMATCH"])


def test_a_date_becomes_a_date_and_time_at_utc_midnight() -> None:
    result = model('date("2024-03-01")', "date and time", []).evaluate("d", {})
    assert result.value == datetime(2024, 3, 1, tzinfo=UTC)


def test_allowed_values() -> None:
    assert model('"A"', "tRating", []).evaluate("d", {}).value == "A"
    result = model('"C"', "tRating", []).evaluate("d", {})
    assert (result.value, codes(result)) == (None, ["E_DMN_TYPE_MISMATCH"])
    listed = model('["A", "B"]', "tRatings", []).evaluate("d", {})
    assert listed.value == ["A", "B"]
    refused = model('["A", "Z"]', "tRatings", []).evaluate("d", {})
    assert refused.value is None


def test_null_conforms_to_every_type() -> None:
    result = model("null", "tCustomer", []).evaluate("d", {})
    assert (result.value, result.ok) == (None, True)


def test_typed_table_outputs_and_inputs() -> None:
    spec = {
        "inputs": [{"id": "when", "name": "When", "type_ref": "date"}],
        "decisions": [
            {
                "id": "d",
                "name": "d",
                "requires": {"inputs": ["When"]},
                "logic": {
                    "type": "decision_table",
                    "inputs": [{"id": "c", "expression": "When"}],
                    "outputs": [{"id": "o", "name": "o", "type_ref": "number"}],
                    "rules": [
                        {"id": "r1", "when": ['< date("2024-01-01")'], "then": ["1"]},
                        {"id": "r2", "when": ['>= @"2024-01-01"'], "then": ['"two"']},
                    ],
                },
            }
        ],
    }
    m = compile_model(spec)
    assert m.evaluate("d", {"When": "2023-06-30"}).value == Decimal(1)
    result = m.evaluate("d", {"When": "2024-06-30"})
    assert (result.value, codes(result)) == (None, ["E_DMN_TYPE_MISMATCH"])


def test_a_context_missing_a_component_does_not_conform() -> None:
    # DMN TCK 0082-feel-coercion decision_004 / decision_005: extra entries are kept, a
    # missing component makes the value null.
    m = model('{name: "Li", surname: "Wang", age: 40, born: @"1985-01-01"}', "tCustomer", [])
    assert m.evaluate("d", {}).value == {
        "name": "Li",
        "surname": "Wang",
        "age": Decimal(40),
        "born": date(1985, 1, 1),
    }
    result = model('{name: "Li"}', "tCustomer", []).evaluate("d", {})
    assert (result.value, codes(result)) == (None, ["E_DMN_TYPE_MISMATCH"])


def test_a_non_conforming_argument_is_null_inside_the_knowledge_model() -> None:
    # DMN TCK 0082-feel-coercion decision_bkm_002: the parameter is null-coerced.
    spec = {
        "item_definitions": ITEMS,
        "knowledge": [
            {
                "id": "k",
                "name": "known",
                "parameters": [{"name": "c", "type_ref": "tCustomer"}],
                "logic": {"type": "literal", "text": "c != null"},
            }
        ],
        "decisions": [
            {
                "id": "d",
                "name": "d",
                "requires": {"knowledge": ["known"]},
                "logic": {"type": "literal", "text": 'known({name: "Li"})'},
            }
        ],
    }
    result = compile_model(spec).evaluate("d", {})
    assert (result.value, codes(result)) == (False, ["E_DMN_TYPE_MISMATCH"])
