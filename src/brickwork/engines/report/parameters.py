"""Report parameters: the values a run gets, from what the caller sent and the defaults.

A date range is `{"start": date, "end": date}`, both days included; its default may be a
period relative to `today` (passed in: the engine has no clock). Weeks start on Monday,
quarters are calendar quarters. Numbers become `Decimal`, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from brickwork.engines.bilingual import NONE, Words, listing
from brickwork.engines.report.plan import Parameter
from brickwork.engines.report.problems import said

PERIODS = (
    "today",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "last_year",
    "last_7_days",
    "last_30_days",
    "last_90_days",
    "last_12_months",
)


class ParameterError(ValueError):
    """Values that cannot be used: `problems` are (pointer, code, message, Chinese message)."""

    def __init__(self, problems: list[tuple[str, str, str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{x[0]}: {x[2]}" for x in problems))


class Unfit(ValueError):
    """A value a parameter cannot take: `why` in both languages (`str()` is the English)."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.why = said(key, **params)
        super().__init__(self.why.en)


def period(name: str, today: date) -> dict[str, date]:
    """The days of a relative period around `today`."""
    if name == "today":
        return {"start": today, "end": today}
    if name in ("this_week", "last_week"):
        monday = today - timedelta(days=today.weekday())
        if name == "last_week":
            monday -= timedelta(days=7)
        return {"start": monday, "end": monday + timedelta(days=6)}
    if name in ("this_month", "last_month"):
        first = today.replace(day=1)
        if name == "last_month":
            first = (first - timedelta(days=1)).replace(day=1)
        return {"start": first, "end": _month_end(first)}
    if name in ("this_quarter", "last_quarter"):
        month = 3 * ((today.month - 1) // 3) + 1
        first = date(today.year, month, 1)
        if name == "last_quarter":
            first = _add_months(first, -3)
        return {"start": first, "end": _month_end(_add_months(first, 2))}
    if name in ("this_year", "last_year"):
        year = today.year - (name == "last_year")
        return {"start": date(year, 1, 1), "end": date(year, 12, 31)}
    if name == "last_12_months":
        return {"start": _add_months(today, -12) + timedelta(days=1), "end": today}
    days = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90}.get(name)
    if days is None:
        raise KeyError(name)
    return {"start": today - timedelta(days=days - 1), "end": today}


def _add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), the month's last day when it has fewer."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    first = date(year, month + 1, 1)
    return min(first + timedelta(days=day.day - 1), _month_end(first))


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def coerce(parameter: Parameter, value: Any, today: date) -> Any:
    """The parameter's value from JSON; `Unfit` says what is wrong."""
    if value is None:
        return None
    kind = parameter.type
    if kind == "date_range":
        return _range(value, today)
    if kind == "date":
        return _date(value, today)
    if kind == "number":
        return _number(value)
    if kind == "select":
        return _select(parameter, value)
    if not isinstance(value, str) or len(value) > 200:
        raise Unfit("text_shape")
    return value


def _range(value: Any, today: date) -> dict[str, date]:
    if isinstance(value, str):
        if value not in PERIODS:
            raise Unfit("not_a_period", value=value, periods=", ".join(PERIODS))
        return period(value, today)
    if not isinstance(value, Mapping) or set(value) != {"start", "end"}:
        raise Unfit("range_shape")
    start, end = _date(value["start"], today), _date(value["end"], today)
    if start > end:
        raise Unfit("range_reversed")
    return {"start": start, "end": end}


def _select(parameter: Parameter, value: Any) -> Any:
    options = parameter.options or ()
    if not parameter.multiple and isinstance(value, list):
        raise Unfit("one_value")
    chosen = list(value) if parameter.multiple and isinstance(value, list) else [value]
    wrong = [v for v in chosen if v not in options]
    if wrong:
        raise Unfit("not_an_option", value=wrong[0], options=list(options))
    return chosen if parameter.multiple else chosen[0]


def _date(value: Any, today: date) -> date:
    if value == "today":
        return today
    if not isinstance(value, str):
        raise Unfit("date_shape")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Unfit("not_a_date", value=value) from None


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Unfit("number_shape")
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise Unfit("not_a_number", value=value) from None
    if not number.is_finite() or abs(number.adjusted()) > 30:
        raise Unfit("unusable_number", value=value)
    return number


def unfit_default(parameter: Parameter) -> Words | None:
    """Why a parameter's default does not fit it (checked at compile time), or None."""
    try:
        coerce(parameter, parameter.default, date(2026, 1, 1))
    except Unfit as exc:
        return exc.why
    return None


class HasParameters(Protocol):
    @property
    def parameters(self) -> Sequence[Parameter]: ...


def resolve_parameters(
    plan: HasParameters, given: Mapping[str, Any], *, today: date
) -> dict[str, Any]:
    """Every parameter's value (given, else its default, else None), checked; `ParameterError`
    lists every problem (unknown keys too)."""
    problems: list[tuple[str, str, str, str]] = []
    known = {parameter.key for parameter in plan.parameters}
    for key in given:
        if key not in known:
            why = said("unknown_parameter", key=key, known=listing(sorted(known), empty=NONE))
            problems.append((f"/parameters/{key}", "unknown_parameter", why.en, why.zh_cn))
    values: dict[str, Any] = {}
    for parameter in plan.parameters:
        pointer = f"/parameters/{parameter.key}"
        raw = given.get(parameter.key, parameter.default)
        try:
            value = coerce(parameter, raw, today)
        except Unfit as exc:
            problems.append((pointer, "parameter_invalid", exc.why.en, exc.why.zh_cn))
            continue
        if value is None and parameter.required:
            why = said("parameter_required")
            problems.append((pointer, "parameter_required", why.en, why.zh_cn))
        values[parameter.key] = value
    if problems:
        raise ParameterError(problems)
    return values
