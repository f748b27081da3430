"""A refused rule or decision model names each problem in the designer's language: Chinese to a
client that asks for it (a Chinese analyst in the rule designer), English otherwise; codes and
pointers are the same in both."""

from __future__ import annotations

from typing import Any

import pytest
from decision_models import rating_model
from drafts import draft
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/fx"
LANGUAGES = ("zh-CN", "en")


def refusals(client: TestClient, kind: str, key: str) -> dict[str, dict[str, Any]]:
    """The refused publish of `kind`/`key` as each language asks for it."""
    answers = {}
    for language in LANGUAGES:
        response = client.post(
            f"{APP}/definitions/{kind}/{key}/publish", headers={"accept-language": language}
        )
        assert response.status_code == 422, response.text
        answers[language] = response.json()
    return answers


def by_pointer(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {item["pointer"]: (item["code"], item["message"]) for item in body["errors"]}


@pytest.fixture
def fx(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "fx", "label": "FX"}).status_code == 201
    deal = [
        {"id": "f_desk", "key": "desk", "type": "text", "label": "Desk"},
        {"id": "f_amount", "key": "amount", "type": "money", "label": "Amount", "currency": "USD"},
        {
            "id": "f_ref",
            "key": "ref",
            "type": "serial_number",
            "label": "Ref",
            "pattern": "D{seq:4}",
        },
        {
            "id": "f_fee",
            "key": "fee",
            "type": "computed",
            "label": "Fee",
            "expression": "amount * 0.001",
            "result_type": "decimal",
        },
    ]
    draft(client, APP, "form", "deal", {"fields": deal})
    assert client.post(f"{APP}/definitions/form/deal/publish").status_code == 201
    return client


def test_a_refused_rule_names_each_problem_in_the_designers_language(fx: TestClient) -> None:
    rule = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "mode": "async",
        "condition": "amount + 1",
        "actions": [{"type": "set_fields", "values": {"risk": '"high"', "desk": "1 +"}}],
    }
    draft(fx, APP, "rule", "big_desk", rule)
    answers = refusals(fx, "rule", "big_desk")
    zh, en = by_pointer(answers["zh-CN"]), by_pointer(answers["en"])
    assert {p: code for p, (code, _) in zh.items()} == {p: code for p, (code, _) in en.items()}
    assert en["/spec/condition"] == (
        "E_RULE_CONDITION",
        "the condition gives a number, not true/false (e.g. amount > 50000)",
    )
    assert zh["/spec/condition"] == (
        "E_RULE_CONDITION",
        "条件的结果是数字，不是 true/false（例如 amount > 50000）",
    )
    assert en["/spec/mode"][1] == (
        'only after-save rules can act later (use "same_transaction" before the save)'
    )
    assert zh["/spec/mode"][1] == (
        '只有保存后执行的规则才能稍后执行（保存前执行的规则请用 "same_transaction"）'
    )
    assert en["/spec/actions/0/values/risk"] == ("E_RULE_UNKNOWN_FIELD", "no field `risk` to set")
    assert zh["/spec/actions/0/values/risk"] == ("E_RULE_UNKNOWN_FIELD", "没有可设置的字段 `risk`")
    code, english = en["/spec/actions/0/values/desk"]
    assert code == "E_RULE_EXPRESSION"
    assert english.startswith("line 1, column ")
    chinese = zh["/spec/actions/0/values/desk"][1]
    assert chinese.startswith("第 1 行第 ")
    assert "列：表达式有误（E_" in chinese
    assert answers["zh-CN"]["detail"] == "规则 'big_desk' 无法发布"
    assert answers["en"]["detail"] == "rule 'big_desk' cannot be published"
    plain = fx.post(f"{APP}/definitions/rule/big_desk/publish")
    assert by_pointer(plain.json()) == en  # English unless the client asks for Chinese


