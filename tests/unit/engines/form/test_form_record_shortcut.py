"""The short path for clean new records gives exactly what the general path gives.

`validate_record` takes the short path (`CompiledForm.shortcut`) for new records of simple forms
and falls back to the general path (`validate_in_full`) as soon as something needs reporting;
these properties compare the two on plausible and on arbitrary input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from form_support import RECORD_CONTEXT, compile_fields
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.form import CompiledForm, RecordResult, validate_record
from brickwork.engines.form.record import validate_in_full

VALID_ID = "11010519491231002X"

SIMPLE = compile_fields(
    {"key": "no", "type": "serial_number", "pattern": "N-{seq:3}"},
    {"key": "name", "type": "text", "required": True, "max_length": 10},
    {"key": "kind", "type": "single_select", "options": ["person", "company"], "default": "person"},
    {"key": "company", "type": "text", "visible_when": 'kind = "company"', "required": True},
    {
        "key": "amount",
        "type": "money",
        "currency": "CNY",
        "minimum": "0",
        "required_when": 'kind = "company"',
    },
    {"key": "count", "type": "integer", "default": 3, "readonly_when": "amount > 100"},
    {"key": "rate", "type": "percent", "default": "5%", "visible_when": "count > 1"},
    {
        "key": "tags",
        "type": "multi_select",
        "options": ["a", "b", "c"],
        "required_when": "count > 3",
    },
    {"key": "since", "type": "date", "visible_when": "amount / count > 10"},
    {"key": "person_id", "type": "resident_id"},
    {"key": "mobile", "type": "phone", "phone_kind": "cn_mobile"},
    {"key": "ok", "type": "boolean"},
    {"key": "note", "type": "textarea", "default": "n/a", "visible_when": 'kind = "company"'},
)
PLAIN = compile_fields(
    {"key": "name", "type": "text", "required": True},
    {"key": "tags", "type": "multi_select", "options": ["a", "b"], "required": True},
    {"key": "size", "type": "decimal", "scale": 2},
)

DIRECT = compile_fields(
    {"key": "name", "type": "text", "required": True},
    {"key": "kind", "type": "single_select", "options": ["person", "company", "partner"]},
    {"key": "ok", "type": "boolean"},
    {"key": "vip", "type": "boolean", "visible_when": "ok"},
    {"key": "company", "type": "text", "visible_when": 'kind in ("company", "partner")'},
    {
        "key": "amount",
        "type": "money",
        "currency": "CNY",
        "required_when": 'ok and kind = "company"',
    },
    {"key": "since", "type": "date", "readonly_when": '@"2025-01-01" < since'},
    {"key": "note", "type": "textarea", "visible_when": "100 < amount or vip"},
    {
        "key": "tags",
        "type": "multi_select",
        "options": ["a", "b"],
        "required_when": 'kind != "person"',
    },
)
"""A form whose conditions all have direct answers (`expr.direct`), with their fallbacks."""

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
BLANK = st.sampled_from([None, "", "  ", []])


def simple_records(*, junk: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Records of SIMPLE: mostly valid values, or (`junk`) mixed with bad ones, blanks and JSON."""

    def values(valid: list[Any], bad: Sequence[Any] = ()) -> st.SearchStrategy[Any]:
        if junk:
            return st.one_of(st.sampled_from([*valid, *bad]), BLANK, JSON)
        return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.none())

    extra: dict[str, st.SearchStrategy[Any]] = (
        {"no": st.one_of(st.none(), st.just("N-001")), "extra": JSON} if junk else {}
    )
    return st.fixed_dictionaries(
        {"name": values(["张三", " Li Si "], ["x" * 11]) if junk else st.just("张三")},
        optional={
            "no": st.none(),
            "kind": values(["person", "company"], ["other"]),
            "company": values(["ACME", "Zeta Ltd"]),
            "amount": values(["0", "100.5", "5000", 20000, Decimal("1.25")], ["-1", "1.005"]),
            "count": values([0, 1, 2, 3, 5], [-1]),
            "rate": values(["1%", "0.05", "12.5%"]),
            "tags": values([["a"], ["b", "c"], ["c", "a"]], [[], ["a", "a"], ["x"]]),
            "since": values(["2026-01-01", "2024-02-29"], ["2023-02-29"]),
            "person_id": values([VALID_ID], [VALID_ID.lower(), VALID_ID[:-1] + "1"]),
            "mobile": values(["13800138000"], ["+8613800138000", "12800138000"]),
            "ok": values([True, False], ["true"]),
            "note": values(["watch"], ["a\r\nb"]),
            **extra,
        },
    )


