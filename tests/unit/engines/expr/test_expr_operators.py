"""Every operator and construct of the language, table-driven, with null and type-error cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from expr_support import run, shown

# (source, expected literal text, diagnostic codes)
OPERATORS: list[tuple[str, str, tuple[str, ...]]] = [
    # arithmetic on numbers (34 digits, half-even)
    ("1 + 2", "3", ()),
    ("0.1 + 0.2", "0.3", ()),
    ("1 - 3", "-2", ()),
    ("2.5 * 4", "10.0", ()),
    ("1 / 4", "0.25", ()),
    ("2 / 3", "0.6666666666666666666666666666666667", ()),
    ("2 ** 10", "1024", ()),
    ("2 ** -1", "0.5", ()),
    ("4 ** 0.5", "2.000000000000000000000000000000000", ()),
    ("(-8) ** 0.5", "null", ("E_NUMBER_RANGE",)),
    ("0 ** -1", "null", ("E_DIVISION_BY_ZERO",)),
    ("0 ** 0", "1", ()),
    ("0.0 ** 0", "1", ()),
    ("10 ** 100000", "null", ("E_NUMBER_RANGE",)),
    ("1 / 0", "null", ("E_DIVISION_BY_ZERO",)),
    ("-(1 + 1)", "-2", ()),
    ("--1", "1", ()),
    ("2 ** 3 ** 2", "64", ()),
    ("-2 ** 2", "4", ()),
    ("1 + 2 * 3", "7", ()),
    ("(1 + 2) * 3", "9", ()),
    ("10 - 4 - 3", "3", ()),
    ("12 / 3 / 2", "2", ()),
    ("1 + null", "null", ()),
    ("null * 2", "null", ()),
    ("-null", "null", ()),
    ('1 + "1"', "null", ("E_TYPE_MISMATCH",)),
    ('-"a"', "null", ("E_TYPE_MISMATCH",)),
    ("true + 1", "null", ("E_TYPE_MISMATCH",)),
    # text
    ('"ab" + "cd"', '"abcd"', ()),
    ('"a" + null', "null", ()),
    ('"a" * 2', "null", ("E_TYPE_MISMATCH",)),
    # dates, times, durations
    ('@"2025-01-31" + @"P1M"', '@"2025-02-28"', ()),
    ('@"2025-03-03" - @"P1Y"', '@"2024-03-03"', ()),
    ('@"2025-03-03" + @"P1DT12H"', '@"2025-03-04"', ()),
    ('@"2025-03-03" - @"2025-01-01"', '@"P61D"', ()),
    ('@"2025-03-03T10:00:00" - @"2025-03-03T08:30:00"', '@"PT1H30M"', ()),
    ('@"2025-03-03T10:00:00Z" - @"2025-03-03T10:00:00"', "null", ("E_TYPE_MISMATCH",)),
    ('@"2025-03-03T23:00:00" + @"PT2H"', '@"2025-03-04T01:00:00"', ()),
    ('@"2025-01-31T08:00:00" + @"P1M"', '@"2025-02-28T08:00:00"', ()),
    ('@"23:00:00" + @"PT2H"', '@"01:00:00"', ()),
    ('@"10:00:00" - @"08:15:00"', '@"PT1H45M"', ()),
    ('@"P1D" + @"PT1H"', '@"P1DT1H"', ()),
    ('@"P1Y" + @"P2M"', '@"P1Y2M"', ()),
    ('@"P1D" * 1.5', '@"P1DT12H"', ()),
    ('2 * @"P1M"', '@"P2M"', ()),
    ('@"P1D" / @"PT1H"', "24", ()),
    ('@"P1Y" / 2', '@"P6M"', ()),
    ('@"P1Y" / @"P1M"', "12", ()),
    ('-@"P1D"', '@"-P1D"', ()),
    ('-@"P1Y"', '@"-P1Y"', ()),
    ('@"2025-01-01" + 1', "null", ("E_TYPE_MISMATCH",)),
    ('@"P1D" + @"P1M"', "null", ("E_TYPE_MISMATCH",)),
    ('@"9999-12-31" + @"P1D"', "null", ("E_DATE_RANGE",)),
    # comparisons
    ("1 = 1.0", "true", ()),
    ("1 != 2", "true", ()),
    ("1 < 2", "true", ()),
    ("2 <= 2", "true", ()),
    ("3 > 2", "true", ()),
    ("2 >= 3", "false", ()),
    ('"a" < "b"', "true", ()),
    ('"B" < "a"', "true", ()),
    ('@"2025-01-01" < @"2025-01-02"', "true", ()),
    ('@"P1D" > @"PT23H"', "true", ()),
    ('@"10:00:00+01:00" = @"09:00:00Z"', "true", ()),
    ("null = null", "true", ()),
    ("1 = null", "false", ()),
    ("null != 1", "true", ()),
    ("null < 1", "null", ()),
    ('1 = "1"', "null", ("E_TYPE_MISMATCH",)),
    ('1 < "2"', "null", ("E_TYPE_MISMATCH",)),
    ("true < false", "null", ("E_TYPE_MISMATCH",)),
    ('@"2025-01-01" = "2025-01-01"', "null", ("E_TYPE_MISMATCH",)),
    ("[1, 2] = [1, 2]", "true", ()),
    ("[1, 2] = [2, 1]", "false", ()),
    ('[1] = ["1"]', "null", ("E_TYPE_MISMATCH",)),
    ("{a: 1} = {a: 1.0}", "true", ()),
    ("{a: 1} = {b: 1}", "false", ()),
    ("[1] < [2]", "null", ("E_TYPE_MISMATCH",)),
    # three-valued logic
    ("true and true", "true", ()),
    ("true and false", "false", ()),
    ("true and null", "null", ()),
    ("false and null", "false", ()),
    ("null and false", "false", ()),
    ("true or null", "true", ()),
    ("false or null", "null", ()),
    ("null or null", "null", ()),
    ("false or false or false or true", "true", ()),
    ("true and true and true and null", "null", ()),
    ("1 and true", "null", ("E_TYPE_MISMATCH",)),
    ('"x" or false', "null", ("E_TYPE_MISMATCH",)),
    ('false and "x"', "false", ()),
    ("not(null)", "null", ()),
    # between and in
    ("5 between 1 and 10", "true", ()),
    ("1 between 1 and 10", "true", ()),
    ("11 between 1 and 10", "false", ()),
    ("null between 1 and 10", "null", ()),
    ('"b" between "a" and "c"', "true", ()),
    ('5 between "a" and 10', "null", ("E_TYPE_MISMATCH",)),
    ('"IR" in ("IR", "KP")', "true", ()),
    ('"US" in ("IR", "KP")', "false", ()),
    ('null in ("IR", "KP")', "false", ()),
    ("5 in [1..5]", "true", ()),
    ("5 in [1..5)", "false", ()),
    ("1 in (1..5]", "false", ()),
    ("5 in (< 3, > 4)", "true", ()),
    ("5 in < 6", "true", ()),
    ("null in < 6", "null", ()),
    ("2 in [1, 2, 3]", "true", ()),
    ("2 in ([1, 2], 3)", "true", ()),
    ('2 in ("a", 2)', "true", ("E_TYPE_MISMATCH",)),
    ('2 in ("a", "b")', "null", ("E_TYPE_MISMATCH", "E_TYPE_MISMATCH")),
    ('"a" in [1..3]', "null", ("E_TYPE_MISMATCH",)),
    ("1 in [1 .. 3]", "true", ()),
    # if
    ('if 1 > 0 then "pos" else "neg"', '"pos"', ()),
    ('if null then "yes" else "no"', '"no"', ()),
    ('if 1 then "yes" else "no"', '"no"', ("E_TYPE_MISMATCH",)),
    ("if true then if false then 1 else 2 else 3", "2", ()),
    # lists, ranges, contexts, paths, filters
    ("[]", "[]", ()),
    ("[1, [2], null]", "[1, [2], null]", ()),
    ("[1..3]", "[1..3]", ()),
    ("(1..3)", "(1..3)", ()),
    ('[1.."a"]', "null", ("E_TYPE_MISMATCH",)),
    ("{a: 1, b: {c: 2}}.b.c", "2", ()),
    ('{"first name": "li"}', '{"first name": "li"}', ()),
    ("{first name: 1}", '{"first name": 1}', ()),
    ("{a: 1}.missing", "null", ()),
    ("{a: 1, b: a * 2}", '{"a": 1, "b": 2}', ()),
    ("[{a: 1}, {a: 2}, {b: 3}].a", "[1, 2, null]", ()),
    ("null.a", "null", ()),
    ("(1).a", "null", ("E_NO_PROPERTY",)),
    ('@"2025-03-03".year', "2025", ()),
    ('@"2025-03-03".weekday', "1", ()),
    ('@"2025-03-03T10:20:30.5".second', "30.5", ()),
    ('@"10:20:00".minute', "20", ()),
    ('@"P1DT2H3M4S".hours', "2", ()),
    ('@"-P1DT2H".days', "-1", ()),
    ('@"P1Y2M".months', "2", ()),
    ("[1..5].end", "5", ()),
    ("[1, 2, 3][item > 1]", "[2, 3]", ()),
    ("[1, 2, 3][1]", "1", ()),
    ("[1, 2, 3][-1]", "3", ()),
    ("[1, 2, 3][4]", "null", ()),
    ("[1, 2, 3][0]", "null", ()),
    ("[][1]", "null", ()),
    ("[{a: 1}, {a: 5}][a > 2]", '[{"a": 5}]', ()),
    ("[{a: 1}, {a: 5}][item.a > 2].a", "[5]", ()),
    ("[1, 2][item > 1 + x]", "[]", ()),
    ("5[item > 1]", "[5]", ()),
    ("null[item > 1]", "null", ()),
    ('[1, 2]["x"]', "[]", ("E_TYPE_MISMATCH", "E_TYPE_MISMATCH")),
    ("[1, 2, 3][1.5]", "null", ("E_TYPE_MISMATCH",)),
    # for / some / every
    ("for x in [1, 2] return x * 10", "[10, 20]", ()),
    ("for x in [1, 2], y in [10, 20] return x + y", "[11, 21, 12, 22]", ()),
    ("for i in 1..3 return i", "[1, 2, 3]", ()),
    ("for i in 3..1 return i", "[3, 2, 1]", ()),
    ("for i in [1..3) return i", "[1, 2]", ()),
    ("for i in 1..2.5 return i", "null", ("E_TYPE_MISMATCH",)),
    ("for x in null return x", "null", ()),
    ("for x in 7 return x", "[7]", ()),
    ("for x in [1, 2], y in [x] return y", "[1, 2]", ()),
    ("some x in [1, 2] satisfies x > 1", "true", ()),
    ("some x in [1, 2] satisfies x > 5", "false", ()),
    ("some x in [1, null] satisfies x > 1", "null", ()),
    ("every x in [1, 2] satisfies x > 0", "true", ()),
    ("every x in [1, 2] satisfies x > 1", "false", ()),
    ("every x in [] satisfies false", "true", ()),
    ("some x in [] satisfies true", "false", ()),
    ("every x in [1] satisfies x", "null", ("E_TYPE_MISMATCH",)),
    ("some x in null satisfies x", "null", ()),
    # names and context values
    ("x", "null", ()),
    ("$today", '@"2025-03-03"', ()),
    ("$now.hour", "9", ()),
    ('$user.department = "HQ"', "true", ()),
    ("$nothing", "null", ()),
    ("undefined_name", "null", ("E_UNDEFINED_NAME",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), OPERATORS)
def test_operator(source: str, expected: str, codes: tuple[str, ...]) -> None:
    variables = {"x": None} if "undefined" not in source else {}
    assert shown(source, variables) == (expected, codes)


INPUTS: list[tuple[str, dict[str, Any], Any]] = [
    ("a + b", {"a": 1, "b": 2}, Decimal(3)),
    ("a + b", {"a": 0.1, "b": 0.2}, Decimal("0.3")),
    ("a", {"a": (1, 2)}, [Decimal(1), Decimal(2)]),
    ("a.b", {"a": {"b": 7}}, Decimal(7)),
    ("sum(a)", {"a": [1, 2, 3]}, Decimal(6)),
    ("a[item > 1]", {"a": [1, 2, 3]}, [Decimal(2), Decimal(3)]),
    ("a[item > b]", {"a": [1, 2, 3], "b": 2}, [Decimal(3)]),
    ("a[amount > b].amount", {"a": [{"amount": 1}, {"amount": 3}], "b": 2}, [Decimal(3)]),
    ("a", {"a": date(2025, 1, 1)}, date(2025, 1, 1)),
    ("a", {"a": True}, True),
    ("a = 1", {"a": True}, None),
]


@pytest.mark.parametrize(("source", "variables", "expected"), INPUTS)
def test_python_inputs_are_normalised(
    source: str, variables: dict[str, Any], expected: Any
) -> None:
    result = run(source, variables)
    assert result.value == expected
    assert type(result.value) is type(expected)


def test_unsupported_input_gives_a_diagnostic_not_an_exception() -> None:
    result = run("a + 1", {"a": object()})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_UNSUPPORTED_VALUE"]
    result = run("a + 1", {"a": float("nan")})
    assert [d.code for d in result.diagnostics] == ["E_UNSUPPORTED_VALUE"]


def test_python_attributes_are_never_read() -> None:
    class Account:
        balance = Decimal(100)

        def __getattr__(self, name: str) -> object:  # pragma: no cover - must not be called
            raise AssertionError(name)

    result = run("a.balance", {"a": Account()})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_UNSUPPORTED_VALUE"]
    assert run('"abc".upper', {}).value is None
    assert run("x.__class__", {"x": "s"}).value is None


def test_decimal_nan_input_is_reported() -> None:
    result = run("a > 1", {"a": Decimal("NaN")})
    assert result.value is None
    assert result.diagnostics


def test_diagnostics_carry_positions() -> None:
    result = run('1 +\n  "a" * 2', {})
    (diagnostic,) = result.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("E_TYPE_MISMATCH", 2, 3)
