"""A formula reads an amount as a bare number: the form refuses, at design time, the formulas
that would add up or compare amounts in different currencies (`money_rows_mixed`,
`money_currencies_differ`) or give a money result in one currency from an amount in another
(`computed_money_currency`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from brickwork.engines.form import check_form, compile_form
from brickwork.engines.form.definition import FormDefinition

LABEL = {"zh-CN": "字段", "en": "Field"}


def field(key: str, kind: str, **options: Any) -> dict[str, Any]:
    return {"id": f"f_{key}", "key": key, "type": kind, "label": LABEL, **options}


def lines(**amount: Any) -> dict[str, Any]:
    return field(
        "lines", "subtable", fields=[field("amt", "money", **amount), field("q", "integer")]
    )


def total(expression: str, currency: str = "CNY") -> dict[str, Any]:
    return field("total", "computed", result_type="money", currency=currency, expression=expression)


def problems(fields: list[dict[str, Any]], **more: Any) -> list[tuple[str, str]]:
    definition = FormDefinition.model_validate({"fields": fields, **more})
    return [(p.code, p.pointer) for p in check_form(definition, today=date(2026, 12, 7))]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # rows whose currencies may differ cannot be added up, compared or listed together
        ([lines(), total("sum(lines.amt)")], [("money_rows_mixed", "/fields/1/expression")]),
        ([lines(), field("n", "decimal", default_expression="max(lines.amt)")],
         [("money_rows_mixed", "/fields/1/default_expression")]),
        ([lines(), field("big", "boolean", visible_when="count(lines[amt > 10]) > 0"),
          field("top", "computed", result_type="decimal", expression="lines.amt[1]")],
         [("money_rows_mixed", "/fields/2/expression")]),
        # counting rows, a row's own amount, and rows in one fixed currency are fine
        ([lines(), field("n", "computed", result_type="integer", expression="count(lines)")], []),
        ([field("lines", "subtable", fields=[
            field("amt", "money"), field("q", "integer"),
            field("line_total", "computed", result_type="decimal", expression="amt * q")])], []),
        ([lines(currency="CNY"), total("sum(lines.amt)")], []),
        # a money result is in its own currency: other currencies must be converted
        ([lines(currency="USD"), total("sum(lines.amt)")],
         [("computed_money_currency", "/fields/1/expression")]),
        ([field("p", "money", currency="USD"), total("p * 7")],
         [("computed_money_currency", "/fields/1/expression")]),
        ([field("p", "money", currency="USD"), field("d", "date"),
          total('convert currency(p, "USD", "CNY", d)')], []),
        ([field("p", "money"), field("d", "date"),
          total('convert currency(p, "USD", "CNY", d)')],
         [("computed_money_currency", "/fields/2/expression")]),
        ([field("p", "money", currency="JPY"), total("p", currency="JPY")], []),
        ([field("p", "money", currency="USD"), field("q", "money", currency="CNY",
                                                     default_expression="p")],
         [("computed_money_currency", "/fields/1/default_expression")]),
        # two amounts whose currencies may differ are not added, subtracted or compared
        ([field("u", "money", currency="USD"), field("c", "money", currency="CNY"),
          field("gap", "computed", result_type="decimal", expression="u - c")],
         [("money_currencies_differ", "/fields/2/expression")]),
        ([field("fee", "money"), field("cap", "money", currency="CNY"),
          field("over", "boolean", visible_when="fee > cap")],
         [("money_currencies_differ", "/fields/2/visible_when")]),
        ([field("a", "money"), field("b", "money"),
          field("n", "computed", result_type="decimal", expression="a + b")],
         [("money_currencies_differ", "/fields/2/expression")]),
        ([field("u", "money", currency="USD"), field("v", "money", currency="USD"),
          field("n", "computed", result_type="decimal", expression="u + v - u * 2")], []),
        ([field("u", "money", currency="USD"), field("c", "money", currency="CNY"),
          field("d", "date"), field("n", "computed", result_type="decimal",
                                    expression='convert currency(u, "USD", "CNY", d) - c')], []),
        # nor gathered into one aggregate (`max` of two amounts compares them); a list alone is fine
        ([field("u", "money", currency="USD"), field("c", "money", currency="CNY"),
          field("n", "computed", result_type="decimal", expression="sum([u, c])")],
         [("money_currencies_differ", "/fields/2/expression")]),
        ([field("u", "money", currency="USD"), field("c", "money", currency="CNY"),
          field("n", "computed", result_type="decimal", expression="MAX(u, c)")],
         [("money_currencies_differ", "/fields/2/expression")]),
        ([field("fee", "money"), field("cap", "money", currency="CNY"),
          field("n", "computed", result_type="decimal", expression="min([cap, fee])")],
         [("money_currencies_differ", "/fields/2/expression")]),
        ([field("u", "money", currency="USD"), field("v", "money", currency="USD"),
          field("n", "computed", result_type="decimal", expression="sum([u, v]) + max(u, v)")],
         []),
        ([field("u", "money", currency="USD"), field("c", "money", currency="CNY"),
          field("n", "computed", result_type="integer", expression="count([u, c])")], []),
        # a number from amounts is the designer's: not a money result
        ([field("p", "money", currency="USD"),
          field("n", "computed", result_type="decimal", expression="p * 7")], []),
    ],
)  # fmt: skip
def test_formulas_never_mix_currencies(
    fields: list[dict[str, Any]], expected: list[tuple[str, str]]
) -> None:
    assert problems(fields) == expected


def test_a_validation_may_not_compare_rows_of_several_currencies() -> None:
    validation = {"id": "v1", "expression": "max(lines.amt) < 100", "message": LABEL}
    assert problems([lines()], validations=[validation]) == [
        ("money_rows_mixed", "/validations/0/expression")
    ]


def test_the_refusal_says_which_amount_and_what_to_do() -> None:
    definition = FormDefinition.model_validate(
        {"fields": [field("fee", "money"), total("fee * 2")]}
    )
    (found,) = check_form(definition, today=date(2026, 12, 7))
    assert "`fee`" in found.en
    assert "chosen per record" in found.en
    assert "fixed currency CNY" in found.en
    assert "`fee`" in found.zh_cn
    assert "币种按记录选择" in found.zh_cn
    definition = FormDefinition.model_validate(
        {"fields": [field("fee", "money", currency="USD"), total("fee * 2")]}
    )
    (found,) = check_form(definition, today=date(2026, 12, 7))
    assert "(in USD)" in found.en
    assert "convert currency" in found.en
    assert "币种为 USD" in found.zh_cn


def test_a_form_published_before_the_check_keeps_compiling() -> None:
    """The check refuses a publish; a version already published still runs (its records stay
    usable), so compiling it does not raise."""
    definition = FormDefinition.model_validate({"fields": [lines(), total("sum(lines.amt)")]})
    assert [p.code for p in check_form(definition, today=date(2026, 12, 7))] == ["money_rows_mixed"]
    compiled = compile_form(definition, today=date(2026, 12, 7))
    assert compiled.computed_order == ("total",)
