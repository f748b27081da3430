"""Money: ISO 4217 currencies with their scales, the `Money` value and the one rounding helper.

Amounts are `Decimal` end to end. Rounding happens in exactly one place, `quantize_half_up`
(ROUND_HALF_UP: ties go away from zero, so CNY 2.345 → 2.35 and -2.345 → -2.35). Whether an
amount with more decimals than its currency allows is rounded or refused is the field's choice
(`rounding`); the default is to refuse, because silently changing an amount someone typed is
worse than asking again. This module must never use float or `round()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Literal

Rounding = Literal["refuse", "half_up"]
"""What to do with more decimals than the scale allows: refuse the value, or round half-up."""

ARITHMETIC = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation])
"""Room for any amount we accept (precision is capped at 38 digits) plus the quantize step."""

_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMALS = "CLF UYW"
_TWO_DECIMALS = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP "
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE "
    "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES "
    "WST XCD XCG YER ZAR ZMW ZWG"
)

CURRENCY_SCALES: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS.split(), 2),
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
    **dict.fromkeys(_FOUR_DECIMALS.split(), 4),
}
"""Minor-unit digits of the active ISO 4217 currencies (CNY/USD/EUR/HKD 2, JPY/KRW 0, ...)."""


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency; the amount carries exactly the currency's scale."""

    amount: Decimal
    currency: str


def currency_scale(currency: str) -> int:
    """Decimal places of `currency`; KeyError for a code that is not an active ISO 4217 code."""
    return CURRENCY_SCALES[currency]


def quantize_half_up(amount: Decimal, scale: int) -> Decimal:
    """`amount` with exactly `scale` decimals, ties rounded away from zero. The only rounding."""
    result = amount.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=ARITHMETIC)
    return abs(result) if result.is_zero() else result


def decimal_places(amount: Decimal) -> int:
    """How many decimals `amount` needs (trailing zeros do not count: 2.340 needs 2). Exact for
    any number of digits (`normalize` would round to the context's precision first)."""
    if amount.is_zero():
        return 0
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int), "only finite decimals reach here"
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + zeros))


STORABLE_DIGITS = 18
"""Significant digits every backend stores exactly, whatever a field's declared `precision`:
SQLite keeps decimals as 64-bit integers in minor units (|n| < 2**63, so any 18 digits fit)."""


def integer_digits(amount: Decimal) -> int:
    """Digits before the decimal point (0 for |amount| < 1)."""
    if amount.is_zero():
        return 0
    return max(0, amount.adjusted() + 1)


def fit_scale(amount: Decimal, scale: int, *, rounding: Rounding) -> Decimal | None:
    """`amount` at exactly `scale` decimals, or None when that would change it and the policy is
    to refuse."""
    if decimal_places(amount) > scale and rounding == "refuse":
        return None
    return quantize_half_up(amount, scale)


def shift(amount: Decimal, places: int) -> Decimal:
    """`amount` times 10^places, exactly (no context rounding, unlike `scaleb` at 28 digits)."""
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int), "only finite decimals reach here"
    return Decimal((sign, digits, exponent + places))


def format_amount(amount: Decimal, scale: int) -> str:
    """Grouped digits with `scale` decimals: 1234567.5 at scale 2 → "1,234,567.50"."""
    return f"{quantize_half_up(amount, scale):,.{scale}f}"
