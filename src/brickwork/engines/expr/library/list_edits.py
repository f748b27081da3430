"""List built-ins that change a list by position or by a function value: `insert before`,
`remove`, `list replace` (DMN 1.5 §10.3.4.4) and the `precedes` form of `sort` (§10.3.4.7).

Positions are 1-based, negative from the end, with the integer part of a fraction. Function
values (`precedes`, `match`) are called through `FunctionValue.call`; a result that is not a
boolean gives null plus a diagnostic. Evaluators are pure and never change their arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cmp_to_key

from brickwork.engines.expr.datatypes import ANY, ExprType, list_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.library.text import integral
from brickwork.engines.expr.values import FunctionValue, Value, kind_of, norm
from brickwork.engines.expr.words import zh_kind


def _precedes(function: Value) -> FunctionValue:
    if not isinstance(function, FunctionValue):
        message = f"`precedes` must be a function, not a {kind_of(function)}"
        zh_cn = f"`precedes` 须为函数，不能是{zh_kind(kind_of(function))}"
        raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
    return function


def _test(function: FunctionValue, name: str, args: list[Value]) -> bool:
    """Call a boolean function value (`precedes`, `match`); anything but a boolean is an error."""
    result = function.call(args)
    if type(result) is not bool:
        message = f"`{name}` must return true or false, not {kind_of(result)}"
        zh_cn = f"`{name}` 须返回 `true` 或 `false`，不能返回{zh_kind(kind_of(result))}"
        raise FunctionError(message, "E_NOT_BOOLEAN", zh_cn=zh_cn)
    return result


def sort_by(items: list[Value], precedes: Value) -> list[Value]:
    """`sort(list, precedes)`: a stable sort where `precedes(a, b)` means a comes before b."""
    function = _precedes(precedes)

    def compare(a: Value, b: Value) -> int:
        return -1 if _test(function, "precedes", [a, b]) else 1

    return sorted((norm(i) for i in items), key=cmp_to_key(compare))


def _position(items: list[Value], position: Decimal) -> int:
    """The 0-based index of a 1-based FEEL `position` (negative counts from the end)."""
    index = integral(position, "`position`", "`position`")
    if index == 0 or abs(index) > len(items):
        message = f"`position` {index} is outside the list of {len(items)} elements"
        zh_cn = f"`position` {index} 超出了列表范围（列表共 {len(items)} 个元素）"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    return index - 1 if index > 0 else len(items) + index


def insert_before(items: list[Value] | None, position: Decimal | None, item: Value) -> Value:
    if items is None or position is None:
        return None
    index = _position(items, position)
    return [*items[:index], item, *items[index:]]


def remove(items: list[Value], position: Decimal) -> list[Value]:
    index = _position(items, position)
    return [*items[:index], *items[index + 1 :]]


def list_replace(items: list[Value] | None, where: Value, item: Value) -> Value:
    """`list replace(list, position, newItem)` or `list replace(list, match, newItem)`."""
    if items is None or where is None:
        return None
    if isinstance(where, Decimal):
        index = _position(items, where)
        return [*items[:index], item, *items[index + 1 :]]
    if isinstance(where, FunctionValue):
        return [item if _test(where, "match", [norm(x), item]) else norm(x) for x in items]
    message = f"`position` must be a number or `match` a function, not a {kind_of(where)}"
    zh_cn = f"`position` 须为数字或 `match` 须为函数，不能是{zh_kind(kind_of(where))}"
    raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)


def _replace_at(items: list[Value] | None, position: Value, item: Value) -> Value:
    if position is not None and not isinstance(position, Decimal):
        message = f"`position` must be a number, not a {kind_of(position)}"
        zh_cn = f"`position` 须为数字，不能是{zh_kind(kind_of(position))}"
        raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
    return list_replace(items, position, item)


def _replace_matching(items: list[Value] | None, match: Value, item: Value) -> Value:
    if match is not None and not isinstance(match, FunctionValue):
        message = f"`match` must be a function, not a {kind_of(match)}"
        zh_cn = f"`match` 须为函数，不能是{zh_kind(kind_of(match))}"
        raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
    return list_replace(items, match, item)


def _same_list(args: Sequence[ExprType]) -> ExprType:
    return args[0] if args and args[0].kind == "list" else list_of(ANY)


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "insert before", "list",
        (sig("list: list, position: number, newItem: any", insert_before, _same_list),),
        "`list` with `newItem` inserted before `position` (1-based, negative from the end).",
        "在第 `position` 个元素之前插入 `newItem`（从 1 开始，负数从末尾数）。",
        (ex("insert before([1, 3], 1, 2)", "[2, 1, 3]"), ex("insert before([1, 3], -1, 2)",
                                                               "[1, 2, 3]"),
         ex("insert before([1, 3], 1, null)", "[null, 1, 3]"),
         ex("insert before([1, 3], 3, 2)", "null")),
        propagate_null=False,
    ),
    FunctionSpec(
        "remove", "list", (sig("list: list, position: number", remove, _same_list),),
        "`list` without the element at `position` (1-based, negative from the end).",
        "删除第 `position` 个元素（从 1 开始，负数从末尾数）。",
        (ex("remove([1, 2, 3], 2)", "[1, 3]"), ex("remove([1, 2, 3], -1)", "[1, 2]"),
         ex("remove([1, 2, 3], 4)", "null")),
    ),
    FunctionSpec(
        "list replace", "list",
        (sig("list: list, position: any, newItem: any", list_replace, _same_list, named=False),
         sig("list: list, position: any, newItem: any", _replace_at, _same_list,
             positional=False),
         sig("list: list, match: any, newItem: any", _replace_matching, _same_list,
             positional=False)),
        "`list` with `newItem` at `position` (negative from the end), or in place of every "
        "element for which the function `match(item, newItem)` is true.",
        "把第 `position` 个元素（负数从末尾数）替换为 `newItem`，或替换所有使 "
        "`match(item, newItem)` 为 true 的元素。",
        (ex("list replace([2, 4, 7, 8], 3, 6)", "[2, 4, 6, 8]"),
         ex("list replace([2, 4, 7, 8], -3, 6)", "[2, 6, 7, 8]"),
         ex("list replace([2, 4, 7, 8], 3, null)", "[2, 4, null, 8]"),
         ex("list replace([2, 4, 7, 8], 5, 6)", "null")),
        propagate_null=False,
    ),
)  # fmt: skip
