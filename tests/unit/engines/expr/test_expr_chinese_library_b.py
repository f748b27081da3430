"""Run-time errors of the built-in functions in Chinese: dates and times, DATEDIF, money,
`range(from)`, parameter tables and exchange rates, working days, ownership, list edits and the
range functions.

Each case evaluates an expression that makes a function fail (with the shared test context of
`expr_support`: today 2025-03-03, a Monday-to-Friday calendar, the `aml_thresholds` and
`exchange_rates` parameter tables) and asserts the exact English `message` and the exact
Chinese `zh_cn`, both prefixed with the function's name by the engine.
"""

from __future__ import annotations

from datetime import date, time, timedelta, timezone

import pytest
from expr_support import CONTEXT, run

from brickwork.engines.expr import EvaluationContext, compile_expression
from brickwork.engines.expr.values import (
    DurationOverflow,
    TemporalTextError,
    YearOutOfRange,
    parse_duration,
    zh_reason,
)


def _python_text(make: object, *args: object) -> str:
    """The English text Python itself gives for bad date or time parts (it differs between
    Python versions, so the cases ask Python rather than spell it out)."""
    try:
        make(*args)  # type: ignore[operator]
    except ValueError as exc:
        return str(exc)
    raise AssertionError("no error")


_DAY_TEXT = _python_text(date, 2025, 2, 30)
_MONTH_TEXT = _python_text(date, 2025, 13, 1)
_HOUR_TEXT = _python_text(time, 25, 0, 0)
_OFFSET_TEXT = _python_text(timezone, timedelta(days=1))

