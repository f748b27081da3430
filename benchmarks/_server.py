"""What the HTTP benchmarks share: a fresh database with the form ``bench/customer`` and two
clerks in two departments, seeding it through the record service, the server in a subprocess
(uvicorn, loopback only), a signed-in client and timing."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import httpx
from sqlalchemy import text

from brickwork.platform.assembly import build_services
from brickwork.platform.auth.actor import Actor
from brickwork.platform.clock import new_id
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine, make_session_factory, unit_of_work
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, Kind
from brickwork.platform.models import Department, Role, UserDepartment
from brickwork.settings import Settings

API = "/api/v1"
PASSWORD = "Bench-pass-2026"
SETUP = Actor("bench", channel="job", system=True)
BRANCHES = {"clerk.a": "branch_a", "clerk.b": "branch_b"}
SEED_BATCH = 1000

Inputs = Callable[[int, int], list[dict[str, Any]]]
"""Records ``start`` to ``stop`` (exclusive) of a benchmark's inputs."""


# ---------------------------------------------------------------- set-up


def prepare(
    url: str, data_dir: Path, *, fields: list[dict[str, Any]], grants: list[dict[str, Any]]
) -> tuple[Any, Any, dict[str, Actor]]:
    """A migrated database with the form ``bench/customer`` of ``fields`` and two clerks in two
    branches, whose role holds ``grants``."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    services = build_services(data_dir=data_dir, settings=Settings(data_dir=data_dir))
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        services.metadata.create_app(
            session, SETUP, AppCreate.model_validate({"key": "bench", "label": "Bench"})
        )
        body = {"kind": "form", "key": "customer", "label": "Customer", "spec": {"fields": fields}}
        services.metadata.create_definition(
            session, SETUP, "bench", DefinitionCreate.model_validate(body)
        )
        services.metadata.publish(session, SETUP, "bench", Kind.FORM, "customer")
        identities = services.identities
        identities.repo.add(
            session, Role(id=new_id(), key="clerk", label={"en": "Clerk"}, builtin=False)
        )
        identities.permissions.set_role_grants(session, SETUP, identities.roles, "clerk", grants)
        clerks = {}
        for username, branch in BRANCHES.items():
            user = identities.create_user(
                session, SETUP, username=username, password=PASSWORD, must_change_password=False
            )
            identities.roles.grant(session, SETUP, user, "clerk")
            department = Department(id=new_id(), key=branch, name={"en": branch})
            session.add(department)
            session.flush()
            session.add(
                UserDepartment(user_id=user.id, department_id=department.id, is_primary=True)
            )
            clerks[username] = Actor(username, roles=("clerk",), channel="api", user_id=user.id)
    return engine, services, clerks


def seed(
    engine: Any, services: Any, clerks: dict[str, Actor], have: int, want: int, items: Inputs
) -> None:
    """Records through the service (validation, history, audit), a batch of 1,000 at a time,
    alternating between the two clerks' departments."""
    factory = make_session_factory(engine)
    actors = list(clerks.values())
    batch_index = 0
    while have < want:
        count = min(SEED_BATCH, want - have)
        with unit_of_work(factory) as session:
            outcome = services.records.create_many(
                session, actors[batch_index % 2], "bench", "customer", items(have, have + count)
            )
            assert len(outcome.created_ids) == count, outcome.failures
        have += count
        batch_index += 1


def stored(engine: Any, services: Any) -> int:
    """How many records the form holds."""
    with unit_of_work(make_session_factory(engine)) as session:
        page = services.records.search(session, SETUP, "bench", "customer", total="exact")
        return page.total or 0


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Served:
    """A running server: its base URL and process."""

    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) the server has used so far, from Linux's `/proc`:
        what its requests cost whatever the client and the machine's other load spend."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(data_dir: Path, url: str) -> Iterator[Served]:
    """``brickwork serve`` in a subprocess (uvicorn, the access log at warning level)."""
    port = free_port()
    env = {
        **os.environ,
        "BRICKWORK_DATA_DIR": str(data_dir),
        "BRICKWORK_DATABASE_URL": url,
        "BRICKWORK_LOG_LEVEL": "WARNING",
        "BRICKWORK_INSECURE_COOKIES": "1",  # plain HTTP on loopback: a Secure cookie is not sent
    }
    command = [
        str(Path(sys.executable).with_name("brickwork")),  # as production starts it
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}{API}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield Served(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def signed_in(base: str, username: str) -> httpx.Client:
    """A client of the API (a session token and its CSRF header)."""
    client = httpx.Client(base_url=base, timeout=30)
    response = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


class Reply:
    """A response as `timed` reads it (status and text), from either client."""

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Wire:
    """A keep-alive HTTP/1.1 connection from the standard library (`http.client`) with the
    session of a signed-in `httpx` client (or none), for the requests a benchmark times.

    Client and server share the machine's two cores, and a single client waits for each reply,
    so the client's own work per request is part of every figure. `httpx` spends about 1 ms of
    CPU per request (measured: 0.98-1.18 ms against 0.27-0.33 ms here), a fifth of a record
    create's round trip; a load tool such as `wrk` spends microseconds. Requests go out as
    clients send them: JSON text in the body, parameters in the query string."""

    def __init__(self, base: str, signed: httpx.Client | None = None) -> None:
        address = urlsplit(base)
        self.connection = http.client.HTTPConnection(address.hostname or "", address.port)
        self.headers = {"Accept": "application/json"}
        if signed is not None:
            self.headers["X-CSRF-Token"] = signed.headers["X-CSRF-Token"]
            self.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in signed.cookies.items())

    def get(self, path: str, params: dict[str, Any] | None = None) -> Reply:
        return self._send("GET", f"{path}?{urlencode(params)}" if params else path, None)

    def post(self, path: str, body: Any) -> Reply:
        return self._send("POST", path, json.dumps(body).encode())

    def _send(self, method: str, path: str, body: bytes | None) -> Reply:
        headers = self.headers if body is None else {**self.headers, **_JSON}
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # the server closed the idle connection (uvicorn's keep-alive timeout): once more
            # on a new one, as browsers and httpx do
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        return Reply(response.status, response.read())

    def close(self) -> None:
        self.connection.close()


_JSON = {"Content-Type": "application/json"}


class _Response(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...


# ---------------------------------------------------------------- measuring


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(call: Callable[[], _Response]) -> float:
    """Milliseconds the request took (an error status stops the benchmark)."""
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return elapsed * 1000
