"""`validate_record` conditions: visible_when, required_when, readonly_when, and their policies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from form_support import RECORD_CONTEXT, compile_fields, pairs

from brickwork.engines.form import CompiledForm, RecordResult, validate_record
from brickwork.engines.form.money import Money

D = Decimal


def run(
    form: CompiledForm, data: dict[str, Any], current: dict[str, Any] | None = None
) -> RecordResult:
    return validate_record(form, data, context=RECORD_CONTEXT, current=current)


KYC = compile_fields(
    {"key": "kind", "type": "single_select", "options": ["person", "company"]},
    {"key": "company", "type": "text", "required": True, "visible_when": 'kind = "company"'},
    {"key": "uscc_note", "type": "text", "default": "n/a", "visible_when": 'kind = "company"'},
    {"key": "amount", "type": "money", "currency": "CNY"},
    {"key": "source", "type": "text", "required_when": "amount > 50000"},
    {"key": "status", "type": "single_select", "options": ["draft", "approved"]},
    {"key": "limit", "type": "integer", "readonly_when": 'status = "approved"'},
    {
        "key": "fee",
        "type": "computed",
        "expression": "amount * 0.01",
        "result_type": "money",
        "currency": "CNY",
        "visible_when": 'kind = "company"',
    },
)
APPROVED: dict[str, Any] = {
    "kind": "person",
    "company": None,
    "uscc_note": None,
    "amount": Money(D("100.00"), "CNY"),
    "source": None,
    "status": "approved",
    "limit": 10,
    "fee": Money(D("1.00"), "CNY"),
}


# ---------------------------------------------------------------- visible_when


@pytest.mark.parametrize(
    ("data", "hidden", "errors"),
    [
        ({"kind": "person"}, {"company", "uscc_note", "fee"}, []),
        ({"kind": "company"}, set(), [("/company", "required")]),
        ({"kind": "company", "company": "ACME"}, set(), []),
        ({}, {"company", "uscc_note", "fee"}, []),  # FEEL: null = "company" is false
    ],
)
def test_hidden_fields_are_never_required(
    data: dict[str, Any], hidden: set[str], errors: list[tuple[str, str]]
) -> None:
    result = run(KYC, data)
    assert result.hidden == hidden
    assert pairs(result.errors) == errors


def test_a_value_sent_for_a_hidden_field_is_dropped_with_a_warning() -> None:
    result = run(KYC, {"kind": "person", "company": "ACME", "uscc_note": "x"})
    assert result.ok
    assert result.values["company"] is None
    assert result.values["uscc_note"] == "n/a"
    assert pairs(result.warnings) == [
        ("/company", "field_hidden_ignored"),
        ("/uscc_note", "field_hidden_ignored"),
    ]


def test_blank_values_for_hidden_fields_are_dropped_silently() -> None:
    result = run(KYC, {"kind": "person", "company": None, "uscc_note": "  ", "fee": None})
    assert result.ok
    assert result.warnings == ()
    assert result.values["uscc_note"] == "n/a"


def test_a_bad_value_for_a_hidden_field_is_dropped_not_reported() -> None:
    result = run(KYC, {"kind": "person", "company": ["not", "text"]})
    assert result.ok
    assert pairs(result.warnings) == [("/company", "field_hidden_ignored")]


def test_on_update_a_hidden_field_keeps_its_current_value() -> None:
    current = {**APPROVED, "company": "Old Co", "status": "draft"}
    result = run(KYC, {"company": "New Co"}, current=current)
    assert result.values["company"] == "Old Co"
    assert pairs(result.warnings) == [("/company", "field_hidden_ignored")]


def test_dropping_a_hidden_value_recomputes_what_depends_on_it() -> None:
    form = compile_fields(
        {"key": "on", "type": "boolean"},
        {"key": "extra", "type": "integer", "visible_when": "on"},
        {
            "key": "total",
            "type": "computed",
            "expression": "if extra = null then 0 else extra",
            "result_type": "integer",
        },
    )
    assert run(form, {"on": True, "extra": 5}).values["total"] == 5
    result = run(form, {"on": False, "extra": 5})
    assert result.values == {"on": False, "extra": None, "total": 0}


def test_a_hidden_computed_field_is_still_computed() -> None:
    result = run(KYC, {"kind": "person", "amount": "300"})
    assert "fee" in result.hidden
    assert result.values["fee"] == Money(D("3.00"), "CNY")


# ---------------------------------------------------------------- required_when


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"amount": "60000"}, [("/source", "required")]),
        ({"amount": "60000", "source": "salary"}, []),
        ({"amount": "100"}, []),
        ({"amount": None}, []),
        ({}, []),
    ],
)
def test_required_when(data: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    assert pairs(run(KYC, data).errors) == errors


def test_required_when_on_update_uses_the_merged_record() -> None:
    current = {**APPROVED, "status": "draft", "amount": Money(D("60000.00"), "CNY")}
    assert pairs(run(KYC, {"limit": 5}, current=current).errors) == [("/source", "required")]


# ---------------------------------------------------------------- readonly_when


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"limit": 20}, [("/limit", "field_readonly")]),
        ({"limit": "10"}, []),
        ({"limit": 10, "amount": "100"}, []),
        ({"limit": None}, [("/limit", "field_readonly")]),
        ({"status": "draft", "limit": 20}, []),
        ({"limit": "x"}, [("/limit", "number_format")]),
    ],
)
def test_readonly_fields_cannot_change_on_update(
    data: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    result = run(KYC, data, current=APPROVED)
    assert pairs(result.errors) == errors


def test_readonly_applies_to_updates_only() -> None:
    result = run(KYC, {"status": "approved", "limit": 20})
    assert result.ok
    assert result.values["limit"] == 20
    assert "limit" in result.readonly


def test_readonly_lists_conditions_and_system_fields() -> None:
    assert run(KYC, {}, current=APPROVED).readonly == {"limit", "fee"}
    assert run(KYC, {"status": "draft"}, current=APPROVED).readonly == {"fee"}


def test_hidden_wins_over_readonly() -> None:
    form = compile_fields(
        {"key": "flag", "type": "boolean"},
        {"key": "x", "type": "integer", "visible_when": "not(flag)", "readonly_when": "flag"},
    )
    result = run(form, {"x": 2}, current={"flag": True, "x": 1})
    assert result.ok
    assert result.values["x"] == 1
    assert result.hidden == {"x"}
    assert result.readonly == frozenset()


# ---------------------------------------------------------------- null and odd results


@pytest.mark.parametrize("kind", ["visible_when", "required_when", "readonly_when"])
@pytest.mark.parametrize("condition", ["null", "other > 1", "other > 1 and true", "other"])
def test_null_conditions_are_not_applied(kind: str, condition: str) -> None:
    form = compile_fields(
        {"key": "other", "type": "boolean"},
        {"key": "x", "type": "integer", kind: condition.replace("other > 1", "n > 1")},
        {"key": "n", "type": "integer"},
    )
    result = run(form, {"x": None}, current={"other": None, "x": 1, "n": None})
    assert result.ok
    assert result.values["x"] is None
    assert result.hidden == frozenset()
    assert result.readonly == frozenset()
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("kind", "hidden", "readonly", "errors"),
    [
        ("visible_when", {"x"}, set(), []),
        ("required_when", set(), set(), [("/x", "required")]),
        ("readonly_when", set(), {"x"}, [("/x", "field_readonly")]),
    ],
)
def test_true_conditions_apply(
    kind: str, hidden: set[str], readonly: set[str], errors: list[tuple[str, str]]
) -> None:
    condition = "not(on)" if kind == "visible_when" else "on"
    form = compile_fields(
        {"key": "on", "type": "boolean"}, {"key": "x", "type": "integer", kind: condition}
    )
    result = run(form, {"x": None}, current={"on": True, "x": 1})
    assert result.hidden == hidden
    assert result.readonly == readonly
    assert pairs(result.errors) == errors


def test_a_condition_that_gives_no_boolean_is_not_applied_and_warned() -> None:
    form = compile_fields(
        {"key": "tags", "type": "multi_select", "options": ["a"]},
        {"key": "x", "type": "integer", "visible_when": 'if count(tags) > 0 then "yes" else false'},
    )
    result = run(form, {"tags": ["a"], "x": 1})
    assert result.hidden == frozenset()
    assert result.values["x"] == 1
    assert pairs(result.warnings) == [("/x", "expression_failed")]


def test_a_visible_when_that_fails_at_run_time_leaves_the_field_visible() -> None:
    form = compile_fields(
        {"key": "a", "type": "integer"},
        {"key": "x", "type": "text", "required": True, "visible_when": "1 / a > 1"},
    )
    result = run(form, {"a": 0})
    assert result.hidden == frozenset()
    assert pairs(result.errors) == [("/x", "required")]
    assert pairs(result.warnings) == [("/x", "expression_failed")]
    assert "visible_when" in result.warnings[0].en


def test_conditions_can_read_computed_values() -> None:
    form = compile_fields(
        {"key": "amount", "type": "decimal"},
        {"key": "big", "type": "computed", "expression": "amount > 1000", "result_type": "boolean"},
        {"key": "reason", "type": "text", "visible_when": "big", "required": True},
    )
    assert pairs(run(form, {"amount": 5}).errors) == []
    assert pairs(run(form, {"amount": 5000}).errors) == [("/reason", "required")]


def test_conditions_can_read_the_user() -> None:
    form = compile_fields(
        {"key": "note", "type": "text", "visible_when": '$user.department = "risk"'},
    )
    assert run(form, {}).hidden == {"note"}