# (source, code, English message, Chinese message)
CASES: list[tuple[str, str, str, str]] = [
    # ---- dates and times
    ('date("20250230")', "E_ARG_VALUE",
     "date: `20250230` is not a date (expected YYYY-MM-DD)",
     "date：`20250230` 不是日期（应为 YYYY-MM-DD）"),
    ('date("2025-02-30")', "E_ARG_VALUE", f"date: {_DAY_TEXT}",
     "date：2025 年 2 月没有 30 日（该月共 28 天）"),
    ("date(2025, 13, 1)", "E_ARG_VALUE", f"date: {_MONTH_TEXT}",
     "date：月份须在 1 至 12 之间，不能是 13"),
    ("date(10000, 1, 1)", "E_DATE_RANGE",
     "date: year 10000 is outside the years 1 to 9999 that dates can have",
     "date：年份 10000 超出了日期可用的年份范围（1 至 9999）"),
    ('date("0012025-01-01")', "E_ARG_VALUE",
     "date: `0012025-01-01` is not a date: a year of more than four digits has no leading 0",
     "date：`0012025-01-01` 不是日期：超过 4 位的年份不能以 0 开头"),
    ('time("25:00:00")', "E_ARG_VALUE", f"time: {_HOUR_TEXT}",
     "time：小时须在 0 至 23 之间，不能是 25"),
    ('time("10:00:00+15:00")', "E_ARG_VALUE", "time: `+15:00` is not a time zone offset",
     "time：`+15:00` 不是时区偏移"),
    ('time("10:00:00@Mars/Base")', "E_ARG_VALUE",
     "time: `Mars/Base` is not a time zone name (e.g. Europe/Paris)",
     "time：`Mars/Base` 不是时区名称（例如 Europe/Paris）"),
    ("time(24, 0, 0)", "E_ARG_VALUE", f"time: {_python_text(time, 24, 0, 0)}",
     "time：小时须在 0 至 23 之间，不能是 24"),
    ("time(10, 60, 0)", "E_ARG_VALUE", f"time: {_python_text(time, 10, 60, 0)}",
     "time：分钟须在 0 至 59 之间，不能是 60"),
    ('time(10, 0, 0, duration("P1D"))', "E_ARG_VALUE", f"time: {_OFFSET_TEXT}",
     "time：时区偏移须在 -24 小时与 24 小时之间（不含两端）"),
    ('date and time("2025-03-03T9:00")', "E_ARG_VALUE",
     "date and time: `9:00` is not a time (expected hh:mm:ss)",
     "date and time：`9:00` 不是时间（应为 hh:mm:ss）"),
    ('date and time("9999-12-31T24:00:00")', "E_DATE_RANGE",
     "date and time: year 10000 is outside the years 1 to 9999 that dates can have",
     "date and time：年份 10000 超出了日期可用的年份范围（1 至 9999）"),
    ('duration("3 days")', "E_ARG_VALUE",
     "duration: `3 days` is not an ISO 8601 duration (e.g. P3D, PT2H, P1Y2M)",
     "duration：`3 days` 不是 ISO 8601 时长（例如 P3D、PT2H、P1Y2M）"),
    ('duration("P1Y2D")', "E_ARG_VALUE",
     "duration: `P1Y2D` mixes years/months with days/time; use two durations",
     "duration：`P1Y2D` 混用了年月与日时；请改用两个时长"),
    ('EDATE(@"9999-12-31", 1)', "E_DATE_RANGE",
     "EDATE: year 10000 is outside the years 1 to 9999 that dates can have",
     "EDATE：年份 10000 超出了日期可用的年份范围（1 至 9999）"),
    ('EOMONTH(@"0001-01-15", -1)', "E_DATE_RANGE",
     "EOMONTH: year 0 is outside the years 1 to 9999 that dates can have",
     "EOMONTH：年份 0 超出了日期可用的年份范围（1 至 9999）"),
    ('DATEDIF(@"2025-03-03", @"2025-01-01", "D")', "E_ARG_VALUE",
     "DATEDIF: DATEDIF needs the start date on or before the end date",
     "DATEDIF：DATEDIF 要求开始日期不晚于结束日期"),
    ('DATEDIF(@"2025-01-01", @"2025-03-03", "W")', "E_ARG_VALUE",
     "DATEDIF: unknown DATEDIF unit `W` (use Y, M, D, YM, MD or YD)",
     "DATEDIF：DATEDIF 的单位 `W` 未知（请使用 Y、M、D、YM、MD 或 YD）"),
    # ---- money
    ("rmb capitals(1.005)", "E_ARG_VALUE",
     "rmb capitals: 1.005 has more than 2 decimal places; round it first, "
     "e.g. round half up(amount, 2)",
     "rmb capitals：1.005 的小数超过 2 位；请先舍入，例如 round half up(amount, 2)"),
    ("rmb capitals(10000000000000000)", "E_NUMBER_RANGE",
     "rmb capitals: 10000000000000000 is too large for capitals (limit 10^16)",
     "rmb capitals：10000000000000000 过大，无法写成大写金额（上限 10^16）"),
    ("allocate(10, [])", "E_ARG_VALUE", "allocate: `shares` is empty; give at least one share",
     "allocate：`shares` 为空；请至少给出一个份额"),
    ('allocate(10, [1, "a"])', "E_ARG_TYPE", "allocate: share 2 must be a number, not string",
     "allocate：第 2 个份额须为数字，不能是文本"),
    ("allocate(10, [1, -1])", "E_ARG_VALUE", "allocate: share 2 is negative (-1)",
     "allocate：第 2 个份额为负数（-1）"),
    ("allocate(10, [0, 0])", "E_ARG_VALUE", "allocate: all shares are zero; nothing to allocate by",
     "allocate：份额全为 0，无法按比例分配"),
    ("allocate(10, [1], 21)", "E_ARG_VALUE", "allocate: the scale 21 is outside 0..20",
     "allocate：小数位数 21 超出 0..20"),
    ("allocate(10.5, [1], 0)", "E_ARG_VALUE",
     "allocate: 10.5 has more than 0 decimal places; round it first, "
     "e.g. round half up(amount, 0)",
     "allocate：10.5 的小数超过 0 位；请先舍入，例如 round half up(amount, 0)"),
    # ---- range(from)
    ('range("[1..")', "E_FUNCTION", "range: `[1..` is not a range literal such as [1..10) or < 10",
     "range：`[1..` 不是区间字面量（例如 [1..10) 或 < 10）"),
    ('range("[1..x]")', "E_FUNCTION", "range: `x` is not a literal range endpoint",
     "range：`x` 不是字面量区间端点"),
    ('range("[..]")', "E_FUNCTION", "range: `[..]`: only an open end may be left empty",
     "range：`[..]`：只有开端可以留空"),
    ('range("[1..\\"a\\"]")', "E_FUNCTION", 'range: `[1.."a"]`: the ends are a number and a string',
     'range：`[1.."a"]`：两端分别是数字和文本，无法比较'),
    ('range("[@\\"P1Y2D\\"..1]")', "E_FUNCTION",
     'range: `@"P1Y2D"` is not a range endpoint: '
     "`P1Y2D` mixes years/months with days/time; use two durations",
     'range：`@"P1Y2D"` 不是区间端点：`P1Y2D` 混用了年月与日时；请改用两个时长'),
    ('range("[date(\\"2025-02-30\\")..@\\"2026-01-01\\"]")', "E_FUNCTION",
     f'range: `date("2025-02-30")` is not a range endpoint: {_DAY_TEXT}',
     'range：`date("2025-02-30")` 不是区间端点：2025 年 2 月没有 30 日（该月共 28 天）'),
    # ---- parameter tables and exchange rates
    ('parameter("aml_thresholds", "cash_cny", @"2007-02-28")', "E_PARAM_NOT_IN_FORCE",
     "parameter: aml_thresholds.cash_cny has no value in force on 2007-02-28",
     "parameter：aml_thresholds.cash_cny 在 2007-02-28 没有有效的值"),
    ('parameter("aml_thresholds", "wire_cny")', "E_PARAM_UNKNOWN_KEY",
     "parameter: parameter table 'aml_thresholds' has no key 'wire_cny'",
     "parameter：参数表 'aml_thresholds' 没有键 'wire_cny'"),
    ('parameter("nope", "cash_cny")', "E_PARAM_UNKNOWN_TABLE",
     "parameter: there is no published parameter table 'nope'",
     "parameter：没有已发布的参数表 'nope'"),
    ('parameters("nope")', "E_PARAM_UNKNOWN_TABLE",
     "parameters: there is no published parameter table 'nope'",
     "parameters：没有已发布的参数表 'nope'"),
    ('convert currency(100, "USD", "JPY")', "E_PARAM_NOT_IN_FORCE",
     "convert currency: exchange_rates has no rate USD/JPY (nor JPY/USD) in force on 2025-03-03",
     "convert currency：exchange_rates 中没有 2025-03-03 有效的汇率 USD/JPY（也没有 JPY/USD）"),
    ('convert currency(100, "USD", "CNY", @"2024-12-31")', "E_PARAM_NOT_IN_FORCE",
     "convert currency: exchange_rates has no rate USD/CNY (nor CNY/USD) in force on 2024-12-31",
     "convert currency：exchange_rates 中没有 2024-12-31 有效的汇率 USD/CNY（也没有 CNY/USD）"),
    ('convert currency(1, "USD", "CNY", @"2025-03-03", "fx")', "E_PARAM_UNKNOWN_TABLE",
     "convert currency: there is no published parameter table 'fx'",
     "convert currency：没有已发布的参数表 'fx'"),
    # ---- working days
    ('add working days(@"9999-12-31", 1)', "E_DATE_RANGE",
     "add working days: the result is outside the supported dates",
     "add working days：结果超出了支持的日期范围"),
    ('add working days(@"2025-03-03", 200000)', "E_DATE_RANGE",
     "add working days: at most 100,000 working days can be added",
     "add working days：最多只能加减 100,000 个工作日"),
    # ---- list edits
    ("insert before([1, 3], 3, 2)", "E_ARG_VALUE",
     "insert before: `position` 3 is outside the list of 2 elements",
     "insert before：`position` 3 超出了列表范围（列表共 2 个元素）"),
    ("remove([1, 2, 3], 0)", "E_ARG_VALUE",
     "remove: `position` 0 is outside the list of 3 elements",
     "remove：`position` 0 超出了列表范围（列表共 3 个元素）"),
    ('list replace([1, 2], "a", 3)', "E_ARGUMENT_TYPE",
     "list replace: `position` must be a number or `match` a function, not a string",
     "list replace：`position` 须为数字或 `match` 须为函数，不能是文本"),
    ('list replace(list: [1, 2], position: "a", newItem: 3)', "E_ARGUMENT_TYPE",
     "list replace: `position` must be a number, not a string",
     "list replace：`position` 须为数字，不能是文本"),
    ("list replace(list: [1, 2], match: 1, newItem: 3)", "E_ARGUMENT_TYPE",
     "list replace: `match` must be a function, not a number",
     "list replace：`match` 须为函数，不能是数字"),
    ("list replace([1, 2], function(a, b) 1, 3)", "E_NOT_BOOLEAN",
     "list replace: `match` must return true or false, not number",
     "list replace：`match` 须返回 `true` 或 `false`，不能返回数字"),
    ("sort([1, 2], 1)", "E_ARGUMENT_TYPE", "sort: `precedes` must be a function, not a number",
     "sort：`precedes` 须为函数，不能是数字"),
    ("sort([1, 2], function(a, b) 1)", "E_NOT_BOOLEAN",
     "sort: `precedes` must return true or false, not number",
     "sort：`precedes` 须返回 `true` 或 `false`，不能返回数字"),
    # ---- range functions
    ('before(1, "a")', "E_ARGUMENT_TYPE", "before: cannot compare a number with a string",
     "before：无法比较数字与文本"),
    ("meets(1, 2)", "E_ARGUMENT_TYPE", "meets: takes (range1, range2), not (number, number)",
     "meets：参数须为 (range1, range2)，不能是（数字，数字）"),
    ("before(point1: [1..2], point2: 3)", "E_ARGUMENT_TYPE",
     "before: `point1` must be a point, not a range", "before：`point1` 须为点，不能是区间"),
    ("includes(range: 1, point: 2)", "E_ARGUMENT_TYPE", "includes: `range` must be a range",
     "includes：`range` 须为区间"),
    # ---- ownership
    ('effective ownership([1], "C")', "E_ARG_VALUE",
     "effective ownership: edge 1 is a number, not a context {owner, owned, share}",
     "effective ownership：第 1 条边是数字，不是上下文 {owner, owned, share}"),
    ('effective ownership([{owner: "", owned: "C", share: 1}], "C")', "E_ARG_VALUE",
     "effective ownership: edge 1 needs `owner` as a non-empty string, not string",
     "effective ownership：第 1 条边的 `owner` 须为非空文本，不能为空"),
    ('effective ownership([{owner: "A", owned: 7, share: 1}], "C")', "E_ARG_VALUE",
     "effective ownership: edge 1 needs `owned` as a non-empty string, not number",
     "effective ownership：第 1 条边的 `owned` 须为非空文本，不能是数字"),
    ('effective ownership([{owner: "A", owned: "C", share: "x"}], "C")', "E_ARG_VALUE",
     "effective ownership: edge 1 needs `share` as a number, not string",
     "effective ownership：第 1 条边的 `share` 须为数字，不能是文本"),
    ('effective ownership([{owner: "A", owned: "C", share: 101}], "C")', "E_ARG_VALUE",
     "effective ownership: edge 1 has the share 101, outside 0..100",
     "effective ownership：第 1 条边的持股比例为 101，超出 0..100"),
    ('ownership paths([{owner: "A", owned: "C", share: 60}, '
     '{owner: "B", owned: "C", share: 60}], "C")', "E_ARG_VALUE",
     'ownership paths: the shares in "C" total 120, more than 100',
     'ownership paths："C" 的股东持股比例合计为 120，超过 100'),
    ('blocked by ownership([], ["X"], 0)', "E_ARG_VALUE",
     "blocked by ownership: the threshold 0 is outside (0, 100]",
     "blocked by ownership：阈值 0 超出 (0, 100]"),
    ('blocked by ownership([], [1])', "E_ARG_VALUE",
     "blocked by ownership: `blocked` item 1 is a number, not a string",
     "blocked by ownership：`blocked` 的第 1 个元素是数字，不是文本"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "code", "message", "zh_cn"), CASES)
