"""Field and form definition models: parsing, discriminated union, strictness, labels."""

from __future__ import annotations

from typing import Any

import pytest
from form_support import make_field
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from brickwork.engines.form.definition import (
    FormDefinition,
    MoneyField,
    SingleSelectField,
    SubtableField,
    TextField,
)
from brickwork.engines.form.elements import I18nText, Sensitivity, label_text

TWO_SOURCES = {"options": ["a"], "options_from": {"form": "f", "value_field": "v"}}
NESTED = {"fields": [{"id": "s", "key": "s", "type": "subtable", "label": "S", "fields": []}]}

# The shape the platform's demo pack already stores (src/brickwork/platform/packs/demo.py).
DEMO_CUSTOMER_FORM: dict[str, Any] = {
    "fields": [
        {
            "id": "f_name",
            "key": "name",
            "type": "text",
            "label": {"zh-CN": "客户名称", "en": "Customer name"},
            "required": True,
        },
        {
            "id": "f_type",
            "key": "customer_type",
            "type": "single_select",
            "label": {"zh-CN": "客户类型", "en": "Customer type"},
            "options": ["individual", "corporate"],
        },
        {
            "id": "f_aum",
            "key": "aum",
            "type": "money",
            "currency": "CNY",
            "label": {"zh-CN": "资产规模", "en": "Assets under management"},
        },
    ]
}


def test_the_demo_form_parses() -> None:
    form = FormDefinition.model_validate(DEMO_CUSTOMER_FORM)
    name, kind, aum = form.fields
    assert isinstance(name, TextField)
    assert name.required
    assert isinstance(kind, SingleSelectField)
    assert kind.option_values() == ("individual", "corporate")
    assert isinstance(aum, MoneyField)
    assert aum.currency == "CNY"
    assert aum.rounding == "refuse"


def test_a_full_form_with_every_common_option() -> None:
    form = FormDefinition.model_validate(
        {
            "fields": [
                {
                    "id": "f_id",
                    "key": "id_number",
                    "type": "resident_id",
                    "label": "ID",
                    "help_text": {"en": "As printed on the card"},
                    "required_when": "customer_type = 'individual'",
                    "visible_when": "customer_type = 'individual'",
                    "readonly_when": "status = 'approved'",
                    "unique": True,
                    "sensitivity": "C2",
                    "encrypted": True,
                    "mask": "resident_id",
                },
                {
                    "id": "f_rows",
                    "key": "guarantors",
                    "type": "subtable",
                    "label": "Guarantors",
                    "min_rows": 1,
                    "max_rows": 5,
                    "fields": [
                        {"id": "g_name", "key": "name", "type": "text", "label": "Name"},
                        {"id": "g_amt", "key": "amount", "type": "money", "label": "Amount"},
                    ],
                },
            ],
            "validations": [
                {
                    "id": "v1",
                    "expression": "sum(guarantors.amount) <= 1000000",
                    "message": {"zh-CN": "担保金额过高", "en": "Guaranteed amount too high"},
                    "fields": ["guarantors"],
                }
            ],
        }
    )
    first, rows = form.fields
    assert first.sensitivity is Sensitivity.C2
    assert first.required_when == "customer_type = 'individual'"
    assert isinstance(rows, SubtableField)
    assert [c.key for c in rows.fields] == ["name", "amount"]
    assert form.validations[0].fields == ("guarantors",)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param({"type": "nope"}, "union_tag_invalid", id="unknown-type"),
        pytest.param({"type": "text", "colour": "red"}, "extra_forbidden", id="extra-key"),
        pytest.param({"type": "text", "key": "9lives"}, "string_pattern_mismatch", id="bad-key"),
        pytest.param({"type": "text", "key": "Name"}, "string_pattern_mismatch", id="upper-key"),
        pytest.param({"type": "text", "key": "a" * 64}, "string_pattern_mismatch", id="long-key"),
        pytest.param({"type": "text", "id": "1abc"}, "string_pattern_mismatch", id="bad-id"),
        pytest.param({"type": "text", "label": {}}, "value_error", id="empty-label"),
        pytest.param({"type": "text", "label": {"fr": "x"}}, "extra_forbidden", id="french"),
        pytest.param({"type": "text", "sensitivity": "C4"}, "enum", id="sensitivity"),
        pytest.param({"type": "text", "visible_when": ""}, "string_too_short", id="empty-expr"),
        pytest.param({"type": "money", "currency": "cny"}, "string_pattern_mismatch", id="cur"),
        pytest.param({"type": "money", "rounding": "down"}, "literal_error", id="rounding"),
        pytest.param({"type": "single_select"}, "value_error", id="no-options"),
        pytest.param(
            {"type": "single_select", **TWO_SOURCES},
            "value_error",
            id="two-option-sources",
        ),
        pytest.param({"type": "lookup"}, "missing", id="lookup-without-target"),
        pytest.param({"type": "computed", "expression": "1"}, "missing", id="no-result-type"),
        pytest.param({"type": "subtable", "fields": []}, "too_short", id="empty-subtable"),
        pytest.param(
            {"type": "subtable", **NESTED},
            "union_tag_invalid",
            id="nested-subtable",
        ),
        pytest.param({"type": "decimal", "scale": 19}, "less_than_equal", id="scale"),
        pytest.param({"type": "text", "pattern": "x" * 201}, "string_too_long", id="pattern-size"),
    ],
)
def test_malformed_fields_are_refused(data: dict[str, Any], fragment: str) -> None:
    field = {"id": "f1", "key": "f", "label": "F", **data}
    with pytest.raises(ValidationError) as caught:
        FormDefinition.model_validate({"fields": [field]})
    assert fragment in {error["type"] for error in caught.value.errors()}


def test_models_are_frozen() -> None:
    field = make_field("text")
    with pytest.raises(ValidationError):
        field.key = "other"  # type: ignore[misc]


def test_a_form_needs_a_field() -> None:
    with pytest.raises(ValidationError):
        FormDefinition.model_validate({"fields": []})


@pytest.mark.parametrize(
    ("label", "locale", "text"),
    [
        ("plain", "zh-CN", "plain"),
        ({"zh-CN": "名称", "en": "Name"}, "zh-CN", "名称"),
        ({"zh-CN": "名称", "en": "Name"}, "en", "Name"),
        ({"zh-CN": "名称"}, "en", "名称"),
        ({"en": "Name"}, "zh-CN", "Name"),
    ],
)
def test_label_text_falls_back_to_the_other_language(
    label: str | dict[str, str], locale: Any, text: str
) -> None:
    parsed = label if isinstance(label, str) else I18nText.model_validate(label)
    assert label_text(parsed, locale) == text


def test_definition_json_schema_is_valid_2020_12() -> None:
    schema = FormDefinition.model_json_schema()
    Draft202012Validator.check_schema(schema)
    assert Draft202012Validator(schema).is_valid(DEMO_CUSTOMER_FORM)
    assert not Draft202012Validator(schema).is_valid({"fields": [{"type": "text"}]})


def test_descriptions_flow_into_the_schema() -> None:
    schema = TextField.model_json_schema()
    assert "description" in schema["properties"]["visible_when"]
    assert "description" in schema["properties"]["key"]
