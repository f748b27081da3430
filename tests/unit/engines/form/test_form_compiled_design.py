"""Design-time checks of a form's expressions: `check_form`, `compile_form`, `FormDesignError`."""

from __future__ import annotations

from typing import Any

import pytest
from form_support import TODAY, compile_fields, make_form, pairs

from brickwork.engines.expr.datatypes import (
    BOOLEAN,
    DATE,
    NUMBER,
    STRING,
    context_of,
    list_of,
)
from brickwork.engines.form import FormDesignError, check_form, compile_form
from brickwork.engines.form.scope import FILE_TYPE, LOCATION_TYPE

AMOUNT = {"key": "amount", "type": "money", "currency": "CNY"}
KIND = {"key": "kind", "type": "single_select", "options": ["person", "company"]}
NAME = {"key": "name", "type": "text"}
OTHER = {"key": "other", "type": "text"}


def items(*columns: dict[str, Any], **options: Any) -> dict[str, Any]:
    numbered = [{"id": f"c{i}", "label": "C", **column} for i, column in enumerate(columns)]
    return {"key": "items", "type": "subtable", "fields": numbered, **options}


def computed(key: str, expression: str, result_type: str = "decimal", **options: Any) -> Any:
    return {"key": key, "type": "computed", "expression": expression, "result_type": result_type}


def check(*fields: dict[str, Any], validations: list[dict[str, Any]] | None = None) -> list[Any]:
    return pairs(check_form(make_form(*fields, validations=validations or []), today=TODAY))


def test_a_form_with_good_expressions_has_no_problems() -> None:
    assert (
        check(
            KIND,
            {**NAME, "visible_when": 'kind = "company"', "required_when": "amount > 100"},
            {**AMOUNT, "readonly_when": '$user.department = "risk"'},
            computed("fee", "amount * 0.01"),
            {"key": "start", "type": "date", "default_expression": "$today"},
            items({"key": "amount", "type": "decimal", "required_when": 'kind = "company"'}),
            computed("total", "sum(items.amount) + amount"),
            {"key": "client", "type": "lookup", "target": {"form": "c"}, "where": "x > 1"},
            validations=[{"id": "v1", "expression": "fee <= amount", "message": "M"}],
        )
        == []
    )


@pytest.mark.parametrize(
    ("field", "pointer", "code"),
    [
        (
            {**OTHER, "visible_when": "kidn = 1"},
            "/fields/3/visible_when",
            "expression_unknown_name",
        ),
        ({**OTHER, "required_when": "amount >"}, "/fields/3/required_when", "expression_syntax"),
        ({**OTHER, "readonly_when": "amount"}, "/fields/3/readonly_when", "expression_type"),
        ({**OTHER, "visible_when": "'x' = kind"}, "/fields/3/visible_when", "expression_syntax"),
        (
            {**OTHER, "default_expression": "amount"},
            "/fields/3/default_expression",
            "expression_type",
        ),
        (computed("c", "name", "decimal"), "/fields/3/expression", "expression_type"),
        (computed("c", "amount > 1", "text"), "/fields/3/expression", "expression_type"),
        (computed("c", "amount + name"), "/fields/3/expression", "expression_invalid"),
        (computed("c", "nosuch(amount)"), "/fields/3/expression", "expression_invalid"),
        (
            {"key": "client", "type": "lookup", "target": {"form": "c"}, "where": "x >"},
            "/fields/3/where",
            "expression_syntax",
        ),
    ],
)
def test_expression_problems_point_at_the_property(field: Any, pointer: str, code: str) -> None:
    assert check(KIND, AMOUNT, NAME, field) == [(pointer, code)]


def test_an_unknown_name_reports_line_column_and_the_suggestion() -> None:
    definition = make_form(
        KIND, AMOUNT, {**NAME, "visible_when": 'kind = "company"\nand amout > 1'}
    )
    (found,) = check_form(definition, today=TODAY)
    assert found.pointer == "/fields/2/visible_when"
    assert found.code == "expression_unknown_name"
    assert "line 2, column 5" in found.en
    assert "第 2 行第 5 列" in found.zh_cn
    assert found.en.endswith("unknown name `amout` (did you mean `amount`?)")
    assert found.zh_cn.endswith("未知名称 `amout`（是否应为 `amount`？）")


def test_a_syntax_error_keeps_the_hint_of_the_expression_engine() -> None:
    (found,) = check_form(make_form(KIND, {**NAME, "visible_when": "kind = 'a'"}), today=TODAY)
    assert (found.pointer, found.code) == ("/fields/1/visible_when", "expression_syntax")
    assert "line 1, column 8" in found.en
    assert 'write "a" instead' in found.en


def test_every_expression_problem_is_reported_at_once() -> None:
    assert check(
        KIND,
        {**NAME, "visible_when": "kidn = 1", "required_when": "1 +", "readonly_when": "2"},
        computed("c", "x + y"),
        validations=[{"id": "v1", "expression": "nmae = 1", "message": "M"}],
    ) == [
        ("/fields/1/visible_when", "expression_unknown_name"),
        ("/fields/1/required_when", "expression_syntax"),
        ("/fields/1/readonly_when", "expression_type"),
        ("/fields/2/expression", "expression_unknown_name"),
        ("/fields/2/expression", "expression_unknown_name"),
        ("/validations/0/expression", "expression_unknown_name"),
    ]


def test_definition_problems_come_with_expression_problems() -> None:
    assert check(
        {**NAME, "pattern": "(a+)+"},
        {"key": "name", "type": "text", "visible_when": "nam = 1"},
    ) == [
        ("/fields/0/pattern", "pattern_unsafe"),
        ("/fields/1/key", "field_key_duplicate"),
        ("/fields/1/visible_when", "expression_unknown_name"),
    ]


