"""Machine-readable zone check digits (ICAO Doc 9303, weights 7-3-1)."""

from __future__ import annotations

import pytest

from brickwork.engines.identifiers import check_mrz_field, check_td3_line2, mrz_check_digit

SPECIMEN_LINE2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
"""Line 2 of the ICAO 9303 specimen passport."""


@pytest.mark.parametrize(
    ("text", "digit"),
    [
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("<<<<<<<<<<<<<<", "0"),
        ("", "0"),
        ("D23145890", "7"),
    ],
)
def test_check_digits(text: str, digit: str) -> None:
    assert mrz_check_digit(text) == digit


def test_check_digit_refuses_other_characters() -> None:
    with pytest.raises(ValueError, match="capital"):
        mrz_check_digit("abc")


@pytest.mark.parametrize(
    ("raw", "length", "codes"),
    [
        pytest.param("L898902C36", 9, (), id="document-number"),
        pytest.param("l898902c36", 9, (), id="lower-case"),
        pytest.param("7408122", None, (), id="birth-date"),
        pytest.param("<<<<<<<<<<<<<<<", 14, (), id="empty-optional-zero"),
        pytest.param("<<<<<<<<<<<<<<<<"[:15], None, (), id="empty-optional-filler"),
        pytest.param("L898902C37", 9, ("mrz_checksum",), id="wrong-digit"),
        pytest.param("L898902C3", 9, ("mrz_length",), id="too-short"),
        pytest.param("6", None, ("mrz_length",), id="check-only"),
        pytest.param("L898902C-6", None, ("mrz_chars",), id="hyphen"),
        pytest.param("L898902C3X", None, ("mrz_chars",), id="letter-check"),
        pytest.param("ABC<", None, ("mrz_checksum",), id="filler-check-over-data"),
    ],
)
def test_fields_with_their_check_digit(
    raw: str, length: int | None, codes: tuple[str, ...]
) -> None:
    assert check_mrz_field(raw, length=length).codes == codes


def test_specimen_line_2_is_valid() -> None:
    result = check_td3_line2(SPECIMEN_LINE2)
    assert result.ok, result.problems
    assert result.document_number == "L898902C3"
    assert result.nationality == "UTO"
    assert (result.birth_date, result.sex, result.expiry_date) == ("740812", "F", "120415")


@pytest.mark.parametrize(
    ("position", "pointer"),
    [
        (9, "/document_number"),
        (19, "/birth_date"),
        (27, "/expiry_date"),
        (42, "/personal_number"),
        (43, "/composite"),
    ],
)
def test_each_check_digit_of_line_2_is_checked(position: int, pointer: str) -> None:
    digit = SPECIMEN_LINE2[position]
    broken = SPECIMEN_LINE2[:position] + str((int(digit) + 1) % 10) + SPECIMEN_LINE2[position + 1 :]
    result = check_td3_line2(broken)
    assert pointer in [p.pointer for p in result.problems]
    assert all(p.code == "mrz_checksum" for p in result.problems)


@pytest.mark.parametrize(
    ("raw", "code"),
    [(SPECIMEN_LINE2[:-1], "mrz_length"), (SPECIMEN_LINE2[:-1] + "-", "mrz_chars")],
)
def test_malformed_line_2(raw: str, code: str) -> None:
    assert check_td3_line2(raw).codes == (code,)
