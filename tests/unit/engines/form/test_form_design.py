"""Design-time checks of field definitions: codes and pointers into the definition."""

from __future__ import annotations

from typing import Any

import pytest
from form_support import TODAY

from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.design import RESERVED_KEYS, check_definition, check_pattern
from brickwork.engines.identifiers import resident_id_check_char


def form(
    *fields: dict[str, Any], validations: list[dict[str, Any]] | None = None
) -> FormDefinition:
    numbered = [
        {"id": f"f{index}", "key": f"k{index}", "label": "L", **field}
        for index, field in enumerate(fields)
    ]
    return FormDefinition.model_validate({"fields": numbered, "validations": validations or []})


def found(definition: FormDefinition) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in check_definition(definition, today=TODAY)]


def test_a_clean_definition_has_no_problems() -> None:
    definition = form(
        {"type": "text", "pattern": "[A-Z]{2}[0-9]{4}", "default": "AB1234"},
        {"type": "money", "currency": "CNY", "minimum": "0", "maximum": "100"},
        {"type": "single_select", "options": ["a", {"value": "b"}], "default": "a"},
        {"type": "serial_number", "pattern": "KYC-{YYYY}{MM}-{seq:5}"},
        {"type": "computed", "expression": "1", "result_type": "money", "currency": "USD"},
        {"type": "resident_id", "sensitivity": "C3", "encrypted": True, "mask": "full"},
        validations=[{"id": "v1", "expression": "k1 > 0", "message": "M", "fields": ["k1"]}],
    )
    assert found(definition) == []


@pytest.mark.parametrize(
    ("field", "pointer", "code"),
    [
        ({"type": "text", "pattern": "(a+)+"}, "/pattern", "pattern_unsafe"),
        ({"type": "text", "pattern": "[a-"}, "/pattern", "pattern_invalid"),
        ({"type": "text", "min_length": 5, "max_length": 2}, "/min_length", "range_inverted"),
        ({"type": "integer", "minimum": 5, "maximum": 2}, "/minimum", "range_inverted"),
        (
            {"type": "date", "minimum": "2024-02-01", "maximum": "2024-01-01"},
            "/minimum",
            "range_inverted",
        ),
        (
            {"type": "multi_select", "options": ["a"], "min_items": 3, "max_items": 2},
            "/min_items",
            "range_inverted",
        ),
        (
            {"type": "single_select", "options": ["a", {"value": "a"}]},
            "/options/1",
            "option_value_duplicate",
        ),
        ({"type": "money", "currency": "XYZ"}, "/currency", "currency_unknown"),
        ({"type": "money", "currencies": ["USD", "ABC"]}, "/currencies/1", "currency_unknown"),
        (
            {"type": "computed", "expression": "1", "result_type": "money"},
            "/currency",
            "money_currency_required",
        ),
        (
            {"type": "computed", "expression": "1", "result_type": "money", "currency": "QQQ"},
            "/currency",
            "currency_unknown",
        ),
        (
            {
                "type": "computed",
                "expression": "1",
                "result_type": "integer",
                "options": [{"value": "1", "label": "one"}],
            },
            "/options",
            "options_need_text_result",
        ),
        (
            {
                "type": "computed",
                "expression": '"a"',
                "result_type": "text",
                "options": [{"value": "a"}, {"value": "a", "label": "A"}],
            },
            "/options/1",
            "option_value_duplicate",
        ),
        ({"type": "serial_number", "pattern": "KYC-{YYYY}"}, "/pattern", "serial_pattern_invalid"),
        ({"type": "serial_number", "pattern": "{seq:3}{HH}"}, "/pattern", "serial_pattern_invalid"),
        ({"type": "text", "sensitivity": "C3"}, "/encrypted", "sensitivity_unencrypted"),
        ({"type": "text", "mask": "stars"}, "/mask", "mask_unknown"),
        (
            {"type": "text", "default": "a", "default_expression": "'b'"},
            "/default_expression",
            "default_conflict",
        ),
        ({"type": "integer", "default": "1.5"}, "/default", "default_invalid"),
        ({"type": "integer", "default": 50, "maximum": 10}, "/default", "default_invalid"),
        (
            {"type": "single_select", "options": ["a"], "default": "z"},
            "/default",
            "default_invalid",
        ),
        ({"type": "text", "key": "id"}, "/key", "field_key_reserved"),
        ({"type": "text", "key": "version"}, "/key", "field_key_reserved"),
    ],
)
def test_field_problems(field: dict[str, Any], pointer: str, code: str) -> None:
    assert ("/fields/0" + pointer, code) in found(form(field))


