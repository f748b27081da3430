"""AST to canonical source text, so definitions can be normalised and diffed.

The output uses single spaces, double-quoted strings, no comments and the fewest parentheses
that keep the meaning; `parse(format_expression(tree)) == tree` for every tree the parser can
produce. This module must not evaluate or check anything.
"""

from __future__ import annotations

import re
from typing import assert_never

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
from brickwork.engines.expr.values import format_number, format_temporal, quote

TEXTUAL, OR, AND, COMPARISON, SUM, PRODUCT, POWER, NEGATION, POSTFIX, ATOM = range(10)

_BINARY = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "**": POWER}
KEYWORDS = frozenset(
    {
        "if", "then", "else", "for", "in", "return", "some", "every", "satisfies", "and", "or",
        "between", "true", "false", "null", "not",
    }
)  # fmt: skip
_NAME = re.compile(r"^\$?[^\W\d]\w*$")


def is_plain_name(text: str) -> bool:
    """Whether `text` can be written bare (a path key, context key or argument name)."""
    words = text.split(" ")
    return all(_NAME.fullmatch(w) and w not in KEYWORDS for w in words)


def format_expression(node: Expr) -> str:
    return _fmt(node, TEXTUAL)


def format_unary_tests(tests: UnaryTests) -> str:
    if tests.any_input:
        return "-"
    body = ", ".join(_test(t, TEXTUAL) for t in tests.tests)
    return f"not({body})" if tests.negated else body


def precedence(node: Expr) -> int:
    match node:
        case If() | For() | Quantified() | FunctionDef():
            return TEXTUAL
        case InstanceOf():
            return COMPARISON
        case Logic(op=op):
            return OR if op == "or" else AND
        case Compare() | Between() | In():
            return COMPARISON
        case Arith(op=op):
            return _BINARY[op]
        case Negate():
            return NEGATION
        case Path() | Filter() | Call() | Invoke():
            return POSTFIX
        case (
            Number() | String() | Boolean() | Null() | Temporal() | Name() | Range() | ListOf()
            | Context()
        ):  # fmt: skip
            return ATOM
        case _:
            assert_never(node)


def _fmt(node: Expr, minimum: int) -> str:
    text = _text(node)
    return f"({text})" if precedence(node) < minimum else text


def _text(node: Expr) -> str:  # noqa: C901 - one case per node type, each a line
    match node:
        case Number(value=value):
            return format_number(value)
        case String(value=value):
            return quote(value)
        case Boolean(value=value):
            return "true" if value else "false"
        case Null():
            return "null"
        case Temporal(value=value):
            return "@" + quote(format_temporal(value))
        case Name(name=name):
            return name
        case Path(target=target, key=key):
            return f"{_fmt(target, POSTFIX)}.{key}"
        case Filter(target=target, condition=condition):
            return f"{_fmt(target, POSTFIX)}[{_fmt(condition, TEXTUAL)}]"
        case Call(function=function, args=args):
            return f"{function}({_args(args)})"
        case Negate(operand=operand):
            return f"-{_fmt(operand, NEGATION)}"
        case Arith(op=op, left=left, right=right):
            level = _BINARY[op]
            return f"{_fmt(left, level)} {op} {_fmt(right, level + 1)}"
        case Compare(op=op, left=left, right=right):
            return f"{_fmt(left, SUM)} {op} {_fmt(right, SUM)}"
        case Logic(op=op, left=left, right=right):
            level = OR if op == "or" else AND
            return f"{_fmt(left, level)} {op} {_fmt(right, level + 1)}"
        case Between(value=value, low=low, high=high):
            return f"{_fmt(value, SUM)} between {_fmt(low, SUM)} and {_fmt(high, SUM)}"
        case In(value=value, tests=tests):
            return f"{_fmt(value, SUM)} in {_in_tests(tests)}"
        case Range():
            return _range(node)
        case ListOf(items=items):
            return "[" + ", ".join(_fmt(i, TEXTUAL) for i in items) + "]"
        case Context(entries=entries):
            inner = ", ".join(f"{_key(k)}: {_fmt(v, TEXTUAL)}" for k, v in entries)
            return "{" + inner + "}"
        case If(condition=c, then=t, otherwise=o):
            return f"if {_fmt(c, TEXTUAL)} then {_fmt(t, TEXTUAL)} else {_fmt(o, TEXTUAL)}"
        case For(iterations=its, body=body):
            return f"for {_iterations(its)} return {_fmt(body, TEXTUAL)}"
        case Quantified(kind=kind, iterations=its, condition=condition):
            return f"{kind} {_iterations(its)} satisfies {_fmt(condition, TEXTUAL)}"
        case FunctionDef(params=params, body=body, external=external):
            names = ", ".join(p.name + (f": {format_type(p.type)}" if p.type else "")
                              for p in params)  # fmt: skip
            return f"function({names}) " + ("external " if external else "") + _fmt(body, TEXTUAL)
        case Invoke(target=target, args=args):
            # only a postfix chain calls without parentheses: `f(1)` is a `Call`, `5(1)` no call
            callable_ = isinstance(target, Path | Filter | Call | Invoke)
            callee = _fmt(target, POSTFIX) if callable_ else f"({_text(target)})"
            return f"{callee}({_args(args)})"
        case InstanceOf(value=value, type=type_):
            return f"{_fmt(value, SUM)} instance of {format_type(type_)}"
        case _:
            assert_never(node)


