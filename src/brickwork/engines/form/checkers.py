"""Per-field value checkers prepared once per compiled form: `check_value`, minus the overhead.

`checker_of(field)` returns a closure with the exact result of `fieldtypes.check_value` for
every input, in a cheaper shape: the typed value itself when there is nothing to report, or the
`Coerced` (problems/warnings) otherwise. The registry entry is looked up once, and the common
shapes of input (plain printable text, an option from the list, a JSON integer or boolean, an
ISO date, an ASCII number, a canonical mobile number or resident ID) take a short path;
anything else goes through the registry, which stays the authority (a property test checks
that both agree). `strict_checker_of` is the same checker for callers that only want clean
values (`shortcut`): it raises `NeedsReport` instead of returning a `Coerced`. This module must
not hold rules of its own: every short path accepts only what the registry would accept,
unchanged."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from brickwork.engines.form.definition import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    MoneyField,
    MultiSelectField,
    PhoneField,
    ResidentIdField,
    SingleSelectField,
    TextareaField,
    TextField,
)
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import CoerceContext, Coerced, entry_of
from brickwork.engines.form.fieldtypes.numeric import INTEGER_MAX, INTEGER_MIN
from brickwork.engines.form.fieldtypes.text import compiled
from brickwork.engines.form.money import (
    CURRENCY_SCALES,
    STORABLE_DIGITS,
    Money,
    integer_digits,
    quantize_half_up,
)
from brickwork.engines.identifiers.contact import E164
from brickwork.engines.identifiers.resident_id import (
    CHECK_CHARS,
    PROVINCES,
    ResidentIdType,
    region_listed,
)

Checker = Callable[[object, CoerceContext], Any]
"""`(raw, context) -> value | Coerced`: a `Coerced` only when it has problems or warnings."""

Factory = Callable[[Any, Checker], Checker | None]
"""Builds the checker of a field type from the field and its registry checker (`full`)."""

_PLAIN_NUMBER = re.compile(r"-?([0-9]{1,30})(\.[0-9]{1,18})?")
"""A plain ASCII number: its whole digits, and its point with its decimals when it has any."""


_is_normalized = unicodedata.is_normalized
_date_of = date.fromisoformat


class NeedsReport(Exception):
    """Raised by a strict checker where `checker_of` would return a `Coerced`."""


def checker_of(field: FieldBase) -> Checker:
    """The checker of `field`: a short path for common input, the registry for the rest."""
    return _with_shortcut(field, _registry_checker(field))


def strict_checker_of(field: FieldBase) -> Checker:
    """`checker_of(field)` for callers that only want clean values: where that would return a
    `Coerced` (problems or warnings), this raises `NeedsReport`; it never returns one."""
    return _with_shortcut(field, _strict(_registry_checker(field)))


def _with_shortcut(field: FieldBase, full: Checker) -> Checker:
    factory = _SHORTCUTS.get(field.type)
    found = factory(field, full) if factory is not None else None
    return full if found is None else found


def _strict(full: Checker) -> Checker:
    # Short paths return either a clean value or what `full` returns: only `full` can report.
    def check(raw: object, context: CoerceContext) -> Any:
        found = full(raw, context)
        if type(found) is Coerced:
            raise NeedsReport
        return found

    return check


def _registry_checker(field: FieldBase) -> Checker:
    entry = entry_of(field)
    coerce = entry.coerce
    validate = entry.validate

    def check(raw: object, context: CoerceContext) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        coerced: Coerced = coerce(raw, field, context)
        if coerced.problems:
            return coerced
        value = coerced.value
        if value is None:
            return coerced if coerced.warnings else None
        problems = validate(value, field)
        if problems:
            return Coerced(None, problems, coerced.warnings)
        return coerced if coerced.warnings else value

    return check


# ---------------------------------------------------------------- short paths


def _plain_text(field: TextField, full: Checker) -> Checker:
    low = field.min_length or 0
    high = field.max_length
    pattern = None if field.pattern is None else compiled(field.pattern)
    checked = low > 0 or pattern is not None  # anything to check beyond "not blank"

    def check(raw: object, context: CoerceContext) -> Any:
        if type(raw) is not str or len(raw) > high or not raw.isprintable():
            return full(raw, context)
        if not raw.isascii() and not _is_normalized("NFC", raw):  # ASCII text is always NFC
            return full(raw, context)
        text = raw.strip()
        if not text:
            return full(raw, context)
        if checked and (len(text) < low or (pattern is not None and not pattern.fullmatch(text))):
            return full(raw, context)
        return text

    return check


def _plain_textarea(field: TextareaField, full: Checker) -> Checker:
    low = field.min_length or 0
    high = field.max_length

    def check(raw: object, context: CoerceContext) -> Any:
        if type(raw) is not str or len(raw) > high or "\r" in raw:
            return full(raw, context)
        if not raw.replace("\n", "").replace("\t", "").isprintable():
            return full(raw, context)
        if not raw.isascii() and not _is_normalized("NFC", raw):  # ASCII text is always NFC
            return full(raw, context)
        text = raw.strip()
        return text if text and len(text) >= low else full(raw, context)

    return check


def _known_options(field: SingleSelectField | MultiSelectField) -> frozenset[str] | None:
    if field.options_from is not None:
        return None
    values = field.option_values()
    if not all(unicodedata.is_normalized("NFC", value) for value in values):
        return None
    return frozenset(values)


def _single(field: SingleSelectField, full: Checker) -> Checker | None:
    options = _known_options(field)
    if options is None:
        return None

    def check(raw: object, context: CoerceContext) -> Any:
        return raw if type(raw) is str and raw in options else full(raw, context)

    return check


def _multi(field: MultiSelectField, full: Checker) -> Checker | None:
    options = _known_options(field)
    if options is None:
        return None
    low = field.min_items or 0
    high = field.max_items if field.max_items is not None else len(options)

    def check(raw: object, context: CoerceContext) -> Any:
        if type(raw) is not list or not low <= len(raw) <= high:
            return full(raw, context)
        if not all(type(item) is str and item in options for item in raw):
            return full(raw, context)
        return tuple(raw) if len(set(raw)) == len(raw) else full(raw, context)

    return check


def _integer(field: IntegerField, full: Checker) -> Checker:
    low = INTEGER_MIN if field.minimum is None else max(INTEGER_MIN, field.minimum)
    high = INTEGER_MAX if field.maximum is None else min(INTEGER_MAX, field.maximum)

    def check(raw: object, context: CoerceContext) -> Any:
        return raw if type(raw) is int and low <= raw <= high else full(raw, context)

    return check


def _boolean(field: BooleanField, full: Checker) -> Checker:
    def check(raw: object, context: CoerceContext) -> Any:
        return raw if type(raw) is bool else full(raw, context)

    return check


def _date(field: DateField, full: Checker) -> Checker:
    low, high = field.minimum, field.maximum

    def check(raw: object, context: CoerceContext) -> Any:
        # YYYY-MM-DD: of the ten-character ASCII texts with these two hyphens, `fromisoformat`
        # accepts only those with ASCII digits around them (a test goes through every character).
        if type(raw) is not str or len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
            return full(raw, context)
        if not raw.isascii():
            return full(raw, context)
        try:
            value = _date_of(raw)
        except ValueError:
            return full(raw, context)
        if (low is not None and value < low) or (high is not None and value > high):
            return full(raw, context)
        return value

    return check


def _scaled(
    field: DecimalField | MoneyField, scale: int, currency: str | None, full: Checker
) -> Checker:
    """Reads a plain number at `scale` as `fit_scale` does (a `Money` when `currency` is set),
    else asks `full`.

    An int, or text with no more decimals than the scale, is padded with zeros as text and read
    by `Decimal` once (exact, whatever the context): the value `quantize_half_up` would give,
    without its rounding step. Zero still goes through it, which turns -0.00 into 0.00."""
    digits = min(field.precision, STORABLE_DIGITS) - scale
    rounds = field.rounding == "half_up"
    low, high = field.minimum, field.maximum
    limit = 10**digits  # ints with no more whole digits than `digits`
    # Zeros to append, by the length of the point and decimals sent ("" when there is no point;
    # "5." reads as 5, so scale 0 needs no case of its own).
    pads = ("." + "0" * scale, *("0" * (scale - places) for places in range(scale + 1)))

    def check(raw: object, context: CoerceContext) -> Any:
        if type(raw) is str:
            # Plain ASCII text, the usual input: its digits are counted on the text itself.
            found = _PLAIN_NUMBER.fullmatch(raw)
            if found is None:
                return full(raw, context)
            end = found.end(1)  # after the whole digits: at least their count
            if end > digits and len(found[1].lstrip("0")) > digits:
                return full(raw, context)
            tail = len(raw) - end  # the point and the decimals, if any
            if tail <= scale + 1:
                value = Decimal(raw + pads[tail])
            elif rounds:
                value = quantize_half_up(Decimal(raw), scale)
            else:
                return full(raw, context)
        elif type(raw) is int and -limit < raw < limit:
            value = Decimal(f"{raw}{pads[0]}")
        else:
            fitted = _fitted(raw, scale, digits, rounds)
            if fitted is None:
                return full(raw, context)
            value = fitted
        if not value:
            value = quantize_half_up(value, scale)
        if (low is not None and value < low) or (high is not None and value > high):
            return full(raw, context)
        if currency is None:
            return value
        money = _new_money(Money)
        _set_amount(money, value)
        _set_currency(money, currency)
        return money

    return check


def _fitted(raw: object, scale: int, digits: int, rounds: bool) -> Decimal | None:
    """A finite `Decimal` input at `scale`, or None to ask the registry (any other input)."""
    if type(raw) is not Decimal or not raw.is_finite():
        return None
    exponent = raw.as_tuple().exponent
    assert isinstance(exponent, int)
    places = -exponent
    if integer_digits(raw) > digits or (places > scale and not rounds):
        return None
    return raw if places == scale and raw else quantize_half_up(raw, scale)


# `Money(value, currency)` slot by slot: the frozen dataclass's `__init__` goes through
# `object.__setattr__` per field, which costs twice as much for the very same object.
_new_money = object.__new__
_set_amount = vars(Money)["amount"].__set__
_set_currency = vars(Money)["currency"].__set__


def _decimal(field: DecimalField, full: Checker) -> Checker | None:
    if field.precision < field.scale:  # refuses every value: no short path needed
        return None
    return _scaled(field, field.scale, None, full)


def _money(field: MoneyField, full: Checker) -> Checker | None:
    currency = field.currency
    if currency is None or currency not in CURRENCY_SCALES:
        return None
    if field.precision < CURRENCY_SCALES[currency]:  # refuses every value
        return None
    return _scaled(field, CURRENCY_SCALES[currency], currency, full)


def _phone(field: PhoneField, full: Checker) -> Checker:
    # "any" tries the mainland form first, which rewrites +86 numbers: only plain mobiles pass.
    if field.phone_kind == "e164":

        def international(raw: object, context: CoerceContext) -> Any:
            return raw if type(raw) is str and E164.fullmatch(raw) else full(raw, context)

        return international

    def mobile(raw: object, context: CoerceContext) -> Any:
        # `CN_MOBILE` (1[3-9] and nine digits) without the regex call: ASCII, so `isdigit` is 0-9.
        if type(raw) is not str or len(raw) != 11 or not raw.isascii() or not raw.isdigit():
            return full(raw, context)
        return raw if raw[0] == "1" and raw[1] >= "3" else full(raw, context)

    return mobile


def _resident_id(field: ResidentIdField, full: Checker) -> Checker | None:
    if field.id_types and ResidentIdType.MAINLAND not in field.id_types:
        return None

    # `check_char_of`, inlined (hot path): S = 2 * (the first 17 digits read in base 13) mod 11.
    check_chars = "".join(CHECK_CHARS[2 * remainder % 11] for remainder in range(11))

    def check(raw: object, context: CoerceContext) -> Any:
        # A known province rules out permits (8x) and foreign cards (9x): the number is mainland.
        if type(raw) is not str or len(raw) != 18 or not raw.isascii():
            return full(raw, context)
        first17 = raw[:17]  # ASCII, so `isdigit` means 0-9; the last one is tested by its value
        if raw[:2] not in PROVINCES or not first17.isdigit() or not region_listed(raw[:6]):
            return full(raw, context)
        try:
            born = _date_of(raw[6:14])  # YYYYMMDD, ASCII digits (checked above)
        except ValueError:
            return full(raw, context)
        if born > context.today or check_chars[int(first17, 13) % 11] != raw[17]:
            return full(raw, context)
        return raw

    return check


_SHORTCUTS: dict[str, Factory] = {
    "text": _plain_text,
    "textarea": _plain_textarea,
    "single_select": _single,
    "multi_select": _multi,
    "integer": _integer,
    "boolean": _boolean,
    "date": _date,
    "decimal": _decimal,
    "money": _money,
    "phone": _phone,
    "resident_id": _resident_id,
}
"""Field types with a short path; the others always go through the registry."""
