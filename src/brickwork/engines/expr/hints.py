"""Human explanations for syntax errors: a table of typical analyst mistakes.

`explain` turns a `Situation` (where the parser stopped, what it found and what it expected)
into a `Diagnostic` with a stable code, the position, and a hint in plain words (`==` → use
`=`, `&&` → use `and`, full-width brackets → ASCII), each in English and in Chinese.
Each rule is a small function in `RULES`; the first that recognises the situation wins.
This module only reads the source text and the parser's error; it must not parse or evaluate
anything itself.
"""

# ruff: noqa: RUF001 - full-width characters are the subject of the hints below
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from brickwork.engines.expr.diagnostics import Diagnostic, Span

FULL_WIDTH = {
    "（": "(",
    "）": ")",
    "，": ",",
    "：": ":",
    "；": ";",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "＝": "=",
    "＜": "<",
    "＞": ">",
    "！": "!",
    "［": "[",
    "］": "]",
    "｛": "{",
    "｝": "}",
    "＋": "+",
    "－": "-",
    "＊": "*",
    "／": "/",
    "。": ".",
    "．": ".",
    "　": " ",
    "？": "?",
    "【": "[",
    "】": "]",
}

_CLOSERS = {")": "(", "]": "[", "}": "{"}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_TRAILING = ("**", "+", "-", "*", "/", "=", "<", ">", ",", "and", "or", "in", "not", "between")


@dataclass(frozen=True, slots=True)
class Situation:
    """What went wrong where: the parser error reduced to plain facts."""

    source: str
    offset: int
    line: int
    column: int
    found: str
    expected: frozenset[str]
    """Tokens that could have come here: symbols and keywords as written (`then`, `)`), and the
    categories `NAME`, `NUMBER`, `STRING`, `END`."""
    at_end: bool
    lexical: bool = False
    """The lexer failed (an impossible character), rather than the parser."""

    @property
    def before(self) -> str:
        return self.source[: self.offset]

    @property
    def after(self) -> str:
        return self.source[self.offset :]

    def span(self, width: int = 1) -> Span:
        return Span(self.line, self.column, self.line, self.column + max(width, 1))


Rule = Callable[[Situation], Diagnostic | None]


def explain(situation: Situation) -> Diagnostic:
    for rule in RULES:
        diagnostic = rule(situation)
        if diagnostic is not None:
            return diagnostic
    return _generic(situation)


