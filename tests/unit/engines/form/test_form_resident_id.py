"""PRC resident ID checks (GB 11643-1999): check character, birth date, sex, type, legacy IDs."""

from __future__ import annotations

from datetime import date

import pytest
from form_support import TODAY, codes, fullwidth
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.identifiers import (
    ResidentIdType,
    Sex,
    check_resident_id,
    resident_id_check_char,
    upgrade_legacy_id,
)
from brickwork.engines.identifiers.resident_id import CHECK_CHARS, WEIGHTS, check_char_of


def with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def test_weights_follow_the_formula() -> None:
    assert tuple(pow(2, 18 - i, 11) for i in range(1, 18)) == WEIGHTS


def test_check_char_table_is_the_standard_one() -> None:
    assert dict(enumerate(CHECK_CHARS)) == {
        0: "1", 1: "0", 2: "X", 3: "9", 4: "8", 5: "7", 6: "6", 7: "5", 8: "4", 9: "3", 10: "2",
    }  # fmt: skip


def test_the_standards_own_example_is_valid() -> None:
    result = check_resident_id("11010519491231002X", today=TODAY)
    assert result.ok
    assert result.normalized == "11010519491231002X"
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex is Sex.FEMALE
    assert result.id_type is ResidentIdType.MAINLAND
    assert result.region_code == "110105"
    assert result.warnings == ()
    assert not result.legacy


def test_the_example_sum_is_167() -> None:
    total = sum(int(d) * w for d, w in zip("11010519491231002", WEIGHTS, strict=True))
    assert (total, total % 11) == (167, 2)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        pytest.param("11010519491231002x", "11010519491231002X", id="lower-case-x"),
        pytest.param("  11010519491231002X\t", "11010519491231002X", id="trimmed"),
        pytest.param(fullwidth("11010519491231002X"), "11010519491231002X", id="full-width"),
    ],
)
def test_input_is_normalised_before_checking(raw: str, normalized: str) -> None:
    result = check_resident_id(raw, today=TODAY)
    assert result.ok
    assert result.normalized == normalized


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("110105194912310021", "resident_id_checksum", id="wrong-check-digit"),
        pytest.param("11010519491231002Y", "resident_id_chars", id="check-char-not-x"),
        pytest.param("1101051949123100X2", "resident_id_chars", id="x-not-last"),
        pytest.param("11010519491231002", "resident_id_length", id="17-chars"),
        pytest.param("11010519491231002X1", "resident_id_length", id="19-chars"),
        pytest.param("", "resident_id_length", id="empty"),
        pytest.param("1101 0519491231002X", "resident_id_length", id="inner-space"),
        pytest.param("11010519491331002X", "resident_id_birth_date", id="month-13"),
        pytest.param("11010519490230002X", "resident_id_birth_date", id="feb-30"),
        pytest.param("11010A19491231002X", "resident_id_chars", id="letter-in-body"),
        pytest.param("11010519491231002", "resident_id_length", id="short"),
        pytest.param("1101051949123A002", "resident_id_length", id="17-with-letter"),
        pytest.param("11010549123A002", "resident_id_chars", id="15-with-letter"),
    ],
)
def test_invalid_numbers_report_a_stable_code(raw: str, code: str) -> None:
    result = check_resident_id(raw, today=TODAY)
    assert code in result.codes
    assert not result.ok


@pytest.mark.parametrize(
    ("birth", "valid"),
    [
        pytest.param("20000229", True, id="leap-day-2000"),
        pytest.param("19000229", False, id="no-leap-day-1900"),
        pytest.param("19960229", True, id="leap-day-1996"),
        pytest.param("20230229", False, id="no-leap-day-2023"),
        pytest.param("19491231", True, id="old"),
        pytest.param("20260115", True, id="born-today"),
        pytest.param("20260116", False, id="born-tomorrow"),
        pytest.param("20990101", False, id="far-future"),
        pytest.param("00000101", False, id="year-zero"),
    ],
)
def test_birth_dates_must_be_real_and_not_after_today(birth: str, valid: bool) -> None:
    result = check_resident_id(with_check(f"110105{birth}123"), today=TODAY)
    assert result.ok is valid
    if not valid:
        assert set(result.codes) <= {"resident_id_birth_date", "resident_id_birth_future"}


def test_a_future_birth_date_has_its_own_code() -> None:
    result = check_resident_id(with_check("11010520260116123"), today=TODAY)
    assert result.codes == ("resident_id_birth_future",)
    assert result.birth_date == date(2026, 1, 16)


