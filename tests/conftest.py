"""Shared fixtures: one migrated test database per run, one rolled-back transaction per test.

The backend is SQLite unless ``BRICKWORK_TEST_DATABASE_URL`` names another (PostgreSQL in CI).
``BRICKWORK_TEST_POSTGRES_URL`` (an admin URL of a PostgreSQL server) enables the tests that need
their own PostgreSQL database; they skip without it on a laptop and fail without it in CI.
``BRICKWORK_TEST_DATABASE_ONLY=1`` keeps only the tests that use the configured test database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from brickwork.app import create_app
from brickwork.platform.api.deps import unit_of_work
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.mfa import SECRET_CONTEXT
from brickwork.platform.clock import new_id
from brickwork.platform.db import migrate
from brickwork.platform.db.session import make_engine
from brickwork.platform.models import Department, Role, UserDepartment
from brickwork.settings import Settings

IN_CI = bool(os.environ.get("CI"))

UNTIMED_HEALTH_CHECKS = (
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.function_scoped_fixture,
)
"""Health checks that judge how long or how large generation is (a loaded machine fails them at
random), and the one against function-scoped fixtures (API properties share the test's client)."""
settings.register_profile(
    "dev", deadline=None, suppress_health_check=UNTIMED_HEALTH_CHECKS, print_blob=True
)
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=UNTIMED_HEALTH_CHECKS,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))
"""Property tests never fail on wall-clock time; in CI they are derandomised (the same examples
on every run, no example database), so a green suite stays green."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``BRICKWORK_TEST_DATABASE_ONLY=1`` only the tests that use the configured test
    database run. CI's second run (on PostgreSQL) sets it: pure engine tests, and tests that make
    their own databases, already ran in the first."""
    if os.environ.get("BRICKWORK_TEST_DATABASE_ONLY") != "1":
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        (keep if uses_database else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


class FakeClock:
    """A controllable clock: starts at a fixed instant and moves one second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def reset_postgres_schema(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("BRICKWORK_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        reset_postgres_schema(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(db_engine: Engine) -> Iterator[Connection]:
    with db_engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session whose commits only release savepoints: everything is rolled back after."""
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as db_session:
        yield db_session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def app_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        auto_upgrade=False,
        max_body_bytes=64 * 1024,
        argon2_profile="test",
        insecure_cookies=True,  # the test client speaks plain http: no Secure cookies
    )


TEST_PASSWORD = "Tester-pass-2026"
EVERYTHING = {
    "app": "*",
    "actions": ["create", "read", "update", "delete", "export", "import"],
    "rows": "all",
}
"""The test user's business role: every record action on every form, all rows."""


class Users:
    """Creates users with roles and grants, and signs them in on clients of one app."""

    def __init__(self, app: Any, session: Session, base: TestClient) -> None:
        self.app = app
        self.session = session
        self.base = base
        self.clients: list[TestClient] = []

    @property
    def identities(self) -> Any:
        return self.app.state.identities

    def role(self, key: str, grants: list[dict[str, Any]]) -> None:
        """Create (or replace the grants of) a business role."""
        identities = self.identities
        if identities.repo.role_by_key(self.session, key) is None:
            identities.repo.add(
                self.session,
                Role(id=new_id(), key=key, label={"en": key}, builtin=False, admin_kind=None),
            )
        identities.permissions.set_role_grants(self.session, SETUP, identities.roles, key, grants)
        self.session.commit()

    def user(
        self,
        username: str,
        *,
        roles: tuple[str, ...] = (),
        grants: list[dict[str, Any]] | None = None,
        departments: tuple[str, ...] = (),
    ) -> Any:
        """A user holding ``roles`` (and, with ``grants``, a role of their own with them).
        ``departments`` are department keys (created when missing; the first is primary)."""
        identities = self.identities
        user = identities.create_user(
            self.session,
            SETUP,
            username=username,
            password=TEST_PASSWORD,
            must_change_password=False,
        )
        if grants is not None:
            own = f"role_{username.replace('.', '_')}"
            self.role(own, grants)
            roles = (*roles, own)
        for key in roles:
            identities.roles.grant(self.session, SETUP, user, key)
        for index, key in enumerate(departments):
            department = self.department(key)
            self.session.add(
                UserDepartment(user_id=user.id, department_id=department.id, is_primary=index == 0)
            )
        self.session.commit()
        return user

    def department(self, key: str, parent: str | None = None) -> Department:
        row = self.session.scalars(select(Department).where(Department.key == key)).one_or_none()
        if row is None:
            parent_id = self.department(parent).id if parent else None
            row = Department(id=new_id(), key=key, name={"en": key}, parent_id=parent_id)
            self.session.add(row)
            self.session.flush()
        return row

    def client(self, username: str, **options: Any) -> TestClient:
        """A new client signed in as a new user ``username`` (see ``user``)."""
        self.user(username, **options)
        return self.sign_in(username)

    def sign_in(self, username: str, client: TestClient | None = None) -> TestClient:
        """Sign in with the test password and, for users a role asks a second factor of (the
        administrators), a TOTP code computed at the app clock's time (enrolling them first)."""
        client = client or TestClient(self.app, raise_server_exceptions=False)
        body = {"username": username, "password": TEST_PASSWORD}
        otp = self.totp_code(username)
        if otp is not None:
            body["otp"] = otp
        self.session.commit()  # the sign-in writes: a session of its own must not hold the lock
        response = client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        self.clients.append(client)
        return client

    def totp_code(self, username: str) -> str | None:
        """A fresh TOTP code of the user (None when no role asks them for one)."""
        identities = self.identities
        user = identities.repo.user_by_username(self.session, username)
        if user is None:
            return None
        if identities.mfa_enrolment_due(self.session, user):
            identities.mfa.enrol_now(self.session, SETUP, user)
        if user.mfa_secret is None or user.mfa_enabled_at is None:
            return None
        user.mfa_last_step = None  # signing in twice within 30 seconds is fine in tests
        self.session.commit()
        secret = identities.mfa.cipher.decrypt(user.mfa_secret, context=SECRET_CONTEXT)
        code: str = pyotp.TOTP(secret).at(identities.clock())
        return code


