"""Source text to AST: the lark LALR parser plus the conversion into `syntax` nodes.

`parse` and `parse_unary_tests` raise `ExprSyntaxError` and nothing else, whatever the input:
lark errors are turned into diagnostics with a line, column, caret excerpt and a hint for the
mistakes analysts typically make (see `hints.py`). This module must not evaluate anything and
must not recurse on input-controlled depth (the tree depth is bounded before conversion).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import LarkError, UnexpectedInput, VisitError

from brickwork.engines.expr import limits as limit_codes
from brickwork.engines.expr.diagnostics import Diagnostic, ExprSyntaxError, Span
from brickwork.engines.expr.hints import explain
from brickwork.engines.expr.limits import DEFAULT_LIMITS, Limits
from brickwork.engines.expr.syntax import (
    Arg,
    Arith,
    Between,
    Boolean,
    Call,
    Compare,
    CompareTest,
    Context,
    Expr,
    Filter,
    For,
    FunctionDef,
    If,
    In,
    InstanceOf,
    Invoke,
    Iteration,
    ListOf,
    Logic,
    Name,
    Negate,
    Null,
    Number,
    Parameter,
    Path,
    Quantified,
    Range,
    String,
    Temporal,
    Test,
    TypeRef,
    UnaryTests,
    ValueTest,
)
from brickwork.engines.expr.values import parse_temporal


@lru_cache(maxsize=1)
def grammar_text() -> str:
    return resources.files("brickwork.engines.expr").joinpath("grammar.lark").read_text("utf-8")


@lru_cache(maxsize=1)
def _lark() -> Any:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=["start_expression", "start_unary"],
        propagate_positions=True,
        maybe_placeholders=True,
    )


class _Invalid(Exception):
    """Raised inside the tree conversion; becomes an `ExprSyntaxError`."""

    def __init__(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(code, message, span, hint)


def parse(source: str, *, limits: Limits = DEFAULT_LIMITS) -> Expr:
    """Parse an expression; raises `ExprSyntaxError` on any problem with the text."""
    result = _parse(source, "start_expression", limits)
    assert not isinstance(result, UnaryTests)
    return result


def parse_unary_tests(source: str, *, limits: Limits = DEFAULT_LIMITS) -> UnaryTests:
    """Parse a decision-table cell (`-`, `< 10`, `"A","B"`, `not([1..5])`, `? > 3`)."""
    result = _parse(source, "start_unary", limits)
    assert isinstance(result, UnaryTests)
    return result


def _parse(source: str, start: str, limits: Limits) -> Expr | UnaryTests:
    if not isinstance(source, str):
        raise ExprSyntaxError((Diagnostic("E_SYNTAX", "an expression must be text"),), "")
    if len(source) > limits.max_source_length:
        message = (
            f"the expression is {len(source)} characters long; "
            f"the limit is {limits.max_source_length}"
        )
        raise ExprSyntaxError((Diagnostic(limit_codes.SOURCE_TOO_LONG, message, Span(1, 1)),), "")
    if not source.strip():
        message = "the expression is empty"
        raise ExprSyntaxError((Diagnostic("E_EMPTY", message, Span(1, 1, 1, 1)),), source)
    try:
        tree = _lark().parse(source, start=start)
    except UnexpectedInput as exc:
        raise ExprSyntaxError((explain(exc, source, _lark()),), source) from None
    except LarkError as exc:  # pragma: no cover - lark raises UnexpectedInput for bad text
        raise ExprSyntaxError((Diagnostic("E_SYNTAX", str(exc), Span(1, 1)),), source) from None
    _check_depth(tree, source, limits)
    try:
        result: Expr | UnaryTests = _ToSyntax().transform(tree)
    except VisitError as exc:
        original = exc.orig_exc
        if isinstance(original, _Invalid):
            raise ExprSyntaxError((original.diagnostic,), source) from None
        raise  # pragma: no cover - a bug in the conversion, not bad input
    return result


def _check_depth(tree: Tree[Token], source: str, limits: Limits) -> None:
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        if depth > limits.max_depth:
            meta = node.meta
            span = Span(meta.line, meta.column, meta.end_line, meta.end_column)
            message = f"the expression nests deeper than {limits.max_depth} levels"
            hint = "split it into several computed fields"
            diagnostic = Diagnostic(limit_codes.TOO_DEEP, message, span, hint)
            raise ExprSyntaxError((diagnostic,), source)
        stack.extend((child, depth + 1) for child in node.children)


def _span(meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return Span()
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _token_span(token: Token) -> Span:
    return Span(token.line or 0, token.column or 0, token.end_line or 0, token.end_column or 0)


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SIMPLE_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "/": "/"}


def unescape(token: Token) -> str:
    """The value of a STRING token (without quotes, escapes resolved)."""

    def replace(match: re.Match[str]) -> str:
        body = match.group(1)
        if body in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[body]
        if body[0] in "uU" and len(body) > 1:
            code = int(body[1:], 16)
            if code <= 0x10FFFF:
                return chr(code)
        message = f"`\\{body}` is not a valid escape in a string"
        hint = 'use \\" for a quote, \\\\ for a backslash, \\n for a new line'
        raise _Invalid("E_BAD_ESCAPE", message, _token_span(token), hint)

    text = _ESCAPE.sub(replace, str(token)[1:-1])
    if _SURROGATE.search(text):
        # A pair written as two escapes is one character; a lone half is no character at all
        # (UTF-8 cannot encode it and no database stores it).
        try:
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            message = "a lone surrogate (\\ud800-\\udfff) is half of a character, not a character"
            hint = "write the character itself, or both halves of its surrogate pair"
            raise _Invalid("E_BAD_ESCAPE", message, _token_span(token), hint) from None
    return text


def _join(tokens: list[Token]) -> str:
    return " ".join(str(t) for t in tokens)


def _iterations(children: list[Any]) -> tuple[tuple[Iteration, ...], Expr]:
    return tuple(children[:-1]), children[-1]


def _range(low_closed: bool, high_closed: bool) -> Any:
    def build(self: _ToSyntax, meta: Any, children: list[Any]) -> Range:
        low, high = children
        return Range(low, high, low_closed, high_closed, span=_span(meta))

    return build


def _arith(op: Any) -> Any:
    def build(self: _ToSyntax, meta: Any, children: list[Any]) -> Arith:
        left, right = children
        return Arith(op, left, right, span=_span(meta))

    return build


def _logic(op: Any) -> Any:
    def build(self: _ToSyntax, meta: Any, children: list[Any]) -> Logic:
        left, right = children
        return Logic(op, left, right, span=_span(meta))

    return build


@v_args(meta=True)
class _ToSyntax(Transformer_NonRecursive[Token, Any]):
    """Bottom-up conversion of the lark tree into `syntax` nodes."""

    add = _arith("+")
    sub = _arith("-")
    mul = _arith("*")
    div = _arith("/")
    power_op = _arith("**")
    and_op = _logic("and")
    or_op = _logic("or")
    range_cc = _range(True, True)
    range_co = _range(True, False)
    range_oc = _range(False, True)
    range_oo = _range(False, False)

    def start_expression(self, meta: Any, children: list[Any]) -> Expr:
        result: Expr = children[0]
        return result

    def start_unary(self, meta: Any, children: list[Any]) -> UnaryTests:
        result: UnaryTests = children[0]
        return result

    def number(self, meta: Any, children: list[Token]) -> Number:
        return Number(Decimal(str(children[0])), span=_span(meta))

    def string(self, meta: Any, children: list[Token]) -> String:
        return String(unescape(children[0]), span=_span(meta))

    def true(self, meta: Any, children: list[Any]) -> Boolean:
        return Boolean(True, span=_span(meta))

    def false(self, meta: Any, children: list[Any]) -> Boolean:
        return Boolean(False, span=_span(meta))

    def null(self, meta: Any, children: list[Any]) -> Null:
        return Null(span=_span(meta))

    def temporal(self, meta: Any, children: list[Token]) -> Temporal:
        text = unescape(children[0])
        try:
            value = parse_temporal(text)
        except (ValueError, OverflowError, ArithmeticError) as exc:
            hint = 'e.g. @"2025-03-03", @"10:30:00", @"2025-03-03T10:30:00", @"P3D", @"P1Y2M"'
            raise _Invalid("E_BAD_TEMPORAL", str(exc), _span(meta), hint) from None
        return Temporal(value, span=_span(meta))

    def name(self, meta: Any, children: list[Token]) -> Name:
        return Name(str(children[0]), span=_span(meta))

    def qmark(self, meta: Any, children: list[Any]) -> Name:
        return Name("?", span=_span(meta))

    def call(self, meta: Any, children: list[Any]) -> Call:
        function, args = children
        return Call(" ".join(str(function).split()), tuple(args or ()), span=_span(meta))

    def invoke(self, meta: Any, children: list[Any]) -> Call | Invoke:
        target, args = children
        if isinstance(target, Name) and target.name != "?":
            return Call(target.name, tuple(args or ()), span=_span(meta))
        return Invoke(target, tuple(args or ()), span=_span(meta))

    def comparison_range(self, meta: Any, children: list[Any]) -> Range:
        op, operand = str(children[0]), children[1]
        if op in ("<", "<="):
            return Range(None, operand, False, op == "<=", span=_span(meta))
        if op in (">", ">="):
            return Range(operand, None, op == ">=", False, span=_span(meta))
        raise _Invalid("E_SYNTAX", f"`{op}` does not make a range", _span(meta))

    def function_def(self, meta: Any, children: list[Any]) -> FunctionDef:
        *params, external, body = children
        found = tuple(p for p in params if p is not None)
        return FunctionDef(found, body, external is not None, span=_span(meta))

    def parameter(self, meta: Any, children: list[Any]) -> Parameter:
        return Parameter(str(children[0]), children[1])

    def instance_of(self, meta: Any, children: list[Any]) -> InstanceOf:
        value, type_ref = children
        return InstanceOf(value, type_ref, span=_span(meta))

    def type_simple(self, meta: Any, children: list[Token]) -> TypeRef:
        return TypeRef(" ".join(str(children[0]).split()), span=_span(meta))

    def type_generic(self, meta: Any, children: list[Any]) -> TypeRef:
        return TypeRef(str(children[0]), tuple(children[1:]), span=_span(meta))

    def type_context(self, meta: Any, children: list[Any]) -> TypeRef:
        rest = children[1:]
        fields = tuple((str(rest[i]), rest[i + 1]) for i in range(0, len(rest), 2))
        return TypeRef(str(children[0]), fields=fields, span=_span(meta))

    def type_function(self, meta: Any, children: list[Any]) -> TypeRef:
        *params, result = children
        args = tuple(p for p in params if p is not None)
        return TypeRef("function", args, result=result, span=_span(meta))

    def type_bare_function(self, meta: Any, children: list[Any]) -> TypeRef:
        return TypeRef("function", span=_span(meta))

    def arguments(self, meta: Any, children: list[Arg]) -> tuple[Arg, ...]:
        return tuple(children)

    def positional(self, meta: Any, children: list[Any]) -> Arg:
        return Arg(children[0])

    def named(self, meta: Any, children: list[Any]) -> Arg:
        return Arg(children[-1], _join(children[:-1]))

    def path(self, meta: Any, children: list[Any]) -> Path:
        target, *key = children  # `.time offset`: a property name of several words
        return Path(target, _join(key), span=_span(meta))

    def filter_op(self, meta: Any, children: list[Any]) -> Filter:
        target, condition = children
        return Filter(target, condition, span=_span(meta))

    def negate(self, meta: Any, children: list[Any]) -> Negate:
        return Negate(children[0], span=_span(meta))

    def compare(self, meta: Any, children: list[Any]) -> Compare:
        left, op, right = children
        return Compare(str(op), left, right, span=_span(meta))  # type: ignore[arg-type]

    def between(self, meta: Any, children: list[Any]) -> Between:
        value, low, high = children
        return Between(value, low, high, span=_span(meta))

    def in_op(self, meta: Any, children: list[Any]) -> In:
        value, tests = children
        return In(value, tests, span=_span(meta))

    def test_list(self, meta: Any, children: list[Test]) -> tuple[Test, ...]:
        return tuple(children)

    def test_single(self, meta: Any, children: list[Test]) -> tuple[Test, ...]:
        return (children[0],)

    def compare_test(self, meta: Any, children: list[Any]) -> CompareTest:
        op, operand = children
        return CompareTest(str(op), operand, span=_span(meta))  # type: ignore[arg-type]

    def value_test(self, meta: Any, children: list[Any]) -> ValueTest:
        return ValueTest(children[0], span=_span(meta))

    def list_literal(self, meta: Any, children: list[Any]) -> ListOf:
        return ListOf(tuple(c for c in children if c is not None), span=_span(meta))

    def context(self, meta: Any, children: list[Any]) -> Context:
        entries = [c for c in children if c is not None]
        seen: set[str] = set()
        for key, value in entries:
            if key in seen:
                message = f"the key `{key}` appears twice in this context"
                raise _Invalid("E_DUPLICATE_KEY", message, value.span)
            seen.add(key)
        return Context(tuple((k, v) for k, v in entries), span=_span(meta))

    def name_entry(self, meta: Any, children: list[Any]) -> tuple[str, Expr]:
        return _join(children[:-1]), children[-1]

    def string_entry(self, meta: Any, children: list[Any]) -> tuple[str, Expr]:
        return unescape(children[0]), children[1]

    def if_expr(self, meta: Any, children: list[Any]) -> If:
        condition, then, otherwise = children
        return If(condition, then, otherwise, span=_span(meta))

    def iteration(self, meta: Any, children: list[Any]) -> Iteration:
        until = children[2] if len(children) > 2 else None
        return Iteration(str(children[0]), children[1], until, span=_span(meta))

    def for_expr(self, meta: Any, children: list[Any]) -> For:
        iterations, body = _iterations(children)
        return For(iterations, body, span=_span(meta))

    def some(self, meta: Any, children: list[Any]) -> Quantified:
        iterations, condition = _iterations(children)
        return Quantified("some", iterations, condition, span=_span(meta))

    def every(self, meta: Any, children: list[Any]) -> Quantified:
        iterations, condition = _iterations(children)
        return Quantified("every", iterations, condition, span=_span(meta))

    def any_input(self, meta: Any, children: list[Any]) -> UnaryTests:
        return UnaryTests((), any_input=True, span=_span(meta))

    def negated_tests(self, meta: Any, children: list[Any]) -> UnaryTests:
        return UnaryTests(tuple(_as_test(c) for c in children[1:]), negated=True, span=_span(meta))

    def plain_tests(self, meta: Any, children: list[Any]) -> UnaryTests:
        return UnaryTests(tuple(_as_test(c) for c in children), span=_span(meta))


def _as_test(node: Any) -> Test:
    if isinstance(node, CompareTest | ValueTest):
        return node
    return ValueTest(node, span=node.span)  # pragma: no cover - grammar always wraps tests
