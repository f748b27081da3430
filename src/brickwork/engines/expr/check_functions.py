"""Static rules of function values: definitions, calls of function values, `instance of`.

Used by `checker.Checker`; kept apart so each module stays small. A definition has the type
`function` with its parameters (name and declared type) and its body's type as result, so
calls of it are checked for arity, parameter names and argument types. This module must not
evaluate expressions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, assert_never

from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr import values as v
from brickwork.engines.expr.conformance import TYPE_NAMES, static_type, type_problem
from brickwork.engines.expr.diagnostics import Span
from brickwork.engines.expr.syntax import Arg, FunctionDef, InstanceOf, Invoke, TypeRef
from brickwork.engines.expr.words import zh_type

if TYPE_CHECKING:
    from brickwork.engines.expr.checker import Checker

ExprType = t.ExprType
_Locals = Mapping[str, ExprType]


def check_function_value(
    checker: Checker, node: FunctionDef | Invoke | InstanceOf, local: _Locals
) -> ExprType:
    match node:
        case FunctionDef():
            return _function_def(checker, node, local)
        case Invoke():
            return _invoke(checker, node, local)
        case InstanceOf():
            checker.check(node.value, local)
            check_type_ref(checker, node.type)
            return t.BOOLEAN
        case _:
            assert_never(node)


def _function_def(checker: Checker, node: FunctionDef, local: _Locals) -> ExprType:
    if node.external:
        return checker.error(
            "E_EXTERNAL_FUNCTION", "external functions (Java, PMML) are not supported", node.span,
            zh_cn="不支持外部函数（Java、PMML）",
        )  # fmt: skip
    params = function_params(node, checker)
    result = checker.check(node.body, {**local, **dict(params)})
    return t.ExprType(v.FUNCTION, result, params)


def _invoke(checker: Checker, node: Invoke, local: _Locals) -> ExprType:
    target = checker.check(node.target, local)
    if t.is_known(target) and target.kind != v.FUNCTION:
        for arg in node.args:
            checker.check(arg.value, local)
        return checker.error(
            "E_NOT_A_FUNCTION", f"a {target} is not a function and cannot be called", node.span,
            zh_cn=f"{zh_type(target)}不是函数，不能调用",
        )  # fmt: skip
    return check_value_call(checker, "function", target, node.args, node.span, local)


def check_value_call(
    checker: Checker,
    name: str,
    function: ExprType,
    args: Sequence[Arg],
    span: Span,
    local: _Locals,
) -> ExprType:
    """A call of a function value; its arity and parameter types are checked when known."""
    arg_types = [checker.check(a.value, local) for a in args]
    named = [a.name for a in args if a.name is not None]
    if named and len(named) != len(args):
        return checker.error(
            "E_MIXED_ARGUMENTS", f"`{name}` mixes positional and named arguments", span,
            zh_cn=f"`{name}` 混用了按位置和按名称传递的参数",
        )  # fmt: skip
    if function.kind != v.FUNCTION or function.fields is None:
        return t.ANY
    params = dict(function.fields)
    if named:
        unknown = [n for n in named if n not in params]
        missing = [p for p in params if p not in named]
        if unknown:
            return checker.error(
                "E_ARGUMENT_NAME",
                f"`{name}` has no parameter `{unknown[0]}`",
                span,
                f"its parameters: {', '.join(params)}",
                zh_cn=f"`{name}` 没有参数 `{unknown[0]}`",
                hint_zh_cn=f"它的参数：{'、'.join(params)}",
            )
        if missing:
            return checker.error(
                "E_ARGUMENT_COUNT", f"`{name}` needs an argument for `{missing[0]}`", span,
                zh_cn=f"`{name}` 缺少参数 `{missing[0]}`",
            )  # fmt: skip
    elif len(args) != len(params):
        return checker.error(
            "E_ARGUMENT_COUNT",
            f"`{name}` takes {len(params)} arguments ({', '.join(params)}), not {len(args)}",
            span,
            zh_cn=f"`{name}` 需要 {len(params)} 个参数（{'、'.join(params)}），"
            f"实际传入 {len(args)} 个",
        )
    else:
        named = list(params)
    for arg, found, param in zip(args, arg_types, named, strict=True):
        if not t.compatible(found, params[param]):
            checker.error(
                "E_ARGUMENT_TYPE",
                f"the parameter `{param}` of `{name}` expects {params[param]}, not a {found}",
                arg.value.span,
                zh_cn=f"`{name}` 的参数 `{param}` 需要{zh_type(params[param])}，"
                f"不能是{zh_type(found)}",
            )
    return function.item or t.ANY


def check_type_ref(checker: Checker, ref: TypeRef) -> ExprType:
    problem = type_problem(ref)
    if problem is not None:
        said, part = problem
        return checker.error(
            "E_UNKNOWN_TYPE", said.en, part.span, "types: " + ", ".join(sorted(TYPE_NAMES)),
            zh_cn=said.zh_cn, hint_zh_cn="可用的类型：" + "、".join(sorted(TYPE_NAMES)),
        )  # fmt: skip
    return static_type(ref)


def function_params(node: FunctionDef, checker: Checker | None) -> tuple[tuple[str, ExprType], ...]:
    """The parameters of a definition with their static types (reported by `checker`)."""
    params: dict[str, ExprType] = {}
    for param in node.params:
        if param.name in params and checker is not None:
            checker.error(
                "E_DUPLICATE_KEY", f"the parameter `{param.name}` appears twice", node.span,
                zh_cn=f"参数 `{param.name}` 出现了 2 次",
            )  # fmt: skip
        if param.type is None:
            params[param.name] = t.ANY
        elif checker is not None:
            params[param.name] = check_type_ref(checker, param.type)
        else:
            valid = type_problem(param.type) is None
            params[param.name] = static_type(param.type) if valid else t.ANY
    return tuple(params.items())
