"""Windowed aggregates over a large form: the structuring question a rule asks on every deposit.

Run: `.venv/bin/python benchmarks/bench_windows.py [--rows 1000000] [--database-url URL]`.

A `deposit` form (customer, channel, amount, at) is filled with N rows spread over 20,000
customers and a year (inserted in bulk, as an import would), the index that windowed aggregates
use is created (`RecordService.ensure_window_index(customer, at)`), and then, for 300 triggering
deposits, `RecordService.window_aggregate` counts the same customer's cash deposits between
45,000 and 49,999.99 in the 7 days before: the full service path (form lookup, access, filter
compiled to SQL, one statement; the reader is the system actor, so no row scope is added).
Prints the latency median, p95 and max, with the same statement run directly for reference.
Target: p95 <= 50 ms at 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select

from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.records.windows import Window

SYSTEM = Actor("bench", system=True)
FIELDS = [
    {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
    {"id": "f_chan", "key": "channel", "type": "text", "label": "Channel"},
    {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
    {"id": "f_at", "key": "at", "type": "datetime", "label": "At"},
]
STRUCTURING = (
    'it.customer = record.customer and it.channel = "cash" '
    "and it.amount >= 45000 and it.amount <= 49999.99"
)
CUSTOMERS = 20_000
START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 20_000
AMOUNTS = (Decimal("46000.00"), Decimal("1200.50"), Decimal("49999.99"), Decimal("80000"))


def prepare(url: str, rows: int) -> tuple[Any, Any]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    services = build_services()
    with unit_of_work(factory) as session:
        services.metadata.create_app(session, SYSTEM, AppCreate(key="aml", label="AML"))
        body = {"kind": "form", "key": "deposit", "label": "Deposit", "spec": {"fields": FIELDS}}
        services.metadata.create_definition(
            session, SYSTEM, "aml", DefinitionCreate.model_validate(body)
        )
        services.metadata.publish(session, SYSTEM, "aml", Kind.FORM, "deposit")
        services.records.create(
            session,
            SYSTEM,
            "aml",
            "deposit",
            {"customer": "C0", "channel": "cash", "amount": "1", "at": START.isoformat()},
        )
    generator = random.Random(7)
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        table = services.records.form(session, "aml", "deposit").table
        template = dict(session.execute(select(table)).mappings().one())
        names = [c.name for c in table.columns]
        fields = (
            ("customer", "f_cust"),
            ("channel", "f_chan"),
            ("amount", "f_amt"),
            ("at", "f_at"),
        )
        column = {key: next(n for n in names if n.startswith(f"c_{fid}")) for key, fid in fields}
        for first in range(0, rows, BATCH):
            batch = []
            for n in range(first, min(first + BATCH, rows)):
                batch.append(
                    {
                        **template,
                        "id": f"d{n:09d}",
                        column["customer"]: f"C{generator.randrange(CUSTOMERS)}",
                        column["channel"]: generator.choice(("cash", "transfer", "card")),
                        column["amount"]: generator.choice(AMOUNTS),
                        column["at"]: START + timedelta(minutes=generator.randrange(525_600)),
                    }
                )
            session.execute(insert(table), batch)
    print(f"inserted {rows:,} rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        name = services.records.ensure_window_index(session, "aml", "deposit", ["customer", "at"])
        session.connection().exec_driver_sql(f"ANALYZE {table.name}")
    print(f"index {name} in {time.perf_counter() - started:.1f} s")
    return factory, services


def measure(factory: Any, services: Any, triggers: int) -> None:
    generator = random.Random(11)
    with unit_of_work(factory) as session:
        reader = Actor("bench", system=True)
        service_times: list[float] = []
        raw_times: list[float] = []
        statements: list[tuple[str, Any]] = []
        connection = session.connection()

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            statements.append((statement, parameters))

        for _ in range(triggers):
            at = START + timedelta(minutes=generator.randrange(525_600))
            trigger = {"customer": f"C{generator.randrange(CUSTOMERS)}", "at": at}
            window = Window("at", start=at - timedelta(days=7), end=at)
            event.listen(connection, "before_cursor_execute", capture)
            started = time.perf_counter()
            services.records.window_aggregate(
                session,
                reader,
                "aml",
                "deposit",
                function="count",
                where=STRUCTURING,
                trigger=trigger,
                window=window,
            )
            service_times.append(time.perf_counter() - started)
            event.remove(connection, "before_cursor_execute", capture)
            statement, parameters = statements[-1]
            started = time.perf_counter()
            connection.exec_driver_sql(statement, parameters).all()
            raw_times.append(time.perf_counter() - started)
    for label, times in (("service path", service_times), ("statement alone", raw_times)):
        ordered = sorted(times)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        print(
            f"{label:<18} median {statistics.median(times) * 1000:7.2f} ms   "
            f"p95 {p95 * 1000:7.2f} ms   max {ordered[-1] * 1000:7.2f} ms"
        )
    ordered = sorted(service_times)
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    print(f"target p95 <= 50 ms: {'ok' if p95 <= 50 else 'over'} ({p95:.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--triggers", type=int, default=300)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{Path(folder) / 'windows.db'}"
        factory, services = prepare(url, options.rows)
        measure(factory, services, options.triggers)


if __name__ == "__main__":
    main()
