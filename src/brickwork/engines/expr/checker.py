"""Static checking of an AST against a `Scope`: names, function signatures and types.

The checker infers a static type for every node and reports design-time errors with line,
column and a suggestion: unknown names ("did you mean `amount`?"), unknown functions, wrong
argument counts or kinds, impossible comparisons (a date with a number), non-boolean
conditions. Unknown types (`any`) are accepted; the evaluator handles them at run time. This
module must not evaluate expressions (except operator tables on fixed sample values at import).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, assert_never

from brickwork.engines.bilingual import Words
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.check_functions import (
    check_function_value,
    check_value_call,
    function_params,
)
from brickwork.engines.expr.check_operators import check_operator, check_test, sample_value
from brickwork.engines.expr.compile_access import PROPERTIES
from brickwork.engines.expr.diagnostics import Diagnostic, Span
from brickwork.engines.expr.functions import BindError, Param, Registry
from brickwork.engines.expr.library import REGISTRY
from brickwork.engines.expr.syntax import (
    Arith,
    Between,
    Boolean,
    Call,
    Compare,
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
    UnaryTests,
)
from brickwork.engines.expr.values import RangeValue
from brickwork.engines.expr.words import zh_kind, zh_type

ExprType = t.ExprType


@dataclass(frozen=True)
class Scope:
    """What an expression may refer to: fields with types, `$user`, extra `$names`, and `?`."""

    fields: Mapping[str, ExprType] = field(default_factory=dict)
    user: ExprType = t.ANY_CONTEXT
    extra: Mapping[str, ExprType] = field(default_factory=dict)
    input: ExprType | None = None
    """The type of `?` in unary tests (None: `?` is not available)."""

    @classmethod
    def of(
        cls,
        fields: Mapping[str, ExprType | str | Mapping[str, object]],
        *,
        user: ExprType | str | Mapping[str, object] = t.ANY_CONTEXT,
        extra: Mapping[str, ExprType | str] | None = None,
    ) -> Scope:
        """Build a scope from friendly type names: `{"amount": "number", "items": {...}}`."""
        return cls(
            fields={k: t.as_type(s) for k, s in fields.items()},
            user=t.as_type(user),
            extra={k: t.as_type(s) for k, s in (extra or {}).items()},
        )

    def with_input(self, input_type: ExprType) -> Scope:
        # A decision table asks again for every cell of a column: keep one scope per type.
        cells: dict[ExprType, Scope] = self.__dict__.setdefault("_cells", {})
        scope = cells.get(input_type)
        if scope is None:
            scope = cells[input_type] = Scope(self.fields, self.user, self.extra, input_type)
            if "known_names" in self.__dict__:
                scope.__dict__["known_names"] = self.known_names
        return scope

    def lookup(self, name: str) -> ExprType | None:
        if name == "?":
            return self.input
        if name in ("$now",):
            return t.DATETIME
        if name == "$today":
            return t.DATE
        if name == "$user":
            return self.user
        if name.startswith("$"):
            return self.extra.get(name[1:])
        return self.fields.get(name)

    def names(self) -> list[str]:
        return [*self.fields, "$now", "$today", "$user", *(f"${k}" for k in self.extra)]

    @cached_property
    def known_names(self) -> frozenset[str]:
        """Every name an expression may write here, nested context keys included: what the
        parser needs to read names with spaces (`Monthly Income`, `Customer.Credit Score`)."""
        found: set[str] = set(self.fields)
        pending = [*self.fields.values(), self.user, *self.extra.values()]
        while pending:
            current = pending.pop()
            if current.item is not None:
                pending.append(current.item)
            for key, inner in current.fields or ():
                if key not in found:
                    found.add(key)
                    pending.append(inner)
        return frozenset(found)


@dataclass(frozen=True)
class CheckResult:
    type: ExprType
    diagnostics: tuple[Diagnostic, ...]
    types: Mapping[int, ExprType]
    """Static type of every node, keyed by `id(node)` (valid while the tree is alive)."""

    @property
    def ok(self) -> bool:
        return not self.diagnostics


_Locals = Mapping[str, ExprType]


class Checker:
    def __init__(self, scope: Scope, *, registry: Registry = REGISTRY) -> None:
        self.scope = scope
        self.registry = registry
        self.diagnostics: list[Diagnostic] = []
        self.types: dict[int, ExprType] = {}

    def run(self, node: Expr) -> CheckResult:
        result = self.check(node, {})
        return CheckResult(result, tuple(self.diagnostics), self.types)

    def run_unary(self, tests: UnaryTests) -> CheckResult:
        input_type = self.scope.input or t.ANY
        for test in tests.tests:
            self.test(input_type, test, {})
        return CheckResult(t.BOOLEAN, tuple(self.diagnostics), self.types)

    def error(
        self,
        code: str,
        message: str,
        span: Span,
        hint: str | None = None,
        *,
        zh_cn: str | None,
        hint_zh_cn: str | None = None,
    ) -> ExprType:
        diagnostic = Diagnostic(code, message, span, hint, zh_cn=zh_cn, hint_zh_cn=hint_zh_cn)
        self.diagnostics.append(diagnostic)
        return t.ANY

    def unknown(
        self, code: str, said: Words, span: Span, name: str, candidates: Sequence[str]
    ) -> ExprType:
        """`name` is unknown (`said`): the closest of `candidates`, if any, is the hint."""
        hint = suggest(name, candidates)
        if hint is None:
            return self.error(code, said.en, span, zh_cn=said.zh_cn)
        return self.error(code, said.en, span, hint.en, zh_cn=said.zh_cn, hint_zh_cn=hint.zh_cn)

    def check(self, node: Expr, local: _Locals) -> ExprType:
        result: ExprType = _INFER[type(node)](self, node, local)
        self.types[id(node)] = result
        return result

    # ------------------------------------------------------------ names and access

    def _name(self, node: Name, local: _Locals) -> ExprType:
        if node.name in local:
            return local[node.name]
        found = self.scope.lookup(node.name)
        if found is not None:
            return found
        if "*" in local:  # inside a filter over items of unknown shape
            return t.ANY
        candidates = [*local, *self.scope.names()]
        if node.name == "?":
            return self.error("E_UNKNOWN_NAME", "`?` is only available in decision-table cells",
                              node.span, zh_cn="`?` 只能在决策表单元格中使用")  # fmt: skip
        said = Words(f"未知名称 `{node.name}`", f"unknown name `{node.name}`")
        return self.unknown("E_UNKNOWN_NAME", said, node.span, node.name, candidates)

    def _path_of(self, node: Path, local: _Locals) -> ExprType:
        return self._path(node, self.check(node.target, local))

    def _path(self, node: Path, target: ExprType) -> ExprType:
        if target.kind in ("any", v.NULL):
            return t.ANY
        if target.kind == v.LIST:
            item = target.item or t.ANY
            inner = self._path(node, item) if item.kind != "any" else t.ANY
            return t.list_of(inner)
        if target.kind == v.CONTEXT:
            if target.fields is None:
                return t.ANY
            found = target.field(node.key)
            if found is None:
                said = Words(f"此处没有字段 `{node.key}`", f"`{node.key}` is not a field here")
                names = target.field_names
                return self.unknown("E_UNKNOWN_FIELD", said, node.span, node.key, names)
            return found
        for python_type, properties in PROPERTIES.items():
            if v.kind_of(_python_sample(python_type)) == target.kind and node.key in properties:
                found = properties[node.key](_python_sample(python_type))
                return t.ANY if found is None else t.SCALARS[v.kind_of(found)]
        return self.error("E_NO_PROPERTY", f"a {target} has no property `{node.key}`", node.span,
                          zh_cn=f"{zh_type(target)}没有属性 `{node.key}`")  # fmt: skip

    def _filter(self, node: Filter, local: _Locals) -> ExprType:
        target = self.check(node.target, local)
        item = target.item or t.ANY if target.kind == v.LIST else target
        inner: dict[str, ExprType] = {**local, "item": item}
        if item.kind == v.CONTEXT and item.fields is not None:
            inner.update(dict(item.fields))
        elif item.kind in ("any", v.CONTEXT):
            inner["*"] = t.ANY
        condition = self.check(node.condition, inner)
        if condition.kind == v.NUMBER:
            return item
        if condition.kind not in ("any", v.NULL, v.BOOLEAN):
            self.error("E_NOT_BOOLEAN", f"a filter must be a condition, not a {condition}",
                       node.condition.span,
                       zh_cn=f"筛选必须是条件，不能是{zh_type(condition)}")  # fmt: skip
        return t.list_of(item) if target.kind in (v.LIST, "any") else t.list_of(target)

    def _call(self, node: Call, local: _Locals) -> ExprType:
        bound = local.get(node.function)
        if bound is None:  # not `lookup`: a call does not read a field of the same name
            bound = self.scope.fields.get(node.function)
        is_function = bound is not None and bound.kind == v.FUNCTION
        if is_function or (node.function in local and bound is not None and bound.kind == "any"):
            assert bound is not None
            return check_value_call(self, node.function, bound, node.args, node.span, local)
        arg_types = [self.check(a.value, local) for a in node.args]
        spec = self.registry.lookup(node.function)
        if spec is None and bound is not None and t.is_known(bound):
            return self.error("E_NOT_A_FUNCTION", f"`{node.function}` is a {bound}, not a "
                              "function", node.span,
                              zh_cn=f"`{node.function}` 是{zh_type(bound)}，不是函数")  # fmt: skip
        if spec is None:
            said = Words(f"未知函数 `{node.function}`", f"unknown function `{node.function}`")
            names = list(self.registry.all_names)
            return self.unknown("E_UNKNOWN_FUNCTION", said, node.span, node.function, names)
        try:
            binding = self.registry.bind(spec, node.args)
        except BindError as exc:
            return self.error(
                exc.code, exc.message, node.span, exc.hint, zh_cn=exc.zh_cn,
                hint_zh_cn=exc.hint_zh_cn,
            )  # fmt: skip
        signature = binding.signature
        ordered: list[ExprType] = []
        for param, slot in zip(signature.params, binding.slots, strict=True):
            if slot is None:
                continue
            indexes = slot if isinstance(slot, tuple) else (slot,)
            for index in indexes:
                arg = arg_types[index]
                if (
                    param.rest
                    and signature.spread_list
                    and len(indexes) == 1
                    and arg.kind == v.LIST
                ):
                    arg = arg.item or t.ANY
                elif _may_be_singleton(param, arg):
                    arg = arg.item or t.ANY  # unwrapped at run time if it has one element
                ordered.append(arg)
                if param.accepts and t.is_known(arg) and arg.kind not in param.accepts:
                    wanted = " or ".join(sorted(param.accepts))
                    wanted_zh = "或".join(zh_kind(kind) for kind in sorted(param.accepts))
                    self.error(
                        "E_ARGUMENT_TYPE",
                        f"`{spec.name}` expects {wanted} for `{param.name}`, not a {arg}",
                        node.args[index].value.span,
                        zh_cn=f"`{spec.name}` 的参数 `{param.name}` 需要{wanted_zh}，"
                        f"不能是{zh_type(arg)}",
                    )
        return signature.result_type(arg_types)

    # ------------------------------------------------------------ structures

    def _structure(
        self, node: Range | ListOf | Context | If | For | Quantified, local: _Locals
    ) -> ExprType:
        match node:
            case Range():
                if node.low is None or node.high is None:
                    return self._unbounded_range(node, local)
                low, high = self.check(node.low, local), self.check(node.high, local)
                if (
                    t.is_known(low)
                    and t.is_known(high)
                    and (low.kind != high.kind or low.kind not in v.ORDERED_KINDS)
                ):
                    self.error("E_TYPE_MISMATCH", f"a range cannot go from {low} to {high}",
                               node.span,
                               zh_cn=f"区间不能从{zh_type(low)}到{zh_type(high)}")  # fmt: skip
                return t.range_of(t.unify(low, high))
            case ListOf():
                item = t.NULL
                for element in node.items:
                    item = t.unify(item, self.check(element, local))
                return t.list_of(t.ANY if item == t.NULL else item)
            case Context():
                fields: dict[str, ExprType] = {}
                for key, value in node.entries:
                    if isinstance(value, FunctionDef):  # visible in its own body: recursion
                        fields[key] = t.ExprType(v.FUNCTION, None, function_params(value, None))
                    fields[key] = self.check(value, {**local, **fields})
                return t.context_of(fields)
            case If():
                self.condition(node.condition, local, "if")
                return t.unify(self.check(node.then, local), self.check(node.otherwise, local))
            case For():
                inner = self._iterations(node.iterations, local)
                return t.list_of(self.check(node.body, inner))
            case Quantified():
                inner = self._iterations(node.iterations, local)
                self.condition(node.condition, inner, node.kind)
                return t.BOOLEAN
            case _:
                assert_never(node)

    def _unbounded_range(self, node: Range, local: _Locals) -> ExprType:
        known = node.low if node.low is not None else node.high
        if known is None:
            return self.error("E_TYPE_MISMATCH", "a range needs at least one end", node.span,
                              zh_cn="区间至少需要一个端点")  # fmt: skip
        end = self.check(known, local)
        if t.is_known(end) and end.kind not in v.ORDERED_KINDS:
            self.error("E_TYPE_MISMATCH", f"a range cannot end at a {end}", node.span,
                       zh_cn=f"区间的端点不能是{zh_type(end)}")  # fmt: skip
        return t.range_of(end)

    def _iterations(self, iterations: Sequence[Iteration], local: _Locals) -> _Locals:
        inner = dict(local)
        for it in iterations:
            domain = self.check(it.domain, inner)
            if it.until is not None:
                self.expect(
                    self.check(it.until, inner), t.NUMBER, it.until.span, "a range end", "区间终点"
                )
                self.expect(domain, t.NUMBER, it.domain.span, "a range start", "区间起点")
                inner[it.name] = t.NUMBER
            elif domain.kind in (v.LIST, v.RANGE):
                inner[it.name] = domain.item or t.ANY
            else:
                inner[it.name] = domain if domain.kind != v.NULL else t.ANY
        return inner

    def condition(self, node: Expr, local: _Locals, where: str) -> None:
        found = self.check(node, local)
        if t.is_known(found) and found.kind != v.BOOLEAN:
            where_zh = _WHERE_ZH.get(where, f"`{where}` ")
            self.error("E_NOT_BOOLEAN", f"`{where}` needs a condition (true/false), not a {found}",
                       node.span, zh_cn=f"{where_zh}需要条件（`true`/`false`），"
                       f"不能是{zh_type(found)}")  # fmt: skip

    def expect(
        self, found: ExprType, wanted: ExprType, span: Span, what: str, what_zh: str
    ) -> None:
        """Report `found` unless it fits `wanted`; `what` names the value (`what_zh` in
        Chinese)."""
        if not t.compatible(found, wanted):
            zh_cn = f"{what_zh}必须是{zh_type(wanted)}，不能是{zh_type(found)}"
            self.error("E_TYPE_MISMATCH", f"{what} must be a {wanted}, not a {found}", span,
                       zh_cn=zh_cn)  # fmt: skip

    def test(self, value: ExprType, test: Test, local: _Locals) -> None:
        check_test(self, value, test, local)


_WHERE_ZH: dict[str, str] = {"a test using ?": "使用 `?` 的判断"}
"""The Chinese of a `where` of `Checker.condition` that is not a keyword (a keyword stays in
backticks, followed by a space: `` `if` 需要条件 ``)."""


def _may_be_singleton(param: Param, arg: ExprType) -> bool:
    """A list where a parameter wants a single value of a kind may be a singleton list, which
    a call unwraps (see `compile_access.singleton_unwrapped`)."""
    if arg.kind != v.LIST or param.rest or not param.accepts or v.LIST in param.accepts:
        return False
    return arg.item is None or not t.is_known(arg.item) or arg.item.kind in param.accepts


def _python_sample(python_type: type) -> object:
    if python_type is RangeValue:
        return RangeValue(Decimal(1), Decimal(2))
    for kind in (v.DATE, v.DATETIME, v.TIME, v.DT_DURATION, v.YM_DURATION):
        sample = sample_value(kind)
        if type(sample) is python_type:
            return sample
    raise AssertionError(python_type)  # pragma: no cover - PROPERTIES lists only these types


def _literal_type(
    checker: Checker, node: Number | String | Boolean | Null, local: _Locals
) -> ExprType:
    return _LITERAL_TYPES[type(node)]


def _temporal_type(checker: Checker, node: Temporal, local: _Locals) -> ExprType:
    return t.SCALARS[v.kind_of(node.value)]


_LITERAL_TYPES: dict[type, ExprType] = {
    Number: t.NUMBER,
    String: t.STRING,
    Boolean: t.BOOLEAN,
    Null: t.NULL,
}
_INFER: dict[type, Callable[[Checker, Any, _Locals], ExprType]] = {
    Number: _literal_type,
    String: _literal_type,
    Boolean: _literal_type,
    Null: _literal_type,
    Temporal: _temporal_type,
    Name: Checker._name,
    Path: Checker._path_of,
    Filter: Checker._filter,
    Call: Checker._call,
    Arith: check_operator,
    Negate: check_operator,
    Compare: check_operator,
    Logic: check_operator,
    Between: check_operator,
    In: check_operator,
    Range: Checker._structure,
    ListOf: Checker._structure,
    Context: Checker._structure,
    If: Checker._structure,
    For: Checker._structure,
    Quantified: Checker._structure,
    FunctionDef: check_function_value,
    Invoke: check_function_value,
    InstanceOf: check_function_value,
}
"""How each node type is checked: one dictionary lookup per node (a `match` over the node
classes tests them one by one). Every member of `Expr` has an entry (tests/unit/engines/expr)."""


def suggest(name: str, candidates: Sequence[str]) -> Words | None:
    """'did you mean `x`?' (是否应为 `x`？) for the closest candidate, if any is close enough."""
    found = _closest(name, candidates)
    if found is None:
        return None
    match, case_only = found
    if case_only:
        return Words(
            f"是否应为 `{match}`？（名称区分大小写）",
            f"did you mean `{match}`? (names are case-sensitive)",
        )
    return Words(f"是否应为 `{match}`？", f"did you mean `{match}`?")


def _closest(name: str, candidates: Sequence[str]) -> tuple[str, bool] | None:
    """The candidate closest to `name` and whether it differs only in case; None if none is
    close enough."""
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        return lowered[name.lower()], True
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return lowered[close[0]], False
    return None
