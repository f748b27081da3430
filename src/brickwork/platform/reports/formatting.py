"""Values of a report as a person reads them, in their locale (CLDR data, through Babel).

The exact values stay in the result (`rows`: decimals as strings); this is the text shown next
to them (`display`) and printed in PDFs:

- money: the currency's symbol for the locale (`¥3,500,000.50` in zh-CN, `CN¥3,500,000.50` in
  en), with the format's `decimals` or the currency's own places;
- numbers: grouped, with the format's `decimals`, else the value's own places (at most six);
- percents: of a fraction (`0.2512` → `25.12%`), two places unless the format says otherwise;
- dates: the CLDR medium date (`2026年1月5日`, `Jan 5, 2026`) or the format's `pattern`; a
  dimension cut to a period shows the period (`2026年1月`, `Q1 2026`, `2026`, a week by its
  Monday); date-times in the report's time zone;
- yes/no in words; text as it is.

Rounding is for the eye only (half up), never applied to the values themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision

from brickwork.engines.report.plan import Format, ReportPlan
from brickwork.engines.report.post import text_of
from brickwork.engines.report.result import ResultTable

MAX_PLACES = 6
GRAIN_PATTERNS = {
    "zh_CN": {"month": "y年M月", "quarter": "y年第Q季度", "year": "y年"},
    "en": {"month": "MMM y", "quarter": "QQQ y", "year": "y"},
}
WORDS = {"zh_CN": ("是", "否"), "en": ("Yes", "No")}


def babel_locale(locale: str) -> str:
    return "zh_CN" if locale.lower().startswith("zh") else "en"


def display_rows(
    plan: ReportPlan,
    table: ResultTable,
    locale: str,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> list[list[str | None]]:
    """Every cell of `table` as text in `locale` (None for an empty cell); `names`: per
    column, the text of a value (a choice's label)."""
    where = babel_locale(locale)
    grains = {d.key: d.grain for d in plan.dimensions if d.grain is not None}
    named = names or {}
    shown = []
    for row in table.rows:
        shown.append(
            [
                named[column.key][value]
                if column.key in named and isinstance(value, str) and value in named[column.key]
                else display(
                    value,
                    column.type,
                    column.format,
                    where,
                    grain=grains.get(column.key),
                    zone=plan.timezone,
                )
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return shown


def choice_names(
    choices: Mapping[str, Mapping[str, Any]], locale: str
) -> dict[str, dict[str, str]]:
    """A run's choice labels in `locale`, per column and value."""
    return {
        key: {value: text_of(label, locale) for value, label in labels.items()}
        for key, labels in choices.items()
    }


def display(
    value: Any,
    kind: str,
    found: Format | None,
    locale: str,
    *,
    grain: str | None = None,
    zone: str = "Asia/Shanghai",
) -> str | None:
    """One value as text (`locale` a Babel locale: "zh_CN" or "en")."""
    if value is None:
        return None
    style = found.style if found is not None and found.style != "text" else kind
    decimals = found.decimals if found is not None else None
    if isinstance(value, bool):
        yes, no = WORDS[locale]
        return yes if value else no
    if isinstance(value, Mapping | list | tuple):
        return _structured(value, kind, found, locale)
    if isinstance(value, datetime):
        moved = value.astimezone(ZoneInfo(zone))
        return format_datetime(moved, _pattern(found, "medium"), locale=locale)
    if isinstance(value, date):
        if grain in ("month", "quarter", "year"):
            return format_date(value, GRAIN_PATTERNS[locale][grain], locale=locale)
        return format_date(value, _pattern(found, "medium"), locale=locale)
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal):
        return str(value)
    if not value.is_finite():
        return str(value)
    if style == "money":
        currency = (found.currency if found is not None else None) or "CNY"
        return _money(value, currency, decimals, locale)
    if style == "percent":
        places = 2 if decimals is None else decimals
        number = _rounded(value * 100, places)
        return format_decimal(number, _with_places("#,##0", places), locale=locale) + "%"
    places = min(_own_places(value), MAX_PLACES) if decimals is None else decimals
    return format_decimal(_rounded(value, places), _with_places("#,##0", places), locale=locale)


def _structured(value: Any, kind: str, found: Format | None, locale: str) -> str | None:
    """A money field's value of a detail report (amount and currency), or several choices."""
    if isinstance(value, Mapping):
        if value.get("amount") is None:
            return None if "amount" in value else str(value)
        currency = value.get("currency") or (found.currency if found is not None else None)
        decimals = found.decimals if found is not None else None
        return _money(Decimal(str(value["amount"])), currency or "CNY", decimals, locale)
    parts = [text for item in value if (text := display(item, kind, found, locale))]
    return ("、" if locale == "zh_CN" else ", ").join(parts)


def _money(value: Decimal, currency: str, decimals: int | None, locale: str) -> str:
    places = get_currency_precision(currency) if decimals is None else decimals
    return format_currency(
        _rounded(value, places),
        currency,
        format=_with_places("¤#,##0", places),
        locale=locale,
        currency_digits=False,
    )


def _pattern(found: Format | None, default: str) -> str:
    return found.pattern if found is not None and found.pattern else default


def _with_places(pattern: str, places: int) -> str:
    return pattern + ("." + "0" * places if places > 0 else "")


def _own_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def display_parameters(parameters: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """Parameter values for a printed header (dates in the locale)."""
    where = babel_locale(locale)

    def one(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: one(v) for k, v in value.items()}
        if isinstance(value, date | datetime | Decimal | bool):
            return display(value, "text", None, where)
        return value

    return {key: one(value) for key, value in parameters.items()}
