"""How calls bind to the built-ins of DMN 1.5 §10.3.4: the spec's parameter names, null for an
optional parameter meaning "absent" (for every optional parameter of the registry), list
functions called without a list, and wrong kinds reported with the function and parameter."""

from __future__ import annotations

import pytest
from expr_support import run, shown

from brickwork.engines.expr import REGISTRY, compile_expression
from brickwork.engines.expr.diagnostics import ExprCheckError
from brickwork.engines.expr.functions import FunctionSpec, Param, Signature

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # the spec's parameter names
    ('substring(string: "abc", start position: 2)', '"bc"', ()),
    ("all(list: [true, false])", "false", ()),
    ("any(list: [false, true])", "true", ()),
    ("sum(list: [1, 2])", "3", ()),
    ("count(list: [1, 2])", "2", ()),
    ("min(list: [2, 1])", "1", ()),
    ("mean(list: [1, 2])", "1.5", ()),
    ("product(list: [2, 3])", "6", ()),
    ("append(list: [1], item: 2)", "[1, 2]", ()),
    ("concatenate(list: [1])", "[1]", ()),
    ('string join(list: ["a", "b"], delimiter: "-")', '"a-b"', ()),
    ("decimal(n: 1.25, scale: 1)", "1.2", ()),
    ("round half down(n: 1.25, scale: 1)", "1.2", ()),
    ("floor(n: 1.5)", "1", ()),
    ("modulo(dividend: 7, divisor: 2)", "1", ()),
    ("log(number: 1)", "0", ()),
    ("sort(list: [3, 1, 2])", "[1, 2, 3]", ()),
    ("insert before(list: [1, 3], position: 2, newItem: 2)", "[1, 2, 3]", ()),
    ("list replace(list: [1, 2], position: 1, newItem: 0)", "[0, 2]", ()),
    ("remove(list: [1, 2], position: 1)", "[2]", ()),
    ('get value(m: {a: 1}, key: "a")', "1", ()),
    ('context put(context: {}, key: "a", value: 1)', '{"a": 1}', ()),
    ('context put(context: {}, keys: ["a", "b"], value: 1)', '{"a": {"b": 1}}', ()),
    ("context merge(contexts: [{a: 1}])", '{"a": 1}', ()),
    ('context(entries: [{key: "a", value: 1}])', '{"a": 1}', ()),
    ("is(value1: 1, value2: 1)", "true", ()),
    ("before(point1: 1, point2: 2)", "true", ()),
    ("before(point: 1, range: [2..3])", "true", ()),
    ("before(range: [1..2], point: 3)", "true", ()),
    ("before(range1: [1..2], range2: [3..4])", "true", ()),
    ("includes(range: [1..2], point: 1)", "true", ()),
    ('time(hour: 10, minute: 0, second: 0, offset: duration("PT1H"))', '@"10:00:00+01:00"', ()),
    # a named form insists on the kinds its names say
    ("before(range: 1, point: [2..3])", "null", ("E_ARGUMENT_TYPE",)),
    ("during(range1: 1, range2: [2..3])", "null", ("E_ARGUMENT_TYPE",)),
    ("before(point1: [1..2], point2: 3)", "null", ("E_ARGUMENT_TYPE",)),
    (
        'context put(context: {x: 1, y: {a: 0}}, key: ["y", "a"], value: 2)',
        "null",
        ("E_ARGUMENT_TYPE",),
    ),
    ('context put(context: {}, keys: "a", value: 2)', "null", ("E_ARGUMENT_TYPE",)),
    ('get value(m: {a: {b: 1}}, keys: ["a", "b"])', "1", ()),
    ('get value(m: {a: 1}, key: ["a"])', "null", ("E_ARGUMENT_TYPE",)),
    ("list replace(list: [1], match: 1, newItem: 0)", "null", ("E_ARGUMENT_TYPE",)),
    # null for an optional parameter is absent
    ('number("1,000", ",", null)', "1000", ()),
    ('number("1 000,5", null, ",")', "null", ("E_ARG_VALUE",)),
    ("time(11, 59, 45, null)", '@"11:59:45"', ()),
    ('string join(["a"], null)', '"a"', ()),
    ('string join(["a", "b", "c"], null)', '"abc"', ()),
    ('matches("abc", "B", null)', "false", ()),
    ('replace("abc", "b", "x", null)', '"axc"', ()),
    ('substring("abc", 2, null)', '"bc"', ()),
    ("sublist([1, 2, 3], 2, null)", "[2, 3]", ()),
    # but not for a required one: the spec's `floor(n, scale)` is null when the scale is null
    ("floor(1.5, null)", "null", ()),
    ("round half up(1.5, null)", "null", ()),
    # list functions given no list at all
    ("all()", "null", ()),
    ("any()", "null", ()),
    ("sum()", "null", ()),
    ("count()", "null", ()),
    ("median()", "null", ()),
    ("all([])", "true", ()),
    ("any([])", "false", ()),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_binding_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


