"""Serial number patterns: parsing, rendering, per-prefix counter keys and matching."""

from __future__ import annotations

from datetime import date

import pytest

from brickwork.engines.form.serial import SerialPatternError, parse_serial_pattern

ON = date(2026, 3, 9)


@pytest.mark.parametrize(
    ("pattern", "seq", "text", "prefix"),
    [
        ("KYC-{YYYY}{MM}-{seq:5}", 42, "KYC-202603-00042", "KYC-202603-{seq}"),
        ("KYC-{YYYY}{MM}-{seq:5}", 123456, "KYC-202603-123456", "KYC-202603-{seq}"),
        ("{seq:6}", 1, "000001", "{seq}"),
        ("AML{YY}{MM}{DD}/{seq:3}", 7, "AML260309/007", "AML260309/{seq}"),
        ("{seq:4}-{YYYY}", 12, "0012-2026", "{seq}-2026"),
        ("合同-{YYYY}-{seq:4}", 5, "合同-2026-0005", "合同-2026-{seq}"),
    ],
)
def test_render_and_prefix(pattern: str, seq: int, text: str, prefix: str) -> None:
    parsed = parse_serial_pattern(pattern)
    assert parsed.render(on=ON, seq=seq) == text
    assert parsed.prefix(ON) == prefix
    assert parsed.matches(text)


def test_months_get_their_own_counter() -> None:
    parsed = parse_serial_pattern("KYC-{YYYY}{MM}-{seq:5}")
    assert parsed.prefix(date(2026, 3, 31)) != parsed.prefix(date(2026, 4, 1))
    assert parsed.prefix(date(2026, 3, 1)) == parsed.prefix(date(2026, 3, 31))


@pytest.mark.parametrize(
    "pattern",
    [
        "KYC-{YYYY}",
        "{seq:3}{seq:3}",
        "{seq}",
        "{seq:0}",
        "{seq:21}",
        "{HH}{seq:3}",
        "{seq:3}}",
        "{{seq:3}",
        "a{b",
        "",
    ],
)
def test_malformed_patterns(pattern: str) -> None:
    with pytest.raises(SerialPatternError):
        parse_serial_pattern(pattern)


@pytest.mark.parametrize(
    "text", ["KYC-2026-00042", "KYC-202603-0042", "kyc-202603-00042", "KYC-202603-00042 ", "X"]
)
def test_non_matching_text(text: str) -> None:
    assert not parse_serial_pattern("KYC-{YYYY}{MM}-{seq:5}").matches(text)


def test_literal_regex_characters_are_escaped() -> None:
    parsed = parse_serial_pattern("A.B+{seq:2}")
    assert parsed.matches("A.B+01")
    assert not parsed.matches("AxBB01")


def test_sequence_numbers_start_at_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        parse_serial_pattern("{seq:3}").render(on=ON, seq=0)
