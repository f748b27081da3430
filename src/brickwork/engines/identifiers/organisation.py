"""Organisation identifiers of the PRC: unified social credit code (GB 32100-2015) and the
organisation code (GB 11714) embedded in it at positions 9-17.

A USCC is refused unless position 1 is a registration authority of GB 32100 (with the codes
assigned since: 1-9, A, N, Y), position 2 one of that authority's organisation types, and
positions 3-8 digits (the administrative region code of the registering office, GB/T 2260; the
region itself is not looked up: national offices use 100000).

Beware the "mod 11 over the whole code" method found in some write-ups: it is wrong. The USCC
check is modulo 31 over its own 31-character alphabet. This module must not look up registries.
"""

from __future__ import annotations

from dataclasses import dataclass

from brickwork.engines.identifiers.result import (
    ALNUM,
    DIGITS,
    Fault,
    IdentifierResult,
    alnum_value,
    fault,
    normalise,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""Values 0-30; I, O, Z, S and V are not used."""

USCC_WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""Weight of positions 1..17: Wi = 3^(i-1) mod 31."""

ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)

ORGANISATION_TYPES: dict[str, str] = {
    "1": "1239",  # staffing offices: organs, public institutions, mass organisations, other
    "2": "19",  # foreign affairs: resident foreign news agencies, other
    "3": "123459",  # justice: law firms, notaries, legal services, forensics, arbitration
    "4": "19",  # culture: foreign cultural centres, other
    "5": "1239",  # civil affairs: social organisations, private non-enterprises, foundations
    "6": "129",  # tourism: representative offices of foreign / HK, Macau, Taiwan tourism boards
    "7": "129",  # religious affairs: places of worship, religious schools, other
    "8": "19",  # trade unions: grassroots unions, other
    "9": "123",  # market regulation: enterprises, individual businesses, farmers' cooperatives
    "A": "19",  # the military's staffing office: military public institutions, other
    "N": "1239",  # agriculture: collective economic organisations (group, village, township)
    "Y": "1",  # others: one type only
}
"""Registration authority (position 1) -> its organisation types (position 2), GB 32100."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UsccResult(IdentifierResult):
    registration_authority: str | None = None
    """Position 1: the registering department (1 staffing office, 5 civil affairs, 9 market ...)."""
    organisation_type: str | None = None
    region_code: str | None = None
    org_code: str | None = None


def uscc_check_char(first17: str) -> str:
    """The check character of the first 17 characters of a USCC."""
    if len(first17) != len(USCC_WEIGHTS) or not set(first17) <= set(USCC_ALPHABET):
        raise ValueError("need 17 characters of the USCC alphabet")
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The check character (0-9 or X) of the 8-character body of a GB 11714 organisation code."""
    if len(first8) != len(ORG_CODE_WEIGHTS) or not set(first8) <= ALNUM:
        raise ValueError("need 8 digits or capital letters")
    total = sum(
        alnum_value(char) * weight for char, weight in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_uscc(raw: str, *, check_org_code: bool = False) -> UsccResult:
    """Check a unified social credit code; optionally also its embedded organisation code."""
    value = normalise(raw, drop=" ")
    if len(value) != 18:
        return UsccResult(normalized=value, problems=(fault("uscc_length"),))
    if not set(value) <= set(USCC_ALPHABET):
        return UsccResult(normalized=value, problems=(fault("uscc_chars"),))
    problems = list(_structure_faults(value))
    if uscc_check_char(value[:17]) != value[17]:
        problems.append(fault("uscc_checksum"))
    if check_org_code and _org_code_fault(value[8:17]) is not None:
        problems.append(fault("uscc_org_code"))
    return UsccResult(
        normalized=value,
        problems=tuple(problems),
        registration_authority=value[0],
        organisation_type=value[1],
        region_code=value[2:8],
        org_code=value[8:17],
    )


def _structure_faults(value: str) -> tuple[Fault, ...]:
    found: list[Fault] = []
    types = ORGANISATION_TYPES.get(value[0])
    if types is None:
        found.append(fault("uscc_authority_unknown"))
    elif value[1] not in types:
        found.append(fault("uscc_type_unknown"))
    if not set(value[2:8]) <= DIGITS:
        found.append(fault("uscc_region_chars"))
    return tuple(found)


def check_org_code(raw: str) -> IdentifierResult:
    """Check a GB 11714 organisation code, written with or without the hyphen before the check."""
    value = normalise(raw, drop=" -")
    found = _org_code_fault(value)
    return IdentifierResult(normalized=value, problems=() if found is None else (found,))


def _org_code_fault(value: str) -> Fault | None:
    if len(value) != 9:
        return fault("org_code_length")
    if not set(value[:8]) <= ALNUM or value[8] not in DIGITS | {"X"}:
        return fault("org_code_chars")
    if org_code_check_char(value[:8]) != value[8]:
        return fault("org_code_checksum")
    return None
