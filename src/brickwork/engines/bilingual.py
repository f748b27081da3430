"""Messages in the product's two languages: a template per language (`str.format` fields, the
same in both) and parameters that differ by language (`Words`). The form engine's problems and
the flow engine's refusals are written this way. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Words:
    """A message parameter that differs by language (e.g. the name of the expected type)."""

    zh_cn: str
    en: str


def fill(templates: tuple[str, str], params: Mapping[str, object]) -> tuple[str, str]:
    """The (zh-CN, en) templates with `params` filled in, each `Words` in its language."""
    zh_template, en_template = templates
    zh = {k: v.zh_cn if isinstance(v, Words) else v for k, v in params.items()}
    en = {k: v.en if isinstance(v, Words) else v for k, v in params.items()}
    return zh_template.format(**zh), en_template.format(**en)
