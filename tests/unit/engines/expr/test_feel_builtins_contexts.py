"""Context built-ins of DMN 1.5 §10.3.4.8 and `is` (§10.3.4.6), from the spec's examples and
their edges: nested keys, entry order, nulls and wrong kinds."""

from __future__ import annotations

import pytest
from expr_support import run, shown

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ('get value({key1: "value1"}, "key1")', '"value1"', ()),
    ('get value({key1: "value1"}, "unexistent-key")', "null", ()),
    ('get value({a: null}, "a")', "null", ()),
    ('get value({x: 1, y: {z: 0}}, ["y", "z"])', "0", ()),
    ('get value({x: {y: {z: 0}}}, ["x", "y"])', '{"z": 0}', ()),
    ('get value({a: {b: 3}}, ["b"])', "null", ()),
    ('get value({a: 1}, ["a", "b"])', "null", ()),
    ("get value({a: 1}, [])", "null", ()),
    ('get value({a: 1}, ["a", 1])', "null", ("E_ARGUMENT_TYPE",)),
    ("get value({a: 1}, 1)", "null", ("E_ARGUMENT_TYPE",)),
    ('get value(null, "a")', "null", ()),
    ('get value([1], "a")', "null", ("E_ARGUMENT_TYPE",)),
    (
        'get entries({key1: "value1", key2: "value2"})',
        '[{"key": "key1", "value": "value1"}, {"key": "key2", "value": "value2"}]',
        (),
    ),
    ('get entries({"a b": [1]})', '[{"key": "a b", "value": [1]}]', ()),
    ("get entries({})", "[]", ()),
    ("get entries(1)", "null", ("E_ARGUMENT_TYPE",)),
    ('context([{key: "a", value: 1}, {key: "b", value: 2}])', '{"a": 1, "b": 2}', ()),
    (
        'context([{key: "a", value: 1}, {key: "b", value: 2, something: "else"}])',
        '{"a": 1, "b": 2}',
        (),
    ),
    ('context([{key: "a", value: 1}, {key: "b"}])', "null", ("E_ARG_VALUE",)),
    ('context([{key: "a", value: null}])', '{"a": null}', ()),
    ('context([{key: "a", value: 1}, {key: "a", value: 2}])', "null", ("E_ARG_VALUE",)),
    ("context([{key: 1, value: 1}])", "null", ("E_ARGUMENT_TYPE",)),
    ("context([1])", "null", ("E_ARG_VALUE",)),
    ("context([])", "{}", ()),
    ("context(get entries({a: 1, b: [2]}))", '{"a": 1, "b": [2]}', ()),
    ('context put({x: 1}, "y", 2)', '{"x": 1, "y": 2}', ()),
    ('context put({x: 1, y: 0}, "y", 2)', '{"x": 1, "y": 2}', ()),
    ('context put({x: 1, y: 0, z: 0}, "y", 2)', '{"x": 1, "y": 2, "z": 0}', ()),
    ('context put({x: 1}, "y", null)', '{"x": 1, "y": null}', ()),
    ('context put({x: 1}, ["y"], 2) = context put({x: 1}, "y", 2)', "true", ()),
    ('context put({x: 1, y: {a: 0}}, ["y", "a"], 2)', '{"x": 1, "y": {"a": 2}}', ()),
    ('context put({x: 1}, ["y", "a", "b"], 2)', '{"x": 1, "y": {"a": {"b": 2}}}', ()),
    ('context put({x: 1, y: {a: 0, b: 1}}, ["y", "b"], 2)', '{"x": 1, "y": {"a": 0, "b": 2}}', ()),
    ('context put({x: 1}, ["x", "a"], 2)', "null", ("E_ARG_VALUE",)),
    ("context put({x: 1, y: {a: 0}}, [], 2)", "null", ("E_ARG_VALUE",)),
    ("context put({x: 1}, [1], 2)", "null", ("E_ARGUMENT_TYPE",)),
    ("context put({x: 1}, 1, 2)", "null", ("E_ARGUMENT_TYPE",)),
    ('context put(null, "a", 1)', "null", ()),
    ("context put({}, null, 1)", "null", ()),
    ('context put(1, "a", 1)', "null", ("E_ARGUMENT_TYPE",)),
    ("context merge([{x: 1}, {y: 2}])", '{"x": 1, "y": 2}', ()),
    ("context merge([{x: 1, y: 0}, {y: 2}])", '{"x": 1, "y": 2}', ()),
    ("context merge([{y: 0, x: 1}, {y: 2, z: 3}])", '{"y": 2, "x": 1, "z": 3}', ()),
    ("context merge([])", "{}", ()),
    ("context merge([{x: 1}, 2])", "null", ("E_ARGUMENT_TYPE",)),
    ("context merge([{x: 1}, null])", "null", ("E_ARGUMENT_TYPE",)),
    # is: the same element of the semantic domain
    ('is(date("2012-12-25"), time("23:00:50"))', "false", ()),
    ('is(date("2012-12-25"), date("2012-12-25"))', "true", ()),
    ('is(time("23:00:50Z"), time("23:00:50"))', "false", ()),
    ('is(time("23:00:50Z"), time("23:00:50+00:00"))', "true", ()),
    ('is(@"2025-01-01T10:00:00+01:00", @"2025-01-01T09:00:00Z")', "false", ()),
    ('@"2025-01-01T10:00:00+01:00" = @"2025-01-01T09:00:00Z"', "true", ()),
    ('is(1, "1")', "false", ()),
    ("is(1, 1.00)", "true", ()),
    ("is(null, null)", "true", ()),
    ("is(null, 0)", "false", ()),
    ('is([1, {a: "x"}], [1, {a: "x"}])', "true", ()),
    ("is([1], [1, 2])", "false", ()),
    ('is(@"P1D", @"PT24H")', "true", ()),
    ('is(@"P1Y", @"P12M")', "true", ()),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_context_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


def _nested(depth: int) -> list[object]:
    value: list[object] = [1]
    for _ in range(depth):
        value = [value]
    return value


def test_is_walks_deep_values_without_recursion() -> None:
    deep = 5000
    same = run("is(a, b)", {"a": _nested(deep), "b": _nested(deep)})
    assert (same.value, same.diagnostics) == (True, ())
    assert run("is(a, b)", {"a": _nested(deep), "b": _nested(deep - 1)}).value is False


def test_context_put_with_many_keys_does_not_recurse() -> None:
    keys = [f"k{i}" for i in range(5000)]
    result = run("get value(context put({}, keys, 1), keys)", {"keys": keys})
    assert (result.value, result.diagnostics) == (1, ())
