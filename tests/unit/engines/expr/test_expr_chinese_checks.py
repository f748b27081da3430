"""Check errors and run-time operator errors in Chinese as well as in English.

Every diagnostic carries its message in English (`message`, `hint`) and in Chinese (`zh_cn`,
`hint_zh_cn`). The cases pin both languages: unknown names with their suggestion, wrong types,
argument binding, and operators on values they cannot combine at run time.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from brickwork.engines.expr import ExprCheckError, Scope, check, compile_expression, parse
from brickwork.engines.expr.syntax import InstanceOf, TypeRef

SCOPE = Scope.of(
    {
        "amount": "number",
        "channel": "string",
        "opened": "date",
        "at": "datetime",
        "approved": "boolean",
        "items": "list<number>",
        "customer": {"name": "string", "score": "number"},
    }
)

# (source, code, message, hint, zh_cn, hint_zh_cn): the first diagnostic of `check`.
CHECKED: list[tuple[str, str, str, str | None, str, str | None]] = [
    ("amout > 5", "E_UNKNOWN_NAME", "unknown name `amout`", "did you mean `amount`?",
     "未知名称 `amout`", "是否应为 `amount`？"),
    ("Amount > 5", "E_UNKNOWN_NAME", "unknown name `Amount`",
     "did you mean `amount`? (names are case-sensitive)",
     "未知名称 `Amount`", "是否应为 `amount`？（名称区分大小写）"),
    ("zzz", "E_UNKNOWN_NAME", "unknown name `zzz`", None, "未知名称 `zzz`", None),
    ("? > 1", "E_UNKNOWN_NAME", "`?` is only available in decision-table cells", None,
     "`?` 只能在决策表单元格中使用", None),
    ("customer.nmae", "E_UNKNOWN_FIELD", "`nmae` is not a field here", "did you mean `name`?",
     "此处没有字段 `nmae`", "是否应为 `name`？"),
    ("opened.colour", "E_NO_PROPERTY", "a date has no property `colour`", None,
     "日期没有属性 `colour`", None),
    ("items[channel]", "E_NOT_BOOLEAN", "a filter must be a condition, not a string", None,
     "筛选必须是条件，不能是文本", None),
    ("SUMM(items)", "E_UNKNOWN_FUNCTION", "unknown function `SUMM`", "did you mean `SUM`?",
     "未知函数 `SUMM`", "是否应为 `SUM`？"),
    ("amount(1)", "E_NOT_A_FUNCTION", "`amount` is a number, not a function", None,
     "`amount` 是数字，不是函数", None),
    ("(1)(2)", "E_NOT_A_FUNCTION", "a number is not a function and cannot be called", None,
     "数字不是函数，不能调用", None),
    ("upper case(amount)", "E_ARGUMENT_TYPE",
     "`upper case` expects string for `string`, not a number", None,
     "`upper case` 的参数 `string` 需要文本，不能是数字", None),
    ("if amount then 1 else 2", "E_NOT_BOOLEAN",
     "`if` needs a condition (true/false), not a number", None,
     "`if` 需要条件（`true`/`false`），不能是数字", None),
    ("approved and amount", "E_NOT_BOOLEAN",
     "`and` needs a condition (true/false), not a number", None,
     "`and` 需要条件（`true`/`false`），不能是数字", None),
    ('for i in 1.."a" return i', "E_TYPE_MISMATCH", "a range end must be a number, not a string",
     None, "区间终点必须是数字，不能是文本", None),
    # operators
    ("channel + amount", "E_TYPE_MISMATCH", "cannot add string and number with `+`",
     'to join text with a number, write string(x) + "..." or CONCAT(...)',
     "文本和数字不能用 `+` 相加", '如需将文本与数字拼接，请写 string(x) + "..." 或 CONCAT(...)'),
    ("opened * 2", "E_TYPE_MISMATCH", "cannot multiply date and number with `*`", None,
     "日期和数字不能用 `*` 相乘", None),
    ("-channel", "E_TYPE_MISMATCH", "cannot negate a string", None, "不能对文本取负", None),
    ("opened > 20250101", "E_IMPOSSIBLE_COMPARISON",
     "comparing a date with a number is always null",
     'use YEAR(d), DATEDIF(a, b, "D") or compare with another date',
     "日期与数字比较的结果总是空值", '请改用 YEAR(d)、DATEDIF(a, b, "D")，或与另一个日期比较'),
    ('opened = "2025-01-01"', "E_IMPOSSIBLE_COMPARISON",
     "comparing a date with a string is always null",
     'write a date as @"2025-01-01" or date("2025-01-01")',
     "日期与文本比较的结果总是空值", '请将日期写成 @"2025-01-01" 或 date("2025-01-01")'),
    ('amount > "5000"', "E_IMPOSSIBLE_COMPARISON",
     "comparing a number with a string is always null", "remove the quotes: 5000",
     "数字与文本比较的结果总是空值", "请去掉引号：5000"),
    ("at >= today()", "E_IMPOSSIBLE_COMPARISON",
     "comparing a date and time with a date is always null",
     "compare its date instead, e.g. date(at) >= today()",
     "日期时间与日期比较的结果总是空值", "请改为比较其日期，例如 date(at) >= today()"),
    ('approved = "true"', "E_IMPOSSIBLE_COMPARISON",
     "comparing a boolean with a string is always null",
     "compare with true or false, without quotes",
     "布尔值与文本比较的结果总是空值", "请与 `true` 或 `false` 比较，不要加引号"),
    ("approved < true", "E_IMPOSSIBLE_COMPARISON", "boolean values cannot be ordered with `<`",
     None, "布尔值不能用 `<` 比较大小", None),
    # binding of arguments
    ('substring("a", start position: 1)', "E_MIXED_ARGUMENTS",
     "`substring` mixes positional and named arguments",
     "use either all positional or all named arguments",
     "`substring` 混用了按位置和按名称传递的参数", "请全部按位置传参，或全部按名称传参"),
    ('substring("abc")', "E_ARGUMENT_COUNT", "`substring` does not take 1 argument",
     "usage: substring(string, start position, [length])",
     "`substring` 不接受 1 个参数", "用法：substring(string, start position, [length])"),
    ("round(n: 1, x: 2)", "E_ARGUMENT_NAME",
     "`round half up` has no signature with the arguments `n`, `x`",
     "usage: round half up(n) or round half up(n, scale)",
     "`round half up` 没有接受参数 `n`、`x` 的用法",
     "用法：round half up(n) 或 round half up(n, scale)"),
    # function values
    ("(function(a, b) a + b)(1)", "E_ARGUMENT_COUNT",
     "`function` takes 2 arguments (a, b), not 1", None,
     "`function` 需要 2 个参数（a、b），实际传入 1 个", None),
    ("(function(a, b) a + b)(a: 1, c: 2)", "E_ARGUMENT_NAME", "`function` has no parameter `c`",
     "its parameters: a, b", "`function` 没有参数 `c`", "它的参数：a、b"),
    ("(function(a, b) a + b)(a: 1)", "E_ARGUMENT_COUNT", "`function` needs an argument for `b`",
     None, "`function` 缺少参数 `b`", None),
    ('(function(a: number) a)("x")', "E_ARGUMENT_TYPE",
     "the parameter `a` of `function` expects number, not a string", None,
     "`function` 的参数 `a` 需要数字，不能是文本", None),
    ("function(a, a) a", "E_DUPLICATE_KEY", "the parameter `a` appears twice", None,
     "参数 `a` 出现了 2 次", None),
    ("function(a) external {java: {}}", "E_EXTERNAL_FUNCTION",
     "external functions (Java, PMML) are not supported", None,
     "不支持外部函数（Java、PMML）", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "code", "message", "hint", "zh_cn", "hint_zh_cn"),
    CHECKED,
    ids=[c[0] for c in CHECKED],
)
def test_a_check_error_speaks_both_languages(
    source: str, code: str, message: str, hint: str | None, zh_cn: str, hint_zh_cn: str | None
) -> None:
    diagnostic = check(source, SCOPE).diagnostics[0]
    assert (diagnostic.code, diagnostic.message, diagnostic.hint) == (code, message, hint)
    assert (diagnostic.zh_cn, diagnostic.hint_zh_cn) == (zh_cn, hint_zh_cn)


TYPES = (
    "Any", "Null", "boolean", "context", "date", "date and time", "days and time duration",
    "function", "list", "number", "range", "string", "time", "years and months duration",
)  # fmt: skip

# A type the parser lets through only when the tree is built by hand: (type, message, zh_cn).
BAD_TYPES: list[tuple[TypeRef, str, str]] = [
    (TypeRef("numbr"), "`numbr` is not a type", "`numbr` 不是类型"),
    (TypeRef("number", (TypeRef("string"),)), "`number` takes no `<...>`",
     "`number` 不能带 `<...>`"),
    (TypeRef("list", (TypeRef("number"), TypeRef("string"))),
     "`list<...>` takes one item type", "`list<...>` 只能有一个元素类型"),
    (TypeRef("number", fields=(("a", TypeRef("string")),)), "`number` takes no entries",
     "`number` 不能列出键和类型"),
]  # fmt: skip


@pytest.mark.parametrize(("ref", "message", "zh_cn"), BAD_TYPES, ids=[b[1] for b in BAD_TYPES])
def test_an_unknown_type_speaks_both_languages(ref: TypeRef, message: str, zh_cn: str) -> None:
    tree = parse("amount instance of number")
    assert isinstance(tree, InstanceOf)
    diagnostic = check(dataclasses.replace(tree, type=ref), SCOPE).diagnostics[0]
    assert (diagnostic.code, diagnostic.message, diagnostic.zh_cn) == (
        "E_UNKNOWN_TYPE",
        message,
        zh_cn,
    )
    assert diagnostic.hint == "types: " + ", ".join(TYPES)
    assert diagnostic.hint_zh_cn == "可用的类型：" + "、".join(TYPES)


# (source, message, zh_cn, hint, hint_zh_cn): compiled without a scope, the binding fails.
NOT_BOUND: list[tuple[str, str, str, str | None, str | None]] = [
    ("nosuch(1)", "unknown function `nosuch`", "未知函数 `nosuch`", None, None),
    ("string length()", "`string length` does not take 0 arguments",
     "`string length` 不接受 0 个参数",
     "usage: string length(string)", "用法：string length(string)"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "message", "zh_cn", "hint", "hint_zh_cn"), NOT_BOUND)
def test_a_call_that_cannot_be_bound_speaks_both_languages(
    source: str, message: str, zh_cn: str, hint: str | None, hint_zh_cn: str | None
) -> None:
    with pytest.raises(ExprCheckError) as caught:
        compile_expression(source)
    diagnostic = caught.value.diagnostic
    assert (diagnostic.message, diagnostic.hint) == (message, hint)
    assert (diagnostic.zh_cn, diagnostic.hint_zh_cn) == (zh_cn, hint_zh_cn)


# (source, variables, code, message, zh_cn): the first diagnostic of an evaluation where an
# operator (or an access, or a call) cannot work with the values it got.
AT_RUN_TIME: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("a + b", {"a": "x", "b": 1}, "E_TYPE_MISMATCH", "cannot add string and number with `+`",
     "文本和数字不能用 `+` 相加"),
    ("a - b", {"a": "x", "b": "y"}, "E_TYPE_MISMATCH", "cannot subtract string and string with `-`",
     "文本和文本不能用 `-` 相减"),
    ("a ** b", {"a": 2, "b": "y"}, "E_TYPE_MISMATCH", "cannot raise number and string with `**`",
     "数字和文本不能用 `**` 做乘方运算"),
    ("a / 0", {"a": 1}, "E_DIVISION_BY_ZERO", "division by zero", "除数为零"),
    ("(-8) ** 0.5", {}, "E_NUMBER_RANGE", "a negative number to a fractional power",
     "负数不能取小数次幂"),
    ("0 ** -1", {}, "E_DIVISION_BY_ZERO", "zero to a negative power", "0 不能取负数次幂"),
    ("a * b", {"a": 10**6000, "b": 10**6000}, "E_NUMBER_RANGE", "the result of `*` is out of range",
     "`*` 的结果超出范围"),
    ("-a", {"a": "x"}, "E_TYPE_MISMATCH", "cannot negate a string", "不能对文本取负"),
    ("a = b", {"a": 1, "b": "x"}, "E_TYPE_MISMATCH", "cannot compare number with string",
     "不能比较数字和文本"),
    ("a < b", {"a": 1, "b": "x"}, "E_TYPE_MISMATCH", "cannot compare number with string",
     "不能比较数字和文本"),
    ("a < b", {"a": True, "b": False}, "E_TYPE_MISMATCH",
     "cannot compare two boolean values with `<`", "不能用 `<` 比较两个布尔值"),
    ('date("9999-12-31") + duration("P1D")', {}, "E_DATE_RANGE",
     "the result of `+` is outside the years 1 to 9999 that dates can have",
     "`+` 的结果超出了日期可用的年份范围（1 至 9999 年）"),
    ('@"10:00@Europe/Paris" - @"10:00Z"', {}, "E_TYPE_MISMATCH",
     "cannot subtract a time in a named zone with a time of another zone or offset "
     "(without a date, a named zone has no fixed offset)",
     "不能将命名时区的时间和其他时区或偏移量的时间相减（没有日期时，命名时区没有固定的偏移量）"),
    ('@"10:00" - @"10:00Z"', {}, "E_TYPE_MISMATCH", "cannot subtract a local and a zoned value",
     "不能将本地值和带时区的值相减"),
    ('@"2020-01-01T10:00:00" - @"2020-01-01T10:00:00Z"', {}, "E_TYPE_MISMATCH",
     "cannot subtract a local and a zoned date and time (a date counts as midnight UTC)",
     "不能将本地日期时间和带时区的日期时间相减（日期按 UTC 零点计）"),
    ('@"10:00" < @"10:00Z"', {}, "E_TYPE_MISMATCH",
     "cannot compare a local and a zoned value with `<`",
     "不能用 `<` 比较本地值和带时区的值"),
    ('@"10:00@Europe/Paris" < @"10:00Z"', {}, "E_TYPE_MISMATCH",
     "cannot compare a time in a named zone with a time of another zone or offset "
     "(without a date, a named zone has no fixed offset) with `<`",
     "不能用 `<` 比较命名时区的时间和其他时区或偏移量的时间"
     "（没有日期时，命名时区没有固定的偏移量）"),
    # access and calls
    ("a.foo", {"a": 1}, "E_NO_PROPERTY", "a number has no property `foo`", "数字没有属性 `foo`"),
    ("a[1.5]", {"a": [1, 2]}, "E_TYPE_MISMATCH", "a list index must be a whole number",
     "列表位置必须是整数"),
    ('a[item + "x"]', {"a": ["p", "q"]}, "E_TYPE_MISMATCH",
     "a filter condition must be true or false",
     "筛选条件必须为 `true` 或 `false`"),
    ("a in [1..5]", {"a": "x"}, "E_TYPE_MISMATCH", "a string cannot be in this range",
     "文本不可能在此区间内"),
    ("a and b", {"a": 1, "b": True}, "E_TYPE_MISMATCH", "`and` needs true or false, not a number",
     "`and` 需要 `true` 或 `false`，不能是数字"),
    ("upper case(a)", {"a": 1}, "E_ARGUMENT_TYPE",
     "`upper case` expects string for `string`, not a number",
     "`upper case` 的参数 `string` 需要文本，不能是数字"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "variables", "code", "message", "zh_cn"), AT_RUN_TIME)
def test_a_run_time_error_speaks_both_languages(
    source: str, variables: dict[str, Any], code: str, message: str, zh_cn: str
) -> None:
    result = compile_expression(source).evaluate(variables)
    diagnostic = result.diagnostics[0]
    assert (diagnostic.code, diagnostic.message, diagnostic.zh_cn) == (code, message, zh_cn)


def test_the_detail_puts_the_hint_in_parentheses_in_each_language() -> None:
    detail = check("amout > 5", SCOPE).diagnostics[0].detail()
    assert (detail.zh_cn, detail.en) == (
        "未知名称 `amout`（是否应为 `amount`？）",
        "unknown name `amout` (did you mean `amount`?)",
    )
