"""Hypothesis strategies for expression trees (shared by the property tests)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from brickwork.engines.expr.printer import KEYWORDS
from brickwork.engines.expr.syntax import (
    Arg,
    Arith,
    Between,
    Boolean,
    Call,
    Compare,
    CompareTest,
    Context,
    Expr,
    Filter,
    For,
    FunctionDef,
    If,
    In,
    InstanceOf,
    Invoke,
    Iteration,
    ListOf,
    Logic,
    Name,
    Negate,
    Null,
    Number,
    Parameter,
    Path,
    Quantified,
    Range,
    String,
    Temporal,
    TypeRef,
    ValueTest,
)
from brickwork.engines.expr.values import YearsMonths

NAMES = st.sampled_from(["a", "b", "amount", "x1", "金额", "item", "first"]).filter(
    lambda n: n not in KEYWORDS
)
LEAVES: st.SearchStrategy[Expr] = st.one_of(
    st.builds(Number, st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False)),
    st.builds(String, st.text(max_size=6)),
    st.builds(Boolean, st.booleans()),
    st.just(Null()),
    st.builds(Name, NAMES),
    st.builds(
        Temporal,
        st.one_of(
            st.dates(min_value=date(1, 1, 1)),
            st.builds(timedelta, days=st.integers(-400, 400), seconds=st.integers(0, 86399)),
            st.builds(YearsMonths, st.integers(-50, 50)),
        ),
    ),
)


_SIMPLE_TYPES = st.sampled_from(
    ["number", "string", "boolean", "date", "time", "date and time", "days and time duration",
     "years and months duration", "Any", "Null", "list", "context", "range", "function"]
).map(TypeRef)  # fmt: skip
TYPES: st.SearchStrategy[TypeRef] = st.recursive(
    _SIMPLE_TYPES,
    lambda inner: st.one_of(
        st.builds(lambda t: TypeRef("list", (t,)), inner),
        st.builds(lambda t: TypeRef("range", (t,)), inner),
        st.builds(
            lambda d: TypeRef("context", fields=tuple(d.items())),
            st.dictionaries(
                st.sampled_from(["a", "first name", "if", "x-y"]), inner, min_size=1, max_size=2
            ),
        ),
        st.builds(
            lambda args, result: TypeRef("function", tuple(args), result=result),
            st.lists(inner, max_size=2),
            inner,
        ),
    ),
    max_leaves=4,
)


def _feel_nodes(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    """The DMN 1.5 nodes: one-sided ranges, function definitions and calls, `instance of`."""
    params = st.lists(
        st.builds(Parameter, NAMES, st.one_of(st.none(), TYPES)),
        max_size=3,
        unique_by=lambda p: p.name,
    ).map(tuple)
    args = st.lists(st.builds(Arg, children), max_size=2).map(tuple)
    return st.one_of(
        st.builds(Range, st.none(), children, st.just(False), st.booleans()),
        st.builds(Range, children, st.none(), st.booleans(), st.just(False)),
        st.builds(FunctionDef, params, children, st.booleans()),
        st.builds(Invoke, children, args),
        st.builds(InstanceOf, children, TYPES),
    )


def _composite(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    ops = st.sampled_from(["+", "-", "*", "/", "**"])
    cmp = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
    tests = st.one_of(
        st.builds(CompareTest, cmp, children),
        st.builds(ValueTest, children),
    )
    iteration = st.builds(Iteration, NAMES, children, st.one_of(st.none(), children))
    return st.one_of(
        st.builds(Arith, ops, children, children),
        st.builds(Negate, children),
        st.builds(Compare, cmp, children, children),
        st.builds(Logic, st.sampled_from(["and", "or"]), children, children),
        st.builds(Between, children, children, children),
        st.builds(In, children, st.lists(tests, min_size=1, max_size=3).map(tuple)),
        st.builds(Range, children, children, st.booleans(), st.booleans()),
        st.builds(ListOf, st.lists(children, max_size=3).map(tuple)),
        st.builds(
            Context,
            st.dictionaries(st.text(min_size=1, max_size=5), children, max_size=3).map(
                lambda d: tuple(d.items())
            ),
        ),
        st.builds(If, children, children, children),
        st.builds(Path, children, NAMES),
        st.builds(Filter, children, children),
        st.builds(
            Call,
            st.sampled_from(["sum", "string length", "f", "date and time", "IF"]),
            st.lists(st.builds(Arg, children), max_size=3).map(tuple),
        ),
        st.builds(
            Call,
            st.sampled_from(["substring", "g"]),
            st.lists(
                st.builds(Arg, children, st.sampled_from(["string", "start position"])),
                min_size=1,
                max_size=2,
            ).map(tuple),
        ),
        st.builds(For, st.lists(iteration, min_size=1, max_size=2).map(tuple), children),
        st.builds(
            Quantified,
            st.sampled_from(["some", "every"]),
            st.lists(iteration, min_size=1, max_size=2).map(tuple),
            children,
        ),
        _feel_nodes(children),
    )


TREES = st.recursive(LEAVES, _composite, max_leaves=12)
