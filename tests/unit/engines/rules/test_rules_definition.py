"""The JSON form of a decision model: frozen pydantic models that round-trip through JSON,
`compile_table` for a table on its own, and inputs no expression value can hold."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import ValidationError
from rules_support import codes, one_table, table

from brickwork.engines.rules import DecisionModel, DecisionTable, compile_model, compile_table

MODEL = {
    "name": {"zh-CN": "风险评级", "en": "Risk rating"},
    "namespace": "https://bank.example/dmn/risk",
    "item_definitions": [{"id": "t", "name": "tLevel", "type_ref": "string"}],
    "inputs": [{"id": "age", "name": "Age", "type_ref": "number"}],
    "decisions": [
        {
            "id": "level",
            "name": "Level",
            "type_ref": "tLevel",
            "requires": {"inputs": ["Age"]},
            "logic": {
                "type": "conditional",
                "if": {"type": "literal", "text": "Age >= 18"},
                "then": {"type": "literal", "text": '"adult"'},
                "else": {"type": "literal", "text": '"minor"'},
            },
            "description": "Age band",
        }
    ],
}


def test_models_round_trip_through_json_with_aliases() -> None:
    model = DecisionModel.model_validate(MODEL)
    again = DecisionModel.model_validate(json.loads(model.model_dump_json(by_alias=True)))
    assert again == model
    assert compile_model(again).evaluate(None, {"Age": 20}).value == "adult"


def test_models_are_frozen_and_refuse_unknown_keys() -> None:
    model = DecisionModel.model_validate(MODEL)
    with pytest.raises(ValidationError):
        model.entry = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        DecisionModel.model_validate({**MODEL, "extra": 1})


def test_compile_table_reads_inputs_named_by_the_input_expressions() -> None:
    spec = table("U", [(["< 18"], ['"minor"']), ([">= 18"], ['"adult"'])], inputs=("Age",))
    model = compile_table(spec)
    assert model.evaluate(None, {"Age": 30}).value == "adult"
    typed = compile_table(DecisionTable.model_validate(spec), {"Age": "number"})
    result = typed.evaluate(None, {"Age": "thirty"})
    assert (result.value, codes(result)) == (None, ["E_DMN_TYPE_MISMATCH"])


def test_inputs_that_are_not_values_are_null_with_a_diagnostic() -> None:
    model = one_table(table("U", [(["-"], ["1"])]))
    result = model.evaluate("d", {"x": float("nan")})
    assert (result.value, codes(result)) == (Decimal(1), ["E_UNSUPPORTED_VALUE"])
