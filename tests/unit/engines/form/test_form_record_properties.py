"""Hypothesis properties of `validate_record` on a rich form: it never raises, its answers are
well formed, and a valid record echoed back as an update passes unchanged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from form_support import RECORD_CONTEXT, compile_fields
from hypothesis import given, settings
from hypothesis import strategies as st

from brickwork.engines.form import RecordResult, validate_record
from brickwork.engines.form.fieldtypes import to_json_value
from brickwork.engines.form.problems import MESSAGES
from brickwork.engines.form.rows import same_value

RICH = compile_fields(
    {"key": "name", "type": "text", "required": True, "max_length": 20},
    {"key": "kind", "type": "single_select", "options": ["person", "company"]},
    {"key": "company", "type": "text", "visible_when": 'kind = "company"', "required": True},
    {"key": "amount", "type": "money", "currency": "CNY", "minimum": "0"},
    {"key": "rate", "type": "percent", "default": "5%", "readonly_when": "locked"},
    {"key": "locked", "type": "boolean"},
    {"key": "start", "type": "date", "default_expression": "$today"},
    {"key": "tags", "type": "multi_select", "options": ["a", "b", "c"], "max_items": 2},
    {"key": "place", "type": "location"},
    {
        "key": "fee",
        "type": "computed",
        "expression": "amount * rate",
        "result_type": "money",
        "currency": "CNY",
    },
    {"key": "ref", "type": "serial_number", "pattern": "R-{seq:3}"},
    {
        "key": "items",
        "type": "subtable",
        "max_rows": 4,
        "required_when": "amount > 1000",
        "fields": [
            {"id": "c1", "key": "what", "label": "W", "type": "text", "required": True},
            {"id": "c2", "key": "qty", "label": "Q", "type": "integer", "minimum": 1},
            {
                "id": "c3",
                "key": "price",
                "label": "P",
                "type": "decimal",
                "required_when": "qty > 1",
                "visible_when": "qty != null",
            },
            {
                "id": "c4",
                "key": "line",
                "label": "L",
                "type": "computed",
                "expression": "qty * price",
                "result_type": "decimal",
            },
        ],
    },
    {"key": "total", "type": "computed", "expression": "sum(items.line)", "result_type": "decimal"},
    validations=[
        {"id": "v1", "expression": "total <= amount", "fields": ["items"], "message": "too much"},
    ],
)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.floats(allow_nan=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


def records(*, junk: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Records of RICH: plausible values, mixed with arbitrary JSON when `junk`."""

    def good_or(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(valid, valid, valid, JSON) if junk else valid

    row_extra: dict[str, st.SearchStrategy[Any]] = (
        {"_id": st.sampled_from(["r1", "r2", "x"]), "zz": JSON} if junk else {}
    )
    row = st.fixed_dictionaries(
        {},
        optional={
            "what": good_or(st.sampled_from(["bolt", "nut", " 螺丝 "])),
            "qty": good_or(st.integers(min_value=1, max_value=5)),
            "price": good_or(st.sampled_from(["1.5", "0", "12.25", "3"])),
            "line": good_or(st.none()),
            **row_extra,
        },
    )
    extra: dict[str, st.SearchStrategy[Any]] = {"_x": JSON, "extra": JSON} if junk else {}
    return st.fixed_dictionaries(
        {"name": good_or(st.sampled_from(["张三", "Li Si", "  x  "]))},
        optional={
            "kind": good_or(st.sampled_from(["person", "company"])),
            "company": good_or(st.sampled_from(["ACME", "Zeta Ltd"])),
            "amount": good_or(st.sampled_from(["0", "100.5", "5000", 20000])),
            "rate": good_or(st.sampled_from(["1%", "0.05", "12.5%"])),
            "locked": good_or(st.booleans()),
            "start": good_or(st.sampled_from(["2026-01-01", "2024-02-29"])),
            "tags": good_or(st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True)),
            "place": good_or(st.just({"lat": "31.23", "lng": "121.47"})),
            "fee": good_or(st.none()),
            "ref": good_or(st.none()),
            "items": good_or(st.lists(row, max_size=4)),
            **extra,
        },
    )


DATA = records(junk=True)
PLAUSIBLE = records(junk=False)
STORED: dict[str, Any] = {
    "name": "old",
    "kind": "company",
    "company": "Old Co",
    "amount": None,
    "rate": Decimal("0.0500"),
    "locked": True,
    "start": None,
    "tags": ["a"],
    "place": None,
    "fee": None,
    "ref": "R-001",
    "items": [{"_id": "r1", "what": "w", "qty": 1, "price": None, "line": None}],
    "total": Decimal("0"),
}


def well_formed(result: RecordResult) -> None:
    assert list(result.values) == list(RICH.fields_by_key)
    for found in (*result.errors, *result.warnings):
        assert found.code in MESSAGES
        assert found.pointer == "" or found.pointer.startswith("/")
        assert found.zh_cn
        assert found.en
    assert result.hidden <= RICH.fields_by_key.keys()
    assert result.readonly <= RICH.fields_by_key.keys()
    assert result.ok == (not result.errors)


@settings(max_examples=300)
@given(data=DATA)
def test_create_never_raises_and_answers_well(data: dict[str, Any]) -> None:
    well_formed(validate_record(RICH, data, context=RECORD_CONTEXT))


@settings(max_examples=300)
@given(data=DATA)
def test_update_never_raises_and_answers_well(data: dict[str, Any]) -> None:
    well_formed(validate_record(RICH, data, context=RECORD_CONTEXT, current=STORED))


@given(data=JSON)
def test_any_json_value_as_the_whole_record_never_raises(data: Any) -> None:
    result = validate_record(RICH, data, context=RECORD_CONTEXT)
    assert list(result.values) == list(RICH.fields_by_key)


@settings(max_examples=300)
@given(data=PLAUSIBLE)
def test_a_valid_record_echoed_back_as_an_update_passes_unchanged(data: dict[str, Any]) -> None:
    first = validate_record(RICH, data, context=RECORD_CONTEXT)
    if not first.ok:
        return
    echo = {
        key: to_json_value(field, first.values[key]) for key, field in RICH.fields_by_key.items()
    }
    second = validate_record(RICH, echo, context=RECORD_CONTEXT, current=first.values)
    assert second.errors == ()
    assert same_value(second.values, first.values)
