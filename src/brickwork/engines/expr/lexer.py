"""Source text to tokens, and the values of string literals.

One regular expression splits the text into words, numbers, strings and symbols, skipping spaces
and comments (`// ...`, `/* ... */`). A character that starts no token ends the list with a `BAD`
token, so the parser reports problems in reading order. Keywords are plain words here: the parser
decides where a word is a keyword (as FEEL does, `then` may name a field where no keyword fits).
This module must not build syntax nodes or evaluate anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD, NUMBER, STRING, SYMBOL, BAD, END = range(6)
_SKIP, _OTHER = 6, 7

# Alternatives in order of frequency (words, symbols, spaces); `.5` is a number, `/*` a comment.
# No groups: `findall` then returns the pieces as plain strings, and their first character
# says what each is (see `_FIRST` and `_other_kind`).
_TOKEN = re.compile(
    r"[^\W\d]\w*|\$[^\W\d]\w*"
    r"|[()\[\]{},:?@+=]|\.\.|\.(?!\d)|->|-|\*\*|\*|<=|>=|!=|<|>|/(?![/*])"
    r"|[ \t\r\n]+|//[^\n]*|/\*(?s:.*?)\*/"
    r"|(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    r"|(?s:.)"
)
_WORD_START = re.compile(r"[^\W\d]")
_FIRST: dict[str, int] = {
    **dict.fromkeys("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", WORD),
    **dict.fromkeys("0123456789", NUMBER),
    **dict.fromkeys("()[]{},:?@+=-*<>", SYMBOL),  # every piece starting so is a symbol
    **dict.fromkeys(" \t\r\n", _SKIP),
}
"""The kind of a piece by its first character, where that alone decides it."""


@dataclass(slots=True)
class Tokens:
    """Parallel lists (kind, text, start offset, end offset), closed by an `END` token."""

    kinds: list[int]
    texts: list[str]
    starts: list[int]
    ends: list[int]


def tokenize(source: str) -> Tokens:
    kinds: list[int] = []
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    first = _FIRST
    # Every character belongs to one piece, so offsets are running sums of the lengths
    # (`findall` is much faster than `finditer` and its match objects).
    for text in _TOKEN.findall(source):
        kind = first.get(text[0], _OTHER)
        if kind == _OTHER:
            kind = _other_kind(text, source, position)
        if kind == _SKIP:
            position += len(text)
            continue
        kinds.append(kind)
        texts.append(text)
        starts.append(position)
        position += len(text)
        ends.append(position)
        if kind == BAD:  # the parser stops at the first character that starts no token
            break
    kinds.append(END)
    texts.append("")
    starts.append(len(source))
    ends.append(len(source))
    return Tokens(kinds, texts, starts, ends)


def _other_kind(text: str, source: str, position: int) -> int:
    """The kind of a piece whose first character does not decide it alone."""
    head = text[0]
    if head == ".":
        return SYMBOL if text in (".", "..") else NUMBER
    if head == "/":  # a comment, or `/` unless an unterminated comment starts here
        if len(text) > 1:
            return _SKIP
        return BAD if source.startswith("/*", position) else SYMBOL
    if head == '"' or head == "$":
        return (STRING if head == '"' else WORD) if len(text) > 1 else BAD
    if head == "!":
        return SYMBOL if text == "!=" else BAD
    if _WORD_START.match(head):
        return WORD
    if head.isdecimal():  # `\d` matches every decimal digit, not only 0-9
        return NUMBER
    return BAD


class EscapeError(Exception):
    """A bad escape in a string literal, at `offset` (from the opening quote) for `width` chars."""

    def __init__(
        self,
        offset: int,
        width: int,
        message: str,
        hint: str,
        *,
        zh_cn: str | None,
        hint_zh_cn: str | None = None,
    ) -> None:
        super().__init__(message)
        self.offset = offset
        self.width = width
        self.message = message
        self.hint = hint
        self.zh_cn = zh_cn
        self.hint_zh_cn = hint_zh_cn


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SIMPLE_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "/": "/"}
_ESCAPE_HINT = 'use \\" for a quote, \\\\ for a backslash, \\n for a new line, \\u0041 for "A"'
_ESCAPE_HINT_ZH = '请用 \\" 表示双引号，\\\\ 表示反斜杠，\\n 表示换行，\\u0041 表示 "A"'


def string_value(token: str) -> str:
    """The value of a string token (quotes removed, escapes resolved); raises `EscapeError`."""
    body = token[1:-1]
    if "\\" not in body:
        if _SURROGATE.search(body) is None:
            return body
        return _join_surrogates(body, [(i + 1, 1, ch) for i, ch in enumerate(body)])
    parts: list[str] = []
    pieces: list[tuple[int, int, str]] = []
    position = 0
    for match in _ESCAPE.finditer(body):
        parts.append(body[position : match.start()])
        escape = match.group(1)
        value = _SIMPLE_ESCAPES.get(escape)
        if value is None and escape[0] in "uU" and len(escape) > 1:
            code = int(escape[1:], 16)
            value = chr(code) if code <= 0x10FFFF else None
        if value is None:
            width = match.end() - match.start()
            message = f"`\\{escape}` is not a valid escape in a string"
            zh_cn = f"文本中的 `\\{escape}` 不是有效的转义"
            raise EscapeError(
                match.start() + 1,
                width,
                message,
                _ESCAPE_HINT,
                zh_cn=zh_cn,
                hint_zh_cn=_ESCAPE_HINT_ZH,
            )
        pieces.append((match.start() + 1, match.end() - match.start(), value))
        parts.append(value)
        position = match.end()
    parts.append(body[position:])
    text = "".join(parts)
    if _SURROGATE.search(text) is None:
        return text
    return _join_surrogates(text, pieces)


def _join_surrogates(text: str, pieces: list[tuple[int, int, str]]) -> str:
    """A pair written as two escapes is one character; a lone half is no character at all
    (UTF-8 cannot encode it and no database stores it)."""
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        pass
    offset, width = _lone_surrogate(pieces)
    message = "a lone surrogate (\\ud800-\\udfff) is half of a character, not a character"
    hint = "write the character itself, or both halves of its surrogate pair"
    zh_cn = "单独的代理项（\\ud800-\\udfff）只是半个字符，不是完整的字符"
    hint_zh_cn = "请直接写出该字符，或同时写出其代理对的两个部分"
    raise EscapeError(offset, width, message, hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)


def _lone_surrogate(pieces: list[tuple[int, int, str]]) -> tuple[int, int]:
    pending: tuple[int, int] | None = None
    for offset, width, value in pieces:
        if len(value) != 1 or not "\ud800" <= value <= "\udfff":
            if pending is not None:
                return pending
            continue
        if value <= "\udbff":  # a high half waits for its low half
            if pending is not None:
                return pending
            pending = (offset, width)
        elif pending is None:
            return (offset, width)
        else:
            pending = None
    return pending or (0, 1)