DIRECT_RECORDS = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b"])},
    optional={
        "kind": st.one_of(st.sampled_from(["person", "company", "partner"]), BLANK),
        "ok": st.one_of(st.booleans(), st.none(), st.just("true")),
        "vip": st.one_of(st.booleans(), st.none()),
        "company": st.one_of(st.just("ACME"), BLANK),
        "amount": st.one_of(st.sampled_from(["0", "100", "100.01", 250, "-3"]), st.none()),
        "since": st.one_of(st.sampled_from(["2024-12-31", "2025-01-01", "2025-01-02"]), BLANK),
        "note": st.one_of(st.just("watch"), BLANK),
        "tags": st.one_of(st.sampled_from([["a"], ["a", "b"]]), BLANK),
    },
)

PLAIN_RECORDS = st.fixed_dictionaries(
    {
        "name": st.one_of(st.sampled_from(["a", " b "]), BLANK, JSON),
        "tags": st.one_of(st.sampled_from([["a"], ["b", "a"]]), BLANK, JSON),
    },
    optional={"size": st.one_of(st.sampled_from(["1.5", "1.005", 3]), BLANK, JSON)},
)


def assert_same(form: CompiledForm, data: Mapping[str, Any]) -> RecordResult:
    found = validate_record(form, data, context=RECORD_CONTEXT)
    expected = validate_in_full(form, data, context=RECORD_CONTEXT)
    assert found == expected
    assert repr(found.values) == repr(expected.values)  # Decimal("1.5") == Decimal("1.50")
    return found


@given(data=simple_records(junk=False))
def test_short_path_agrees_with_the_general_path(data: dict[str, Any]) -> None:
    assert_same(SIMPLE, data)


@given(data=simple_records(junk=True))
def test_short_path_agrees_with_the_general_path_on_any_input(data: dict[str, Any]) -> None:
    assert_same(SIMPLE, data)


@given(data=DIRECT_RECORDS)
def test_short_path_agrees_on_conditions_with_direct_answers(data: dict[str, Any]) -> None:
    assert_same(DIRECT, data)


@given(data=PLAIN_RECORDS)
def test_short_path_agrees_on_forms_without_conditions(data: dict[str, Any]) -> None:
    assert_same(PLAIN, data)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "a", "kind": "person", "amount": "12.5", "tags": ["a"], "note": None},
        {
            "name": "a",
            "kind": "company",
            "company": "ACME",
            "amount": 200,
            "count": 4,
            "tags": ["c"],
        },
        {"name": "a", "count": 1, "rate": "", "since": None, "person_id": VALID_ID, "ok": False},
        {"name": "a", "count": 2, "tags": ["b", "a"], "mobile": "13800138000", "no": None},
        {"name": "a", "mobile": "+86 138 0013 8000"},  # the registry's path, no warning
    ],
)
def test_clean_records_take_the_short_path(data: dict[str, Any]) -> None:
    assert SIMPLE.shortcut is not None
    clean = SIMPLE.shortcut.run(data, RECORD_CONTEXT.coercion, RECORD_CONTEXT.evaluation)
    assert clean is not None
    result = assert_same(SIMPLE, data)
    assert result.ok
    assert result.values == clean[0]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "a", "no": "N-001"},  # a system field
        {"name": "a", "nope": None},  # an unknown key
        {"name": None},  # required
        {"name": "a", "kind": "person", "company": "ACME"},  # sent to a hidden field
        {"name": "a", "kind": "company", "company": "ACME"},  # required_when
        {"name": "a", "amount": "1", "count": 0, "tags": ["a"], "since": "2026-01-01"},  # 1 / 0
        {"name": "x" * 11},  # refused
    ],
)
def test_records_that_need_a_report_take_the_general_path(data: dict[str, Any]) -> None:
    assert SIMPLE.shortcut is not None
    assert SIMPLE.shortcut.run(data, RECORD_CONTEXT.coercion, RECORD_CONTEXT.evaluation) is None
    assert_same(SIMPLE, data)


