"""Sign-in, sessions, own password and API tokens through create_app() (DESIGN §8, issue 5)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from brickwork.app import create_app
from brickwork.jsonio import canonical_dumps
from brickwork.platform.api.deps import unit_of_work
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.models import ApiToken, AuditEvent, PasswordHistory, User, UserSession
from brickwork.settings import Settings
from conftest import write_inside

API = "/api/v1/auth"
PROBLEM = "application/problem+json"
PASSWORD = "Initial-pass-2026"
SETUP = Actor("setup", channel="cli")


@contextmanager
def app_client(
    settings: Settings, session: Session, clock: Any, base_url: str = "http://testserver"
) -> Iterator[TestClient]:
    """The whole app with cheap argon2 parameters, writing in the test's transaction."""
    app = create_app(settings.with_overrides(argon2_profile="test"), clock=clock)
    write_inside(app, session.connection())

    def test_unit_of_work() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[unit_of_work] = test_unit_of_work
    with TestClient(app, base_url=base_url, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture
def auth_client(
    app_settings: Settings, db_engine: Engine, session: Session, clock: Any
) -> Iterator[TestClient]:
    with app_client(app_settings, session, clock) as client:
        yield client


def service_of(client: TestClient) -> IdentityService:
    service: IdentityService = client.app.state.identities  # type: ignore[attr-defined]
    return service


def make_user(
    client: TestClient,
    session: Session,
    username: str = "li.si",
    *,
    password: str = PASSWORD,
    must_change: bool = False,
) -> User:
    user = service_of(client).create_user(
        session, SETUP, username=username, password=password, must_change_password=must_change
    )
    session.commit()
    return user


def login(client: TestClient, username: str = "li.si", password: str = PASSWORD) -> Any:
    return client.post(f"{API}/login", json={"username": username, "password": password})


def signed_in(client: TestClient, session: Session, **options: Any) -> str:
    """Create a user, sign in, return the CSRF token (the cookie stays in the client)."""
    make_user(client, session, **options)
    response = login(client)
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


# ---------------------------------------------------------------- sign-in


def test_login_sets_a_hardened_cookie_and_stores_only_digests(
    auth_client: TestClient, session: Session, clock: Any
) -> None:
    make_user(auth_client, session)
    response = login(auth_client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["username"] == "li.si"
    assert body["user"]["must_change_password"] is False
    assert "password_hash" not in response.text
    assert PASSWORD not in response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("brickwork_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in the test client
    token = auth_client.cookies["brickwork_session"]
    row = session.scalars(select(UserSession)).one()
    assert row.id == hashlib.sha256(token.encode()).hexdigest()
    assert row.csrf_hash == hashlib.sha256(body["csrf_token"].encode()).hexdigest()
    assert row.expires_at - row.created_at == timedelta(hours=12)
    assert body["expires_at"] == row.expires_at.isoformat()


def test_cookie_is_secure_over_https(
    app_settings: Settings, db_engine: Engine, session: Session, clock: Any
) -> None:
    with app_client(app_settings, session, clock, "https://testserver") as client:
        make_user(client, session)
        response = login(client)
        assert response.status_code == 200, response.text
        assert "Secure" in response.headers["set-cookie"]


def test_unknown_user_and_wrong_password_answer_alike(
    auth_client: TestClient, session: Session
) -> None:
    make_user(auth_client, session)
    unknown = problem_of(login(auth_client, "nobody", PASSWORD), 401, "invalid_credentials")
    wrong = problem_of(login(auth_client, "li.si", "Wrong-pass-2026"), 401, "invalid_credentials")
    odd = problem_of(login(auth_client, "名字 with spaces", "x"), 401, "invalid_credentials")
    assert unknown == wrong == odd


def test_missing_credentials_are_refused(auth_client: TestClient) -> None:
    problem_of(auth_client.get(f"{API}/me"), 401, "not_authenticated")
    problem_of(
        auth_client.get(f"{API}/me", headers={"Authorization": "Basic abc"}), 401, "token_invalid"
    )


def test_lockout_refuses_even_the_right_password_until_it_expires(
    auth_client: TestClient,
    session: Session,
    clock: Any,
    client_from: Callable[[str], TestClient],
) -> None:
    make_user(auth_client, session)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # at most two count per address
        stranger = client_from(address)
        for _ in range(2):
            problem_of(login(stranger, password="Wrong-pass-2026"), 401, "invalid_credentials")
    user = session.scalars(select(User).where(User.username == "li.si")).one()
    assert user.locked_until is not None
    # the lock answers like a wrong password (no account is revealed), even to the right one
    problem_of(login(auth_client), 401, "invalid_credentials")
    clock.now += timedelta(minutes=29)
    problem_of(login(auth_client), 401, "invalid_credentials")
    clock.now += timedelta(minutes=1)
    assert login(auth_client).status_code == 200
    session.refresh(user)
    assert (user.failed_attempts, user.locked_until) == (0, None)
    (lockout,) = events(session, "auth.lockout")
    assert lockout.details["sources"] == 3
    reasons = [e.details.get("reason") for e in events(session, "auth.login")]
    assert reasons.count("locked") == 3  # the last stranger and the owner, twice


def test_success_resets_the_failure_count(auth_client: TestClient, session: Session) -> None:
    make_user(auth_client, session)
    for _ in range(4):
        problem_of(login(auth_client, password="Wrong-pass-2026"), 401, "invalid_credentials")
    assert login(auth_client).status_code == 200
    for _ in range(4):
        problem_of(login(auth_client, password="Wrong-pass-2026"), 401, "invalid_credentials")
    assert login(auth_client).status_code == 200


def test_disabled_account_answers_like_an_unknown_name(
    auth_client: TestClient, session: Session
) -> None:
    make_user(auth_client, session)
    service_of(auth_client).set_active(session, SETUP, "li.si", active=False)
    wrong = problem_of(login(auth_client, password="Wrong-pass-2026"), 401, "invalid_credentials")
    right = problem_of(login(auth_client), 401, "invalid_credentials")
    unknown = problem_of(login(auth_client, "nobody"), 401, "invalid_credentials")
    assert wrong == right == unknown
    reasons = [e.details.get("reason") for e in events(session, "auth.login")]
    assert reasons == ["wrong_password", "disabled", "unknown_user"]


# ---------------------------------------------------------------- sessions


def test_idle_timeout_ends_the_session(
    auth_client: TestClient, session: Session, clock: Any
) -> None:
    signed_in(auth_client, session)
    clock.now += timedelta(minutes=14)
    assert auth_client.get(f"{API}/me").status_code == 200
    clock.now += timedelta(minutes=14)  # activity moved the idle window
    assert auth_client.get(f"{API}/me").status_code == 200
    clock.now += timedelta(minutes=15)  # the regulated default: 15 idle minutes
    problem_of(auth_client.get(f"{API}/me"), 401, "session_expired")


def test_session_activity_is_written_at_most_once_a_minute(
    auth_client: TestClient, session: Session, clock: Any
) -> None:
    signed_in(auth_client, session)
    row = session.scalars(select(UserSession)).one()
    signed_at = row.last_seen_at
    for _ in range(5):  # the clock moves a few seconds per request: within the minute
        assert auth_client.get(f"{API}/me").status_code == 200
    session.refresh(row)
    assert row.last_seen_at == signed_at
    clock.now += timedelta(minutes=1)
    assert auth_client.get(f"{API}/me").status_code == 200
    session.refresh(row)
    assert row.last_seen_at > signed_at + timedelta(minutes=1)


def test_idle_timeout_counts_from_the_last_written_activity(
    auth_client: TestClient, session: Session, clock: Any
) -> None:
    """Activity within a minute is not written: the session expires up to a minute early after
    its last request, never later than the idle timeout."""
    signed_in(auth_client, session)
    clock.now += timedelta(seconds=40)
    assert auth_client.get(f"{API}/me").status_code == 200  # seen, not written
    clock.now += timedelta(minutes=29, seconds=30)
    problem_of(auth_client.get(f"{API}/me"), 401, "session_expired")


def test_absolute_lifetime_ends_an_active_session(
    auth_client: TestClient, session: Session, clock: Any
) -> None:
    signed_in(auth_client, session)
    for _ in range(51):  # 51 x 14 min = 11 h 54 min, always active
        clock.now += timedelta(minutes=14)
        assert auth_client.get(f"{API}/me").status_code == 200
    clock.now += timedelta(minutes=14)
    problem_of(auth_client.get(f"{API}/me"), 401, "session_expired")


def test_logout_invalidates_the_session_on_the_server(
    auth_client: TestClient, session: Session
) -> None:
    csrf = signed_in(auth_client, session)
    token = auth_client.cookies["brickwork_session"]
    problem_of(auth_client.post(f"{API}/logout"), 403, "csrf_failed")
    response = auth_client.post(f"{API}/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert 'brickwork_session=""' in response.headers["set-cookie"]
    auth_client.cookies.set("brickwork_session", token)  # a stolen copy of the cookie
    problem_of(auth_client.get(f"{API}/me"), 401, "session_invalid")
    assert session.scalars(select(UserSession)).one().revoked_at is not None


def test_csrf_token_is_required_for_unsafe_cookie_requests(
    auth_client: TestClient, session: Session
) -> None:
    csrf = signed_in(auth_client, session)
    body = {"name": "ci", "scopes": ["read"]}
    problem_of(auth_client.post(f"{API}/tokens", json=body), 403, "csrf_failed")
    problem_of(
        auth_client.post(f"{API}/tokens", json=body, headers={"X-CSRF-Token": "x" * 43}),
        403,
        "csrf_failed",
    )
    assert auth_client.get(f"{API}/tokens").status_code == 200  # safe methods need none
    created = auth_client.post(f"{API}/tokens", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text


# ---------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    ("new_password", "code"),
    [
        ("Ab1-short", "password_too_short"),
        ("alllowercaseletters", "password_classes"),
        ("ALLUPPER-LETTERS", "password_classes"),
        ("Xx-LI.SI-2026", "password_contains_username"),
        (PASSWORD, "password_reused"),
    ],
)
def test_password_policy_rejections(
    auth_client: TestClient, session: Session, new_password: str, code: str
) -> None:
    csrf = signed_in(auth_client, session)
    response = auth_client.post(
        f"{API}/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers={"X-CSRF-Token": csrf},
    )
    body = problem_of(response, 422, code)
    assert body["errors"][0]["pointer"] == "/new_password"
    assert new_password not in response.text


def test_password_history_of_four(auth_client: TestClient, session: Session) -> None:
    csrf = signed_in(auth_client, session)
    headers = {"X-CSRF-Token": csrf}
    passwords = [PASSWORD, *(f"Next-pass-{n}-2026" for n in range(1, 6))]

    def change(old: str, new: str) -> Any:
        body = {"current_password": old, "new_password": new}
        return auth_client.post(f"{API}/password", json=body, headers=headers)

    for old, new in itertools.pairwise(passwords[:4]):
        assert change(old, new).status_code == 204
    # current = passwords[3]; the last four are passwords[0..3]
    problem_of(change(passwords[3], passwords[0]), 422, "password_reused")
    assert change(passwords[3], passwords[4]).status_code == 204
    assert change(passwords[4], passwords[0]).status_code == 204  # five back: allowed again
    user = session.scalars(select(User).where(User.username == "li.si")).one()
    stored = session.scalars(select(PasswordHistory).where(PasswordHistory.user_id == user.id))
    assert len(list(stored)) == 4


def test_wrong_current_password_is_refused(auth_client: TestClient, session: Session) -> None:
    csrf = signed_in(auth_client, session)
    response = auth_client.post(
        f"{API}/password",
        json={"current_password": "Not-mine-2026", "new_password": "Brand-new-2026"},
        headers={"X-CSRF-Token": csrf},
    )
    problem_of(response, 403, "current_password_wrong")


def test_first_login_must_change_password(auth_client: TestClient, session: Session) -> None:
    csrf = signed_in(auth_client, session, must_change=True)
    headers = {"X-CSRF-Token": csrf}
    me = auth_client.get(f"{API}/me").json()
    assert me["user"]["must_change_password"] is True
    problem_of(auth_client.get(f"{API}/tokens"), 403, "password_change_required")
    body = {"current_password": PASSWORD, "new_password": "My-own-pass-2026"}
    assert auth_client.post(f"{API}/password", json=body, headers=headers).status_code == 204
    assert auth_client.get(f"{API}/me").json()["user"]["must_change_password"] is False
    assert auth_client.get(f"{API}/tokens").status_code == 200  # this session stays valid


def test_password_change_ends_other_sessions(auth_client: TestClient, session: Session) -> None:
    csrf = signed_in(auth_client, session)
    other = login(auth_client)
    other_cookie = auth_client.cookies["brickwork_session"]
    other_csrf = other.json()["csrf_token"]
    body = {"current_password": PASSWORD, "new_password": "Brand-new-2026"}
    response = auth_client.post(f"{API}/password", json=body, headers={"X-CSRF-Token": other_csrf})
    assert response.status_code == 204
    assert auth_client.get(f"{API}/me").status_code == 200
    assert csrf != other_csrf
    assert other_cookie == auth_client.cookies["brickwork_session"]
    revoked = [row for row in session.scalars(select(UserSession)) if row.revoked_at]
    assert len(revoked) == 1


# ---------------------------------------------------------------- API tokens


def test_api_token_is_shown_once_and_stored_hashed(
    auth_client: TestClient, session: Session
) -> None:
    csrf = signed_in(auth_client, session)
    response = auth_client.post(
        f"{API}/tokens",
        json={"name": "nightly export", "scopes": ["read:onboarding.customer", "export"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["token"]
    assert secret.startswith("bwk_")
    assert created["prefix"] == secret[:8]
    assert created["scopes"] == ["read:onboarding.customer", "export"]
    row = session.scalars(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    listed = auth_client.get(f"{API}/tokens")
    assert secret not in listed.text
    assert "token_hash" not in listed.text
    assert [t["id"] for t in listed.json()] == [created["id"]]
    assert "token" not in listed.json()[0]

    auth_client.cookies.clear()
    bearer = {"Authorization": f"Bearer {secret}"}
    me = auth_client.get(f"{API}/me", headers=bearer).json()
    assert me["authenticated_by"] == "token"
    assert me["scopes"] == ["read:onboarding.customer", "export"]
    assert session.get(ApiToken, created["id"]) is not None
    assert row.last_used_at is not None
    problem_of(
        auth_client.post(f"{API}/tokens", json={"name": "more", "scopes": ["all"]}, headers=bearer),
        403,
        "session_required",
    )


def test_revoked_and_expired_tokens_are_refused(
    auth_client: TestClient, session: Session, clock: Any
) -> None:
    csrf = signed_in(auth_client, session)
    headers = {"X-CSRF-Token": csrf}
    expiry = (clock.now + timedelta(hours=1)).isoformat()
    short = auth_client.post(
        f"{API}/tokens",
        json={"name": "short", "scopes": ["all"], "expires_at": expiry},
        headers=headers,
    ).json()
    kept = auth_client.post(
        f"{API}/tokens", json={"name": "kept", "scopes": ["all"]}, headers=headers
    ).json()
    revoke = auth_client.delete(f"{API}/tokens/{kept['id']}", headers=headers)
    assert revoke.status_code == 204
    bearer = {"Authorization": f"Bearer {kept['token']}"}
    problem_of(auth_client.get(f"{API}/me", headers=bearer), 401, "token_invalid")
    problem_of(auth_client.delete(f"{API}/tokens/nope", headers=headers), 404, "token_not_found")

    past = (clock.now - timedelta(minutes=1)).isoformat()
    body = {"name": "p", "scopes": ["all"], "expires_at": past}
    problem_of(
        auth_client.post(f"{API}/tokens", json=body, headers=headers),
        422,
        "token_expiry_invalid",
    )
    bearer = {"Authorization": f"Bearer {short['token']}"}
    assert auth_client.get(f"{API}/me", headers=bearer).status_code == 200
    clock.now += timedelta(hours=1)
    problem_of(auth_client.get(f"{API}/me", headers=bearer), 401, "token_expired")
    bogus = {"Authorization": "Bearer bwk_not-a-real-token"}
    problem_of(auth_client.get(f"{API}/me", headers=bogus), 401, "token_invalid")


def test_tokens_of_other_users_cannot_be_revoked(auth_client: TestClient, session: Session) -> None:
    other = make_user(auth_client, session, "wang.wu")
    issued = service_of(auth_client).tokens.create(
        session, SETUP, other, name="theirs", scopes=["read"]
    )
    session.commit()
    csrf = signed_in(auth_client, session)
    response = auth_client.delete(f"{API}/tokens/{issued.row.id}", headers={"X-CSRF-Token": csrf})
    problem_of(response, 404, "token_not_found")


# ---------------------------------------------------------------- audit


def test_security_events_are_audited_without_secrets(
    auth_client: TestClient, session: Session
) -> None:
    make_user(auth_client, session)
    problem_of(login(auth_client, "nobody", "Guess-pass-2026"), 401, "invalid_credentials")
    problem_of(login(auth_client, password="Wrong-pass-2026"), 401, "invalid_credentials")
    response = login(auth_client)
    csrf = response.json()["csrf_token"]
    cookie = auth_client.cookies["brickwork_session"]
    headers = {"X-CSRF-Token": csrf}
    wanted = {"name": "ci", "scopes": ["read"]}
    token = auth_client.post(f"{API}/tokens", json=wanted, headers=headers).json()
    auth_client.delete(f"{API}/tokens/{token['id']}", headers=headers)
    body = {"current_password": PASSWORD, "new_password": "Brand-new-2026"}
    assert auth_client.post(f"{API}/password", json=body, headers=headers).status_code == 204
    assert auth_client.post(f"{API}/logout", headers=headers).status_code == 204

    logins = events(session, "auth.login")
    assert [(e.actor, e.result, e.details.get("reason")) for e in logins] == [
        ("nobody", "failure", "unknown_user"),
        ("li.si", "failure", "wrong_password"),
        ("li.si", "success", None),
    ]
    assert all(e.ip == "testclient" and e.details["ip"] == "testclient" for e in logins)
    for action in ("token.create", "token.revoke", "user.password_change", "auth.logout"):
        assert [e.actor for e in events(session, action)] == ["li.si"], action
    trail = canonical_dumps(
        [[e.details, e.actor, e.object_id] for e in session.scalars(select(AuditEvent))]
    )
    for secret in (PASSWORD, "Wrong-pass-2026", "Guess-pass-2026", "Brand-new-2026", csrf, cookie):
        assert secret not in trail
    assert token["token"] not in trail
