"""The DMN 1.5 syntax the parser reads beyond the earlier grammar: function definitions and
invocations, `instance of` with every type form, ranges in both notations and as unary
comparisons, exponents, names with spaces, string escapes; plus depth limits under fuzzing."""

from __future__ import annotations

import contextlib
import itertools
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from brickwork.engines.expr import (
    ExprSyntaxError,
    Limits,
    Scope,
    check,
    compile_expression,
    compile_unary_tests,
    format_cell,
    format_expression,
    parse,
    parse_unary_tests,
)
from brickwork.engines.expr.syntax import (
    Arg,
    Arith,
    Call,
    Compare,
    CompareTest,
    Context,
    Expr,
    Filter,
    FunctionDef,
    In,
    InstanceOf,
    Invoke,
    ListOf,
    Name,
    Number,
    Parameter,
    Path,
    Range,
    String,
    TypeRef,
    ValueTest,
)


def num(text: str) -> Number:
    return Number(Decimal(text))


def x_() -> Name:
    return Name("x")


# (source, tree)
FUNCTIONS: list[tuple[str, Expr]] = [
    ("function(a, b) a + b",
     FunctionDef((Parameter("a"), Parameter("b")), Arith("+", Name("a"), Name("b")))),
    ("function() 1", FunctionDef((), num("1"))),
    ("function(a: number, b: list<string>) a",
     FunctionDef((Parameter("a", TypeRef("number")),
                  Parameter("b", TypeRef("list", (TypeRef("string"),)))), Name("a"))),
    ('function(x) external {java: {class: "java.lang.Math"}}',
     FunctionDef((Parameter("x"),),
                 Context((("java", Context((("class", String("java.lang.Math")),))),)),
                 external=True)),
    ("ctx.f(1)", Invoke(Path(Name("ctx"), "f"), (Arg(num("1")),))),
    ("(function(x) x * 2)(3)",
     Invoke(FunctionDef((Parameter("x"),), Arith("*", x_(), num("2"))), (Arg(num("3")),))),
    ("f(a: 1, b: 2)", Call("f", (Arg(num("1"), "a"), Arg(num("2"), "b")))),
    ("f(1)(2)", Invoke(Call("f", (Arg(num("1")),)), (Arg(num("2")),))),
    ("(f)(1)", Invoke(Name("f"), (Arg(num("1")),))),
    ("fs[1](2)", Invoke(Filter(Name("fs"), num("1")), (Arg(num("2")),))),
    ("g(first name: 1)", Call("g", (Arg(num("1"), "first name"),))),
    ("function(monthly rate) monthly rate * 12",
     FunctionDef((Parameter("monthly rate"),), Arith("*", Name("monthly rate"), num("12")))),
]  # fmt: skip

TYPES: list[tuple[str, TypeRef]] = [
    (name, TypeRef(name))
    for name in ("number", "string", "boolean", "date", "time", "date and time",
                 "days and time duration", "years and months duration", "Any", "Null",
                 "list", "context", "range", "function")
] + [
    ("list<number>", TypeRef("list", (TypeRef("number"),))),
    ("range<date>", TypeRef("range", (TypeRef("date"),))),
    ("context<a: number, first name: string>",
     TypeRef("context", fields=(("a", TypeRef("number")), ("first name", TypeRef("string"))))),
    ("function<number, string> -> boolean",
     TypeRef("function", (TypeRef("number"), TypeRef("string")), result=TypeRef("boolean"))),
    ("function<> -> Any", TypeRef("function", (), result=TypeRef("Any"))),
    ("list<context<a: list<date and time>>>",
     TypeRef("list", (TypeRef("context", fields=(
         ("a", TypeRef("list", (TypeRef("date and time"),))),)),))),
    ("function<list<number>> -> range<years and months duration>",
     TypeRef("function", (TypeRef("list", (TypeRef("number"),)),),
             result=TypeRef("range", (TypeRef("years and months duration"),)))),
]  # fmt: skip

RANGES: list[tuple[str, Range]] = [
    ("[1..10]", Range(num("1"), num("10"), True, True)),
    ("[1..10)", Range(num("1"), num("10"), True, False)),
    ("(1..10]", Range(num("1"), num("10"), False, True)),
    ("]1..10]", Range(num("1"), num("10"), False, True)),
    ("[1..10[", Range(num("1"), num("10"), True, False)),
    ("]1..10[", Range(num("1"), num("10"), False, False)),
    ("(1..10[", Range(num("1"), num("10"), False, False)),
    ("[1..a[1]]", Range(num("1"), Filter(Name("a"), num("1")), True, True)),
    ("< 10", Range(None, num("10"), False, False)),
    ("<= 10", Range(None, num("10"), False, True)),
    ("> 1", Range(num("1"), None, False, False)),
    (">= x + 1", Range(Arith("+", x_(), num("1")), None, True, False)),
    ("(< 10)", Range(None, num("10"), False, False)),
]  # fmt: skip