def test_validation_expressions_must_be_conditions() -> None:
    assert check(
        AMOUNT, validations=[{"id": "v1", "expression": "amount + 1", "message": "M"}]
    ) == [("/validations/0/expression", "expression_type")]


# ---------------------------------------------------------------- rows


def test_row_expressions_see_row_fields_then_parent_fields() -> None:
    row = items(
        {"key": "qty", "type": "integer"},
        {"key": "amount", "type": "decimal", "visible_when": 'kind = "company"'},
        {"key": "line", "type": "computed", "expression": "qty * amount", "result_type": "decimal"},
    )
    assert check(KIND, AMOUNT, row) == []
    form = compile_fields(KIND, AMOUNT, row)
    assert form.scope.fields["items"] == list_of(
        context_of({"qty": NUMBER, "amount": NUMBER, "line": NUMBER})
    )
    assert "kind" in form.expression_keys
    rows = form.plans_by_key["items"].rows
    assert rows is not None
    assert rows.computed_order == ("line",)


def test_row_expression_problems_point_into_the_row_definition() -> None:
    row = items({"key": "qty", "type": "integer", "required_when": "qyt > 1"})
    assert check(AMOUNT, row) == [("/fields/1/fields/0/required_when", "expression_unknown_name")]


# ---------------------------------------------------------------- cycles


@pytest.mark.parametrize(
    ("fields", "pointer", "cycle"),
    [
        ([computed("a", "a + 1")], "/fields/0/expression", "a → a"),
        (
            [computed("a", "b + 1"), computed("b", "c + 1"), computed("c", "a + 1")],
            "/fields/0/expression",
            "a → b → c → a",
        ),
        (
            [{"key": "d", "type": "decimal", "default_expression": "e"}, computed("e", "d * 2")],
            "/fields/0/default_expression",
            "d → e → d",
        ),
        (
            [
                computed("total", "sum(items.share)"),
                items(
                    {
                        "key": "share",
                        "type": "computed",
                        "expression": "total / 2",
                        "result_type": "decimal",
                    }
                ),
            ],
            "/fields/0/expression",
            "total → items → total",
        ),
    ],
)
def test_cycles_are_named(fields: list[Any], pointer: str, cycle: str) -> None:
    problems = check_form(make_form(*fields), today=TODAY)
    assert pairs(problems) == [(pointer, "computed_cycle")]
    assert cycle in problems[0].en
    assert cycle in problems[0].zh_cn


def test_cycles_inside_rows_are_named_with_the_subtable() -> None:
    row = items(
        {"key": "a", "type": "computed", "expression": "b", "result_type": "decimal"},
        {"key": "b", "type": "computed", "expression": "a", "result_type": "decimal"},
    )
    (found,) = check_form(make_form(row), today=TODAY)
    assert (found.pointer, found.code) == ("/fields/0/fields/0/expression", "computed_cycle")
    assert "items.a → items.b → items.a" in found.en


def test_two_separate_cycles_are_both_reported() -> None:
    fields = [computed("a", "b"), computed("b", "a"), computed("c", "d"), computed("d", "c")]
    assert [p.code for p in check_form(make_form(*fields), today=TODAY)] == ["computed_cycle"] * 2


def test_a_filter_item_field_is_not_a_dependency_on_the_parent_field() -> None:
    form = compile_fields(
        computed("big", "count(items[amount > 100])", "integer"),
        items({"key": "amount", "type": "decimal"}),
        computed("amount", "big * 2"),
    )
    assert form.computed_order == ("big", "amount")


def test_computed_order_follows_dependencies() -> None:
    form = compile_fields(
        computed("total", "net + tax"),
        computed("tax", "net * 0.06"),
        computed("net", "price * qty"),
        {"key": "price", "type": "decimal"},
        {"key": "qty", "type": "integer"},
    )
    assert form.computed_order == ("net", "tax", "total")
    assert form.expression_keys == {"net", "tax", "price", "qty"}


# ---------------------------------------------------------------- compile_form


def test_compile_form_raises_with_every_problem() -> None:
    definition = make_form(KIND, {**NAME, "visible_when": "kidn = 1"}, computed("a", "a"))
    with pytest.raises(FormDesignError) as raised:
        compile_form(definition, today=TODAY)
    assert pairs(raised.value.problems) == [
        ("/fields/1/visible_when", "expression_unknown_name"),
        ("/fields/2/expression", "computed_cycle"),
    ]
    assert "/fields/1/visible_when" in str(raised.value)


def test_compiled_form_exposes_definition_fields_and_scope() -> None:
    definition = make_form(
        KIND,
        AMOUNT,
        {"key": "born", "type": "date"},
        {"key": "flag", "type": "boolean"},
        {"key": "tags", "type": "multi_select", "options": ["a"]},
        {"key": "files", "type": "attachment"},
        {"key": "sig", "type": "signature"},
        {"key": "place", "type": "location"},
        {"key": "manager", "type": "member"},
        {"key": "clients", "type": "lookup", "target": {"form": "c"}, "multiple": True},
        computed("ok", "flag", "boolean"),
    )
    form = compile_form(definition, today=TODAY)
    assert form.definition is definition
    assert list(form.fields_by_key) == [field.key for field in definition.fields]
    assert form.scope.fields == {
        "kind": STRING,
        "amount": NUMBER,
        "born": DATE,
        "flag": BOOLEAN,
        "tags": list_of(STRING),
        "files": list_of(FILE_TYPE),
        "sig": FILE_TYPE,
        "place": LOCATION_TYPE,
        "manager": STRING,
        "clients": list_of(STRING),
        "ok": BOOLEAN,
    }
    assert form.computed_order == ("ok",)
    assert form.system_keys == {"ok"}
