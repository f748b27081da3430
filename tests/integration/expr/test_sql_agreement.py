"""The SQL path agrees with the Python path, row by row, nulls included.

Random pushable expressions are evaluated twice over random rows: by the compiled closures, and
by the database after `to_sql_ir` + `render`. SQLite (in memory) always runs; PostgreSQL runs
when `BRICKWORK_TEST_POSTGRES_URL` is a postgresql URL (a uniquely named table is created and
dropped). Without that URL the PostgreSQL leg skips, except in CI (`CI` set), where it fails.

SQLite has no exact decimal type, so its table stores integers and its literals are integers;
the PostgreSQL table uses NUMERIC with two decimals.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from brickwork.engines.expr import NotPushable, Scope, compile_expression, to_sql_ir
from brickwork.engines.expr import datatypes as t
from brickwork.platform.clock import BUSINESS_ZONE
from brickwork.platform.db.base import UtcDateTime
from brickwork.platform.query.sql_expr import render

SCOPE = Scope.of(
    {"a": "number", "b": "number", "c": "number", "s": "string", "u": "string",
     "flag": "boolean", "d": "date", "at": "datetime"}
)  # fmt: skip
AGGREGATE_SCOPE = Scope.of({"rows": t.list_of(t.context_of({"a": "number", "b": "number"}))})


@dataclass
class Backend:
    name: str
    engine: sa.Engine
    table: sa.Table
    exact_decimals: bool

    def resolve(self, path: tuple[str, ...]) -> sa.ColumnElement[Any]:
        return self.table.c[path[-1]]


def _table(name: str, number: sa.types.TypeEngine[Any]) -> tuple[sa.MetaData, sa.Table]:
    metadata = sa.MetaData()
    table = sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        *(sa.Column(n, number) for n in "abc"),
        sa.Column("s", sa.String(20)),
        sa.Column("u", sa.String(20)),
        sa.Column("flag", sa.Boolean),
        sa.Column("d", sa.Date),
        sa.Column("at", UtcDateTime),
    )
    return metadata, table


def _postgres_url() -> str:
    url = os.environ.get("BRICKWORK_TEST_POSTGRES_URL", "")
    if not url.startswith("postgresql"):
        message = "BRICKWORK_TEST_POSTGRES_URL is not a PostgreSQL URL"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the SQL agreement tests on PostgreSQL")
        pytest.skip(message)
    return url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://")
        metadata, table = _table("expr_agreement", sa.Integer())
        exact = False
    else:
        engine = sa.create_engine(_postgres_url())
        metadata, table = _table(f"expr_agreement_{uuid.uuid4().hex[:10]}", sa.Numeric(18, 2))
        exact = True
    metadata.create_all(engine)
    try:
        yield Backend(request.param, engine, table, exact)
    finally:
        metadata.drop_all(engine)
        engine.dispose()


# ---------------------------------------------------------------- random pushable expressions

STRINGS = ["", "a", "ab", "B", "x y", "ba"]
Gen = Callable[[int], st.SearchStrategy[str]]


def _quoted(text: str) -> str:
    return '"' + text + '"'


def _grammar(exact: bool) -> tuple[Gen, Gen, Gen]:
    if exact:
        literal = st.decimals(min_value=-50, max_value=50, places=2).map(
            lambda d: str(d) if d >= 0 else f"({d})"
        )
    else:
        literal = st.integers(-20, 20).map(lambda n: str(n) if n >= 0 else f"({n})")
    text = st.sampled_from(STRINGS).map(_quoted)

    def number(depth: int) -> st.SearchStrategy[str]:
        leaf = st.one_of(st.sampled_from(["a", "b", "c"]), literal)
        if depth == 0:
            return leaf
        n, s, b = number(depth - 1), string(depth - 1), boolean(depth - 1)
        return st.one_of(
            leaf,
            st.tuples(n, st.sampled_from(["+", "-", "*"]), n).map(
                lambda x: f"({x[0]} {x[1]} {x[2]})"
            ),
            n.map(lambda x: f"-{x}"),
            n.map(lambda x: f"abs({x})"),
            n.map(lambda x: f"floor({x})"),
            st.tuples(n, st.integers(0, 2)).map(lambda x: f"round half up({x[0]}, {x[1]})"),
            st.tuples(n, n).map(lambda x: f"COALESCE({x[0]}, {x[1]})"),
            st.tuples(b, n, n).map(lambda x: f"(if {x[0]} then {x[1]} else {x[2]})"),
            st.tuples(b, n, n).map(lambda x: f"IF({x[0]}, {x[1]}, {x[2]})"),
            s.map(lambda x: f"string length({x})"),
            st.just("YEAR(d)"),
        )

    def string(depth: int) -> st.SearchStrategy[str]:
        leaf = st.one_of(st.sampled_from(["s", "u"]), text)
        if depth == 0:
            return leaf
        s, b = string(depth - 1), boolean(depth - 1)
        return st.one_of(
            leaf,
            st.tuples(s, s).map(lambda x: f"({x[0]} + {x[1]})"),
            s.map(lambda x: f"upper case({x})"),
            s.map(lambda x: f"LOWER({x})"),
            st.tuples(s, st.integers(1, 3)).map(lambda x: f"substring({x[0]}, {x[1]})"),
            st.tuples(s, st.integers(1, 3), st.integers(0, 3)).map(
                lambda x: f"substring({x[0]}, {x[1]}, {x[2]})"
            ),
            st.tuples(s, st.integers(0, 3)).map(lambda x: f"LEFT({x[0]}, {x[1]})"),
            st.tuples(s, st.integers(1, 3)).map(lambda x: f"RIGHT({x[0]}, {x[1]})"),
            st.tuples(s, s).map(lambda x: f"COALESCE({x[0]}, {x[1]})"),
            st.tuples(b, s, s).map(lambda x: f"(if {x[0]} then {x[1]} else {x[2]})"),
        )

    def boolean(depth: int) -> st.SearchStrategy[str]:
        leaf = st.sampled_from(["flag", "true", "false", "(a = null)", "(s != null)", "(d = null)"])
        if depth == 0:
            return leaf
        n, s, b = number(depth - 1), string(depth - 1), boolean(depth - 1)
        compare = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
        numbers_in = st.lists(literal, min_size=1, max_size=3).map(", ".join)
        composite = st.one_of(
            st.tuples(n, compare, n).map(lambda x: f"{x[0]} {x[1]} {x[2]}"),
            st.tuples(s, compare, s).map(lambda x: f"{x[0]} {x[1]} {x[2]}"),
            st.tuples(b, st.sampled_from(["and", "or"]), b).map(
                lambda x: f"({x[0]} {x[1]} {x[2]})"
            ),
            st.tuples(b, st.sampled_from(["=", "!="]), b).map(lambda x: f"({x[0]} {x[1]} {x[2]})"),
            b.map(lambda x: f"not({x})"),
            st.tuples(n, n, n).map(lambda x: f"{x[0]} between {x[1]} and {x[2]}"),
            st.tuples(n, numbers_in).map(lambda x: f"{x[0]} in ({x[1]})"),
            st.tuples(s, st.lists(text, min_size=1, max_size=3)).map(
                lambda x: f"{x[0]} in ({', '.join(x[1])})"
            ),
            st.tuples(n, literal, literal, st.sampled_from(["[]", "[)", "(]", "()"])).map(
                lambda x: f"{x[0]} in {x[3][0]}{x[1]}..{x[2]}{x[3][1]}"
            ),
            st.tuples(n, st.sampled_from(["<", ">="]), n).map(
                lambda x: f"{x[0]} in ({x[1]} {x[2]}, = 0)"
            ),
            s.map(lambda x: f"ISBLANK({x})"),
            n.map(lambda x: f"ISBLANK({x})"),
            st.tuples(s, s).map(lambda x: f"contains({x[0]}, {x[1]})"),
            st.tuples(s, s).map(lambda x: f"starts with({x[0]}, {x[1]})"),
            st.tuples(s, s).map(lambda x: f"ends with({x[0]}, {x[1]})"),
            st.sampled_from(
                ['d < @"2025-01-01"', 'd >= @"2024-06-30"', "MONTH(d) = 6", "DAY(d) > 15"]
            ),
            st.tuples(b, b, b).map(lambda x: f"(if {x[0]} then {x[1]} else {x[2]})"),
            st.tuples(b, b).map(lambda x: f"AND({x[0]}, {x[1]})"),
            st.tuples(b, b, b).map(lambda x: f"OR({x[0]}, {x[1]}, {x[2]})"),
        )
        return st.one_of(leaf, composite.map(lambda x: f"({x})"))

    return number, string, boolean


def _rows(exact: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    if exact:
        number = st.one_of(st.none(), st.decimals(min_value=-99, max_value=99, places=2))
    else:
        number = st.one_of(st.none(), st.integers(-30, 30))
    row = st.fixed_dictionaries(
        {
            "a": number,
            "b": number,
            "c": number,
            "s": st.one_of(st.none(), st.sampled_from(STRINGS)),
            "u": st.one_of(st.none(), st.sampled_from(STRINGS)),
            "flag": st.one_of(st.none(), st.booleans()),
            "d": st.one_of(
                st.none(), st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))
            ),
        }
    )
    return st.lists(row, min_size=1, max_size=6)


def _python_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the platform hands it to expressions: whole numbers as decimals, stored
    instants in the business's time zone."""
    return {
        k: Decimal(v)
        if isinstance(v, int) and not isinstance(v, bool)
        else v.astimezone(BUSINESS_ZONE)
        if isinstance(v, datetime)
        else v
        for k, v in row.items()
    }


