"""The field-type registry: completeness, storage, defaults, display, schemas and JSON forms."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from form_cases import VALID
from form_support import CONTEXT, make_field
from jsonschema import Draft202012Validator

from brickwork import jsonio
from brickwork.engines.form.definition import FieldDefinition, RowField
from brickwork.engines.form.elements import Sensitivity
from brickwork.engines.form.fieldtypes import (
    FIELD_TYPES,
    ROW_TYPES,
    DisplayContext,
    FileRef,
    Location,
    StorageKind,
    check_value,
    display_value,
    field_schema,
    mask_of,
    mask_value,
    sensitivity_of,
    storage_of,
    to_json_value,
)
from brickwork.engines.form.masking import MASKS
from brickwork.engines.form.money import Money

ISSUE_4_TYPES = [
    "text",
    "textarea",
    "rich_text",
    "integer",
    "decimal",
    "money",
    "percent",
    "boolean",
    "date",
    "datetime",
    "time",
    "single_select",
    "multi_select",
    "email",
    "phone",
    "url",
    "resident_id",
    "uscc",
    "bank_card",
    "lei",
    "iban",
    "swift_bic",
    "passport",
    "lookup",
    "subtable",
    "member",
    "department",
    "attachment",
    "signature",
    "serial_number",
    "computed",
    "location",
]

D = Decimal


def _literal_types(annotation: Any) -> set[str]:
    """The `type` literals of every model inside a (nested, annotated) union."""
    if isinstance(annotation, type):
        return {typing.get_args(annotation.model_fields["type"].annotation)[0]}
    if typing.get_origin(annotation) is typing.Annotated:
        return _literal_types(typing.get_args(annotation)[0])
    return set().union(*(_literal_types(arg) for arg in typing.get_args(annotation)))


def test_registry_has_exactly_the_types_of_issue_4() -> None:
    assert sorted(FIELD_TYPES) == sorted(ISSUE_4_TYPES)
    assert len(FIELD_TYPES) == 32


def test_registry_matches_the_definition_union() -> None:
    assert _literal_types(FieldDefinition) == set(FIELD_TYPES)
    assert _literal_types(RowField) == set(ROW_TYPES) == set(FIELD_TYPES) - {"subtable"}


@pytest.mark.parametrize("name", sorted(FIELD_TYPES))
def test_entries_are_well_formed(name: str) -> None:
    entry = FIELD_TYPES[name]
    assert entry.name == name
    assert entry.mask in MASKS
    assert entry.summary.zh_cn
    assert entry.summary.en


@pytest.mark.parametrize(
    ("field_type", "sensitivity", "mask"),
    [
        ("resident_id", Sensitivity.C2, "resident_id"),
        ("bank_card", Sensitivity.C2, "bank_card"),
        ("phone", Sensitivity.C2, "mobile"),
        ("email", Sensitivity.C2, "email"),
        ("iban", Sensitivity.C2, "account"),
        ("passport", Sensitivity.C2, "passport"),
        ("signature", Sensitivity.C2, "full"),
        ("uscc", Sensitivity.C1, "none"),
        ("lei", Sensitivity.C1, "none"),
        ("text", Sensitivity.C1, "none"),
        ("money", Sensitivity.C1, "none"),
    ],
)
def test_default_sensitivity_and_mask(field_type: str, sensitivity: Sensitivity, mask: str) -> None:
    options = {"target": {"form": "x"}} if field_type == "lookup" else {}
    field = make_field(field_type, **options)
    assert sensitivity_of(field) is sensitivity
    assert mask_of(field) == mask


def test_field_options_override_the_defaults() -> None:
    field = make_field("text", sensitivity="C2", mask="name")
    assert sensitivity_of(field) is Sensitivity.C2
    assert mask_of(field) == "name"


@pytest.mark.parametrize(
    ("field_type", "options", "kind", "extra"),
    [
        ("text", {}, StorageKind.TEXT, {"max_length": 255}),
        ("textarea", {"max_length": 500}, StorageKind.TEXT, {"max_length": 500}),
        ("integer", {}, StorageKind.INTEGER, {}),
        ("decimal", {"precision": 10, "scale": 4}, StorageKind.DECIMAL, {"scale": 4}),
        ("percent", {"scale": 1}, StorageKind.DECIMAL, {"scale": 3}),
        ("money", {"currency": "KWD"}, StorageKind.DECIMAL, {"scale": 3}),
        ("money", {}, StorageKind.MONEY, {"scale": 4}),
        ("boolean", {}, StorageKind.BOOLEAN, {}),
        ("date", {}, StorageKind.DATE, {}),
        ("datetime", {}, StorageKind.DATETIME, {}),
        ("time", {}, StorageKind.TIME, {}),
        ("single_select", {"options": ["a"]}, StorageKind.TEXT, {}),
        ("multi_select", {"options": ["a"]}, StorageKind.JSON, {"multiple": True}),
        ("resident_id", {}, StorageKind.TEXT, {"max_length": 18}),
        ("iban", {}, StorageKind.TEXT, {"max_length": 34}),
        ("passport", {}, StorageKind.TEXT, {"max_length": 9}),
        ("passport", {"mrz": "required"}, StorageKind.TEXT, {"max_length": 44}),
        ("lookup", {"target": {"form": "c"}}, StorageKind.REFERENCE, {"target": "form:c"}),
        (
            "lookup",
            {"target": {"form": "c", "app": "crm"}, "multiple": True},
            StorageKind.REFERENCE,
            {"target": "form:crm/c", "multiple": True},
        ),
        ("member", {}, StorageKind.REFERENCE, {"target": "user"}),
        ("department", {}, StorageKind.REFERENCE, {"target": "department"}),
        ("attachment", {}, StorageKind.JSON, {"multiple": True}),
        ("signature", {}, StorageKind.JSON, {}),
        ("location", {}, StorageKind.JSON, {}),
        ("serial_number", {}, StorageKind.TEXT, {}),
        (
            "subtable",
            {"fields": [{"id": "c", "key": "c", "type": "text", "label": "C"}]},
            StorageKind.NONE,
            {},
        ),
        (
            "computed",
            {"expression": "1", "result_type": "money", "currency": "JPY"},
            StorageKind.DECIMAL,
            {"scale": 0},
        ),
        ("computed", {"expression": "1", "result_type": "date"}, StorageKind.DATE, {}),
    ],
)
def test_storage(
    field_type: str, options: dict[str, Any], kind: StorageKind, extra: dict[str, Any]
) -> None:
    storage = storage_of(make_field(field_type, **options))
    assert storage.kind is kind
    for name, value in extra.items():
        assert getattr(storage, name) == value


def test_no_type_stores_floats() -> None:
    kinds = {storage_of(make_field(p.values[0], **p.values[1])).kind for p in VALID}
    assert "float" not in {kind.value for kind in kinds}
    assert StorageKind.DECIMAL in kinds


# ---------------------------------------------------------------- display

SELECT = {"options": ["a", {"value": "c", "label": {"zh-CN": "丙", "en": "C"}}]}


@pytest.mark.parametrize(
    ("field_type", "options", "value", "locale", "text"),
    [
        ("boolean", {}, True, "zh-CN", "是"),
        ("boolean", {}, False, "en", "No"),
        ("integer", {}, 1234567, "en", "1,234,567"),
        ("decimal", {"scale": 2}, D("-1234.50"), "en", "-1,234.50"),
        ("percent", {}, D("0.1250"), "en", "12.50%"),
        ("percent", {"scale": 0}, D("1.00"), "en", "100%"),
        ("money", {"currency": "JPY"}, Money(D("1000"), "JPY"), "zh-CN", "JPY 1,000"),
        ("date", {}, date(2024, 2, 29), "zh-CN", "2024-02-29"),
        ("time", {}, time(9, 30), "en", "09:30:00"),
        ("single_select", SELECT, "c", "zh-CN", "丙"),
        ("single_select", SELECT, "c", "en", "C"),
        ("single_select", SELECT, "a", "en", "a"),
        ("multi_select", SELECT, ("a", "c"), "zh-CN", "a、丙"),
        ("multi_select", SELECT, ("a", "c"), "en", "a, C"),
        ("bank_card", {}, "6222000000000009", "en", "6222 0000 0000 0009"),
        ("iban", {}, "GB82WEST12345698765432", "en", "GB82 WEST 1234 5698 7654 32"),
        ("rich_text", {}, "<p>Hello <b>you</b></p><p>there</p>", "en", "Hello you there"),
        ("location", {}, Location(D("31.2304000"), D("121.0000000")), "en", "31.2304, 121"),
        ("member", {"multiple": True}, ("u1", "u2"), "en", "u1, u2"),
        (
            "attachment",
            {},
            (FileRef("f1", "a.pdf", 1, "application/pdf"), FileRef("f2", "b.png", 1, "image/png")),
            "en",
            "a.pdf, b.png",
        ),
        (
            "subtable",
            {"fields": [{"id": "c", "key": "c", "type": "text", "label": "C"}]},
            ({"c": "x"}, {"c": "y"}),
            "zh-CN",
            "2 行",
        ),
    ],
)
def test_display(
    field_type: str, options: dict[str, Any], value: object, locale: Any, text: str
) -> None:
    field = make_field(field_type, **options)
    assert display_value(field, value, DisplayContext(locale)) == text


def test_display_of_nothing_is_empty() -> None:
    assert display_value(make_field("text"), None) == ""


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (UTC, "2024-02-29 00:00:00 +00:00"),
        (timezone(timedelta(hours=8)), "2024-02-29 08:00:00 +08:00"),
        (timezone(timedelta(hours=-5, minutes=-30)), "2024-02-28 18:30:00 -05:30"),
    ],
)
def test_datetimes_are_shown_in_the_readers_zone(zone: timezone, text: str) -> None:
    value = datetime(2024, 2, 29, tzinfo=UTC)
    assert display_value(make_field("datetime"), value, DisplayContext("en", zone)) == text


# ---------------------------------------------------------------- masking through fields


@pytest.mark.parametrize(
    ("field_type", "value", "masked"),
    [
        ("resident_id", "11010519491231002X", "110105********002X"),
        ("bank_card", "6222021234567890123", "622202*********0123"),
        ("phone", "13800138000", "138****8000"),
        ("email", "zhang.san@example.com", "z***@example.com"),
        ("iban", "GB82WEST12345698765432", "GB82**************5432"),
        ("text", "visible", "visible"),
    ],
)
def test_default_masks(field_type: str, value: str, masked: str) -> None:
    assert mask_value(make_field(field_type), value) == masked


def test_mask_with_another_preset_and_of_structured_values() -> None:
    assert mask_value(make_field("text"), "张三丰", preset="name") == "张**"
    signature = FileRef("s1", "sig.png", 1, "image/png")
    assert mask_value(make_field("signature"), signature) == "******"
    assert mask_value(make_field("resident_id"), None) == ""


# ---------------------------------------------------------------- JSON forms and schemas


def _canonical_json(field_type: str, options: dict[str, Any], expected: object) -> Any:
    field = make_field(field_type, **options)
    return field, jsonio.loads(jsonio.dumps(to_json_value(field, expected)))


@pytest.mark.parametrize(("field_type", "options", "raw", "expected"), VALID)
def test_json_form_round_trips(
    field_type: str, options: dict[str, Any], raw: object, expected: object
) -> None:
    field, document = _canonical_json(field_type, options, expected)
    again = check_value(field, document, context=CONTEXT)
    assert again.problems == ()
    assert again.value == expected


@pytest.mark.parametrize(("field_type", "options", "raw", "expected"), VALID)
def test_json_form_satisfies_the_schema(
    field_type: str, options: dict[str, Any], raw: object, expected: object
) -> None:
    field, document = _canonical_json(field_type, options, expected)
    schema = field_schema(field)
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert errors == []


@pytest.mark.parametrize(
    ("field_type", "options", "document"),
    [
        ("integer", {}, "abc"),
        ("money", {"currency": "CNY"}, {"amount": "1", "currency": "USD"}),
        ("money", {}, {"amount": "1"}),
        ("single_select", {"options": ["a"]}, "b"),
        ("multi_select", {"options": ["a"]}, ["a", "a"]),
        ("date", {}, 20240101),
        ("location", {}, {"lat": 1}),
        ("attachment", {}, [{"id": "f"}]),
        ("lookup", {"target": {"form": "c"}}, "bad id"),
        ("text", {"max_length": 2}, "abc"),
    ],
)
def test_schemas_refuse_clearly_wrong_documents(
    field_type: str, options: dict[str, Any], document: object
) -> None:
    schema = field_schema(make_field(field_type, **options))
    assert not Draft202012Validator(schema).is_valid(document)


def test_field_schema_carries_title_description_and_type() -> None:
    field = make_field("text", label={"zh-CN": "名称", "en": "Name"}, help_text="Legal name")
    schema = field_schema(field)
    assert schema["title"] == "Name"
    assert schema["description"] == "Legal name"
    assert schema["x-brickwork-type"] == "text"
    assert Draft202012Validator(schema).is_valid(None)


def test_computed_and_serial_schemas_are_read_only() -> None:
    computed = make_field("computed", expression="1", result_type="integer")
    assert field_schema(computed)["anyOf"][0]["readOnly"] is True
    assert field_schema(make_field("serial_number"))["anyOf"][0]["readOnly"] is True
