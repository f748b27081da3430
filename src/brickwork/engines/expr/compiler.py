"""AST to Python closures: the fast evaluation path.

Each node becomes a closure `(variables, run) -> value`. Hot shapes are specialised: a
comparison or arithmetic between a field and a constant reads the field with one `dict.get` and
tests its exact type before doing the operation; everything unusual (null, int input, kind
mismatch, missing names) falls to a shared slow path that normalises values and reports
diagnostics. Function calls are bound to their registry signature here, at compile time.
This module must not use `eval`/`exec`, read Python attributes of values, or touch the clock.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, assert_never

from brickwork.engines.expr import operators as ops
from brickwork.engines.expr import values as vals
from brickwork.engines.expr.compile_access import compile_access
from brickwork.engines.expr.compile_functions import (
    compile_function_def,
    compile_instance_of,
    compile_invoke,
)
from brickwork.engines.expr.compile_structure import compile_structure
from brickwork.engines.expr.diagnostics import Diagnostic, ExprCheckError, Span
from brickwork.engines.expr.fastpaths import (
    ARITHMETIC_FAST_PATHS,
    divide,
    exact,
    in_literal_range,
    literal_range,
    same_type_compare,
)
from brickwork.engines.expr.functions import BindError, Registry
from brickwork.engines.expr.library import REGISTRY
from brickwork.engines.expr.runtime import MISSING, Fn, Run, resolve
from brickwork.engines.expr.syntax import (
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
    ValueTest,
)
from brickwork.engines.expr.values import DECIMAL_CONTEXT as CTX
from brickwork.engines.expr.values import RangeValue, Value, norm
from brickwork.engines.expr.words import zh_kind

Operand = tuple[str, Any]
"""("c", constant) | ("n", variable name) | ("f", closure): how a binary operator reads a side."""

_DECIMAL_OPS: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": divide,
}
"""Fast paths of number arithmetic (a zero divisor takes the slow path, which reports it). Python's
operators use the thread's current decimal context, so every entry point runs closures that set
`needs_decimal_context` under `values.DECIMAL_CONTEXT` (see `api.py`); that is three times
faster than `CTX.add(a, b)`."""
_COMPARE_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
EQUALITY_FAST_TYPES = (Decimal, str, bool, type(None))
ORDER_FAST_TYPES = (Decimal, str, date)
"""Constant types whose comparisons with a value of the very same type take the fast path
(`direct` answers for exactly these)."""
ORDERED_SAME = frozenset(ORDER_FAST_TYPES)
"""`between` bounds of the very same type as the value are compared with Python's operators."""


