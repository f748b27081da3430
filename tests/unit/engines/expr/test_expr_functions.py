"""Every registered function: explicit cases, its documented examples, and generated null and
wrong-kind calls for each signature (so a new function is covered the day it is registered)."""

from __future__ import annotations

import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from expr_support import run, shown

from brickwork.engines.expr import REGISTRY, parse
from brickwork.engines.expr.functions import FunctionSpec, Param, Signature
from brickwork.engines.expr.syntax import Call, walk

# (source, expected value as literal text, expected diagnostic codes)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # ---------------------------------------------------------------- text
    ('substring("foobar", 3)', '"obar"', ()),
    ('substring("foobar", 3, 3)', '"oba"', ()),
    ('substring("foobar", -3, 2)', '"ba"', ()),
    ('substring(string: "abc", start position: 2)', '"bc"', ()),
    ('substring("abc", 1.5)', '"abc"', ()),
    ('substring("abc", 2, -1)', "null", ("E_ARG_VALUE",)),
    ('string length("")', "0", ()),
    ('LEN("abc")', "3", ()),
    ('upper case("straße")', '"STRASSE"', ()),
    ('lower case("ÀB")', '"àb"', ()),
    ('substring before("a-b-c", "-")', '"a"', ()),
    ('substring before("abc", "")', '""', ()),
    ('substring after("a-b-c", "-")', '"b-c"', ()),
    ('substring after("abc", "")', '"abc"', ()),
    ('contains("abc", "")', "true", ()),
    ('starts with("abc", "b")', "false", ()),
    ('ends with("abc", "bc")', "true", ()),
    ('matches("ABC", "abc", "i")', "true", ()),
    ('matches("a.c", ".", "q")', "true", ()),
    ('matches("abc", "b")', "true", ()),
    ('matches("abc", "(a|b)*")', "null", ("E_UNSAFE_PATTERN",)),
    ('matches("abc", "(a)\\\\1")', "null", ("E_UNSAFE_PATTERN",)),
    ('matches("abc", "[")', "null", ("E_ARG_VALUE",)),
    ('matches("abc", "a", "z")', "null", ("E_ARG_VALUE",)),
    ('replace("2025-03-03", "-", "/")', '"2025/03/03"', ()),
    ('replace("abc", "b", "\\\\$")', '"a$c"', ()),
    ('replace("abc", "b", "$")', "null", ("E_FUNCTION",)),
    ('split("a, b,c", ",\\\\s*")', '["a", "b", "c"]', ()),
    ('split("abc", "")', "null", ("E_ARG_VALUE",)),
    ('string join(["a", "b"])', '"ab"', ()),
    ('string join(["a", "b"], "-", "[", "]")', '"[a-b]"', ()),
    ('string join([1], ",")', "null", ("E_ARG_TYPE",)),
    ('LEFT("abc", 5)', '"abc"', ()),
    ('LEFT("abc", -1)', "null", ("E_ARG_VALUE",)),
    ('RIGHT("abc")', '"c"', ()),
    ('RIGHT("ab", 3)', '"ab"', ()),
    ('RIGHT("abc", -1)', "null", ("E_ARG_VALUE",)),
    ('MID("abc", 2, 5)', '"bc"', ()),
    ('TRIM("a")', '"a"', ()),
    ('CONCAT(1.50, "x", @"2025-01-02")', '"1.50x2025-01-02"', ()),
    # ---------------------------------------------------------------- numbers
    ("decimal(1.235, 2)", "1.24", ()),
    ("decimal(1.245, 2)", "1.24", ()),
    ("decimal(1, 1.5)", "1.0", ()),
    ("floor(1.9)", "1", ()),
    ("ceiling(-1.9)", "-1", ()),
    ("round up(1.001, 0)", "2", ()),
    ("round down(1.999, 0)", "1", ()),
    ("round half up(-2.345, 2)", "-2.35", ()),
    ("round half up(1, 99999)", "null", ("E_ARG_VALUE",)),
    ("ROUND(2.5)", "3", ()),
    ("ROUNDUP(2.01, 1)", "2.1", ()),
    ("ROUNDDOWN(2.09, 1)", "2.0", ()),
    ("round half even(0.125, 2)", "0.12", ()),
    ("abs(-0)", "0", ()),
    ("ABS(3)", "3", ()),
    ("modulo(12, -5)", "-3", ()),
    ("modulo(-12, -5)", "-2", ()),
    ("modulo(10.5, 3)", "1.5", ()),
    ("sqrt(2)", "1.414213562373095048801688724209698", ()),
    ('number("1,234.5", ",", ".")', "1234.5", ()),
    ('number("12")', "12", ()),
    ('number("1", ".", ".")', "null", ("E_ARG_VALUE",)),
    ('number("-")', "null", ("E_ARG_VALUE",)),
    # ---------------------------------------------------------------- lists
    ("sum([0.1, 0.2])", "0.3", ()),
    ("SUM(1, 2, 3)", "6", ()),
    ("sum(1)", "1", ()),
    ('sum(["a"])', "null", ("E_ARGUMENT_TYPE",)),
    ("mean([1, 2])", "1.5", ()),
    ("mean([1, null])", "null", ()),
    ("AVERAGE([])", "null", ()),
    ("min([])", "null", ()),
    ("min([2, null])", "null", ()),
    ('MIN("b", "a")', '"a"', ()),
    ('max(@"P1D", @"PT2H")', '@"P1D"', ()),
    ("max([true, false])", "null", ("E_ARG_TYPE",)),
    ("count(1, 2)", "2", ()),
    ("COUNT([[1, 2]])", "1", ()),
    ("all(true, true, true)", "true", ()),
    ("all([true, 1])", "null", ("E_ARGUMENT_TYPE",)),
    ("AND(true, false)", "false", ()),
    ("any([null, false])", "null", ()),
    ("OR(false, true)", "true", ()),
    ("list contains([1, 2], 2.0)", "true", ()),
    ('list contains([1, 2], "1")', "false", ()),
    ("list contains(null, 1)", "null", ()),
    ("append([1], [2])", "[1, [2]]", ()),
    ("append(null, 1)", "null", ()),
    ("concatenate([1], [], [2, 3])", "[1, 2, 3]", ()),
    ("concatenate([1], 2)", "null", ("E_ARGUMENT_TYPE",)),
    ('distinct values([1, 1.0, "1", null, null])', '[1, "1", null]', ()),
    ("flatten([[[]], [1, [2, [3]]]])", "[1, 2, 3]", ()),
    ('sort(["b", "a", "C"])', '["C", "a", "b"]', ()),
    ('sort([1, "a"])', "null", ("E_FUNCTION",)),
    ("sort([])", "[]", ()),
    ("index of([1, 2, 1], 1)", "[1, 3]", ()),
    ("reverse([])", "[]", ()),
    ("sublist([1, 2, 3], 1, 2)", "[1, 2]", ()),
    ("sublist([1, 2, 3], 4)", "null", ("E_ARG_VALUE",)),
    # ---------------------------------------------------------------- logic and conversion
    ("not(false)", "true", ()),
    ("NOT(1)", "null", ("E_ARGUMENT_TYPE",)),
    ('IF(1 > 2, "a", "b")', '"b"', ()),
    ('IF("yes", 1, 2)', "2", ("E_ARGUMENT_TYPE",)),
    ('ISBLANK(" ")', "false", ()),
    ("COALESCE(null, null, 3, 4)", "3", ()),
    ("string(true)", '"true"', ()),
    ("string(1000.0)", '"1000.0"', ()),
    ("IF({wrong: 1}, 1, 2)", "2", ("E_ARGUMENT_TYPE",)),
    ('string(@"P1Y2M")', '"P1Y2M"', ()),
    ('string([1, "a"])', '"[1, \\"a\\"]"', ()),
    # ---------------------------------------------------------------- date and time
    ('date("2024-02-29")', '@"2024-02-29"', ()),
    ('date("2023-02-29")', "null", ("E_ARG_VALUE",)),
    ('date("2024-02-29T10:00:00")', '@"2024-02-29"', ()),
    ("date(2024, 1.5, 1)", "null", ("E_ARG_VALUE",)),
    ("date(year: 2024, month: 12, day: 31)", '@"2024-12-31"', ()),
    ('time("10:30:15.5+08:00")', '@"10:30:15.500000+08:00"', ()),
    ('time("25:00:00")', "null", ("E_ARG_VALUE",)),
    ('time(@"2025-03-03T10:11:12")', '@"10:11:12"', ()),
    ('time(10, 0, 0, @"PT8H")', '@"10:00:00+08:00"', ()),
    ('date and time("2025-03-03")', '@"2025-03-03T00:00:00"', ()),
    ('date and time(@"2025-03-03")', '@"2025-03-03T00:00:00"', ()),
    ('date and time("2025-03-03T10:00:00Z")', '@"2025-03-03T10:00:00Z"', ()),
    ('duration("PT1H30M")', '@"PT1H30M"', ()),
    ('duration("-P2D")', '@"-P2D"', ()),
    ('duration("P1Y3D")', "null", ("E_ARG_VALUE",)),
    ('years and months duration(@"2025-01-31", @"2025-02-28")', '@"P0M"', ()),
    ('years and months duration(@"2024-02-29T10:00:00", @"2025-02-28")', '@"P11M"', ()),
    ('day of week(@"2025-03-09T23:59:00")', '"Sunday"', ()),
    ('day of year(@"2024-12-31")', "366", ()),
    ('month of year(@"2025-12-01")', '"December"', ()),
    ('week of year(@"2025-12-29")', "1", ()),
    ("now()", '@"2025-03-03T09:30:00+08:00"', ()),
    ('NOW() > @"2025-01-01T00:00:00Z"', "true", ()),
    ("today()", '@"2025-03-03"', ()),
    ('TODAY() = @"2025-03-03"', "true", ()),
    ('DATEDIF(@"2024-02-29", @"2025-02-28", "Y")', "0", ()),
    ('DATEDIF(@"2024-01-15", @"2025-03-10", "YM")', "1", ()),
    ('DATEDIF(@"2024-01-15", @"2025-03-10", "MD")', "23", ()),
    ('DATEDIF(@"2024-01-15", @"2025-03-10", "YD")', "54", ()),
    ('DATEDIF(@"2024-01-15", @"2025-03-10", "d")', "420", ()),
    ('DATEDIF(@"2024-01-15", @"2025-03-10", "W")', "null", ("E_ARG_VALUE",)),
    ('EDATE(@"2024-02-29", 12)', '@"2025-02-28"', ()),
    ('EDATE(@"2024-02-29T10:00:00", 1.5)', "null", ("E_ARG_VALUE",)),
    ('EDATE(@"9999-12-01", 1)', "null", ("E_DATE_RANGE",)),
    ('EOMONTH(@"2024-01-31", 1)', '@"2024-02-29"', ()),
    ('EOMONTH(@"2025-01-31", 13)', '@"2026-02-28"', ()),
    ('EOMONTH(@"2025-03-15T10:00:00", -3)', '@"2024-12-31"', ()),
    ('EOMONTH(@"2025-03-15", 0.5)', "null", ("E_ARG_VALUE",)),
    ('EOMONTH(@"9999-12-01", 1)', "null", ("E_DATE_RANGE",)),
    ('first day of month(@"2024-02-29")', '@"2024-02-01"', ()),
    ('first day of month(@"2025-12-31T23:59:59+08:00")', '@"2025-12-01"', ()),
    ('first day of month("2025-03-17")', "null", ("E_ARGUMENT_TYPE",)),
    ('last day of month(@"2023-02-01")', '@"2023-02-28"', ()),
    ('last day of month(@"2000-02-01")', '@"2000-02-29"', ()),
    ('last day of month(@"1900-02-01")', '@"1900-02-28"', ()),
    ('last day of month(@"2025-04-30T12:00:00")', '@"2025-04-30"', ()),
    ('days in month(@"2025-01-01")', "31", ()),
    ('days in month(@"2025-02-28")', "28", ()),
    ('days in month(@"2024-02-01T00:00:00")', "29", ()),
    ('last day of month(@"2025-03-10") - first day of month(@"2025-03-10")', '@"P30D"', ()),
    ('YEAR(@"2025-03-03T10:00:00")', "2025", ()),
    ('MONTH(@"2025-12-03")', "12", ()),
    ('DAY(@"2025-03-31")', "31", ()),
    ('range("(1..10]")', "(1..10]", ()),
    ('range("[1..a]")', "null", ("E_FUNCTION",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), CASES)
