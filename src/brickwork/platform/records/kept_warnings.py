"""Warnings kept with records: what is stored, and what each reader is shown.

A save that passes may still carry warnings from the form engine: field checks that never refuse
(an unknown region code in a resident ID), form validations of severity ``warning``, expressions
that could not be evaluated. The service stores them with the record (``record_warnings``, both
languages), replaces them on every update, and removes them when there are none or the record is
deleted. Two rules keep them from showing what the grants protect:

- a warning about a field the reader cannot see (hidden: its pointer starts with the field's
  key) is left out; a warning about the record as a whole (pointer "") is shown to every reader;
- a warning whose message could quote the record's values (an expression's run-time details,
  see ``problems.QUOTING``) loses those details when it is stored for a form with protected
  fields (C2/C3 or encrypted: the table must not hold in clear what the form table encrypts),
  and when it is shown to a reader who does not see every field in clear.

Every other message is built from the definition and fixed templates, never from values.
Nothing here runs SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from brickwork.engines.form.definition import SubtableField
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.problems import Problem, without_values
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.records.access import SENSITIVE, sensitivity
from brickwork.platform.records.published import PublishedForm

ZH_CN = "zh-CN"
EN = "en"


def protects_values(form: PublishedForm) -> bool:
    """Whether the form has a field whose values must not be stored in clear next to it."""
    return any(
        sensitivity(item) in SENSITIVE or _encrypted(item) for item in form.definition.fields
    )


def _encrypted(item: FieldBase) -> bool:
    if item.encrypted:
        return True
    return isinstance(item, SubtableField) and any(child.encrypted for child in item.fields)


def to_stored(form: PublishedForm, problems: Iterable[Problem]) -> list[dict[str, str]]:
    """The warnings as stored: code, pointer and the message in both languages."""
    quiet = protects_values(form)
    stored: list[dict[str, str]] = []
    for found in problems:
        kept = without_values(found) if quiet else found
        stored.append({"code": kept.code, "pointer": kept.pointer, ZH_CN: kept.zh_cn, EN: kept.en})
    return stored


def field_of(pointer: str) -> str | None:
    """The key of the top-level field a pointer is under (None: the record as a whole)."""
    if not pointer.startswith("/"):
        return None
    head = pointer[1:].split("/", 1)[0]
    return head.replace("~1", "/").replace("~0", "~")


def in_clear(form: PublishedForm, levels: Mapping[str, FieldLevel]) -> bool:
    """Whether these levels show every field of the form in clear."""
    return all(
        levels.get(item.key, FieldLevel.HIDDEN) > FieldLevel.MASKED
        for item in form.definition.fields
    )


def visible(
    form: PublishedForm, problems: Iterable[Problem], levels: Mapping[str, FieldLevel]
) -> list[Problem]:
    """The warnings a reader with ``levels`` (on this record) may see: none about a field
    hidden from them, and no quoted values unless they see every field in clear (and the form
    keeps none protected)."""
    quiet = not in_clear(form, levels) or protects_values(form)
    out: list[Problem] = []
    for found in problems:
        key = field_of(found.pointer)
        if key is not None and levels.get(key, FieldLevel.HIDDEN) == FieldLevel.HIDDEN:
            continue
        out.append(without_values(found) if quiet else found)
    return out


def shown(
    form: PublishedForm,
    stored: Sequence[Mapping[str, Any]] | None,
    levels: Mapping[str, FieldLevel],
    locale: str,
) -> list[dict[str, str]]:
    """Stored warnings as a reader with ``levels`` sees them (see ``visible``), in their
    language: ``{code, message, pointer}``."""
    problems = [
        Problem(str(item["code"]), str(item[ZH_CN]), str(item[EN]), str(item["pointer"]))
        for item in stored or ()
    ]
    return [
        {
            "code": found.code,
            "message": found.zh_cn if locale == ZH_CN else found.en,
            "pointer": found.pointer,
        }
        for found in visible(form, problems, levels)
    ]
