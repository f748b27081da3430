"""FEEL types as written in source (`TypeRef`): validation, static form and `instance of`.

`type_problem` says what is wrong with a written type (unknown name, misplaced `<...>`);
`static_type` maps a valid type to the checker's `ExprType`; `conforms` decides `value instance
of type` at run time, and `type_conforms` whether one type conforms to another (DMN 1.5
§10.3.2.9: `Any` is the supertype of all types, `Null` conforms to every type, a context type
naming fewer entries is a supertype, list and range types are covariant, function types are
contravariant in their parameters). This module must not evaluate expressions.
"""

from __future__ import annotations

from brickwork.engines.bilingual import Words
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.syntax import TypeRef

ANY_NAME = "Any"
NULL_NAME = "Null"
SCALAR_NAMES = frozenset(
    {v.NUMBER, v.STRING, v.BOOLEAN, v.DATE, v.TIME, v.DATETIME, v.DT_DURATION, v.YM_DURATION}
)
_GENERIC_NAMES = frozenset({v.LIST, v.RANGE})
TYPE_NAMES = frozenset({ANY_NAME, NULL_NAME, v.CONTEXT, v.FUNCTION, *SCALAR_NAMES, *_GENERIC_NAMES})


def type_problem(ref: TypeRef) -> tuple[Words, TypeRef] | None:
    """A message (in each language) and the offending part when `ref` is not a valid FEEL type;
    None when valid."""
    stack = [ref]
    while stack:
        part = stack.pop()
        name = part.name
        if name not in TYPE_NAMES:
            return Words(f"`{name}` 不是类型", f"`{name}` is not a type"), part
        if part.args and name not in (*_GENERIC_NAMES, v.FUNCTION):
            return Words(f"`{name}` 不能带 `<...>`", f"`{name}` takes no `<...>`"), part
        if name in _GENERIC_NAMES and len(part.args) > 1:
            said = Words(f"`{name}<...>` 只能有一个元素类型", f"`{name}<...>` takes one item type")
            return said, part
        if part.fields and name != v.CONTEXT:
            return Words(f"`{name}` 不能列出键和类型", f"`{name}` takes no entries"), part
        stack.extend(part.args)
        stack.extend(field_type for _, field_type in part.fields)
        if part.result is not None:
            stack.append(part.result)
    return None


def static_type(ref: TypeRef) -> t.ExprType:
    """The checker's type for a valid `ref`."""
    if ref.name == ANY_NAME:
        return t.ANY
    if ref.name == NULL_NAME:
        return t.NULL
    if ref.name in SCALAR_NAMES:
        return t.SCALARS[ref.name]
    if ref.name in _GENERIC_NAMES:
        item = static_type(ref.args[0]) if ref.args else t.ANY
        return t.list_of(item) if ref.name == v.LIST else t.range_of(item)
    if ref.name == v.CONTEXT:
        if not ref.fields:
            return t.ANY_CONTEXT
        return t.context_of({name: static_type(field_type) for name, field_type in ref.fields})
    return t.FUNCTION


def conforms(value: v.Value, ref: TypeRef) -> bool:
    """`value instance of ref`: null is an instance of `Null` only (not even of `Any`)."""
    if value is None:
        return ref.name == NULL_NAME
    if ref.name == ANY_NAME:
        return True
    kind = v.kind_of(value)
    if kind != ref.name:
        return False
    if kind == v.LIST and ref.args:
        return all(conforms(v.norm(item), ref.args[0]) for item in value)
    if kind == v.RANGE and ref.args:
        ends = (value.low, value.high)
        return all(end is None or conforms(v.norm(end), ref.args[0]) for end in ends)
    if kind == v.CONTEXT:
        return all(
            key in value and conforms(v.norm(value[key]), field_type)
            for key, field_type in ref.fields
        )
    if kind == v.FUNCTION and (ref.args or ref.result is not None):
        return _function_conforms(value, ref)
    return True


def _function_conforms(value: v.FunctionValue, ref: TypeRef) -> bool:
    """A function value is an instance of `function<S1..Sn> -> R` when it takes n parameters
    and each declared parameter type accepts Si. Function values do not declare their result
    type, so `R` is not checked (as in the public engines)."""
    if len(value.params) != len(ref.args):
        return False
    declared = parameter_types(value)
    return all(
        own is None or type_conforms(wanted, own)
        for wanted, own in zip(ref.args, declared, strict=True)
    )


class TypedFunctionValue(v.FunctionValue):
    """A function value that declares the types of its parameters (None: untyped)."""

    __slots__ = ("types",)

    def __init__(self, params: tuple[str, ...], types: tuple[TypeRef | None, ...]) -> None:
        super().__init__(params)
        self.types = types


def parameter_types(value: v.FunctionValue) -> tuple[TypeRef | None, ...]:
    """The declared parameter types of a function value (None: untyped, i.e. `Any`)."""
    if isinstance(value, TypedFunctionValue):
        return value.types
    return (None,) * len(value.params)


def type_conforms(sub: TypeRef, sup: TypeRef) -> bool:
    """Whether every value of type `sub` is a value of type `sup`."""
    if sup.name == ANY_NAME or sub.name == NULL_NAME:
        return True
    if sub.name != sup.name:
        return False
    if sub.name in _GENERIC_NAMES:
        if not sup.args:
            return True
        return type_conforms(sub.args[0] if sub.args else TypeRef(ANY_NAME), sup.args[0])
    if sub.name == v.CONTEXT:
        own = dict(sub.fields)
        return all(name in own and type_conforms(own[name], wanted) for name, wanted in sup.fields)
    if sub.name == v.FUNCTION and (sup.args or sup.result is not None):
        if len(sub.args) != len(sup.args):
            return False
        results_ok = sup.result is None or (
            sub.result is not None and type_conforms(sub.result, sup.result)
        )
        return results_ok and all(
            type_conforms(s, o) for s, o in zip(sup.args, sub.args, strict=True)
        )
    return True
