"""Check digits of machine-readable zones of travel documents (ICAO Doc 9303, part 3).

Weights 7, 3, 1 repeat over the characters; `<` counts 0, digits their value, A-Z 10-35; the
check digit is the sum modulo 10. This module must not look documents up or parse names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from brickwork.engines.identifiers.result import (
    ALNUM,
    DIGITS,
    Fault,
    IdentifierResult,
    fault,
    normalise,
)

MRZ_CHARS = ALNUM | {"<"}
MRZ_WEIGHTS = (7, 3, 1)
TD3_LINE_LENGTH = 44

# name -> (slice of the data, index of its check digit) on line 2 of a TD3 (passport) MRZ.
TD3_LINE2_FIELDS: dict[str, tuple[slice, int]] = {
    "document_number": (slice(0, 9), 9),
    "birth_date": (slice(13, 19), 19),
    "expiry_date": (slice(21, 27), 27),
    "personal_number": (slice(28, 42), 42),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Td3Result(IdentifierResult):
    document_number: str | None = None
    nationality: str | None = None
    birth_date: str | None = None
    """YYMMDD as printed (the century is not in the MRZ)."""
    sex: str | None = None
    expiry_date: str | None = None


def mrz_check_digit(text: str) -> str:
    """The ICAO 9303 check digit of `text` (digits, capital letters and `<`)."""
    if not set(text) <= MRZ_CHARS:
        raise ValueError("MRZ text allows digits, capital letters and < only")
    total = sum(
        (0 if char == "<" else int(char, 36)) * MRZ_WEIGHTS[index % 3]
        for index, char in enumerate(text)
    )
    return str(total % 10)


def check_mrz_field(raw: str, *, length: int | None = None) -> IdentifierResult:
    """Check one MRZ field written with its check digit last (e.g. `L898902C36`).

    `length` is the length of the data without the check digit, when the caller knows it.
    """
    value = normalise(raw, drop=" ")
    if len(value) < 2 or (length is not None and len(value) != length + 1):
        return IdentifierResult(normalized=value, problems=(fault("mrz_length"),))
    if not set(value) <= MRZ_CHARS or value[-1] not in DIGITS | {"<"}:
        return IdentifierResult(normalized=value, problems=(fault("mrz_chars"),))
    expected = mrz_check_digit(value[:-1])
    # A `<` check digit is allowed only over an empty (all filler) optional field.
    found = "0" if value[-1] == "<" and set(value[:-1]) == {"<"} else value[-1]
    problems = () if found == expected else (fault("mrz_checksum"),)
    return IdentifierResult(normalized=value, problems=problems)


def check_td3_line2(raw: str) -> Td3Result:
    """Check all five check digits of line 2 of a passport MRZ (44 characters)."""
    value = normalise(raw, drop=" ")
    if len(value) != TD3_LINE_LENGTH:
        return Td3Result(normalized=value, problems=(fault("mrz_length"),))
    if not set(value) <= MRZ_CHARS:
        return Td3Result(normalized=value, problems=(fault("mrz_chars"),))
    problems: list[Fault] = []
    for name, (data, check_at) in TD3_LINE2_FIELDS.items():
        if not check_mrz_field(value[data] + value[check_at]).ok:
            problems.append(fault("mrz_checksum", pointer=f"/{name}"))
    composite = value[0:10] + value[13:20] + value[21:43]
    if not check_mrz_field(composite + value[43]).ok:
        problems.append(fault("mrz_checksum", pointer="/composite"))
    return Td3Result(
        normalized=value,
        problems=tuple(problems),
        document_number=value[0:9].rstrip("<"),
        nationality=value[10:13].rstrip("<"),
        birth_date=value[13:19],
        sex=value[20],
        expiry_date=value[21:27],
    )


PASSPORT_MIN_LENGTH = 5
PASSPORT_MAX_LENGTH = 9
"""A passport number as the TD3 document number field holds it (9 characters at most)."""


def check_passport(raw: str, *, require_mrz: bool = False) -> Td3Result:
    """A passport number, given as such or as the machine-readable zone of a passport (TD3:
    line 2 alone, or both lines), whose check digits are then checked; a plain number has no
    check digit to check. The normalised value is the passport number, or with `require_mrz`
    line 2 of the zone (so that what is stored passes the same check again)."""
    value = normalise(raw, drop=" \r\n")
    if len(value) == 2 * TD3_LINE_LENGTH and value.startswith("P"):
        value = value[TD3_LINE_LENGTH:]
    if len(value) == TD3_LINE_LENGTH:
        zone = check_td3_line2(value)
        number = zone.document_number or ""
        return zone if require_mrz or not zone.ok else replace(zone, normalized=number)
    if require_mrz:
        return Td3Result(normalized=value, problems=(fault("passport_mrz_required"),))
    if not set(value) <= ALNUM:
        return Td3Result(normalized=value, problems=(fault("passport_chars"),))
    if not PASSPORT_MIN_LENGTH <= len(value) <= PASSPORT_MAX_LENGTH:
        return Td3Result(normalized=value, problems=(fault("passport_length"),))
    return Td3Result(normalized=value, document_number=value)