def _normalise(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind == "number":
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value


def _agree(backend: Backend, source: str, rows: list[dict[str, Any]]) -> None:
    compiled = compile_expression(source, SCOPE)
    kind = compiled.result_type.kind
    expected = [compiled.evaluate(_python_row(r)).value for r in rows]
    value_ir = to_sql_ir(source, SCOPE)
    table = backend.table
    with backend.engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(table.insert(), [{"id": i, **r} for i, r in enumerate(rows)])
            query = sa.select(table.c.id, render(value_ir, backend.resolve)).order_by(table.c.id)
            got = [_normalise(v, kind) for _, v in connection.execute(query)]
            assert got == expected, (source, rows)
            if kind == "boolean":
                predicate = render(to_sql_ir(source, SCOPE, predicate=True), backend.resolve)
                selected = {
                    i for (i,) in connection.execute(sa.select(table.c.id).where(predicate))
                }
                assert selected == {i for i, v in enumerate(expected) if v is True}, source
        finally:
            transaction.rollback()


@st.composite
def _case(draw: st.DrawFn, exact: bool) -> tuple[str, list[dict[str, Any]]]:
    number, string, boolean = _grammar(exact)
    kind = draw(st.sampled_from([number, string, boolean, boolean]))
    return draw(kind(3)), draw(_rows(exact))


@settings(max_examples=250)
@given(data=st.data())
def test_random_expressions_agree(backend: Backend, data: st.DataObject) -> None:
    source, rows = data.draw(_case(backend.exact_decimals))
    _agree(backend, source, rows)


FIXED_ROWS = [
    {"a": 5, "b": None, "c": 2, "s": "abc", "u": "", "flag": True, "d": date(2024, 6, 30)},
    {"a": None, "b": 3, "c": -2, "s": None, "u": "B", "flag": None, "d": None},
    {"a": -2, "b": -2, "c": 0, "s": "Bz", "u": None, "flag": False, "d": date(2025, 1, 1)},
    {"a": 0, "b": 1, "c": 1, "s": "ba", "u": "a", "flag": True, "d": date(2024, 2, 29)},
]

FIXED = [
    "a = b",
    "a != b",
    'a > 1 and s in ("abc", "x")',
    "not(a > 1 and flag)",
    "a in [1..5)",
    "a between c and 10",
    'upper case(s) + "!"',
    'contains(s, "b") or starts with(u, "B")',
    'RIGHT(s, 2) = "bc"',
    "ISBLANK(u)",
    "COALESCE(a, b, c)",
    "if a > 0 then a * c else -c",
    'd < @"2025-01-01"',
    "YEAR(d) = 2024",
    'date(d) = @"2024-02-29"',
    'date(d) >= date(@"2024-03-01T07:30:00+08:00")',
    "round half up(a * 3, 0)",
    "string length(s) >= 3",
    's < "a"',
    "flag = true",
    "flag != false",
    "a = null or s = null",
    "flag = not(flag)",
    "flag != not(flag)",
    "(a > 1) = (b > 1)",
]


@pytest.mark.parametrize("source", FIXED)
def test_known_expressions_agree(backend: Backend, source: str) -> None:
    _agree(backend, source, FIXED_ROWS)


INSTANT_ROWS = [
    {"at": datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC)},  # 31 Dec, 23:59:59 in Shanghai
    {"at": datetime(2025, 12, 31, 16, 30, tzinfo=UTC)},  # 1 Jan, 00:30 in Shanghai
    {"at": datetime(2026, 1, 1, 15, 59, 59, tzinfo=UTC)},  # 1 Jan, 23:59:59
    {"at": datetime(2026, 1, 1, 16, 0, tzinfo=UTC)},  # 2 Jan, 00:00
    {"at": None},
]
INSTANTS = [
    'date(at) = @"2026-01-01"',
    'date(at) >= @"2026-01-01" and date(at) <= @"2026-01-01"',
    'date(at) < date(@"2026-01-01T00:30:00+08:00")',
    'date(at) = date(@"2025-12-31T20:00:00-05:00")',
    "year(at) = 2026",
    "month(at)",
    "day(at)",
    'at >= @"2026-01-01T00:00:00+08:00"',
    'at < @"2026-01-01T16:00:00Z"',
    "date(at) = d",
]