_SAMPLES = {
    "number": "1",
    "string": '"a"',
    "boolean": "true",
    "date": '@"2025-01-02"',
    "time": '@"10:00:00"',
    "date and time": '@"2025-01-02T10:00:00"',
    "days and time duration": '@"P1D"',
    "years and months duration": '@"P1M"',
    "list": '["a"]',
    "context": "{a: 1}",
}


def _sample(param: Param) -> str:
    return _SAMPLES[sorted(param.accepts)[0]] if param.accepts else '"a"'


def _with_optionals() -> list[tuple[str, FunctionSpec, Signature]]:
    return [
        (f"{spec.name}#{i}", spec, signature)
        for spec in REGISTRY.specs
        for i, signature in enumerate(spec.signatures)
        if any(p.optional for p in signature.params) and not spec.lazy
    ]


@pytest.mark.parametrize(
    ("label", "spec", "signature"), _with_optionals(), ids=[c[0] for c in _with_optionals()]
)
def test_null_for_every_optional_parameter_is_absent(
    label: str, spec: FunctionSpec, signature: Signature
) -> None:
    required = [_sample(p) for p in signature.params if not p.optional and not p.rest]
    optional = [p for p in signature.params if p.optional]
    without = f"{spec.name}({', '.join(required)})"
    with_nulls = f"{spec.name}({', '.join(required + ['null'] * len(optional))})"
    assert shown(with_nulls) == shown(without), with_nulls


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ('context put(context: {}, ky: "a", value: 1)', "E_ARGUMENT_NAME"),
        ("odd(n: 4)", "E_ARGUMENT_NAME"),
        ("odd()", "E_ARGUMENT_COUNT"),
        ("odd(4, 4)", "E_ARGUMENT_COUNT"),
        ('context put({}, "a")', "E_ARGUMENT_COUNT"),
    ],
)
def test_calls_that_fit_no_signature_are_refused_when_compiled(source: str, code: str) -> None:
    with pytest.raises(ExprCheckError) as refused:
        compile_expression(source)
    assert [d.code for d in refused.value.diagnostics] == [code]


def test_a_wrong_kind_names_the_function_and_the_parameter() -> None:
    result = run('substring(1, "a")')
    assert result.value is None
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "E_ARGUMENT_TYPE"
    assert "`substring`" in diagnostic.message
    assert "`string`" in diagnostic.message


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("meets(1, [1..2])", ("meets", "range1", "range2")),
        ("get value({a: 1}, 1)", ("get value", "key")),
        ("context put({a: 1}, 1, 2)", ("context put", "key")),
        ("context merge([1])", ("context merge", "contexts")),
        ("sort([1, 2], 3)", ("sort", "precedes")),
        ('list replace([1], "a", 2)', ("list replace", "position", "match")),
        ("insert before([1], 5, 0)", ("insert before", "position")),
        ("odd(1.5)", ("odd", "number")),
        ("log(-1)", ("log", "number")),
    ],
)
def test_function_errors_name_the_function_and_the_parameter(
    source: str, words: tuple[str, ...]
) -> None:
    result = run(source)
    assert result.value is None
    (diagnostic,) = result.diagnostics
    for word in words:
        assert word in diagnostic.message, (word, diagnostic.message)
