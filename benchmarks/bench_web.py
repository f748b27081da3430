"""The web pages' server time at 10k and 100k records per form, next to the API's for the same
data: a real uvicorn server on SQLite (and PostgreSQL when configured).

Run: `.venv/bin/pip install -r benchmarks/requirements-api.txt` once (httpx, already a test
extra), then `.venv/bin/python benchmarks/bench_web.py [--quick] [--rows 10000,100000]
[--runs 50]`. PostgreSQL runs too when `BRICKWORK_BENCH_POSTGRES_URL` names a database the
benchmark may wipe (its `public` schema is dropped), e.g.
`postgresql+psycopg://postgres@127.0.0.1:55434/bw_web`.

Per backend, on a fresh data directory, the form `bench/customer` (thirteen fields: serial
number, text, resident ID, a mobile number masked for the clerk, money, decimal, single select,
date, boolean, textarea, department, email, integer) is seeded through
``RecordService.create_many`` in batches of 1,000 with values as JSON brings them (amounts as
strings and numbers, dates as strings), half in each of two departments; sixty records of the
clerk's department wait in their inbox in an approval flow. The server runs as a subprocess
(`brickwork serve`, loopback only) and a clerk (a role with department row scope, so
permission checks and masking are paid) signs in through the sign-in form, as a browser does.

At each `--rows` size, every page is requested after a warm-up, alternately with its API peer
(the platform's own API asked for the same data: the list with the same filter, sort and page;
the record; the apps; the inbox; for the new-record form, `auth/me`, the least a signed-in
request costs). Server time is the wall time of the request on loopback; the table shows the
page's median and p95, the API's median and their ratio. The lists are checked to show the
API's first record.

Pages: the launcher; a form's record list by default, sorted by money (`sort=-aum`), with a
quick search (`q`), a typed filter (`aum > 1000000`), on page 500, and its htmx table fragment;
a record's detail, the new-record form, the edit form, and the inbox.

Target (the web UI issue): every page under 200 ms median server time at 100k records on
SQLite; a page should cost little more than the data it shows (ratio page / API). The machine
may be shared: compare ratios, and read absolute numbers with the load (printed) in mind.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _server import (
    API,
    PASSWORD,
    SETUP,
    Inputs,
    percentile,
    prepare,
    seed,
    server,
    signed_in,
    stored,
    timed,
)
from bench_records import FIELDS as KYC_FIELDS
from bench_records import inputs
from sqlalchemy import select

from brickwork.platform.auth.actor import Actor
from brickwork.platform.db.session import make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import DefinitionCreate, Kind
from brickwork.platform.models import Department

FORM = "/apps/bench/forms/customer"
RECORDS = f"{API}{FORM}/records"
TARGET_MS = 200.0
FIELDS: list[dict[str, Any]] = [
    *KYC_FIELDS[:5],
    {"id": "f_rate", "key": "rate", "type": "decimal", "label": "Rate", "scale": 4},
    *KYC_FIELDS[5:],
    {"id": "f_branch", "key": "branch", "type": "department", "label": "Branch"},
    {"id": "f_email", "key": "email", "type": "email", "label": "Email"},
    {"id": "f_staff", "key": "employees", "type": "integer", "label": "Employees"},
]
GRANTS = [
    {"app": "bench", "form": "customer", "actions": ["create"], "fields": {"note": "write"}},
    {
        "app": "bench",
        "form": "customer",
        "actions": ["read", "update"],
        "rows": "department",
        "fields": {"mobile": "masked", "note": "write"},
    },
]
"""The clerk enters a customer's mobile number, then sees it masked."""
SEARCHED = ("text", "textarea", "email", "serial_number")
"""The field types a list's quick search looks in (its API peer filters the same fields)."""
WORDS = "4242"
FLOW = {
    "form": "customer",
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "review",
            "type": "approval",
            "label": {"en": "Review"},
            "assignees": [{"type": "user", "user": "clerk.a"}],
            "mode": "or",
        },
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "review"},
        {"id": "e2", "from": "review", "to": "end"},
    ],
}
IN_REVIEW = 60


