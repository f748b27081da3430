"""Hypothesis properties: generated identifiers with computed checks validate, single-character
errors are caught, and money rounding behaves at every scale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from form_support import CONTEXT, TODAY, make_field
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.form.fieldtypes import check_value
from brickwork.engines.form.money import decimal_places, fit_scale, quantize_half_up
from brickwork.engines.identifiers import (
    Sex,
    check_bank_card,
    check_iban,
    check_lei,
    check_mrz_field,
    check_resident_id,
    check_uscc,
    iban_check_digits,
    lei_check_digits,
    luhn_check_digit,
    mrz_check_digit,
    resident_id_check_char,
    uscc_check_char,
)
from brickwork.engines.identifiers.countries import IBAN_LENGTHS, IBAN_STRUCTURES
from brickwork.engines.identifiers.organisation import ORGANISATION_TYPES, USCC_ALPHABET
from brickwork.engines.identifiers.resident_id import PROVINCES

DIGITS = "0123456789"
ALNUM = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def replace_at(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1 :]


@given(st.text(DIGITS, min_size=11, max_size=18), st.data())
def test_luhn_numbers_with_their_check_digit_validate(payload: str, data: st.DataObject) -> None:
    number = payload + luhn_check_digit(payload)
    assert check_bank_card(number).ok
    index = data.draw(st.integers(0, len(number) - 1))
    other = data.draw(st.sampled_from(DIGITS).filter(lambda d: d != number[index]))
    assert not check_bank_card(replace_at(number, index, other)).ok


@given(
    st.sampled_from([a + t for a, types in ORGANISATION_TYPES.items() for t in types]),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
    st.data(),
)
def test_uscc_with_its_check_char_validates(
    head: str, region: str, org_code: str, data: st.DataObject
) -> None:
    body = head + region + org_code
    code = body + uscc_check_char(body)
    assert check_uscc(code).ok
    index = data.draw(st.integers(0, 17))
    other = data.draw(st.sampled_from(USCC_ALPHABET).filter(lambda c: c != code[index]))
    assert not check_uscc(replace_at(code, index, other)).ok


@given(
    st.sampled_from(sorted(PROVINCES)),
    st.text(DIGITS, min_size=4, max_size=4),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.text(DIGITS, min_size=3, max_size=3),
    st.data(),
)
def test_resident_ids_from_valid_dates_validate(
    province: str, area: str, birth: date, sequence: str, data: st.DataObject
) -> None:
    body = f"{province}{area}{birth:%Y%m%d}{sequence}"
    number = body + resident_id_check_char(body)
    result = check_resident_id(number, today=TODAY)
    assert result.ok
    assert result.birth_date == birth
    assert result.sex is (Sex.MALE if int(sequence[-1]) % 2 else Sex.FEMALE)
    index = data.draw(st.integers(0, 16))
    other = data.draw(st.sampled_from(DIGITS).filter(lambda d: d != number[index]))
    assert not check_resident_id(replace_at(number, index, other), today=TODAY).ok


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)))
def test_legacy_ids_upgrade_to_valid_ids(birth: date) -> None:
    legacy = f"110105{birth:%y%m%d}123"
    result = check_resident_id(legacy, today=TODAY)
    assert result.ok
    assert result.legacy
    assert result.birth_date == birth


@given(st.text(ALNUM, min_size=18, max_size=18))
def test_lei_with_its_check_digits_validates(body: str) -> None:
    assert check_lei(body + lei_check_digits(body)).ok


@given(st.sampled_from(sorted(IBAN_LENGTHS)), st.data())
def test_iban_with_its_check_digits_validates(country: str, data: st.DataObject) -> None:
    kinds = {"n": DIGITS, "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": ALNUM}
    bban = "".join(
        data.draw(st.text(kinds[kind], min_size=length, max_size=length))
        for length, kind in IBAN_STRUCTURES[country]
    )
    iban = country + iban_check_digits(country, bban) + bban
    assert check_iban(iban).codes in ((), ("iban_national_checksum",))
    # MOD 97-10 catches every single substitution of one digit by another.
    digits = [i for i in range(4, len(iban)) if iban[i] in DIGITS]
    if digits:
        index = data.draw(st.sampled_from(digits))
        other = data.draw(st.sampled_from(DIGITS).filter(lambda c: c != iban[index]))
        assert not check_iban(replace_at(iban, index, other)).ok


@given(st.text(ALNUM + "<", min_size=1, max_size=30))
def test_mrz_fields_with_their_check_digit_validate(text: str) -> None:
    assert check_mrz_field(text + mrz_check_digit(text)).ok


amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6, allow_nan=False
)


@given(amounts, st.integers(0, 4))
def test_half_up_rounding_is_within_half_a_unit_and_ties_go_away_from_zero(
    amount: Decimal, scale: int
) -> None:
    rounded = quantize_half_up(amount, scale)
    unit = Decimal(1).scaleb(-scale)
    assert rounded.as_tuple().exponent == -scale
    assert abs(rounded - amount) <= unit / 2
    if abs(rounded - amount) == unit / 2 and amount:
        assert abs(rounded) > abs(amount)


@given(amounts, st.integers(0, 4))
def test_refusal_happens_exactly_when_rounding_would_change_the_amount(
    amount: Decimal, scale: int
) -> None:
    kept = fit_scale(amount, scale, rounding="refuse")
    assert (kept is None) == (decimal_places(amount) > scale)
    if kept is not None:
        assert kept == amount


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2))
def test_cny_amounts_with_two_places_are_kept_exactly(amount: Decimal) -> None:
    result = check_value(make_field("money", currency="CNY"), str(amount), context=CONTEXT)
    assert result.value.amount == amount