def test_a_refused_decision_model_names_each_problem_in_the_designers_language(
    fx: TestClient,
) -> None:
    spec = rating_model(rules=[{"id": "r1", "when": ["< 600"], "then": ['"high"']}])
    spec["decisions"][0]["requires"]["inputs"].append("income")
    draft(fx, APP, "decision_table", "rating", spec)
    answers = refusals(fx, "decision_table", "rating")
    zh, en = by_pointer(answers["zh-CN"]), by_pointer(answers["en"])
    assert {p: code for p, (code, _) in zh.items()} == {p: code for p, (code, _) in en.items()}
    assert en["/spec/decisions/0/requires/inputs/2"] == (
        "E_DMN_UNKNOWN_REQUIREMENT",
        "the model has no input named `income` (known: score, pep)",
    )
    assert zh["/spec/decisions/0/requires/inputs/2"] == (
        "E_DMN_UNKNOWN_REQUIREMENT",
        "模型中没有名为 `income` 的输入（已有：score、pep）",
    )
    assert en["/spec/decisions/0/logic/rules/0/when"] == (
        "E_DMN_RULE_SHAPE",
        "the rule has 1 input cells; the table has 2 inputs "
        "(give one cell per input column (`-` for any value))",
    )
    assert zh["/spec/decisions/0/logic/rules/0/when"] == (
        "E_DMN_RULE_SHAPE",
        "该规则行有 1 个输入单元格，而决策表有 2 个输入列"
        "（请每个输入列填一个单元格，任意值填 `-`）",
    )
    checked = fx.post(
        f"{APP}/definitions/decision_table/rating/validate", headers={"accept-language": "zh-CN"}
    ).json()
    assert {p["pointer"]: p["message"] for p in checked["problems"]} == {
        p: message for p, (_, message) in zh.items()
    }


def test_a_refused_dmn_file_names_each_problem_in_the_designers_language(
    fx: TestClient,
) -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    answers = {
        language: fx.put(
            f"{APP}/decisions/bad/dmn", content=hostile, headers={"accept-language": language}
        ).json()
        for language in LANGUAGES
    }
    (zh,) = answers["zh-CN"]["errors"]
    (en,) = answers["en"]["errors"]
    assert zh["code"] == en["code"] == "E_DMN_XML_FORBIDDEN"
    assert en["message"].startswith("E_DMN_XML_FORBIDDEN at the document (line 1): the document ")
    assert zh["message"].startswith(
        "E_DMN_XML_FORBIDDEN：文件（第 1 行）：文件声明了 DTD、实体或外部引用"
    )
    assert zh["message"].endswith(
        "（提示：请删除 DOCTYPE：DMN 文件和测试用例文件都不需要 DTD 或实体）"
    )
    assert answers["zh-CN"]["detail"] == "DMN 文件无法导入：未保存任何内容"


def test_an_action_value_its_field_cannot_take_is_refused_in_the_designers_language(
    fx: TestClient,
) -> None:
    """Text into a money field, or any value into a field the form computes or the platform
    numbers: the records layer would refuse it when the rule runs, failing the deal's save."""
    values = {"amount": "desk", "ref": '"D-1"', "fee": "1", "desk": "upper case(desk)"}
    rule = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "actions": [{"type": "set_fields", "values": values}],
    }
    draft(fx, APP, "rule", "normalise", rule)
    answers = refusals(fx, "rule", "normalise")
    zh, en = by_pointer(answers["zh-CN"]), by_pointer(answers["en"])
    assert en == {
        "/spec/actions/0/values/amount": (
            "E_RULE_VALUE_TYPE",
            "field `amount` takes a number; this expression gives a string "
            "(convert it, e.g. number(text), string(n), date(text))",
        ),
        "/spec/actions/0/values/ref": (
            "E_RULE_FIELD_NOT_WRITABLE",
            "field `ref` is computed by its form or numbered by the system: an action cannot "
            "set it (set the fields it is computed from, or remove this entry)",
        ),
        "/spec/actions/0/values/fee": (
            "E_RULE_FIELD_NOT_WRITABLE",
            "field `fee` is computed by its form or numbered by the system: an action cannot "
            "set it (set the fields it is computed from, or remove this entry)",
        ),
    }
    assert zh["/spec/actions/0/values/amount"][1] == (
        "字段 `amount` 的值应为数字，这个表达式的结果是文本"
        "（请在表达式中转换类型，例如 number(text)、string(n)、date(text)）"
    )
    assert zh["/spec/actions/0/values/fee"][1] == (
        "字段 `fee` 由表单计算或由系统编号，动作不能设置它（请设置它所依据的字段，或删除这一项）"
    )
    fixed = {**rule, "actions": [{"type": "set_fields", "values": {"desk": "upper case(desk)"}}]}
    draft(fx, APP, "rule", "normalise", fixed)
    assert fx.post(f"{APP}/definitions/rule/normalise/publish").status_code == 201


