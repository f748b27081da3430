"""Sign-in without user enumeration, per-source backoff, an account lock no single stranger can
set, regulated defaults, expiring tokens and the session's CSRF token (issue 9)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.app import create_app
from brickwork.platform.api.deps import unit_of_work
from brickwork.platform.auth.actor import Actor
from brickwork.platform.models import AuditEvent, User
from brickwork.settings import Settings, load_settings
from conftest import write_inside

API = "/api/v1/auth"
PASSWORD = "Tester-pass-2026"
WRONG = "Wrong-pass-2026x"
SETUP = Actor("setup", channel="cli", system=True)


def login(client: TestClient, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(f"{API}/login", json={"username": username, "password": password, **extra})


def user_row(session: Session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


@pytest.fixture
def verifications(anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the app performs (the work that timing would reveal)."""
    hasher = anonymous_client.app.state.identities.hasher  # type: ignore[attr-defined]
    seen: list[str] = []
    verify = hasher.verify

    def counted(stored_hash: str, password: str) -> bool:
        seen.append(stored_hash)
        result: bool = verify(stored_hash, password)
        return result

    monkeypatch.setattr(hasher, "verify", counted)
    return seen


# ---------------------------------------------------------------- no user enumeration


def test_unknown_locked_and_disabled_names_get_the_same_answer_and_work(
    users: Any,
    session: Session,
    clock: Any,
    client_from: Callable[[str], TestClient],
    verifications: list[str],
) -> None:
    users.user("li.si")
    users.user("locked.one")
    users.user("gone.one")
    identities = users.identities
    identities.set_active(session, SETUP, "gone.one", active=False)
    user_row(session, "locked.one").locked_until = clock.now + timedelta(minutes=30)
    session.commit()
    attempts = {
        "unknown name": ("nobody", PASSWORD),
        "unknown, odd shape": ("名字 with spaces", PASSWORD),
        "wrong password": ("li.si", WRONG),
        "locked, right password": ("locked.one", PASSWORD),
        "locked, wrong password": ("locked.one", WRONG),
        "disabled, right password": ("gone.one", PASSWORD),
        "disabled, wrong password": ("gone.one", WRONG),
    }
    answers = {}
    for index, (case, (name, password)) in enumerate(attempts.items()):
        before = len(verifications)
        response = login(client_from(f"10.1.0.{index}"), name, password)
        answers[case] = (response.status_code, response.headers["content-type"], response.json())
        assert len(verifications) - before == 1, case  # one argon2 verification each
    assert len({repr(answer) for answer in answers.values()}) == 1, answers
    status, _type, body = answers["unknown name"]
    assert (status, body["code"]) == (401, "invalid_credentials")
    reasons = [e.details["reason"] for e in events(session, "auth.login")]
    assert reasons == [
        "unknown_user",
        "unknown_user",
        "wrong_password",
        "locked",
        "locked",
        "disabled",
        "wrong_password",
    ]


# ---------------------------------------------------------------- per-source backoff


def test_a_source_that_keeps_failing_waits_longer_each_time(
    users: Any,
    session: Session,
    clock: Any,
    client_from: Callable[[str], TestClient],
    verifications: list[str],
) -> None:
    users.user("li.si")
    stranger = client_from("203.0.113.9")
    for _ in range(5):
        assert login(stranger, "li.si", WRONG).json()["code"] == "invalid_credentials"
    delays = []
    for _ in range(3):
        before = len(verifications)
        refused = login(stranger, "li.si", PASSWORD)  # even the right password waits
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "too_many_attempts"
        assert len(verifications) == before  # refused before any password is checked
        delay = int(refused.headers["Retry-After"])
        delays.append(delay)
        clock.now += timedelta(seconds=delay)
        assert login(stranger, "li.si", WRONG).status_code == 401
    assert delays[0] >= 1
    assert delays[1] > delays[0]
    assert delays[2] > delays[1]
    assert login(client_from("198.51.100.7"), "li.si").status_code == 200  # other sources: fine
    assert events(session, "auth.throttle")


def test_one_stranger_cannot_keep_admin_locked(
    users: Any,
    session: Session,
    clock: Any,
    client_from: Callable[[str], TestClient],
    anonymous_client: TestClient,
) -> None:
    users.user("admin", roles=("system_admin",))
    stranger = client_from("203.0.113.66")
    refused = 0
    for _ in range(40):
        response = login(stranger, "admin", WRONG)
        if response.status_code == 429:
            refused += 1
            clock.now += timedelta(seconds=int(response.headers["Retry-After"]))
        else:
            assert response.json()["code"] == "invalid_credentials"
    assert refused > 0
    admin = user_row(session, "admin")
    assert admin.locked_until is None
    assert admin.failed_attempts <= 2  # one source counts at most twice toward the lock
    assert events(session, "auth.lockout") == []
    users.sign_in("admin")  # the real administrator still signs in


