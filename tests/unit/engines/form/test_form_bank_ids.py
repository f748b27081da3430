"""Bank card numbers (Luhn), LEI (ISO 17442), IBAN (ISO 13616) and SWIFT/BIC (ISO 9362)."""

from __future__ import annotations

import pytest
from form_support import fullwidth

from brickwork.engines.identifiers import (
    check_bank_card,
    check_bic,
    check_iban,
    check_lei,
    iban_check_digits,
    iban_groups,
    lei_check_digits,
    luhn_check_digit,
    luhn_valid,
)
from brickwork.engines.identifiers.countries import IBAN_LENGTHS, ISO_3166_ALPHA2

# ---------------------------------------------------------------- cards


@pytest.mark.parametrize(
    ("raw", "normalized", "network"),
    [
        ("4111111111111111", "4111111111111111", "visa"),
        ("4111 1111 1111 1111", "4111111111111111", "visa"),
        ("5500-0000-0000-0004", "5500000000000004", "mastercard"),
        ("2221000000000009", "2221000000000009", "mastercard"),
        ("378282246310005", "378282246310005", "amex"),
        ("6011111111111117", "6011111111111117", "discover"),
        ("3530111333300000", "3530111333300000", "jcb"),
        ("6222000000000009", "6222000000000009", "unionpay"),
        ("6212345678901265", "6212345678901265", "unionpay"),
        ("6212345678901234569", "6212345678901234569", "unionpay"),
        ("123456789007", "123456789007", None),
        (fullwidth("4111111111111111"), "4111111111111111", "visa"),
    ],
)
def test_valid_card_numbers(raw: str, normalized: str, network: str | None) -> None:
    result = check_bank_card(raw)
    assert result.ok, result.problems
    assert result.normalized == normalized
    assert result.network == network
    assert result.iin == normalized[:6]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("4111111111111112", "luhn_checksum", id="last-digit"),
        pytest.param("6222000000000000", "luhn_checksum", id="unionpay-wrong"),
        pytest.param("12345678903", "bank_card_length", id="11-digits"),
        pytest.param("12345678901234567893", "bank_card_length", id="20-digits"),
        pytest.param("4111 1111 1111 111a", "bank_card_chars", id="letter"),
        pytest.param("4111.1111.1111.1111", "bank_card_chars", id="dots"),
        pytest.param("", "bank_card_length", id="empty"),
    ],
)
def test_invalid_card_numbers(raw: str, code: str) -> None:
    assert check_bank_card(raw).codes == (code,)


@pytest.mark.parametrize(
    ("payload", "digit"),
    [("7992739871", "3"), ("411111111111111", "1"), ("0", "0"), ("622200000000000", "9")],
)
def test_luhn_check_digit(payload: str, digit: str) -> None:
    assert luhn_check_digit(payload) == digit
    assert luhn_valid(payload + digit)


@pytest.mark.parametrize("bad", ["", "12a4"])
def test_luhn_check_digit_needs_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="digit"):
        luhn_check_digit(bad)


@pytest.mark.parametrize("digits", ["", "79927398710", "1a", "7992739871 3"])
def test_luhn_valid_is_false_for_bad_input(digits: str) -> None:
    assert not luhn_valid(digits)


# ---------------------------------------------------------------- LEI

VALID_LEI = ["5493001KJTIIGC8Y1R12", "HWUPKR0MPOU8FGXBT394", "549300MLUDYVRQOOXS22"]


@pytest.mark.parametrize("lei", VALID_LEI)
def test_valid_leis(lei: str) -> None:
    assert check_lei(lei).ok
    assert check_lei(lei.lower()).normalized == lei
    assert lei_check_digits(lei[:18]) == lei[18:]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("5493001KJTIIGC8Y1R13", "lei_checksum", id="check-digits"),
        pytest.param("5493001KJTIIGC8Y1R21", "lei_checksum", id="swapped-check"),
        pytest.param("5493001KJTIIGD8Y1R12", "lei_checksum", id="letter-changed"),
        pytest.param("5493001KJTIIGC8Y1R1", "lei_length", id="19-chars"),
        pytest.param("5493001KJTIIGC8Y1R122", "lei_length", id="21-chars"),
        pytest.param("5493001KJTIIGC8Y1RA2", "lei_chars", id="letter-in-check"),
        pytest.param("5493001KJTIIGC8Y-R12", "lei_chars", id="hyphen"),
    ],
)
def test_invalid_leis(raw: str, code: str) -> None:
    assert check_lei(raw).codes == (code,)


def test_lei_check_digits_needs_18_chars() -> None:
    with pytest.raises(ValueError, match="18"):
        lei_check_digits("5493001KJTIIGC8Y1")


# ---------------------------------------------------------------- IBAN

VALID_IBAN = [
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "CH9300762011623852957",
    "NO9386011117947",
]


