"""Specialised closures for calls of built-ins, the hot shapes of form formulas and rules.

The general call closure (`compile_access`) walks the binding plan, checks each argument's kind
with `kind_of` and builds an argument list on every evaluation. For a call whose parameters are
each bound to exactly one argument (`upper case(name)`, `substring(code, 1, 2)`, `not(pep)`) or
a single list spread over a rest parameter (`sum(items)`), the closures here test each argument's
exact type against a set decided at compile time and call the evaluator directly. Anything else
(null, a wrong kind, a function value, an input needing normalisation) resumes the general
closure at that argument with the values already computed, so arguments are evaluated once, in
the same order, with the same diagnostics. This module must not use `eval`/`exec`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import values as vals
from brickwork.engines.expr.fastpaths import exact
from brickwork.engines.expr.functions import Binding, FunctionError, FunctionSpec, Param
from brickwork.engines.expr.runtime import Fn, Run
from brickwork.engines.expr.values import RangeValue, Value, YearsMonths

TYPES_BY_KIND: dict[str, frozenset[type]] = {
    vals.NUMBER: frozenset({Decimal}),
    vals.STRING: frozenset({str}),
    vals.BOOLEAN: frozenset({bool}),
    vals.DATE: frozenset({date}),
    vals.DATETIME: frozenset({datetime}),
    vals.TIME: frozenset({time}),
    vals.DT_DURATION: frozenset({timedelta}),
    vals.YM_DURATION: frozenset({YearsMonths}),
    vals.LIST: frozenset({list}),
    vals.CONTEXT: frozenset({dict}),
    vals.RANGE: frozenset({RangeValue}),
}
"""The exact runtime types of each kind (`values.kind_of` of a value of the type)."""

ANY_VALUE: frozenset[type] = vals.NATIVE_TYPES - {type(None)}
"""What a parameter accepting any kind takes on the fast path (null goes the general way)."""

Resume = Callable[[Any, Run, list[Value], int, Value], Value]
"""`(variables, run, checked values, index of the next parameter, its value)`: the general
call closure, continuing at a parameter whose argument is already evaluated."""

Apply = Callable[..., Value]
Finish = Callable[[Value, Run], Value]
"""The general closure's checks of a result (list sizes), returning the result."""
Fail = Callable[[FunctionError, Run], Value]
"""The general closure's report of a `FunctionError`: null plus a diagnostic."""


def accepted_types(param: Param) -> frozenset[type] | None:
    """The exact types that pass `param`'s kind check, or None when a kind has no exact type."""
    if not param.accepts:
        return ANY_VALUE
    found: set[type] = set()
    for kind in param.accepts:
        types = TYPES_BY_KIND.get(kind)
        if types is None:
            return None
        found |= types
    return frozenset(found)


class Calls:
    """How a specialised call finishes: `evaluate` (the signature's evaluator), `finish` and
    `fail` (what the general closure does with a result or a `FunctionError`) and `resume`."""

    __slots__ = ("evaluate", "fail", "finish", "resume")

    def __init__(self, evaluate: Apply, finish: Finish, fail: Fail, resume: Resume) -> None:
        self.evaluate = evaluate
        self.finish = finish
        self.fail = fail
        self.resume = resume


def specialised_call(
    spec: FunctionSpec, binding: Binding, args: Sequence[Fn], calls: Calls
) -> Fn | None:
    """A specialised closure (see `fastcalls`) when every parameter takes one argument (optional
    ones left out at the end are null, as the general closure passes them), or the only
    parameter spreads one list argument; None otherwise."""
    params, slots = binding.signature.params, binding.slots
    if binding.signature.spread_list and len(params) == 1 and slots == ((0,),):
        return fast_spread(params[0], args[0], calls, nulls=not spec.propagate_null)
    omitted = 0
    while omitted < len(slots) and slots[len(slots) - 1 - omitted] is None:
        omitted += 1
    ordered: list[Fn] = []
    for slot in slots[: len(slots) - omitted]:
        if not isinstance(slot, int):
            return None
        ordered.append(args[slot])
    if omitted:
        calls = Calls(_with_nulls(calls.evaluate, omitted), calls.finish, calls.fail, calls.resume)
    return fast_call(params[: len(params) - omitted], ordered, calls)


