"""The HTTP API under load: a real uvicorn server on SQLite (and PostgreSQL when configured).

Run: `.venv/bin/pip install -r benchmarks/requirements-api.txt` once (httpx, already a test
extra), then `.venv/bin/python benchmarks/bench_api.py [--quick] [--rows 10000,100000]`.
PostgreSQL runs too when `BRICKWORK_BENCH_POSTGRES_URL` names a database the benchmark may wipe
(its `public` schema is dropped), e.g. `postgresql+psycopg://postgres@127.0.0.1:55433/bw_perf`.

Per backend, on a fresh data directory, the server is started as a subprocess
(`brickwork serve`, loopback only, as production starts it) and driven over HTTP by a
business clerk (a role with department row scope, so permission checks are paid), with inputs
as JSON exactly as clients send them (amounts as strings and numbers, dates as strings).
The timed requests go over keep-alive connections of the standard library's `http.client`
(`_server.Wire`): client and server share the machine's cores and a single client waits for
each reply, so the client's own CPU is part of every figure, and `httpx` spends about four
times as much per request (1.0-1.4 ms against 0.3-0.5 ms). Phase 2 is run a second time with
`httpx` as the client, for comparison with figures measured before.

1. Fixed per-request overhead: median of `GET /api/v1/health` (no session, no database work
   beyond a ping) against the median of `GET /api/v1/auth/me` (session, user, roles).
2. Single client: sequential `POST .../records`; records per second, p50 and p99, and the
   CPU time per create of the server process (from `/proc`, whatever else the machine runs)
   and of the client.
3. Eight clients (threads, one session each): 1 create per 4 reads (lists of 20 and single
   records); p50 and p99 per kind. Bounded by a count per client and a time limit.
4. Lists at each `--rows` size (seeded through ``RecordService.create_many`` in batches of 1,000,
   in-process, half in each of two departments): a list page through the API (default totals,
   and `total=false`) against the very SQL statements the service runs for that page, replayed
   directly on a raw database connection (ratio = API / raw), and the API's page time at each
   size against the smallest (what the API adds as the table grows).

Targets (issue 9): >= 250 POST/s single client on SQLite, 8-client p99 <= 150 ms, list at 100k
<= 1.2x the raw query, fixed per-request overhead <= 5 ms. The machine may be shared: compare
ratios, and read absolute numbers with the load (printed) in mind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _server import (
    API,
    Wire,
    percentile,
    prepare,
    seed,
    server,
    signed_in,
    stored,
    timed,
)
from bench_records import FIELDS, inputs
from sqlalchemy import event

from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.session import make_session_factory, unit_of_work

RECORDS = f"{API}/apps/bench/forms/customer/records"
CLERK_GRANTS = [
    {
        "app": "bench",
        "form": "customer",
        "actions": ["create", "read", "update"],
        "rows": "department",
        "fields": {"note": "write"},
    }
]


# ---------------------------------------------------------------- measuring


def overhead(base: str, client: Wire, count: int) -> tuple[float, float]:
    anonymous = Wire(base)
    for _ in range(20):  # warm both paths
        anonymous.get(f"{API}/health")
        client.get(f"{API}/auth/me")
    health = [timed(lambda: anonymous.get(f"{API}/health")) for _ in range(count)]
    me = [timed(lambda: client.get(f"{API}/auth/me")) for _ in range(count)]
    anonymous.close()
    return statistics.median(health), statistics.median(me)


def single_posts(
    post: Callable[[dict[str, Any]], Any], items: list[dict[str, Any]]
) -> tuple[float, list[float], float]:
    """Records per second, each create's milliseconds, and the client's CPU milliseconds per
    create (`post` sends one record)."""
    cpu = time.process_time()
    started = time.perf_counter()
    latencies = [timed(lambda item=item: post(item)) for item in items]
    elapsed = time.perf_counter() - started
    return len(items) / elapsed, latencies, (time.process_time() - cpu) / len(items) * 1000


def mixed(
    base: str, clients: int, per_client: int, seconds: float, items: list[dict[str, Any]]
) -> dict[str, list[float]]:
    """Each client: one create, then four reads (two lists of 20, two single records)."""
    sessions = [Wire(base, signed_in(base, "clerk.a")) for _ in range(clients)]
    ids = [r["id"] for r in sessions[0].get(RECORDS, params={"limit": 50}).json()["items"]]
    results: dict[str, list[float]] = {"write": [], "read": []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    start = threading.Barrier(clients)

    def run(index: int, client: Wire) -> None:
        start.wait()
        mine: dict[str, list[float]] = {"write": [], "read": []}
        for step in range(per_client):
            if time.monotonic() > deadline:
                break
            match step % 5:
                case 0:
                    item = items[(index * per_client + step) % len(items)]
                    mine["write"].append(timed(lambda item=item: client.post(RECORDS, item)))
                case 1 | 3:
                    mine["read"].append(timed(lambda: client.get(RECORDS, params={"limit": 20})))
                case _:
                    record = ids[(index + step) % len(ids)]
                    mine["read"].append(
                        timed(lambda record=record: client.get(f"{RECORDS}/{record}"))
                    )
        with lock:
            for kind, samples in mine.items():
                results[kind].extend(samples)

    threads = [
        threading.Thread(target=run, args=(index, client)) for index, client in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in sessions:
        client.close()
    return results


def page_statements(engine: Any, services: Any, actor: Actor, total: str) -> list[tuple[str, Any]]:
    """The SQL the service runs for the record rows and the count of one list page."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "f_bench_customer" in statement:
            seen.append((statement, parameters))

    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        services.records.form(session, "bench", "customer")  # cached definitions, not measured
        event.listen(engine, "before_cursor_execute", capture)
        try:
            services.records.search(session, actor, "bench", "customer", limit=50, total=total)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
    return seen