@pytest.mark.parametrize("iban", VALID_IBAN)
def test_valid_ibans(iban: str) -> None:
    result = check_iban(iban)
    assert result.ok
    assert result.warnings == ()
    assert (result.country, result.check_digits, result.bban) == (iban[:2], iban[2:4], iban[4:])
    assert iban_check_digits(iban[:2], iban[4:]) == iban[2:4]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("gb82west12345698765432", "GB82WEST12345698765432"),
        ("  DE89 3704 0044 0532 0130 00 ", "DE89370400440532013000"),
    ],
)
def test_ibans_are_normalised(raw: str, normalized: str) -> None:
    result = check_iban(raw)
    assert result.ok
    assert result.normalized == normalized


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("GB82WEST12345698765431", "iban_checksum", id="checksum"),
        pytest.param("GB28WEST12345698765432", "iban_checksum", id="swapped-check-digits"),
        pytest.param("GB00WEST12345698765432", "iban_checksum", id="check-00"),
        pytest.param("GB82WEST1234569876543", "iban_length", id="gb-21"),
        pytest.param("GB82WEST123456987654321", "iban_length", id="gb-23"),
        pytest.param("GB82-WEST-1234", "iban_chars", id="hyphens"),
        pytest.param("1282WEST12345698765432", "iban_format", id="digit-country"),
        pytest.param("GBX2WEST12345698765432", "iban_format", id="letter-in-check"),
        pytest.param("ZZ82WEST12345698765432", "iban_format", id="not-a-country"),
        pytest.param("GB8", "iban_format", id="too-short"),
    ],
)
def test_invalid_ibans(raw: str, code: str) -> None:
    assert code in check_iban(raw).codes


def test_a_country_outside_the_iban_registry_is_refused() -> None:
    # CN has no IBAN: even a code built with valid check digits is refused.
    bban = "1234567890123456"
    iban = "CN" + iban_check_digits("CN", bban) + bban
    assert check_iban(iban).codes == ("iban_country_not_in_registry",)


def test_a_malformed_national_part_names_its_positions() -> None:
    bban = "025201" + "00000000" + "0000"  # digits where the bank code has four letters
    result = check_iban("GB" + iban_check_digits("GB", bban) + bban)
    assert result.codes == ("iban_bban_format",)
    assert result.problems[0].arguments == {"positions": "5-8", "expected": "letters"}


def test_national_check_digits_are_checked_where_known() -> None:
    # Belgium: the last two digits are the remainder mod 97 of the first ten (97 for 0).
    bban = "539007547035"
    result = check_iban("BE" + iban_check_digits("BE", bban) + bban)
    assert result.codes == ("iban_national_checksum",)


def test_iban_table_covers_common_countries_with_valid_codes() -> None:
    assert {"DE", "FR", "GB", "IT", "ES", "NL", "CH", "SA", "AE", "BR", "TR"} <= set(IBAN_LENGTHS)
    assert set(IBAN_LENGTHS) - {"XK"} <= ISO_3166_ALPHA2
    assert all(15 <= length <= 34 for length in IBAN_LENGTHS.values())


def test_iban_groups() -> None:
    assert iban_groups("GB82WEST12345698765432") == "GB82 WEST 1234 5698 7654 32"


@pytest.mark.parametrize(("country", "bban"), [("G", "123"), ("GB", "12-3")])
def test_iban_check_digits_needs_clean_input(country: str, bban: str) -> None:
    with pytest.raises(ValueError, match="country"):
        iban_check_digits(country, bban)


# ---------------------------------------------------------------- SWIFT / BIC


def test_iso_3166_has_249_codes() -> None:
    assert len(ISO_3166_ALPHA2) == 249
    assert {"CN", "HK", "MO", "TW", "US", "GB", "DE"} <= ISO_3166_ALPHA2


@pytest.mark.parametrize(
    ("raw", "branch", "test"),
    [
        ("DEUTDEFF", None, False),
        ("DEUTDEFF500", "500", False),
        ("BKCHCNBJ", None, False),
        ("bkchcnbj300", "300", False),
        ("ICBKCNBJXXX", "XXX", False),
        ("HSBCHKHH", None, False),
        ("BOFAUS3N", None, False),
        ("ABCDDE01", None, False),
        ("ABCDGB20", None, True),
        ("RZBAXKPR", None, False),
        (" DEUT DE FF ", None, False),
    ],
)
def test_valid_bics(raw: str, branch: str | None, test: bool) -> None:
    result = check_bic(raw)
    assert result.ok, result.problems
    assert result.branch == branch
    assert result.test is test
    assert result.institution == result.normalized[:4]
    assert result.country == result.normalized[4:6]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("DEUTDEF", "bic_length", id="7"),
        pytest.param("DEUTDEFF50", "bic_length", id="10"),
        pytest.param("DEUTDEFF5000", "bic_length", id="12"),
        pytest.param("DEU1DEFF", "bic_format", id="digit-in-bank"),
        pytest.param("DEUTD1FF", "bic_format", id="digit-in-country"),
        pytest.param("DEUTDEF-", "bic_format", id="punctuation"),
        pytest.param("DEUTZZFF", "bic_country", id="unknown-country"),
        pytest.param("DEUTUKFF", "bic_country", id="uk-is-not-iso"),
    ],
)
def test_invalid_bics(raw: str, code: str) -> None:
    assert check_bic(raw).codes == (code,)
