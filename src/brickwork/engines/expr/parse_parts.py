"""The parser's building blocks: operator levels, token tests, spans, names, types and errors.

`Base` holds the state of one parse (tokens, position, nesting) and the small rules shared by the
grammar in `parser.py`: how a multi-word name is matched, how a binding name, a context key or a
FEEL type (`list<number>`, `function<string> -> boolean`) is read, and how a failure becomes an
`ExprSyntaxError` with a hint. This module must not evaluate anything.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import fields
from typing import Any, NoReturn, TypeVar

from brickwork.engines.expr import limits as limit_codes
from brickwork.engines.expr.diagnostics import Diagnostic, ExprSyntaxError, Span
from brickwork.engines.expr.hints import Situation, explain
from brickwork.engines.expr.lexer import BAD, END, NUMBER, STRING, WORD, EscapeError, Tokens
from brickwork.engines.expr.lexer import string_value as _string_value
from brickwork.engines.expr.syntax import COMPARE_OPS as _COMPARE_OPS
from brickwork.engines.expr.syntax import Arith, Compare, Expr, Logic, Name, Number, String, TypeRef
from brickwork.engines.expr.vocabulary import Index, Vocabulary, name_parts

OR, AND, COMPARISON, SUM, PRODUCT, POWER = 1, 2, 3, 4, 5, 6
LEVELS: dict[str, int] = {
    "or": OR,
    "and": AND,
    **dict.fromkeys(_COMPARE_OPS, COMPARISON),
    "between": COMPARISON,
    "in": COMPARISON,
    "instance": COMPARISON,
    "+": SUM,
    "-": SUM,
    "*": PRODUCT,
    "/": PRODUCT,
    "**": POWER,
}
COMPARE_OPS = frozenset(_COMPARE_OPS)

# Expected-token sets for messages: symbols and keywords as written, categories in capitals.
AFTER_OPERAND = frozenset(LEVELS) | {".", "["}
AFTER_COMPARISON = frozenset(op for op, level in LEVELS.items() if level != COMPARISON)
OPERAND_START = frozenset(
    {"NAME", "NUMBER", "STRING", "(", "[", "{", "-", "@", "?", "true", "false", "null"}
)

SIMPLE_TYPES = frozenset(
    {"Any", "Null", "number", "string", "boolean", "date", "time", "list", "context", "range",
     "function", "date and time", "days and time duration", "years and months duration"}
)  # fmt: skip
_TYPE_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "date": (("and", "time"), ()),
    "days": (("and", "time", "duration"),),
    "years": (("and", "months", "duration"),),
}
_TYPE_HINT = (
    "a type is one of number, string, boolean, date, time, date and time, days and time "
    "duration, years and months duration, list<T>, context<name: T>, range<T>, "
    "function<T> -> R, Any, Null"
)
_TYPE_HINT_ZH = (
    "请使用以下类型之一：number、string、boolean、date、time、date and time、"
    "days and time duration、years and months duration、list<T>、context<name: T>、range<T>、"
    "function<T> -> R、Any、Null"
)

Node = TypeVar("Node", bound=Expr)
Leaf = TypeVar("Leaf", Name, Number, String)
Binary = TypeVar("Binary", Arith, Compare, Logic)

# A node's span is built for every node of every parse: filling the slots directly is twice as
# fast as the frozen dataclass's __init__ (which goes through object.__setattr__).
assert tuple(f.name for f in fields(Span)) == ("line", "column", "end_line", "end_column")
_new_span = object.__new__
_SLOTS = vars(Span)
_set_line = _SLOTS["line"].__set__
_set_column = _SLOTS["column"].__set__
_set_end_line = _SLOTS["end_line"].__set__
_set_end_column = _SLOTS["end_column"].__set__


def _setters(cls: type, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The slot setters of a frozen node class, checked against its fields at import."""
    assert tuple(f.name for f in fields(cls)) == names, cls
    return tuple(vars(cls)[name].__set__ for name in names)


def _leaf_maker(cls: type[Leaf]) -> Callable[[Any, Span], Leaf]:
    set_value, set_span = _setters(cls, (fields(cls)[0].name, "span"))

    def make(value: Any, span: Span) -> Leaf:
        node: Leaf = _new_span(cls)
        set_value(node, value)
        set_span(node, span)
        return node

    return make


def _binary_maker(cls: type[Binary]) -> Callable[[str, Expr, Expr, Span], Binary]:
    set_op, set_left, set_right, set_span = _setters(cls, ("op", "left", "right", "span"))

    def make(op: str, left: Expr, right: Expr, span: Span) -> Binary:
        node: Binary = _new_span(cls)
        set_op(node, op)
        set_left(node, left)
        set_right(node, right)
        set_span(node, span)
        return node

    return make


# The commonest nodes, built like spans (equal to what their constructors build).
make_name = _leaf_maker(Name)
make_number = _leaf_maker(Number)
make_string = _leaf_maker(String)
make_arith = _binary_maker(Arith)
make_compare = _binary_maker(Compare)
make_logic = _binary_maker(Logic)


