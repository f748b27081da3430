"""PRC resident ID numbers (GB 11643-1999): check character, legacy 15-digit upgrade, facts.

Also covers the Hong Kong / Macau / Taiwan residence permits (810000 / 820000 / 830000) and the
2023 foreign permanent residence card, which share the structure and the check. The card puts a
9 first, the issuing province in positions 2-3 and a three-digit nationality code in positions
4-6. The first digits must be a province-level code of GB/T 2260 (an error otherwise). The
whole region code of a mainland number is looked up in the table of GB/T 2260 codes that
python-stdnum ships, in any year: a code never listed is only a warning (tables lag behind new
districts). The birth date must be a real date not after `today`, which the caller
passes in: this module must not read the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from stdnum import numdb

from brickwork.engines.identifiers.result import DIGITS, Fault, IdentifierResult, fault, normalise

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
"""Weight of positions 1..17: Wi = 2^(18-i) mod 11."""

CHECK_CHARS = "10X98765432"
"""Check character for Y = S mod 11, indexed by Y."""

PROVINCES: frozenset[str] = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65"}
)
"""Province-level divisions of the mainland (first two digits of a GB/T 2260 code)."""

TAIWAN = "71"
"""Taiwan's province-level code in GB/T 2260: mainland-issued numbers may carry it."""

PERMIT_REGIONS = {"81": "810000", "82": "820000", "83": "830000"}
"""The whole region part of a residence permit of Hong Kong, Macau or Taiwan residents."""

FOREIGN_CARD = "9"
"""First digit of the 2023 foreign permanent residence card."""


class ResidentIdType(StrEnum):
    MAINLAND = "mainland"
    HONG_KONG_PERMIT = "hong_kong_permit"
    MACAU_PERMIT = "macau_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGN_PERMANENT = "foreign_permanent"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


PREFIX_TYPES: dict[str, ResidentIdType] = {
    "81": ResidentIdType.HONG_KONG_PERMIT,
    "82": ResidentIdType.MACAU_PERMIT,
    "83": ResidentIdType.TAIWAN_PERMIT,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidentIdResult(IdentifierResult):
    birth_date: date | None = None
    sex: Sex | None = None
    id_type: ResidentIdType | None = None
    region_code: str | None = None
    legacy: bool = False
    """True when the input was a 15-digit number upgraded to 18 characters."""


def resident_id_check_char(first17: str) -> str:
    """The check character (0-9 or X) of 17 digits."""
    if len(first17) != len(WEIGHTS) or not set(first17) <= DIGITS:
        raise ValueError("need exactly 17 digits")
    return check_char_of(first17)


def check_char_of(number: str) -> str:
    """The check character of a number whose first 17 characters are ASCII digits (unchecked).

    The weighted sum S = Σ d_i * W_i with W_i = 2^(18-i) mod 11 is, modulo 11, twice the digits
    read as a base-13 number (13 ≡ 2 mod 11): one `int()` instead of 17 products.
    """
    return CHECK_CHARS[2 * int(number[:17], 13) % 11]


def upgrade_legacy_id(fifteen: str) -> str:
    """The 18-character form of a legacy 15-digit number: "19" after the region, plus a check."""
    if len(fifteen) != 15 or not set(fifteen) <= DIGITS:
        raise ValueError("need exactly 15 digits")
    first17 = fifteen[:6] + "19" + fifteen[6:]
    return first17 + resident_id_check_char(first17)


def classify(value: str) -> ResidentIdType:
    """The kind of number, from its prefix (81/82/83 permits, leading 9 foreign permanent)."""
    if value.startswith(FOREIGN_CARD):
        return ResidentIdType.FOREIGN_PERMANENT
    return PREFIX_TYPES.get(value[:2], ResidentIdType.MAINLAND)


def check_resident_id(
    raw: str, *, today: date | None, allow_legacy: bool = True
) -> ResidentIdResult:
    """Check a resident ID; 15-digit legacy numbers are upgraded unless `allow_legacy` is off.

    `today=None` leaves out the one check that needs the date (a birth date after today): for
    reading facts from a number, where the clock has no say."""
    value = normalise(raw)
    legacy = len(value) == 15 and set(value) <= DIGITS
    if legacy:
        if not allow_legacy:
            return ResidentIdResult(normalized=value, problems=(fault("resident_id_legacy"),))
        value = upgrade_legacy_id(value)
    if len(value) not in (15, 18):
        return ResidentIdResult(normalized=value, problems=(fault("resident_id_length"),))
    if len(value) == 15 or not set(value[:17]) <= DIGITS or value[17] not in DIGITS | {"X"}:
        return ResidentIdResult(normalized=value, problems=(fault("resident_id_chars"),))
    problems: list[Fault] = []
    birth = _birth_date(value[6:14])
    if birth is None:
        problems.append(fault("resident_id_birth_date"))
    elif today is not None and birth > today:
        problems.append(fault("resident_id_birth_future"))
    id_type = classify(value)
    region = _region_fault(value, id_type)
    if region is not None:
        problems.insert(0, region)
    if resident_id_check_char(value[:17]) != value[17]:
        problems.append(fault("resident_id_checksum"))
    return ResidentIdResult(
        normalized=value,
        problems=tuple(problems),
        warnings=() if region is not None or _county_listed(value, id_type) else _UNLISTED,
        birth_date=birth,
        sex=Sex.MALE if int(value[16]) % 2 else Sex.FEMALE,
        id_type=id_type,
        region_code=value[:6],
        legacy=legacy,
    )


def _birth_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


_UNLISTED = (fault("resident_id_region"),)


def _county_listed(value: str, id_type: ResidentIdType) -> bool:
    return id_type is not ResidentIdType.MAINLAND or region_listed(value[:6])


def load_region_table() -> None:
    """Read the table of region codes now rather than at the first number checked (about
    30 ms and 15,000 objects): a long-running process calls it before it settles its heap."""
    numdb.get("cn/loc")


@lru_cache(maxsize=16384)
def region_listed(code: str) -> bool:
    """Whether the six digits are a region code of GB/T 2260 in some year (python-stdnum's
    table). Cached: the table walk costs microseconds, and the codes people have are few."""
    return any("county" in facts for _, facts in numdb.get("cn/loc").info(code))


def _region_fault(value: str, id_type: ResidentIdType) -> Fault | None:
    """The fault of the region part, if any: an unknown province is an error, as is a permit
    whose region part is not exactly its 8x0000."""
    match id_type:
        case ResidentIdType.MAINLAND:
            known = value[:2] in PROVINCES or value[:2] == TAIWAN
            return None if known else fault("resident_id_province", positions="1-2")
        case ResidentIdType.FOREIGN_PERMANENT:
            known = value[1:3] in PROVINCES
            return None if known else fault("resident_id_province", positions="2-3")
        case _:
            known = value[:6] == PERMIT_REGIONS[value[:2]]
            return None if known else fault("resident_id_permit_region")
