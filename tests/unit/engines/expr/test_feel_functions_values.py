"""Function definitions as values (DMN 1.5 §10.3.2.13, §10.3.2.9.4): closures, positional and
named invocation, typed parameters, recursion through a context, limits, and check-time errors.
Every case goes through the public API from source text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from expr_support import shown

from brickwork.engines.expr import (
    EvaluationContext,
    ExprCheckError,
    Limits,
    NotPushable,
    Scope,
    compile_expression,
    to_sql_ir,
)
from brickwork.engines.expr.values import FunctionValue, kind_of, literal_text
from brickwork.engines.form.expressions import compile_site
from brickwork.engines.form.problems import Problem


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Spec example (§10.3.2.13): a recursive function defined in a context.
        ("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r", "120"),
        # `function(a, b) a + b` invoked positionally and by name (`f(b: 2, a: 1)`).
        ("{f: function(a, b) a - b, r: f(10, 2)}.r", "8"),
        ("{f: function(a, b) a - b, r: f(b: 2, a: 10)}.r", "8"),
        ("(function(a, b) a - b)(b: 2, a: 10)", "8"),
        ("(function() 42)()", "42"),
        # Closures capture the names in scope where the definition is evaluated.
        ("{k: 10, f: function(x) x + k, r: f(1)}.r", "11"),
        ("for x in [1, 2] return (function(y) x + y)(10)", "[11, 12]"),
        ("{g: {k: 1, h: function() k}.h, k: 2, r: g()}.r", "1"),
        ("{adder: function(n) function(x) x + n, add2: adder(2), r: add2(40)}.r", "42"),
        ("{adder: function(n) function(x) x + n, r: adder(2)(40)}.r", "42"),
        # Function values in contexts and lists, passed to and returned from functions.
        ("{calc: {double: function(x) x * 2}, r: calc.double(4)}.r", "8"),
        ("{ops: [function(x) x + 1, function(x) x * 2], r: ops[2](5)}.r", "10"),
        ("{apply: function(f, x) f(x), r: apply(function(y) y * 2, 21)}.r", "42"),
        ("for f in [function(x) x + 1, function(x) x * 3] return f(2)", "[3, 6]"),
        # A function-valued name comes before the built-in of the same name.
        ("{sum: function(l) 42, r: sum([1, 2])}.r", "42"),
        # Typed parameters accept conforming arguments.
        ('{f: function(x: number, y: list<string>) count(y) + x, r: f(1, ["a"])}.r', "2"),
        ("(function(x: Any) x)(null)", "null"),
        ("(function(x: number) x = null)(null)", "true"),
    ],
)
def test_function_values_evaluate_as_the_spec_says(source: str, expected: str) -> None:
    assert shown(source) == (expected, ())


@pytest.mark.parametrize(
    ("source", "code", "named"),
    [
        ("{f: function(a, b) a - b, r: f(1)}.r", "E_ARGUMENT_COUNT", "function(a, b)"),
        ("{f: function(a, b) a - b, r: f(1, 2, 3)}.r", "E_ARGUMENT_COUNT", "function(a, b)"),
        ("{f: function(a, b) a - b, r: f(a: 1, c: 2)}.r", "E_ARGUMENT_NAME", "`c`"),
        ("{f: function(a, b) a - b, r: f(a: 1)}.r", "E_ARGUMENT_COUNT", "`b`"),
        # A non-conforming argument gives null (§10.3.2.13.2, `instance of` semantics).
        ('{f: function(x: number) x + 1, r: f("a")}.r', "E_ARGUMENT_TYPE", "`x`"),
        ('{f: function(x: list<number>) x, r: f([1, "a"])}.r', "E_ARGUMENT_TYPE", "`x`"),
        ("(1)(2)", "E_NOT_A_FUNCTION", "number"),
        ("{f: 1, r: f(2)}.r", "E_NOT_A_FUNCTION", "`f`"),
    ],
)
def test_bad_calls_give_null_and_a_diagnostic_naming_the_parameter(
    source: str, code: str, named: str
) -> None:
    result = compile_expression(source).evaluate({})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == [code]
    assert named in result.diagnostics[0].message


@pytest.mark.parametrize(
    ("source", "code", "named"),
    [
        ("{f: function(a, b) a - b, r: f(1)}.r", "E_ARGUMENT_COUNT", "(a, b)"),
        ("{f: function(a, b) a - b, r: f(a: 1, c: 2)}.r", "E_ARGUMENT_NAME", "`c`"),
        ("{f: function(a, b) a - b, r: f(a: 1)}.r", "E_ARGUMENT_COUNT", "`b`"),
        ('{f: function(x: number) x, r: f("a")}.r', "E_ARGUMENT_TYPE", "`x`"),
        ("{f: function(a) a, r: f(1, a: 2)}.r", "E_MIXED_ARGUMENTS", "`f`"),
        ("amount(1)", "E_NOT_A_FUNCTION", "`amount`"),
        ('{s: "a", r: s(1)}.r', "E_NOT_A_FUNCTION", "string"),
        ('function(x) external {java: {class: "A", method signature: "m(int)"}}',
         "E_EXTERNAL_FUNCTION", "external"),
    ],
)  # fmt: skip
def test_statically_known_mistakes_are_check_time_errors(
    source: str, code: str, named: str
) -> None:
    with pytest.raises(ExprCheckError) as caught:
        compile_expression(source, Scope.of({"amount": "number"}))
    assert caught.value.code == code
    assert named in caught.value.diagnostics[0].message


def test_external_functions_are_refused_even_without_a_scope() -> None:
    with pytest.raises(ExprCheckError) as caught:
        compile_expression('function(x) external {pmml: {document: "d", model: "m"}}')
    assert caught.value.code == "E_EXTERNAL_FUNCTION"


def test_a_runaway_recursion_ends_with_the_depth_limit() -> None:
    result = compile_expression("{f: function(n) f(n + 1), r: f(0)}.r").evaluate({})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_LIMIT_DEPTH"]


def test_recursion_within_the_depth_limit_works_and_the_limit_is_the_contexts() -> None:
    source = "{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(m)}.r"
    compiled = compile_expression(source)
    assert compiled.evaluate({"m": 99}).value == Decimal(99)
    small = EvaluationContext(limits=Limits(max_depth=10))
    assert compiled.evaluate({"m": 9}, context=small).value == Decimal(9)
    too_deep = compiled.evaluate({"m": 10}, context=small)
    assert [d.code for d in too_deep.diagnostics] == ["E_LIMIT_DEPTH"]


def test_a_recursion_with_a_bulky_body_hits_the_limit_not_a_python_error() -> None:
    nested = "[" * 40 + "f(n + 1)" + "]" * 40
    result = compile_expression(f"{{f: function(n) {nested}, r: f(0)}}.r").evaluate({})
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_LIMIT_DEPTH"]


def test_recursion_also_counts_steps() -> None:
    source = "{f: function(n) if n = 0 then 0 else f(n - 1) + f(n - 1), r: f(20)}.r"
    context = EvaluationContext(limits=Limits(max_steps=10_000))
    result = compile_expression(source).evaluate({}, context=context)
    assert result.value is None
    assert [d.code for d in result.diagnostics] == ["E_LIMIT_STEPS"]


def test_a_function_value_can_be_called_by_a_builtin_through_call() -> None:
    # `sort(list, precedes)` and other built-ins call `FunctionValue.call([a, b])`.
    precedes = compile_expression("function(x, y) x < y").evaluate({}).value
    assert isinstance(precedes, FunctionValue)
    assert precedes.params == ("x", "y")
    assert precedes.call([Decimal(1), Decimal(2)]) is True
    assert precedes.call_named({"y": Decimal(1), "x": Decimal(2)}) is False


def test_a_caller_variable_holding_a_function_is_called_by_name() -> None:
    double = compile_expression("function(x) x * 2").evaluate({}).value
    compiled = compile_expression("double(21)", Scope.of({"double": "function"}))
    assert compiled.evaluate({"double": double}).value == Decimal(42)


def test_a_caller_variable_that_is_not_a_function_leaves_the_builtin_alone() -> None:
    assert compile_expression("sum([1, 2])").evaluate({"sum": 5}).value == Decimal(3)


def test_a_function_result_is_a_value_of_kind_function() -> None:
    result = compile_expression("function(a, b) a + b").evaluate({})
    assert result.diagnostics == ()
    assert kind_of(result.value) == "function"
    assert literal_text(result.value) == "function(a, b)"
    listed = compile_expression("[function(x) x, 1]").evaluate({})
    assert literal_text(listed.value) == "[function(x), 1]"


def test_function_values_are_equal_only_to_themselves() -> None:
    assert shown("{f: function(x) x, r: f = f}.r") == ("true", ())
    assert shown("(function(x) x) = (function(x) x)") == ("false", ())


@pytest.mark.parametrize(
    "source",
    ["(function(y) y)(x) > 1", "{f: function(y) y}.f(x) > 1", "f(x) > 1", "sum([x]) > 1"],
)
def test_function_values_do_not_run_in_sql(source: str) -> None:
    scope = Scope.of({"x": "number", "f": "function", "sum": "function"})
    with pytest.raises(NotPushable) as caught:
        to_sql_ir(source, scope, predicate=True)
    assert caught.value.diagnostics[0].code == "E_NOT_PUSHABLE"


def test_calling_a_returned_function_later_does_not_leak_into_other_evaluations() -> None:
    compiled = compile_expression("function(x) x / 0")
    first = compiled.evaluate({}).value
    assert compiled.evaluate({}).diagnostics == ()
    assert first.call([Decimal(1)]) is None  # reported on the run that made `first`
    assert compiled.evaluate({}).diagnostics == ()


def test_calling_a_builtin_does_not_read_a_field_of_the_same_name() -> None:
    # A computed field `count` defined as `count(items)` must not depend on itself.
    scope = Scope.of({"count": "number", "items": "list<number>"})
    problems: list[Problem] = []
    site = compile_site("count(items)", scope, pointer="/x", expected=None, problems=problems)
    assert problems == []
    assert site is not None
    assert site.names == frozenset({"items"})
