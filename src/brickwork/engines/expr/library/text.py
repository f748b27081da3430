"""Text functions: FEEL string built-ins and the Excel text functions.

Regular expressions (`matches`, `replace`, `split`) go through `compile_pattern`, which bounds
pattern and input size and rejects the constructs that make backtracking explode (nested
unbounded repetition, alternation under unbounded repetition, back-references). Evaluators are
pure; they must not use `eval` or touch anything outside their arguments.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache

from brickwork.engines.expr.datatypes import BOOLEAN, NUMBER, STRING, list_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.limits import DEFAULT_LIMITS
from brickwork.engines.expr.values import Value, kind_of, norm, to_text
from brickwork.engines.expr.words import zh_kind

MAX_WHOLE_ARGUMENT = 10**9
"""Largest position, length, count or scale a function accepts; beyond it the result is null."""


def _subject(what_zh: str) -> str:
    """`what_zh` ready to stand before a Chinese predicate (a space after backticked code)."""
    return f"{what_zh} " if what_zh.endswith("`") else what_zh


def whole(number: Decimal, what: str, what_zh: str) -> int:
    """An integral argument as int (positions, lengths, scales); `what` names it in English,
    `what_zh` in Chinese."""
    zh = what_zh
    if number != number.to_integral_value():
        raise FunctionError(f"{what} must be a whole number, not {number}", "E_ARG_VALUE",
                            zh_cn=f"{_subject(zh)}必须是整数，不能是 {number}")  # fmt: skip
    if abs(number) > MAX_WHOLE_ARGUMENT:
        raise FunctionError(f"{what} {number} is out of range", "E_ARG_VALUE",
                            zh_cn=f"{zh} {number} 超出允许范围")  # fmt: skip
    return int(number)


def integral(number: Decimal, what: str, what_zh: str) -> int:
    """The integer part of a FEEL position, length or scale (the spec truncates: 1.9 -> 1)."""
    if number.is_finite() and -_BEYOND_WHOLE < number < _BEYOND_WHOLE:
        return int(number)  # truncates toward zero
    return whole(number.to_integral_value(ROUND_DOWN), what, what_zh)  # reports the problem


_BEYOND_WHOLE = MAX_WHOLE_ARGUMENT + 1


def substring(text: str, start: Decimal, length: Decimal | None = None) -> str:
    position = integral(start, "the start position", "起始位置")
    if position == 0:
        raise FunctionError("positions start at 1 (or -1 for the last character)", "E_ARG_VALUE",
                            zh_cn="位置从 1 开始（-1 表示最后一个字符）")  # fmt: skip
    begin = position - 1 if position > 0 else max(len(text) + position, 0)
    if length is None:
        return text[begin:]
    count = integral(length, "the length", "长度")
    if count < 0:
        raise FunctionError("the length cannot be negative", "E_ARG_VALUE", zh_cn="长度不能为负数")
    return text[begin : begin + count]


def substring_before(text: str, match: str) -> str:
    index = text.find(match)
    return "" if index < 0 or not match else text[:index]


def substring_after(text: str, match: str) -> str:
    index = text.find(match)
    if not match:
        return text
    return "" if index < 0 else text[index + len(match) :]


# ---------------------------------------------------------------- bounded regular expressions

_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}
_UNBOUNDED_BRACE = re.compile(r"\{(\d+),(\d*)\}")
_MAX_SMALL_REPEAT = 10


def _skip_class(pattern: str, index: int) -> int:
    """Index just after the character class starting at `pattern[index] == '['`."""
    index += 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


def _quantifier(pattern: str, index: int) -> tuple[bool, int]:
    """Whether a quantifier at `index` is unbounded (or large), and its length."""
    ch = pattern[index : index + 1]
    if ch in ("*", "+"):
        lazy = pattern[index + 1 : index + 2] in ("?", "+")
        return True, 1 + lazy
    if ch == "?":
        return False, 1
    match = _UNBOUNDED_BRACE.match(pattern, index) if ch == "{" else None
    if match:
        upper = match.group(2)
        return (not upper or int(upper) > _MAX_SMALL_REPEAT), match.end() - index
    return False, 0


def _reject(reason: str, reason_zh: str) -> FunctionError:
    return FunctionError(f"this pattern is not allowed: {reason}", "E_UNSAFE_PATTERN",
                         zh_cn=f"不允许使用此正则表达式：{reason_zh}")  # fmt: skip


_BACK_REFERENCES = ("back-references are not supported", "不支持反向引用")


def _group_end(stack: list[list[bool]], pattern: str, index: int) -> tuple[list[bool] | None, int]:
    """Handle one special character; returns a closed group (if `)`) and the next index."""
    ch = pattern[index]
    if ch == "\\":
        if pattern[index + 1 : index + 2].isdigit() or pattern[index + 1 : index + 2] == "k":
            raise _reject(*_BACK_REFERENCES)
        return None, index + 2
    if ch == "[":
        return None, _skip_class(pattern, index)
    if ch == ")":
        if len(stack) == 1:
            raise _reject("unbalanced `)`", "`)` 没有对应的 `(`")
        return stack.pop(), index + 1
    return None, index + 1


def check_pattern(pattern: str) -> None:
    """Reject patterns whose backtracking can explode; raises `FunctionError`."""
    # Each open group: [contains an unbounded repeat, contains `|`]
    stack: list[list[bool]] = [[False, False]]
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if ch == "(":
            if pattern.startswith("(?P=", index):
                raise _reject(*_BACK_REFERENCES)
            stack.append([False, False])
            index += 1
            continue
        if ch == "|":
            stack[-1][1] = True
            index += 1
            continue
        closed, index = _group_end(stack, pattern, index)
        unbounded, width = _quantifier(pattern, index)
        index += width
        if closed is None:
            stack[-1][0] = stack[-1][0] or unbounded
            continue
        if unbounded and closed[0]:
            raise _reject("a repeated group contains another unbounded repetition",
                          "重复的分组中又包含无上限的重复")  # fmt: skip
        if unbounded and closed[1]:
            raise _reject("a repeated group contains `|`; use a character class like [ab]",
                          "重复的分组中包含 `|`；请改用字符类，如 [ab]")  # fmt: skip
        stack[-1][0] = stack[-1][0] or closed[0] or unbounded


@lru_cache(maxsize=256)
def compile_pattern(pattern: str, flags: str = "") -> re.Pattern[str]:
    if len(pattern) > DEFAULT_LIMITS.max_regex_pattern:
        longest = DEFAULT_LIMITS.max_regex_pattern
        raise _reject(f"longer than {longest} characters", f"长度超过 {longest} 个字符")
    bits = 0
    literal = False
    for flag in flags:
        if flag == "q":
            literal = True
        elif flag in _FLAGS:
            bits |= _FLAGS[flag]
        else:
            raise FunctionError(f"unknown regular expression flag `{flag}`", "E_ARG_VALUE",
                                zh_cn=f"未知的正则表达式标志 `{flag}`")  # fmt: skip
    if literal:
        return re.compile(re.escape(pattern), bits & re.IGNORECASE)
    check_pattern(pattern)
    try:
        return re.compile(pattern, bits)
    except (re.error, RecursionError, OverflowError) as exc:
        zh_cn = f"正则表达式无效：{_pattern_error_zh(exc)}"
        raise FunctionError(f"invalid pattern: {exc}", "E_ARG_VALUE", zh_cn=zh_cn) from None


_RE_ERRORS_ZH: dict[str, str] = {
    "missing ), unterminated subpattern": "`(` 没有对应的 `)`",
    "unbalanced parenthesis": "`)` 没有对应的 `(`",
    "unterminated character set": "字符类缺少结尾的 `]`",
    "nothing to repeat": "重复符号前面没有可重复的内容",
    "multiple repeat": "重复符号不能连用",
    "bad escape (end of pattern)": "末尾的 `\\` 后面缺少字符",
    "min repeat greater than max repeat": "重复次数的下限大于上限",
    "missing >, unterminated name": "分组名缺少结尾的 `>`",
    "look-behind requires fixed-width pattern": "后行断言只能匹配固定长度",
}
"""`re.error` messages (`exc.msg`) in Chinese."""

_RE_ERROR_PREFIXES_ZH: tuple[tuple[str, str], ...] = (
    ("bad escape ", "转义无效"),
    ("incomplete escape ", "转义不完整"),
    ("bad character range ", "字符区间无效"),
    ("unknown extension ", "未知的扩展语法"),
    ("bad character in group name ", "分组名中有无效字符"),
    ("redefinition of group name ", "分组名重复"),
)
"""`re.error` messages that end with a detail (the escape, range or name): the Chinese lead-in."""


def _pattern_error_zh(exc: Exception) -> str:
    """Why `re.compile` refused a pattern, in Chinese (where `compile_pattern` caught it)."""
    if isinstance(exc, OverflowError):
        return "重复次数过大"
    if isinstance(exc, RecursionError):
        return "嵌套层数过多"
    if not isinstance(exc, re.error):  # pragma: no cover - compile_pattern catches only these
        return str(exc)
    where = "" if exc.pos is None else f"（第 {exc.pos + 1} 个字符处）"
    known = _RE_ERRORS_ZH.get(exc.msg)
    if known is not None:
        return known + where
    for prefix, lead in _RE_ERROR_PREFIXES_ZH:
        if exc.msg.startswith(prefix):
            return f"{lead}：{exc.msg[len(prefix) :]}{where}"
    return f"{exc.msg}{where}"


def _bounded(text: str) -> str:
    if len(text) > DEFAULT_LIMITS.max_regex_input:
        longest = DEFAULT_LIMITS.max_regex_input
        message = f"text longer than {longest} characters"
        raise FunctionError(f"{message} cannot be matched against a pattern", "E_LIMIT_REGEX",
                            zh_cn=f"文本超过 {longest} 个字符，不能用于正则匹配")  # fmt: skip
    return text


def matches(text: str, pattern: str, flags: str | None = None) -> bool:
    return compile_pattern(pattern, flags or "").search(_bounded(text)) is not None


def _template(replacement: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(replacement):
        ch = replacement[index]
        nxt = replacement[index + 1 : index + 2]
        if ch == "\\" and nxt in ("\\", "$"):
            out.append("\\\\" if nxt == "\\" else "$")
            index += 2
        elif ch == "$" and nxt.isdigit():
            end = index + 1
            while end < len(replacement) and replacement[end].isdigit():
                end += 1
            out.append(f"\\g<{replacement[index + 1 : end]}>")
            index = end
        elif ch in ("\\", "$"):
            raise FunctionError(f"`{ch}` in a replacement must be escaped as `\\{ch}`",
                                zh_cn=f"替换文本中的 `{ch}` 必须转义为 `\\{ch}`")  # fmt: skip
        else:
            out.append(ch)
            index += 1
    return "".join(out)


def replace(text: str, pattern: str, replacement: str, flags: str | None = None) -> str:
    compiled = compile_pattern(pattern, flags or "")
    try:
        return compiled.sub(_template(replacement), _bounded(text))
    except (re.error, IndexError) as exc:
        zh_cn = f"替换文本无效：{_replacement_error_zh(exc)}"
        raise FunctionError(f"invalid replacement: {exc}", "E_ARG_VALUE", zh_cn=zh_cn) from None


def _replacement_error_zh(exc: Exception) -> str:
    """Why a replacement failed, in Chinese: mostly `$n` naming a group the pattern lacks."""
    message = exc.msg if isinstance(exc, re.error) else str(exc)
    if message.startswith("invalid group reference "):
        return f"引用的分组 {message.removeprefix('invalid group reference ')} 不存在"
    if isinstance(exc, IndexError):
        return "引用的分组不存在"
    return message


def split(text: str, delimiter: str) -> list[Value]:
    if not delimiter:
        raise FunctionError("the delimiter cannot be empty", "E_ARG_VALUE", zh_cn="分隔符不能为空")
    return list(compile_pattern(delimiter).split(_bounded(text)))


def string_join(items: list[Value], delimiter: str | None = None, prefix: str | None = None,
                suffix: str | None = None) -> str:  # fmt: skip
    parts = []
    for item in items:
        value = norm(item)
        if value is None:
            continue
        if not isinstance(value, str):
            message = f"`list` must hold strings, not a {kind_of(value)}"
            zh_cn = f"`list` 中的元素必须是文本，不能是{zh_kind(kind_of(value))}"
            raise FunctionError(message, "E_ARG_TYPE", zh_cn=zh_cn)
        parts.append(value)
    return (prefix or "") + (delimiter or "").join(parts) + (suffix or "")


def left(text: str, count: Decimal | None = None) -> str:
    n = 1 if count is None else whole(count, "the number of characters", "字符数")
    if n < 0:
        raise FunctionError("the number of characters cannot be negative", "E_ARG_VALUE",
                            zh_cn="字符数不能为负数")  # fmt: skip
    return text[:n]


def right(text: str, count: Decimal | None = None) -> str:
    n = 1 if count is None else whole(count, "the number of characters", "字符数")
    if n < 0:
        raise FunctionError("the number of characters cannot be negative", "E_ARG_VALUE",
                            zh_cn="字符数不能为负数")  # fmt: skip
    return text[max(len(text) - n, 0) :] if n else ""


def mid(text: str, start: Decimal, count: Decimal) -> str:
    position, n = (
        whole(start, "the start position", "起始位置"),
        whole(count, "the number of characters", "字符数"),
    )
    if position < 1 or n < 0:
        raise FunctionError("MID needs a start ≥ 1 and a count ≥ 0", "E_ARG_VALUE",
                            zh_cn="MID 要求起始位置 ≥ 1、字符数 ≥ 0")  # fmt: skip
    return text[position - 1 : position - 1 + n]


def trim(text: str) -> str:
    """Excel TRIM: strip both ends and collapse inner runs of spaces to one."""
    return " ".join(part for part in text.split(" ") if part).strip()


def concat(values: list[Value]) -> str:
    parts = []
    for item in values:
        value = norm(item)
        if value is not None:
            parts.append(to_text(value) or "")
    return "".join(parts)


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "substring", "text",
        (sig("string: string, start position: number, length?: number", substring, STRING),),
        "Part of `string` from `start position` (1-based; negative counts from the end), "
        "optionally `length` characters long.",
        "从第 `start position` 个字符起截取（从 1 开始，负数表示从末尾数），可指定长度。",
        (ex('substring("foobar", 3)', '"obar"'), ex('substring("foobar", -2, 1)', '"a"'),
         ex('substring("foobar", 0)', "null")),
        sql="substring",
    ),
    FunctionSpec(
        "string length", "text", (sig("string: string", lambda s: Decimal(len(s)), NUMBER),),
        "Number of characters in `string`.", "字符串的字符数。",
        (ex('string length("编号A1")', "4"), ex("string length(null)", "null")),
        aliases=("LEN",), sql="length",
    ),
    FunctionSpec(
        "upper case", "text", (sig("string: string", str.upper, STRING),),
        "`string` in capital letters.", "转换为大写。",
        (ex('upper case("aBc4")', '"ABC4"'), ex("UPPER(1)", "null")),
        aliases=("UPPER",), sql="upper",
    ),
    FunctionSpec(
        "lower case", "text", (sig("string: string", str.lower, STRING),),
        "`string` in small letters.", "转换为小写。",
        (ex('lower case("aBc4")', '"abc4"'), ex('LOWER("KYC")', '"kyc"')),
        aliases=("LOWER",), sql="lower",
    ),
    FunctionSpec(
        "substring before", "text",
        (sig("string: string, match: string", substring_before, STRING),),
        "The part of `string` before the first `match` (empty if not found).",
        "`match` 第一次出现之前的部分（找不到时为空字符串）。",
        (ex('substring before("testing", "ing")', '"test"'),
         ex('substring before("abc", "x")', '""')),
    ),
    FunctionSpec(
        "substring after", "text",
        (sig("string: string, match: string", substring_after, STRING),),
        "The part of `string` after the first `match` (empty if not found).",
        "`match` 第一次出现之后的部分（找不到时为空字符串）。",
        (ex('substring after("foo@bank.cn", "@")', '"bank.cn"'),
         ex('substring after("abc", "x")', '""')),
    ),
    FunctionSpec(
        "contains", "text", (sig("string: string, match: string", str.__contains__, BOOLEAN),),
        "Whether `string` contains `match` (case-sensitive).", "是否包含 `match`（区分大小写）。",
        (ex('contains("Bank of China", "of")', "true"), ex('contains("abc", "B")', "false")),
        sql="contains",
    ),
    FunctionSpec(
        "starts with", "text", (sig("string: string, match: string", str.startswith, BOOLEAN),),
        "Whether `string` starts with `match`.", "是否以 `match` 开头。",
        (ex('starts with("CN-001", "CN")', "true"), ex('starts with(null, "CN")', "null")),
        sql="starts_with",
    ),
    FunctionSpec(
        "ends with", "text", (sig("string: string, match: string", str.endswith, BOOLEAN),),
        "Whether `string` ends with `match`.", "是否以 `match` 结尾。",
        (ex('ends with("report.pdf", ".pdf")', "true"), ex('ends with("a", "b")', "false")),
        sql="ends_with",
    ),
    FunctionSpec(
        "matches", "text",
        (sig("input: string, pattern: string, flags?: string", matches, BOOLEAN),),
        "Whether `input` matches the regular expression `pattern` (flags: i, s, m, x, q). "
        "Patterns with nested repetition or back-references are rejected.",
        "是否匹配正则表达式 `pattern`（标志 i、s、m、x、q）。为防止灾难性回溯，"
        "嵌套重复和反向引用会被拒绝。",
        (ex('matches("AB-1234", "^[A-Z]{2}-[0-9]{4}$")', "true"),
         ex('matches("aaa", "(a+)+")', "null")),
    ),
    FunctionSpec(
        "replace", "text",
        (sig("input: string, pattern: string, replacement: string, flags?: string", replace,
             STRING),),
        "Replace every match of `pattern` in `input`; `$1` in `replacement` refers to a group.",
        "把所有匹配 `pattern` 的部分替换为 `replacement`（`$1` 表示第一个分组）。",
        (ex('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', '"[1=ab][2=]cd"'),
         ex('replace("13812345678", "^(\\\\d{3})\\\\d{4}", "$1****")', '"138****5678"')),
    ),
    FunctionSpec(
        "split", "text", (sig("string: string, delimiter: string", split, list_of(STRING)),),
        "Split `string` at each match of the pattern `delimiter`.",
        "按分隔符（正则表达式）拆分为列表。",
        (ex('split("a;b;c", ";")', '["a", "b", "c"]'), ex('split("a1b22c", "[0-9]+")',
                                                              '["a", "b", "c"]')),
    ),
    FunctionSpec(
        "string join", "text",
        (sig("list: list, delimiter?: string, prefix?: string, suffix?: string", string_join,
             STRING),),
        "Join a list of strings with `delimiter`; nulls are skipped.",
        "用分隔符连接字符串列表，忽略 null。",
        (ex('string join(["a", null, "c"], ", ")', '"a, c"'), ex('string join([])', '""')),
    ),
    FunctionSpec(
        "LEFT", "text", (sig("text: string, count?: number", left, STRING),),
        "Excel LEFT: the first `count` characters (default 1).",
        "Excel LEFT：左起若干字符（默认 1）。",
        (ex('LEFT("上海分行", 2)', '"上海"'), ex('LEFT("abc")', '"a"')), sql="left",
    ),
    FunctionSpec(
        "RIGHT", "text", (sig("text: string, count?: number", right, STRING),),
        "Excel RIGHT: the last `count` characters (default 1).",
        "Excel RIGHT：右起若干字符（默认 1）。",
        (ex('RIGHT("6222021234", 4)', '"1234"'), ex('RIGHT("abc", 0)', '""')), sql="right",
    ),
    FunctionSpec(
        "MID", "text", (sig("text: string, start: number, count: number", mid, STRING),),
        "Excel MID: `count` characters from position `start` (1-based).",
        "Excel MID：从第 `start` 个字符起取 `count` 个字符。",
        (ex('MID("20250303", 5, 2)', '"03"'), ex('MID("abc", 0, 1)', "null")),
    ),
    FunctionSpec(
        "TRIM", "text", (sig("text: string", trim, STRING),),
        "Excel TRIM: remove leading/trailing spaces and collapse inner runs of spaces.",
        "Excel TRIM：去掉首尾空格，并把中间连续空格合并为一个。",
        (ex('TRIM("  a   b ")', '"a b"'), ex("TRIM(null)", "null")),
    ),
    FunctionSpec(
        "CONCAT", "text", (sig("values...: any", concat, STRING),),
        "Excel CONCAT: join values as text; null counts as empty text.",
        "Excel CONCAT：把各值按文本连接，null 视为空字符串。",
        (ex('CONCAT("No.", 7, null, "/", true)', '"No.7/true"'), ex("CONCAT()", '""')),
        propagate_null=False,
    ),
)  # fmt: skip