def make_span(line: int, column: int, end_line: int, end_column: int) -> Span:
    """`Span(line, column, end_line, end_column)`, built faster."""
    span: Span = _new_span(Span)
    _set_line(span, line)
    _set_column(span, column)
    _set_end_line(span, end_line)
    _set_end_column(span, end_column)
    return span


class Unexpected(Exception):
    """The token at `index` cannot come here; `expected` lists what could."""

    def __init__(self, index: int, expected: frozenset[str]) -> None:
        super().__init__(index)
        self.index = index
        self.expected = expected


class Invalid(Exception):
    """A well-formed text with a wrong part (bad escape, duplicate key, too deep)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class Base:
    __slots__ = (
        "depth",
        "ends",
        "kinds",
        "level",
        "line_starts",
        "local",
        "max_depth",
        "pos",
        "range_level",
        "source",
        "starts",
        "texts",
        "vocabulary",
    )

    def __init__(self, source: str, tokens: Tokens, max_depth: int, vocabulary: Vocabulary):
        self.source = source
        self.kinds = tokens.kinds
        self.texts = tokens.texts
        self.starts = tokens.starts
        self.ends = tokens.ends
        self.pos = 0
        self.level = 0
        self.depth = 0
        self.range_level = -1
        self.max_depth = max_depth
        self.vocabulary = vocabulary
        self.local: Index | None = None
        self.line_starts: list[int] | None = None
        if "\n" in source:
            self.line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]

    def expression(self) -> Expr:
        """The grammar's entry rule (in `parser.py`), used by the rules here."""
        raise NotImplementedError

    # ------------------------------------------------------------ positions

    def span(self, first: int, last: int) -> Span:
        """The span from the start of token `first` to the end of token `last`."""
        if self.line_starts is not None:
            return self.offset_span(self.starts[first], self.ends[last])
        span: Span = _new_span(Span)  # make_span, inlined: one call per node
        _set_line(span, 1)
        _set_column(span, self.starts[first] + 1)
        _set_end_line(span, 1)
        _set_end_column(span, self.ends[last] + 1)
        return span

    def offset_span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return make_span(line, column, end_line, end_column)

    def position(self, offset: int) -> tuple[int, int]:
        if self.line_starts is None:
            return 1, offset + 1
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    # ------------------------------------------------------------ failures

    def fail(self, expected: frozenset[str]) -> NoReturn:
        raise Unexpected(self.pos, expected)

    def expect(self, text: str, expected: frozenset[str]) -> None:
        if self.texts[self.pos] != text:
            raise Unexpected(self.pos, expected | {text})
        self.pos += 1

    def invalid(
        self,
        code: str,
        message: str,
        span: Span,
        hint: str | None = None,
        *,
        zh_cn: str | None,
        hint_zh_cn: str | None = None,
    ) -> Invalid:
        return Invalid(Diagnostic(code, message, span, hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn))

    def too_deep(self, span: Span) -> NoReturn:
        message = f"the expression nests deeper than {self.max_depth} levels"
        hint = "split it into several computed fields"
        zh_cn = f"表达式的嵌套超过 {self.max_depth} 层"
        hint_zh_cn = "请把它拆分为几个计算字段"
        raise self.invalid(
            limit_codes.TOO_DEEP, message, span, hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn
        )

    def node_with_depth(self, node: Node, children_depth: int) -> Node:
        self.depth = children_depth + 1
        if self.depth > self.max_depth:
            self.too_deep(node.span)
        return node

    def error(self, exc: Exception) -> ExprSyntaxError:
        """The `ExprSyntaxError` for whatever stopped the parse."""
        if isinstance(exc, Invalid):
            return ExprSyntaxError((exc.diagnostic,), self.source)
        if isinstance(exc, Unexpected):
            return ExprSyntaxError((explain(self.situation(exc)),), self.source)
        if isinstance(exc, RecursionError):
            message = f"the expression nests deeper than {self.max_depth} levels"
            zh_cn = f"表达式的嵌套超过 {self.max_depth} 层"
            diagnostic = Diagnostic(limit_codes.TOO_DEEP, message, Span(1, 1), zh_cn=zh_cn)
            return ExprSyntaxError((diagnostic,), self.source)
        message = f"the expression could not be read ({type(exc).__name__})"
        zh_cn = f"无法读取该表达式（{type(exc).__name__}）"
        diagnostic = Diagnostic("E_SYNTAX", message, Span(1, 1), zh_cn=zh_cn)
        return ExprSyntaxError((diagnostic,), self.source)

    def situation(self, exc: Unexpected) -> Situation:
        index = exc.index
        kind = self.kinds[index]
        at_end = kind == END
        offset = len(self.source.rstrip()) if at_end else self.starts[index]
        line, column = self.position(offset)
        found = "" if at_end else self.texts[index]
        if kind == BAD:
            found = self.source[offset]
        expected = exc.expected
        return Situation(self.source, offset, line, column, found, expected, at_end, kind == BAD)

    # ------------------------------------------------------------ names

    def match(self, candidates: tuple[tuple[tuple[str, ...], str], ...] | None, start: int, *,
              fold: bool) -> tuple[str, int] | None:  # fmt: skip
        """The first (longest) candidate whose parts follow `start`: (name, index after it)."""
        if not candidates:
            return None
        texts = self.texts
        kinds = self.kinds
        for rest, name in candidates:
            index = start + 1
            for part in rest:
                text = texts[index]
                if kinds[index] == STRING or (text.lower() if fold else text) != part:
                    break
                index += 1
            else:
                return name, index
        return None

    def name_words(self, stops: tuple[str, ...]) -> str:
        """Words (and numbers after the first) up to one of `stops`, joined by single spaces."""
        texts = self.texts
        kinds = self.kinds
        start = self.pos
        if kinds[start] != WORD:
            self.fail(frozenset({"NAME"}))
        end = start + 1
        while (kinds[end] == WORD or kinds[end] == NUMBER) and texts[end] not in stops:
            end += 1
        self.pos = end
        return " ".join(texts[start:end])

    def binding_name(self, stops: tuple[str, ...]) -> str:
        """A name the expression defines (iteration variable, parameter): known from here on."""
        name = self.name_words(stops)
        self.define(name)
        return name

    def key(self, expected: frozenset[str]) -> str:
        """A context key: a string or words; a key with spaces becomes a known name."""
        start = self.pos
        if self.kinds[start] == STRING:
            self.pos += 1
            try:
                key = _string_value(self.texts[start])
            except EscapeError as exc:
                offset = self.starts[start] + exc.offset
                span = self.offset_span(offset, offset + exc.width)
                raise self.invalid(
                    "E_BAD_ESCAPE", exc.message, span, exc.hint, zh_cn=exc.zh_cn,
                    hint_zh_cn=exc.hint_zh_cn,
                ) from None  # fmt: skip
        elif self.kinds[start] == WORD:
            key = self.name_words((":",))
        else:
            self.fail(expected)
        self.define(key)
        return key

    def define(self, name: str) -> None:
        if " " not in name and not any(ch in name for ch in "./-+*"):
            return
        parts = name_parts(name)
        if parts is None:
            return
        local = dict(self.local or {})
        local[parts[0]] = tuple(
            sorted(((parts[1:], name), *local.get(parts[0], ())), key=lambda e: -len(e[0]))
        )
        self.local = local

    # ------------------------------------------------------------ types

    def type_ref(self) -> TypeRef:
        self.level += 1
        if self.level > self.max_depth:
            self.too_deep(self.span(self.pos, self.pos))
        start = self.pos
        texts = self.texts
        if self.kinds[start] != WORD:
            self.fail(frozenset({"a type"}))
        name = texts[start]
        self.pos += 1
        if texts[self.pos] == "<" and name in ("list", "range", "context", "function"):
            self.pos += 1
            found = self.type_arguments(name, start)
        else:
            found = TypeRef(self.type_name(name, start), span=self.span(start, self.pos - 1))
        self.level -= 1
        return found

    def type_name(self, first: str, start: int) -> str:
        for rest in _TYPE_WORDS.get(first, ((),)):
            end = start + 1 + len(rest)
            if tuple(self.texts[start + 1 : end]) == rest:
                self.pos = end
                name = " ".join((first, *rest))
                break
        else:
            name = first
        if name not in SIMPLE_TYPES:
            message = f"`{name}` is not a type"
            raise self.invalid(
                "E_SYNTAX",
                message,
                self.span(start, self.pos - 1),
                _TYPE_HINT,
                zh_cn=f"`{name}` 不是类型",
                hint_zh_cn=_TYPE_HINT_ZH,
            )
        return name

    def type_arguments(self, name: str, start: int) -> TypeRef:
        if name == "context":
            fields: list[tuple[str, TypeRef]] = []
            while True:
                key = self.key(frozenset({"NAME", "STRING"}))
                self.expect(":", frozenset())
                fields.append((key, self.type_ref()))
                if self.texts[self.pos] != ",":
                    break
                self.pos += 1
            self.expect(">", frozenset({","}))
            return TypeRef(name, fields=tuple(fields), span=self.span(start, self.pos - 1))
        args: list[TypeRef] = []
        if not (name == "function" and self.texts[self.pos] == ">"):
            args.append(self.type_ref())
            while name == "function" and self.texts[self.pos] == ",":
                self.pos += 1
                args.append(self.type_ref())
        self.expect(">", frozenset({","}) if name == "function" else frozenset())
        if name != "function":
            return TypeRef(name, tuple(args), span=self.span(start, self.pos - 1))
        self.expect("->", frozenset())
        result = self.type_ref()
        return TypeRef(name, tuple(args), result=result, span=self.span(start, self.pos - 1))