def test_a_decision_input_passed_what_its_type_does_not_take_is_refused(fx: TestClient) -> None:
    """`score` is a number: passing the desk's name would fail the evaluation on every save."""
    draft(fx, APP, "decision_table", "rating", rating_model())
    assert fx.post(f"{APP}/definitions/decision_table/rating/publish").status_code == 201
    call = {"type": "call_decision", "model": "rating", "inputs": {"score": "desk", "pep": "true"}}
    rule = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "actions": [{**call, "outputs": {"desk": "result"}}],
    }
    draft(fx, APP, "rule", "rate", rule)
    answers = refusals(fx, "rule", "rate")
    zh, en = by_pointer(answers["zh-CN"]), by_pointer(answers["en"])
    assert en == {
        "/spec/actions/0/inputs/score": (
            "E_RULE_VALUE_TYPE",
            "decision input `score` takes a number; the expression passed gives a string",
        )
    }
    assert zh["/spec/actions/0/inputs/score"][1] == (
        "决策输入 `score` 应为数字，传入的表达式的结果是文本"
    )
    fixed = {
        **rule,
        "actions": [
            {**call, "inputs": {"score": "amount", "pep": "true"}, "outputs": {"desk": "result"}}
        ],
    }
    draft(fx, APP, "rule", "rate", fixed)
    assert fx.post(f"{APP}/definitions/rule/rate/publish").status_code == 201


def test_a_decision_output_its_field_cannot_take_is_refused(fx: TestClient) -> None:
    """The rating's level is a text: the deal's amount cannot take it."""
    draft(fx, APP, "decision_table", "rating", rating_model())
    assert fx.post(f"{APP}/definitions/decision_table/rating/publish").status_code == 201
    call = {"type": "call_decision", "model": "rating", "inputs": {"score": "amount"}}
    rule = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "actions": [{**call, "outputs": {"amount": "result", "desk": "result"}}],
    }
    draft(fx, APP, "rule", "rate", rule)
    answers = refusals(fx, "rule", "rate")
    zh, en = by_pointer(answers["zh-CN"]), by_pointer(answers["en"])
    assert en == {
        "/spec/actions/0/outputs/amount": (
            "E_RULE_VALUE_TYPE",
            "field `amount` takes a number; this output gives a string (what the model's "
            "decision gives)",
        )
    }
    assert zh["/spec/actions/0/outputs/amount"][1] == (
        "字段 `amount` 的值应为数字，这个输出的结果是文本（取自决策模型给出的结果）"
    )


def test_a_model_change_retyping_an_output_a_rule_sets_a_field_from_is_refused(
    fx: TestClient,
) -> None:
    draft(fx, APP, "decision_table", "rating", rating_model())
    assert fx.post(f"{APP}/definitions/decision_table/rating/publish").status_code == 201
    call = {"type": "call_decision", "model": "rating", "inputs": {"score": "amount"}}
    rule = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "actions": [{**call, "outputs": {"desk": "result"}}],
    }
    draft(fx, APP, "rule", "rate", rule)
    assert fx.post(f"{APP}/definitions/rule/rate/publish").status_code == 201
    numbered = rating_model(
        outputs=[{"id": "OutputClause_1", "name": "level", "type_ref": "number"}],
        rules=[{"id": "_rule.1", "when": ["-", "-"], "then": ["1"]}],
    )
    draft(fx, APP, "decision_table", "rating", numbered)
    answer = fx.post(f"{APP}/definitions/decision_table/rating/publish")
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "rules_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in answer.json()["errors"]] == [
        ("/rules/rate/actions/0/outputs/desk", "E_RULE_VALUE_TYPE")
    ]
