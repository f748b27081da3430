"""Evaluation-time support for compiled closures: the per-evaluation `Run`, scope layers, and
the slow paths shared by operators (value normalisation, missing names, type diagnostics).

A compiled closure has the signature `(variables, run) -> value`. `variables` is any mapping
(only `.get` is used; no attribute access); `run` collects diagnostics and counts iteration
steps. This module must not parse, must not read the clock (the context carries it) and must
not let a Python exception escape `Evaluation`-returning entry points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from brickwork.engines.expr import limits as limit_codes
from brickwork.engines.expr.diagnostics import Diagnostic, EvaluationAborted, Span
from brickwork.engines.expr.environment import EvaluationContext
from brickwork.engines.expr.values import NATIVE_TYPES, UnsupportedValue, Value, to_value


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Returned by `.get` for names that have no value at all (distinct from null)."""


class Evaluation(NamedTuple):
    """The result of one evaluation: a value (possibly null) and what went wrong, if anything."""

    value: Value
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.diagnostics


class Run:
    """Mutable state of one evaluation. Created per `evaluate` call; never shared."""

    __slots__ = ("calls", "context", "diagnostics", "steps")

    def __init__(self, context: EvaluationContext) -> None:
        self.context = context
        self.diagnostics: list[Diagnostic] = []
        self.steps = 0
        self.calls = 0
        """How deep calls of function values are nested right now."""

    def report(self, code: str, message: str, span: Span, *, zh_cn: str | None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, zh_cn=zh_cn))

    def step(self, count: int, span: Span) -> None:
        self.steps += count
        if self.steps > self.context.limits.max_steps:
            limit = self.context.limits.max_steps
            message = f"the evaluation took more than {limit} steps"
            zh_cn = f"计算超过了 {limit} 步的上限"
            raise EvaluationAborted(
                Diagnostic(limit_codes.TOO_MANY_STEPS, message, span, zh_cn=zh_cn)
            )

    def check_list(self, items: list[Value], span: Span) -> list[Value]:
        self.check_size(len(items), span)
        return items

    def check_size(self, size: int, span: Span) -> None:
        if size > self.context.limits.max_list_size:
            limit = self.context.limits.max_list_size
            message = f"a list has more than {limit} elements"
            zh_cn = f"列表的元素超过了 {limit} 个的上限"
            raise EvaluationAborted(
                Diagnostic(limit_codes.LIST_TOO_LONG, message, span, zh_cn=zh_cn)
            )

    def check_text(self, text: str, span: Span) -> str:
        if len(text) > self.context.limits.max_string_length:
            limit = self.context.limits.max_string_length
            message = f"a text is longer than {limit} characters"
            zh_cn = f"文本超过了 {limit} 个字符的上限"
            raise EvaluationAborted(
                Diagnostic(limit_codes.STRING_TOO_LONG, message, span, zh_cn=zh_cn)
            )
        return text


Fn = Callable[[Any, Run], Value]


def resolve(value: object, name: str | None, span: Span, run: Run) -> Value:
    """Normalise a value read from variables; report missing names and unsupported values."""
    if type(value) in NATIVE_TYPES:
        return value
    if value is MISSING:
        if name is not None:
            message = f"no value named `{name}`"
            run.report("E_UNDEFINED_NAME", message, span, zh_cn=f"没有名为 `{name}` 的值")
        return None
    try:
        return to_value(value)
    except UnsupportedValue as exc:
        run.report("E_UNSUPPORTED_VALUE", str(exc), span, zh_cn=exc.zh_cn)
        return None


class Layer(Mapping[str, Any]):
    """One bound name (an iteration variable or `?`) in front of the enclosing variables."""

    __slots__ = ("name", "parent", "value")

    def __init__(self, name: str, value: Value, parent: Mapping[str, Any]) -> None:
        self.name = name
        self.value = value
        self.parent = parent

    def get(self, key: str, default: Any = None) -> Any:
        if key == self.name:
            return self.value
        return self.parent.get(key, default)

    def __getitem__(self, key: str) -> Any:
        found = self.get(key, MISSING)
        if found is MISSING:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        yield self.name
        yield from (k for k in self.parent if k != self.name)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class ItemLayer(Layer):
    """Inside a filter `list[condition]`: the item's own keys, then `item`, then the outside.
    A context element's entries are in scope (DMN 1.5 §10.3.2.5), so an entry named `item`
    shadows the implicit `item`."""

    __slots__ = ()

    def __init__(self, item: Value, parent: Mapping[str, Any]) -> None:
        super().__init__("item", item, parent)

    def get(self, key: str, default: Any = None) -> Any:
        item = self.value
        if type(item) is dict and key in item:
            return item[key]
        if key == "item":
            return item
        return self.parent.get(key, default)

    def __iter__(self) -> Iterator[str]:
        keys = ["item", *(self.value if type(self.value) is dict else ())]
        yield from keys
        yield from (k for k in self.parent if k not in keys)
