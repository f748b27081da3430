"""Exact decimals on both databases: stored, compared and summed without a float in between."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table, func, insert, select

from brickwork.platform.db.base import ExactDecimal


@pytest.fixture
def amounts(connection: Connection) -> Table:
    table = Table(
        "t_exact_amounts",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("amount", ExactDecimal(2)),
        Column("rate", ExactDecimal(8, 20)),
    )
    table.create(connection)
    return table


def test_sum_of_100000_cents_is_exactly_1000(connection: Connection, amounts: Table) -> None:
    connection.execute(insert(amounts), [{"amount": Decimal("0.01")}] * 100_000)
    total = connection.execute(select(func.sum(amounts.c.amount))).scalar_one()
    assert total == Decimal("1000.00")
    assert str(total) == "1000.00"


def test_sums_beyond_64_bit_integers_are_exact(connection: Connection, amounts: Table) -> None:
    """SQLite keeps cents (and 10^-8 of a rate) as 64-bit integers and its sum() fails past
    them; the statement then runs again with exact_sum() (``db/sqlite_sums.py``). Sums of sums
    (a report's partial sums) and NULLs behave as PostgreSQL's NUMERIC sums."""
    big, rate = Decimal("92233720368547758.07"), Decimal("92233720368.54775807")
    rows = [{"id": i, "amount": big, "rate": rate} for i in range(1, 5)]
    connection.execute(insert(amounts), [*rows, {"id": 5, "amount": None, "rate": None}])
    sums = select(func.sum(amounts.c.amount), func.sum(amounts.c.rate))
    assert tuple(connection.execute(sums).one()) == (big * 4, rate * 4)
    halves = select(func.sum(amounts.c.amount).label("part")).group_by(amounts.c.id % 2).subquery()
    assert connection.execute(select(func.sum(halves.c.part))).scalar_one() == big * 4
    nothing = select(func.sum(amounts.c.amount)).where(amounts.c.id == 5)
    assert connection.execute(nothing).scalar_one() is None
    small = select(func.sum(amounts.c.amount)).where(amounts.c.id < 2)
    assert connection.execute(small).scalar_one() == big


@pytest.mark.parametrize("value", ["0.10", "-12345678901234567.89", "92233720368547758.07", "0"])
def test_values_round_trip_exactly(connection: Connection, amounts: Table, value: str) -> None:
    connection.execute(insert(amounts), {"amount": Decimal(value), "rate": Decimal("0.00012345")})
    row = connection.execute(select(amounts.c.amount, amounts.c.rate)).one()
    assert (str(row.amount), str(row.rate)) == (
        str(Decimal(value).quantize(Decimal("0.01"))),
        "0.00012345",
    )


def test_comparisons_use_the_same_representation(connection: Connection, amounts: Table) -> None:
    connection.execute(
        insert(amounts), [{"amount": Decimal(v)} for v in ("49999.99", "50000.00", "50000.01")]
    )
    above = (
        connection.execute(
            select(amounts.c.amount)
            .where(amounts.c.amount > Decimal("50000"))
            .order_by(amounts.c.amount)
        )
        .scalars()
        .all()
    )
    assert above == [Decimal("50000.01")]


@pytest.mark.parametrize("bad", [0.1, Decimal("1.005"), Decimal("NaN"), "12"])
def test_inexact_or_foreign_values_are_refused(
    connection: Connection, amounts: Table, bad: object
) -> None:
    with pytest.raises(Exception, match=r"Decimal|decimal places|NaN"):
        connection.execute(insert(amounts), {"amount": bad})


def test_range_beyond_sqlite_integers_is_refused_there_and_kept_on_postgres(
    connection: Connection, amounts: Table
) -> None:
    big = Decimal("92233720368547758.08")
    if connection.dialect.name == "sqlite":
        with pytest.raises(Exception, match="outside the storable range"):
            connection.execute(insert(amounts), {"amount": big})
    else:
        connection.execute(insert(amounts), {"amount": big})
        assert connection.execute(select(amounts.c.amount)).scalar_one() == big
