"""Every field type's coercion and constraints, driven by the tables in `form_cases`."""

from __future__ import annotations

from typing import Any

import pytest
from form_cases import INVALID, VALID
from form_support import CONTEXT, codes, make_field

from brickwork.engines.form.fieldtypes import FIELD_TYPES, check_value, coerce_value
from brickwork.engines.identifiers import iban_check_digits, resident_id_check_char


@pytest.mark.parametrize(("field_type", "options", "raw", "expected"), VALID)
def test_valid_input(
    field_type: str, options: dict[str, Any], raw: object, expected: object
) -> None:
    result = check_value(make_field(field_type, **options), raw, context=CONTEXT)
    assert result.problems == ()
    assert result.value == expected
    assert type(result.value) is type(expected)


@pytest.mark.parametrize(("field_type", "options", "raw", "code"), INVALID)
def test_invalid_input(field_type: str, options: dict[str, Any], raw: object, code: str) -> None:
    result = check_value(make_field(field_type, **options), raw, context=CONTEXT)
    assert code in codes(result.problems)
    assert result.value is None
    for found in result.problems:
        assert found.zh_cn
        assert found.en


def _types(cases: list[Any]) -> set[str]:
    return {param.values[0] for param in cases}


def test_every_field_type_has_valid_and_invalid_cases() -> None:
    assert _types(VALID) == set(FIELD_TYPES)
    assert _types(INVALID) == set(FIELD_TYPES)


def test_coerce_alone_does_not_check_constraints() -> None:
    field = make_field("integer", maximum=10)
    assert coerce_value(field, 11, context=CONTEXT).value == 11
    assert codes(check_value(field, 11, context=CONTEXT).problems) == ["above_maximum"]


def test_blank_input_is_no_value_for_every_type() -> None:
    for param in VALID:
        field_type, options = param.values[0], param.values[1]
        field = make_field(field_type, **options)
        for blank in (None, "", "  \t "):
            result = check_value(field, blank, context=CONTEXT)
            assert (result.value, result.problems) == (None, ()), (field_type, blank)


def test_warnings_travel_with_accepted_values() -> None:
    unknown_region = "11999919800101123" + resident_id_check_char("11999919800101123")
    result = check_value(make_field("resident_id"), unknown_region, context=CONTEXT)
    assert result.value == unknown_region
    assert codes(result.warnings) == ["resident_id_region"]
    bban = "1234567890123456"
    iban = "CN" + iban_check_digits("CN", bban) + bban
    refused = check_value(make_field("iban"), iban, context=CONTEXT)
    assert refused.value is None
    assert codes(refused.problems) == ["iban_country_not_in_registry"]


def test_subtable_problems_point_into_rows() -> None:
    field = make_field(
        "subtable",
        fields=[
            {"id": "c1", "key": "amount", "type": "money", "label": "A", "currency": "CNY"},
            {"id": "c2", "key": "note", "type": "text", "label": "N", "max_length": 2},
        ],
    )
    raw = [{"amount": "1"}, {"amount": "x", "extra": 1}, {"note": "long"}]
    coerced = check_value(field, raw, context=CONTEXT)
    assert sorted((p.pointer, p.code) for p in coerced.problems) == [
        ("/1/amount", "number_format"),
        ("/1/extra", "unknown_field"),
    ]
    checked = check_value(field, [{"note": "long"}], context=CONTEXT)
    assert [(p.pointer, p.code) for p in checked.problems] == [("/0/note", "too_long")]


def test_list_problems_point_at_items() -> None:
    field = make_field("multi_select", options=["a", "b"])
    result = check_value(field, ["a", 1, "a", "z"], context=CONTEXT)
    assert [(p.pointer, p.code) for p in result.problems] == [
        ("/1", "value_type"),
        ("/2", "duplicate_item"),
    ]
    result = check_value(field, ["a", "z"], context=CONTEXT)
    assert [(p.pointer, p.code) for p in result.problems] == [("/1", "option_unknown")]
