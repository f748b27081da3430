"""`validate_record` on subtables: rows, deep pointers, row ids, row conditions and row scope."""

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


def cny(amount: str) -> Money:
    return Money(D(amount), "CNY")


def column(key: str, field_type: str, **options: Any) -> dict[str, Any]:
    return {"id": f"c_{key}", "key": key, "label": key, "type": field_type, **options}


LOAN = compile_fields(
    {"key": "amount", "type": "money", "currency": "CNY", "required": True},
    {"key": "secured", "type": "boolean"},
    {
        "key": "guarantors",
        "type": "subtable",
        "min_rows": 1,
        "max_rows": 3,
        "required_when": "secured",
        "fields": [
            column("name", "text", required=True),
            column("amount", "money", currency="CNY", required_when="secured"),
            column("kind", "single_select", options=["person", "company"]),
            column("uscc", "uscc", visible_when='kind = "company"'),
            column(
                "share",
                "computed",
                expression="amount / parent_total",
                result_type="percent",
                scale=1,
            ),
            column("note", "text", readonly_when="amount > 1000"),
            column("ref", "serial_number", pattern="G-{seq:3}"),
        ],
    },
    {"key": "parent_total", "type": "computed", "expression": "amount", "result_type": "decimal"},
    {
        "key": "covered",
        "type": "computed",
        "expression": "sum(guarantors.amount)",
        "result_type": "money",
        "currency": "CNY",
    },
    {
        "key": "big",
        "type": "computed",
        "expression": "count(guarantors[amount > 100])",
        "result_type": "integer",
    },
    validations=[
        {
            "id": "v1",
            "expression": "covered <= amount",
            "fields": ["guarantors"],
            "message": {"zh-CN": "担保金额超过贷款金额", "en": "guarantees exceed the loan"},
        },
    ],
)


def row(**cells: Any) -> dict[str, Any]:
    return {"name": "g", **cells}


def test_rows_are_coerced_and_computed_with_parent_and_row_values() -> None:
    result = run(LOAN, {"amount": "1000", "guarantors": [row(amount="200"), row(amount="50")]})
    assert result.ok, result.errors
    first, second = result.values["guarantors"]
    assert first == {
        "name": "g",
        "amount": cny("200.00"),
        "kind": None,
        "uscc": None,
        "share": D("0.200"),
        "note": None,
        "ref": None,
    }
    assert second["share"] == D("0.050")
    assert result.values["covered"] == cny("250.00")
    assert result.values["big"] == 1


def test_row_errors_come_with_deep_pointers_all_at_once() -> None:
    result = run(
        LOAN,
        {
            "amount": "100",
            "secured": True,
            "guarantors": [
                {"amount": "x", "colour": 1},
                row(amount="10.001"),
                "not a row",
                row(),
            ],
        },
    )
    assert sorted(pairs(result.errors)) == [
        ("/guarantors", "too_many"),
        ("/guarantors/0/amount", "number_format"),
        ("/guarantors/0/colour", "unknown_field"),
        ("/guarantors/0/name", "required"),
        ("/guarantors/1/amount", "money_scale"),
        ("/guarantors/2", "subtable_format"),
        ("/guarantors/3/amount", "required"),
    ]


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        ([], [("/guarantors", "too_few")]),
        ("rows", [("/guarantors", "subtable_format"), ("/guarantors", "too_few")]),
        ([row(), row(), row(), row()], [("/guarantors", "too_many")]),
    ],
)
def test_row_counts(rows: Any, errors: list[tuple[str, str]]) -> None:
    assert pairs(run(LOAN, {"amount": "1", "guarantors": rows}).errors) == errors


def test_a_required_subtable_needs_a_row() -> None:
    form = compile_fields(
        {"key": "on", "type": "boolean"},
        {
            "key": "lines",
            "type": "subtable",
            "required_when": "on",
            "fields": [column("x", "text")],
        },
    )
    assert pairs(run(form, {"on": True}).errors) == [("/lines", "required")]
    assert pairs(run(form, {"on": True, "lines": [{"x": "a"}]}).errors) == []
    assert pairs(run(form, {"on": False}).errors) == []


