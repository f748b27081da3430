"""Building blocks shared by form definitions: keys, element ids, expression text, labels,
sensitivity classes and the options every field has (`FieldBase`).

Frozen pydantic models and annotated types only. This module must not parse expressions, touch
values of records or know about individual field types.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from brickwork.engines.form.problems import Locale

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
ELEMENT_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
MAX_EXPRESSION_LENGTH = 10_000
MAX_PATTERN_LENGTH = 200
"""Longest `pattern` a text field may declare (regexes are also checked for nested repeats)."""

Key = Annotated[
    str,
    StringConstraints(pattern=KEY_PATTERN),
    Field(description="Machine name: lower-case letter, then letters, digits or _ (max 63)."),
]
ElementId = Annotated[
    str,
    StringConstraints(pattern=ELEMENT_ID_PATTERN),
    Field(description="Stable id of the element; labels and keys may change, ids never do."),
]
Expression = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_EXPRESSION_LENGTH),
    Field(description="Source text in the Brickwork expression language (checked elsewhere)."),
]
CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    Field(description="ISO 4217 alphabetic currency code, e.g. CNY."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class I18nText(BaseModel):
    """Text in Simplified Chinese and/or English; at least one of them."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, json_schema_extra={"minProperties": 1}
    )

    zh_cn: Text | None = Field(default=None, alias="zh-CN", description="Simplified Chinese")
    en: Text | None = Field(default=None, description="English")

    @model_validator(mode="after")
    def _one_language_at_least(self) -> I18nText:
        if self.zh_cn is None and self.en is None:
            raise ValueError('give at least one of "zh-CN" and "en"')
        return self


Label = Annotated[
    Text | I18nText, Field(description='A plain string or {"zh-CN": ..., "en": ...}.')
]


def label_text(label: str | I18nText, locale: Locale) -> str:
    """The label in `locale`, falling back to the other language when it is missing."""
    if isinstance(label, str):
        return label
    preferred, other = (label.zh_cn, label.en) if locale == "zh-CN" else (label.en, label.zh_cn)
    return preferred or other or ""


class Sensitivity(StrEnum):
    """Personal financial information classes of JR/T 0171-2020."""

    C1 = "C1"
    """Internal data (e.g. account-opening time)."""
    C2 = "C2"
    """Identifying and account data: ID, card and mobile numbers, transactions, assets."""
    C3 = "C3"
    """Authentication data: passwords, PINs, card security codes, biometrics. Never in clear."""


class FieldBase(Frozen):
    """What every field declares, whatever its type."""

    type: str = Field(description="The field type; each subclass narrows it to one name.")
    id: ElementId
    key: Key
    label: Label
    help_text: Label | None = Field(default=None, description="Help shown under the input.")
    required: bool = Field(default=False, description="A value must be given (when visible).")
    required_when: Expression | None = Field(
        default=None, description="Required only when this expression is true."
    )
    visible_when: Expression | None = Field(
        default=None, description="Shown only when this expression is true; hidden = not required."
    )
    readonly_when: Expression | None = Field(
        default=None, description="Read-only when this expression is true."
    )
    default: Any = Field(
        default=None, description="Static default value, in the same form as API input."
    )
    default_expression: Expression | None = Field(
        default=None, description="Default computed when a record is created."
    )
    unique: bool = Field(default=False, description="No two live records may share the value.")
    sensitivity: Sensitivity | None = Field(
        default=None, description="C1/C2/C3 class; the field type's default when omitted."
    )
    encrypted: bool = Field(default=False, description="Store the value encrypted (required: C3).")
    mask: str | None = Field(
        default=None,
        max_length=40,
        description="Masking preset for viewers without clear-text permission; type default.",
    )
