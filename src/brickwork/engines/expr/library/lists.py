"""List functions: aggregates (`sum`, `mean`, `min`, `max`, `count`), `all`/`any` and the FEEL
list built-ins, with their Excel spellings (SUM, AVERAGE, MIN, MAX, COUNT, AND, OR).

Aggregates follow FEEL and agree with their SQL forms: an empty list gives null (count gives 0)
and a null element makes sum/mean/min/max null. Evaluators are pure and never recurse on
input-controlled depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, DecimalException

from brickwork.engines.expr.datatypes import ANY, BOOLEAN, NUMBER, ExprType, list_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.library.list_edits import sort_by
from brickwork.engines.expr.library.text import integral
from brickwork.engines.expr.values import (
    DECIMAL_CONTEXT,
    Value,
    equal,
    kind_of,
    norm,
    order,
)
from brickwork.engines.expr.words import zh_kind


def _numbers(items: list[Value]) -> list[Decimal] | None:
    if any(i is None for i in items):
        return None
    return items


def total(items: list[Value]) -> Decimal | None:
    numbers = _numbers(items)
    if not numbers:
        return None
    try:
        result = Decimal(0)
        for number in numbers:
            result = DECIMAL_CONTEXT.add(result, number)
    except DecimalException:
        raise FunctionError("the sum is out of range", "E_NUMBER_RANGE",
                            zh_cn="总和超出数字的取值范围") from None  # fmt: skip
    return result


def mean(items: list[Value]) -> Decimal | None:
    result = total(items)
    if result is None:
        return None
    return DECIMAL_CONTEXT.divide(result, Decimal(len(items)))


def _mixed_zh(item: Value, other: Value) -> str:
    """Why two values of a list cannot be compared, in Chinese."""
    kind, other_kind = zh_kind(kind_of(item)), zh_kind(kind_of(other))
    if kind == other_kind:
        return f"{kind}之间无法比较大小"
    return f"不能同时有{kind}和{other_kind}"


def _extreme(items: list[Value], sign: int) -> Value:
    if not items or any(i is None for i in items):
        return None
    best = items[0]
    for item in items[1:]:
        compared = order(item, best)
        if compared is None:
            message = f"`list` must hold values of one comparable kind, not {kind_of(item)} "
            zh_cn = f"`list` 中的值必须是同一种可比较的类型，{_mixed_zh(item, best)}"
            raise FunctionError(f"{message}and {kind_of(best)}", "E_ARG_TYPE", zh_cn=zh_cn)
        if compared == sign:
            best = item
    if order(best, best) is None:
        raise FunctionError(f"{kind_of(best)} values cannot be ordered", "E_ARG_TYPE",
                            zh_cn=f"{zh_kind(kind_of(best))}无法比较大小")  # fmt: skip
    return best


def minimum(items: list[Value]) -> Value:
    return _extreme(items, -1)


def maximum(items: list[Value]) -> Value:
    return _extreme(items, 1)


def count(items: list[Value]) -> Decimal:
    return Decimal(len(items))


def every(items: list[Value]) -> bool | None:
    unknown = False
    for item in items:
        if item is False:
            return False
        unknown = unknown or item is not True
    return None if unknown else True


def some(items: list[Value]) -> bool | None:
    unknown = False
    for item in items:
        if item is True:
            return True
        unknown = unknown or item is not False
    return None if unknown else False


def list_contains(items: list[Value] | None, element: Value) -> bool | None:
    if items is None:
        return None
    return any(equal(norm(item), element) is True for item in items)


def append(items: list[Value] | None, more: list[Value]) -> list[Value] | None:
    return None if items is None else [*items, *more]


def concatenate(lists: list[Value]) -> list[Value]:
    out: list[Value] = []
    for item in lists:
        if not isinstance(item, list):
            zh_cn = f"`list` 中的元素必须是列表，不能是{zh_kind(kind_of(item))}"
            raise FunctionError(f"`list` must be lists, not a {kind_of(item)}", "E_ARG_TYPE",
                                zh_cn=zh_cn)  # fmt: skip
        out.extend(item)
    return out


def _key(value: Value) -> tuple[str, object] | None:
    """A hashable identity consistent with FEEL equality, for scalar values."""
    kind = kind_of(value)
    if kind in ("list", "context", "range"):
        return None
    return kind, value


def distinct_values(items: list[Value]) -> list[Value]:
    seen: set[tuple[str, object]] = set()
    slow: list[Value] = []
    out: list[Value] = []
    for item in items:
        value = norm(item)
        key = _key(value)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        elif any(equal(value, other) is True for other in slow):
            continue
        else:
            slow.append(value)
        out.append(value)
    return out


def flatten(items: list[Value]) -> list[Value]:
    out: list[Value] = []
    stack: list[tuple[list[Value], int]] = [(items, 0)]
    while stack:
        current, index = stack.pop()
        while index < len(current):
            value = norm(current[index])
            index += 1
            if isinstance(value, list):
                stack.append((current, index))
                current, index = value, 0
            else:
                out.append(value)
    return out


def sort(items: list[Value]) -> list[Value]:
    values = [norm(i) for i in items]
    for value in values:
        if order(value, values[0]) is None:
            message = "`list` must hold values of one comparable kind, without nulls"
            zh_cn = "`list` 中的值必须是同一种可比较的类型，且不能有空值"
            raise FunctionError(message, zh_cn=zh_cn)
    return sorted(values)


def union(lists: list[Value]) -> list[Value]:
    return distinct_values(concatenate(lists))


def index_of(items: list[Value] | None, match: Value) -> list[Value] | None:
    if items is None:
        return None
    return [Decimal(i) for i, item in enumerate(items, 1) if equal(norm(item), match) is True]


def reverse(items: list[Value]) -> list[Value]:
    return list(reversed(items))


def sublist(items: list[Value], start: Decimal, length: Decimal | None = None) -> list[Value]:
    position = integral(start, "the start position", "起始位置")
    if position == 0 or abs(position) > len(items):
        raise FunctionError("the start position is outside the list", "E_ARG_VALUE",
                            zh_cn="起始位置超出列表范围")  # fmt: skip
    begin = position - 1 if position > 0 else len(items) + position
    if length is None:
        return items[begin:]
    return items[begin : begin + integral(length, "the length", "长度")]


def _item_type(args: Sequence[ExprType]) -> ExprType:
    if len(args) == 1 and args[0].kind == "list":
        return args[0].item or ANY
    return args[0] if args else ANY


def _same_list(args: Sequence[ExprType]) -> ExprType:
    return args[0] if args and args[0].kind == "list" else list_of(ANY)


AGGREGATE_NUMBERS = "list...: number"

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "sum", "list", (sig(AGGREGATE_NUMBERS, total, NUMBER, spread_list=True),),
        "Sum of the numbers (a list or several arguments); null if empty or any is null.",
        "求和（列表或多个参数）；列表为空或含 null 时结果为 null。",
        (ex("sum([1, 2, 3])", "6"), ex("SUM(1, 2.5)", "3.5"), ex("sum([])", "null"),
         ex("sum([1, null])", "null")),
        aliases=("SUM",), propagate_null=False, sql="sum",
    ),
    FunctionSpec(
        "mean", "list", (sig(AGGREGATE_NUMBERS, mean, NUMBER, spread_list=True),),
        "Arithmetic mean of the numbers; null if empty or any is null.",
        "平均值；列表为空或含 null 时结果为 null。",
        (ex("mean([1, 2, 3, 4])", "2.5"), ex("AVERAGE(1, 2)", "1.5"), ex("mean([])", "null")),
        aliases=("AVERAGE",), propagate_null=False,
    ),
    FunctionSpec(
        "min", "list", (sig("list...: any", minimum, _item_type, spread_list=True),),
        "Smallest value (numbers, text, dates, durations); null if empty or any is null.",
        "最小值（数字、文本、日期、时长）；为空或含 null 时为 null。",
        (ex("min([3, 1, 2])", "1"), ex('MIN(@"2025-01-02", @"2024-12-31")', '@"2024-12-31"'),
         ex('min(1, "a")', "null")),
        aliases=("MIN",), propagate_null=False, sql="min",
    ),
    FunctionSpec(
        "max", "list", (sig("list...: any", maximum, _item_type, spread_list=True),),
        "Largest value; null if empty or any is null.", "最大值；为空或含 null 时为 null。",
        (ex("max([3, 1, 2])", "3"), ex('MAX("a", "b")', '"b"'), ex("max([])", "null")),
        aliases=("MAX",), propagate_null=False, sql="max",
    ),
    FunctionSpec(
        "count", "list", (sig("list...: any", count, NUMBER, spread_list=True),),
        "Number of elements (nulls included).", "元素个数（包含 null）。",
        (ex("count([1, null, 3])", "3"), ex("COUNT([])", "0")),
        aliases=("COUNT",), propagate_null=False, sql="count",
    ),
    FunctionSpec(
        "all", "logic", (sig("list...: boolean", every, BOOLEAN, spread_list=True),),
        "True if every value is true; false if any is false; otherwise null.",
        "全部为 true 时为 true；任一为 false 时为 false；否则为 null。",
        (ex("all([true, true])", "true"), ex("AND(true, null)", "null"),
         ex("AND(false, null)", "false"), ex("all([])", "true"),
         ex("all([false, null, true])", "false"), ex("all(true)", "true"), ex("all(0)", "null"),
         ex("all(list: [true, false])", "false"), ex("all()", "null")),
        aliases=("AND",), propagate_null=False, sql="all",
    ),
    FunctionSpec(
        "any", "logic", (sig("list...: boolean", some, BOOLEAN, spread_list=True),),
        "True if any value is true; false if all are false; otherwise null.",
        "任一为 true 时为 true；全部为 false 时为 false；否则为 null。",
        (ex("any([false, true])", "true"), ex("OR(false, null)", "null"), ex("any([])", "false"),
         ex("any([false, null, true])", "true"), ex("any(false)", "false"),
         ex("any(null)", "null"), ex("any(0)", "null"), ex("any(list: [false, true])", "true"),
         ex("any()", "null")),
        aliases=("OR",), propagate_null=False, sql="any",
    ),
    FunctionSpec(
        "list contains", "list",
        (sig("list: list, element: any", list_contains, BOOLEAN),),
        "Whether `list` contains `element` (by `=`).", "列表是否包含该元素。",
        (ex('list contains(["IR", "KP"], "KP")', "true"),
         ex("list contains([1, null], null)", "true")),
        propagate_null=False,
    ),
    FunctionSpec(
        "append", "list", (sig("list: list, item...: any", append, _same_list),),
        "`list` with `items` added at the end.", "在列表末尾追加元素。",
        (ex("append([1], 2, 3)", "[1, 2, 3]"), ex("append([], null)", "[null]")),
        propagate_null=False,
    ),
    FunctionSpec(
        "concatenate", "list", (sig("list...: list", concatenate, _same_list),),
        "All lists joined into one.", "把多个列表连接为一个。",
        (ex("concatenate([1, 2], [3])", "[1, 2, 3]"), ex("concatenate()", "[]")),
    ),
    FunctionSpec(
        "distinct values", "list", (sig("list: list", distinct_values, _same_list),),
        "The list without duplicates, first occurrence kept.", "去重，保留首次出现的顺序。",
        (ex("distinct values([1, 2, 3, 2, 1])", "[1, 2, 3]"),
         ex("distinct values([[1], [1]])", "[[1]]")),
    ),
    FunctionSpec(
        "flatten", "list", (sig("list: list", flatten, list_of(ANY)),),
        "Nested lists flattened into one list.", "把嵌套列表展平成一层。",
        (ex("flatten([[1, 2], [[3]], 4])", "[1, 2, 3, 4]"), ex("flatten([])", "[]")),
    ),
    FunctionSpec(
        "sort", "list",
        (sig("list: list", sort, _same_list),
         sig("list: list, precedes: any", sort_by, _same_list)),
        "The list in ascending order (all elements of one comparable kind), or in the order of "
        "`precedes`, a function of two elements that is true when the first comes first.",
        "按升序排序（元素须为同一种可比较类型），或按 `precedes` 函数（第一个元素应排在前面时"
        "返回 true）排序。",
        (ex("sort([3, 1, 4, 5, 2])", "[1, 2, 3, 4, 5]"), ex("sort([1, null])", "null")),
    ),
    FunctionSpec(
        "union", "list", (sig("list...: list", union, _same_list),),
        "All elements of the lists, without duplicates.", "多个列表的并集（去重）。",
        (ex("union([1, 2], [2, 3])", "[1, 2, 3]"), ex("union([1, 1])", "[1]"), ex("union()", "[]")),
    ),
    FunctionSpec(
        "index of", "list", (sig("list: list, match: any", index_of, list_of(NUMBER)),),
        "Positions (1-based) where `match` occurs.", "元素出现的位置（从 1 开始）。",
        (ex('index of(["a", "b", "a"], "a")', "[1, 3]"), ex("index of([], 1)", "[]")),
        propagate_null=False,
    ),
    FunctionSpec(
        "reverse", "list", (sig("list: list", reverse, _same_list),),
        "The list in reverse order.", "倒序排列。",
        (ex("reverse([1, 2, 3])", "[3, 2, 1]"), ex("reverse(null)", "null")),
    ),
    FunctionSpec(
        "sublist", "list",
        (sig("list: list, start position: number, length?: number", sublist, _same_list),),
        "Part of `list` from `start position` (1-based, negative from the end).",
        "从第 `start position` 个元素起截取子列表（负数从末尾数）。",
        (ex("sublist([1, 2, 3], 2)", "[2, 3]"), ex("sublist([1, 2, 3], -1, 1)", "[3]")),
    ),
)  # fmt: skip
