"""The bracketed and keyword-led constructs of the parser: `if`, `for`, `some`/`every`,
`function(...)`, lists, ranges (both notations), contexts and argument lists.

`Structures` extends `Base` with these rules; `parser.Parser` adds operators and operands on top.
Every method that returns a node leaves the node's tree depth in `depth`. This module must not
evaluate anything.
"""

from __future__ import annotations

from brickwork.engines.expr.lexer import NUMBER, STRING, WORD
from brickwork.engines.expr.parse_parts import AFTER_OPERAND, LEVELS, Base
from brickwork.engines.expr.syntax import (
    Arg,
    Context,
    Expr,
    For,
    FunctionDef,
    If,
    Iteration,
    ListOf,
    Parameter,
    Quantified,
    QuantifierKind,
    Range,
)

_RANGE_CLOSERS = frozenset({"]", ")", "["})
_CONTINUES = frozenset({"]", ")", "[", ".", "("}) | frozenset(LEVELS)


class Structures(Base):
    # ------------------------------------------------------------ textual expressions

    def if_expression(self) -> If:
        start = self.pos
        self.pos += 1
        condition = self.expression()
        depth = self.depth
        self.expect("then", AFTER_OPERAND)
        then = self.expression()
        depth = max(depth, self.depth)
        self.expect("else", AFTER_OPERAND)
        otherwise = self.expression()
        return self.node_with_depth(
            If(condition, then, otherwise, span=self.span(start, self.pos - 1)),
            max(depth, self.depth),
        )

    def iteration_expression(self, keyword: str) -> For | Quantified:
        start = self.pos
        self.pos += 1
        iterations: list[Iteration] = []
        depth = 0
        while True:
            first = self.pos
            name = self.binding_name(("in",))
            self.expect("in", frozenset({"in"}))
            domain = self.expression()
            depth = max(depth, self.depth)
            until = None
            if self.texts[self.pos] == "..":
                self.pos += 1
                until = self.expression()
                depth = max(depth, self.depth)
            span = self.span(first, self.pos - 1)
            iterations.append(Iteration(name, domain, until, span=span))
            if self.texts[self.pos] != ",":
                break
            self.pos += 1
        closing = "return" if keyword == "for" else "satisfies"
        self.expect(closing, AFTER_OPERAND | {",", ".."})
        body = self.expression()
        depth = max(depth, self.depth)
        span = self.span(start, self.pos - 1)
        if keyword == "for":
            return self.node_with_depth(For(tuple(iterations), body, span=span), depth)
        kind: QuantifierKind = "some" if keyword == "some" else "every"
        return self.node_with_depth(Quantified(kind, tuple(iterations), body, span=span), depth)

    def function_definition(self) -> FunctionDef:
        start = self.pos
        self.pos += 2
        params: list[Parameter] = []
        if self.texts[self.pos] != ")":
            while True:
                name = self.binding_name((",", ")", ":"))
                type_ref = None
                if self.texts[self.pos] == ":":
                    self.pos += 1
                    type_ref = self.type_ref()
                params.append(Parameter(name, type_ref))
                if self.texts[self.pos] != ",":
                    break
                self.pos += 1
        self.expect(")", frozenset({",", ")", ":"}))
        external = self.texts[self.pos] == "external" and self.kinds[self.pos] == WORD
        if external:
            self.pos += 1
        body = self.expression()
        span = self.span(start, self.pos - 1)
        node = FunctionDef(tuple(params), body, external, span=span)
        return self.node_with_depth(node, self.depth)

    def closes_range(self, index: int) -> bool:
        """Whether the `[` at `index` ends a range (`[1..10[`) rather than opening a filter."""
        texts = self.texts
        kinds = self.kinds
        nesting = 0
        for position in range(index + 1, len(texts) - 1):
            if kinds[position] == STRING:
                continue
            text = texts[position]
            if text in ("(", "[", "{"):
                nesting += 1
            elif text in (")", "]", "}"):
                if nesting == 0:
                    return text != "]" or texts[position + 1] not in _CONTINUES
                nesting -= 1
        return True

    # ------------------------------------------------------------ brackets

    def list_or_range(self) -> Expr:
        start = self.pos
        self.pos += 1
        if self.texts[self.pos] == "]":
            self.pos += 1
            return ListOf((), span=self.span(start, start + 1))
        first = self.expression()
        if self.texts[self.pos] == "..":
            return self.range_rest(first, start, low_closed=True)
        items = [first]
        depth = self.depth
        while self.texts[self.pos] == ",":
            self.pos += 1
            items.append(self.expression())
            depth = max(depth, self.depth)
        self.expect("]", AFTER_OPERAND | {",", "]", ".."})
        node = ListOf(tuple(items), span=self.span(start, self.pos - 1))
        return self.node_with_depth(node, depth)

    def range_rest(self, low: Expr, start: int, *, low_closed: bool) -> Range:
        """After `[low` / `(low` / `]low`, at `..`: the high end and the closing bracket."""
        depth = self.depth
        self.pos += 1
        saved = self.range_level
        self.range_level = self.level + 1
        high = self.expression()
        self.range_level = saved
        closer = self.texts[self.pos]
        if closer not in _RANGE_CLOSERS:
            self.fail(AFTER_OPERAND | _RANGE_CLOSERS)
        self.pos += 1
        span = self.span(start, self.pos - 1)
        node = Range(low, high, low_closed, closer == "]", span=span)
        return self.node_with_depth(node, max(depth, self.depth))

    def context(self) -> Context:
        start = self.pos
        self.pos += 1
        entries: list[tuple[str, Expr]] = []
        seen: set[str] = set()
        depth = 0
        if self.texts[self.pos] != "}":
            while True:
                key = self.key(frozenset({"NAME", "STRING"}))
                self.expect(":", frozenset({":"}))
                value = self.expression()
                depth = max(depth, self.depth)
                if key in seen:
                    message = f"the key `{key}` appears twice in this context"
                    zh_cn = f"键 `{key}` 在此上下文中出现了两次"
                    raise self.invalid("E_DUPLICATE_KEY", message, value.span, zh_cn=zh_cn)
                seen.add(key)
                entries.append((key, value))
                if self.texts[self.pos] != ",":
                    break
                self.pos += 1
        self.expect("}", AFTER_OPERAND | {",", "}"})
        node = Context(tuple(entries), span=self.span(start, self.pos - 1))
        return self.node_with_depth(node, depth)

    def arguments(self) -> tuple[Arg, ...]:
        self.pos += 1
        args: list[Arg] = []
        depth = 0
        if self.texts[self.pos] != ")":
            while True:
                name = self.argument_name()
                args.append(Arg(self.expression(), name))
                depth = max(depth, self.depth)
                if self.texts[self.pos] != ",":
                    break
                self.pos += 1
        self.expect(")", AFTER_OPERAND | {",", ")"})
        self.depth = depth
        return tuple(args)

    def argument_name(self) -> str | None:
        """`name:` before a named argument (consumed), or None for a positional one."""
        texts = self.texts
        kinds = self.kinds
        end = self.pos
        while kinds[end] == WORD or (kinds[end] == NUMBER and end > self.pos):
            end += 1
        if end == self.pos or texts[end] != ":":
            return None
        name = " ".join(texts[self.pos : end])
        self.pos = end + 1
        return name