def _diag(
    code: str,
    message: str,
    s: Situation,
    width: int,
    hint: str | None,
    *,
    zh_cn: str,
    hint_zh_cn: str | None,
) -> Diagnostic:
    return Diagnostic(code, message, s.span(width), hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


def _full_width(s: Situation) -> Diagnostic | None:
    ch = s.after[:1]
    if ch not in FULL_WIDTH:
        return None
    ascii_char = FULL_WIDTH[ch]
    shown = "a space" if ch == "　" else f"`{ascii_char}`"
    shown_zh = "半角空格" if ch == "　" else f"半角的 `{ascii_char}`"
    message = f"full-width character `{ch}` is not allowed here"
    hint = f"replace it with {shown} (switch the input method to half-width / 半角)"
    zh_cn = f"此处不能使用全角字符 `{ch}`"
    hint_zh_cn = f"请改用{shown_zh}：将输入法切换为半角后重新输入"
    return _diag("E_FULL_WIDTH", message, s, 1, hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


def _single_quote(s: Situation) -> Diagnostic | None:
    if not s.lexical or not s.after.startswith("'"):
        return None
    end = s.after.find("'", 1)
    width = end + 1 if end > 0 else 1
    message = "strings are written in double quotes"
    text = s.after[1:end] if end > 0 else "..."
    hint = f"write \"{text}\" instead of '{text}'"
    zh_cn = "文本要用双引号括起来"
    hint_zh_cn = f"请写成 \"{text}\"，而不是 '{text}'"
    return _diag("E_SINGLE_QUOTE", message, s, width, hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


def _unterminated_string(s: Situation) -> Diagnostic | None:
    if not s.lexical or not s.after.startswith('"'):
        return None
    rest = s.after.split("\n", 1)[0]
    message = "this string has no closing quote"
    hint = 'add a `"` where the text ends (use \\" for a quote inside text)'
    zh_cn = "这段文本缺少结尾的引号"
    hint_zh_cn = '请在文本结束处补上 `"`；文本中的引号请写成 \\"'
    return _diag(
        "E_UNTERMINATED_STRING", message, s, len(rest), hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn
    )


def _symbol_rule(
    symbol: str,
    code: str,
    message: str,
    hint: str,
    *,
    zh_cn: str,
    hint_zh_cn: str,
    unless_next: str = "",
) -> Rule:
    def rule(s: Situation) -> Diagnostic | None:
        for start in (s.offset, s.offset - 1):
            if start < 0:
                continue
            text = s.source[start:]
            if text.startswith(symbol) and not (
                unless_next and text[len(symbol) :][:1] in unless_next
            ):
                shifted = Situation(
                    s.source,
                    start,
                    s.line,
                    s.column - (s.offset - start),
                    s.found,
                    s.expected,
                    s.at_end,
                )
                return _diag(
                    code, message, shifted, len(symbol), hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn
                )
        return None

    return rule


def _leading_equals(s: Situation) -> Diagnostic | None:
    if s.offset != len(s.source) - len(s.source.lstrip()) or not s.after.startswith("="):
        return None
    message = "an expression does not start with `=`"
    hint = "remove the leading `=` (this is not Excel)"
    zh_cn = "表达式不能以 `=` 开头"
    hint_zh_cn = "请删除开头的 `=`，这里不是 Excel 公式"
    return _diag("E_LEADING_EQUALS", message, s, 1, hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


def _chained_comparison(s: Situation) -> Diagnostic | None:
    comparison = s.found in ("=", "!=", "<", "<=", ">", ">=")
    if not comparison or "=" in s.expected:
        return None
    message = f"comparisons cannot be chained: `{s.found}` follows another comparison"
    hint = "combine two comparisons with `and`, e.g. `0 < x and x < 10`, or use `between`"
    zh_cn = f"比较不能连写：`{s.found}` 紧跟在另一个比较之后"
    hint_zh_cn = "请用 `and` 连接两个比较，例如 `0 < x and x < 10`，或改用 `between`"
    return _diag(
        "E_CHAINED_COMPARISON", message, s, len(s.found), hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn
    )


_OPENING_KEYWORD = re.compile(r"(?<![\w$])(if|then|for|some|every)(?!\w)")
_NEXT_KEYWORD = {
    "if": "then",
    "then": "else",
    "for": "return",
    "some": "satisfies",
    "every": "satisfies",
}


def _missing_keyword(s: Situation) -> Diagnostic | None:
    openers = _OPENING_KEYWORD.findall(_without_strings(s.before))
    if not openers:
        return None
    word = _NEXT_KEYWORD[openers[-1]]
    if word not in s.expected:
        return None
    code = {"then": "E_MISSING_THEN", "else": "E_MISSING_ELSE"}.get(word, "E_MISSING_KEYWORD")
    message = f"expected `{word}` here"
    hints = {
        "then": "write `if condition then value else other`",
        "else": "every `if` needs an `else` branch: `if c then a else b` (use `null` if none)",
        "return": "write `for x in list return expression`",
        "satisfies": "write `some x in list satisfies condition`",
    }
    hints_zh = {
        "then": "请在条件之后写 `then`：`if condition then value else other`",
        "else": "请补上 `else` 分支：`if c then a else b`；没有其他取值时可写 `else null`",
        "return": "请在列表之后写 `return`：`for x in list return expression`",
        "satisfies": "请在列表之后写 `satisfies`：`some x in list satisfies condition`",
    }
    return _diag(
        code,
        message,
        s,
        max(len(s.found), 1),
        hints[word],
        zh_cn=f"此处缺少 `{word}`",
        hint_zh_cn=hints_zh[word],
    )


def _without_strings(text: str) -> str:
    """`text` with string literals blanked out (same length, so offsets stay valid)."""
    return re.sub(r'"(?:[^"\\\n]|\\.)*"?', lambda m: " " * len(m.group()), text)


def _brackets(source: str) -> tuple[list[tuple[str, int]], tuple[str, int] | None]:
    """Unclosed openers (char, offset) and the first unmatched closer, skipping strings."""
    stack: list[tuple[str, int]] = []
    in_string = False
    index = 0
    while index < len(source):
        ch = source[index]
        if in_string:
            if ch == "\\":
                index += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in _OPENERS:
            stack.append((ch, index))
        elif ch in _CLOSERS:
            if not stack or stack[-1][0] != _CLOSERS[ch]:
                return stack, (ch, index)
            stack.pop()
        index += 1
    return stack, None


def _position(source: str, offset: int) -> Span:
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return Span(line, column, line, column + 1)


def _unbalanced(s: Situation) -> Diagnostic | None:
    stack, stray = _brackets(s.source)
    if stray is not None and stray[1] <= s.offset and not stack:
        ch, offset = stray
        message = f"`{ch}` has no matching `{_CLOSERS[ch]}`"
        return Diagnostic(
            "E_UNBALANCED",
            message,
            _position(s.source, offset),
            "remove it",
            zh_cn=f"`{ch}` 没有对应的 `{_CLOSERS[ch]}`",
            hint_zh_cn=f"请删除这个 `{ch}`",
        )
    if s.at_end and stack:
        ch, offset = stack[-1]
        message = f"`{ch}` is never closed"
        hint = f"add `{_OPENERS[ch]}` at the end of the part it groups"
        return Diagnostic(
            "E_UNBALANCED",
            message,
            _position(s.source, offset),
            hint,
            zh_cn=f"`{ch}` 没有闭合",
            hint_zh_cn=f"请在它括住的内容末尾补上 `{_OPENERS[ch]}`",
        )
    return None


def _trailing_operator(s: Situation) -> Diagnostic | None:
    if not s.at_end:
        return None
    text = s.source.rstrip()
    for op in _TRAILING:
        if text.endswith(op) and (not op.isalpha() or not text[: -len(op)][-1:].isalnum()):
            start = len(text) - len(op)
            span = _position(s.source, start)
            span = Span(span.line, span.column, span.line, span.column + len(op))
            message = f"the expression ends right after `{op}`"
            hint = f"add what comes after `{op}`, or remove it"
            return Diagnostic(
                "E_TRAILING_OPERATOR",
                message,
                span,
                hint,
                zh_cn=f"表达式在 `{op}` 之后就结束了",
                hint_zh_cn=f"请在 `{op}` 之后补上内容，或删除 `{op}`",
            )
    return None


_KEYWORD_CALL = re.compile(r"(?<![\w$])(if|and|or)\s*\(")


def _keyword_call(s: Situation) -> Diagnostic | None:
    text = _without_strings(s.before)
    for match in _KEYWORD_CALL.finditer(text):
        word = match.group(1)
        if word == "if" and re.search(r"(?<![\w$])then(?!\w)", text[match.end() :]):
            continue
        upper = word.upper()
        message = f"`{word}` is a keyword; the spreadsheet function is written `{upper}(...)`"
        hint = f"write `{upper}(...)` in capitals, or use the keyword form"
        return Diagnostic(
            "E_KEYWORD_AS_FUNCTION",
            message,
            _position(s.source, match.start()),
            hint,
            zh_cn=f"`{word}` 是关键字；电子表格函数要写作 `{upper}(...)`",
            hint_zh_cn=f"请用大写字母写作 `{upper}(...)`，或改用关键字的写法",
        )
    return None


_WORD = re.compile(r"\$?[^\W\d]\w*")
_WORD_BEFORE = re.compile(r"(\$?[^\W\d]\w*)\s+$")


def _words_side_by_side(s: Situation) -> Diagnostic | None:
    """`Monthly Income` where no such name is known: two names with nothing between them."""
    before = _WORD_BEFORE.search(s.before)
    if s.at_end or not _WORD.fullmatch(s.found) or before is None:
        return None
    previous = before.group(1)
    if previous in _KEYWORDS or s.found in _KEYWORDS:
        return None
    message = f"unexpected `{s.found}` right after the name `{previous}`"
    hint = (
        f"a name with spaces (`{previous} {s.found}`) must be a field in scope; "
        f"otherwise put an operator between `{previous}` and `{s.found}`"
    )
    zh_cn = f"名称 `{previous}` 之后不应紧跟 `{s.found}`"
    hint_zh_cn = (
        f"`{previous} {s.found}` 这样带空格的名称必须是当前可用的字段；"
        f"否则请在 `{previous}` 和 `{s.found}` 之间加上运算符"
    )
    return _diag("E_SYNTAX", message, s, len(s.found), hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


_KEYWORDS = frozenset(
    {"if", "then", "else", "for", "in", "return", "some", "every", "satisfies", "and", "or",
     "between", "true", "false", "null", "not", "instance", "of", "function", "external"}
)  # fmt: skip


RULES: tuple[Rule, ...] = (
    _full_width,
    _single_quote,
    _unterminated_string,
    _leading_equals,
    _symbol_rule(
        "==",
        "E_DOUBLE_EQUALS",
        "`==` is not an operator",
        "compare with a single `=`",
        zh_cn="不支持 `==` 运算符",
        hint_zh_cn="请用一个 `=` 判断是否相等",
    ),
    _symbol_rule(
        "&&",
        "E_AMPERSAND",
        "`&&` is not an operator",
        "write `and`",
        zh_cn="不支持 `&&` 运算符",
        hint_zh_cn="请改用 `and`",
    ),
    _symbol_rule(
        "||",
        "E_PIPES",
        "`||` is not an operator",
        "write `or`",
        zh_cn="不支持 `||` 运算符",
        hint_zh_cn="请改用 `or`",
    ),
    _symbol_rule(
        "&",
        "E_AMPERSAND",
        "`&` is not an operator",
        "join text with `+` (or CONCAT), and combine conditions with `and`",
        zh_cn="不支持 `&` 运算符",
        hint_zh_cn="请用 `+` 或 CONCAT 连接文本，用 `and` 组合条件",
    ),
    _symbol_rule(
        "<>",
        "E_NOT_EQUAL",
        "`<>` is not an operator",
        "write `!=` for not equal",
        zh_cn="不支持 `<>` 运算符",
        hint_zh_cn="请用 `!=` 表示不等于",
    ),
    _symbol_rule(
        "!",
        "E_BANG",
        "`!` is not an operator",
        "negate with `not(...)`; `!=` means not equal",
        zh_cn="不支持 `!` 运算符",
        hint_zh_cn="请用 `not(...)` 取反；`!=` 表示不等于",
        unless_next="=",
    ),
    _symbol_rule(
        ";",
        "E_SEMICOLON",
        "`;` is not a separator here",
        "separate arguments with `,`",
        zh_cn="此处不能用 `;` 分隔",
        hint_zh_cn="请用半角逗号 `,` 分隔参数",
    ),
    _keyword_call,
    _chained_comparison,
    _missing_keyword,
    _words_side_by_side,
    _unbalanced,
    _trailing_operator,
)


_CATEGORIES = {"END": "the end", "NAME": "a name", "NUMBER": "a number", "STRING": "a string"}
_CATEGORIES_ZH = {
    "END": "表达式结尾",
    "NAME": "名称",
    "NUMBER": "数字",
    "STRING": "文本",
    "a type": "类型",
}


def _describe(name: str) -> str:
    return _CATEGORIES.get(name) or (name if name.startswith("a ") else f"`{name}`")


def _describe_zh(name: str) -> str:
    return _CATEGORIES_ZH.get(name) or f"`{name}`"


def _generic(s: Situation) -> Diagnostic:
    found = "the end of the expression" if s.at_end else f"`{s.found or s.after[:1]}`"
    expected = sorted({_describe(name) for name in s.expected})
    in_chinese = {_describe(name): _describe_zh(name) for name in s.expected}
    message = f"unexpected {found}"
    zh_cn = "表达式意外结束" if s.at_end else f"此处不应出现 `{s.found or s.after[:1]}`"
    hint = hint_zh_cn = None
    if expected:
        shown = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
        hint = f"expected {shown}"
        shown_zh = "、".join(in_chinese[name] for name in expected[:8])
        if len(expected) > 8:
            shown_zh += " 等" if shown_zh.endswith("`") else "等"
        hint_zh_cn = f"此处应为：{shown_zh}"
    return _diag(
        "E_SYNTAX", message, s, max(len(s.found), 1), hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn
    )
