"""Parameter functions: values from the parameter tables of the evaluation, as of a day.

The tables are data the platform passes as `EvaluationContext(parameters=...)` (any object with
the `environment.ParameterSource` methods); these functions never choose or load one. Without
tables a call yields null plus `E_NO_PARAMETERS`; an unknown table or key, or a key with no
value in force on the day, yields null plus the source's code (`E_PARAM_UNKNOWN_TABLE`,
`E_PARAM_UNKNOWN_KEY`, `E_PARAM_NOT_IN_FORCE`). Without an `as of` day the evaluation's today
is used. They are marked `uses_clock` because that is how an evaluator receives the context.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from brickwork.engines.expr.datatypes import ANY, ANY_CONTEXT, NUMBER
from brickwork.engines.expr.environment import EvaluationContext, ParameterSource
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig

EXCHANGE_RATES = "exchange_rates"
"""The parameter table `convert currency` reads unless told another: keys `USD/CNY` (one USD
in CNY), values numbers."""


def _source(context: EvaluationContext) -> ParameterSource:
    if context.parameters is None:
        raise FunctionError(
            "no parameter tables were provided to this evaluation",
            "E_NO_PARAMETERS",
            zh_cn="本次求值未提供参数表",
        )
    return context.parameters


def _day(context: EvaluationContext, as_of: date | datetime | None) -> date:
    if as_of is None:
        if context.now is None:
            raise FunctionError(
                "no clock was provided to this evaluation", "E_NO_CLOCK", zh_cn="本次求值未提供时钟"
            )
        return context.now.date()
    return as_of.date() if isinstance(as_of, datetime) else as_of


def _looked_up(lookup: Any, table: str, key: str | None, day: date) -> Any:
    """`lookup(table, key, day)`, or `lookup(table, day)` without a key."""
    try:
        return lookup(table, day) if key is None else lookup(table, key, day)
    except LookupError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        zh_cn = _lookup_zh(getattr(exc, "code", None), table, key, day, message)
        raise FunctionError(message, _code(exc), zh_cn=zh_cn) from None


def _lookup_zh(code: object, table: str, key: str | None, day: date, message: str) -> str:
    """The Chinese of a failed lookup, from the source's code (its text is English only); a
    Chinese lead-in before the English text when the code does not say what failed."""
    if code == "E_PARAM_UNKNOWN_TABLE":
        return f"没有已发布的参数表 {table!r}"
    if code == "E_PARAM_UNKNOWN_KEY" and key is not None:
        return f"参数表 {table!r} 没有键 {key!r}"
    if code == "E_PARAM_NOT_IN_FORCE" and key is not None:
        return f"{table}.{key} 在 {day.isoformat()} 没有有效的值"
    return f"读取参数表 {table!r} 失败：{message}"


def _code(exc: LookupError) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else "E_PARAM_UNKNOWN_KEY"


def parameter(
    context: EvaluationContext, table: str, key: str, as_of: date | datetime | None = None
) -> Any:
    return _looked_up(_source(context).parameter, table, key, _day(context, as_of))


def parameters(
    context: EvaluationContext, table: str, as_of: date | datetime | None = None
) -> Mapping[str, Any]:
    return dict(_looked_up(_source(context).parameters, table, None, _day(context, as_of)))


def convert_currency(
    context: EvaluationContext,
    amount: Decimal,
    source: str,
    target: str,
    as_of: date | datetime | None = None,
    rates: str | None = None,
) -> Decimal:
    """`amount` in `source` currency expressed in `target`: by the rate `SOURCE/TARGET`, else by
    dividing by `TARGET/SOURCE`. Not rounded: round to the target's minor unit where needed."""
    source, target = source.strip().upper(), target.strip().upper()
    if source == target:
        return amount
    table = rates or EXCHANGE_RATES
    day = _day(context, as_of)
    found = _looked_up(_source(context).parameters, table, None, day)
    direct, inverse = found.get(f"{source}/{target}"), found.get(f"{target}/{source}")
    if isinstance(direct, Decimal):
        return amount * direct
    if isinstance(inverse, Decimal) and inverse != 0:
        return amount / inverse
    raise FunctionError(
        f"{table} has no rate {source}/{target} (nor {target}/{source}) in force on "
        f"{day.isoformat()}",
        "E_PARAM_NOT_IN_FORCE",
        zh_cn=f"{table} 中没有 {day.isoformat()} 有效的汇率 {source}/{target}"
        f"（也没有 {target}/{source}）",
    )


_NOTE = (
    "Reads the parameter tables of the evaluation; without them: null and `E_NO_PARAMETERS`. "
    "An unknown table or key, or no value in force on the day: null and `E_PARAM_UNKNOWN_TABLE`, "
    "`E_PARAM_UNKNOWN_KEY` or `E_PARAM_NOT_IN_FORCE`."
)

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "parameter", "parameters",
        (sig("table: string, key: string, as of?: date|datetime", parameter, ANY),),
        "The value of `key` in the parameter table `table` in force on `as of` (default: "
        "today). A table of another app is named `app.table`.",
        "参数表 `table` 中 `key` 在 `as of`（默认今天）当日有效的值；其他应用的参数表写作 "
        "`app.table`。",
        (ex('parameter("aml_thresholds", "cash_cny", @"2017-07-01")', "50000"),
         ex('parameter("aml_thresholds", "cash_cny", @"2017-06-30")', "200000")),
        uses_clock=True, notes=(_NOTE,),
    ),
    FunctionSpec(
        "parameters", "parameters",
        (sig("table: string, as of?: date|datetime", parameters, ANY_CONTEXT),),
        "Every key of the parameter table `table` with its value in force on `as of` "
        "(default: today), as a context.",
        "参数表 `table` 在 `as of`（默认今天）当日有效的全部键值，作为上下文返回。",
        (ex('parameters("aml_thresholds", @"2017-07-01").cash_usd', "10000"),),
        uses_clock=True, notes=(_NOTE,),
    ),
    FunctionSpec(
        "convert currency", "parameters",
        (sig("amount: number, from: string, to: string, as of?: date|datetime, rates?: string",
             convert_currency, NUMBER),),
        "`amount` in currency `from` converted to `to` at the rate in force on `as of` (default: "
        "today) in the parameter table `rates` (default `exchange_rates`, keys like `USD/CNY`); "
        "the inverse rate is used when only `to/from` is there. Not rounded.",
        "按参数表 `rates`（默认 `exchange_rates`，键如 `USD/CNY`）中 `as of`（默认今天）有效的"
        "汇率，把币种 `from` 的 `amount` 换算为 `to`；只有 `to/from` 时用其倒数。结果不舍入。",
        (ex('convert currency(100, "USD", "CNY", @"2025-03-03")', "718.5000"),
         ex('convert currency(718.5, "CNY", "USD", @"2025-03-03")', "100")),
        uses_clock=True, notes=(_NOTE,),
    ),
)  # fmt: skip
