"""A form's formulas compare choice fields with their options only: `status = "Approved"` when
the option is `approved` never matches, so a visibility condition, a validation or a computed
value would silently never apply. Refused when the form is checked, with line and column."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from brickwork.engines.form import check_form
from brickwork.engines.form.definition import FormDefinition

LABEL = {"zh-CN": "字段", "en": "Field"}
STATUS = {
    "id": "f_status",
    "key": "status",
    "type": "single_select",
    "label": LABEL,
    "options": ["approved", {"value": "rejected", "label": {"zh-CN": "拒绝", "en": "Rejected"}}],
}


def field(key: str, kind: str, **more: Any) -> dict[str, Any]:
    return {"id": f"f_{key}", "key": key, "type": kind, "label": LABEL, **more}


def problems(*fields: dict[str, Any], **more: Any) -> list[tuple[str, str, str, str]]:
    definition = FormDefinition.model_validate({"fields": [STATUS, *fields], **more})
    return [
        (p.code, p.pointer, p.en, p.zh_cn) for p in check_form(definition, today=date(2026, 12, 7))
    ]


def test_text_that_is_none_of_the_options_is_refused_where_it_is_written() -> None:
    found = problems(field("reason", "text", visible_when='status = "Rejected"'))
    assert found == [
        (
            "expression_not_an_option",
            "/fields/1/visible_when",
            'line 1, column 10: "Rejected" is not an option of `status` ("approved", '
            '"rejected"), so the comparison never matches: use one of them (case matters)',
            '第 1 行第 10 列："Rejected" 不是 `status` 的选项（"approved", "rejected"），'
            "这个比较永远不会匹配：请使用其中之一（区分大小写）",
        )
    ]


@pytest.mark.parametrize(
    ("fields", "more", "pointer"),
    [
        (
            [field("flag", "computed", result_type="boolean", expression='status != "aproved"')],
            {},
            "/fields/1/expression",
        ),
        (
            [field("tags", "multi_select", options=["vip", "pep"]),
             field("k", "boolean", required_when='list contains(tags, "VIP")')],
            {},
            "/fields/2/required_when",
        ),
        (
            [],
            {"validations": [{"id": "v1", "expression": 'status in ["approved", "closed"]',
                              "message": LABEL}]},
            "/validations/0/expression",
        ),
        (  # a row's own choice field
            [field("lines", "subtable", fields=[
                field("kind", "single_select", options=["fee", "interest"]),
                field("n", "decimal", visible_when='kind = "principal"')])],
            {},
            "/fields/1/fields/1/visible_when",
        ),
    ],
)  # fmt: skip
def test_every_formula_of_the_form_is_checked(
    fields: list[dict[str, Any]], more: dict[str, Any], pointer: str
) -> None:
    assert [(code, at) for code, at, _en, _zh in problems(*fields, **more)] == [
        ("expression_not_an_option", pointer)
    ]


def test_options_and_choices_from_elsewhere_pass() -> None:
    assert (
        problems(
            field("reason", "text", visible_when='status = "rejected" or status = null'),
            field(
                "region",
                "single_select",
                options_from={"form": "regions", "value_field": "code", "label_field": "name"},
            ),
            field("note", "text", visible_when='region = "anything"'),
        )
        == []
    )


def test_a_choice_default_giving_none_of_the_options_is_refused() -> None:
    defaulted = {
        **STATUS,
        "default_expression": 'if today() > date("2026-01-01") then "open" else "approved"',
    }
    definition = FormDefinition.model_validate({"fields": [defaulted]})
    found = [(p.code, p.pointer, p.en) for p in check_form(definition, today=date(2026, 12, 7))]
    assert found == [
        (
            "default_not_an_option",
            "/fields/0/default_expression",
            'line 1, column 38: "open" is not an option of the field ("approved", "rejected"), so '
            "the default would be refused: use one of them (case matters)",
        )
    ]