def test_a_bad_birth_date_and_a_bad_check_are_both_reported() -> None:
    result = check_resident_id("110105194902300021", today=TODAY)
    assert set(result.codes) == {"resident_id_birth_date", "resident_id_checksum"}


@pytest.mark.parametrize(
    ("sequence", "sex"),
    [("001", Sex.MALE), ("002", Sex.FEMALE), ("119", Sex.MALE), ("990", Sex.FEMALE)],
)
def test_sex_comes_from_the_17th_digit(sequence: str, sex: Sex) -> None:
    result = check_resident_id(with_check(f"11010519800101{sequence}"), today=TODAY)
    assert result.ok
    assert result.sex is sex


@pytest.mark.parametrize(
    ("prefix", "id_type"),
    [
        ("110105", ResidentIdType.MAINLAND),
        ("440305", ResidentIdType.MAINLAND),
        ("810000", ResidentIdType.HONG_KONG_PERMIT),
        ("820000", ResidentIdType.MACAU_PERMIT),
        ("830000", ResidentIdType.TAIWAN_PERMIT),
        ("931156", ResidentIdType.FOREIGN_PERMANENT),
    ],
)
def test_the_kind_of_number_comes_from_its_prefix(prefix: str, id_type: ResidentIdType) -> None:
    result = check_resident_id(with_check(f"{prefix}19800101123"), today=TODAY)
    assert result.ok
    assert result.id_type is id_type
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("prefix", "code"),
    [
        pytest.param("001234", "resident_id_province", id="province-00"),
        pytest.param("991234", "resident_id_province", id="province-99"),
        pytest.param("701234", "resident_id_province", id="province-70"),
        pytest.param("990101", "resident_id_province", id="foreign-card-province-90"),
        pytest.param("810101", "resident_id_permit_region", id="hong-kong-permit-not-810000"),
        pytest.param("830001", "resident_id_permit_region", id="taiwan-permit-not-830000"),
    ],
)
def test_unknown_provinces_and_permit_regions_are_refused(prefix: str, code: str) -> None:
    result = check_resident_id(with_check(f"{prefix}19800101123"), today=TODAY)
    assert result.codes == (code,)


def test_the_province_fault_names_its_positions() -> None:
    mainland = check_resident_id(with_check("00123419800101123"), today=TODAY)
    foreign = check_resident_id(with_check("90012319800101123"), today=TODAY)
    assert mainland.problems[0].arguments == {"positions": "1-2"}
    assert foreign.problems[0].arguments == {"positions": "2-3"}


@pytest.mark.parametrize("prefix", ["119999", "449999", "719999"])
def test_region_codes_outside_the_table_are_warnings_not_errors(prefix: str) -> None:
    result = check_resident_id(with_check(f"{prefix}19800101123"), today=TODAY)
    assert result.ok
    assert codes(result.warnings) == ["resident_id_region"]


def test_legacy_15_digit_numbers_are_upgraded() -> None:
    assert upgrade_legacy_id("110105491231002") == "11010519491231002X"
    result = check_resident_id("110105491231002", today=TODAY)
    assert result.ok
    assert result.legacy
    assert result.normalized == "11010519491231002X"
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex is Sex.FEMALE


def test_legacy_numbers_can_be_refused() -> None:
    result = check_resident_id("110105491231002", today=TODAY, allow_legacy=False)
    assert result.codes == ("resident_id_legacy",)


def test_a_legacy_number_with_an_impossible_date_is_refused() -> None:
    result = check_resident_id("110105490230002", today=TODAY)
    assert "resident_id_birth_date" in result.codes


@pytest.mark.parametrize("bad", ["1234", "123456789012345678", "1101051949123100A"])
def test_check_char_needs_17_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        resident_id_check_char(bad)


@pytest.mark.parametrize("bad", ["1234", "1234567890123456", "11010549123100A"])
def test_upgrade_needs_15_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="15 digits"):
        upgrade_legacy_id(bad)


@pytest.mark.parametrize("position", range(17))
def test_any_single_digit_change_is_detected(position: int) -> None:
    valid = "11010519491231002X"
    digit = valid[position]
    changed = valid[:position] + str((int(digit) + 3) % 10) + valid[position + 1 :]
    assert not check_resident_id(changed, today=TODAY).ok


@given(first17=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_of_is_the_weighted_sum(first17: str) -> None:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    assert check_char_of(first17 + "0") == CHECK_CHARS[total % 11]
