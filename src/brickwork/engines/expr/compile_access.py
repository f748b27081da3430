"""Closures for access nodes: path (`a.b`), filter (`list[cond]`) and function calls.

Path access reads keys of contexts (dicts) and a fixed table of properties of dates, times and
durations; it never reads Python attributes by name. Calls are bound to a registry signature
at compile time and check argument kinds at run time (a wrong kind gives null plus a
diagnostic). This module must not use `eval`/`exec` or `getattr` on values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any, assert_never

from brickwork.engines.expr.compile_functions import compile_value_call
from brickwork.engines.expr.diagnostics import ExprCheckError
from brickwork.engines.expr.environment import EMPTY_CONTEXT
from brickwork.engines.expr.fastcalls import Calls, Fail, Finish, Resume, specialised_call
from brickwork.engines.expr.functions import (
    BindError,
    Binding,
    FunctionError,
    FunctionSpec,
    Param,
    Signature,
)
from brickwork.engines.expr.runtime import MISSING, Fn, ItemLayer, Run, resolve
from brickwork.engines.expr.syntax import (
    Boolean,
    Call,
    Expr,
    Filter,
    Negate,
    Number,
    Path,
    String,
    Temporal,
)
from brickwork.engines.expr.values import (
    DECIMAL_CONTEXT,
    LIST,
    NATIVE_TYPES,
    RangeValue,
    Value,
    YearsMonths,
    kind_of,
    norm,
    zone_name,
)
from brickwork.engines.expr.words import zh_kind

if TYPE_CHECKING:
    from brickwork.engines.expr.compiler import Compiler

_SECOND = timedelta(seconds=1)
_NO_VARIABLES: dict[str, Any] = {}


class _Unset:
    """No value yet (an argument the general call closure still has to evaluate)."""


_UNSET: Any = _Unset()


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta.seconds % 60) + Decimal(delta.microseconds) / Decimal(1_000_000)


_DATE_PROPERTIES: dict[str, Callable[[Any], Value]] = {
    "year": lambda d: Decimal(d.year),
    "month": lambda d: Decimal(d.month),
    "day": lambda d: Decimal(d.day),
    "weekday": lambda d: Decimal(d.isoweekday()),
}
_TIME_PROPERTIES: dict[str, Callable[[Any], Value]] = {
    "hour": lambda t: Decimal(t.hour),
    "minute": lambda t: Decimal(t.minute),
    "second": lambda t: Decimal(t.second) + Decimal(t.microsecond) / Decimal(1_000_000),
    # The offset from UTC (null when local; for a time in a named zone, which has no offset
    # without a date, null too) and the IANA name of the zone (null unless it has one).
    "time offset": lambda t: t.utcoffset(),
    "timezone": zone_name,
}
PROPERTIES: dict[type, dict[str, Callable[[Any], Value]]] = {
    date: _DATE_PROPERTIES,
    datetime: {**_DATE_PROPERTIES, **_TIME_PROPERTIES},
    time: _TIME_PROPERTIES,
    timedelta: {
        "days": lambda d: Decimal(abs(d).days) * (-1 if d < timedelta(0) else 1),
        "hours": lambda d: Decimal(abs(d).seconds // 3600) * (-1 if d < timedelta(0) else 1),
        "minutes": lambda d: Decimal(abs(d).seconds // 60 % 60) * (-1 if d < timedelta(0) else 1),
        "seconds": lambda d: _seconds(abs(d)) * (-1 if d < timedelta(0) else 1),
    },
    YearsMonths: {
        "years": lambda d: Decimal(d.years),
        "months": lambda d: Decimal(d.remainder_months),
    },
    RangeValue: {
        "start": lambda r: r.low,
        "end": lambda r: r.high,
        "start included": lambda r: r.low_closed,
        "end included": lambda r: r.high_closed,
    },
}
"""The only properties path access can read on non-context values."""


def compile_access(compiler: Compiler, node: Path | Filter | Call) -> Fn:
    match node:
        case Path():
            return _path(compiler.compile(node.target), node.key, node)
        case Filter():
            return _filter(compiler, node)
        case Call():
            return _call(compiler, node)
        case _:
            assert_never(node)


def _path(target: Fn, key: str, node: Path) -> Fn:
    span = node.span

    def path(v: Any, run: Run) -> Value:
        t = target(v, run)
        if type(t) is dict:
            found = t.get(key, MISSING)
            if type(found) in NATIVE_TYPES:
                return found
            return None if found is MISSING else resolve(found, None, span, run)
        return read_key(t, key, span, run)

    return path


def read_key(target: Value, key: str, span: Any, run: Run) -> Value:
    """Path access on anything but a plain dict: lists project, dates have properties."""
    if target is None:
        return None
    if type(target) is dict:
        found = target.get(key, MISSING)
        return None if found is MISSING else resolve(found, None, span, run)
    if type(target) is list:
        run.step(len(target), span)
        return [read_key(norm(item), key, span, run) for item in target]
    properties = PROPERTIES.get(type(target))
    if properties is not None and key in properties:
        return properties[key](target)
    kind = kind_of(target)
    run.report("E_NO_PROPERTY", f"a {kind} has no property `{key}`", span,
               zh_cn=f"{zh_kind(kind)}没有属性 `{key}`")  # fmt: skip
    return None


def is_index(node: Expr) -> bool:
    """A filter that is a number literal (`list[1]`, `list[-1]`) selects by position."""
    return isinstance(node, Number) or (
        isinstance(node, Negate) and isinstance(node.operand, Number)
    )


def _filter(compiler: Compiler, node: Filter) -> Fn:
    target = compiler.compile(node.target)
    condition = compiler.compile(node.condition)
    span = node.span
    static_index = is_index(node.condition)

    def filter_(v: Any, run: Run) -> Value:
        t = target(v, run)
        if t is None:
            return None
        items = t if type(t) is list else [t]
        if static_index:
            return _pick(items, condition(v, run), span, run)
        run.step(len(items), span)
        kept: list[Value] = []
        for raw in items:
            item = norm(raw)
            result = condition(ItemLayer(item, v), run)
            if result is True:
                kept.append(item)
            elif type(result) is Decimal and not kept:
                return _pick(items, result, span, run)
            elif result is not False and result is not None:
                run.report("E_TYPE_MISMATCH", "a filter condition must be true or false", span,
                           zh_cn="筛选条件必须为 `true` 或 `false`")  # fmt: skip
        return kept

    return filter_


def _pick(items: list[Value], index: Value, span: Any, run: Run) -> Value:
    if type(index) is not Decimal or index != index.to_integral_value():
        run.report("E_TYPE_MISMATCH", "a list index must be a whole number", span,
                   zh_cn="列表位置必须是整数")  # fmt: skip
        return None
    position = int(index)
    if position == 0 or abs(position) > len(items):
        return None
    return norm(items[position - 1 if position > 0 else position])


# ---------------------------------------------------------------- calls


def _call(compiler: Compiler, node: Call) -> Fn:
    if node.function in compiler.callable_names:
        try:
            builtin: Fn | None = _builtin_call(compiler, node)
        except ExprCheckError:
            builtin = None
        return compile_value_call(compiler, node, builtin)
    return _builtin_call(compiler, node)


def _builtin_call(compiler: Compiler, node: Call) -> Fn:
    spec = compiler.registry.lookup(node.function)
    if spec is None:
        error = BindError("E_UNKNOWN_FUNCTION", f"unknown function `{node.function}`",
                          zh_cn=f"未知函数 `{node.function}`")  # fmt: skip
        raise compiler.bind_error(error, node.span)
    try:
        binding = compiler.registry.bind(spec, node.args)
    except BindError as exc:
        raise compiler.bind_error(exc, node.span) from None
    args = tuple(compiler.compile(a.value) for a in node.args)
    if spec.lazy:
        return _lazy_call(spec, binding, args, node)
    call = _eager_call(spec, binding, args, node)
    literals = all(isinstance(a.value, Number | String | Boolean | Temporal) for a in node.args)
    if literals and node.args and not spec.uses_clock:
        return _folded(call) or call
    return call


def _lazy_call(spec: FunctionSpec, binding: Binding, args: tuple[Fn, ...], node: Call) -> Fn:
    plan = [
        (param, slot)
        for param, slot in zip(binding.signature.params, binding.slots, strict=True)
        if not isinstance(slot, tuple)
    ]
    evaluate = binding.signature.evaluate
    checker = _ArgumentChecker(spec, node.span)

    def lazy_call(v: Any, run: Run) -> Value:
        thunks = [
            None if slot is None else _thunk(args[slot], v, run, checker, param)
            for param, slot in plan
        ]
        return evaluate(*thunks)

    return lazy_call


def _thunk(
    fn: Fn, v: Any, run: Run, checker: _ArgumentChecker, param: Param
) -> Callable[[], Value]:
    """Evaluate an argument only when the function asks for it (kind-checked like others)."""

    def force() -> Value:
        value = singleton_unwrapped(param, fn(v, run))
        return value if checker.accepts(param, value, run) else None

    return force


def _eager_call(spec: FunctionSpec, binding: Binding, args: tuple[Fn, ...], node: Call) -> Fn:
    signature = binding.signature
    plan = tuple(zip(signature.params, binding.slots, strict=True))
    evaluate = signature.evaluate
    span = node.span
    checker = _ArgumentChecker(spec, span)
    if signature.spread_list and () in binding.slots:
        return _no_arguments  # `all()`: a list function given no list at all

    def finish(result: Value, run: Run) -> Value:
        if type(result) is list:
            run.check_list(result, span)
        return result

    def fail(exc: FunctionError, run: Run) -> Value:
        zh_cn = None if exc.zh_cn is None else f"{spec.name}：{exc.zh_cn}"
        run.report(exc.code, f"{spec.name}: {exc.message}", span, zh_cn=zh_cn)
        return None

    resume = _resumer(plan, signature, args, checker, (finish, fail))

    if spec.uses_clock:
        return lambda v, run: resume(v, run, [run.context], 0, _UNSET)
    fast = specialised_call(spec, binding, args, Calls(evaluate, finish, fail, resume))
    if fast is not None:
        return fast
    return lambda v, run: resume(v, run, [], 0, _UNSET)


_FOLDABLE_RESULTS = frozenset({Decimal, str, bool, date, datetime, time, timedelta, YearsMonths})


def _folded(call: Fn) -> Fn | None:
    """A call of a pure built-in on literals (`duration("P30D")`, `date("2024-01-01")`) made a
    constant, when it gives a scalar without any diagnostic; otherwise it stays a call, so a
    failing call still reports on every evaluation."""
    run = Run(EMPTY_CONTEXT)
    try:
        with localcontext(DECIMAL_CONTEXT):
            value = call(_NO_VARIABLES, run)
    except Exception:  # the general path reports it on every evaluation
        return None
    if run.diagnostics or type(value) not in _FOLDABLE_RESULTS:
        return None

    def constant(v: Any, run: Run) -> Value:
        return value

    return constant


def _resumer(
    plan: tuple[tuple[Param, int | tuple[int, ...] | None], ...], signature: Signature,
    args: tuple[Fn, ...], checker: _ArgumentChecker, calls: tuple[Finish, Fail],
) -> Resume:  # fmt: skip
    """The general call closure, able to continue at a parameter whose raw value is known."""
    evaluate = signature.evaluate
    finish, fail = calls

    def resume(v: Any, run: Run, values: list[Value], start: int, pending: Value) -> Value:
        """The plan from parameter `start` on; `pending` is its raw value, if already known."""
        known = start if pending is not _UNSET else -1
        for index in range(start, len(plan)):
            param, slot = plan[index]
            if slot is None:
                values.append(None)
                continue
            if isinstance(slot, tuple):
                value: Value = pending if index == known else [args[i](v, run) for i in slot]
                if signature.spread_list and len(slot) == 1 and type(value[0]) is list:
                    value = [norm(x) for x in value[0]]
            else:
                value = singleton_unwrapped(
                    param, pending if index == known else args[slot](v, run)
                )
            if not checker.accepts(param, value, run):
                return None
            values.append(value)
        try:
            return finish(evaluate(*values), run)
        except FunctionError as exc:
            return fail(exc, run)

    return resume


def singleton_unwrapped(param: Param, value: Value) -> Value:
    """DMN 1.5 §10.3.2.9.4: a singleton list passed where a parameter expects a single value of
    a kind (not a list, not any kind) is its element: `upper case(people[id = 7].name)`."""
    if type(value) is not list or len(value) != 1 or not param.accepts or param.rest:
        return value
    if LIST in param.accepts:
        return value
    item = norm(value[0])
    return item if item is None or kind_of(item) in param.accepts else value


def _no_arguments(v: Any, run: Run) -> Value:
    return None


class _ArgumentChecker:
    """Null propagation and kind checks of one argument (possibly a rest list)."""

    def __init__(self, spec: FunctionSpec, span: Any) -> None:
        self.spec = spec
        self.span = span
        self.propagate = spec.propagate_null

    def accepts(self, param: Param, value: Value, run: Run) -> bool:
        if param.rest:
            return all(self._one(param, item, run) for item in value)
        return self._one(param, value, run)

    def _one(self, param: Param, value: Value, run: Run) -> bool:
        if value is None:
            # Null for an optional parameter means "absent" (`substring(s, 2, null)`).
            return param.optional or not self.propagate
        if param.accepts and kind_of(value) not in param.accepts:
            wanted = " or ".join(sorted(param.accepts))
            message = (
                f"`{self.spec.name}` expects {wanted} for `{param.name}`, not a {kind_of(value)}"
            )
            wanted_zh = "或".join(zh_kind(kind) for kind in sorted(param.accepts))
            zh_cn = (
                f"`{self.spec.name}` 的参数 `{param.name}` 需要{wanted_zh}，"
                f"不能是{zh_kind(kind_of(value))}"
            )
            run.report("E_ARGUMENT_TYPE", message, self.span, zh_cn=zh_cn)
            return False
        return True