def _with_nulls(evaluate: Apply, count: int) -> Apply:
    nulls = (None,) * count

    def with_nulls(*values: Value) -> Value:
        return evaluate(*values, *nulls)

    return with_nulls


def fast_call(params: Sequence[Param], args: Sequence[Fn], calls: Calls) -> Fn | None:
    """A specialised closure for one to three parameters each bound to one argument (in
    parameter order), or None."""
    if not 1 <= len(params) <= 3 or len(args) != len(params):
        return None
    types: list[frozenset[type]] = []
    for param in params:
        accepted = accepted_types(param)
        if accepted is None or param.rest:
            return None
        types.append(accepted)
    if len(params) == 1:
        return _call1(args[0], types[0], calls)
    if len(params) == 2:
        return _call2(args, types, calls)
    return _call3(args, types, calls)


def _call1(f: Fn, t: frozenset[type], calls: Calls) -> Fn:
    evaluate, finish, fail, resume = calls.evaluate, calls.finish, calls.fail, calls.resume

    def call1(v: Any, run: Run) -> Value:
        a = f(v, run)
        if type(a) in t:
            try:
                result = evaluate(a)
                return result if type(result) is not list else finish(result, run)
            except FunctionError as exc:
                return fail(exc, run)
        return resume(v, run, [], 0, a)

    return call1


def _call2(args: Sequence[Fn], types: list[frozenset[type]], calls: Calls) -> Fn:
    evaluate, finish, fail, resume = calls.evaluate, calls.finish, calls.fail, calls.resume
    f, g = args
    t, u = types

    def call2(v: Any, run: Run) -> Value:
        a = f(v, run)
        if type(a) not in t:
            return resume(v, run, [], 0, a)
        b = g(v, run)
        if type(b) not in u:
            return resume(v, run, [a], 1, b)
        try:
            result = evaluate(a, b)
            return result if type(result) is not list else finish(result, run)
        except FunctionError as exc:
            return fail(exc, run)

    return call2


def _call3(args: Sequence[Fn], types: list[frozenset[type]], calls: Calls) -> Fn:
    evaluate, finish, fail, resume = calls.evaluate, calls.finish, calls.fail, calls.resume
    f, g, h = args
    t, u, w = types

    def call3(v: Any, run: Run) -> Value:
        a = f(v, run)
        if type(a) not in t:
            return resume(v, run, [], 0, a)
        b = g(v, run)
        if type(b) not in u:
            return resume(v, run, [a], 1, b)
        c = h(v, run)
        if type(c) not in w:
            return resume(v, run, [a, b], 2, c)
        try:
            result = evaluate(a, b, c)
            return result if type(result) is not list else finish(result, run)
        except FunctionError as exc:
            return fail(exc, run)

    return call3


def fast_spread(param: Param, arg: Fn, calls: Calls, *, nulls: bool) -> Fn | None:
    """`sum(items)`: one list argument spread over the only (rest) parameter. Items that are
    ints or floats from caller input are made exact as `values.norm` would; `nulls` says whether
    a null item reaches the evaluator (functions that do not propagate nulls)."""
    accepted = accepted_types(param)
    if accepted is None:
        return None
    types = accepted | {type(None)} if nulls else accepted
    evaluate, finish, fail, resume = calls.evaluate, calls.finish, calls.fail, calls.resume

    def spread(v: Any, run: Run) -> Value:
        value = arg(v, run)
        if type(value) is list:
            items = []
            for x in value:
                if type(x) not in types:
                    x = exact(x)
                    if type(x) not in types:
                        return resume(v, run, [], 0, [value])
                items.append(x)
            try:
                result = evaluate(items)
                return result if type(result) is not list else finish(result, run)
            except FunctionError as exc:
                return fail(exc, run)
        return resume(v, run, [], 0, [value])

    return spread
