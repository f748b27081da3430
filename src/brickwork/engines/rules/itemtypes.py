"""Types of a decision model: item definitions and FEEL type references, resolved once.

`resolve_types` turns the model's item definitions into `DmnType`s (unknown names, cycles and
malformed definitions become problems with pointers); `TypeResolver.resolve` reads a `type_ref`
(an item definition name first, then a FEEL type such as `list<number>`). At evaluation time
`DmnType.normalise` reads JSON-decoded input (numbers as int/float, temporal values as ISO text)
and `DmnType.coerce` applies DMN 1.5 §10.3.2.9.4: a conforming value is kept, a singleton list
is unwrapped for a non-list type, a value is wrapped for a list type, a date becomes a date and
time at UTC midnight, and anything else becomes null (the caller reports the diagnostic). This
module must not evaluate FEEL text other than the allowed-values cells it compiles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from brickwork.engines.bilingual import NONE, Words, listing
from brickwork.engines.expr import (
    CompiledUnaryTests,
    ExpressionError,
    ExprSyntaxError,
    ExprType,
    compile_unary_tests,
    parse,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.conformance import conforms, static_type, type_problem
from brickwork.engines.expr.syntax import InstanceOf, TypeRef
from brickwork.engines.expr.words import zh_kind
from brickwork.engines.rules.definition import ItemDefinition
from brickwork.engines.rules.problems import ModelProblem, from_diagnostic, problem

_NUMBER_TEXT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _number_text(text: str) -> Decimal:
    """A number sent as a string of digits (the platform's API sends decimals that way)."""
    if _NUMBER_TEXT.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a number")
    return v.norm(Decimal(text))  # type: ignore[no-any-return]


_PARSERS: dict[str, Callable[[str], Any]] = {
    v.NUMBER: _number_text,
    v.DATE: v.parse_date,
    v.TIME: v.parse_time,
    v.DATETIME: v.parse_datetime,
    v.DT_DURATION: v.parse_duration,
    v.YM_DURATION: v.parse_duration,
}


def plain_value(value: object) -> v.Value:
    """A caller value as a runtime value, lists and contexts converted all the way down."""
    value = v.norm(value)
    if type(value) is list:
        return [plain_value(item) for item in value]
    if type(value) is dict:
        return {key: plain_value(item) for key, item in value.items()}
    return value


@dataclass(eq=False)
class DmnType:
    """A resolved type: a FEEL type (`feel`), a structure (`components`) or another type
    (`base`); `collection` makes it a list of that; `allowed` restricts the (element) values."""

    name: str
    feel: TypeRef | None = None
    components: tuple[tuple[str, DmnType], ...] | None = None
    base: DmnType | None = None
    collection: bool = False
    allowed: CompiledUnaryTests | None = None
    static: ExprType = t.ANY

    @property
    def is_list(self) -> bool:
        if self.collection:
            return True
        if self.base is not None:
            return self.base.is_list
        return self.feel is not None and self.feel.name == v.LIST

    @property
    def is_any(self) -> bool:
        return self.feel is not None and self.feel.name == "Any" and self.allowed is None

    def normalise(self, value: object) -> v.Value:
        """Read a JSON-decoded value for this type (ISO text for temporal types); raises
        `UnsupportedValue` for what no expression value can hold (NaN, objects)."""
        if value is None:
            return None
        if self.collection:
            if isinstance(value, list | tuple):
                return [self._normalise_element(item) for item in value]
            return self._normalise_element(value)
        return self._normalise_element(value)

    def _normalise_element(self, value: object) -> v.Value:
        if value is None:
            return None
        if self.base is not None:
            return self.base.normalise(value)
        if self.components is not None:
            if isinstance(value, Mapping):
                known = dict(self.components)
                return {
                    str(key): known[key].normalise(item) if key in known else plain_value(item)
                    for key, item in value.items()
                }
            return plain_value(value)
        feel = self.feel
        if feel is not None:
            if type(value) is str:
                parser = _PARSERS.get(feel.name)
                if parser is not None:
                    try:
                        return parser(value)
                    except (ValueError, v.UnsupportedValue):
                        return value
            if feel.name == v.LIST and feel.args and isinstance(value, list | tuple):
                item = feel_type(feel.args[0])
                return [item.normalise(element) for element in value]
        return plain_value(value)

    def coerce(self, value: v.Value) -> tuple[v.Value, Words | None]:
        """The value converted to this type, or null and why it does not conform (in each
        language)."""
        if value is None or self.is_any:
            return value, None
        if self.collection:
            if type(value) is not list:
                if self._element_problem(value) is None:
                    return [value], None  # to singleton list
                return None, Words(f"应为 {self.name} 的列表", f"expected a list of {self.name}")
            for item in value:
                problem = self._element_problem(item)
                if problem is not None:
                    return None, problem
            return value, None
        return self._coerce_element(value)

    def _coerce_element(self, value: v.Value) -> tuple[v.Value, Words | None]:
        if value is None:
            return None, None
        if self.base is not None:
            value, problem = self.base.coerce(value)
            if problem is not None:
                return None, problem
            return self._allowed(value)
        singleton = type(value) is list and len(value) == 1
        scalar = self.feel is not None and self.feel.name != v.LIST
        if singleton and scalar and self._element_problem(value[0]) is None:
            return self._coerce_element(value[0])  # from singleton list
        if self.feel is not None and self.feel.name == v.LIST and type(value) is not list:
            wrapped, problem = self._coerce_element([value])  # to singleton list
            return (wrapped, None) if problem is None else (None, problem)
        if self.feel is not None and self.feel.name == v.DATETIME and type(value) is date:
            value = datetime.combine(value, time(0, 0, tzinfo=UTC))
        problem = self._element_problem(value)
        return (None, problem) if problem is not None else (value, None)

    def _allowed(self, value: v.Value) -> tuple[v.Value, Words | None]:
        if self.allowed is None or value is None:
            return value, None
        if self.allowed.test(value).value is True:
            return value, None
        text = v.literal_text(value)
        return None, Words(
            f"{text} 不是 {self.name} 允许的取值", f"{text} is not an allowed value of {self.name}"
        )

    def _element_problem(self, value: v.Value) -> Words | None:
        """Why `value` (one element) does not conform; None when it does."""
        if value is None:
            return None
        if self.base is not None:
            _, problem = self.base.coerce(value)
            if problem is None and self.allowed is not None:
                _, problem = self._allowed(value)
            return problem
        if self.components is not None:
            if type(value) is not dict:
                kind = v.kind_of(value)
                return Words(
                    f"应为上下文（{self.name}），不能是{zh_kind(kind)}",
                    f"expected a context ({self.name}), not a {kind}",
                )
            for name, inner in self.components:
                if name not in value:
                    return Words(
                        f"{self.name} 缺少组成部分 `{name}`",
                        f"the component `{name}` of {self.name} is missing",
                    )
                _, problem = inner.coerce(value[name])
                if problem is not None:
                    return Words(f"`{name}`：{problem.zh_cn}", f"`{name}`: {problem.en}")
            return self._allowed(value)[1]
        if self.feel is not None and not conforms(value, self.feel):
            kind = v.kind_of(value)
            return Words(
                f"应为{zh_kind(self.name)}，不能是{zh_kind(kind)}",
                f"expected {self.name}, not a {kind}",
            )
        return self._allowed(value)[1]


def feel_type(ref: TypeRef) -> DmnType:
    """A `DmnType` of a plain FEEL type."""
    return DmnType(ref_text(ref), feel=ref, static=static_type(ref))


def ref_text(ref: TypeRef) -> str:
    from brickwork.engines.expr.printer import format_type

    return format_type(ref)


ANY_TYPE = DmnType("Any", feel=TypeRef("Any"), static=t.ANY)


def parse_feel_type(text: str) -> TypeRef | None:
    """A FEEL type written as text (`number`, `list<string>`), or None when it is not one."""
    try:
        tree = parse(f"x instance of {text}")
    except ExpressionError:
        return None
    if not isinstance(tree, InstanceOf) or type_problem(tree.type) is not None:
        return None
    return tree.type


@dataclass
class TypeResolver:
    """Item definitions by name, resolved on demand; problems collected with pointers."""

    definitions: Sequence[ItemDefinition]
    problems: list[ModelProblem] = field(default_factory=list)
    _by_name: dict[str, tuple[int, ItemDefinition]] = field(default_factory=dict)
    _resolved: dict[str, DmnType] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for index, definition in enumerate(self.definitions):
            self._by_name.setdefault(definition.name, (index, definition))

    def resolve_all(self) -> None:
        for index, definition in enumerate(self.definitions):
            if self._by_name.get(definition.name, (index,))[0] == index:
                self._definition(definition, f"/item_definitions/{index}")

    def resolve(self, ref: str | None, pointer: str) -> DmnType:
        """The type named by `ref` (None: Any); an unknown name is a problem at `pointer`."""
        if ref is None:
            return ANY_TYPE
        found = self._by_name.get(ref)
        if found is not None:
            index, definition = found
            return self._definition(definition, f"/item_definitions/{index}")
        feel = parse_feel_type(ref)
        if feel is None:
            known = listing(sorted(self._by_name), empty=NONE)
            self.problems.append(
                problem("E_DMN_UNKNOWN_TYPE", "unknown_type", pointer, ref=ref, known=known)
            )
            return ANY_TYPE
        return feel_type(feel)

    def _definition(self, definition: ItemDefinition, pointer: str) -> DmnType:
        key = pointer
        done = self._resolved.get(key)
        if done is not None:
            return done
        if key in self._resolving:
            self.problems.append(
                problem("E_DMN_TYPE_CYCLE", "type_cycle", pointer, name=definition.name)
            )
            return ANY_TYPE
        self._resolving.add(key)
        try:
            resolved = self._build(definition, pointer)
        finally:
            self._resolving.discard(key)
        self._resolved[key] = resolved
        return resolved

    def _build(self, definition: ItemDefinition, pointer: str) -> DmnType:
        base: DmnType | None = None
        components: tuple[tuple[str, DmnType], ...] | None = None
        if (definition.type_ref is None) == (definition.components is None):
            self.problems.append(
                problem("E_DMN_ITEM_DEFINITION", "item_definition", pointer, name=definition.name)
            )
        if definition.components is not None:
            components = tuple(
                (part.name, self._definition(part, f"{pointer}/components/{index}"))
                for index, part in enumerate(definition.components)
            )
            names = [name for name, _ in components]
            for index, name in enumerate(names):
                if name in names[:index]:
                    self.problems.append(
                        problem(
                            "E_DMN_DUPLICATE_NAME",
                            "duplicate_component",
                            f"{pointer}/components/{index}/name",
                            name=name,
                        )
                    )
        elif definition.type_ref is not None:
            if definition.type_ref == definition.name:
                self.problems.append(
                    problem(
                        "E_DMN_TYPE_CYCLE", "type_self", f"{pointer}/type_ref", name=definition.name
                    )
                )
            else:
                base = self.resolve(definition.type_ref, f"{pointer}/type_ref")
        element_static = (
            t.context_of({name: part.static for name, part in components})
            if components is not None
            else base.static
            if base is not None
            else t.ANY
        )
        allowed = None
        if definition.allowed_values is not None and definition.allowed_values.strip():
            allowed = self._allowed(definition.allowed_values, element_static, pointer)
        return DmnType(
            definition.name,
            components=components,
            base=base,
            collection=definition.is_collection,
            allowed=allowed,
            static=t.list_of(element_static) if definition.is_collection else element_static,
        )

    def _allowed(self, text: str, element: ExprType, pointer: str) -> CompiledUnaryTests | None:
        try:
            return compile_unary_tests(text)
        except (ExprSyntaxError, ExpressionError) as exc:
            for diagnostic in exc.diagnostics:
                self.problems.append(
                    from_diagnostic(
                        diagnostic, f"{pointer}/allowed_values", code="E_DMN_EXPRESSION"
                    )
                )
            return None