def test_failures_from_several_sources_lock_the_account(
    users: Any, session: Session, client_from: Callable[[str], TestClient]
) -> None:
    users.user("li.si")
    for address in ("10.9.0.1", "10.9.0.2"):
        for _ in range(2):
            login(client_from(address), "li.si", WRONG)
    assert user_row(session, "li.si").locked_until is None  # 4 counted: not yet
    login(client_from("10.9.0.3"), "li.si", WRONG)
    assert user_row(session, "li.si").locked_until is not None
    (lockout,) = events(session, "auth.lockout")
    assert (lockout.details["attempts"], lockout.details["sources"]) == (5, 3)


# ---------------------------------------------------------------- regulated defaults


def test_regulated_defaults() -> None:
    settings = load_settings({})
    assert (settings.password_min_length, settings.password_min_classes) == (12, 3)
    assert (settings.password_history, settings.password_max_age_days) == (4, 90)
    assert (settings.idle_timeout_minutes, settings.inactive_days) == (15, 90)
    assert (settings.token_days, settings.token_max_days) == (90, 365)
    assert (settings.lockout_attempts, settings.lockout_per_source) == (5, 2)
    assert settings.insecure_cookies is False
    assert load_settings({"BRICKWORK_PASSWORD_MAX_AGE_DAYS": "0"}).password_max_age_days == 0


def test_a_password_of_eleven_characters_is_too_short(users: Any) -> None:
    client = users.client("li.si")
    body = {"current_password": PASSWORD, "new_password": "Abcdef-2026"}
    response = client.post(f"{API}/password", json=body)
    assert response.json()["code"] == "password_too_short"
    body["new_password"] = "Abcdefg-2026"
    assert client.post(f"{API}/password", json=body).status_code == 204


def test_an_old_password_must_be_changed_at_sign_in(
    users: Any, session: Session, clock: Any
) -> None:
    client = users.client("li.si")
    clock.now += timedelta(days=60)
    assert login(client, "li.si").json()["user"]["must_change_password"] is False
    clock.now += timedelta(days=31)  # the password is 91 days old; the account was used
    signed_in = login(client, "li.si")
    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["must_change_password"] is True
    client.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
    assert client.get(f"{API}/tokens").json()["code"] == "password_change_required"
    (expired,) = events(session, "user.password_expired")
    assert expired.details["max_age_days"] == 90


# ---------------------------------------------------------------- tokens, cookie, CSRF


def test_tokens_expire_by_default_within_a_maximum(users: Any, clock: Any) -> None:
    client = users.client("li.si")
    created = client.post(f"{API}/tokens", json={"name": "ci", "scopes": ["read"]})
    assert created.status_code == 201, created.text
    body = created.json()
    lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(
        body["created_at"]
    )
    assert lifetime == timedelta(days=90)
    for expiry in (None, (clock.now + timedelta(days=366)).isoformat()):
        refused = client.post(
            f"{API}/tokens", json={"name": "x", "scopes": ["read"], "expires_at": expiry}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "token_expiry_too_long"
        assert refused.json()["errors"][0]["pointer"] == "/expires_at"
    longest = (clock.now + timedelta(days=364)).isoformat()
    body = {"name": "x", "scopes": ["read"], "expires_at": longest}
    assert client.post(f"{API}/tokens", json=body).status_code == 201


def test_me_returns_the_csrf_token_of_the_session(users: Any) -> None:
    client = users.client("li.si")
    csrf = client.headers.pop("X-CSRF-Token")
    me = client.get(f"{API}/me").json()
    assert me["csrf_token"] == csrf
    response = client.post(
        f"{API}/tokens",
        json={"name": "ci", "scopes": ["read"]},
        headers={"X-CSRF-Token": me["csrf_token"]},
    )
    assert response.status_code == 201
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {response.json()['token']}"}
    assert client.get(f"{API}/me", headers=bearer).json()["csrf_token"] is None


@pytest.fixture
def strict_client(app_settings: Settings, session: Session, clock: Any) -> Iterator[TestClient]:
    """The app as deployed: no development setting for cookies."""
    app = create_app(app_settings.with_overrides(insecure_cookies=False), clock=clock)
    write_inside(app, session.connection())

    def test_unit_of_work() -> Iterator[Session]:
        yield session
        session.commit()

    app.dependency_overrides[unit_of_work] = test_unit_of_work
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.engine.dispose()


def test_the_session_cookie_is_secure_unless_configured_otherwise(
    strict_client: TestClient, users: Any, anonymous_client: TestClient
) -> None:
    users.user("li.si")
    strict = login(strict_client, "li.si")  # plain http, but nothing says "development"
    assert strict.status_code == 200
    assert "Secure" in strict.headers["set-cookie"]
    relaxed = login(anonymous_client, "li.si")  # BRICKWORK_INSECURE_COOKIES=true
    assert "Secure" not in relaxed.headers["set-cookie"]
