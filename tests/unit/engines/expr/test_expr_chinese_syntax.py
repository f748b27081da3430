"""Syntax errors, limits, run-time errors and SQL refusals speak Chinese as well as English.

Each case gives the source, the code, the English message and hint (unchanged, other code matches
on them) and their Chinese twins (`zh_cn`, `hint_zh_cn`), exactly: a change of either language
fails here. Most cases are the mistakes analysts make with a Chinese input method.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from brickwork.engines.expr import (
    EvaluationContext,
    ExprCheckError,
    ExprSyntaxError,
    Limits,
    NotPushable,
    Scope,
    compile_expression,
    compile_unary_tests,
    to_sql_ir,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.diagnostics import Diagnostic

SCOPE = Scope.of(
    {
        "amount": "number",
        "channel": "string",
        "opened": "date",
        "approved": "boolean",
        "items": "list<number>",
    }
)

_ESCAPES = 'use \\" for a quote, \\\\ for a backslash, \\n for a new line, \\u0041 for "A"'
_ESCAPES_ZH = '请用 \\" 表示双引号，\\\\ 表示反斜杠，\\n 表示换行，\\u0041 表示 "A"'
_TEMPORAL = 'e.g. @"2025-03-03", @"10:30:00", @"2025-03-03T10:30:00", @"P3D", @"P1Y2M"'
_TEMPORAL_ZH = (
    '例如日期 @"2025-03-03"、时间 @"10:30:00"、日期时间 @"2025-03-03T10:30:00"、'
    '时长 @"P3D" 或 @"P1Y2M"'
)
_HALF_WIDTH = "(switch the input method to half-width / 半角)"
_HALF_WIDTH_ZH = "将输入法切换为半角后重新输入"

# (source, code, message, hint, zh_cn, hint_zh_cn)
SYNTAX: list[tuple[str, str, str, str | None, str, str | None]] = [
    ("amount == 5", "E_DOUBLE_EQUALS",
     "`==` is not an operator", "compare with a single `=`",
     "不支持 `==` 运算符", "请用一个 `=` 判断是否相等"),
    ("amount > 5 && approved", "E_AMPERSAND",
     "`&&` is not an operator", "write `and`",
     "不支持 `&&` 运算符", "请改用 `and`"),
    ("amount > 5 || approved", "E_PIPES",
     "`||` is not an operator", "write `or`",
     "不支持 `||` 运算符", "请改用 `or`"),
    ('channel & "x"', "E_AMPERSAND",
     "`&` is not an operator",
     "join text with `+` (or CONCAT), and combine conditions with `and`",
     "不支持 `&` 运算符", "请用 `+` 或 CONCAT 连接文本，用 `and` 组合条件"),
    ('channel <> "cash"', "E_NOT_EQUAL",
     "`<>` is not an operator", "write `!=` for not equal",
     "不支持 `<>` 运算符", "请用 `!=` 表示不等于"),
    ("!approved", "E_BANG",
     "`!` is not an operator", "negate with `not(...)`; `!=` means not equal",
     "不支持 `!` 运算符", "请用 `not(...)` 取反；`!=` 表示不等于"),
    ("max(1; 2)", "E_SEMICOLON",
     "`;` is not a separator here", "separate arguments with `,`",
     "此处不能用 `;` 分隔", "请用半角逗号 `,` 分隔参数"),
    ("=SUM(items)", "E_LEADING_EQUALS",
     "an expression does not start with `=`", "remove the leading `=` (this is not Excel)",
     "表达式不能以 `=` 开头", "请删除开头的 `=`，这里不是 Excel 公式"),
    ("SUM（items）", "E_FULL_WIDTH",
     "full-width character `（` is not allowed here", f"replace it with `(` {_HALF_WIDTH}",
     "此处不能使用全角字符 `（`", f"请改用半角的 `(`：{_HALF_WIDTH_ZH}"),
    ("MAX(amount，1)", "E_FULL_WIDTH",
     "full-width character `，` is not allowed here", f"replace it with `,` {_HALF_WIDTH}",
     "此处不能使用全角字符 `，`", f"请改用半角的 `,`：{_HALF_WIDTH_ZH}"),
    ("channel = “cash”", "E_FULL_WIDTH",
     "full-width character `“` is not allowed here", f'replace it with `"` {_HALF_WIDTH}',
     "此处不能使用全角字符 `“`", f'请改用半角的 `"`：{_HALF_WIDTH_ZH}'),
    ("amount\u3000> 1", "E_FULL_WIDTH",
     "full-width character `\u3000` is not allowed here", f"replace it with a space {_HALF_WIDTH}",
     "此处不能使用全角字符 `\u3000`", f"请改用半角空格：{_HALF_WIDTH_ZH}"),
    ("channel = 'cash'", "E_SINGLE_QUOTE",
     "strings are written in double quotes", "write \"cash\" instead of 'cash'",
     "文本要用双引号括起来", "请写成 \"cash\"，而不是 'cash'"),
    ('channel = "cash', "E_UNTERMINATED_STRING",
     "this string has no closing quote",
     'add a `"` where the text ends (use \\" for a quote inside text)',
     "这段文本缺少结尾的引号", '请在文本结束处补上 `"`；文本中的引号请写成 \\"'),
    ("0 < amount < 10", "E_CHAINED_COMPARISON",
     "comparisons cannot be chained: `<` follows another comparison",
     "combine two comparisons with `and`, e.g. `0 < x and x < 10`, or use `between`",
     "比较不能连写：`<` 紧跟在另一个比较之后",
     "请用 `and` 连接两个比较，例如 `0 < x and x < 10`，或改用 `between`"),
    ('if amount > 5 "big" else "small"', "E_MISSING_THEN",
     "expected `then` here", "write `if condition then value else other`",
     "此处缺少 `then`", "请在条件之后写 `then`：`if condition then value else other`"),
    ('if amount > 5 then "big"', "E_MISSING_ELSE",
     "expected `else` here",
     "every `if` needs an `else` branch: `if c then a else b` (use `null` if none)",
     "此处缺少 `else`", "请补上 `else` 分支：`if c then a else b`；没有其他取值时可写 `else null`"),
    ("for x in items x", "E_MISSING_KEYWORD",
     "expected `return` here", "write `for x in list return expression`",
     "此处缺少 `return`", "请在列表之后写 `return`：`for x in list return expression`"),
    ("some x in items x > 1", "E_MISSING_KEYWORD",
     "expected `satisfies` here", "write `some x in list satisfies condition`",
     "此处缺少 `satisfies`",
     "请在列表之后写 `satisfies`：`some x in list satisfies condition`"),
    ("(amount + 1 > 5", "E_UNBALANCED",
     "`(` is never closed", "add `)` at the end of the part it groups",
     "`(` 没有闭合", "请在它括住的内容末尾补上 `)`"),
    ("amount + 1) > 5", "E_UNBALANCED",
     "`)` has no matching `(`", "remove it",
     "`)` 没有对应的 `(`", "请删除这个 `)`"),
    ("amount >= 1 and", "E_TRAILING_OPERATOR",
     "the expression ends right after `and`", "add what comes after `and`, or remove it",
     "表达式在 `and` 之后就结束了", "请在 `and` 之后补上内容，或删除 `and`"),
    ("if(amount > 1, 1, 2)", "E_KEYWORD_AS_FUNCTION",
     "`if` is a keyword; the spreadsheet function is written `IF(...)`",
     "write `IF(...)` in capitals, or use the keyword form",
     "`if` 是关键字；电子表格函数要写作 `IF(...)`",
     "请用大写字母写作 `IF(...)`，或改用关键字的写法"),
    ("Monthly Income > 1", "E_SYNTAX",
     "unexpected `Income` right after the name `Monthly`",
     "a name with spaces (`Monthly Income`) must be a field in scope; "
     "otherwise put an operator between `Monthly` and `Income`",
     "名称 `Monthly` 之后不应紧跟 `Income`",
     "`Monthly Income` 这样带空格的名称必须是当前可用的字段；"
     "否则请在 `Monthly` 和 `Income` 之间加上运算符"),
    ("1 +* 2", "E_SYNTAX",
     "unexpected `*`", "expected `(`, `-`, `?`, `@`, `[`, `false`, `null`, `true`, ...",
     "此处不应出现 `*`", "此处应为：`(`、`-`、`?`、`@`、`[`、`false`、`null`、`true` 等"),
    ("{a 1}", "E_SYNTAX",
     "unexpected `}`", "expected `:`",
     "此处不应出现 `}`", "此处应为：`:`"),
    ("   ", "E_EMPTY", "the expression is empty", None, "表达式为空", None),
    ('"a\\q"', "E_BAD_ESCAPE",
     "`\\q` is not a valid escape in a string", _ESCAPES,
     "文本中的 `\\q` 不是有效的转义", _ESCAPES_ZH),
    ('"\\ud800"', "E_BAD_ESCAPE",
     "a lone surrogate (\\ud800-\\udfff) is half of a character, not a character",
     "write the character itself, or both halves of its surrogate pair",
     "单独的代理项（\\ud800-\\udfff）只是半个字符，不是完整的字符",
     "请直接写出该字符，或同时写出其代理对的两个部分"),
    ("{a: 1, a: 2}", "E_DUPLICATE_KEY",
     "the key `a` appears twice in this context", None,
     "键 `a` 在此上下文中出现了两次", None),
    ("amount instance of nummer", "E_SYNTAX",
     "`nummer` is not a type",
     "a type is one of number, string, boolean, date, time, date and time, days and time "
     "duration, years and months duration, list<T>, context<name: T>, range<T>, "
     "function<T> -> R, Any, Null",
     "`nummer` 不是类型",
     "请使用以下类型之一：number、string、boolean、date、time、date and time、"
     "days and time duration、years and months duration、list<T>、context<name: T>、range<T>、"
     "function<T> -> R、Any、Null"),
    ('@"2025-1-1"', "E_BAD_TEMPORAL",
     "`2025-1-1` is not a date (expected YYYY-MM-DD)", _TEMPORAL,
     "`2025-1-1` 不是日期（应为 YYYY-MM-DD）", _TEMPORAL_ZH),
    ("(function(a) a)(1, b: 2)", "E_MIXED_ARGUMENTS",
     "a call mixes positional and named arguments", None,
     "同一次调用不能混用按位置和按名称传递的参数", None),
    ('function(a) external {java: "x"}', "E_EXTERNAL_FUNCTION",
     "external functions (Java, PMML) are not supported", None,
     "不支持外部函数（Java、PMML）", None),
]  # fmt: skip


def _texts(diagnostic: Diagnostic) -> tuple[str, str | None, str | None, str | None]:
    return diagnostic.message, diagnostic.hint, diagnostic.zh_cn, diagnostic.hint_zh_cn


@pytest.mark.parametrize(("source", "code", "message", "hint", "zh_cn", "hint_zh_cn"), SYNTAX)
def test_a_syntax_error_is_explained_in_both_languages(
    source: str, code: str, message: str, hint: str | None, zh_cn: str, hint_zh_cn: str | None
) -> None:
    scope = None if source.startswith(("Monthly", "(function", "function")) else SCOPE
    with pytest.raises((ExprSyntaxError, ExprCheckError)) as caught:
        compile_expression(source, scope)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == code
    assert _texts(diagnostic) == (message, hint, zh_cn, hint_zh_cn)


def test_a_source_over_the_length_limit_says_so_in_chinese() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_expression("x" * 20, limits=Limits(max_source_length=10))
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "E_LIMIT_SOURCE_LENGTH"
    assert _texts(diagnostic) == (
        "the expression is 20 characters long; the limit is 10",
        None,
        "表达式有 20 个字符，超过了 10 个字符的上限",
        None,
    )


def test_a_too_deep_expression_says_so_in_chinese() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_expression("(" * 30 + "1" + ")" * 30, limits=Limits(max_depth=10))
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "E_LIMIT_DEPTH"
    assert _texts(diagnostic) == (
        "the expression nests deeper than 10 levels",
        "split it into several computed fields",
        "表达式的嵌套超过 10 层",
        "请把它拆分为几个计算字段",
    )


def test_a_source_that_is_not_text_says_so_in_chinese() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        compile_expression(5)  # type: ignore[arg-type]
    assert _texts(caught.value.diagnostic) == (
        "an expression must be text",
        None,
        "表达式必须是文本",
        None,
    )


SMALL = EvaluationContext(
    limits=Limits(max_steps=1000, max_list_size=100, max_string_length=50, max_depth=20)
)

# (source, variables, code, message, zh_cn): the last diagnostic of the evaluation
RUNS: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("x + 1", {}, "E_UNDEFINED_NAME", "no value named `x`", "没有名为 `x` 的值"),
    ("x", {"x": object()}, "E_UNSUPPORTED_VALUE",
     "values of Python type object are not supported", "不支持 Python 类型 object 的值"),
    ("x", {"x": float("nan")}, "E_UNSUPPORTED_VALUE",
     "NaN and infinity are not numbers in expressions", "NaN 和无穷大不是表达式中的数字"),
    ("for i in 1..2000 return i", {}, "E_LIMIT_STEPS",
     "the evaluation took more than 1000 steps", "计算超过了 1000 步的上限"),
    ("for i in 1..101 return i", {}, "E_LIMIT_LIST_SIZE",
     "a list has more than 100 elements", "列表的元素超过了 100 个的上限"),
    ("for i in 1..5 return s + s + s", {"s": "x" * 20}, "E_LIMIT_STRING_LENGTH",
     "a text is longer than 50 characters", "文本超过了 50 个字符的上限"),
    ("if x then 1 else 2", {"x": Decimal(1)}, "E_TYPE_MISMATCH",
     "`if` needs true or false, not a number", "`if` 的条件必须是 `true` 或 `false`，而不是数字"),
    ('every i in [1] satisfies "a"', {}, "E_TYPE_MISMATCH",
     "`every ... satisfies` needs true or false, not a string",
     "`every ... satisfies` 的条件必须是 `true` 或 `false`，而不是文本"),
    ("for i in 1..x return i", {"x": Decimal("2.5")}, "E_TYPE_MISMATCH",
     "only ranges of whole numbers can be iterated", "只能遍历整数区间"),
    ("[x..y]", {"x": Decimal(1), "y": "a"}, "E_TYPE_MISMATCH",
     "a range needs two comparable ends, not number and string",
     "区间的两端必须能相互比较，不能是数字和文本"),
    ("(< y)", {"y": True}, "E_TYPE_MISMATCH",
     "a range cannot end at a boolean", "区间的端点不能是布尔值"),
    ("(function(a, b) a + b)(1)", {}, "E_ARGUMENT_COUNT",
     "`function(a, b)` takes 2 argument(s), not 1", "`function(a, b)` 需要 2 个参数，而不是 1 个"),
    ("(function(a) a)(b: 1)", {}, "E_ARGUMENT_NAME",
     "`function(a)` has no parameter `b`", "`function(a)` 没有参数 `b`"),
    ("{f: function(a, b) a}.f(a: 1)", {}, "E_ARGUMENT_COUNT",
     "`function(a, b)` needs an argument for `b`", "`function(a, b)` 缺少参数 `b` 的值"),
    ('(function(a: list<number>) a)("x")', {}, "E_ARGUMENT_TYPE",
     "the parameter `a` expects list<number>, not a string", "参数 `a` 需要数字列表，而不是文本"),
    ("{f: function(n) f(n + 1), r: f(1)}.r", {}, "E_LIMIT_DEPTH",
     "function calls nest deeper than 20 levels (a recursion without end?)",
     "函数调用的嵌套超过 20 层（是否存在无限递归？）"),
    ("{f: 1, r: f(2)}.r", {}, "E_NOT_A_FUNCTION",
     "`f` is a number, not a function", "`f` 是数字，不是函数"),
    ("[1][1](2)", {}, "E_NOT_A_FUNCTION",
     "a number is not a function and cannot be called", "数字不是函数，不能调用"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "variables", "code", "message", "zh_cn"), RUNS)
def test_a_run_time_error_is_reported_in_both_languages(
    source: str, variables: dict[str, Any], code: str, message: str, zh_cn: str
) -> None:
    result = compile_expression(source).evaluate(variables, context=SMALL)
    assert not result.ok
    diagnostic = result.diagnostics[-1]
    assert (diagnostic.code, diagnostic.message, diagnostic.zh_cn) == (code, message, zh_cn)


@pytest.mark.parametrize(
    ("cell", "value", "code", "message", "zh_cn"),
    [
        ("? + 1", Decimal(1), "E_TYPE_MISMATCH",
         "a test using `?` must be true or false, not a number",
         "使用 `?` 的判断必须得出 `true` 或 `false`，而不是数字"),
        ("< 3", object(), "E_UNSUPPORTED_VALUE",
         "values of Python type object are not supported", "不支持 Python 类型 object 的值"),
    ],
)  # fmt: skip
def test_a_cell_reports_in_both_languages(
    cell: str, value: object, code: str, message: str, zh_cn: str
) -> None:
    result = compile_unary_tests(cell).test(value)
    diagnostic = result.diagnostics[-1]
    assert (diagnostic.code, diagnostic.message, diagnostic.zh_cn) == (code, message, zh_cn)


SQL_SCOPE = Scope(
    {
        "amount": t.NUMBER,
        "channel": t.STRING,
        "approved": t.BOOLEAN,
        "opened": t.DATE,
        "tags": t.list_of(t.STRING),
    }
)
_PUSH = "compute it after loading the rows, or rewrite it with pushable operations"
_PUSH_ZH = "请在读出数据行之后再计算，或改用可下推到 SQL 的运算重写"

# (source, English message, Chinese message)
REFUSALS: list[tuple[str, str, str]] = [
    ("amount / 2 > 1",
     "`amount / 2` cannot run in SQL: division and powers are rounded differently by each database",
     "`amount / 2` 无法在 SQL 中执行：各数据库对除法和乘方的舍入方式不同"),
    ('approved and matches(channel, "a")',
     '`matches(channel, "a")` cannot run in SQL: `matches` has no SQL form',
     '`matches(channel, "a")` 无法在 SQL 中执行：`matches` 没有对应的 SQL 形式'),
    ("substring(channel, amount)",
     "`substring(channel, amount)` cannot run in SQL: this argument must be a whole-number "
     "literal between 1 and 1,000,000,000 in SQL",
     "`substring(channel, amount)` 无法在 SQL 中执行：这个参数在 SQL 中必须是 "
     "1 到 1,000,000,000 之间的整数字面量"),
    ('@"10:00:00"',
     '`@"10:00:00"` cannot run in SQL: time literals are not pushable',
     '`@"10:00:00"` 无法在 SQL 中执行：时间字面量不能下推'),
    ("tags",
     "`tags` cannot run in SQL: a list<string> value has no SQL column form",
     "`tags` 无法在 SQL 中执行：文本列表类型的值没有对应的 SQL 列"),
    ("amount in [1, amount]",
     "`[1, amount]` cannot run in SQL: only scalar values and literal ranges are pushable in `in`",
     "`[1, amount]` 无法在 SQL 中执行：`in` 中只有单个值和字面量区间可以下推"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "message", "zh_cn"), REFUSALS)
def test_a_sql_refusal_is_explained_in_both_languages(
    source: str, message: str, zh_cn: str
) -> None:
    with pytest.raises(NotPushable) as caught:
        to_sql_ir(source, SQL_SCOPE)
    assert _texts(caught.value.diagnostic) == (message, _PUSH, zh_cn, _PUSH_ZH)


def test_a_filter_that_is_not_a_condition_says_so_in_chinese() -> None:
    with pytest.raises(ExprCheckError) as caught:
        to_sql_ir("amount + 1", SQL_SCOPE, predicate=True)
    assert _texts(caught.value.diagnostic) == (
        "a condition (true/false) is needed here, not a number",
        'e.g. name = "Li Lei"',
        "此处需要条件（`true`/`false`），而不是数字",
        '例如 name = "李雷"',
    )