def raw_latency(engine: Any, statements: list[tuple[str, Any]], count: int) -> float:
    connection = engine.raw_connection()
    try:
        samples = []
        for _ in range(count + 5):
            started = time.perf_counter()
            cursor = connection.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()
            connection.rollback()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples[5:])
    finally:
        connection.close()


def api_latency(client: Wire, count: int, **params: Any) -> float:
    for _ in range(5):
        client.get(RECORDS, params={"limit": 50, **params})
    return statistics.median(
        timed(lambda: client.get(RECORDS, params={"limit": 50, **params})) for _ in range(count)
    )


# ---------------------------------------------------------------- one backend


def run_backend(name: str, url: str | None, options: argparse.Namespace) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as tmp:
        data_dir = Path(tmp)
        url = url or f"sqlite:///{data_dir / 'brickwork.db'}"
        engine, services, clerks = prepare(url, data_dir, fields=FIELDS, grants=CLERK_GRANTS)
        with server(data_dir, url) as served:
            base = served.base
            signed = signed_in(base, "clerk.a")
            clerk = Wire(base, signed)
            health, me = overhead(base, clerk, options.requests)
            rows.append(("GET /health p50 (ms)", f"{health:.2f}"))
            rows.append(("GET /auth/me p50 (ms)", f"{me:.2f}"))
            rows.append(("fixed per-request overhead (ms)", f"{me - health:.2f}"))
            items = inputs(options.posts + 200_000, start=200_000)  # unlike seeded ones
            server_cpu = served.cpu_seconds()
            rate, latencies, cpu = single_posts(partial(clerk.post, RECORDS), items)
            server_cpu = (served.cpu_seconds() - server_cpu) / len(items) * 1000
            rows.append(("1 client POST/s", f"{rate:.0f}"))
            rows.append(("1 client POST p50 / p99 (ms)", _pair(latencies)))
            rows.append(
                (
                    "1 client POST: CPU per request, server / client (ms)",
                    f"{server_cpu:.2f} / {cpu:.2f}",
                )
            )
            rate, _, cpu = single_posts(lambda item: signed.post(RECORDS, json=item), items)
            rows.append(("1 client POST/s, httpx as client (CPU ms)", f"{rate:.0f} ({cpu:.2f})"))
            results = mixed(base, 8, options.per_client, options.seconds, items)
            both = results["write"] + results["read"]
            rows.append(("8 clients mixed p50 / p99 (ms)", _pair(both)))
            rows.append(("8 clients writes p50 / p99 (ms)", _pair(results["write"])))
            rows.append(("8 clients reads p50 / p99 (ms)", _pair(results["read"])))
            rows.append(("8 clients requests done", str(len(both))))
            have = stored(engine, services)
            first_api: dict[str, tuple[str, float]] = {}
            for size in options.rows_sizes:
                started = time.perf_counter()
                seed(engine, services, clerks, have, size, seeded)
                rate = (size - have) / (time.perf_counter() - started)
                have = max(have, size)
                label = f"{size // 1000}k"
                rows.append((f"seed to {label} (records/s, service)", f"{rate:.0f}"))
                for total in ("auto", "false"):
                    mode = "none" if total == "false" else "auto"
                    statements = page_statements(engine, services, clerks["clerk.a"], mode)
                    raw = raw_latency(engine, statements, options.requests)
                    api = api_latency(clerk, options.requests, total=total)
                    rows.append(
                        (
                            f"list {label} total={total}: API / raw (ms)",
                            f"{api:.2f} / {raw:.2f} = {api / raw:.1f}x",
                        )
                    )
                    smallest, at_smallest = first_api.setdefault(total, (label, api))
                    if smallest != label:  # what the API adds as the table grows
                        rows.append(
                            (
                                f"list total={total}: API at {label} / at {smallest}",
                                f"{api / at_smallest:.2f}x",
                            )
                        )
            clerk.close()
            signed.close()
        engine.dispose()
    return [(f"{name}: {label}", value) for label, value in rows]


def seeded(start: int, stop: int) -> list[dict[str, Any]]:
    return inputs(stop, start=start)


def _pair(samples: list[float]) -> str:
    if not samples:
        return "-"
    return f"{percentile(samples, 0.5):.1f} / {percentile(samples, 0.99):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a couple of minutes")
    parser.add_argument("--rows", default=None, help="list sizes, e.g. 10000,100000")
    parser.add_argument("--sqlite-only", action="store_true")
    options = parser.parse_args()
    quick = options.quick
    options.rows_sizes = [
        int(size)
        for size in (options.rows or ("2000,10000" if quick else "10000,100000")).split(",")
    ]
    options.requests = 100 if quick else 300
    options.posts = 300 if quick else 1500
    options.per_client = 100 if quick else 400
    options.seconds = 30.0 if quick else 120.0
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cpus: {os.cpu_count()}")
    table = run_backend("sqlite", None, options)
    postgres = os.environ.get("BRICKWORK_BENCH_POSTGRES_URL")
    if postgres and not options.sqlite_only:
        table += run_backend("postgresql", postgres, options)
    width = max(len(label) for label, _ in table)
    print(f"\n{'measure'.ljust(width)}  value")
    for label, value in table:
        print(f"{label.ljust(width)}  {value}")
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
