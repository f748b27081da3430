"""Windowed aggregates over a form's records (what rules ask of other records), in one SQL
statement through the reader's permissions, on the configured test database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.errors import Forbidden, Invalid
from brickwork.platform.records.windows import Window

API = "/api/v1"
APP = f"{API}/apps/aml"
RECORDS = f"{APP}/forms/deposit/records"
FIELDS = [
    {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
    {"id": "f_chan", "key": "channel", "type": "text", "label": "Channel"},
    {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
    {"id": "f_at", "key": "at", "type": "datetime", "label": "At"},
    {"id": "f_branch", "key": "branch", "type": "text", "label": "Branch"},
    {"id": "f_items", "key": "items", "type": "integer", "label": "Items"},
]
STRUCTURING = (
    'it.customer = record.customer and it.channel = "cash" '
    "and it.amount >= 45000 and it.amount <= 49999.99"
)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SYSTEM = Actor("rules", system=True)


@pytest.fixture
def aml(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "aml", "label": "AML"})
    client.post(f"{APP}/definitions", json={"kind": "form", "key": "deposit", "label": "Deposit"})
    response = client.put(
        f"{APP}/definitions/form/deposit", json={"label": "Deposit", "spec": {"fields": FIELDS}}
    )
    assert response.status_code == 200, response.text
    assert client.post(f"{APP}/definitions/form/deposit/publish", json={}).status_code == 201
    return client


def deposit(
    client: TestClient, customer: str | None, amount: str, days: float, **more: Any
) -> None:
    body = {
        "customer": customer,
        "channel": "cash",
        "amount": amount,
        "at": (T0 + timedelta(days=days)).isoformat(),
        "branch": "sh",
        **more,
    }
    response = client.post(RECORDS, json=body)
    assert response.status_code == 201, response.text


def aggregate(users: Any, session: Session, actor: Actor = SYSTEM, **options: Any) -> Any:
    records = users.app.state.records
    return records.window_aggregate(session, actor, "aml", "deposit", **options)


def last_week(before: datetime) -> Window:
    return Window("at", start=before - timedelta(days=7), end=before)


def test_structuring_counts_cash_deposits_just_under_the_threshold_within_seven_days(
    aml: TestClient, users: Any, session: Session
) -> None:
    for days, amount in ((0, "45000.00"), (2, "49999.99"), (5, "47500"), (5.5, "50000.00")):
        deposit(aml, "C1", amount, days)
    deposit(aml, "C1", "46000", 6, channel="transfer")
    deposit(aml, "C2", "46000", 6)
    trigger = {"customer": "C1", "at": T0 + timedelta(days=6)}
    count = aggregate(
        users,
        session,
        function="count",
        where=STRUCTURING,
        trigger=trigger,
        window=last_week(trigger["at"]),
    )
    assert count == 3
    later = T0 + timedelta(days=8, hours=1)  # the first deposit left the window
    count = aggregate(
        users,
        session,
        function="count",
        where=STRUCTURING,
        trigger={"customer": "C1", "at": later},
        window=last_week(later),
    )
    assert count == 2


def test_sums_and_averages_are_exact_and_min_max_follow_the_field_type(
    aml: TestClient, users: Any, session: Session
) -> None:
    for days, amount in ((0, "10.00"), (1, "10.00"), (2, "10.01")):
        deposit(aml, "C1", amount, days)
    trigger = {"customer": "C1"}
    where = "it.customer = record.customer"
    total = aggregate(users, session, function="sum", field="amount", where=where, trigger=trigger)
    assert total == Decimal("30.01")
    assert isinstance(total, Decimal)
    mean = aggregate(users, session, function="avg", field="amount", where=where, trigger=trigger)
    assert str(mean) == "10.00333333333333333333333333333333"
    first = aggregate(users, session, function="min", field="at", where=where, trigger=trigger)
    assert first == T0
    assert aggregate(users, session, function="max", field="amount") == Decimal("10.01")
    nothing = {"customer": "nobody"}
    assert aggregate(users, session, function="count", where=where, trigger=nothing) == 0
    assert (
        aggregate(users, session, function="sum", field="amount", where=where, trigger=nothing)
        is None
    )


def test_sums_of_whole_numbers_are_exact_decimals_beyond_64_bits(
    aml: TestClient, users: Any, session: Session
) -> None:
    """As the record summary and reports give them, on both databases (SQLite sums integers as
    integers, and beyond 64 bits as text)."""
    for days, items in ((0, 5), (1, 7)):
        deposit(aml, "C1", "1.00", days, items=str(items))
    total = aggregate(users, session, function="sum", field="items")
    assert (total, type(total)) == (Decimal(12), Decimal)
    for days in (2, 3):
        deposit(aml, "C1", "1.00", days, items="9000000000000000000")
    total = aggregate(users, session, function="sum", field="items")
    assert (total, type(total)) == (Decimal(18_000_000_000_000_000_012), Decimal)
    mean = aggregate(users, session, function="avg", field="items")
    assert mean == Decimal(4_500_000_000_000_000_003)


def test_a_window_bound_can_be_open_or_exclusive(
    aml: TestClient, users: Any, session: Session
) -> None:
    for days in (0, 1, 2):
        deposit(aml, "C1", "100", days)
    at = T0 + timedelta(days=1)
    assert aggregate(users, session, function="count", window=Window("at", end=at)) == 2
    exclusive = Window("at", end=at, end_included=False)
    assert aggregate(users, session, function="count", window=exclusive) == 1
    assert aggregate(users, session, function="count", window=Window("at", start=at)) == 2


def test_null_values_of_the_triggering_record_compare_as_the_language_says(
    aml: TestClient, users: Any, session: Session
) -> None:
    deposit(aml, None, "1", 0)
    deposit(aml, "C1", "2", 0)
    deposit(aml, "C2", "4", 0)
    same = "it.customer = record.customer"
    other = "it.customer != record.customer"
    sums = {
        (where, customer): aggregate(
            users,
            session,
            function="sum",
            field="amount",
            where=where,
            trigger={"customer": customer},
        )
        for where in (same, other)
        for customer in (None, "C1")
    }
    assert sums == {
        (same, None): Decimal("1.00"),  # null = null is true
        (same, "C1"): Decimal("2.00"),
        (other, None): Decimal("6.00"),
        (other, "C1"): Decimal("5.00"),  # null != "C1" is true: the null customer counts
    }


def test_an_ordering_with_a_null_of_the_triggering_record_is_null_and_keeps_no_record(
    aml: TestClient, users: Any, session: Session
) -> None:
    deposit(aml, "C1", "2", 0)
    deposit(aml, "C1", "4", 0)
    counts = {
        where: aggregate(users, session, function="count", where=where, trigger={"amount": None})
        for where in (
            "it.amount >= record.amount",
            "not(it.amount < record.amount)",
            'it.amount >= record.amount or it.customer = "C1"',
        )
    }
    assert list(counts.values()) == [0, 0, 2]  # null, not(null) = null, null or true = true


def test_the_reader_sees_only_its_rows_and_cannot_aggregate_a_masked_field(
    aml: TestClient, users: Any, session: Session
) -> None:
    deposit(aml, "C1", "100", 0, branch="sh")
    deposit(aml, "C1", "200", 0, branch="bj")
    user = users.user(
        "analyst",
        grants=[
            {
                "app": "aml",
                "form": "deposit",
                "actions": ["read"],
                "rows": {"expression": 'branch = "sh"'},
                "fields": {"customer": "masked"},
            }
        ],
    )
    analyst = Actor("analyst", roles=("role_analyst",), user_id=user.id)
    assert aggregate(users, session, analyst, function="sum", field="amount") == Decimal("100.00")
    with pytest.raises(Forbidden) as refused:
        aggregate(
            users, session, analyst, function="count", where=STRUCTURING, trigger={"customer": "C1"}
        )
    assert refused.value.code == "field_not_readable"


@pytest.mark.parametrize(
    ("options", "code", "pointer"),
    [
        ({"function": "median", "field": "amount"}, "aggregate_invalid", "/function"),
        ({"function": "sum"}, "aggregate_invalid", "/function"),
        ({"function": "sum", "field": "customer"}, "aggregate_invalid", "/field"),
        ({"function": "count", "where": "it.colour = 1"}, "filter_invalid", "/where"),
        ({"function": "count", "where": "it.amount >"}, "filter_invalid", "/where"),
        ({"function": "count", "window": Window("colour")}, "aggregate_invalid", "/window/field"),
    ],
)
def test_bad_aggregates_are_refused_with_a_pointer(
    aml: TestClient, users: Any, session: Session, options: dict[str, Any], code: str, pointer: str
) -> None:
    with pytest.raises(Invalid) as refused:
        aggregate(users, session, **options)
    assert refused.value.code == code
    assert [item.pointer for item in refused.value.errors] == [pointer]


def test_a_window_index_serves_the_aggregate_query(
    aml: TestClient, users: Any, session: Session
) -> None:
    """With 3,000 deposits of 300 customers, the query plan of a structuring count uses the
    index over (customer, at) once it exists."""
    deposit(aml, "C0", "46000", 0)
    records = users.app.state.records
    table = records.form(session, "aml", "deposit").table
    template = dict(session.execute(select(table)).mappings().one())
    customer = next(c.name for c in table.columns if c.name.startswith("c_f_cust"))
    at = next(c.name for c in table.columns if c.name.startswith("c_f_at"))
    rows = [
        {**template, "id": f"bulk-{n}", customer: f"C{n % 300}", at: T0 + timedelta(hours=n)}
        for n in range(3000)
    ]
    session.execute(insert(table), rows)
    name = records.ensure_window_index(session, "aml", "deposit", ["customer", "at"])
    assert records.ensure_window_index(session, "aml", "deposit", ["customer", "at"]) == name
    connection = session.connection()
    connection.exec_driver_sql(f"ANALYZE {table.name}")
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        trigger = {"customer": "C3", "at": T0 + timedelta(days=3)}
        count = aggregate(
            users,
            session,
            function="count",
            where=STRUCTURING,
            trigger=trigger,
            window=last_week(trigger["at"]),
        )
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    assert count == 1  # of C3 (hours 3, 303, 603, ...) only hour 3 is in the 7 days to day 3
    statement, parameters = statements[-1]
    if connection.dialect.name == "sqlite":  # EXPLAIN alone does not refresh a stale schema
        connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
    explain = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
    plan = " ".join(str(row) for row in connection.exec_driver_sql(explain + statement, parameters))
    assert name in plan, plan