def test_a_failing_function_speaks_chinese(
    source: str, code: str, message: str, zh_cn: str
) -> None:
    result = run(source)
    assert result.value is None
    assert [(d.code, d.message, d.zh_cn) for d in result.diagnostics] == [(code, message, zh_cn)]


# (source, context, code, English message, Chinese message)
WITHOUT: list[tuple[str, EvaluationContext, str, str, str]] = [
    ("now()", EvaluationContext(), "E_NO_CLOCK",
     "now: no clock was provided to this evaluation", "now：本次求值未提供时钟"),
    ("today()", EvaluationContext(), "E_NO_CLOCK",
     "today: no clock was provided to this evaluation", "today：本次求值未提供时钟"),
    ('parameter("aml_thresholds", "cash_cny", @"2020-01-01")', EvaluationContext(),
     "E_NO_PARAMETERS", "parameter: no parameter tables were provided to this evaluation",
     "parameter：本次求值未提供参数表"),
    ('parameter("aml_thresholds", "cash_cny")',
     EvaluationContext(parameters=CONTEXT.parameters), "E_NO_CLOCK",
     "parameter: no clock was provided to this evaluation", "parameter：本次求值未提供时钟"),
    ('add working days(@"2025-03-07", 1)', EvaluationContext(), "E_NO_CALENDAR",
     "add working days: no business calendar was provided to this evaluation",
     "add working days：本次求值未提供业务日历"),
    ('is working day(@"2025-03-07")', EvaluationContext(), "E_NO_CALENDAR",
     "is working day: no business calendar was provided to this evaluation",
     "is working day：本次求值未提供业务日历"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "context", "code", "message", "zh_cn"), WITHOUT)
