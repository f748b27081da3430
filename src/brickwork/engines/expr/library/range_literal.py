"""`range(from)`: a range value from the text of a range literal (DMN 1.5 §10.3.4, rule 66).

Accepted: `[1..10)`, `]1..10]`, `(1..10[`, an end left empty on an open side (`[2..)` is `>= 2`),
and the unary comparisons `< 10`, `<= 10`, `> 10`, `>= 10`. Endpoints are literals only (rule
67): numbers, strings, `@"..."` and `date(...)`, `time(...)`, `date and time(...)`,
`duration(...)` of a string. Anything else gives null with a diagnostic. This module does not
parse or evaluate expressions; it reads the few literal forms above itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from brickwork.engines.expr.datatypes import ANY, range_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.values import (
    ORDERED_KINDS,
    RangeValue,
    Value,
    kind_of,
    order,
    parse_date,
    parse_datetime,
    parse_duration,
    parse_temporal,
    parse_time,
    zh_reason,
)
from brickwork.engines.expr.words import zh_kind

_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_STRING = r'"((?:[^"\\]|\\.)*)"'
_CALL = re.compile(r"^(date and time|date|time|duration)\s*\(\s*" + _STRING + r"\s*\)$")
_TEMPORAL = re.compile(r"^@" + _STRING + "$")
_QUOTED = re.compile(r"^" + _STRING + "$")
_COMPARISON = re.compile(r"^(<=|>=|<|>)\s*(.+)$", re.DOTALL)
_OPENING = {"[": True, "(": False, "]": False}
_CLOSING = {"]": True, ")": False, "[": False}
_CALLS: dict[str, Callable[[str], Value]] = {
    "date": parse_date,
    "time": parse_time,
    "date and time": parse_datetime,
    "duration": parse_duration,
}


def _unquote(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), body)


def _endpoint(text: str) -> Value:
    text = text.strip()
    try:
        if _NUMBER.match(text):
            return Decimal(text)
        if (quoted := _QUOTED.match(text)) is not None:
            return _unquote(quoted[1])
        if (temporal := _TEMPORAL.match(text)) is not None:
            return parse_temporal(_unquote(temporal[1]))
        if (call := _CALL.match(" ".join(text.split()))) is not None:
            return _CALLS[call[1]](_unquote(call[2]))
    except (ValueError, InvalidOperation, OverflowError) as exc:
        raise FunctionError(
            f"`{text}` is not a range endpoint: {exc}",
            zh_cn=f"`{text}` 不是区间端点：{zh_reason(exc)}",
        ) from None
    raise FunctionError(
        f"`{text}` is not a literal range endpoint", zh_cn=f"`{text}` 不是字面量区间端点"
    )


def _split(body: str) -> tuple[str, str] | None:
    """Split `low..high` at the `..` outside string quotes."""
    quoted = False
    index = 0
    while index < len(body) - 1:
        char = body[index]
        if char == "\\" and quoted:
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif not quoted and body.startswith("..", index):
            return body[:index], body[index + 2 :]
        index += 1
    return None


def _comparison(op: str, text: str) -> RangeValue:
    end = _checked(_endpoint(text))
    if op.startswith("<"):
        return RangeValue(None, end, False, op == "<=")
    return RangeValue(end, None, op == ">=", False)


def _checked(value: Value) -> Value:
    if kind_of(value) not in ORDERED_KINDS:
        raise FunctionError(
            f"a range cannot end at a {kind_of(value)}",
            zh_cn=f"区间的端点不能是{zh_kind(kind_of(value))}",
        )
    return value


def parse_range(text: str) -> RangeValue:
    """The range written as `text`; raises `FunctionError` when it is not a range literal."""
    text = text.strip()
    comparison = _COMPARISON.match(text)
    if comparison is not None:
        return _comparison(comparison[1], comparison[2])
    parts = _split(text[1:-1]) if len(text) >= 4 else None
    if parts is None or text[0] not in _OPENING or text[-1] not in _CLOSING:
        raise FunctionError(
            f"`{text}` is not a range literal such as [1..10) or < 10",
            zh_cn=f"`{text}` 不是区间字面量（例如 [1..10) 或 < 10）",
        )
    low_closed, high_closed = _OPENING[text[0]], _CLOSING[text[-1]]
    low_text, high_text = (p.strip() for p in parts)
    if (not low_text and low_closed) or (not high_text and high_closed) or parts == ("", ""):
        raise FunctionError(
            f"`{text}`: only an open end may be left empty", zh_cn=f"`{text}`：只有开端可以留空"
        )
    low = _checked(_endpoint(low_text)) if low_text else None
    high = _checked(_endpoint(high_text)) if high_text else None
    if low is not None and high is not None and order(low, high) is None:
        low_zh, high_zh = zh_kind(kind_of(low)), zh_kind(kind_of(high))
        raise FunctionError(
            f"`{text}`: the ends are a {kind_of(low)} and a {kind_of(high)}",
            zh_cn=f"`{text}`：两端分别是{low_zh}和{high_zh}，无法比较",
        )
    return RangeValue(low, high, low_closed, high_closed)


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "range", "range", (sig("from: string", parse_range, range_of(ANY)),),
        "The range written in `from` with the range literal syntax; an open end may be left "
        "empty (`[2..)` is `>= 2`), endpoints must be literals. Null if `from` is not a range.",
        "按区间字面量语法解析 `from` 得到区间；开端可留空（`[2..)` 即 `>= 2`），端点须为字面量。"
        "不是区间时为 null。",
        (ex('range("[18..21)")', "[18..21)"), ex('range("[2..)")', "(>= 2)"),
         ex('range("(..2)")', "(< 2)"), ex('range("")', "null"), ex('range("[..]")', "null"),
         ex('range("<10")', "(< 10)"),
         ex('range("[date(\\"2020-01-01\\")..@\\"2020-12-31\\"]")',
            '[@"2020-01-01"..@"2020-12-31"]')),
    ),
)  # fmt: skip
