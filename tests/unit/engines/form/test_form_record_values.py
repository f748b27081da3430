"""`validate_record`: coercion, create vs partial update, defaults, computed values, writability."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from form_support import NOW, RECORD_CONTEXT, compile_fields, pairs

from brickwork.engines.form import CompiledForm, RecordContext, RecordResult, validate_record
from brickwork.engines.form.fieldtypes import FileRef, Location
from brickwork.engines.form.money import Money
from brickwork.engines.identifiers import resident_id_check_char

D = Decimal
CNY = {"type": "money", "currency": "CNY"}


def run(
    form: CompiledForm, data: dict[str, Any], current: dict[str, Any] | None = None
) -> RecordResult:
    return validate_record(form, data, context=RECORD_CONTEXT, current=current)


LOAN = compile_fields(
    {"key": "name", "type": "text", "required": True},
    {"key": "amount", **CNY, "required": True, "minimum": "0"},
    {"key": "rate", "type": "percent", "scale": 2, "default": "4.35%"},
    {"key": "term", "type": "integer", "default": 12},
    {
        "key": "fee",
        "type": "computed",
        "expression": "amount * rate / 12",
        "result_type": "money",
        "currency": "CNY",
    },
    {"key": "opened", "type": "date", "default_expression": "$today"},
    {"key": "ref", "type": "serial_number", "pattern": "L-{seq:4}"},
    {"key": "tags", "type": "multi_select", "options": ["a", "b"]},
)


# ---------------------------------------------------------------- create


def test_create_coerces_and_fills_defaults_and_computed_values() -> None:
    result = run(LOAN, {"name": " 张三 ", "amount": "1000"})
    assert result.ok
    assert result.values == {
        "name": "张三",
        "amount": Money(D("1000.00"), "CNY"),
        "rate": D("0.0435"),
        "term": 12,
        "fee": Money(D("3.63"), "CNY"),
        "opened": date(2026, 1, 15),
        "ref": None,
        "tags": None,
    }
    assert list(result.values) == list(LOAN.fields_by_key)
    assert result.warnings == ()
    assert result.hidden == frozenset()
    assert result.readonly == {"fee", "ref"}


def test_explicit_null_on_create_is_kept_instead_of_the_default() -> None:
    result = run(LOAN, {"name": "x", "amount": 1, "term": None, "opened": None})
    assert result.values["term"] is None
    assert result.values["opened"] is None


def test_a_sent_value_replaces_the_default_expression() -> None:
    assert run(LOAN, {"name": "x", "amount": 1, "opened": "2025-12-31"}).values["opened"] == date(
        2025, 12, 31
    )


def test_today_comes_from_the_context_and_its_zone() -> None:
    late = RecordContext(now=datetime(2026, 1, 15, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    result = validate_record(LOAN, {"name": "x", "amount": 1}, context=late)
    assert result.values["opened"] == date(2026, 1, 15)


def test_the_context_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        RecordContext(now=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


# ---------------------------------------------------------------- update

STORED: dict[str, Any] = {
    "name": "张三",
    "amount": Money(D("1000.00"), "CNY"),
    "rate": D("0.0435"),
    "term": 12,
    "fee": Money(D("3.63"), "CNY"),
    "opened": date(2025, 1, 1),
    "ref": "L-0007",
    "tags": ["a"],
    "id": "r1",
    "version": 3,
}


def test_update_is_partial_and_recomputes() -> None:
    result = run(LOAN, {"amount": "2000"}, current=STORED)
    assert result.ok
    assert result.values["name"] == "张三"
    assert result.values["amount"] == Money(D("2000.00"), "CNY")
    assert result.values["fee"] == Money(D("7.25"), "CNY")
    assert result.values["opened"] == date(2025, 1, 1)
    assert result.values["ref"] == "L-0007"
    assert result.values["tags"] == ("a",)
    assert "id" not in result.values


def test_update_does_not_apply_defaults() -> None:
    current = {**STORED, "term": None, "opened": None}
    result = run(LOAN, {}, current=current)
    assert result.values["term"] is None
    assert result.values["opened"] is None


def test_update_checks_the_whole_record() -> None:
    result = run(LOAN, {"term": 24}, current={**STORED, "name": None})
    assert pairs(result.errors) == [("/name", "required")]


def test_clearing_a_required_value_on_update_is_refused() -> None:
    assert pairs(run(LOAN, {"name": "  "}, current=STORED).errors) == [("/name", "required")]


# ---------------------------------------------------------------- system fields


@pytest.mark.parametrize(
    ("data", "current", "errors"),
    [
        ({"fee": "3.63", "name": "x", "amount": 1}, None, [("/fee", "field_not_writable")]),
        ({"fee": "3.63", "name": "x", "amount": "1000"}, None, []),
        ({"fee": {"amount": "3.63", "currency": "CNY"}, "name": "x", "amount": "1000"}, None, []),
        ({"fee": None, "name": "x", "amount": 1}, None, []),
        ({"ref": "L-0001", "name": "x", "amount": 1}, None, [("/ref", "field_not_writable")]),
        ({"ref": None, "name": "x", "amount": 1}, None, []),
        ({"ref": "L-0007", "fee": "3.63"}, STORED, []),
        ({"ref": "L-0008"}, STORED, [("/ref", "field_not_writable")]),
        ({"fee": "9.99"}, STORED, [("/fee", "field_not_writable")]),
        ({"fee": "x"}, STORED, [("/fee", "field_not_writable")]),
        ({"fee": "3.63", "amount": "2000"}, STORED, []),
    ],
)
def test_computed_and_serial_values_are_not_writable(
    data: dict[str, Any], current: dict[str, Any] | None, errors: list[tuple[str, str]]
) -> None:
    assert pairs(run(LOAN, data, current).errors) == errors


def test_echoing_a_whole_stored_record_passes() -> None:
    echoed = {k: v for k, v in STORED.items() if k in LOAN.fields_by_key}
    echoed["amount"] = {"amount": "1000.00", "currency": "CNY"}
    echoed["fee"] = {"amount": "3.63", "currency": "CNY"}
    echoed["opened"] = "2025-01-01"
    result = run(LOAN, echoed, current=STORED)
    assert result.ok, result.errors


def test_serial_numbers_are_left_to_the_platform() -> None:
    assert run(LOAN, {"name": "x", "amount": 1}).values["ref"] is None


# ---------------------------------------------------------------- unknown keys, all at once


@pytest.mark.parametrize(
    ("data", "pointers"),
    [
        ({"nmae": "x"}, ["/nmae"]),
        ({"_id": "r1"}, ["/_id"]),
        ({"_version": 1, "id": "x"}, ["/_version", "/id"]),
        ({"a/b": 1}, ["/a~1b"]),
        ({1: "x"}, ["/1"]),
    ],
)
def test_unknown_keys_are_refused(data: dict[Any, Any], pointers: list[str]) -> None:
    result = run(LOAN, {"name": "x", "amount": 1, **data})
    assert pairs(result.errors) == [(pointer, "unknown_field") for pointer in pointers]


def test_data_that_is_not_an_object_is_refused() -> None:
    result = run(LOAN, ["x"])  # type: ignore[arg-type]
    assert pairs(result.errors) == [
        ("", "value_type"),
        ("/name", "required"),
        ("/amount", "required"),
    ]


def test_all_errors_come_at_once() -> None:
    result = run(
        LOAN,
        {"amount": "-5", "rate": "abc", "term": 1.5, "tags": ["a", "z"], "colour": "red"},
    )
    assert sorted(pairs(result.errors)) == [
        ("/amount", "below_minimum"),
        ("/colour", "unknown_field"),
        ("/name", "required"),
        ("/rate", "number_format"),
        ("/tags/1", "option_unknown"),
        ("/term", "number_float"),
    ]
    assert not result.ok


def test_a_refused_required_value_is_not_also_reported_missing() -> None:
    assert pairs(run(LOAN, {"name": "x", "amount": "abc"}).errors) == [("/amount", "number_format")]


def test_coercion_warnings_are_passed_on_with_the_pointer() -> None:
    form = compile_fields({"key": "rid", "type": "resident_id"})
    unknown_region = "11999919491231002" + resident_id_check_char("11999919491231002")
    result = run(form, {"rid": unknown_region})
    assert result.ok
    assert pairs(result.warnings) == [("/rid", "resident_id_region")]


# ---------------------------------------------------------------- computed values


@pytest.mark.parametrize(
    ("field", "inputs", "value"),
    [
        (
            {"result_type": "money", "currency": "CNY", "expression": "a / 3"},
            10,
            Money(D("3.33"), "CNY"),
        ),
        (
            {"result_type": "money", "currency": "CNY", "expression": "a * 0.0005"},
            25,
            Money(D("0.01"), "CNY"),
        ),
        (
            {"result_type": "money", "currency": "JPY", "expression": "a * 1.5"},
            3,
            Money(D("5"), "JPY"),
        ),
        (
            {"result_type": "money", "currency": "CNY", "expression": "-a * 0.005"},
            1,
            Money(D("-0.01"), "CNY"),
        ),
        (
            {"result_type": "money", "currency": "CNY", "expression": "a * 0.001"},
            1,
            Money(D("0.00"), "CNY"),
        ),
        ({"result_type": "decimal", "scale": 3, "expression": "a / 8"}, 1, D("0.125")),
        ({"result_type": "decimal", "scale": 2, "expression": "a / 8"}, 1, D("0.13")),
        ({"result_type": "decimal", "expression": "a / 3"}, 2, D("0.67")),
        ({"result_type": "percent", "scale": 1, "expression": "a / 3"}, 1, D("0.333")),
        ({"result_type": "integer", "expression": "a / 2"}, 5, 3),
        ({"result_type": "integer", "expression": "a / 2"}, -5, -3),
        ({"result_type": "text", "expression": 'string(a) + " 元"'}, 5, "5.0000 元"),
        ({"result_type": "boolean", "expression": "a > 1"}, 5, True),
        ({"result_type": "date", "expression": 'date("2026-01-01")'}, 5, date(2026, 1, 1)),
        (
            {"result_type": "datetime", "expression": '@"2026-01-01T08:00:00+08:00"'},
            5,
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
    ],
)
def test_computed_results_take_the_field_type_rounded_half_up(
    field: dict[str, Any], inputs: int, value: Any
) -> None:
    form = compile_fields(
        {"key": "a", "type": "decimal", "scale": 4}, {"key": "c", "type": "computed", **field}
    )
    result = run(form, {"a": inputs})
    assert result.warnings == ()
    assert result.values["c"] == value
    assert repr(result.values["c"]) == repr(value)


def test_computed_fields_chain_in_dependency_order() -> None:
    form = compile_fields(
        {
            "key": "total",
            "type": "computed",
            "expression": "net + tax",
            "result_type": "money",
            "currency": "CNY",
        },
        {
            "key": "tax",
            "type": "computed",
            "expression": "net * 0.06",
            "result_type": "money",
            "currency": "CNY",
        },
        {
            "key": "net",
            "type": "computed",
            "expression": "price * qty",
            "result_type": "money",
            "currency": "CNY",
        },
        {"key": "price", **CNY},
        {"key": "qty", "type": "integer"},
    )
    result = run(form, {"price": "19.99", "qty": 3})
    assert result.values["net"] == Money(D("59.97"), "CNY")
    assert result.values["tax"] == Money(D("3.60"), "CNY")
    assert result.values["total"] == Money(D("63.57"), "CNY")


def test_computed_values_see_rounded_values_of_earlier_computed_fields() -> None:
    form = compile_fields(
        {"key": "a", "type": "computed", "expression": "1 / 3", "result_type": "decimal"},
        {"key": "b", "type": "computed", "expression": "a * 3", "result_type": "decimal"},
    )
    assert run(form, {}).values == {"a": D("0.33"), "b": D("0.99")}


@pytest.mark.parametrize(
    ("expression", "inputs", "code"),
    [
        ("a / b", {"a": 1, "b": 0}, "expression_failed"),
        ("a / b", {"a": 1}, None),
        ("number(s)", {"s": "abc"}, "expression_failed"),
        ("a * 10000000000000000000000000000000000000", {"a": 9}, "computed_invalid"),
    ],
)
def test_run_time_failures_give_null_and_a_warning(
    expression: str, inputs: dict[str, Any], code: str | None
) -> None:
    form = compile_fields(
        {"key": "a", "type": "integer"},
        {"key": "b", "type": "integer"},
        {"key": "s", "type": "text"},
        {"key": "c", "type": "computed", "expression": expression, "result_type": "decimal"},
    )
    result = run(form, inputs)
    assert result.ok
    assert result.values["c"] is None
    assert pairs(result.warnings) == ([("/c", code)] if code else [])


def test_a_failure_warning_names_the_property_and_the_reason() -> None:
    form = compile_fields(
        {"key": "a", "type": "integer"},
        {"key": "c", "type": "computed", "expression": "1 / a", "result_type": "decimal"},
    )
    (warning,) = run(form, {"a": 0}).warnings
    assert "expression" in warning.en
    assert "division by zero" in warning.en


def test_default_expressions_that_the_field_refuses_give_a_warning() -> None:
    form = compile_fields(
        {"key": "d", "type": "decimal", "scale": 1, "default_expression": "1 / 3"}
    )
    result = run(form, {})
    assert result.values["d"] is None
    assert pairs(result.warnings) == [("/d", "default_invalid")]


def test_expressions_read_the_user_and_the_clock_from_the_context() -> None:
    form = compile_fields(
        {"key": "who", "type": "text", "default_expression": "$user.id"},
        {"key": "at", "type": "datetime", "default_expression": "$now"},
    )
    assert run(form, {}).values == {"who": "u1", "at": NOW}


def test_values_of_every_kind_reach_expressions() -> None:
    form = compile_fields(
        {"key": "m", **CNY},
        {"key": "i", "type": "integer"},
        {"key": "t", "type": "time"},
        {"key": "files", "type": "attachment"},
        {"key": "sig", "type": "signature"},
        {"key": "place", "type": "location"},
        {"key": "tags", "type": "multi_select", "options": ["a", "b"]},
        {"key": "people", "type": "member", "multiple": True},
        {
            "key": "c",
            "type": "computed",
            "result_type": "text",
            "expression": 'string(m + i) + "/" + string(t.hour) + "/" + string(sum(files.size))'
            ' + "/" + sig.name + "/" + string(place.lat) + "/" + string(count(tags))'
            ' + "/" + people[1]',
        },
    )
    pdf = {"id": "f1", "name": "a.pdf", "size": 10, "content_type": "application/pdf"}
    png = {"id": "s1", "name": "s.png", "size": 5, "content_type": "image/png"}
    result = run(
        form,
        {
            "m": "1.50",
            "i": 2,
            "t": "09:30",
            "files": [pdf, {**pdf, "id": "f2", "size": 5}],
            "sig": png,
            "place": {"lat": "31.2", "lng": "121.5"},
            "tags": ["a", "b"],
            "people": ["u7"],
        },
    )
    assert result.warnings == ()
    assert result.values["c"] == "3.50/9/15/s.png/31.2000000/2/u7"
    assert result.values["t"] == time(9, 30)
    assert result.values["sig"] == FileRef("s1", "s.png", 5, "image/png")
    assert result.values["place"] == Location(D("31.2000000"), D("121.5000000"))
