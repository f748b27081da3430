"""Money: currency scales, half-up rounding at the currency's scale, and the scale policy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from form_support import CONTEXT, codes, make_field

from brickwork.engines.form.fieldtypes import coerce_value, display_value, storage_of
from brickwork.engines.form.fieldtypes.base import DisplayContext, StorageKind
from brickwork.engines.form.money import (
    CURRENCY_SCALES,
    Money,
    currency_scale,
    decimal_places,
    fit_scale,
    format_amount,
    integer_digits,
    quantize_half_up,
)

D = Decimal


@pytest.mark.parametrize(
    ("currency", "scale"),
    [
        ("CNY", 2),
        ("USD", 2),
        ("EUR", 2),
        ("HKD", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("VND", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("JOD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("CLF", 4),
    ],
)
def test_currency_scales(currency: str, scale: int) -> None:
    assert currency_scale(currency) == scale


def test_currency_table_is_well_formed() -> None:
    assert len(CURRENCY_SCALES) > 150
    assert all(len(code) == 3 and code.isupper() for code in CURRENCY_SCALES)
    assert set(CURRENCY_SCALES.values()) == {0, 2, 3, 4}


def test_unknown_currency_has_no_scale() -> None:
    with pytest.raises(KeyError):
        currency_scale("XYZ")


@pytest.mark.parametrize(
    ("amount", "scale", "rounded"),
    [
        ("2.345", 2, "2.35"),
        ("2.344", 2, "2.34"),
        ("-2.345", 2, "-2.35"),
        ("-2.344", 2, "-2.34"),
        ("2.335", 2, "2.34"),
        ("2.325", 2, "2.33"),
        ("0.005", 2, "0.01"),
        ("-0.005", 2, "-0.01"),
        ("-0.004", 2, "0.00"),
        ("100.5", 0, "101"),
        ("101.5", 0, "102"),
        ("-100.5", 0, "-101"),
        ("99.4999", 0, "99"),
        ("1.0005", 3, "1.001"),
        ("1.2345", 3, "1.235"),
        ("1", 2, "1.00"),
        ("1E+3", 2, "1000.00"),
        ("999999999999999999.995", 2, "1000000000000000000.00"),
    ],
)
def test_quantize_half_up(amount: str, scale: int, rounded: str) -> None:
    result = quantize_half_up(D(amount), scale)
    assert str(result) == rounded
    assert result.as_tuple().exponent == -scale


@pytest.mark.parametrize(
    ("amount", "places"),
    [
        ("2.340", 2),
        ("2.345", 3),
        ("100", 0),
        ("1E+3", 0),
        ("0.000", 0),
        ("-1.5", 1),
        ("1." + "0" * 70 + "1", 71),
        ("1E-90", 90),
        ("1200", 0),
    ],
)
def test_decimal_places_ignore_trailing_zeros(amount: str, places: int) -> None:
    assert decimal_places(D(amount)) == places


@pytest.mark.parametrize(
    ("amount", "digits"), [("0", 0), ("0.5", 0), ("9.99", 1), ("10", 2), ("-123.4", 3), ("1E+3", 4)]
)
def test_integer_digits(amount: str, digits: int) -> None:
    assert integer_digits(D(amount)) == digits


@pytest.mark.parametrize(
    ("amount", "scale", "refused", "rounded"),
    [
        ("2.345", 2, None, "2.35"),
        ("2.340", 2, "2.34", "2.34"),
        ("2.3", 2, "2.30", "2.30"),
        ("100.5", 0, None, "101"),
        ("100.0", 0, "100", "100"),
    ],
)
def test_fit_scale_refuses_or_rounds(
    amount: str, scale: int, refused: str | None, rounded: str
) -> None:
    kept = fit_scale(D(amount), scale, rounding="refuse")
    assert (None if kept is None else str(kept)) == refused
    assert str(fit_scale(D(amount), scale, rounding="half_up")) == rounded


@pytest.mark.parametrize(
    ("amount", "scale", "text"),
    [("1234567.5", 2, "1,234,567.50"), ("-1234.5", 0, "-1,235"), ("0", 3, "0.000")],
)
def test_format_amount(amount: str, scale: int, text: str) -> None:
    assert format_amount(D(amount), scale) == text


# ---------------------------------------------------------------- the money field policy


@pytest.mark.parametrize(
    ("currency", "raw", "expected"),
    [
        ("CNY", "2.34", "2.34"),
        ("CNY", "2.340", "2.34"),
        ("CNY", D("2.3"), "2.30"),
        ("CNY", 5, "5.00"),
        ("JPY", "100", "100"),
        ("KWD", "1.234", "1.234"),
    ],
)
def test_default_policy_accepts_amounts_that_fit(currency: str, raw: object, expected: str) -> None:
    result = coerce_value(make_field("money", currency=currency), raw, context=CONTEXT)
    assert result.value == Money(D(expected), currency)
    assert str(result.value.amount) == expected


@pytest.mark.parametrize(
    ("currency", "raw"),
    [("CNY", "2.345"), ("CNY", "-2.344"), ("JPY", "100.5"), ("KWD", "1.2345"), ("USD", "0.001")],
)
def test_default_policy_refuses_extra_decimals(currency: str, raw: str) -> None:
    result = coerce_value(make_field("money", currency=currency), raw, context=CONTEXT)
    assert codes(result.problems) == ["money_scale"]
    assert result.value is None
    assert currency in result.problems[0].en
    assert str(currency_scale(currency)) in result.problems[0].zh_cn


@pytest.mark.parametrize(
    ("currency", "raw", "expected"),
    [
        ("CNY", "2.345", "2.35"),
        ("CNY", "2.344", "2.34"),
        ("CNY", "-2.345", "-2.35"),
        ("JPY", "100.5", "101"),
        ("KRW", "-0.5", "-1"),
        ("BHD", "1.2345", "1.235"),
        ("USD", D("0.004"), "0.00"),
    ],
)
def test_half_up_policy_rounds_at_the_currency_scale(
    currency: str, raw: object, expected: str
) -> None:
    field = make_field("money", currency=currency, rounding="half_up")
    result = coerce_value(field, raw, context=CONTEXT)
    assert result.ok
    assert str(result.value.amount) == expected


def test_per_value_currency_uses_that_currencys_scale() -> None:
    field = make_field("money", currencies=["USD", "JPY"], rounding="half_up")
    jpy = coerce_value(field, {"amount": "100.5", "currency": "jpy"}, context=CONTEXT)
    usd = coerce_value(field, {"amount": "100.555", "currency": "USD"}, context=CONTEXT)
    assert jpy.value == Money(D("101"), "JPY")
    assert usd.value == Money(D("100.56"), "USD")
    eur = coerce_value(field, {"amount": "1", "currency": "EUR"}, context=CONTEXT)
    assert codes(eur.problems) == ["money_currency"]
    assert eur.problems[0].pointer == "/currency"


def test_problems_in_the_amount_point_at_it() -> None:
    field = make_field("money", currency="CNY")
    result = coerce_value(field, {"amount": "1.234", "currency": "CNY"}, context=CONTEXT)
    assert [(p.code, p.pointer) for p in result.problems] == [("money_scale", "/amount")]
    result = coerce_value(field, {"amount": "abc"}, context=CONTEXT)
    assert [(p.code, p.pointer) for p in result.problems] == [("number_format", "/amount")]


def test_money_storage_is_exact_decimal() -> None:
    fixed = storage_of(make_field("money", currency="JPY"))
    assert (fixed.kind, fixed.precision, fixed.scale) == (StorageKind.DECIMAL, 20, 0)
    variable = storage_of(make_field("money", currencies=["USD", "KWD"]))
    assert (variable.kind, variable.scale) == (StorageKind.MONEY, 3)
    anything = storage_of(make_field("money"))
    assert (anything.kind, anything.scale) == (StorageKind.MONEY, 4)


def test_money_display() -> None:
    field = make_field("money", currency="CNY")
    value = Money(D("1234567.50"), "CNY")
    assert display_value(field, value, DisplayContext("en")) == "CNY 1,234,567.50"
    assert display_value(field, Money(D("-5"), "JPY")) == "JPY -5"


def test_one_hundred_thousand_cents_add_up_exactly() -> None:
    field = make_field("money", currency="CNY")
    total = sum(
        (coerce_value(field, "0.01", context=CONTEXT).value.amount for _ in range(100_000)),
        start=D(0),
    )
    assert total == D("1000.00")