def _args(args: tuple[Arg, ...]) -> str:
    return ", ".join((f"{a.name}: " if a.name else "") + _fmt(a.value, TEXTUAL) for a in args)


def _range(node: Range) -> str:
    low, high = node.low, node.high
    if low is None and high is not None:
        return f"(<{'=' if node.high_closed else ''} {_fmt(high, SUM)})"
    if high is None and low is not None:
        return f"(>{'=' if node.low_closed else ''} {_fmt(low, SUM)})"
    assert low is not None
    assert high is not None
    body = f"{_fmt(low, TEXTUAL)}..{_fmt(high, TEXTUAL)}"
    return ("[" if node.low_closed else "(") + body + ("]" if node.high_closed else ")")


def format_type(type_: TypeRef) -> str:
    """A type in the notation of `instance of`: `list<number>`, `context<a: string>`, ..."""
    if type_.name == "function" and (type_.args or type_.result is not None):
        params = ", ".join(format_type(a) for a in type_.args)
        result = format_type(type_.result) if type_.result is not None else "Any"
        return f"function<{params}> -> {result}"
    if type_.fields:
        return "context<" + ", ".join(f"{_key(k)}: {format_type(v)}" for k, v in type_.fields) + ">"
    if type_.args:
        return f"{type_.name}<" + ", ".join(format_type(a) for a in type_.args) + ">"
    return type_.name


def _key(key: str) -> str:
    return key if is_plain_name(key) else quote(key)


def _iterations(iterations: tuple[Iteration, ...]) -> str:
    parts = []
    for it in iterations:
        text = f"{it.name} in {_fmt(it.domain, OR)}"
        if it.until is not None:
            text += f"..{_fmt(it.until, OR)}"
        parts.append(text)
    return ", ".join(parts)


def _in_tests(tests: tuple[Test, ...]) -> str:
    if len(tests) == 1:
        only = tests[0]
        text = _test(only, SUM)
        # `x in (< 5)` is a comparison test; a one-sided range value needs its own parentheses
        value = only.expr if isinstance(only, ValueTest) else None
        one_sided = isinstance(value, Range) and (value.low is None or value.high is None)
        return f"({text})" if one_sided else text
    return "(" + ", ".join(_test(t, SUM) for t in tests) + ")"


def _test(test: Test, minimum: int) -> str:
    match test:
        case CompareTest(op=op, operand=operand):
            return f"{op} {_fmt(operand, SUM)}"
        case ValueTest(expr=expr):
            return _fmt(expr, minimum)
        case _:
            assert_never(test)