def test_function_case(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source) == (expected, codes)


EXAMPLES = [(spec.name, e.source, e.result) for spec in REGISTRY.specs for e in spec.examples]


@pytest.mark.parametrize(("name", "source", "expected"), EXAMPLES)
def test_documented_example(name: str, source: str, expected: str) -> None:
    value, _codes = shown(source)
    assert value == expected, name


_SAMPLE_BY_KIND = {
    "number": "1",
    "string": '"a"',
    "boolean": "true",
    "date": '@"2025-01-02"',
    "time": '@"10:00:00"',
    "date and time": '@"2025-01-02T10:00:00"',
    "days and time duration": '@"P1D"',
    "years and months duration": '@"P1M"',
    "list": "[1]",
    "context": "{a: 1}",
}
# A value of a kind that no restricted parameter accepts.
_WRONG_KIND = "{wrong: 1}"


def _sample(param: Param) -> str:
    if not param.accepts:
        return "1"
    return _SAMPLE_BY_KIND[sorted(param.accepts)[0]]


def _required(signature: Signature) -> list[Param]:
    return [p for p in signature.params if not p.optional and not p.rest]


def _signatures() -> list[tuple[str, FunctionSpec, Signature]]:
    out = []
    for spec in REGISTRY.specs:
        for index, signature in enumerate(spec.signatures):
            out.append((f"{spec.name}#{index}", spec, signature))
    return out