class Compiler:
    def __init__(self, registry: Registry = REGISTRY, source: str = "") -> None:
        self.registry = registry
        self.source = source
        self.needs_decimal_context = False
        self.callable_names: set[str] = set()
        """Names a call may find a function value under: names bound inside the expression
        (parameters, iteration variables, context entries) and caller variables the scope
        declares as functions. A call of such a name looks for a value before the built-ins."""
        self.makes_functions = False
        """Whether the expression defines functions (their values keep the evaluation's run)."""

    def compile(self, node: Expr) -> Fn:
        return _COMPILE[type(node)](self, node)

    def _context(self, node: Context) -> Fn:
        self.callable_names.update(key for key, _ in node.entries)
        return compile_structure(self, node)

    def _iteration(self, node: For | Quantified) -> Fn:
        self.callable_names.update(it.name for it in node.iterations)
        return compile_structure(self, node)

    def _negate(self, node: Negate) -> Fn:
        return _negate(self.compile(node.operand), node.span)

    def operand(self, node: Expr) -> Operand:
        if type(node) in _CONSTANT_NODES:
            return ("c", constant_value(node))  # type: ignore[arg-type]
        if type(node) is Name and not node.name.startswith("$"):
            return ("n", node.name)
        return ("f", self.compile(node))

    def _arith(self, node: Arith) -> Fn:
        slow = _arith_slow(node)
        fast = _DECIMAL_OPS.get(node.op)
        left, right = self.operand(node.left), self.operand(node.right)
        if fast is None:
            return _binary(left, right, _NEVER, operator.eq, slow)
        self.needs_decimal_context = True
        shape = left[0] + right[0]
        specialised = ARITHMETIC_FAST_PATHS.get((node.op, shape))
        if specialised is not None and (right[0] != "c" or type(right[1]) is Decimal):
            return specialised(left[1], right[1], slow)
        return _binary(left, right, Decimal, fast, slow)

    def _compare(self, node: Compare) -> Fn:
        left, right = self.operand(node.left), self.operand(node.right)
        if node.op in ("=", "!="):
            left, right = _error_aware_operand(left), _error_aware_operand(right)
        slow = _compare_slow(node)
        allowed = EQUALITY_FAST_TYPES if node.op in ("=", "!=") else ORDER_FAST_TYPES
        if left[0] == "f" and right[0] == "f":
            return same_type_compare(left[1], right[1], allowed, _COMPARE_OPS[node.op], slow)
        fast_type: type = Decimal
        constant = left if left[0] == "c" else right if right[0] == "c" else None
        if constant is not None:
            fast_type = type(constant[1]) if type(constant[1]) in allowed else _NEVER
        return _binary(left, right, fast_type, _COMPARE_OPS[node.op], slow)

    def _logic(self, node: Logic) -> Fn:
        operands: list[Expr] = []
        stack: list[Expr] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, Logic) and current.op == node.op:
                stack.extend((current.right, current.left))
            else:
                operands.append(current)
        fns = tuple(self.compile(o) for o in operands)
        spans = tuple(o.span for o in operands)
        return _logic(fns, spans, stop=node.op == "or", word=node.op)

    def _between(self, node: Between) -> Fn:
        value, low, high = (self.compile(n) for n in (node.value, node.low, node.high))
        span = node.span

        def between(v: Any, run: Run) -> Value:
            x = value(v, run)
            a = low(v, run)
            if type(x) is type(a) and type(x) in ORDERED_SAME:
                lower: bool | None = x >= a
            else:
                lower = checked_compare(">=", x, a, span, run)
            if lower is False:
                return False
            b = high(v, run)
            if type(x) is type(b) and type(x) in ORDERED_SAME:
                upper: bool | None = x <= b
            else:
                upper = checked_compare("<=", x, b, span, run)
            if upper is False:
                return False
            return True if lower is True and upper is True else None

        return between

    def _in(self, node: In) -> Fn:
        value = _error_aware_operand(self.operand(node.value))
        members = literal_members(node.tests)
        if members is not None and value[0] != "c":
            return _in_set(value, members, self.tests(node.tests), node.value.span)
        compiled = error_aware(self.compile(node.value))
        bounds = literal_range(node.tests, constant_value)
        if bounds is not None:
            return in_literal_range(compiled, bounds, self.tests(node.tests))
        return self.in_tests(compiled, node.tests, node.span)

    def tests(self, tests: Sequence[Test]) -> Callable[[Value, Any, Run], bool | None]:
        """A closure deciding whether a value passes any of `tests` (three-valued)."""
        compiled = tuple(self._test(t) for t in tests)

        def any_test(x: Value, v: Any, run: Run) -> bool | None:
            if x is ERROR_NULL:
                return None
            unknown = False
            for test in compiled:
                result = test(x, v, run)
                if result is True:
                    return True
                unknown = unknown or result is None
            return None if unknown else False

        return any_test

    def in_tests(self, value: Fn, tests: Sequence[Test], span: Span) -> Fn:
        check = self.tests(tests)

        def in_(v: Any, run: Run) -> Value:
            return check(value(v, run), v, run)

        return in_

    def _test(self, test: Test) -> Callable[[Value, Any, Run], bool | None]:
        match test:
            case CompareTest(op=op, operand=operand_node, span=span):
                operand = self.compile(operand_node)

                def compare_test(x: Value, v: Any, run: Run) -> bool | None:
                    mark = len(run.diagnostics)
                    target = operand(v, run)
                    if target is None and len(run.diagnostics) > mark:
                        return None
                    return checked_compare(op, x, target, span, run)

                return compare_test
            case ValueTest(expr=expr, span=span):
                return value_test(self.compile(expr), span, is_range=isinstance(expr, Range))
            case _:
                assert_never(test)

    def bind_error(self, exc: BindError, span: Span) -> ExprCheckError:
        diagnostic = Diagnostic(
            exc.code, exc.message, span, exc.hint, zh_cn=exc.zh_cn, hint_zh_cn=exc.hint_zh_cn
        )
        return ExprCheckError((diagnostic,), self.source)


