"""Numeric field types: integer, decimal, money and percent. Decimal only, never float.

Input is a JSON integer, a JSON number (which Brickwork's JSON reader yields as `Decimal`) or a
numeric string; Python floats are refused (`number_float`) because their binary value is not
what anyone typed. Values with more decimals than the scale are refused unless the field says
`rounding: half_up`, in which case they are rounded by the one helper in `money.py`. Trailing
zeros never count (CNY "2.340" is 2.34). This module must not call `round()`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal

from brickwork.engines.form.definition import DecimalField, IntegerField, MoneyField, PercentField
from brickwork.engines.form.elements import Sensitivity
from brickwork.engines.form.fieldtypes.base import (
    CoerceContext,
    Coerced,
    DisplayContext,
    FieldType,
    JsonSchema,
    Storage,
    StorageKind,
    accept,
    check_range,
    refuse,
)
from brickwork.engines.form.money import (
    CURRENCY_SCALES,
    STORABLE_DIGITS,
    Money,
    fit_scale,
    format_amount,
    integer_digits,
    shift,
)
from brickwork.engines.form.problems import Problem, Words, problem, wrong_type

NUMERIC_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
MAX_NUMERIC_TEXT = 100
INTEGER_MIN = -(2**63)
INTEGER_MAX = 2**63 - 1
NUMBER_PATTERN = r"^\s*[+-]?[0-9]+(\.[0-9]+)?\s*$"
VARIABLE_CURRENCY_SCALE = max(CURRENCY_SCALES.values())


def too_many_digits(number: Decimal, *, precision: int, scale: int, storage_scale: int) -> bool:
    """Whether `number` has more integer digits than the field allows or its column can hold."""
    digits = integer_digits(number)
    return digits > precision - scale or digits > STORABLE_DIGITS - storage_scale


def parse_decimal(raw: object) -> Decimal | Problem:
    """A finite Decimal from an int, a Decimal or a numeric string (full-width digits allowed)."""
    match raw:
        case bool():
            return wrong_type("number")
        case int():
            return Decimal(raw)
        case Decimal():
            return raw if raw.is_finite() else problem("number_not_finite")
        case float():
            return problem("number_float")
        case str():
            text = unicodedata.normalize("NFKC", raw).strip()
            if len(text) > MAX_NUMERIC_TEXT or not NUMERIC_TEXT.fullmatch(text):
                return problem("number_format")
            return Decimal(text)
        case _:
            return wrong_type("number")


def number_schema(description: str) -> JsonSchema:
    return {
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": NUMBER_PATTERN}],
        "description": description,
    }


def plain(value: Decimal) -> str:
    """Fixed-point text of a Decimal (no exponent)."""
    return f"{value:f}"


# ---------------------------------------------------------------- integer


def coerce_integer(raw: object, field: IntegerField, context: CoerceContext) -> Coerced:
    number = parse_decimal(raw)
    if isinstance(number, Problem):
        return refuse(number)
    if number != number.to_integral_value():
        return refuse(problem("integer_fraction"))
    if number.adjusted() > 18 or not INTEGER_MIN <= int(number) <= INTEGER_MAX:
        return refuse(problem("integer_range"))
    return accept(int(number))


def validate_integer(value: int, field: IntegerField) -> tuple[Problem, ...]:
    return check_range(value, field.minimum, field.maximum)


def display_integer(value: int, field: IntegerField, context: DisplayContext) -> str:
    return f"{value:,}"


# ---------------------------------------------------------------- decimal and percent


def _scaled(
    number: Decimal, *, precision: int, scale: int, field: DecimalField | PercentField
) -> Coerced:
    if too_many_digits(number, precision=precision, scale=scale, storage_scale=scale):
        return refuse(problem("decimal_precision"))
    fitted = fit_scale(number, scale, rounding=field.rounding)
    if fitted is None:
        shown = scale - 2 if isinstance(field, PercentField) else scale
        return refuse(problem("decimal_scale", scale=shown))
    return accept(fitted)


def coerce_decimal(raw: object, field: DecimalField, context: CoerceContext) -> Coerced:
    number = parse_decimal(raw)
    if isinstance(number, Problem):
        return refuse(number)
    return _scaled(number, precision=field.precision, scale=field.scale, field=field)


def validate_decimal(value: Decimal, field: DecimalField | PercentField) -> tuple[Problem, ...]:
    return check_range(value, field.minimum, field.maximum, show=plain)


def display_decimal(value: Decimal, field: DecimalField, context: DisplayContext) -> str:
    return format_amount(value, field.scale)


def coerce_percent(raw: object, field: PercentField, context: CoerceContext) -> Coerced:
    """A ratio; a string ending in % is a percentage ("12.5%" → 0.125)."""
    number: Decimal | Problem
    text = unicodedata.normalize("NFKC", raw).strip() if isinstance(raw, str) else ""
    if text.endswith("%"):
        number = parse_decimal(text[:-1])
        if isinstance(number, Decimal):
            number = shift(number, -2)
    else:
        number = parse_decimal(raw)
    if isinstance(number, Problem):
        return refuse(number)
    return _scaled(number, precision=field.precision, scale=field.scale + 2, field=field)


def display_percent(value: Decimal, field: PercentField, context: DisplayContext) -> str:
    return f"{format_amount(shift(value, 2), field.scale)}%"


# ---------------------------------------------------------------- money


def _money_parts(raw: object) -> tuple[object, str | None, str] | Problem:
    """(amount input, currency or None, pointer of the amount) from the accepted input shapes."""
    if isinstance(raw, Money):
        return raw.amount, raw.currency, ""
    if not isinstance(raw, Mapping):
        return raw, None, ""
    if "amount" not in raw or not set(raw) <= {"amount", "currency"}:
        return problem("money_format")
    currency = raw.get("currency")
    if currency is not None and not isinstance(currency, str):
        return problem("money_currency", pointer="/currency")
    return raw["amount"], None if currency is None else currency.strip().upper(), "/amount"


def _money_currency(given: str | None, field: MoneyField) -> str | Problem:
    if field.currency is not None:
        if given is not None and given != field.currency:
            return problem("money_currency_mismatch", currency=field.currency)
        return field.currency
    if given is None:
        return problem("money_currency_required")
    if given not in CURRENCY_SCALES or (field.currencies and given not in field.currencies):
        return problem("money_currency", pointer="/currency")
    return given


def coerce_money(raw: object, field: MoneyField, context: CoerceContext) -> Coerced:
    parts = _money_parts(raw)
    if isinstance(parts, Problem):
        return refuse(parts)
    amount_raw, given, pointer = parts
    currency = _money_currency(given, field)
    if isinstance(currency, Problem):
        return refuse(currency)
    amount = parse_decimal(amount_raw)
    if isinstance(amount, Problem):
        return refuse(amount.under(pointer))
    scale = CURRENCY_SCALES[currency]
    storage_scale = money_storage(field).scale or 0  # always set for money
    if too_many_digits(amount, precision=field.precision, scale=scale, storage_scale=storage_scale):
        return refuse(problem("money_precision", pointer=pointer))
    fitted = fit_scale(amount, scale, rounding=field.rounding)
    if fitted is None:
        return refuse(problem("money_scale", pointer=pointer, currency=currency, scale=scale))
    return accept(Money(fitted, currency))


def validate_money(value: Money, field: MoneyField) -> tuple[Problem, ...]:
    return check_range(value.amount, field.minimum, field.maximum, show=plain)


def display_money(value: Money, field: MoneyField, context: DisplayContext) -> str:
    return f"{value.currency} {format_amount(value.amount, CURRENCY_SCALES[value.currency])}"


def money_storage(field: MoneyField) -> Storage:
    if field.currency is not None:
        scale = CURRENCY_SCALES.get(field.currency, 2)
        return Storage(kind=StorageKind.DECIMAL, precision=field.precision, scale=scale)
    allowed = field.currencies or tuple(CURRENCY_SCALES)
    scale = max(CURRENCY_SCALES.get(code, 2) for code in allowed)
    return Storage(kind=StorageKind.MONEY, precision=field.precision, scale=scale)


def money_schema(field: MoneyField) -> JsonSchema:
    currency: JsonSchema = {"type": "string", "pattern": "^[A-Za-z]{3}$"}
    if field.currency is not None:
        currency = {"const": field.currency}
    elif field.currencies:
        currency = {"enum": list(field.currencies)}
    amount = number_schema("Amount as a JSON number or a numeric string (never a float).")
    whole: JsonSchema = {
        "type": "object",
        "properties": {"amount": amount, "currency": currency},
        "required": ["amount"] if field.currency else ["amount", "currency"],
        "additionalProperties": False,
    }
    if field.currency is None:
        return whole
    return {"anyOf": [*amount["anyOf"], whole], "x-currency": field.currency}


def money_json(value: Money, field: object = None) -> dict[str, object]:
    return {"amount": value.amount, "currency": value.currency}


ENTRIES = (
    FieldType[IntegerField](
        name="integer",
        summary=Words("整数", "whole number"),
        storage=lambda field: Storage(kind=StorageKind.INTEGER),
        coerce=coerce_integer,
        validate=validate_integer,
        display=display_integer,
        schema=lambda field: number_schema("A whole number (a JSON integer or digits)."),
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[DecimalField](
        name="decimal",
        summary=Words("小数", "decimal number"),
        storage=lambda field: Storage(
            kind=StorageKind.DECIMAL, precision=field.precision, scale=field.scale
        ),
        coerce=coerce_decimal,
        validate=validate_decimal,
        display=display_decimal,
        schema=lambda field: number_schema(f"At most {field.scale} decimal places."),
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[MoneyField](
        name="money",
        summary=Words("金额", "money amount"),
        storage=money_storage,
        coerce=coerce_money,
        validate=validate_money,
        display=display_money,
        schema=money_schema,
        mask="none",
        sensitivity=Sensitivity.C1,
        to_json=money_json,
    ),
    FieldType[PercentField](
        name="percent",
        summary=Words("百分比", "percentage"),
        storage=lambda field: Storage(
            kind=StorageKind.DECIMAL, precision=field.precision, scale=field.scale + 2
        ),
        coerce=coerce_percent,
        validate=validate_decimal,
        display=display_percent,
        schema=lambda field: {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": r"^\s*[+-]?[0-9]+(\.[0-9]+)?\s*%?\s*$"},
            ],
            "description": 'A ratio (0.125) or a percentage string ("12.5%").',
        },
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
)
