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

# Alternatives in order of frequency (words, symbols, spaces); `.5` is a number, `/*` a comment.
_TOKEN = re.compile(
    r"([^\W\d]\w*|\$[^\W\d]\w*)"
    r"|([()\[\]{},:?@+=]|\.\.|\.(?!\d)|->|-|\*\*|\*|<=|>=|!=|<|>|/(?![/*]))"
    r"|([ \t\r\n]+|//[^\n]*|/\*(?s:.*?)\*/)"
    r"|((?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r'|("[^"\\\n]*(?:\\.[^"\\\n]*)*")'
    r"|(?s:(.))"
)


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
    # Every character belongs to one group, so offsets are running sums of the lengths
    # (`findall` is much faster than `finditer` and its match objects).
    for word, symbol, skipped, number, string, bad in _TOKEN.findall(source):
        if skipped:
            position += len(skipped)
            continue
        if word:
            kinds.append(WORD)
            text = word
        elif symbol:
            kinds.append(SYMBOL)
            text = symbol
        elif number:
            kinds.append(NUMBER)
            text = number
        elif string:
            kinds.append(STRING)
            text = string
        else:  # the parser stops at the first character that starts no token
            kinds.append(BAD)
            texts.append(bad)
            starts.append(position)
            ends.append(position + 1)
            break
        texts.append(text)
        starts.append(position)
        position += len(text)
        ends.append(position)
    kinds.append(END)
    texts.append("")
    starts.append(len(source))
    ends.append(len(source))
    return Tokens(kinds, texts, starts, ends)


class EscapeError(Exception):
    """A bad escape in a string literal, at `offset` (from the opening quote) for `width` chars."""

    def __init__(self, offset: int, width: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.width = width
        self.message = message
        self.hint = hint


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SIMPLE_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "/": "/"}
_ESCAPE_HINT = 'use \\" for a quote, \\\\ for a backslash, \\n for a new line, \\u0041 for "A"'


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
            raise EscapeError(match.start() + 1, width, f"`\\{escape}` is not a valid escape "
                              "in a string", _ESCAPE_HINT)  # fmt: skip
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
    raise EscapeError(offset, width, message, hint)


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
