"""Run-time errors of the text, number, context, name-matching, statistics, resident-ID and list
functions speak Chinese too: each failing call yields null plus a diagnostic whose `zh_cn` is the
function's name and a Chinese sentence, beside the unchanged English `message`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from brickwork.engines.expr import evaluate
from brickwork.engines.expr.functions import FunctionError
from brickwork.engines.expr.library.text import whole

# (source, variables, code, English message, Chinese message)
CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    # text: positions, lengths, counts
    ('substring("abc", 0)', {}, "E_ARG_VALUE",
     "substring: positions start at 1 (or -1 for the last character)",
     "substring：位置从 1 开始（-1 表示最后一个字符）"),
    ('substring("abc", 1, -1)', {}, "E_ARG_VALUE",
     "substring: the length cannot be negative", "substring：长度不能为负数"),
    ('substring("abc", 1.5e10)', {}, "E_ARG_VALUE",
     "substring: the start position 1.5E+10 is out of range",
     "substring：起始位置 1.5E+10 超出允许范围"),
    ('LEFT("abc", 1.5)', {}, "E_ARG_VALUE",
     "LEFT: the number of characters must be a whole number, not 1.5",
     "LEFT：字符数必须是整数，不能是 1.5"),
    ('LEFT("abc", -1)', {}, "E_ARG_VALUE",
     "LEFT: the number of characters cannot be negative", "LEFT：字符数不能为负数"),
    ('RIGHT("6222021234", -4)', {}, "E_ARG_VALUE",
     "RIGHT: the number of characters cannot be negative", "RIGHT：字符数不能为负数"),
    ('MID("20250303", 0, 2)', {}, "E_ARG_VALUE",
     "MID: MID needs a start ≥ 1 and a count ≥ 0", "MID：MID 要求起始位置 ≥ 1、字符数 ≥ 0"),
    # text: regular expressions
    ('matches("aaa", "(a+)+")', {}, "E_UNSAFE_PATTERN",
     "matches: this pattern is not allowed: a repeated group contains another unbounded "
     "repetition",
     "matches：不允许使用此正则表达式：重复的分组中又包含无上限的重复"),
    ('matches("ab", "(a|b)*")', {}, "E_UNSAFE_PATTERN",
     "matches: this pattern is not allowed: a repeated group contains `|`; use a character "
     "class like [ab]",
     "matches：不允许使用此正则表达式：重复的分组中包含 `|`；请改用字符类，如 [ab]"),
    ('matches("aa", "(a)\\\\1")', {}, "E_UNSAFE_PATTERN",
     "matches: this pattern is not allowed: back-references are not supported",
     "matches：不允许使用此正则表达式：不支持反向引用"),
    ('matches("a", "a)")', {}, "E_UNSAFE_PATTERN",
     "matches: this pattern is not allowed: unbalanced `)`",
     "matches：不允许使用此正则表达式：`)` 没有对应的 `(`"),
    ("matches(\"a\", p)", {"p": "a" * 201}, "E_UNSAFE_PATTERN",
     "matches: this pattern is not allowed: longer than 200 characters",
     "matches：不允许使用此正则表达式：长度超过 200 个字符"),
    ('matches("a", "a", "z")', {}, "E_ARG_VALUE",
     "matches: unknown regular expression flag `z`", "matches：未知的正则表达式标志 `z`"),
    ('matches("a", "(ab")', {}, "E_ARG_VALUE",
     "matches: invalid pattern: missing ), unterminated subpattern at position 0",
     "matches：正则表达式无效：`(` 没有对应的 `)`（第 1 个字符处）"),
    ('matches("a", "x[ab")', {}, "E_ARG_VALUE",
     "matches: invalid pattern: unterminated character set at position 1",
     "matches：正则表达式无效：字符类缺少结尾的 `]`（第 2 个字符处）"),
    ('matches("a", "*a")', {}, "E_ARG_VALUE",
     "matches: invalid pattern: nothing to repeat at position 0",
     "matches：正则表达式无效：重复符号前面没有可重复的内容（第 1 个字符处）"),
    ('matches("a", "\\\\q")', {}, "E_ARG_VALUE",
     "matches: invalid pattern: bad escape \\q at position 0",
     "matches：正则表达式无效：转义无效：\\q（第 1 个字符处）"),
    ('matches("a", "a{99999999999}")', {}, "E_ARG_VALUE",
     "matches: invalid pattern: the repetition number is too large",
     "matches：正则表达式无效：重复次数过大"),
    ("matches(t, \"a\")", {"t": "a" * 10_001}, "E_LIMIT_REGEX",
     "matches: text longer than 10000 characters cannot be matched against a pattern",
     "matches：文本超过 10000 个字符，不能用于正则匹配"),
    ('replace("abc", "b", "$5")', {}, "E_ARG_VALUE",
     "replace: invalid replacement: invalid group reference 5 at position 3",
     "replace：替换文本无效：引用的分组 5 不存在"),
    ('replace("abc", "b", "5$")', {}, "E_FUNCTION",
     "replace: `$` in a replacement must be escaped as `\\$`",
     "replace：替换文本中的 `$` 必须转义为 `\\$`"),
    ('split("a,b", "")', {}, "E_ARG_VALUE",
     "split: the delimiter cannot be empty", "split：分隔符不能为空"),
    ('string join(["a", 1])', {}, "E_ARG_TYPE",
     "string join: `list` must hold strings, not a number",
     "string join：`list` 中的元素必须是文本，不能是数字"),
    # numbers
    ("round half up(1.5, 7000)", {}, "E_ARG_VALUE",
     "round half up: the scale 7000 is outside -6111..6176",
     "round half up：小数位数 7000 超出 -6111..6176 的范围"),
    ("round half up(x, 2)", {"x": Decimal("1234567890123456789012345678901234.5678")},
     "E_NUMBER_RANGE",
     "round half up: the result has more than 34 digits", "round half up：结果超过 34 位有效数字"),
    ("modulo(5, 0)", {}, "E_DIVISION_BY_ZERO",
     "modulo: modulo by zero", "modulo：除数为 0，无法取模"),
    ("exp(100000)", {}, "E_NUMBER_RANGE",
     "exp: the result is out of range", "exp：结果超出数字的取值范围"),
    ("sqrt(-4)", {}, "E_ARG_VALUE",
     "sqrt: the square root of a negative number is not a number", "sqrt：负数的平方根不是数字"),
    ("log(0)", {}, "E_ARG_VALUE",
     "log: `number` must be greater than 0, not 0", "log：`number` 必须大于 0，不能是 0"),
    ("odd(1.5)", {}, "E_ARG_VALUE",
     "odd: `number` must be a whole number, not 1.5", "odd：`number` 必须是整数，不能是 1.5"),
    ('number("1,000.00", ";", ".")', {}, "E_FUNCTION",
     "number: grouping separator must be space , or . and decimal , or .",
     "number：分组分隔符只能是空格、`,` 或 `.`，小数分隔符只能是 `,` 或 `.`"),
    ('number("1.000", ".", ".")', {}, "E_ARG_VALUE",
     "number: the grouping and decimal separators must differ",
     "number：分组分隔符与小数分隔符不能相同"),
    ('number("12万")', {}, "E_ARG_VALUE",
     "number: `12万` is not a number", "number：`12万` 不是数字"),
    # contexts
    ("get value({a: 1}, 1)", {}, "E_ARGUMENT_TYPE",
     "get value: `key` must be a string or a list of strings, not a number",
     "get value：`key` 必须是文本或文本列表，不能是数字"),
    ("get value({a: 1}, [1])", {}, "E_ARGUMENT_TYPE",
     "get value: `key` must hold strings, not a number",
     "get value：`key` 中的元素必须是文本，不能是数字"),
    ("get value(m: {a: 1}, key: 1)", {}, "E_ARGUMENT_TYPE",
     "get value: `key` must be a string, not a number", "get value：`key` 必须是文本，不能是数字"),
    ('get value(m: {a: 1}, keys: "a")', {}, "E_ARGUMENT_TYPE",
     "get value: `keys` must be a list, not a string", "get value：`keys` 必须是列表，不能是文本"),
    ('context([{key: "a"}])', {}, "E_ARG_VALUE",
     "context: `entries` item 1 is not a context with `key` and `value`",
     "context：`entries` 的第 1 个元素不是含 `key` 和 `value` 的上下文"),
    ("context([{key: 1, value: 2}])", {}, "E_ARGUMENT_TYPE",
     "context: `entries` item 1 has a number key, not a string",
     "context：`entries` 的第 1 个元素的键是数字，不是文本"),
    ('context([{key: "a", value: 1}, {key: "a", value: 2}])', {}, "E_ARG_VALUE",
     'context: `entries` repeats the key "a"', 'context：`entries` 中的键 "a" 重复'),
    ('context put({a: 1}, ["a", "b"], 2)', {}, "E_ARG_VALUE",
     'context put: the entry "a" is a number, not a context',
     'context put：键 "a" 的值是数字，不是上下文'),
    ("context put({a: 1}, [], 2)", {}, "E_ARG_VALUE",
     "context put: `keys` is empty", "context put：`keys` 是空列表"),
    ("context put({a: 1}, 1, 2)", {}, "E_ARGUMENT_TYPE",
     "context put: `key` must be a string or `keys` a list, not a number",
     "context put：`key` 必须是文本或 `keys` 必须是列表，不能是数字"),
    ("context merge([{a: 1}, 2])", {}, "E_ARGUMENT_TYPE",
     "context merge: `contexts` item 2 is a number, not a context",
     "context merge：`contexts` 的第 2 个元素是数字，不是上下文"),
    # name matching
    ('name similarity(n, "Kim")', {"n": "a" * 501}, "E_ARG_VALUE",
     "name similarity: a name longer than 500 characters is not compared",
     "name similarity：名称超过 500 个字符，不予比较"),
    ('best match("Kim", [1])', {}, "E_ARGUMENT_TYPE",
     "best match: a candidate must be a string or a context, not a number",
     "best match：候选项必须是文本或上下文，不能是数字"),
    ('best match("Kim", c)', {"c": ["x"] * 100_001}, "E_ARG_VALUE",
     "best match: more than 100000 candidates are not compared",
     "best match：候选项超过 100000 个，不予比较"),
    # statistics and lists
    ("product(1e6000, 1e6000)", {}, "E_NUMBER_RANGE",
     "product: the product is out of range", "product：乘积超出数字的取值范围"),
    ("stddev([1e6000, -1e6000])", {}, "E_NUMBER_RANGE",
     "stddev: the standard deviation is out of range", "stddev：标准差超出数字的取值范围"),
    ("sum([9e6144, 9e6144])", {}, "E_NUMBER_RANGE",
     "sum: the sum is out of range", "sum：总和超出数字的取值范围"),
    ('max(1, "a")', {}, "E_ARG_TYPE",
     "max: `list` must hold values of one comparable kind, not string and number",
     "max：`list` 中的值必须是同一种可比较的类型，不能同时有文本和数字"),
    ("min(x)", {"x": [True, False]}, "E_ARG_TYPE",
     "min: `list` must hold values of one comparable kind, not boolean and boolean",
     "min：`list` 中的值必须是同一种可比较的类型，布尔值之间无法比较大小"),
    ("max(x)", {"x": [{"a": 1}]}, "E_ARG_TYPE",
     "max: context values cannot be ordered", "max：上下文无法比较大小"),
    ("sort([1, null])", {}, "E_FUNCTION",
     "sort: `list` must hold values of one comparable kind, without nulls",
     "sort：`list` 中的值必须是同一种可比较的类型，且不能有空值"),
    ("sublist([1, 2], 5)", {}, "E_ARG_VALUE",
     "sublist: the start position is outside the list", "sublist：起始位置超出列表范围"),
    ("sublist([1, 2], 1, 1.5e10)", {}, "E_ARG_VALUE",
     "sublist: the length 1.5E+10 is out of range", "sublist：长度 1.5E+10 超出允许范围"),
    # resident ID numbers
    ('id birth date("110101199003070000")', {}, "E_ID_INVALID",
     "id birth date: not a valid resident ID or residence permit number (resident_id_checksum)",
     "id birth date：不是有效的居民身份证号码或居住证号码（resident_id_checksum）"),
    ('id sex("123")', {}, "E_ID_INVALID",
     "id sex: not a valid resident ID or residence permit number (resident_id_length)",
     "id sex：不是有效的居民身份证号码或居住证号码（resident_id_length）"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "variables", "code", "message", "zh_cn"), CASES)
def test_a_failing_call_reports_in_both_languages(
    source: str, variables: dict[str, Any], code: str, message: str, zh_cn: str
) -> None:
    result = evaluate(source, variables)
    assert result.value is None
    assert [(d.code, d.message, d.zh_cn) for d in result.diagnostics] == [(code, message, zh_cn)]


def test_a_whole_number_argument_names_the_argument_in_chinese() -> None:
    with pytest.raises(FunctionError) as found:
        whole(Decimal("2.5"), "the number of months", "月数")
    assert found.value.message == "the number of months must be a whole number, not 2.5"
    assert found.value.zh_cn == "月数必须是整数，不能是 2.5"
    with pytest.raises(FunctionError) as named:
        whole(Decimal("2.5"), "`position`", "`position`")
    assert named.value.zh_cn == "`position` 必须是整数，不能是 2.5"