@pytest.mark.parametrize(("source", "tree"), FUNCTIONS + RANGES)
def test_new_syntax_parses_and_prints_back(source: str, tree: Expr) -> None:
    assert parse(source) == tree
    assert parse(format_expression(tree)) == tree


@pytest.mark.parametrize(("source", "type_ref"), TYPES)
def test_instance_of_reads_every_type_form(source: str, type_ref: TypeRef) -> None:
    tree = parse(f"x instance of {source}")
    assert tree == InstanceOf(x_(), type_ref)
    assert parse(format_expression(tree)) == tree


def test_instance_of_binds_like_a_comparison() -> None:
    tree = parse("x + 1 instance of number and y")
    assert format_expression(tree) == "x + 1 instance of number and y"
    assert parse("x instance of date and time") == InstanceOf(x_(), TypeRef("date and time"))


def test_unknown_type_is_a_syntax_error_naming_the_types() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        parse("x instance of numbr")
    assert caught.value.code == "E_SYNTAX"
    assert (caught.value.line, caught.value.column) == (1, 15)
    assert "years and months duration" in (caught.value.diagnostic.hint or "")


def test_ranges_in_lists_and_unary_comparisons_as_values() -> None:
    tree = parse("[< 10, [2..4], >= 20]")
    assert tree == ListOf(
        (Range(None, num("10"), False, False), Range(num("2"), num("4")),
         Range(num("20"), None, True, False))
    )  # fmt: skip
    assert parse("[[1..2[, 3]") == ListOf((Range(num("1"), num("2"), True, False), num("3")))


@pytest.mark.parametrize(
    ("source", "tests"),
    [
        ("x in (=10)", (CompareTest("=", num("10")),)),
        ("x in (< 11)", (CompareTest("<", num("11")),)),
        ("x in (<= 1, > 5)", (CompareTest("<=", num("1")), CompareTest(">", num("5")))),
        ("x in (1..5]", (ValueTest(Range(num("1"), num("5"), False, True)),)),
        ("x in ]1..5]", (ValueTest(Range(num("1"), num("5"), False, True)),)),
        ("x in (1) + 2", (ValueTest(Arith("+", num("1"), num("2"))),)),
    ],
)
def test_parenthesised_single_unary_test(source: str, tests: tuple[object, ...]) -> None:
    tree = parse(source)
    assert tree == In(x_(), tests)  # type: ignore[arg-type]
    assert parse(format_expression(tree)) == tree


def test_cells_keep_comparisons_as_tests() -> None:
    cell = parse_unary_tests("< 10, [1..5[, ]7..9]")
    assert cell.tests == (
        CompareTest("<", num("10")),
        ValueTest(Range(num("1"), num("5"), True, False)),
        ValueTest(Range(num("7"), num("9"), False, True)),
    )
    assert format_cell("< 10, [1..5[, ]7..9]") == "< 10, [1..5), (7..9]"


@pytest.mark.parametrize(
    ("source", "value"),
    [("1.2e3", "1200"), ("1E-2", "0.01"), (".5e+1", "5"), ("2e0", "2"), ("7E+2", "700")],
)
def test_number_literals_with_exponents(source: str, value: str) -> None:
    tree = parse(source)
    assert tree == Number(Decimal(value))
    assert parse(format_expression(tree)) == tree


def test_exponent_needs_digits() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        parse("1e")
    assert caught.value.column == 2  # `1` then the name `e`


SCOPE = Scope.of(
    {
        "Monthly Income": "number",
        "Customer": {"Credit Score": "number", "name": "string"},
        "Profit and Loss": "number",
        "Monthly": "number",
        "items": "list<context>",
        "loan-to-value": "number",
    }
)


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("Monthly Income * 12", Arith("*", Name("Monthly Income"), num("12"))),
        ("Monthly  Income * 12", Arith("*", Name("Monthly Income"), num("12"))),
        ("Monthly * 12", Arith("*", Name("Monthly"), num("12"))),
        ("Customer.Credit Score", Path(Name("Customer"), "Credit Score")),
        ("Profit and Loss > 0", Compare(">", Name("Profit and Loss"), num("0"))),
        ("loan-to-value * 2", Arith("*", Name("loan-to-value"), num("2"))),
        ("x.time offset", Path(x_(), "time offset")),
        ("r.start included", Path(Name("r"), "start included")),
        ("{first name: 1, b: first name + 1}",
         Context((("first name", num("1")), ("b", Arith("+", Name("first name"), num("1")))))),
        ('{"net-income": 1, b: net-income}',
         Context((("net-income", num("1")), ("b", Name("net-income"))))),
    ],
)  # fmt: skip
def test_names_with_spaces_are_read_against_the_known_names(source: str, tree: Expr) -> None:
    assert parse(source, names=SCOPE.known_names) == tree


def test_names_with_spaces_compile_through_the_public_api() -> None:
    compiled = compile_expression("Monthly Income * 12 + Customer.Credit Score", SCOPE)
    row = {"Monthly Income": Decimal(100), "Customer": {"Credit Score": Decimal(5)}}
    assert compiled.evaluate(row).value == Decimal(1205)
    filtered = compile_expression("items[Credit Score > 3].Credit Score", Scope.of(
        {"items": {"Credit Score": "number"}}))  # fmt: skip
    items = [{"Credit Score": Decimal(2)}, {"Credit Score": Decimal(4)}]
    assert filtered.evaluate({"items": items}).value == [Decimal(4)]