def test_updates_and_other_mappings_take_the_general_path() -> None:
    data = {"name": "a", "tags": ["a"]}
    current = validate_record(PLAIN, data, context=RECORD_CONTEXT).values
    assert validate_record(PLAIN, {"size": "2"}, context=RECORD_CONTEXT, current=current) == (
        validate_in_full(PLAIN, {"size": "2"}, context=RECORD_CONTEXT, current=current)
    )
    proxy = MappingProxyType(data)
    assert validate_record(PLAIN, proxy, context=RECORD_CONTEXT) == validate_in_full(
        PLAIN, proxy, context=RECORD_CONTEXT
    )


@pytest.mark.parametrize(
    "field",
    [
        {"key": "c", "type": "computed", "expression": "1", "result_type": "integer"},
        {"key": "d", "type": "date", "default_expression": "$today"},
        {
            "key": "s",
            "type": "subtable",
            "fields": [{"id": "c1", "key": "x", "label": "X", "type": "text"}],
        },
    ],
)
def test_forms_with_computed_values_or_rows_have_no_short_path(field: dict[str, Any]) -> None:
    assert compile_fields({"key": "a", "type": "integer"}, field).shortcut is None


def test_forms_with_validations_have_no_short_path() -> None:
    form = compile_fields(
        {"key": "a", "type": "integer"},
        validations=[{"id": "v1", "expression": "a > 1", "message": "no"}],
    )
    assert form.shortcut is None


SHARED = compile_fields(
    {"key": "name", "type": "text", "required": True},
    {"key": "kind", "type": "single_select", "options": ["person", "company"]},
    {"key": "ok", "type": "boolean"},
    {"key": "vip", "type": "boolean"},
    {"key": "company", "type": "text", "visible_when": 'kind = "company"', "required": True},
    {"key": "note", "type": "textarea", "visible_when": "ok or vip"},
    {
        "key": "tags",
        "type": "multi_select",
        "options": ["a", "b"],
        "required_when": 'kind = "company"',
    },
    {"key": "since", "type": "date", "readonly_when": 'kind = "person" and ok = false'},
)
"""A form whose conditions read only keys read as they are and never hidden: they read the
record's values without a copy (`Shortcut.shared`)."""

SHARED_RECORDS = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b"])},
    optional={
        "kind": st.one_of(st.sampled_from(["person", "company"]), BLANK),
        "ok": st.one_of(st.booleans(), st.none(), st.just("true")),
        "vip": st.one_of(st.booleans(), st.none()),
        "company": st.one_of(st.just("ACME"), BLANK),
        "note": st.one_of(st.just("watch"), BLANK),
        "tags": st.one_of(st.sampled_from([["a"], ["a", "b"]]), BLANK),
        "since": st.one_of(st.just("2025-01-01"), BLANK),
    },
)

HIDDEN_INPUT = compile_fields(
    {"key": "ok", "type": "boolean"},
    {
        "key": "kind",
        "type": "single_select",
        "options": ["person", "company"],
        "default": "company",
        "visible_when": "ok",
    },
    {"key": "note", "type": "text", "visible_when": 'kind != "company"'},
)
"""A condition reads a field that may be hidden, and so fall back to its default while the
conditions are tested: conditions must read the values as they were before."""


@given(data=SHARED_RECORDS)
def test_short_path_agrees_when_conditions_read_the_values_themselves(
    data: dict[str, Any],
) -> None:
    assert_same(SHARED, data)


def test_conditions_read_the_values_themselves_only_when_they_cannot_change() -> None:
    assert SHARED.shortcut is not None
    assert SHARED.shortcut.shared
    for form in (SIMPLE, DIRECT, HIDDEN_INPUT):  # converted (money, integer) or hidden inputs
        assert form.shortcut is not None
        assert not form.shortcut.shared


def test_conditions_read_a_hidden_input_as_it_was_sent() -> None:
    found = assert_same(HIDDEN_INPUT, {"ok": False, "kind": None})
    assert found.hidden == frozenset({"kind"})  # `note`: `null != "company"` is null (visible)
    assert found.values == {"ok": False, "kind": "company", "note": None}
