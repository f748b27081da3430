"""Context functions (DMN 1.5 §10.3.4.8): `get value`, `get entries`, `context`, `context put`
and `context merge`.

Contexts are dicts with string keys; every function returns a new dict and never changes its
arguments. Nested `context put` walks a bounded list of keys given by the caller. Evaluators are
pure.
"""

from __future__ import annotations

from brickwork.engines.expr.datatypes import ANY, ANY_CONTEXT, ExprType, context_of, list_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.values import Value, kind_of, norm, quote
from brickwork.engines.expr.words import zh_kind

ENTRY_TYPE = context_of({"key": ExprType("string"), "value": ANY})


def _keys(keys: list[Value], name: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        key = norm(key)
        if not isinstance(key, str):
            message = f"`{name}` must hold strings, not a {kind_of(key)}"
            zh_cn = f"`{name}` 中的元素必须是文本，不能是{zh_kind(kind_of(key))}"
            raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
        out.append(key)
    return out


def get_value(context: dict[str, Value], key: Value) -> Value:
    """`get value(m, key)`; a list of keys reads a nested entry (`["a", "b"]` is `m.a.b`)."""
    if isinstance(key, str):
        return norm(context.get(key))
    if not isinstance(key, list):
        zh_cn = f"`key` 必须是文本或文本列表，不能是{zh_kind(kind_of(key))}"
        raise FunctionError(f"`key` must be a string or a list of strings, not a {kind_of(key)}",
                            "E_ARGUMENT_TYPE", zh_cn=zh_cn)  # fmt: skip
    found: Value = context if key else None
    for name in _keys(key, "key"):
        if not isinstance(found, dict):
            return None
        found = norm(found.get(name))
    return found


def _get_by_key(context: dict[str, Value], key: Value) -> Value:
    if not isinstance(key, str):
        raise FunctionError(f"`key` must be a string, not a {kind_of(key)}", "E_ARGUMENT_TYPE",
                            zh_cn=f"`key` 必须是文本，不能是{zh_kind(kind_of(key))}")  # fmt: skip
    return get_value(context, key)


def _get_by_keys(context: dict[str, Value], keys: Value) -> Value:
    if not isinstance(keys, list):
        raise FunctionError(f"`keys` must be a list, not a {kind_of(keys)}", "E_ARGUMENT_TYPE",
                            zh_cn=f"`keys` 必须是列表，不能是{zh_kind(kind_of(keys))}")  # fmt: skip
    return get_value(context, keys)


def get_entries(context: dict[str, Value]) -> list[Value]:
    return [{"key": key, "value": norm(value)} for key, value in context.items()]


def from_entries(entries: list[Value]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for index, item in enumerate(entries, 1):
        entry = norm(item)
        if not isinstance(entry, dict) or "key" not in entry or "value" not in entry:
            message = f"`entries` item {index} is not a context with `key` and `value`"
            zh_cn = f"`entries` 的第 {index} 个元素不是含 `key` 和 `value` 的上下文"
            raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
        key = norm(entry["key"])
        if not isinstance(key, str):
            message = f"`entries` item {index} has a {kind_of(key)} key, not a string"
            zh_cn = f"`entries` 的第 {index} 个元素的键是{zh_kind(kind_of(key))}，不是文本"
            raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
        if key in out:
            raise FunctionError(f"`entries` repeats the key {quote(key)}", "E_ARG_VALUE",
                                zh_cn=f"`entries` 中的键 {quote(key)} 重复")  # fmt: skip
        out[key] = norm(entry["value"])
    return out


def _put(context: dict[str, Value], keys: list[str], value: Value) -> dict[str, Value]:
    """Set the entry at the path `keys`, copying each level on the way (never recursing)."""
    levels = [context]
    for key in keys[:-1]:
        inner = norm(levels[-1].get(key))
        if inner is None:
            inner = {}
        if not isinstance(inner, dict):
            message = f"the entry {quote(key)} is a {kind_of(inner)}, not a context"
            zh_cn = f"键 {quote(key)} 的值是{zh_kind(kind_of(inner))}，不是上下文"
            raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
        levels.append(inner)
    for level, key in zip(reversed(levels), reversed(keys), strict=True):
        value = {**level, key: value}
    return value  # type: ignore[no-any-return]


def context_put(context: dict[str, Value] | None, key: Value, value: Value) -> Value:
    """`context put(context, key, value)` or, with a list of keys, into a nested context."""
    if context is None or key is None:
        return None
    if isinstance(key, str):
        return {**context, key: value}
    if not isinstance(key, list):
        zh_cn = f"`key` 必须是文本或 `keys` 必须是列表，不能是{zh_kind(kind_of(key))}"
        raise FunctionError(f"`key` must be a string or `keys` a list, not a {kind_of(key)}",
                            "E_ARGUMENT_TYPE", zh_cn=zh_cn)  # fmt: skip
    if not key:
        raise FunctionError("`keys` is empty", "E_ARG_VALUE", zh_cn="`keys` 是空列表")
    return _put(context, _keys(key, "keys"), value)


def _put_by_key(context: dict[str, Value] | None, key: Value, value: Value) -> Value:
    if key is not None and not isinstance(key, str):
        raise FunctionError(f"`key` must be a string, not a {kind_of(key)}", "E_ARGUMENT_TYPE",
                            zh_cn=f"`key` 必须是文本，不能是{zh_kind(kind_of(key))}")  # fmt: skip
    return context_put(context, key, value)


def _put_by_keys(context: dict[str, Value] | None, keys: Value, value: Value) -> Value:
    if keys is not None and not isinstance(keys, list):
        raise FunctionError(f"`keys` must be a list, not a {kind_of(keys)}", "E_ARGUMENT_TYPE",
                            zh_cn=f"`keys` 必须是列表，不能是{zh_kind(kind_of(keys))}")  # fmt: skip
    return context_put(context, keys, value)


def context_merge(contexts: list[Value]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for index, item in enumerate(contexts, 1):
        context = norm(item)
        if not isinstance(context, dict):
            message = f"`contexts` item {index} is a {kind_of(context)}, not a context"
            zh_cn = f"`contexts` 的第 {index} 个元素是{zh_kind(kind_of(context))}，不是上下文"
            raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
        out.update(context)
    return out


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "get value", "context",
        (sig("m: context, key: any", get_value, ANY, named=False),
         sig("m: context, key: any", _get_by_key, ANY, positional=False),
         sig("m: context, keys: any", _get_by_keys, ANY, positional=False)),
        "The value of the entry `key` of the context `m` (null if there is none); with a list "
        "of keys, the value of a nested entry.",
        "取上下文 `m` 中键 `key` 的值（没有该键时为 null）；键为列表时按路径取嵌套的值。",
        (ex('get value({key1: "value1"}, "key1")', '"value1"'),
         ex('get value({key1: "value1"}, "unexistent-key")', "null"),
         ex('get value({x: 1, y: {z: 0}}, ["y", "z"])', "0"),
         ex('get value({a: {b: 3}}, ["b"])', "null")),
    ),
    FunctionSpec(
        "get entries", "context", (sig("m: context", get_entries, list_of(ENTRY_TYPE)),),
        "The entries of the context `m` as a list of `{key, value}` contexts.",
        "把上下文 `m` 的各项转换为 `{key, value}` 列表。",
        (ex('get entries({key1: "value1", key2: "value2"})',
            '[{"key": "key1", "value": "value1"}, {"key": "key2", "value": "value2"}]'),
         ex("get entries({})", "[]")),
    ),
    FunctionSpec(
        "context", "context", (sig("entries: list", from_entries, ANY_CONTEXT),),
        "A context from a list of `{key, value}` contexts (other entries are ignored; a "
        "missing `key` or `value`, or a repeated key, gives null).",
        "由 `{key, value}` 列表构造上下文（忽略其他项；缺少 `key` 或 `value`、键重复时为 null）。",
        (ex('context([{key: "a", value: 1}, {key: "b", value: 2}])', '{"a": 1, "b": 2}'),
         ex('context([{key: "a", value: 1}, {key: "b", value: 2, something: "else"}])',
            '{"a": 1, "b": 2}'),
         ex('context([{key: "a", value: 1}, {key: "b"}])', "null")),
    ),
    FunctionSpec(
        "context put", "context",
        (sig("context: context, key: any, value: any", context_put, ANY_CONTEXT, named=False),
         sig("context: context, key: any, value: any", _put_by_key, ANY_CONTEXT,
             positional=False),
         sig("context: context, keys: any, value: any", _put_by_keys, ANY_CONTEXT,
             positional=False)),
        "`context` with the entry `key` set to `value` (added last, or replaced in place); with "
        "a list of keys, the nested entry is set (missing levels are created).",
        "设置 `context` 中键 `key` 的值（新键追加在最后，已有键原位替换）；键为列表时设置"
        "嵌套的值（缺少的层级会被创建）。",
        (ex('context put({x: 1}, "y", 2)', '{"x": 1, "y": 2}'),
         ex('context put({x: 1, y: 0}, "y", 2)', '{"x": 1, "y": 2}'),
         ex('context put({x: 1, y: 0, z: 0}, "y", 2)', '{"x": 1, "y": 2, "z": 0}'),
         ex('context put({x: 1}, ["y"], 2)', '{"x": 1, "y": 2}'),
         ex('context put({x: 1, y: {a: 0}}, ["y", "a"], 2)', '{"x": 1, "y": {"a": 2}}'),
         ex('context put({x: 1, y: {a: 0}}, [], 2)', "null"),
         ex('context put({x: 1}, "y", null)', '{"x": 1, "y": null}')),
        propagate_null=False,
    ),
    FunctionSpec(
        "context merge", "context", (sig("contexts: list", context_merge, ANY_CONTEXT),),
        "One context with the entries of all `contexts`; later entries replace earlier ones.",
        "合并多个上下文；后面的同名键覆盖前面的。",
        (ex("context merge([{x: 1}, {y: 2}])", '{"x": 1, "y": 2}'),
         ex("context merge([{x: 1, y: 0}, {y: 2}])", '{"x": 1, "y": 2}')),
    ),
)  # fmt: skip