def _label(value: object) -> str:
    return value if isinstance(value, str) else ""


def _non_propagating() -> list[tuple[str, FunctionSpec, Signature]]:
    return [s for s in _signatures() if not s[1].propagate_null]


@pytest.mark.parametrize(("label", "spec", "signature"), _non_propagating(), ids=_label)
def test_null_arguments_never_crash_null_accepting_functions(
    label: str, spec: FunctionSpec, signature: Signature
) -> None:
    nulls = ["null" for p in signature.params if not p.optional]
    source = _call(spec, nulls)
    _value, codes = shown(source)
    assert "E_INTERNAL" not in codes, source


def _propagating() -> list[tuple[str, FunctionSpec, Signature]]:
    return [s for s in _signatures() if s[1].propagate_null and _required(s[2])]


def _restricted() -> list[tuple[str, FunctionSpec, Signature]]:
    return [
        s
        for s in _signatures()
        if any(p.accepts and "context" not in p.accepts for p in _required(s[2]))
        or any(p.rest and p.accepts for p in s[2].params)
    ]


def _call(spec: FunctionSpec, params: list[str]) -> str:
    return f"{spec.name}({', '.join(params)})"


@pytest.mark.parametrize(("label", "spec", "signature"), _propagating(), ids=_label)
def test_null_arguments_give_null_without_diagnostics(
    label: str, spec: FunctionSpec, signature: Signature
) -> None:
    required = _required(signature)
    source = _call(spec, ["null" for _ in required])
    assert shown(source) == ("null", ()), source