def test_a_missing_clock_calendar_or_parameter_source_is_said_in_chinese(
    source: str, context: EvaluationContext, code: str, message: str, zh_cn: str
) -> None:
    result = compile_expression(source).evaluate({}, context=context)
    assert result.value is None
    assert [(d.code, d.message, d.zh_cn) for d in result.diagnostics] == [(code, message, zh_cn)]


def test_a_parameter_source_without_a_code_gets_a_chinese_lead_in() -> None:
    class Bare:
        def parameter(self, table: str, key: str, day: date) -> object:
            raise LookupError("backend unavailable")

        def parameters(self, table: str, day: date) -> object:
            raise LookupError("backend unavailable")

    context = EvaluationContext(now=CONTEXT.now, parameters=Bare())
    result = compile_expression('parameter("rates", "x")').evaluate({}, context=context)
    assert [(d.code, d.message, d.zh_cn) for d in result.diagnostics] == [
        (
            "E_PARAM_UNKNOWN_KEY",
            "parameter: backend unavailable",
            "parameter：读取参数表 'rates' 失败：backend unavailable",
        )
    ]


def test_temporal_refusals_keep_their_english_and_types_and_carry_chinese() -> None:
    with pytest.raises(TemporalTextError) as refused:
        parse_duration("P1Y2D")
    assert isinstance(refused.value, ValueError)
    assert str(refused.value) == "`P1Y2D` mixes years/months with days/time; use two durations"
    assert zh_reason(refused.value) == "`P1Y2D` 混用了年月与日时；请改用两个时长"
    assert issubclass(YearOutOfRange, ValueError)
    with pytest.raises(DurationOverflow) as overflow:
        parse_duration("P9999999999D")
    assert isinstance(overflow.value, OverflowError)
    assert zh_reason(overflow.value) == "`P9999999999D` 超出了时长可表示的范围（最多 999999999 天）"
    assert zh_reason(KeyError("x")) == "值无效：'x'"
