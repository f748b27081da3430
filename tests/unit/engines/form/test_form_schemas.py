"""A form compiled to a JSON Schema (2020-12) for the API documentation."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.schemas import DIALECT, always_required, form_schema

FORM = FormDefinition.model_validate(
    {
        "fields": [
            {"id": "a", "key": "name", "type": "text", "label": "Name", "required": True},
            {
                "id": "b",
                "key": "id_number",
                "type": "resident_id",
                "label": "ID",
                "required": True,
                "visible_when": "kind = 'person'",
            },
            {"id": "c", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
            {
                "id": "d",
                "key": "no",
                "type": "serial_number",
                "label": "No",
                "required": True,
                "pattern": "K-{seq:4}",
            },
            {
                "id": "e",
                "key": "rows",
                "type": "subtable",
                "label": "Rows",
                "fields": [{"id": "f", "key": "x", "type": "integer", "label": "X"}],
            },
        ]
    }
)


def test_schema_shape() -> None:
    schema = form_schema(FORM, title="Customer")
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["title"] == "Customer"
    assert list(schema["properties"]) == ["name", "id_number", "amount", "no", "rows"]
    assert schema["required"] == ["name"]
    assert schema["additionalProperties"] is False


def test_schema_accepts_good_and_refuses_bad_records() -> None:
    validator = Draft202012Validator(form_schema(FORM))
    good = {"name": "Zhang", "amount": "12.30", "rows": [{"x": 1}, {"x": None}]}
    assert validator.is_valid(good)
    assert not validator.is_valid({"amount": "1"})
    assert not validator.is_valid({**good, "unknown": 1})
    assert not validator.is_valid({**good, "rows": [{"y": 1}]})


def test_conditional_and_generated_fields_are_not_always_required() -> None:
    assert [always_required(field) for field in FORM.fields] == [True, False, False, False, False]