def value_test(
    target: Fn, span: Span, *, is_range: bool
) -> Callable[[Value, Any, Run], bool | None]:
    """A value test; a range literal whose ends are null is null (unknown), not a value that
    nothing equals: `5 in (null..10]` is null. A test whose value reported a diagnostic is
    unknown too (see `passes_value_test`)."""

    def value_test(x: Value, v: Any, run: Run) -> bool | None:
        mark = len(run.diagnostics)
        found = target(v, run)
        if found is None and is_range:
            return None
        return passes_value_test(x, found, len(run.diagnostics) > mark, span, run)

    return value_test


class _Never:
    """A type no value has: disables a fast path."""


class _ErrorNull:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ERROR_NULL"


ERROR_NULL: Any = _ErrorNull()
"""What an `error_aware` operand gives instead of null when evaluating it reported a diagnostic.
Equality and membership treat it as unknown: `date("x") = date("y")` is null, not `null = null`."""


def error_aware(fn: Fn) -> Fn:
    """`fn`, giving `ERROR_NULL` when its null comes with a new diagnostic (an error, not a
    genuine null). Only operands of `=`, `!=` and `in` are wrapped."""

    def operand(v: Any, run: Run) -> Value:
        mark = len(run.diagnostics)
        value = fn(v, run)
        if value is None and len(run.diagnostics) > mark:
            return ERROR_NULL
        return value

    return operand


def _error_aware_operand(operand: Operand) -> Operand:
    return ("f", error_aware(operand[1])) if operand[0] == "f" else operand


_NEVER: type = _Never
_CONSTANT_NODES = frozenset({Number, String, Boolean, Null, Temporal})


def constant_value(node: Number | String | Boolean | Null | Temporal) -> Value:
    if type(node) is Number:
        value = node.value
        return CTX.plus(value) if len(value.as_tuple().digits) > CTX.prec else value
    if isinstance(node, Null):
        return None
    return node.value


def _constant(value: Value) -> Fn:
    def constant(v: Any, run: Run) -> Value:
        return value

    return constant


def _name(key: str, span: Span) -> Fn:
    if key.startswith("$"):

        def dollar(v: Any, run: Run) -> Value:
            found = v.get(key, MISSING)
            if found is MISSING:
                found = run.context.dollar(key)
            return resolve(found, key, span, run)

        return dollar

    def name(v: Any, run: Run) -> Value:
        found = v.get(key, MISSING)
        if type(found) is Decimal or type(found) is str:
            return found
        return resolve(exact(found), key, span, run)

    return name


Slow = Callable[[Value, Value, Run], Value]


def _binary(left: Operand, right: Operand, fast_type: type, fast: Any, slow: Slow) -> Fn:
    """Specialise `left op right` on how each side is read (see `Operand`)."""
    lk, lp = left
    rk, rp = right
    if lk == "n" and rk == "c":
        return _name_const(lp, rp, fast_type, fast, slow)
    if lk == "n" and rk == "n":
        return _name_name(lp, rp, fast_type, fast, slow)
    if lk == "f" and rk == "c":
        return _fn_const(lp, rp, fast_type, fast, slow)
    if lk == "f" and rk == "n":
        return _fn_name(lp, rp, fast_type, fast, slow)
    lf = lp if lk == "f" else _constant(lp) if lk == "c" else _reader(lp)
    rf = rp if rk == "f" else _constant(rp) if rk == "c" else _reader(rp)
    return _fn_fn(lf, rf, fast_type, fast, slow)


def _reader(key: str) -> Fn:
    def read(v: Any, run: Run) -> Value:
        return v.get(key, MISSING)

    return read


def _name_const(key: str, c: Value, t: type, fast: Any, slow: Slow) -> Fn:
    if type(c) is not t:
        t = _NEVER
    if t is _NEVER:  # e.g. `code + "/"`: no fast path to normalise for

        def name_const_slow(v: Any, run: Run) -> Value:
            return slow(v.get(key, MISSING), c, run)

        return name_const_slow
    inline = _INLINE_COMPARE.get(fast)
    if inline is not None:
        return inline(key, c, t, slow)

    def name_const(v: Any, run: Run) -> Value:
        a = v.get(key, MISSING)
        if type(a) is not t:
            a = exact(a)
        if type(a) is t:
            try:
                return fast(a, c)
            except ArithmeticError:
                pass
        return slow(a, c, run)

    return name_const


