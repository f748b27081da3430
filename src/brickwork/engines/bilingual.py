"""Messages in the product's two languages: a template per language (`str.format` fields, the
same in both) and parameters that differ by language (`Words`). The engines' problems and the
flow engine's refusals are written this way; `schema_zh` says a pydantic error in Chinese. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Words:
    """A message parameter that differs by language (e.g. the name of the expected type)."""

    zh_cn: str
    en: str


NONE = Words("无", "none")


def listing(
    items: Iterable[str | Words], *, limit: int | None = None, empty: Words | None = None
) -> Words:
    """Names as a list in a sentence: `a、b` in Chinese, `a, b` in English; the first `limit`
    of them and an ellipsis when there are more; `empty` (if given) when there are none."""
    named = [item if isinstance(item, Words) else Words(item, item) for item in items]
    if not named and empty is not None:
        return empty
    more = limit is not None and len(named) > limit
    shown = named[:limit]
    return Words(
        "、".join(n.zh_cn for n in shown) + (" 等" if more else ""),
        ", ".join(n.en for n in shown) + (", ..." if more else ""),
    )


def fill_hinted(
    message: tuple[str, str], hint: tuple[str, str] | None, params: Mapping[str, object]
) -> tuple[str, str, str | None, str | None]:
    """A message and its optional hint filled in: (zh-CN, en, hint zh-CN, hint en)."""
    zh_cn, en = fill(message, params)
    if hint is None:
        return zh_cn, en, None, None
    hint_zh_cn, hint_en = fill(hint, params)
    return zh_cn, en, hint_zh_cn, hint_en


def fill(templates: tuple[str, str], params: Mapping[str, object]) -> tuple[str, str]:
    """The (zh-CN, en) templates with `params` filled in, each `Words` in its language."""
    zh_template, en_template = templates
    zh = {k: v.zh_cn if isinstance(v, Words) else v for k, v in params.items()}
    en = {k: v.en if isinstance(v, Words) else v for k, v in params.items()}
    return zh_template.format(**zh), en_template.format(**en)


# The shape of a definition or a request (pydantic's errors): the English is pydantic's message;
# the Chinese is made from the error's type and context, else a lead-in before that message.
SCHEMA: Mapping[str, str] = {  # pydantic error type -> Chinese template over the error's `ctx`
    "missing": "缺少必填项",
    "extra_forbidden": "不允许此属性",
    "string_type": "应为文本",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求（应匹配 {pattern}）",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "too_short": "至少需要 {min_length} 项（现有 {actual_length} 项）",
    "too_long": "最多允许 {max_length} 项（现有 {actual_length} 项）",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "less_than": "必须小于 {lt}",
    "literal_error": "应为 {expected}",
    "union_tag_invalid": "{discriminator} 的值 {tag!r} 无效，应为 {expected_tags}",
    "union_tag_not_found": "缺少 {discriminator}",
}
SCHEMA_OTHER = "定义的结构不符合要求：{detail}"
_ALTERNATIVES = ("expected", "expected_tags")  # "'a', 'b' or 'c'" in pydantic's English


def schema_zh(error: Mapping[str, Any], *, other: str = SCHEMA_OTHER) -> str:
    """The Chinese of a pydantic error about the shape of a definition or a request (`other`:
    the lead-in before pydantic's English for an error type without a Chinese template)."""
    ctx = dict(error.get("ctx") or {})
    for name in _ALTERNATIVES:
        if isinstance(ctx.get(name), str):
            ctx[name] = ctx[name].replace("', '", "'、'").replace("' or '", "' 或 '")
    other = other.format(detail=error.get("msg", ""))
    template = SCHEMA.get(str(error.get("type")))
    if template is None:
        return other
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):  # pydantic's context is untyped: an entry it renames
        return other