def test_row_conditions_see_row_fields_first_then_the_parent() -> None:
    result = run(
        LOAN,
        {
            "amount": "1000",
            "secured": True,
            "guarantors": [
                row(amount="5", kind="person", uscc="91350100M000100Y43"),
                row(kind="company"),
            ],
        },
    )
    assert pairs(result.errors) == [("/guarantors/1/amount", "required")]
    assert pairs(result.warnings) == [("/guarantors/0/uscc", "field_hidden_ignored")]
    assert result.values["guarantors"][0]["uscc"] is None
    assert result.hidden_cells == {"/guarantors/0/uscc"}
    assert result.hidden == frozenset()


def test_row_conditions_work_without_any_parent_expression() -> None:
    form = compile_fields(
        {
            "key": "lines",
            "type": "subtable",
            "fields": [
                column("kind", "single_select", options=["a", "b"]),
                column("detail", "text", visible_when='kind = "b"', required=True),
            ],
        },
    )
    result = run(
        form, {"lines": [{"kind": "a", "detail": "x"}, {"kind": "b"}, {"kind": "a", "detail": ""}]}
    )
    assert pairs(result.errors) == [("/lines/1/detail", "required")]
    assert pairs(result.warnings) == [("/lines/0/detail", "field_hidden_ignored")]
    assert result.values["lines"] == [
        {"kind": "a", "detail": None},
        {"kind": "b", "detail": None},
        {"kind": "a", "detail": None},
    ]


def test_a_hidden_subtable_keeps_its_rows_and_reports_nothing_inside() -> None:
    form = compile_fields(
        {"key": "on", "type": "boolean"},
        {
            "key": "lines",
            "type": "subtable",
            "visible_when": "on",
            "min_rows": 1,
            "fields": [column("x", "integer", required=True)],
        },
    )
    current = {"on": False, "lines": [{"_id": "r1", "x": 1}]}
    result = run(form, {"lines": ["junk", {"x": "y"}]}, current=current)
    assert result.ok
    assert result.values["lines"] == [{"_id": "r1", "x": 1}]
    assert pairs(result.warnings) == [("/lines", "field_hidden_ignored")]
    assert run(form, {"on": False}).ok


# ---------------------------------------------------------------- updates and row ids

STORED: dict[str, Any] = {
    "amount": cny("1000.00"),
    "secured": False,
    "guarantors": [
        {
            "_id": "r1",
            "name": "a",
            "amount": cny("2000.00"),
            "kind": None,
            "uscc": None,
            "share": D("2.000"),
            "note": "locked",
            "ref": "G-001",
        },
        {
            "_id": "r2",
            "name": "b",
            "amount": cny("10.00"),
            "kind": None,
            "uscc": None,
            "share": D("0.010"),
            "note": None,
            "ref": "G-002",
        },
    ],
    "parent_total": D("1000.00"),
    "covered": cny("2010.00"),
    "big": 1,
}


def test_rows_not_sent_are_kept_and_recomputed() -> None:
    result = run(LOAN, {"amount": "5000"}, current=STORED)
    assert result.ok, result.errors
    first, second = result.values["guarantors"]
    assert first["_id"] == "r1"
    assert first["share"] == D("0.400")
    assert second["share"] == D("0.002")