def _gt(key: str, c: Value, t: type, slow: Slow) -> Fn:
    def name_gt(v: Any, run: Run) -> Value:
        a = v.get(key, MISSING)
        if type(a) is not t:
            a = exact(a)
        if type(a) is t:
            return a > c
        return slow(a, c, run)

    return name_gt


def _ge(key: str, c: Value, t: type, slow: Slow) -> Fn:
    def name_ge(v: Any, run: Run) -> Value:
        a = v.get(key, MISSING)
        if type(a) is not t:
            a = exact(a)
        if type(a) is t:
            return a >= c
        return slow(a, c, run)

    return name_ge


def _lt(key: str, c: Value, t: type, slow: Slow) -> Fn:
    def name_lt(v: Any, run: Run) -> Value:
        a = v.get(key, MISSING)
        if type(a) is not t:
            a = exact(a)
        if type(a) is t:
            return a < c
        return slow(a, c, run)

    return name_lt


def _le(key: str, c: Value, t: type, slow: Slow) -> Fn:
    def name_le(v: Any, run: Run) -> Value:
        a = v.get(key, MISSING)
        if type(a) is not t:
            a = exact(a)
        if type(a) is t:
            return a <= c
        return slow(a, c, run)

    return name_le


def _eq(key: str, c: Value, t: type, slow: Slow) -> Fn:
    def name_eq(v: Any, run: Run) -> Value:
        a = v.get(key, MISSING)
        if type(a) is not t:
            a = exact(a)
        if type(a) is t:
            return a == c
        return slow(a, c, run)

    return name_eq


def _ne(key: str, c: Value, t: type, slow: Slow) -> Fn:
    def name_ne(v: Any, run: Run) -> Value:
        a = v.get(key, MISSING)
        if type(a) is not t:
            a = exact(a)
        if type(a) is t:
            return a != c
        return slow(a, c, run)

    return name_ne


_INLINE_COMPARE: dict[Any, Callable[[str, Value, type, Slow], Fn]] = {
    operator.gt: _gt,
    operator.ge: _ge,
    operator.lt: _lt,
    operator.le: _le,
    operator.eq: _eq,
    operator.ne: _ne,
}
"""Field-versus-constant comparisons with the operator inlined (the hottest shape)."""


def _name_name(lkey: str, rkey: str, t: type, fast: Any, slow: Slow) -> Fn:
    def name_name(v: Any, run: Run) -> Value:
        a = v.get(lkey, MISSING)
        b = v.get(rkey, MISSING)
        if type(a) is not t or type(b) is not t:
            a, b = exact(a), exact(b)
        if type(a) is t and type(b) is t:
            try:
                return fast(a, b)
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return name_name


def _fn_const(f: Fn, c: Value, t: type, fast: Any, slow: Slow) -> Fn:
    if type(c) is not t:
        t = _NEVER

    def fn_const(v: Any, run: Run) -> Value:
        a = f(v, run)
        if type(a) is t:
            try:
                return fast(a, c)
            except ArithmeticError:
                pass
        return slow(a, c, run)

    return fn_const


