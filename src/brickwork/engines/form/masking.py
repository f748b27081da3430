"""Masking presets: how a value is shown to someone without permission to see it in clear.

A registry of small entries (name → function of the displayed text). Presets keep at most what
the rules of the trade allow (cards: first 6 + last 4, PCI DSS) and hide lengths where that is
cheap. This module must not decide *who* sees what: the platform applies masks per permission.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from brickwork.engines.form.problems import Words

MASK_CHAR = "*"
FULL_MASK = MASK_CHAR * 6
"""The `full` preset shows the same six stars whatever the length, so length does not leak."""


@dataclass(frozen=True, slots=True)
class MaskPreset:
    name: str
    summary: Words
    apply: Callable[[str], str]


def keep_ends(text: str, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing characters; star the rest. Text too short to hide
    anything between them is fully masked."""
    if len(text) <= head + tail:
        return FULL_MASK
    return text[:head] + MASK_CHAR * (len(text) - head - tail) + text[len(text) - tail :]


def _name(text: str) -> str:
    # Surname (first character) kept; each following character starred, spaces kept.
    if not text:
        return text
    return text[0] + "".join(c if c.isspace() else MASK_CHAR for c in text[1:])


def _email(text: str) -> str:
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return FULL_MASK
    return f"{local[0]}{MASK_CHAR * 3}@{domain}"


MASKS: Mapping[str, MaskPreset] = {
    preset.name: preset
    for preset in (
        MaskPreset(
            "resident_id",
            Words("保留前 6 位和后 4 位", "keep the first 6 and the last 4 characters"),
            lambda text: keep_ends(text, 6, 4),
        ),
        MaskPreset(
            "bank_card",
            Words("保留前 6 位和后 4 位", "keep the first 6 and the last 4 digits"),
            lambda text: keep_ends(text, 6, 4),
        ),
        MaskPreset(
            "passport",
            Words("保留首位和后 3 位", "keep the first and the last 3 characters"),
            lambda text: keep_ends(text, 1, 3),
        ),
        MaskPreset(
            "mobile",
            Words("保留前 3 位和后 4 位", "keep the first 3 and the last 4 digits"),
            lambda text: keep_ends(text, 3, 4),
        ),
        MaskPreset(
            "account",
            Words("保留前 4 位和后 4 位", "keep the first 4 and the last 4 characters"),
            lambda text: keep_ends(text, 4, 4),
        ),
        MaskPreset("name", Words("只显示姓", "show the surname (first character) only"), _name),
        MaskPreset(
            "email", Words("保留首字符和域名", "keep the first character and domain"), _email
        ),
        MaskPreset("full", Words("全部隐藏", "hide everything"), lambda text: FULL_MASK),
        MaskPreset("none", Words("不脱敏", "show in clear"), lambda text: text),
    )
}


def mask_text(text: str, preset: str) -> str:
    """`text` masked with the named preset (KeyError for an unknown preset)."""
    return MASKS[preset].apply(text)