def test_check_and_cells_read_names_with_spaces_too() -> None:
    assert check("Monthly Income * 12 > Profit and Loss", SCOPE).ok
    cell = compile_unary_tests("< Monthly Income", SCOPE, input_type=SCOPE.fields["Monthly"])
    assert cell.test(Decimal(1), {"Monthly Income": Decimal(2)}).value is True


def test_unknown_words_next_to_each_other_stay_a_syntax_error() -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        parse("Monthly Income * 12")
    assert caught.value.code == "E_SYNTAX"
    assert caught.value.column == 9
    assert "a name with spaces (`Monthly Income`) must be a field" in (
        caught.value.diagnostic.hint or ""
    )


def test_multi_word_function_names_come_from_the_registry() -> None:
    assert parse('string length("a")') == Call("string length", (Arg(String("a")),))
    assert parse('DATE  AND TIME("2025-01-01T00:00:00")').function == "DATE AND TIME"  # type: ignore[union-attr]
    # without `(` the words are not a function name: `date and time` is a conjunction here
    assert format_expression(parse("date and time")) == "date and time"
    assert parse("date and time").op == "and"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (r'"a\"b"', 'a"b'),
        (r'"a\\b"', "a\\b"),
        (r'"\n\r\t"', "\n\r\t"),
        (r'"it\'s"', "it's"),
        (r'"\u00e9"', "é"),
        (r'"\U01F600"', "\U0001f600"),
        (r'"\ud83d\ude00"', "\U0001f600"),
        (r'"x\uD83D\uDE00y"', "x\U0001f600y"),
    ],
)
def test_string_escapes_of_the_spec(source: str, value: str) -> None:
    assert parse(source) == String(value)


@pytest.mark.parametrize(
    ("source", "column", "width"),
    [
        (r'"ab\qc"', 4, 2),
        (r'"\u12"', 2, 2),
        (r'"\U110000"', 2, 8),
        (r'"ok \ud83d"', 5, 6),
        (r'"\ude00 x"', 2, 6),
        (r'"\ud83d\ud83d"', 2, 6),
    ],
)
def test_bad_escape_points_at_it(source: str, column: int, width: int) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        parse(source)
    diagnostic = caught.value.diagnostic
    assert diagnostic.code == "E_BAD_ESCAPE"
    assert (diagnostic.span.column, diagnostic.span.end_column - diagnostic.span.column) == (
        column,
        width,
    )


def test_parser_refuses_deep_nesting_with_the_limit_code() -> None:
    for source in ("(" * 400 + "1" + ")" * 400, "-" * 400 + "1", "a" + ".b" * 400,
                   "f(" * 400 + ")" * 400, "x instance of " + "list<" * 400 + "number"
                   + ">" * 400, "if a then " * 400 + "1"):  # fmt: skip
        with pytest.raises(ExprSyntaxError) as caught:
            parse(source)
        assert caught.value.code == "E_LIMIT_DEPTH", source[:20]


NESTERS = st.sampled_from(
    ["(", "[", "{a: ", "f(", "-", "not(", "if a then ", "[1..", "x in (", "function(x) ",
     "g(n: ", "a + (", "for i in ", "some x in y satisfies ", "[< "]
)  # fmt: skip
CLOSERS = {"(": ")", "[": "]", "{a: ": "}", "f(": ")", "not(": ")", "[1..": "]", "x in (": ")",
           "g(n: ": ")", "a + (": ")", "[< ": "]"}  # fmt: skip


KEYWORD_LED = frozenset({"if a then ", "for i in ", "some x in y satisfies ", "function(x) "})
"""Openers that start an expression of their own: after a negation or a unary comparison they
need parentheses, so the text is wrong there (a syntax error comes first, in reading order)."""


def _well_formed(openers: list[str]) -> bool:
    for first, second in itertools.pairwise(openers):
        if first in ("-", "[< ") and second in KEYWORD_LED:
            return False
        if first == "[< " and second == "x in (":
            return False
    return True


@settings(max_examples=300, derandomize=True)
@given(st.lists(NESTERS, min_size=1, max_size=400), st.integers(2, 150))
def test_nesting_fuzz_never_overflows(openers: list[str], limit: int) -> None:
    assume(_well_formed(openers))
    text = "".join(openers) + "1"
    tail = "".join(CLOSERS.get(o, "") for o in reversed(openers))
    source = text + tail
    limits = Limits(max_depth=limit)
    for entry in (parse, parse_unary_tests):
        if len(openers) > limit:  # every opener nests the parser or the tree one level deeper
            with pytest.raises(ExprSyntaxError) as caught:
                entry(source, limits=limits)
            assert caught.value.code == "E_LIMIT_DEPTH"
        else:
            with contextlib.suppress(ExprSyntaxError):
                entry(source, limits=limits)
