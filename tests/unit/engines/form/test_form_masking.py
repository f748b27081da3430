"""Masking presets: what each keeps, and that short values are fully hidden."""

from __future__ import annotations

import pytest

from brickwork.engines.form.masking import FULL_MASK, MASKS, keep_ends, mask_text


@pytest.mark.parametrize(
    ("preset", "text", "masked"),
    [
        ("resident_id", "11010519491231002X", "110105********002X"),
        ("resident_id", "1101051949", FULL_MASK),
        ("bank_card", "6222021234567890123", "622202*********0123"),
        ("bank_card", "4111111111111111", "411111******1111"),
        ("bank_card", "123456789012", "123456**9012"),
        ("mobile", "13800138000", "138****8000"),
        ("mobile", "+8613800138000", "+86*******8000"),
        ("mobile", "1234567", FULL_MASK),
        ("account", "GB82WEST12345698765432", "GB82**************5432"),
        ("name", "张三", "张*"),
        ("name", "张三丰", "张**"),
        ("name", "欧阳娜娜", "欧***"),
        ("name", "John Smith", "J*** *****"),
        ("name", "", ""),
        ("email", "zhang.san@example.com", "z***@example.com"),
        ("email", "a@example.com", "a***@example.com"),
        ("email", "not-an-email", FULL_MASK),
        ("email", "@example.com", FULL_MASK),
        ("full", "anything at all", FULL_MASK),
        ("full", "x", FULL_MASK),
        ("none", "13800138000", "13800138000"),
    ],
)
def test_presets(preset: str, text: str, masked: str) -> None:
    assert mask_text(text, preset) == masked


def test_card_masks_never_keep_more_than_first_6_and_last_4() -> None:
    for length in range(12, 20):
        digits = "".join(str(i % 10) for i in range(length))
        masked = mask_text(digits, "bank_card")
        assert len(masked) == length
        assert sum(c != "*" for c in masked) == 10


def test_full_mask_hides_the_length() -> None:
    assert len({mask_text("x" * n, "full") for n in range(1, 30)}) == 1


def test_registry() -> None:
    assert set(MASKS) == {
        "resident_id",
        "bank_card",
        "passport",
        "mobile",
        "account",
        "name",
        "email",
        "full",
        "none",
    }
    for name, preset in MASKS.items():
        assert preset.name == name
        assert preset.summary.zh_cn
        assert preset.summary.en


def test_unknown_preset() -> None:
    with pytest.raises(KeyError):
        mask_text("x", "nope")


@pytest.mark.parametrize(("head", "tail"), [(0, 0), (2, 2), (6, 4)])
def test_keep_ends_on_exact_boundary(head: int, tail: int) -> None:
    assert keep_ends("x" * (head + tail), head, tail) == FULL_MASK
    assert keep_ends("x" * (head + tail + 1), head, tail).count("*") == 1
