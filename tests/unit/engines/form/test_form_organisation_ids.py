"""Unified social credit codes (GB 32100-2015) and organisation codes (GB 11714)."""

from __future__ import annotations

import pytest
from form_support import fullwidth

from brickwork.engines.identifiers import (
    check_org_code,
    check_uscc,
    org_code_check_char,
    uscc_check_char,
)
from brickwork.engines.identifiers.organisation import USCC_ALPHABET, USCC_WEIGHTS

VALID_USCC = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91330100799655058B",
    "91110108551385082Q",
    "91440300708461136T",
    "9144030071526726XG",
    "91310000MA1FL4B24G",
]


def test_alphabet_leaves_out_i_o_z_s_v() -> None:
    assert len(USCC_ALPHABET) == 31
    assert not set("IOZSV") & set(USCC_ALPHABET)


def test_weights_follow_the_formula() -> None:
    assert tuple(pow(3, i - 1, 31) for i in range(1, 18)) == USCC_WEIGHTS


@pytest.mark.parametrize("code", VALID_USCC)
def test_published_codes_are_valid(code: str) -> None:
    result = check_uscc(code, check_org_code=True)
    assert result.ok, result.problems
    assert result.normalized == code


def test_facts_are_split_out() -> None:
    result = check_uscc("91350100M000100Y43")
    assert (
        result.registration_authority,
        result.organisation_type,
        result.region_code,
        result.org_code,
    ) == ("9", "1", "350100", "M000100Y4")


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        pytest.param("91350100m000100y43", "91350100M000100Y43", id="lower-case"),
        pytest.param(" 9135 0100 M000 100Y 43 ", "91350100M000100Y43", id="spaces"),
        pytest.param(fullwidth("91350100M000100Y43"), "91350100M000100Y43", id="full-width"),
    ],
)
def test_input_is_normalised(raw: str, normalized: str) -> None:
    result = check_uscc(raw)
    assert result.ok
    assert result.normalized == normalized


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("91350100M000100Y44", "uscc_checksum", id="wrong-check"),
        pytest.param("91350100M000100Y4", "uscc_length", id="17-chars"),
        pytest.param("91350100M000100Y433", "uscc_length", id="19-chars"),
        pytest.param("91350100I000100Y43", "uscc_chars", id="letter-i"),
        pytest.param("91350100O000100Y43", "uscc_chars", id="letter-o"),
        pytest.param("9135010SM000100Y43", "uscc_chars", id="letter-s"),
        pytest.param("91350100M000100Y4Z", "uscc_chars", id="check-z"),
        pytest.param("91350100M000100Y4-", "uscc_chars", id="punctuation"),
    ],
)
def test_invalid_codes(raw: str, code: str) -> None:
    assert check_uscc(raw).codes == (code,)


def test_the_whole_code_mod_11_method_is_not_used() -> None:
    # Swapping the check for the value a (wrong) mod-11 method would give must fail.
    body = "91350100M000100Y4"
    assert uscc_check_char(body) == "3"
    assert not check_uscc(body + "X").ok


def test_the_embedded_organisation_code_is_checked_only_on_request() -> None:
    # Body chosen so that the organisation code part (positions 9-17) fails its own check.
    body = "91350100M000100Y5"
    code = body + uscc_check_char(body)
    assert check_uscc(code).ok
    assert check_uscc(code, check_org_code=True).codes == ("uscc_org_code",)


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("M000100Y4", True),
        ("M000100Y-4", True),
        ("600037341", True),
        ("71526726X", True),
        ("71526726-x", True),
        ("D2143569-X", True),
        ("600037342", False),
    ],
)
def test_organisation_codes(raw: str, ok: bool) -> None:
    assert check_org_code(raw).ok is ok


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("60003734", "org_code_length"),
        ("6000373410", "org_code_length"),
        ("60003734Y", "org_code_chars"),
        ("6000_3734", "org_code_chars"),
        ("600037342", "org_code_checksum"),
    ],
)
def test_organisation_code_problems(raw: str, code: str) -> None:
    assert check_org_code(raw).codes == (code,)


@pytest.mark.parametrize(
    ("body", "check"),
    [("M000100Y", "4"), ("60003734", "1"), ("71526726", "X"), ("D2143569", "X")],
)
def test_organisation_check_chars(body: str, check: str) -> None:
    assert org_code_check_char(body) == check


def test_a_remainder_of_zero_gives_check_zero() -> None:
    # Sum = 0, so 11 - (0 mod 11) = 11, which is written "0".
    assert org_code_check_char("00000000") == "0"


@pytest.mark.parametrize("bad", ["1234", "91350100M000100YI", "91350100M000100Y43"])
def test_uscc_check_char_needs_17_alphabet_chars(bad: str) -> None:
    with pytest.raises(ValueError, match="17 characters"):
        uscc_check_char(bad)


@pytest.mark.parametrize("bad", ["1234567", "1234567_"])
def test_org_code_check_char_needs_8_chars(bad: str) -> None:
    with pytest.raises(ValueError, match="8 digits"):
        org_code_check_char(bad)