@pytest.mark.parametrize(("label", "spec", "signature"), _restricted(), ids=_label)
def test_wrong_kind_gives_null_and_a_diagnostic(
    label: str, spec: FunctionSpec, signature: Signature
) -> None:
    required = _required(signature)
    restricted = [i for i, p in enumerate(required) if p.accepts and "context" not in p.accepts]
    args = [_sample(p) for p in required]
    if restricted:
        args[restricted[0]] = _WRONG_KIND
    else:
        args.append(_WRONG_KIND)
    source = _call(spec, args)
    value, codes = shown(source)
    assert value == "null", source
    assert "E_ARGUMENT_TYPE" in codes, source


def _called_specs(source: str) -> set[str]:
    names = set()
    for node in walk(parse(source)):
        if isinstance(node, Call):
            spec = REGISTRY.lookup(node.function)
            assert spec is not None, node.function
            names.add(spec.name)
    return names


def _all_cases() -> list[tuple[str, str, tuple[str, ...]]]:
    """CASES here plus the CASES of the `test_feel_builtins_*` modules beside this one."""
    cases = list(CASES)
    for path in sorted(Path(__file__).parent.glob("test_feel_builtins_*.py")):
        cases += importlib.import_module(path.stem).CASES
    return cases


def test_every_registered_function_has_explicit_cases() -> None:
    covered: set[str] = set()
    for source, _expected, _codes in _all_cases():
        covered |= _called_specs(source)
    missing = sorted({spec.name for spec in REGISTRY.specs} - covered)
    assert not missing, f"functions without a test case in CASES: {missing}"


def test_every_function_has_bilingual_docs_and_examples() -> None:
    for spec in REGISTRY.specs:
        assert spec.doc_en.strip(), spec.name
        assert spec.doc_zh.strip(), spec.name
        assert spec.examples, spec.name


def test_names_are_case_insensitive_and_space_normalised() -> None:
    assert REGISTRY.lookup("String   LENGTH") is REGISTRY.lookup("LEN")
    assert shown("Sum([1, 2]) + sUm(3)") == ("6", ())


def test_decimal_results_are_decimals() -> None:
    value, _ = shown("sum([1, 2])")
    assert value == "3"
    assert type(run("sum([1, 2])").value) is Decimal