SETUP = Actor("setup", channel="cli", system=True)


@pytest.fixture
def client_from(anonymous_client: TestClient) -> Callable[[str], TestClient]:
    """New clients of the test's app whose requests come from a given IP address (sign-in
    throttling and the account lock count per source address)."""

    def make(address: str) -> TestClient:
        return TestClient(
            anonymous_client.app, client=(address, 50000), raise_server_exceptions=False
        )

    return make


def write_inside(app: Any, connection: Connection) -> None:
    """Let the audit trail's own write transactions (refusals, reads) be savepoints in the
    test's transaction: on PostgreSQL a second connection would wait for the audit chain row
    the test's transaction holds. Background jobs keep connections of their own."""
    own = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    app.state.audit.use_session_factory(own)


@pytest.fixture
def anonymous_client(
    app_settings: Settings,
    db_engine: Engine,
    connection: Connection,
    session: Session,
    clock: FakeClock,
) -> Iterator[TestClient]:
    """The whole HTTP app, writing inside the test's rolled-back transaction; no credentials.
    Its own write transactions (refusals, reads in the audit trail) are savepoints there too."""
    app = create_app(app_settings, clock=clock)
    write_inside(app, connection)

    def test_unit_of_work() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[unit_of_work] = test_unit_of_work
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture
def users(anonymous_client: TestClient, session: Session) -> Users:
    return Users(anonymous_client.app, session, anonymous_client)


def sign_in_admin(client: TestClient, session: Session) -> TestClient:
    """Sign ``client`` in as ``admin``: the system administrator (design, publish, admin on
    every app) who also holds ``tester`` (every record action on every form, all rows)."""
    users = Users(client.app, session, client)
    if users.identities.repo.user_by_username(session, "admin") is None:
        users.role("tester", [EVERYTHING])
        users.user("admin", roles=("system_admin", "tester"))
    return users.sign_in("admin", client)


@pytest.fixture
def admin_on(session: Session) -> Callable[[TestClient], TestClient]:
    """Signs a client of any app (in this test's transaction) in as ``admin``."""
    return lambda client: sign_in_admin(client, session)


def sign_in_admin_committed(client: TestClient) -> TestClient:
    """``sign_in_admin`` for an app on its own database (the user is committed there)."""
    with client.app.state.session_factory() as own:  # type: ignore[attr-defined]
        return sign_in_admin(client, own)


@pytest.fixture
def admin_on_own_database() -> Callable[[TestClient], TestClient]:
    return sign_in_admin_committed


@pytest.fixture
def client(users: Users, session: Session) -> TestClient:
    """A client signed in as ``admin`` (see ``sign_in_admin``)."""
    return sign_in_admin(TestClient(users.app, raise_server_exceptions=False), session)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("BRICKWORK_TEST_POSTGRES_URL")
    if not url:
        message = "BRICKWORK_TEST_POSTGRES_URL is not set (a PostgreSQL server is needed)"
        if IN_CI:
            pytest.fail(message + "; CI must provide one")
        pytest.skip(message)
    return url


@pytest.fixture
def fresh_database_urls(
    tmp_path: Path, postgres_admin_url_or_none: str | None
) -> Iterator[dict[str, str]]:
    """Empty, migrated databases on every backend available: {'sqlite': url, 'postgresql': url}."""
    urls = {"sqlite": f"sqlite:///{tmp_path / 'fresh.db'}"}
    created: list[str] = []
    if postgres_admin_url_or_none:
        name = f"bw_fresh_{uuid.uuid4().hex[:12]}"
        admin = create_engine(postgres_admin_url_or_none, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        urls["postgresql"] = (
            make_url(postgres_admin_url_or_none).set(database=name).render_as_string(False)
        )
        admin.dispose()
    for url in urls.values():
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    yield urls
    if created:
        admin = create_engine(postgres_admin_url_or_none or "", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_on_fresh_database(
    fresh_database_urls: dict[str, str], tmp_path: Path
) -> Iterator[Callable[[str], FastAPI]]:
    """Makes the whole app on the fresh database of a backend ("sqlite" or "postgresql"; the
    test is skipped when no PostgreSQL server is configured): real transactions, as served.
    The engines of the apps made are disposed after the test."""
    made: list[FastAPI] = []

    def make(backend: str) -> FastAPI:
        if backend not in fresh_database_urls:
            pytest.skip("no PostgreSQL server configured (BRICKWORK_TEST_POSTGRES_URL)")
        settings = Settings(
            data_dir=tmp_path,
            database_url=fresh_database_urls[backend],
            argon2_profile="test",
            insecure_cookies=True,  # the test client speaks plain http
        )
        made.append(create_app(settings))
        return made[-1]

    yield make
    for app in made:
        app.state.engine.dispose()  # no pooled connection left for the collector


@pytest.fixture(scope="session")
def postgres_admin_url_or_none() -> str | None:
    url = os.environ.get("BRICKWORK_TEST_POSTGRES_URL")
    if not url and IN_CI:
        pytest.fail("BRICKWORK_TEST_POSTGRES_URL is not set; CI must provide a PostgreSQL server")
    return url or None