# ---------------------------------------------------------------- set-up


def records_of(branches: list[str]) -> Inputs:
    """The benchmark's inputs for this form: the KYC records with a rate, a branch, an email
    and a head count."""

    def items(start: int, stop: int) -> list[dict[str, Any]]:
        found = inputs(stop, start=start)
        for i, item in enumerate(found, start):
            item["rate"] = f"{i % 9}.{i * 37 % 10_000:04d}" if i % 2 else i % 9
            item["branch"] = branches[i % len(branches)]
            item["email"] = f"customer{i}@example.com"
            item["employees"] = i * 31 % 5000
        return found

    return items


def branch_ids(engine: Any) -> list[str]:
    with unit_of_work(make_session_factory(engine)) as session:
        return list(session.scalars(select(Department.id).order_by(Department.key)))


def start_reviews(engine: Any, services: Any, clerk: Actor) -> None:
    """The flow `review` (one approval by the clerk), started on records of their branch (by
    someone else: an initiator's own approval passes by itself)."""
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        body = {"kind": "flow", "key": "review", "label": "Review", "spec": FLOW}
        services.metadata.create_definition(
            session, SETUP, "bench", DefinitionCreate.model_validate(body)
        )
        services.metadata.publish(session, SETUP, "bench", Kind.FLOW, "review")
    with unit_of_work(factory) as session:
        page = services.records.search(
            session, clerk, "bench", "customer", limit=IN_REVIEW, total="none"
        )
        for item in page.items:
            services.runs.start_flow(session, SETUP, "bench", "customer", item["id"], "review")


def browser(base: str, username: str) -> httpx.Client:
    """A browser's session: the cookie the sign-in form sets."""
    client = httpx.Client(base_url=base, timeout=60)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "next": "/apps"}
    )
    if response.status_code != 303 or response.headers["location"] != "/apps":
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:300]}")
    return client


# ---------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    peer: str
    params: dict[str, Any] = field(default_factory=dict)
    peer_params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    listed: bool = False
    """A record list: the page must show the first record of its API peer."""


def pages(record_id: str) -> list[Page]:
    searched = [item["key"] for item in FIELDS if item["type"] in SEARCHED]
    search = " or ".join(f'contains({key}, "{WORDS}")' for key in searched)
    fragment = {"HX-Request": "true", "HX-Target": "records"}
    record = f"{FORM}/records/{record_id}"

    def listing(name: str, params: dict[str, Any], peer: dict[str, Any], **extra: Any) -> Page:
        return Page(name, FORM, RECORDS, params, {"limit": 20, **peer}, listed=True, **extra)

    return [
        Page("launcher /apps", "/apps", f"{API}/apps"),
        listing("list", {}, {}),
        listing("list sort=-aum", {"sort": "-aum"}, {"sort": "-aum"}),
        listing(f"list q={WORDS}", {"q": WORDS}, {"filter": search}),
        listing(
            "list filter aum > 1000000", {"filter": "aum > 1000000"}, {"filter": "aum > 1000000"}
        ),
        listing("list page=500", {"page": 500}, {"offset": 500 * 20}),
        listing("list htmx fragment", {}, {}, headers=fragment),
        Page("record detail", record, f"{RECORDS}/{record_id}"),
        Page("new record form", f"{FORM}/new", f"{API}/auth/me"),
        Page("edit form", f"{record}/edit", f"{RECORDS}/{record_id}"),
        Page("inbox", "/inbox", f"{API}/inbox", peer_params={"limit": 20}),
    ]


def shown(response: httpx.Response) -> httpx.Response:
    """The page itself (not a redirect to the sign-in page or an error)."""
    if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
        raise RuntimeError(f"{response.request.url}: {response.status_code}")
    return response


