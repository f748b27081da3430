"""Value types shared by every area: machine keys and bilingual texts.

Neutral ground: metadata, auth and records all name things with keys and label them in Chinese
and English, so these types belong to none of them. No area imports.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"

Key = Annotated[
    str,
    StringConstraints(pattern=KEY_PATTERN),
    Field(description="Machine name: lower-case letter, then letters, digits or _ (max 63)."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class I18nText(BaseModel):
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
    Text | I18nText,
    Field(description='A plain string or {"zh-CN": ..., "en": ...}.'),
]