def _fn_name(f: Fn, key: str, t: type, fast: Any, slow: Slow) -> Fn:
    def fn_name(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = v.get(key, MISSING)
        if type(b) is not t:
            b = exact(b)
        if type(a) is t and type(b) is t:
            try:
                return fast(a, b)
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return fn_name


def _fn_fn(f: Fn, g: Fn, t: type, fast: Any, slow: Slow) -> Fn:
    def fn_fn(v: Any, run: Run) -> Value:
        a = f(v, run)
        b = g(v, run)
        if type(a) is t and type(b) is t:
            try:
                return fast(a, b)
            except ArithmeticError:
                pass
        return slow(a, b, run)

    return fn_fn


def _names(node: Arith | Compare) -> tuple[str | None, str | None]:
    left = node.left.name if isinstance(node.left, Name) else None
    right = node.right.name if isinstance(node.right, Name) else None
    return left, right


def _arith_slow(node: Arith) -> Slow:
    op, span = node.op, node.span
    lname, rname = _names(node)
    lspan, rspan = node.left.span, node.right.span

    def slow(a: Value, b: Value, run: Run) -> Value:
        if op == "+" and type(a) is str and type(b) is str:  # concatenation, the commonest
            return run.check_text(a + b, span)
        a = resolve(a, lname, lspan, run)
        b = resolve(b, rname, rspan, run)
        if a is None or b is None:
            return None
        try:
            result = ops.arithmetic(op, a, b)
        except ops.OperatorError as exc:
            run.report(exc.code, exc.message, span, zh_cn=exc.zh_cn)
            return None
        return run.check_text(result, span) if type(result) is str else result

    return slow


def _compare_slow(node: Compare) -> Slow:
    op, span = node.op, node.span
    lname, rname = _names(node)
    lspan, rspan = node.left.span, node.right.span

    def slow(a: Value, b: Value, run: Run) -> Value:
        if a is ERROR_NULL or b is ERROR_NULL:
            return None
        mark = len(run.diagnostics)
        a = resolve(a, lname, lspan, run)
        b = resolve(b, rname, rspan, run)
        if len(run.diagnostics) > mark and (a is None or b is None):
            return None  # an undefined name or an unsupported value: unknown, not `null`
        return checked_compare(op, a, b, span, run)

    return slow


def checked_compare(op: str, a: Value, b: Value, span: Span, run: Run) -> bool | None:
    try:
        return ops.compare(op, a, b)
    except ops.OperatorError as exc:
        run.report(exc.code, exc.message, span, zh_cn=exc.zh_cn)
        return None


def passes_value_test(x: Value, target: Value, errored: bool, span: Span, run: Run) -> bool | None:
    """`matches_value`, except that a test whose value reported a diagnostic while being
    evaluated does not match a null (nor is a null it gave equal to anything): unknown."""
    if errored and (x is None or target is None):
        return None
    return matches_value(x, target, span, run)


def matches_value(x: Value, target: Value, span: Span, run: Run) -> bool | None:
    """A value unary test: `x` equals `target`, or is in it when `target` is a list or range."""
    if type(target) is list:
        return any(is_member(x, norm(item)) for item in target)
    if type(target) is RangeValue:
        if x is None:
            return None
        inside = vals.in_range(x, target)
        if inside is None:
            kind = vals.kind_of(x)
            run.report("E_TYPE_MISMATCH", f"a {kind} cannot be in this range", span,
                       zh_cn=f"{zh_kind(kind)}不可能在此区间内")  # fmt: skip
        return inside
    return checked_compare("=", x, target, span, run)


def is_member(x: Value, item: Value) -> bool:
    """Whether `x` matches one element of a list it is tested `in`: the element is a range that
    holds `x`, or equals `x`. An element of another kind is simply not a match (DMN 1.5 list
    membership: `true in [false, 2, 3]` is false, not null)."""
    kind = type(x)
    if kind is type(item) and (kind is Decimal or kind is str or kind is bool):
        return bool(x == item)
    if type(item) is RangeValue and kind is not RangeValue:
        return x is not None and vals.in_range(x, item) is True
    return vals.equal(x, item) is True


def _negate(operand: Fn, span: Span) -> Fn:
    def negate(v: Any, run: Run) -> Value:
        x = operand(v, run)
        if type(x) is Decimal:
            return CTX.minus(x)
        if x is None:
            return None
        try:
            return ops.negate(x)
        except ops.OperatorError as exc:
            run.report(exc.code, exc.message, span, zh_cn=exc.zh_cn)
            return None

    return negate


Settle = Callable[[Sequence[Value], Run], None]


def _settler(spans: tuple[Span, ...], word: str) -> Settle:
    """Reports the operands of `and`/`or` that are neither boolean nor null."""

    def settle(results: Sequence[Value], run: Run) -> None:
        for result, span in zip(results, spans, strict=True):
            if result is not None and type(result) is not bool:
                kind = vals.kind_of(result)
                zh_cn = f"`{word}` 需要 `true` 或 `false`，不能是{zh_kind(kind)}"
                run.report("E_TYPE_MISMATCH", f"`{word}` needs true or false, not a {kind}", span,
                           zh_cn=zh_cn)  # fmt: skip

    return settle


def _logic(fns: tuple[Fn, ...], spans: tuple[Span, ...], *, stop: bool, word: str) -> Fn:
    """n-ary `and` (stop=False) / `or` (stop=True) with FEEL three-valued semantics."""
    settle = _settler(spans, word)
    if len(fns) == 2:
        return _logic2(fns, stop, settle)
    if len(fns) == 3:
        return _logic3(fns, stop, settle)
    return _logic_n(fns, stop, settle)


def _logic2(fns: tuple[Fn, ...], stop: bool, settle: Settle) -> Fn:
    f1, f2 = fns
    go = not stop

    def logic2(v: Any, run: Run) -> Value:
        a = f1(v, run)
        if a is stop:
            return stop
        b = f2(v, run)
        if b is stop:
            return stop
        if a is go and b is go:
            return go
        settle((a, b), run)
        return None

    return logic2


def _logic3(fns: tuple[Fn, ...], stop: bool, settle: Settle) -> Fn:
    f1, f2, f3 = fns
    go = not stop

    def logic3(v: Any, run: Run) -> Value:
        a = f1(v, run)
        if a is stop:
            return stop
        b = f2(v, run)
        if b is stop:
            return stop
        c = f3(v, run)
        if c is stop:
            return stop
        if a is go and b is go and c is go:
            return go
        settle((a, b, c), run)
        return None

    return logic3


def _logic_n(fns: tuple[Fn, ...], stop: bool, settle: Settle) -> Fn:
    go = not stop

    def rest(v: Any, run: Run, index: int, result: Value) -> Value:
        """After `index` operands gave `go` and the next gave `result` (neither go nor stop)."""
        results = [go] * index
        results.append(result)
        for f in fns[index + 1 :]:
            result = f(v, run)
            if result is stop:
                return stop
            results.append(result)
        settle(results, run)
        return None

    def logic_n(v: Any, run: Run) -> Value:
        for index, f in enumerate(fns):
            result = f(v, run)
            if result is not go:
                return stop if result is stop else rest(v, run, index, result)
        return go

    return logic_n


def literal_members(tests: Sequence[Test]) -> frozenset[Value] | None:
    """The constants of `in ("a", "b")` or `in ["a", "b"]` when all are literals of one type."""
    values: list[Value] = []
    if len(tests) == 1 and isinstance(tests[0], ValueTest) and isinstance(tests[0].expr, ListOf):
        items = tests[0].expr.items  # `x in [1, 2, 3]`: equal to one of the items
        tests = [ValueTest(item, span=item.span) for item in items] if items else tests
    for test in tests:
        if not isinstance(test, ValueTest) or not isinstance(test.expr, Number | String):
            return None
        values.append(constant_value(test.expr))
    if len({type(x) for x in values}) != 1:
        return None
    return frozenset(values)


def _in_set(
    value: Operand, members: frozenset[Value], slow: Callable[[Value, Any, Run], bool | None],
    span: Span,
) -> Fn:  # fmt: skip
    member_type = type(next(iter(members)))
    kind, payload = value
    if kind == "n":
        key = payload

        def in_set_name(v: Any, run: Run) -> Value:
            x = v.get(key, MISSING)
            if type(x) is not member_type:
                x = exact(x)
            if type(x) is member_type:
                return x in members
            mark = len(run.diagnostics)
            x = resolve(x, key, span, run)
            if len(run.diagnostics) > mark:  # a missing or unsupported value: unknown
                return None
            return slow(x, v, run)

        return in_set_name
    f: Fn = payload

    def in_set(v: Any, run: Run) -> Value:
        x = f(v, run)
        if type(x) is member_type:
            return x in members
        return slow(x, v, run)  # `slow` gives null for ERROR_NULL

    return in_set


def _compile_constant(compiler: Compiler, node: Number | String | Boolean | Null | Temporal) -> Fn:
    return _constant(constant_value(node))


def _compile_name(compiler: Compiler, node: Name) -> Fn:
    return _name(node.name, node.span)


_COMPILE: dict[type, Callable[[Compiler, Any], Fn]] = {
    Number: _compile_constant,
    String: _compile_constant,
    Boolean: _compile_constant,
    Null: _compile_constant,
    Temporal: _compile_constant,
    Name: _compile_name,
    Arith: Compiler._arith,
    Negate: Compiler._negate,
    Compare: Compiler._compare,
    Logic: Compiler._logic,
    Between: Compiler._between,
    In: Compiler._in,
    Path: compile_access,
    Filter: compile_access,
    Call: compile_access,
    Range: compile_structure,
    ListOf: compile_structure,
    If: compile_structure,
    Context: Compiler._context,
    For: Compiler._iteration,
    Quantified: Compiler._iteration,
    FunctionDef: compile_function_def,
    Invoke: compile_invoke,
    InstanceOf: compile_instance_of,
}
"""How each node type compiles: one dictionary lookup per node (a `match` over the node classes
tests them one by one). Every member of `Expr` has an entry (tests/unit/engines/expr)."""
