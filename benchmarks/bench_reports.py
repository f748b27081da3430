"""Reports on 1,000,000 records: the report engine against a hand-written SQL GROUP BY and a
pandas load-then-groupby answering the same question, in one process, on SQLite and (with
`--database-url postgresql+psycopg://...`, an empty database) PostgreSQL.

Run: `.venv/bin/pip install -r benchmarks/requirements-reports.txt` once (pandas), then
`.venv/bin/python benchmarks/bench_reports.py [--records 1000000] [--rounds 3]
[--database-url URL]`.

Seeding: a published form `customer` (tier, money AUM, opening date over two years, a lookup
to one of 12 branches) and its rows inserted with SQLAlchemy Core in batches (the records'
own columns, as the platform stores them: money as scaled integers on SQLite, NUMERIC on
PostgreSQL); then the reports are published, which indexes their groupings (PostgreSQL then gets the
VACUUM ANALYZE that autovacuum gives a table after a bulk load). The reports run
as a viewer whose grant reads every row (the permission layer is still applied: row scope and
field levels are checked and compiled into the statement).

Shapes (each answered the three ways): count and sum by tier; sum by opening month (a time
grain); sum by branch name (a join along the lookup); count and sum by tier within a date range
parameter; average, minimum and maximum by tier. Plus the first page (50 rows) of a detail
report over all 1,000,000 rows.

The engine's time is `ReportService.run` (plan from cache, permissions, SQL, conversion, post
steps; its result cache is switched off). Hand SQL is the text a developer would write, run on
a raw connection; pandas reads the needed columns into a DataFrame and groups. Best of
`--rounds`; geometric mean and worst case of the ratios. Targets: engine <= 1.3x hand SQL and
>= 5x faster than pandas.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, text

from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import new_id
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import Role
from brickwork.platform.records.rows import main_values
from brickwork.settings import Settings

SETUP = Actor("bench", channel="job", system=True)
TIERS = ["A", "B", "C", "D"]
BRANCH = {"fields": [{"id": "b_name", "key": "name", "type": "text", "label": "Branch"}]}
CUSTOMER = {
    "fields": [
        {"id": "c_name", "key": "name", "type": "text", "label": "Name"},
        {"id": "c_tier", "key": "tier", "type": "single_select", "label": "Tier", "options": TIERS},
        {"id": "c_aum", "key": "aum", "type": "money", "currency": "CNY", "label": "AUM"},
        {"id": "c_opened", "key": "opened", "type": "date", "label": "Opened"},
        {
            "id": "c_branch",
            "key": "branch",
            "type": "lookup",
            "label": "Branch",
            "target": {"form": "branch"},
        },
    ]
}
VIEWER_GRANTS = [{"app": "bench", "actions": ["read"], "rows": "all"}]
REPORTS: dict[str, dict[str, Any]] = {
    "by_tier": {
        "dataset": {"form": "customer"},
        "dimensions": [{"key": "tier", "field": "tier"}],
        "measures": [
            {"key": "n", "function": "count"},
            {"key": "aum", "function": "sum", "field": "aum"},
        ],
    },
    "by_month": {
        "dataset": {"form": "customer"},
        "dimensions": [{"key": "month", "field": "opened", "grain": "month"}],
        "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
    },
    "by_branch": {
        "dataset": {"form": "customer", "joins": [{"as": "b", "lookup": "branch"}]},
        "dimensions": [{"key": "branch", "field": "b.name"}],
        "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
    },
    "in_range": {
        "dataset": {"form": "customer"},
        "dimensions": [{"key": "tier", "field": "tier"}],
        "measures": [
            {"key": "n", "function": "count"},
            {"key": "aum", "function": "sum", "field": "aum"},
        ],
        "filters": ["opened >= $params.period.start and opened <= $params.period.end"],
        "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
    },
    "stats": {
        "dataset": {"form": "customer"},
        "dimensions": [{"key": "tier", "field": "tier"}],
        "measures": [
            {"key": "mean", "function": "avg", "field": "aum"},
            {"key": "low", "function": "min", "field": "aum"},
            {"key": "high", "function": "max", "field": "aum"},
        ],
    },
    "detail": {
        "kind": "detail",
        "dataset": {"form": "customer"},
        "columns": [
            {"key": "name", "field": "name"},
            {"key": "tier", "field": "tier"},
            {"key": "aum", "field": "aum"},
        ],
    },
}
PERIOD = {"period": {"start": "2025-04-01", "end": "2025-09-30"}}


def prepare(url: str, data_dir: Path, count: int) -> tuple[Any, Any, Actor, dict[str, str]]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    services = build_services(data_dir=data_dir, settings=Settings(data_dir=data_dir))
    with unit_of_work(factory) as session:
        services.metadata.create_app(session, SETUP, AppCreate(key="bench", label="Bench"))
        for key, spec in (("branch", BRANCH), ("customer", CUSTOMER)):
            body = {"kind": "form", "key": key, "label": key, "spec": spec}
            services.metadata.create_definition(
                session, SETUP, "bench", DefinitionCreate.model_validate(body)
            )
            services.metadata.publish(session, SETUP, "bench", Kind.FORM, key)
        identities = services.identities
        identities.repo.add(
            session, Role(id=new_id(), key="viewer", label={"en": "Viewer"}, builtin=False)
        )
        identities.permissions.set_role_grants(
            session, SETUP, identities.roles, "viewer", VIEWER_GRANTS
        )
        user = identities.create_user(
            session,
            SETUP,
            username="viewer",
            password="Bench-pass-2026",
            must_change_password=False,
        )
        identities.roles.grant(session, SETUP, user, "viewer")
        viewer = Actor("viewer", roles=("viewer",), channel="api", user_id=user.id)
        branches = services.records.create_many(
            session, SETUP, "bench", "branch", [{"name": f"Branch {i:02d}"} for i in range(12)]
        ).created_ids
        form = services.records.form(session, "bench", "customer")
        columns = {item.key: column.column for item, column in form.shape.columns}
    seed(factory, services, branches, count)
    with unit_of_work(factory) as session:  # reports are defined over the data that is there
        for key, spec in REPORTS.items():
            body = {"kind": "report", "key": key, "label": key, "spec": spec}
            services.metadata.create_definition(
                session, SETUP, "bench", DefinitionCreate.model_validate(body)
            )
            services.metadata.publish(session, SETUP, "bench", Kind.REPORT, key)
    return engine, services, viewer, columns


def seed(factory: Any, services: Any, branches: list[str], count: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    start = date(2024, 1, 1)
    with unit_of_work(factory) as session:
        form = services.records.form(session, "bench", "customer")
    batch: list[dict[str, Any]] = []
    for i in range(count):
        values = {
            "name": f"Customer {i}",
            "tier": TIERS[i % 4],
            "aum": Decimal(i * 7919 % 10_000_000) / 100,
            "opened": start + timedelta(days=i * 31 % 731),
            "branch": branches[i % 12],
        }
        batch.append(
            {
                "id": str(uuid.UUID(int=i + 1)),
                "created_at": now + timedelta(seconds=i),
                "created_by": "bench",
                "updated_at": now,
                "updated_by": "bench",
                "owner": "bench",
                "department": None,
                "version": 1,
                "form_version": 1,
                "flow_status": None,
                "deleted_at": None,
                **main_values(form.shape, values),
            }
        )
        if len(batch) == 20_000 or i == count - 1:
            with unit_of_work(factory) as session:
                session.execute(insert(form.table), batch)
            batch = []


def hand_sql(dialect: str, table: str, branch_table: str, c: dict[str, str]) -> dict[str, str]:
    month = (
        f"date({c['opened']}, 'start of month')"
        if dialect == "sqlite"
        else f"date_trunc('month', {c['opened']})::date"
    )
    live = "deleted_at IS NULL"
    return {
        "by_tier": f"SELECT {c['tier']}, count(*), sum({c['aum']}) FROM {table} WHERE {live} "
        f"GROUP BY {c['tier']}",
        "by_month": f"SELECT {month}, sum({c['aum']}) FROM {table} WHERE {live} GROUP BY 1",
        "by_branch": f"SELECT b.c_b_name, sum(t.{c['aum']}) FROM {table} t LEFT JOIN "
        f"{branch_table} b ON b.id = t.{c['branch']} WHERE t.{live} GROUP BY b.c_b_name",
        "in_range": f"SELECT {c['tier']}, count(*), sum({c['aum']}) FROM {table} WHERE {live} "
        f"AND {c['opened']} >= '2025-04-01' AND {c['opened']} <= '2025-09-30' "
        f"GROUP BY {c['tier']}",
        "stats": f"SELECT {c['tier']}, sum({c['aum']}), count({c['aum']}), min({c['aum']}), "
        f"max({c['aum']}) FROM {table} WHERE {live} GROUP BY {c['tier']}",
    }


def pandas_way(connection: Any, key: str, table: str, branch_table: str, c: dict[str, str]) -> Any:
    """Load the rows the question needs, then group in pandas."""
    if key == "by_branch":
        frame = pd.read_sql(
            text(
                f"SELECT t.{c['aum']} AS aum, b.c_b_name AS branch FROM {table} t "
                f"LEFT JOIN {branch_table} b ON b.id = t.{c['branch']} WHERE t.deleted_at IS NULL"
            ),
            connection,
        )
        return frame.groupby("branch")["aum"].sum()
    frame = pd.read_sql(
        text(
            f"SELECT {c['tier']} AS tier, {c['aum']} AS aum, {c['opened']} AS opened "
            f"FROM {table} WHERE deleted_at IS NULL"
        ),
        connection,
    )
    if key == "by_month":
        frame["month"] = pd.to_datetime(frame["opened"]).dt.to_period("M")
        return frame.groupby("month")["aum"].sum()
    if key == "in_range":
        opened = pd.to_datetime(frame["opened"])
        frame = frame[(opened >= "2025-04-01") & (opened <= "2025-09-30")]
        return frame.groupby("tier")["aum"].agg(["count", "sum"])
    if key == "stats":
        return frame.groupby("tier")["aum"].agg(["mean", "min", "max"])
    return frame.groupby("tier")["aum"].agg(["count", "sum"])


def best(run: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def bench(url: str | None, count: int, rounds: int) -> list[tuple[str, float, float, float]]:
    with tempfile.TemporaryDirectory(prefix="bw-reports-") as tmp:
        data_dir = Path(tmp)
        url = url or f"sqlite:///{data_dir / 'bench.db'}"
        began = time.perf_counter()
        engine, services, viewer, columns = prepare(url, data_dir, count)
        seconds = time.perf_counter() - began
        print(f"{engine.dialect.name}: seeded {count:,} records in {seconds:.0f} s")
        if engine.dialect.name == "postgresql":
            # what autovacuum does to a table after a bulk load (visibility map, statistics);
            # without it the first scans read every heap page whatever the index
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        factory = make_session_factory(engine)
        reports = services.reports
        reports.ttl = 0.0  # measure the work, not the cache
        with unit_of_work(factory) as session:
            form = services.records.form(session, "bench", "customer")
            branch = services.records.form(session, "bench", "branch")
        sql = hand_sql(engine.dialect.name, form.table.name, branch.table.name, columns)
        rows: list[tuple[str, float, float, float]] = []
        for key, statement in sql.items():
            parameters = PERIOD if key == "in_range" else {}

            def engine_run(key: str = key, parameters: dict[str, Any] = parameters) -> None:
                with unit_of_work(factory) as session:
                    reports.run(session, viewer, "bench", key, parameters=parameters)

            def raw_run(statement: str = statement) -> None:
                with engine.connect() as connection:
                    connection.execute(text(statement)).all()

            def pandas_run(key: str = key) -> None:
                with engine.connect() as connection:
                    pandas_way(connection, key, form.table.name, branch.table.name, columns)

            engine_run()  # compile and warm up once
            raw_run()
            rows.append(
                (
                    key,
                    best(engine_run, rounds),
                    best(raw_run, rounds),
                    best(pandas_run, max(1, rounds - 1)),
                )
            )

        def first_page() -> None:
            with unit_of_work(factory) as session:
                reports.run(session, viewer, "bench", "detail")

        first_page()
        rows.append(("detail, first page of 50", best(first_page, rounds), math.nan, math.nan))
        engine.dispose()
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    rows = bench(args.database_url, args.records, args.rounds)
    name = "postgresql" if args.database_url else "sqlite"
    print(f"\n{name}, {args.records:,} records, best of {args.rounds}")
    print(
        f"{'shape':<26} {'engine ms':>10} {'hand SQL ms':>12} {'pandas ms':>10} "
        f"{'engine/SQL':>11} {'pandas/engine':>14}"
    )
    vs_sql, vs_pandas = [], []
    for key, ours, raw, frame in rows:
        if math.isnan(raw):
            print(f"{key:<26} {ours * 1000:>10.1f}")
            continue
        vs_sql.append(ours / raw)
        vs_pandas.append(frame / ours)
        print(
            f"{key:<26} {ours * 1000:>10.1f} {raw * 1000:>12.1f} {frame * 1000:>10.1f} "
            f"{ours / raw:>10.2f}x {frame / ours:>13.1f}x"
        )
    geo_sql = math.exp(sum(map(math.log, vs_sql)) / len(vs_sql))
    geo_pandas = math.exp(sum(map(math.log, vs_pandas)) / len(vs_pandas))
    print(
        f"{'geometric mean':<26} {'':>10} {'':>12} {'':>10} {geo_sql:>10.2f}x {geo_pandas:>13.1f}x"
    )
    print(
        f"{'worst case':<26} {'':>10} {'':>12} {'':>10} {max(vs_sql):>10.2f}x "
        f"{min(vs_pandas):>13.1f}x"
    )
    print("targets: engine/SQL <= 1.3x, pandas/engine >= 5x")
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"load: {load}")


if __name__ == "__main__":
    main()