def test_duplicate_keys_and_ids() -> None:
    definition = FormDefinition.model_validate(
        {
            "fields": [
                {"id": "a", "key": "name", "type": "text", "label": "A"},
                {"id": "a", "key": "name", "type": "text", "label": "B"},
                {
                    "id": "rows",
                    "key": "rows",
                    "type": "subtable",
                    "label": "R",
                    "fields": [
                        {"id": "c", "key": "x", "type": "text", "label": "X"},
                        {"id": "a", "key": "x", "type": "text", "label": "Y"},
                    ],
                },
            ],
            "validations": [{"id": "c", "expression": "true", "message": "M"}],
        }
    )
    assert sorted(found(definition)) == [
        ("/fields/1/id", "element_id_duplicate"),
        ("/fields/1/key", "field_key_duplicate"),
        ("/fields/2/fields/1/id", "element_id_duplicate"),
        ("/fields/2/fields/1/key", "field_key_duplicate"),
        ("/validations/0/id", "element_id_duplicate"),
    ]


def test_subtable_columns_are_checked_with_their_pointer() -> None:
    definition = form(
        {
            "type": "subtable",
            "fields": [{"id": "c", "key": "c", "type": "text", "label": "C", "pattern": "(a*)*"}],
        }
    )
    assert found(definition) == [("/fields/0/fields/0/pattern", "pattern_unsafe")]


def test_validations_must_blame_existing_fields() -> None:
    definition = form(
        {"type": "text"},
        validations=[{"id": "v", "expression": "true", "message": "M", "fields": ["k0", "nope"]}],
    )
    assert found(definition) == [("/validations/0/fields/1", "validation_unknown_field")]


def test_sections_name_existing_fields_once_each() -> None:
    numbered = form({"type": "text"}, {"type": "text"}).model_dump(mode="json", by_alias=True)
    layout = [
        {"id": "s1", "label": "Applicant", "fields": ["k0", "ghost"]},
        {"id": "s2", "columns": 1, "fields": ["k0", "k1"]},
        {"id": "f0", "fields": ["k1"]},
    ]
    definition = FormDefinition.model_validate({**numbered, "layout": layout})
    assert sorted(found(definition)) == [
        ("/layout/0/fields/1", "layout_unknown_field"),
        ("/layout/1/fields/0", "layout_field_twice"),
        ("/layout/2/fields/0", "layout_field_twice"),
        ("/layout/2/id", "element_id_duplicate"),
    ]
    with pytest.raises(ValueError, match="columns"):
        FormDefinition.model_validate(
            {**numbered, "layout": [{"id": "s", "columns": 5, "fields": ["k0"]}]}
        )


def test_defaults_are_checked_against_the_injected_date() -> None:
    born_today = "11010520260115123" + resident_id_check_char("11010520260115123")
    born_tomorrow = "11010520260116123" + resident_id_check_char("11010520260116123")
    assert found(form({"type": "resident_id", "default": born_today})) == []
    assert found(form({"type": "resident_id", "default": born_tomorrow})) == [
        ("/fields/0/default", "default_invalid")
    ]


def test_reserved_keys_include_the_system_columns() -> None:
    assert {"id", "created_at", "updated_by", "owner", "version", "deleted_at"} <= RESERVED_KEYS


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("^[0-9]{6}$", None),
        ("[A-Z]{3}-[0-9]+", None),
        ("(\\d{3})+", None),
        ("(a|b)*", None),
        ("[(]+)*", "pattern_invalid"),
        ("[a-z](", "pattern_invalid"),
        ("(a+)+", "pattern_unsafe"),
        ("(a*)*", "pattern_unsafe"),
        ("(\\w+\\s?)*$", "pattern_unsafe"),
        ("(a{2,})*", "pattern_unsafe"),
        ("((ab)*)+", "pattern_unsafe"),
        ("(?:x+)+", "pattern_unsafe"),
        ("(a)\\1", "pattern_unsafe"),
        ("(?P<x>a)(?P=x)", "pattern_unsafe"),
        ("[+*]+", None),
        ("\\(a+\\)+", None),
        ("[)]+(a)+", None),
    ],
)
def test_pattern_screening(pattern: str, code: str | None) -> None:
    assert [p.code for p in check_pattern(pattern)] == ([] if code is None else [code])
