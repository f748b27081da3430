"""The function registry: every callable name of the language, as data.

A `FunctionSpec` holds the canonical name, aliases (Excel spellings), one or more signatures
(parameters with accepted kinds, evaluator, result type), the SQL form name if the function can
be pushed down, bilingual documentation and examples that double as tests. Names are looked up
case-insensitively with spaces normalised. Evaluators are pure functions of runtime values: they
raise `FunctionError` for bad input and must never touch the clock (clock-using functions get
the `EvaluationContext` passed in), the environment, Python attributes or `eval`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from brickwork.engines.expr.datatypes import ANY, ExprType
from brickwork.engines.expr.syntax import Arg
from brickwork.engines.expr.values import Value


class FunctionError(Exception):
    """A function got arguments it cannot work with; the call yields null plus a diagnostic."""

    def __init__(self, message: str, code: str = "E_FUNCTION", *, zh_cn: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.zh_cn = zh_cn


ReturnRule = ExprType | Callable[[Sequence[ExprType]], ExprType]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    accepts: frozenset[str] = frozenset()
    """Accepted value kinds (`values.NUMBER`, ...); empty means any kind."""
    optional: bool = False
    rest: bool = False
    """Collects all remaining positional arguments into one list."""


@dataclass(frozen=True, slots=True)
class Signature:
    params: tuple[Param, ...]
    evaluate: Callable[..., Value]
    returns: ReturnRule = ANY
    spread_list: bool = False
    """With a single list argument, the list itself is the `rest` parameter (`sum([1, 2])`)."""
    positional: bool = True
    """Whether positional calls may bind here; forms that differ only in the kinds of their
    arguments (`before(point, range)`, `before(range, point)`) share one positional signature
    that looks at the kinds, and keep a named-only signature each."""
    named: bool = True
    """Whether calls with named arguments may bind here."""

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional and not p.rest)

    @property
    def max_args(self) -> int | None:
        return None if any(p.rest for p in self.params) else len(self.params)

    def result_type(self, args: Sequence[ExprType]) -> ExprType:
        return self.returns if isinstance(self.returns, ExprType) else self.returns(args)

    def describe(self, name: str) -> str:
        parts = []
        for p in self.params:
            text = p.name + ("..." if p.rest else "")
            parts.append(f"[{text}]" if p.optional else text)
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class Example:
    source: str
    result: str
    """The expected value as canonical literal text (`values.literal_text`)."""


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    category: str
    signatures: tuple[Signature, ...]
    doc_en: str
    doc_zh: str
    examples: tuple[Example, ...]
    aliases: tuple[str, ...] = ()
    propagate_null: bool = True
    """A null argument makes the result null without calling the evaluator."""
    lazy: bool = False
    """The evaluator receives zero-argument thunks instead of values (`IF`)."""
    uses_clock: bool = False
    """The evaluator receives the `EvaluationContext` as its first argument."""
    sql: str | None = None
    """Name of the SQL form in `sql.SQL_FUNCTIONS`, when the function can be pushed down."""
    notes: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def normalise(name: str) -> str:
    return " ".join(name.split()).lower()


@dataclass(frozen=True, slots=True)
class Binding:
    """How the arguments of one call map onto one signature (decided at compile time)."""

    signature: Signature
    slots: tuple[int | tuple[int, ...] | None, ...]
    """Per parameter: an argument index, a tuple of indexes (rest), or None (omitted)."""


class BindError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        hint: str | None = None,
        *,
        zh_cn: str | None,
        hint_zh_cn: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.zh_cn = zh_cn
        self.hint_zh_cn = hint_zh_cn


class Registry:
    def __init__(self, specs: Iterable[FunctionSpec]) -> None:
        self.specs: tuple[FunctionSpec, ...] = tuple(specs)
        self._by_name: dict[str, FunctionSpec] = {}
        for spec in self.specs:
            for name in spec.names:
                key = normalise(name)
                if self._by_name.get(key, spec) is not spec:
                    raise ValueError(f"function name `{name}` registered twice")
                self._by_name[key] = spec
        self._bindings: dict[tuple[str, tuple[str | None, ...]], Binding] = {}

    def lookup(self, name: str) -> FunctionSpec | None:
        return self._by_name.get(normalise(name))

    @property
    def all_names(self) -> tuple[str, ...]:
        return tuple(name for spec in self.specs for name in spec.names)

    def bind(self, spec: FunctionSpec, args: Sequence[Arg]) -> Binding:
        """How `args` map onto one of the signatures of `spec`; raises `BindError`.

        A binding depends only on the function and the argument names (or count), so it is
        worked out once: both the checker and the compiler ask for it on every compile."""
        key = (spec.name, tuple(a.name for a in args))
        found = self._bindings.get(key)
        if found is None:
            found = self._bind(spec, args)
            self._bindings[key] = found
        return found

    def _bind(self, spec: FunctionSpec, args: Sequence[Arg]) -> Binding:
        named = [a for a in args if a.name is not None]
        if named and len(named) != len(args):
            raise BindError(
                "E_MIXED_ARGUMENTS",
                f"`{spec.name}` mixes positional and named arguments",
                "use either all positional or all named arguments",
                zh_cn=f"`{spec.name}` 混用了按位置和按名称传递的参数",
                hint_zh_cn="请全部按位置传参，或全部按名称传参",
            )
        binder = _bind_named if named else _bind_positional
        signatures = spec.signatures
        if named:
            # `before(range: r, point: p)` and `before(point: p, range: r)` name the same
            # parameters; the written order picks the form.
            written = [normalise(a.name or "") for a in args]
            signatures = tuple(sorted(signatures, key=lambda s: not _in_order(s, written)))
        for signature in signatures:
            binding = binder(signature, args)
            if binding is not None:
                return binding
        forms = list(dict.fromkeys(s.describe(spec.name) for s in spec.signatures))
        usage = " or ".join(forms)
        usage_zh = f"用法：{' 或 '.join(forms)}"
        if named:
            names = ", ".join(f"`{a.name}`" for a in named)
            message = f"`{spec.name}` has no signature with the arguments {names}"
            names_zh = "、".join(f"`{a.name}`" for a in named)
            raise BindError(
                "E_ARGUMENT_NAME", message, f"usage: {usage}",
                zh_cn=f"`{spec.name}` 没有接受参数 {names_zh} 的用法", hint_zh_cn=usage_zh,
            )  # fmt: skip
        count = len(args)
        plural = "argument" if count == 1 else "arguments"
        message = f"`{spec.name}` does not take {count} {plural}"
        raise BindError(
            "E_ARGUMENT_COUNT", message, f"usage: {usage}",
            zh_cn=f"`{spec.name}` 不接受 {count} 个参数", hint_zh_cn=usage_zh,
        )  # fmt: skip


def _in_order(signature: Signature, written: list[str]) -> bool:
    order = [normalise(p.name) for p in signature.params]
    positions = [order.index(name) for name in written if name in order]
    return positions == sorted(positions)


def _bind_positional(signature: Signature, args: Sequence[Arg]) -> Binding | None:
    if not signature.positional:
        return None
    count = len(args)
    maximum = signature.max_args
    if count < signature.min_args or (maximum is not None and count > maximum):
        return None
    slots: list[int | tuple[int, ...] | None] = []
    for index, param in enumerate(signature.params):
        if param.rest:
            slots.append(tuple(range(index, count)))
        else:
            slots.append(index if index < count else None)
    return Binding(signature, tuple(slots))


def _bind_named(signature: Signature, args: Sequence[Arg]) -> Binding | None:
    if not signature.named:
        return None
    positions = {normalise(a.name or ""): i for i, a in enumerate(args)}
    params = {normalise(p.name): p for p in signature.params}
    if not set(positions) <= set(params):
        return None
    slots: list[int | tuple[int, ...] | None] = []
    for param in signature.params:
        found = positions.get(normalise(param.name))
        if found is None and not param.optional and not param.rest:
            return None
        if param.rest:
            slots.append(() if found is None else (found,))
        else:
            slots.append(found)
    return Binding(signature, tuple(slots))


# ---------------------------------------------------------------- declaration helpers

KIND_ALIASES: dict[str, frozenset[str]] = {
    "any": frozenset(),
    "number": frozenset({"number"}),
    "string": frozenset({"string"}),
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
    "time": frozenset({"time"}),
    "datetime": frozenset({"date and time"}),
    "temporal": frozenset({"date", "date and time"}),
    "list": frozenset({"list"}),
    "context": frozenset({"context"}),
    "dtduration": frozenset({"days and time duration"}),
    "duration": frozenset({"days and time duration", "years and months duration"}),
}


def sig(
    params: str,
    evaluate: Callable[..., Value],
    returns: ReturnRule = ANY,
    *,
    spread_list: bool = False,
    positional: bool = True,
    named: bool = True,
) -> Signature:
    """Declare a signature from text: `"string: string, start position: number, length?: number"`.

    `name?` marks an optional parameter, `name...` a rest parameter; kinds come from
    `KIND_ALIASES` and may be joined with `|`.
    """
    parsed: list[Param] = []
    for chunk in filter(None, (c.strip() for c in params.split(","))):
        name, _, kinds = (part.strip() for part in chunk.partition(":"))
        accepts: frozenset[str] = frozenset()
        for kind in filter(None, kinds.split("|")):
            accepts |= KIND_ALIASES[kind.strip()]
        optional = name.endswith("?")
        rest = name.endswith("...")
        name = name.rstrip("?.")
        parsed.append(Param(name, accepts, optional, rest))
    return Signature(tuple(parsed), evaluate, returns, spread_list, positional, named)


def ex(source: str, result: str) -> Example:
    return Example(source, result)
