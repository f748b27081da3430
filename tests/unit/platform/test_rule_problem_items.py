"""A problem of a rule or a decision model becomes an error item in both languages: its place in
the FEEL text and its hint are said in each language's way."""

from __future__ import annotations

from brickwork.engines.rules import ModelProblem
from brickwork.platform.rules.definitions import describe, problem_item


def test_a_problem_becomes_an_item_in_both_languages_with_its_place_and_hint() -> None:
    found = ModelProblem(
        "E_RULE_EXPRESSION",
        "E_UNKNOWN_NAME: unknown name `amout`",
        "/condition",
        "did you mean `amount`?",
        1,
        3,
        zh_cn="表达式有误（E_UNKNOWN_NAME）：unknown name `amout`",
        hint_zh_cn="did you mean `amount`?",
    )
    item = problem_item(found, "/spec")
    assert (item.pointer, item.code) == ("/spec/condition", "E_RULE_EXPRESSION")
    assert item.message == (
        "line 1, column 3: E_UNKNOWN_NAME: unknown name `amout` (did you mean `amount`?)"
    )
    assert item.zh_cn == (
        "第 1 行第 3 列：表达式有误（E_UNKNOWN_NAME）：unknown name `amout`"
        "（did you mean `amount`?）"
    )
    assert item.as_dict("zh-CN")["message"] == item.zh_cn
    assert item.as_dict("en")["message"] == item.message == describe(found)


def test_a_problem_without_chinese_is_described_in_english_in_both() -> None:
    found = ModelProblem("E_X", "something is wrong", "/a", "fix it")
    assert describe(found, "zh-CN") == "something is wrong（fix it）"
    assert describe(found) == "something is wrong (fix it)"
