"""Records: full service path vs raw SQLAlchemy Core; validation vs fastjsonschema.

Run: `.venv/bin/pip install -r benchmarks/requirements-records.txt` once, then
`.venv/bin/python benchmarks/bench_records.py [--records 5000] [--database-url URL]`.

1. Writes: N records of a typical KYC form through ``RecordService.create_many`` (form engine
   coercion and checks, serial numbers, bulk insert, change history, audit) against a raw Core
   ``INSERT`` of the very same rows; both on a fresh, migrated database (SQLite file by default).
2. Validation: ``validate_record`` on the compiled form against ``fastjsonschema`` on the form's
   compiled JSON Schema, over the same inputs. fastjsonschema only checks shapes; the form engine
   also coerces to exact types, checks identifiers and evaluates conditions.

Prints a table of rates and ratios. Targets: full path >= 40 % of raw insert throughput;
validation >= 1x fastjsonschema.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from brickwork.engines.form import RecordContext, compile_form, validate_record
from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.schemas import form_schema
from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import new_id
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import Department, Role, UserDepartment
from brickwork.platform.records.rows import main_values
from brickwork.settings import Settings

FIELDS: list[dict[str, Any]] = [
    {
        "id": "f_no",
        "key": "customer_no",
        "type": "serial_number",
        "label": "No.",
        "pattern": "KYC-{YYYY}-{seq:7}",
    },
    {
        "id": "f_name",
        "key": "name",
        "type": "text",
        "label": "Name",
        "required": True,
        "max_length": 100,
    },
    {"id": "f_id", "key": "resident_id", "type": "resident_id", "label": "ID", "required": True},
    {
        "id": "f_mobile",
        "key": "mobile",
        "type": "phone",
        "label": "Mobile",
        "phone_kind": "cn_mobile",
    },
    {"id": "f_aum", "key": "aum", "type": "money", "label": "AUM", "currency": "CNY"},
    {
        "id": "f_risk",
        "key": "risk",
        "type": "single_select",
        "label": "Risk",
        "options": [{"value": "low"}, {"value": "medium"}, {"value": "high"}],
    },
    {"id": "f_open", "key": "opened", "type": "date", "label": "Opened"},
    {"id": "f_pep", "key": "pep", "type": "boolean", "label": "PEP"},
    {
        "id": "f_note",
        "key": "note",
        "type": "textarea",
        "label": "Note",
        "visible_when": 'risk = "high"',
    },
]
ACTOR = Actor("bench", channel="job", system=True)
"""Sets the benchmark up (app, form, the clerk's role); the measured writes run as the clerk."""
CLERK_GRANTS = [
    {
        "app": "bench",
        "form": "customer",
        "actions": ["create", "read"],
        "rows": "department",
        "fields": {"note": "write"},
    }
]


def inputs(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    """Distinct, valid records (numbers ``start`` to ``count``): every name, ID, mobile, amount
    and date differs between records (as in a real import), so no per-value shortcut or warm
    cache can flatter either side."""
    risks = ("low", "medium", "high")
    surnames = ("王", "李", "张", "刘", "陈", "Smith ", "O'Brien ", "García ")
    return [
        {
            "name": f"{surnames[i % len(surnames)]}客户 {i}",
            "resident_id": _resident_id(i),
            "mobile": f"1{3 + i % 7}{(i * 7919 + 12345) % 10**9:09d}",
            "aum": _amount(i),
            "risk": risks[i % 3],
            "opened": (date(2015, 1, 1) + timedelta(days=i * 13 % 4000)).isoformat(),
            "pep": i % 7 == 0,
            "note": f"watch {i}" if i % 3 == 2 else None,
        }
        for i in range(start, count)
    ]


_REGIONS = ("110105", "310104", "440305", "330106", "510107", "420106", "610113", "210202")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_id(i: int) -> str:
    """A valid mainland ID (GB 11643, ISO 7064 MOD 11-2 check character), different per `i`."""
    born = date(1950, 1, 1) + timedelta(days=i * 7 % 20000)
    first17 = f"{_REGIONS[i % len(_REGIONS)]}{born:%Y%m%d}{i % 1000:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def _amount(i: int) -> str | int:
    """Amounts as clients send them: mostly text with 0-2 decimals, some JSON integers."""
    whole = i * 7919 % 50_000_000
    match i % 4:
        case 0:
            return whole
        case 1:
            return f"{whole}.{i % 100:02d}"
        case 2:
            return f"{whole}.{i % 10}"
        case _:
            return str(whole)


def best_rate(count: int, rounds: int, run: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return count / best


def setup(url: str, data_dir: Path) -> tuple[Any, Any, Actor]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    settings = Settings(data_dir=data_dir, database_url=url, argon2_profile="test")
    services = build_services(settings=settings, data_dir=data_dir)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        services.metadata.create_app(
            session, ACTOR, AppCreate.model_validate({"key": "bench", "label": "Bench"})
        )
        services.metadata.create_definition(
            session,
            ACTOR,
            "bench",
            DefinitionCreate.model_validate(
                {"kind": "form", "key": "customer", "label": "Customer", "spec": {"fields": FIELDS}}
            ),
        )
        services.metadata.publish(session, ACTOR, "bench", Kind.FORM, "customer")
        clerk = _clerk(session, services)
    return factory, services, clerk


def _clerk(session: Any, services: Any) -> Actor:
    """A signed-in business user: the writes pay for the permission checks they would in use."""
    identities = services.identities
    identities.repo.add(
        session, Role(id=new_id(), key="clerk", label={"en": "Clerk"}, builtin=False)
    )
    identities.permissions.set_role_grants(session, ACTOR, identities.roles, "clerk", CLERK_GRANTS)
    user = identities.create_user(
        session, ACTOR, username="clerk", password="Bench-pass-2026", must_change_password=False
    )
    identities.roles.grant(session, ACTOR, user, "clerk")
    department = Department(id=new_id(), key="branch", name={"en": "Branch"})
    session.add(department)
    session.flush()
    session.add(UserDepartment(user_id=user.id, department_id=department.id, is_primary=True))
    return Actor("clerk", roles=("clerk",), channel="api", user_id=user.id)


def bench_writes(url: str, data_dir: Path, count: int, rounds: int) -> tuple[float, float]:
    factory, services, clerk = setup(url, data_dir)
    items = inputs(count)
    records = services.records

    def full() -> None:
        with unit_of_work(factory) as session:
            outcome = records.create_many(session, clerk, "bench", "customer", items)
            assert len(outcome.created_ids) == count, outcome.failures

    with unit_of_work(factory) as session:
        form = records.form(session, "bench", "customer")
    now = datetime.now(UTC)
    context = RecordContext(now=now)
    typed = [validate_record(form.compiled, item, context=context).values for item in items]
    counter = iter(range(10**9))

    def raw() -> None:
        rows = []
        for values in typed:
            number = next(counter)
            rows.append(
                {
                    "id": f"raw-{number}",
                    "created_at": now,
                    "created_by": "bench",
                    "updated_at": now,
                    "updated_by": "bench",
                    "owner": "bench",
                    "department": None,
                    "version": 1,
                    "form_version": 1,
                    "flow_status": None,
                    "deleted_at": None,
                    **main_values(form.shape, {**values, "customer_no": f"RAW-{number}"}),
                }
            )
        with unit_of_work(factory) as session:
            session.execute(insert(form.table), rows)

    return best_rate(count, rounds, full), best_rate(count, rounds, raw)


def bench_validation(count: int, rounds: int) -> tuple[float, float | None]:
    definition = FormDefinition.model_validate({"fields": FIELDS})
    compiled = compile_form(definition, today=datetime.now(UTC).date())
    context = RecordContext(now=datetime.now(UTC))
    items = inputs(count)

    def ours() -> None:
        for item in items:
            validate_record(compiled, item, context=context)

    try:
        import fastjsonschema
    except ImportError:
        return best_rate(count, rounds, ours), None
    schema = form_schema(definition)
    check = fastjsonschema.compile(_plain(schema))
    plain_items = [_plain(item) for item in items]

    def theirs() -> None:
        for item in plain_items:
            check(item)

    return best_rate(count, rounds, ours), best_rate(count, rounds, theirs)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def table(title: str, rows: list[tuple[str, float | None]], ratio: str) -> None:
    print(f"\n{title}")
    print(f"{'path':34} {'records/s':>12}")
    print("-" * 48)
    for name, rate in rows:
        print(f"{name:34} {rate:>12,.0f}" if rate else f"{name:34} {'(not installed)':>12}")
    print(ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        full, raw = bench_writes(url, Path(folder), args.records, args.rounds)
    table(
        f"writes ({args.records} records, {url.split(':')[0]})",
        [("full service path (create_many)", full), ("raw Core insert", raw)],
        f"full path = {full / raw:.0%} of raw insert throughput (target >= 40%)",
    )
    ours, theirs = bench_validation(args.records, args.rounds)
    table(
        "validation",
        [("validate_record", ours), ("fastjsonschema", theirs)],
        f"validate_record = {ours / theirs:.2f}x fastjsonschema (target >= 1x)"
        if theirs
        else "fastjsonschema not installed",
    )


if __name__ == "__main__":
    main()
