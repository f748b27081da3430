"""Bank and market identifiers: card numbers (Luhn, ISO/IEC 7812), LEI (ISO 17442), IBAN
(ISO 13616) and SWIFT/BIC (ISO 9362).

Checks are structural and arithmetic only: this module must not ask whether a bank, card or
entity exists. IBANs follow the SWIFT IBAN registry (see `countries`): a country outside it is
refused, and so is a national part that does not have the registry's structure; the national
check digits of the countries python-stdnum knows (Belgium, Spain, Montenegro, Norway) are
checked through it, but never whether a bank is in a list.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import iban as registry_iban
from stdnum.exceptions import InvalidChecksum, ValidationError

from brickwork.engines.identifiers.countries import (
    BIC_EXTRA_COUNTRIES,
    IBAN_LENGTHS,
    IBAN_STRUCTURES,
    ISO_3166_ALPHA2,
    IbanPart,
)
from brickwork.engines.identifiers.result import (
    ALNUM,
    DIGITS,
    LETTERS,
    Fault,
    IdentifierResult,
    fault,
    letters_to_digits,
    normalise,
)

CARD_MIN_DIGITS = 12
CARD_MAX_DIGITS = 19

# (lowest prefix, highest prefix, network); the longest matching prefix wins.
CARD_NETWORKS: tuple[tuple[str, str, str], ...] = (
    ("4", "4", "visa"),
    ("51", "55", "mastercard"),
    ("2221", "2720", "mastercard"),
    ("34", "34", "amex"),
    ("37", "37", "amex"),
    ("3528", "3589", "jcb"),
    ("62", "62", "unionpay"),
    ("6011", "6011", "discover"),
    ("65", "65", "discover"),
    ("300", "305", "diners"),
    ("36", "36", "diners"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BankCardResult(IdentifierResult):
    iin: str | None = None
    """The issuer identification number (first six digits)."""
    network: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IbanResult(IdentifierResult):
    country: str | None = None
    check_digits: str | None = None
    bban: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BicResult(IdentifierResult):
    institution: str | None = None
    country: str | None = None
    location: str | None = None
    branch: str | None = None
    """The three-character branch code, or None for an 8-character BIC (the primary office)."""
    test: bool = False
    """True when the second location character is 0 (a test and training BIC)."""


# ---------------------------------------------------------------- Luhn / bank cards


def luhn_check_digit(payload: str) -> str:
    """The digit to append to `payload` so that the whole number passes the Luhn check."""
    if not payload or not set(payload) <= DIGITS:
        raise ValueError("need at least one digit, digits only")
    return str((10 - _luhn_sum(payload + "0")) % 10)


def luhn_valid(digits: str) -> bool:
    return bool(digits) and set(digits) <= DIGITS and _luhn_sum(digits) % 10 == 0


def _luhn_sum(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total


def card_network(digits: str) -> str | None:
    best: tuple[int, str] | None = None
    for low, high, network in CARD_NETWORKS:
        prefix = digits[: len(low)]
        if (
            len(prefix) == len(low)
            and low <= prefix <= high
            and (best is None or len(low) > best[0])
        ):
            best = (len(low), network)
    return None if best is None else best[1]


def check_bank_card(raw: str) -> BankCardResult:
    """Check a payment card number: 12-19 digits (spaces and hyphens ignored) passing Luhn."""
    value = normalise(raw, drop=" -")
    if not set(value) <= DIGITS:
        return BankCardResult(normalized=value, problems=(fault("bank_card_chars"),))
    if not CARD_MIN_DIGITS <= len(value) <= CARD_MAX_DIGITS:
        return BankCardResult(normalized=value, problems=(fault("bank_card_length"),))
    problems = () if luhn_valid(value) else (fault("luhn_checksum"),)
    return BankCardResult(
        normalized=value, problems=problems, iin=value[:6], network=card_network(value)
    )


# ---------------------------------------------------------------- ISO 7064 MOD 97-10


def mod97(text: str) -> int:
    """The remainder modulo 97 of `text` read as a number once letters become two digits each."""
    return int(letters_to_digits(text)) % 97


def lei_check_digits(first18: str) -> str:
    if len(first18) != 18 or not set(first18) <= ALNUM:
        raise ValueError("need 18 digits or capital letters")
    return f"{98 - mod97(first18 + '00'):02d}"


def check_lei(raw: str) -> IdentifierResult:
    """Check a legal entity identifier: 20 characters, the last two digits, MOD 97-10 = 1."""
    value = normalise(raw, drop=" ")
    if len(value) != 20:
        return IdentifierResult(normalized=value, problems=(fault("lei_length"),))
    if not set(value[:18]) <= ALNUM or not set(value[18:]) <= DIGITS:
        return IdentifierResult(normalized=value, problems=(fault("lei_chars"),))
    problems = () if mod97(value) == 1 else (fault("lei_checksum"),)
    return IdentifierResult(normalized=value, problems=problems)


def iban_check_digits(country: str, bban: str) -> str:
    if len(country) != 2 or not set(country) <= LETTERS or not set(bban) <= ALNUM:
        raise ValueError("need a two-letter country and an alphanumeric BBAN")
    return f"{98 - mod97(bban + country + '00'):02d}"


PART_KINDS: dict[str, tuple[frozenset[str], str]] = {
    "n": (DIGITS, "digits"),
    "a": (LETTERS, "letters"),
    "c": (ALNUM, "letters or digits"),
}
"""IBAN registry part kinds: the characters allowed, and how a message names them."""


def check_iban(raw: str) -> IbanResult:
    """Check an IBAN: a registry country, its length and national structure, MOD 97-10."""
    value = normalise(raw, drop=" ")
    if not set(value) <= ALNUM:
        return IbanResult(normalized=value, problems=(fault("iban_chars"),))
    country, check, bban = value[:2], value[2:4], value[4:]
    if (
        len(value) < 5
        or not set(country) <= LETTERS
        or not set(check) <= DIGITS
        or country not in ISO_3166_ALPHA2 | BIC_EXTRA_COUNTRIES
    ):
        return IbanResult(normalized=value, problems=(fault("iban_format"),))
    if country not in IBAN_STRUCTURES:
        return IbanResult(normalized=value, problems=(fault("iban_country_not_in_registry"),))
    problems: list[Fault] = []
    if len(value) != IBAN_LENGTHS[country]:
        problems.append(fault("iban_length", length=IBAN_LENGTHS[country]))
    else:
        problems.extend(_bban_faults(bban, IBAN_STRUCTURES[country]))
    if not "02" <= check <= "98" or mod97(bban + country + check) != 1:
        problems.append(fault("iban_checksum"))
    elif not problems:
        problems.extend(_national_faults(value))
    return IbanResult(
        normalized=value,
        problems=tuple(problems),
        country=country,
        check_digits=check,
        bban=bban,
    )


def _national_faults(value: str) -> tuple[Fault, ...]:
    """The national check digits, for the countries whose rules python-stdnum knows."""
    try:
        registry_iban.validate(value)
    except InvalidChecksum:
        return (fault("iban_national_checksum"),)
    except ValidationError:
        return ()  # the bank is not in a list (Belgium): existence is not checked here
    return ()


def _bban_faults(bban: str, structure: tuple[IbanPart, ...]) -> tuple[Fault, ...]:
    """The first part of the national account number that has characters of the wrong kind,
    named by its positions in the whole IBAN (1-based: the national part starts at 5)."""
    start = 0
    for length, kind in structure:
        allowed, name = PART_KINDS[kind]
        if not set(bban[start : start + length]) <= allowed:
            positions = f"{start + 5}-{start + length + 4}"
            return (fault("iban_bban_format", positions=positions, expected=name),)
        start += length
    return ()


def iban_groups(value: str) -> str:
    """The paper form of an IBAN: groups of four characters separated by spaces."""
    return " ".join(value[start : start + 4] for start in range(0, len(value), 4))


# ---------------------------------------------------------------- SWIFT / BIC


def check_bic(raw: str) -> BicResult:
    """Check a BIC: 4 letters, ISO 3166 country, 2 location characters, optional 3 for a branch."""
    value = normalise(raw, drop=" ")
    if len(value) not in (8, 11):
        return BicResult(normalized=value, problems=(fault("bic_length"),))
    institution, country, location, branch = value[:4], value[4:6], value[6:8], value[8:]
    if not (
        set(institution) <= LETTERS
        and set(country) <= LETTERS
        and set(location) <= ALNUM
        and set(branch) <= ALNUM
    ):
        return BicResult(normalized=value, problems=(fault("bic_format"),))
    problems: tuple[Fault, ...] = ()
    if country not in ISO_3166_ALPHA2 | BIC_EXTRA_COUNTRIES:
        problems = (fault("bic_country"),)
    return BicResult(
        normalized=value,
        problems=problems,
        institution=institution,
        country=country,
        location=location,
        branch=branch or None,
        test=location[1] == "0",
    )
