"""Source text to AST: a hand-written recursive-descent parser for DMN 1.5 FEEL (chapter 10).

`parse` and `parse_unary_tests` raise `ExprSyntaxError` and nothing else, whatever the input:
the first problem becomes a diagnostic with a line, column, caret excerpt and a hint for the
mistakes analysts typically make (see `hints.py`). Binary operators are read by precedence
climbing; nesting is bounded by `Limits.max_depth` (both the depth of the tree and the parser's
own recursion), so no input can exhaust the Python stack. Names with spaces are joined only when
the `Vocabulary` knows them. The grammar is documented in docs/expressions.md (section 11).
This module must not evaluate anything (beyond reading literal values).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from brickwork.engines.expr import limits as limit_codes
from brickwork.engines.expr.diagnostics import Diagnostic, ExprSyntaxError, Span
from brickwork.engines.expr.functions import Registry
from brickwork.engines.expr.lexer import END, NUMBER, STRING, WORD, EscapeError, tokenize
from brickwork.engines.expr.lexer import string_value as _string_value
from brickwork.engines.expr.library import REGISTRY
from brickwork.engines.expr.limits import DEFAULT_LIMITS, Limits
from brickwork.engines.expr.parse_parts import (
    AFTER_COMPARISON,
    AFTER_OPERAND,
    AND,
    COMPARE_OPS,
    COMPARISON,
    LEVELS,
    OPERAND_START,
    OR,
    SUM,
    make_arith,
    make_compare,
    make_logic,
    make_name,
    make_number,
    make_string,
)
from brickwork.engines.expr.parse_structures import Structures
from brickwork.engines.expr.syntax import (
    Between,
    Boolean,
    Call,
    CompareTest,
    Expr,
    Filter,
    In,
    InstanceOf,
    Invoke,
    Name,
    Negate,
    Null,
    Path,
    Range,
    Temporal,
    Test,
    UnaryTests,
    ValueTest,
)
from brickwork.engines.expr.values import parse_temporal
from brickwork.engines.expr.vocabulary import vocabulary

_TEMPORAL_HINT = 'e.g. @"2025-03-03", @"10:30:00", @"2025-03-03T10:30:00", @"P3D", @"P1Y2M"'
_TEMPORAL_HINT_ZH = (
    '例如日期 @"2025-03-03"、时间 @"10:30:00"、日期时间 @"2025-03-03T10:30:00"、'
    '时长 @"P3D" 或 @"P1Y2M"'
)
_TERMINATORS = frozenset({",", ")", "]", "}", "", "..", "then", "else", "return", "satisfies"})
"""Tokens that end an expression (and never continue an operand)."""
_OPENING_KEYWORDS = frozenset({"if", "for", "some", "every"})
_POSTFIX_START = frozenset({".", "[", "("})


def parse(
    source: str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    names: Collection[str] = (),
    registry: Registry = REGISTRY,
) -> Expr:
    """Parse an expression; raises `ExprSyntaxError` on any problem with the text.

    `names` are the names in scope; those with spaces (`Monthly Income`) are read as one name.
    """
    parser = _start(source, limits, names, registry)
    try:
        node = parser.expression()
        parser.end()
    except Exception as exc:  # every failure becomes the one error type callers expect
        raise parser.error(exc) from None
    return node


def parse_unary_tests(
    source: str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    names: Collection[str] = (),
    registry: Registry = REGISTRY,
) -> UnaryTests:
    """Parse a decision-table cell (`-`, `< 10`, `"A","B"`, `not([1..5])`, `? > 3`)."""
    parser = _start(source, limits, names, registry)
    try:
        cell = parser.unary_tests()
    except Exception as exc:  # every failure becomes the one error type callers expect
        raise parser.error(exc) from None
    return cell


def _start(source: str, limits: Limits, names: Collection[str], registry: Registry) -> _Parser:
    if not isinstance(source, str):
        diagnostic = Diagnostic("E_SYNTAX", "an expression must be text", zh_cn="表达式必须是文本")
        raise ExprSyntaxError((diagnostic,), "")
    if len(source) > limits.max_source_length:
        message = (
            f"the expression is {len(source)} characters long; "
            f"the limit is {limits.max_source_length}"
        )
        zh_cn = f"表达式有 {len(source)} 个字符，超过了 {limits.max_source_length} 个字符的上限"
        diagnostic = Diagnostic(limit_codes.SOURCE_TOO_LONG, message, Span(1, 1), zh_cn=zh_cn)
        raise ExprSyntaxError((diagnostic,), "")
    if not source.strip():
        message = "the expression is empty"
        diagnostic = Diagnostic("E_EMPTY", message, Span(1, 1, 1, 1), zh_cn="表达式为空")
        raise ExprSyntaxError((diagnostic,), source)
    return _Parser(source, tokenize(source), limits.max_depth, vocabulary(names, registry))


class _Parser(Structures):
    """One parse. Every method that returns a node leaves the node's tree depth in `depth`."""

    # ------------------------------------------------------------ entry points

    def end(self) -> None:
        if self.kinds[self.pos] != END:
            self.fail(AFTER_OPERAND | {"END"})

    def unary_tests(self) -> UnaryTests:
        texts = self.texts
        if texts[0] == "-" and self.kinds[1] == END:
            self.pos = 1
            return UnaryTests((), any_input=True, span=self.span(0, 0))
        negated = texts[0] == "not" and texts[1] == "("
        if negated:
            self.pos = 2
        tests = [self.test()]
        while texts[self.pos] == ",":
            self.pos += 1
            tests.append(self.test())
        if negated:
            self.expect(")", AFTER_OPERAND | {",", ")"})
        self.end()
        return UnaryTests(tuple(tests), negated=negated, span=self.span(0, self.pos - 1))

    def test(self) -> Test:
        start = self.pos
        op = self.texts[start]
        if op in COMPARE_OPS:
            self.pos += 1
            operand = self.binary(SUM)
            return CompareTest(op, operand, span=self.span(start, self.pos - 1))
        return ValueTest(self.expression(), span=self.span(start, self.pos - 1))

    # ------------------------------------------------------------ expressions

    def expression(self) -> Expr:
        self.level += 1
        if self.level > self.max_depth:
            self.too_deep(self.span(self.pos, self.pos))
        text = self.texts[self.pos]
        kind = self.kinds[self.pos]
        if (  # a literal or a name is never the last token (the end marker follows it)
            kind in (NUMBER, STRING) or (kind == WORD and text not in _OPENING_KEYWORDS)
        ) and self.texts[self.pos + 1] in _TERMINATORS:
            node: Expr = self.primary()  # a lone literal or name: no operators to climb
        elif text == "if":
            node = self.if_expression()
        elif text in ("for", "some", "every"):
            node = self.iteration_expression(text)
        elif text == "function" and self.texts[self.pos + 1] == "(":
            node = self.function_definition()
        elif text in ("<", "<=", ">", ">="):
            node = self.comparison_range()
        else:
            node = self.binary(OR)
        self.level -= 1
        return node

    def binary(self, minimum: int) -> Expr:
        start = self.pos
        left = self.operand()
        if LEVELS.get(self.texts[self.pos], 0) < minimum:
            return left  # no operator of this level follows (most operands)
        return self.climb(left, start, minimum)

    def climb(self, left: Expr, start: int, minimum: int) -> Expr:
        texts = self.texts
        depth = self.depth
        last = 0
        while True:
            op = texts[self.pos]
            level = LEVELS.get(op)
            if level is None or level < minimum:
                break
            if level == COMPARISON:
                if last == COMPARISON:
                    self.fail(AFTER_COMPARISON | {"END"})
                if op == "instance" and texts[self.pos + 1] != "of":
                    break
            self.pos += 1
            if level != COMPARISON:
                right = self.binary(level + 1)
                depth = max(depth, self.depth) + 1
                span = self.span(start, self.pos - 1)
                if level <= AND:
                    left = make_logic(op, left, right, span)
                else:
                    left = make_arith(op, left, right, span)
            elif op == "in":
                tests = self.in_tests()
                depth = max(depth, self.depth) + 1
                left = In(left, tests, span=self.span(start, self.pos - 1))
            elif op == "between":
                low = self.binary(SUM)
                low_depth = self.depth
                self.expect("and", AFTER_OPERAND)
                high = self.binary(SUM)
                depth = max(depth, low_depth, self.depth) + 1
                left = Between(left, low, high, span=self.span(start, self.pos - 1))
            elif op == "instance":
                self.pos += 1
                type_ref = self.type_ref()
                depth += 1
                left = InstanceOf(left, type_ref, span=self.span(start, self.pos - 1))
            else:
                right = self.binary(SUM)
                depth = max(depth, self.depth) + 1
                left = make_compare(op, left, right, self.span(start, self.pos - 1))
            if depth > self.max_depth:
                self.too_deep(left.span)
            last = level
        self.depth = depth
        return left

    def in_tests(self) -> tuple[Test, ...]:
        """The right side of `in`: one test, or a parenthesised list of tests."""
        start = self.pos
        texts = self.texts
        if texts[start] != "(":
            return (self.test_or_sum(),)
        self.pos += 1
        first = self.test()
        if texts[self.pos] == ",":
            tests = [first]
            depth = self.depth
            while texts[self.pos] == ",":
                self.pos += 1
                tests.append(self.test())
                depth = max(depth, self.depth)
            self.expect(")", AFTER_OPERAND | {",", ")"})
            self.depth = depth
            return tuple(tests)
        if isinstance(first, CompareTest):
            self.expect(")", AFTER_OPERAND | {",", ")"})
            return (first,)
        # `(expression)` or `(low..high)`: a value that may go on (`x in (a) + 1`)
        value: Expr
        if texts[self.pos] == "..":
            value = self.range_rest(first.expr, start, low_closed=False)
        else:
            self.expect(")", AFTER_OPERAND | {",", ")", ".."})
            value = first.expr
        value = self.climb(self.postfix(value, start, invocable=True), start, SUM)
        return (ValueTest(value, span=self.span(start, self.pos - 1)),)

    def test_or_sum(self) -> Test:
        start = self.pos
        op = self.texts[start]
        if op in COMPARE_OPS:
            self.pos += 1
            operand = self.binary(SUM)
            return CompareTest(op, operand, span=self.span(start, self.pos - 1))
        return ValueTest(self.binary(SUM), span=self.span(start, self.pos - 1))

    def comparison_range(self) -> Range:
        """`< 10`, `>= x` used as a value: a range open on one side (DMN 1.5 rule 7)."""
        start = self.pos
        op = self.texts[start]
        self.pos += 1
        endpoint = self.binary(SUM)
        self.depth += 1
        span = self.span(start, self.pos - 1)
        if op[0] == "<":
            return Range(None, endpoint, False, op == "<=", span=span)
        return Range(endpoint, None, op == ">=", False, span=span)

    # ------------------------------------------------------------ operands

    def operand(self) -> Expr:
        texts = self.texts
        start = self.pos
        while texts[self.pos] == "-":
            self.pos += 1
        first = self.pos
        node = self.primary()
        if texts[self.pos] in _POSTFIX_START:
            node = self.postfix(node, first, invocable=False)
        if first == start:
            return node
        depth = self.depth
        for minus in range(first - 1, start - 1, -1):
            node = Negate(node, span=self.span(minus, self.pos - 1))
        self.depth = depth + first - start
        if self.depth > self.max_depth:
            self.too_deep(node.span)
        return node

    def postfix(self, node: Expr, start: int, *, invocable: bool) -> Expr:
        """`.name`, `[filter]` and `(arguments)` after an operand."""
        texts = self.texts
        depth = self.depth
        invocable = invocable or type(node) is Call
        while True:
            text = texts[self.pos]
            if text == ".":
                self.pos += 1
                key = self.path_key()
                depth += 1
                node = Path(node, key, span=self.span(start, self.pos - 1))
            elif text == "[":
                if self.level == self.range_level and self.closes_range(self.pos):
                    break
                self.pos += 1
                condition = self.expression()
                depth = max(depth, self.depth) + 1
                self.expect("]", AFTER_OPERAND | {"]"})
                node = Filter(node, condition, span=self.span(start, self.pos - 1))
            elif text == "(" and invocable:
                args = self.arguments()
                depth = max(depth, self.depth) + 1
                node = Invoke(node, args, span=self.span(start, self.pos - 1))
            else:
                break
            invocable = True
            if depth > self.max_depth:
                self.too_deep(node.span)
        self.depth = depth
        return node

    def primary(self) -> Expr:
        start = self.pos
        kind = self.kinds[start]
        text = self.texts[start]
        self.depth = 1
        if kind == NUMBER:
            self.pos += 1
            return make_number(Decimal(text), self.span(start, start))
        if kind == STRING:
            self.pos += 1
            return make_string(self.string_value(start), self.span(start, start))
        if kind == WORD:
            return self.word()
        if text == "(":
            self.pos += 1
            inner = self.expression()
            if self.texts[self.pos] == "..":
                return self.range_rest(inner, start, low_closed=False)
            self.expect(")", AFTER_OPERAND | {")", ".."})
            return self.postfix(inner, start, invocable=True)
        if text == "[":
            return self.list_or_range()
        if text == "]":
            self.pos += 1
            low = self.expression()
            if self.texts[self.pos] != "..":
                self.fail(AFTER_OPERAND | {".."})
            return self.range_rest(low, start, low_closed=False)
        if text == "{":
            return self.context()
        if text == "@":
            return self.temporal()
        if text == "?":
            self.pos += 1
            return Name("?", span=self.span(start, start))
        return self.fail(OPERAND_START)

    def word(self) -> Expr:
        start = self.pos
        text = self.texts[start]
        vocabulary = self.vocabulary
        if (
            self.local is None
            and text not in vocabulary.names
            and text.lower() not in vocabulary.functions
        ):
            found = None  # the common case, without a call
        else:
            found = self.known_name(start)
        if found is None:
            if text == "true" or text == "false":
                self.pos += 1
                return Boolean(text == "true", span=self.span(start, start))
            if text == "null":
                self.pos += 1
                return Null(span=self.span(start, start))
            name = text
            self.pos += 1
        else:
            name, self.pos = found
        if self.texts[self.pos] == "(":
            args = self.arguments()
            self.depth += 1
            return Call(name, args, span=self.span(start, self.pos - 1))
        return make_name(name, self.span(start, self.pos - 1))

    def known_name(self, start: int) -> tuple[str, int] | None:
        """The longest known multi-word name (or function name before `(`) at `start`."""
        text = self.texts[start]
        best = self.match(self.vocabulary.names.get(text), start, fold=False)
        if self.local is not None:
            local = self.match(self.local.get(text), start, fold=False)
            if local is not None and (best is None or local[1] > best[1]):
                best = local
        functions = self.vocabulary.functions.get(text.lower())
        if functions:
            function = self.match(functions, start, fold=True)
            if (
                function is not None
                and self.texts[function[1]] == "("
                and (best is None or function[1] > best[1])
            ):
                words = self.texts[start : function[1]]
                return " ".join(words), function[1]
        return best

    def path_key(self) -> str:
        start = self.pos
        if self.kinds[start] != WORD:
            self.fail(frozenset({"NAME"}))
        found = self.match(self.vocabulary.names.get(self.texts[start]), start, fold=False)
        if found is None:
            self.pos += 1
            return self.texts[start]
        self.pos = found[1]
        return found[0]

    def temporal(self) -> Temporal:
        start = self.pos
        self.pos += 1
        if self.kinds[self.pos] != STRING:
            self.fail(frozenset({"STRING"}))
        self.pos += 1
        text = self.string_value(start + 1)
        span = self.span(start, start + 1)
        try:
            value = parse_temporal(text)
        except Exception as exc:  # any refusal of the literal text is a bad literal
            raise self.invalid(
                "E_BAD_TEMPORAL",
                str(exc),
                span,
                _TEMPORAL_HINT,
                zh_cn=_temporal_zh(text, exc),
                hint_zh_cn=_TEMPORAL_HINT_ZH,
            ) from None
        return Temporal(value, span=span)

    def string_value(self, index: int) -> str:
        try:
            return _string_value(self.texts[index])
        except EscapeError as exc:
            offset = self.starts[index] + exc.offset
            span = self.offset_span(offset, offset + exc.width)
            raise self.invalid(
                    "E_BAD_ESCAPE", exc.message, span, exc.hint, zh_cn=exc.zh_cn,
                    hint_zh_cn=exc.hint_zh_cn,
                ) from None  # fmt: skip


def _temporal_zh(text: str, exc: Exception) -> str:
    """Why the body `text` of an `@"..."` literal was refused, in Chinese: the reader's own
    Chinese (`values` gives its refusals a `zh_cn`), else a lead-in before the English."""
    zh_cn = getattr(exc, "zh_cn", None)
    if isinstance(zh_cn, str):
        return zh_cn
    if isinstance(exc, OverflowError):
        return f"`{text}` 超出了可以表示的范围"
    return f"`{text}` 不是有效的日期、时间或时长：{exc}"
