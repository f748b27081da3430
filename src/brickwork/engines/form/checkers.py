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
from brickwork.engines.form.identifiers.contact import CN_MOBILE, E164
from brickwork.engines.form.identifiers.resident_id import (
    PROVINCES,
    ResidentIdType,
    check_char_of,
)
from brickwork.engines.form.money import CURRENCY_SCALES, Money, integer_digits, quantize_half_up

Checker = Callable[[object, CoerceContext], Any]
"""`(raw, context) -> value | Coerced`: a `Coerced` only when it has problems or warnings."""

Factory = Callable[[Any, Checker], Checker | None]
"""Builds the checker of a field type from the field and its registry checker (`full`)."""

_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_PLAIN_NUMBER = re.compile(r"-?([0-9]{1,30})(?:\.([0-9]{1,18}))?")
"""A plain ASCII number: its whole digits and its decimals (None when it has no point)."""


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

    def check(raw: object, context: CoerceContext) -> Any:
        if type(raw) is not str or len(raw) > high or not raw.isprintable():
            return full(raw, context)
        if not unicodedata.is_normalized("NFC", raw):
            return full(raw, context)
        text = raw.strip()
        if not text or len(text) < low or (pattern is not None and not pattern.fullmatch(text)):
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
        if not unicodedata.is_normalized("NFC", raw):
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
        if type(raw) is not str or len(raw) != 10 or not _DATE_TEXT.fullmatch(raw):
            return full(raw, context)
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            return full(raw, context)
        if (low is not None and value < low) or (high is not None and value > high):
            return full(raw, context)
        return value

    return check


def _number(raw: object) -> tuple[Decimal, int] | None:
    """An int or a finite Decimal and its decimals as written (text: see `_scaled`)."""
    if type(raw) is int:
        return Decimal(raw), 0
    if type(raw) is Decimal and raw.is_finite():
        exponent = raw.as_tuple().exponent
        assert isinstance(exponent, int)
        return raw, -exponent
    return None


def _scaled(
    scale: int, digits: int, rounds: bool, low: Decimal | None, high: Decimal | None
) -> Callable[[object], Decimal | None]:
    """Reads a plain number at `scale` as `fit_scale` does, or None to ask the registry."""

    def read(raw: object) -> Decimal | None:
        if type(raw) is str:
            # Plain ASCII text, the usual input: its digits are counted on the text itself.
            found = _PLAIN_NUMBER.fullmatch(raw)
            if found is None:
                return None
            whole, fraction = found.groups()
            if len(whole) > digits and len(whole.lstrip("0")) > digits:
                return None
            amount, places = Decimal(raw), 0 if fraction is None else len(fraction)
        else:
            number = _number(raw)
            if number is None:
                return None
            amount, places = number
            if integer_digits(amount) > digits:
                return None
        if places > scale and not rounds:
            return None
        value = amount if places == scale and amount else quantize_half_up(amount, scale)
        if (low is not None and value < low) or (high is not None and value > high):
            return None
        return value

    return read


def _decimal(field: DecimalField, full: Checker) -> Checker:
    read = _scaled(
        field.scale,
        field.precision - field.scale,
        field.rounding == "half_up",
        field.minimum,
        field.maximum,
    )

    def check(raw: object, context: CoerceContext) -> Any:
        value = read(raw)
        return full(raw, context) if value is None else value

    return check


def _money(field: MoneyField, full: Checker) -> Checker | None:
    currency = field.currency
    if currency is None or currency not in CURRENCY_SCALES:
        return None
    scale = CURRENCY_SCALES[currency]
    read = _scaled(
        scale, field.precision - scale, field.rounding == "half_up", field.minimum, field.maximum
    )

    def check(raw: object, context: CoerceContext) -> Any:
        value = read(raw)
        return full(raw, context) if value is None else Money(value, currency)

    return check


def _phone(field: PhoneField, full: Checker) -> Checker:
    # "any" tries the mainland form first, which rewrites +86 numbers: only plain mobiles pass.
    plain = E164 if field.phone_kind == "e164" else CN_MOBILE

    def check(raw: object, context: CoerceContext) -> Any:
        return raw if type(raw) is str and plain.fullmatch(raw) else full(raw, context)

    return check


def _resident_id(field: ResidentIdField, full: Checker) -> Checker | None:
    if field.id_types and ResidentIdType.MAINLAND not in field.id_types:
        return None

    def check(raw: object, context: CoerceContext) -> Any:
        # A known province rules out permits (8x) and foreign cards (9x): the number is mainland.
        if type(raw) is not str or len(raw) != 18 or raw[:2] not in PROVINCES:
            return full(raw, context)
        if not _RESIDENT_ID.fullmatch(raw):
            return full(raw, context)
        try:
            born = date.fromisoformat(raw[6:14])  # YYYYMMDD, ASCII digits (checked above)
        except ValueError:
            return full(raw, context)
        if born > context.today or check_char_of(raw) != raw[17]:
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
