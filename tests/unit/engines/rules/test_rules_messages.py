"""A problem of a rule or a decision model says the same thing in Chinese and in English: words
that differ by language (a phase, a list) are in the reader's language, names and FEEL text stay
as they are, and what only English sources say (an expression's diagnostic, the XML parser) is a
detail after a Chinese lead-in. The English texts are the API's, unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from rules_support import table

from brickwork.engines.expr import Scope
from brickwork.engines.expr import datatypes as t
from brickwork.engines.rules import (
    DecisionModelError,
    ModelProblem,
    RuleDefinitionError,
    compile_model,
    compile_rule,
)
from brickwork.engines.rules.dmn_xml import DmnXmlError, import_dmn

SCOPES = {"deal": Scope(fields={"amount": t.NUMBER, "desk": t.STRING})}


def rule_problems(**changes: Any) -> dict[str, ModelProblem]:
    spec = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "condition": "amount > 10",
        "actions": [{"type": "set_fields", "values": {"desk": '"big"'}}],
        **changes,
    }
    with pytest.raises(RuleDefinitionError) as caught:
        compile_rule(spec, scopes=SCOPES)
    return {p.pointer: p for p in caught.value.problems}


def test_a_refused_rule_says_its_problem_in_both_languages() -> None:
    found = rule_problems(trigger={"on": "record", "form": "loan"})["/trigger/form"]
    assert (found.code, found.message, found.zh_cn) == (
        "E_RULE_UNKNOWN_FORM",
        "the app has no form `loan`",
        "应用中没有表单 `loan`",
    )
    assert found.said("zh-CN") == ("应用中没有表单 `loan`", None)
    assert found.said("en") == found.said(None) == ("the app has no form `loan`", None)


def test_words_that_differ_by_language_are_in_the_readers_language() -> None:
    actions = [{"type": "raise_alert", "form": "deal", "values": {}}]
    found = rule_problems(actions=actions)["/actions/0/type"]
    assert found.message == "`raise_alert` cannot run before save"
    assert found.hint == "before_save rules use: block, call_decision, set_fields"
    assert found.zh_cn == "动作 `raise_alert` 不能在保存前执行"
    assert found.hint_zh_cn == "保存前执行的规则可用的动作：block、call_decision、set_fields"


def test_an_expressions_diagnostic_keeps_its_place_and_is_said_in_each_language() -> None:
    found = rule_problems(condition="amount >")["/condition"]
    assert found.code == "E_RULE_EXPRESSION"
    assert (found.line, found.column) != (0, 0)
    assert found.message == "E_TRAILING_OPERATOR: the expression ends right after `>`"
    assert found.zh_cn == "表达式有误（E_TRAILING_OPERATOR）：表达式在 `>` 之后就结束了"
    assert found.hint == "add what comes after `>`, or remove it"
    assert found.hint_zh_cn == "请在 `>` 之后补上内容，或删除 `>`"


def test_a_failing_example_says_why_in_both_languages() -> None:
    example = {"name": "small", "given": {"record": {"amount": 5}}, "expect": {"matched": True}}
    found = rule_problems(examples=[example])["/examples/0"]
    assert found.message == "example `small`: expected the rule to match, but it did not"
    assert found.zh_cn == "示例 `small` 不成立：期望规则匹配，实际并非如此"


def test_a_refused_decision_model_says_its_problems_in_both_languages() -> None:
    spec = {
        "inputs": [{"id": "x", "name": "x"}],
        "decisions": [
            {
                "id": "d",
                "name": "d",
                "requires": {"inputs": ["x", "y"]},
                "logic": table("P", [(["< 1"], ['"low"'])]),
            }
        ],
    }
    with pytest.raises(DecisionModelError) as caught:
        compile_model(spec)
    found = {p.code: p for p in caught.value.problems}
    unknown = found["E_DMN_UNKNOWN_REQUIREMENT"]
    assert (unknown.message, unknown.hint) == ("the model has no input named `y`", "known: x")
    assert (unknown.zh_cn, unknown.hint_zh_cn) == ("模型中没有名为 `y` 的输入", "已有：x")
    policy = found["E_DMN_PRIORITY_WITHOUT_OUTPUT_VALUES"]
    assert policy.zh_cn is not None
    assert policy.zh_cn.startswith("命中策略 P 按 `output_values` 给结果排序")


def test_a_diagnostic_of_an_evaluation_says_it_in_both_languages() -> None:
    model = compile_model(
        {
            "inputs": [{"id": "x", "name": "x"}],
            "decisions": [
                {
                    "id": "d",
                    "name": "d",
                    "requires": {"inputs": ["x"]},
                    "logic": table("U", [([">= 1"], ['"a"']), ([">= 2"], ['"b"'])]),
                }
            ],
        }
    )
    (found,) = model.evaluate("d", {"x": 5}).diagnostics
    assert found.message == "the hit policy U allows one matching rule; these matched: r0, r1"
    assert found.zh_cn == "命中策略 U 只允许一条规则行匹配，但以下规则行都匹配了：r0、r1"


def test_a_call_names_what_the_model_lacks_in_both_languages() -> None:
    model = compile_model(
        {
            "inputs": [{"id": "x", "name": "x"}],
            "decisions": [
                {"id": "d", "name": "d", "requires": {"inputs": ["x"]}, "logic": table("U", [])}
            ],
        }
    )
    ((below, kind, said),) = model.call_gaps("d", ["z"])
    assert (below, kind) == ("/inputs/z", "input")
    assert said.en == "the model has no input `z` (its inputs: x)"
    assert said.zh_cn == "决策模型中没有输入 `z`（已有的输入：x）"
    assert model.call_problems("d", ["z"]) == [("/inputs/z", "input", said.en)]


def test_a_refused_dmn_document_says_where_and_why_in_chinese() -> None:
    with pytest.raises(DmnXmlError) as caught:
        import_dmn("<definitions>\n<decision>")
    (found,) = caught.value.problems
    assert found.code == "E_DMN_XML_MALFORMED"
    assert found.message.startswith("the document is not well-formed XML: ")
    assert found.zh_text().startswith(f"E_DMN_XML_MALFORMED：文件（第 {found.line} 行）：")
    assert "文件不是格式正确的 XML：" in found.zh_text()
    assert found.zh_text().endswith("（提示：请在建模工具中重新保存模型）")