def test_a_row_with_an_id_is_a_partial_update_of_that_row() -> None:
    data = {"amount": "5000", "guarantors": [{"_id": "r2", "amount": "20"}, row(amount="1")]}
    result = run(LOAN, data, current=STORED)
    assert result.ok, result.errors
    updated, added = result.values["guarantors"]
    assert updated == {**STORED["guarantors"][1], "amount": cny("20.00"), "share": D("0.004")}
    assert "_id" not in added
    assert added["ref"] is None
    assert result.values["covered"] == cny("21.00")


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        ([{"_id": "r9", "name": "x"}], [("/guarantors/0/_id", "row_id_unknown")]),
        ([{"_id": "r1"}, {"_id": "r1", "name": "a"}], [("/guarantors/1/_id", "duplicate_item")]),
        ([{"_id": "bad id", "name": "x"}], [("/guarantors/0/_id", "reference_format")]),
        ([{"_id": 7, "name": "x"}], [("/guarantors/0/_id", "reference_format")]),
        ([{"_id": "r1", "note": "changed"}], [("/guarantors/0/note", "field_readonly")]),
        ([{"_id": "r1", "note": "locked"}], []),
        ([{"_id": "r2", "note": "free"}], []),
        ([{"_id": "r1", "ref": "G-001", "share": "2"}], []),
        ([{"_id": "r1", "ref": "G-009"}], [("/guarantors/0/ref", "field_not_writable")]),
        ([row(ref="G-009")], [("/guarantors/0/ref", "field_not_writable")]),
        ([{"_id": None, "name": "new"}], []),
    ],
)
def test_row_ids_readonly_cells_and_system_cells(
    rows: list[dict[str, Any]], errors: list[tuple[str, str]]
) -> None:
    result = run(LOAN, {"amount": "100000", "guarantors": rows}, current=STORED)
    assert pairs(result.errors) == errors


def test_readonly_cells_are_listed_by_pointer() -> None:
    result = run(LOAN, {}, current={**STORED, "amount": cny("9000.00")})
    assert result.readonly_cells == {"/guarantors/0/note"}


def test_a_readonly_subtable_cannot_change_its_rows() -> None:
    form = compile_fields(
        {"key": "locked", "type": "boolean"},
        {
            "key": "lines",
            "type": "subtable",
            "readonly_when": "locked",
            "fields": [column("x", "integer"), column("tags", "multi_select", options=["a"])],
        },
    )
    current = {"locked": True, "lines": [{"_id": "r1", "x": 1, "tags": ["a"]}]}
    same = [{"_id": "r1", "x": "1", "tags": ["a"]}]
    assert run(form, {"lines": same}, current=current).ok
    changed = [{"_id": "r1", "x": 2}]
    assert pairs(run(form, {"lines": changed}, current=current).errors) == [
        ("/lines", "field_readonly")
    ]
    assert pairs(run(form, {"lines": []}, current=current).errors) == [("/lines", "field_readonly")]


# ---------------------------------------------------------------- defaults and validations


def test_new_rows_get_row_defaults_and_default_expressions() -> None:
    form = compile_fields(
        {"key": "currency", "type": "text", "default": "CNY"},
        {
            "key": "lines",
            "type": "subtable",
            "fields": [
                column("qty", "integer", default=1),
                column("unit", "text", default_expression='currency + "/pc"'),
            ],
        },
    )
    result = run(form, {"lines": [{}, {"qty": 3, "unit": "kg"}]})
    assert result.values["lines"] == [{"qty": 1, "unit": "CNY/pc"}, {"qty": 3, "unit": "kg"}]
    current = {"currency": "USD", "lines": [{"_id": "r1", "qty": 5, "unit": None}]}
    updated = run(form, {"lines": [{"_id": "r1"}, {}]}, current=current)
    assert updated.values["lines"] == [
        {"_id": "r1", "qty": 5, "unit": None},
        {"qty": 1, "unit": "USD/pc"},
    ]


def test_a_static_default_subtable_gives_new_rows_on_create() -> None:
    form = compile_fields(
        {
            "key": "lines",
            "type": "subtable",
            "default": [{"qty": 2}],
            "fields": [
                column("qty", "integer"),
                column("double", "computed", expression="qty * 2", result_type="integer"),
            ],
        },
    )
    assert run(form, {}).values["lines"] == [{"qty": 2, "double": 4}]


def test_form_validations_see_subtables_and_blame_their_field() -> None:
    data = {"amount": "100", "guarantors": [row(amount="80"), row(amount="30")]}
    result = run(LOAN, data)
    (error,) = result.errors
    assert (error.pointer, error.code) == ("/guarantors", "validation_failed")
    assert "担保金额超过贷款金额" in error.zh_cn
    assert "guarantees exceed the loan" in error.en
