"""The expression language's types and value kinds named in Chinese, for diagnostics.

Every diagnostic the engine writes carries its message in English (`message`, the API's
default) and in Chinese (`zh_cn`). English names a type by its FEEL name with an article
("a number", "a list<string>"); Chinese names it by a noun (`数字`, `文本列表`). Names the analyst
wrote (fields, functions, parameters) and source text stay as written in both languages. Pure.
"""

from __future__ import annotations

from brickwork.engines.expr import values as v
from brickwork.engines.expr.datatypes import ExprType

KIND_ZH: dict[str, str] = {
    v.NUMBER: "数字",
    v.STRING: "文本",
    v.BOOLEAN: "布尔值",
    v.DATE: "日期",
    v.TIME: "时间",
    v.DATETIME: "日期时间",
    v.DT_DURATION: "日时长",
    v.YM_DURATION: "年月时长",
    v.LIST: "列表",
    v.CONTEXT: "上下文",
    v.RANGE: "区间",
    v.FUNCTION: "函数",
    v.NULL: "空值",
    "any": "任意值",
}
"""A value kind (`values.NUMBER`, ..., or `any`) -> its Chinese noun."""


def zh_kind(kind: str) -> str:
    """The Chinese noun of a value kind; an unknown name is kept as it is."""
    return KIND_ZH.get(kind, kind)


def zh_type(found: ExprType) -> str:
    """The Chinese name of a static type: `数字`, `文本列表`, `日期区间`, `上下文{a: 数字}`."""
    kind = found.kind
    if kind in (v.LIST, v.RANGE) and found.item is not None and found.item.kind != "any":
        return f"{zh_type(found.item)}{zh_kind(kind)}"
    if kind == v.CONTEXT and found.fields:
        inner = ", ".join(f"{key}: {zh_type(item)}" for key, item in found.fields)
        return f"上下文{{{inner}}}"
    return zh_kind(kind)