def measure(
    web: httpx.Client, api: httpx.Client, page: Page, runs: int
) -> tuple[list[float], list[float]]:
    """Page and peer, alternately, after five of each to warm up."""

    def get_page() -> httpx.Response:
        return shown(web.get(page.path, params=page.params, headers=page.headers))

    def get_peer() -> httpx.Response:
        return api.get(page.peer, params=page.peer_params)

    for _ in range(5):
        get_page()
        get_peer()
    if page.listed:
        first = get_peer().json()["items"][:1]
        if first and f"/records/{first[0]['id']}" not in get_page().text:
            raise RuntimeError(f"{page.name}: the page does not show the API's first record")
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        samples[0].append(timed(get_page))
        samples[1].append(timed(get_peer))
    return samples


# ---------------------------------------------------------------- one backend


@dataclass
class Row:
    size: int
    page: str
    median: float
    p95: float
    peer: float

    @property
    def ratio(self) -> float:
        return self.median / self.peer


def run_backend(name: str, url: str | None, options: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as tmp:
        data_dir = Path(tmp)
        url = url or f"sqlite:///{data_dir / 'brickwork.db'}"
        engine, services, clerks = prepare(url, data_dir, fields=FIELDS, grants=GRANTS)
        items = records_of(branch_ids(engine))
        have = stored(engine, services)
        for size in options.rows_sizes:
            print(f"{name}: seeding to {size:,} records", flush=True)
            seed(engine, services, clerks, have, size, items)
            have = max(have, size)
            if size == options.rows_sizes[0]:
                start_reviews(engine, services, clerks["clerk.a"])
            with server(data_dir, url) as served:
                base = served.base
                web, api = browser(base, "clerk.a"), signed_in(base, "clerk.a")
                waiting = api.get(f"{API}/inbox", params={"limit": 1}).json()["items"]
                record_id = waiting[0]["flow"]["record"]  # a record with a flow under way
                for page in pages(record_id):
                    page_ms, peer_ms = measure(web, api, page, options.runs)
                    rows.append(
                        Row(
                            size,
                            page.name,
                            statistics.median(page_ms),
                            percentile(page_ms, 0.95),
                            statistics.median(peer_ms),
                        )
                    )
                web.close()
                api.close()
        engine.dispose()
    report(name, rows)
    return rows


def report(name: str, rows: list[Row]) -> None:
    print(f"\n{name}")
    width = max(len(row.page) for row in rows)
    print(
        f"{'records':>8}  {'page'.ljust(width)}  {'median':>8}  {'p95':>8}  {'API':>8}  "
        f"{'ratio':>6}  < {TARGET_MS:.0f} ms"
    )
    for row in rows:
        met = "✓" if row.median < TARGET_MS else "✗"
        print(
            f"{row.size:>8,}  {row.page.ljust(width)}  {row.median:8.1f}  {row.p95:8.1f}  "
            f"{row.peer:8.1f}  {row.ratio:6.2f}  {met}"
        )
    for size in sorted({row.size for row in rows}):
        at = [row for row in rows if row.size == size]
        mean = math.exp(statistics.fmean(math.log(row.ratio) for row in at))
        worst_ratio = max(at, key=lambda row: row.ratio)
        slowest = max(at, key=lambda row: row.median)
        print(
            f"{size:,} records: geometric mean page / API {mean:.2f}; worst ratio "
            f"{worst_ratio.ratio:.2f} ({worst_ratio.page}); slowest {slowest.median:.1f} ms "
            f"median, {slowest.p95:.1f} ms p95 ({slowest.page})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a couple of minutes")
    parser.add_argument("--rows", default=None, help="records per form, e.g. 10000,100000")
    parser.add_argument("--runs", type=int, default=None, help="requests per page and size")
    parser.add_argument("--sqlite-only", action="store_true")
    options = parser.parse_args()
    quick = options.quick
    sizes = options.rows or ("1000,5000" if quick else "10000,100000")
    options.rows_sizes = sorted(int(size) for size in sizes.split(","))
    options.runs = options.runs or (20 if quick else 50)
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cpus: {os.cpu_count()}")
    run_backend("sqlite", None, options)
    postgres = os.environ.get("BRICKWORK_BENCH_POSTGRES_URL")
    if postgres and not options.sqlite_only:
        run_backend("postgresql", postgres, options)
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