@pytest.mark.parametrize("source", INSTANTS)
def test_stored_instants_are_read_in_the_business_time_zone_alike(
    backend: Backend, source: str
) -> None:
    rows = [{**row, "d": date(2026, 1, 1)} for row in INSTANT_ROWS]
    _agree(backend, source, rows)


AGGREGATES = [
    ("sum(rows.a)", [1, 2, 3]),
    ("sum(rows.a)", [1, None]),
    ("sum(rows.a)", []),
    ("min(rows.a)", [4, 2, 9]),
    ("max(rows.a)", [4, None]),
    ("count(rows.a)", [1, None, 3]),
    ("count(rows.a)", []),
    ("sum(rows.a) > 5", [4, 2]),
]


@pytest.mark.parametrize(("source", "values"), AGGREGATES)
def test_aggregates_agree(backend: Backend, source: str, values: list[int | None]) -> None:
    compiled = compile_expression(source, AGGREGATE_SCOPE)
    python_rows = [{"a": None if v is None else Decimal(v), "b": None} for v in values]
    expected = compiled.evaluate({"rows": python_rows}).value
    ir = to_sql_ir(source, AGGREGATE_SCOPE)
    table = backend.table
    with backend.engine.connect() as connection:
        transaction = connection.begin()
        try:
            if values:
                connection.execute(
                    table.insert(), [{"id": i, "a": v} for i, v in enumerate(values)]
                )
            got = connection.execute(
                sa.select(render(ir, backend.resolve)).select_from(table)
            ).scalar()
        finally:
            transaction.rollback()
    assert _normalise(got, compiled.result_type.kind) == expected


def test_division_is_refused_with_its_position() -> None:
    with pytest.raises(NotPushable) as caught:
        to_sql_ir("a > 1 and b / c > 2", SCOPE)
    assert (caught.value.line, caught.value.column) == (1, 11)
    assert "division" in caught.value.diagnostic.message
