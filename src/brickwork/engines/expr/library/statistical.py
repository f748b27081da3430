"""Statistics of lists of numbers: `product`, `median`, `stddev` and `mode` (DMN 1.5 §10.3.4.4).

Like `sum`, each takes one list or several numbers; an empty list gives null (`mode` gives `[]`)
and a null element makes the result null. All arithmetic uses `values.DECIMAL_CONTEXT`, never
floats. Evaluators are pure.
"""

from __future__ import annotations

from decimal import Decimal, DecimalException

from brickwork.engines.expr.datatypes import NUMBER, list_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.values import DECIMAL_CONTEXT, Value

NUMBERS = "list...: number"


def _numbers(items: list[Value]) -> list[Decimal] | None:
    return None if not items or any(i is None for i in items) else items


def product(items: list[Value]) -> Decimal | None:
    numbers = _numbers(items)
    if numbers is None:
        return None
    result = Decimal(1)
    try:
        for number in numbers:
            result = DECIMAL_CONTEXT.multiply(result, number)
    except DecimalException:
        raise FunctionError("the product is out of range", "E_NUMBER_RANGE",
                            zh_cn="乘积超出数字的取值范围") from None  # fmt: skip
    return result


def median(items: list[Value]) -> Decimal | None:
    numbers = _numbers(items)
    if numbers is None:
        return None
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    pair = DECIMAL_CONTEXT.add(ordered[middle - 1], ordered[middle])
    return DECIMAL_CONTEXT.divide(pair, Decimal(2))


def stddev(items: list[Value]) -> Decimal | None:
    """The sample standard deviation (divides by n - 1); null for fewer than two numbers."""
    numbers = _numbers(items)
    if numbers is None or len(numbers) < 2:
        return None
    ctx = DECIMAL_CONTEXT
    try:
        count = Decimal(len(numbers))
        total = Decimal(0)
        for number in numbers:
            total = ctx.add(total, number)
        mean = ctx.divide(total, count)
        squares = Decimal(0)
        for number in numbers:
            deviation = ctx.subtract(number, mean)
            squares = ctx.add(squares, ctx.multiply(deviation, deviation))
        return ctx.sqrt(ctx.divide(squares, ctx.subtract(count, Decimal(1))))
    except DecimalException:
        raise FunctionError("the standard deviation is out of range", "E_NUMBER_RANGE",
                            zh_cn="标准差超出数字的取值范围") from None  # fmt: skip


def mode(items: list[Value]) -> list[Value] | None:
    """The most frequent numbers, ascending; `[]` for an empty list."""
    if not items:
        return []
    if any(i is None for i in items):
        return None
    counts: dict[Decimal, int] = {}
    for number in items:
        counts[number] = counts.get(number, 0) + 1
    most = max(counts.values())
    return sorted(number for number, seen in counts.items() if seen == most)


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "product", "list", (sig(NUMBERS, product, NUMBER, spread_list=True),),
        "Product of the numbers (a list or several arguments); null if empty or any is null.",
        "乘积（列表或多个参数）；列表为空或含 null 时结果为 null。",
        (ex("product([2, 3, 4])", "24"), ex("product(2, 3, 4)", "24"), ex("product([])", "null")),
        propagate_null=False,
    ),
    FunctionSpec(
        "median", "list", (sig(NUMBERS, median, NUMBER, spread_list=True),),
        "The middle number once sorted (the mean of the two middle ones for an even count).",
        "中位数（偶数个时取中间两个数的平均值）。",
        (ex("median(8, 2, 5, 3, 4)", "4"), ex("median([6, 1, 2, 3])", "2.5"),
         ex("median([])", "null")),
        propagate_null=False,
    ),
    FunctionSpec(
        "stddev", "list", (sig(NUMBERS, stddev, NUMBER, spread_list=True),),
        "Sample standard deviation (divided by n - 1); null for fewer than two numbers.",
        "样本标准差（除以 n - 1）；少于两个数时为 null。",
        (ex("stddev(2, 4, 7, 5)", "2.081665999466132735282297706979931"),
         ex("stddev([47])", "null"), ex("stddev(47)", "null"), ex("stddev([])", "null")),
        propagate_null=False,
    ),
    FunctionSpec(
        "mode", "list", (sig(NUMBERS, mode, list_of(NUMBER), spread_list=True),),
        "The most frequent numbers, in ascending order (`[]` for an empty list).",
        "众数（出现次数最多的数，按升序排列；空列表为 `[]`）。",
        (ex("mode(6, 3, 9, 6, 6)", "[6]"), ex("mode([6, 1, 9, 6, 1])", "[1, 6]"),
         ex("mode([])", "[]")),
        propagate_null=False,
    ),
)  # fmt: skip
