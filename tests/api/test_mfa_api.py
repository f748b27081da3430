"""TOTP multi-factor sign-in through the HTTP API: enrolment, sign-in with a code or a recovery
code, enrolment required for administrators and for roles that ask for it, reset by the security
administrator, and accounts disabled after long inactivity (issue 9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.jsonio import canonical_dumps
from brickwork.platform.models import AuditEvent, RecoveryCode, User, UserSession

API = "/api/v1"
PASSWORD = "Tester-pass-2026"


def login(client: TestClient, username: str, **extra: Any) -> Any:
    body = {"username": username, "password": PASSWORD, **extra}
    return client.post(f"{API}/auth/login", json=body)


def user_row(session: Session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def actions(session: Session) -> list[str]:
    return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def enrol(client: TestClient, clock: Any) -> tuple[str, list[str]]:
    """Enrol the signed-in user; returns the secret and the recovery codes."""
    started = client.post(f"{API}/auth/mfa/enrolment")
    assert started.status_code == 201, started.text
    secret: str = started.json()["secret"]
    code = pyotp.TOTP(secret).at(clock.now)
    confirmed = client.post(f"{API}/auth/mfa/enrolment/confirm", json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


def test_enrolment_then_sign_in_needs_the_code(
    users: Any, session: Session, clock: Any, anonymous_client: TestClient
) -> None:
    client = users.client("li.si")
    started = client.post(f"{API}/auth/mfa/enrolment").json()
    secret = started["secret"]
    assert started["otpauth_uri"].startswith("otpauth://totp/Brickwork:li.si?secret=" + secret)
    wrong = client.post(f"{API}/auth/mfa/enrolment/confirm", json={"code": "000000"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0] == {
        "pointer": "/code",
        "code": "mfa_code_invalid",
        "message": wrong.json()["errors"][0]["message"],
    }
    (failed,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa.enrol_confirm"))
    assert failed.result == "failure"
    code = pyotp.TOTP(secret).at(clock.now)
    confirmed = client.post(f"{API}/auth/mfa/enrolment/confirm", json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    recovery = confirmed.json()["recovery_codes"]
    assert len(set(recovery)) == 10
    assert client.get(f"{API}/auth/me").json()["user"]["mfa_enrolled"] is True
    again = client.post(f"{API}/auth/mfa/enrolment")
    assert again.json()["code"] == "mfa_already_enrolled"

    # the secret and the codes are stored only encrypted / hashed, never audited
    row = user_row(session, "li.si")
    assert row.mfa_secret is not None
    assert secret not in row.mfa_secret
    stored = [r.code_hash for r in session.scalars(select(RecoveryCode))]
    assert not set(recovery) & set(stored)
    trail = canonical_dumps([e.details for e in session.scalars(select(AuditEvent))])
    assert secret not in trail
    assert not any(code in trail for code in recovery)

    # password alone: no session, the code is asked for
    sessions_before = len(list(session.scalars(select(UserSession))))
    bare = login(anonymous_client, "li.si")
    assert (bare.status_code, bare.json()["code"]) == (401, "mfa_required")
    assert bare.json()["errors"][0]["pointer"] == "/otp"
    assert "set-cookie" not in bare.headers
    assert len(list(session.scalars(select(UserSession)))) == sessions_before

    clock.now += timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now)
    signed = login(anonymous_client, "li.si", otp=code)
    assert signed.status_code == 200, signed.text
    replay = login(anonymous_client, "li.si", otp=code)  # a code works once
    assert (replay.status_code, replay.json()["code"]) == (401, "mfa_code_invalid")
    wrong_password = anonymous_client.post(
        f"{API}/auth/login", json={"username": "li.si", "password": "Wrong-pass-2026", "otp": code}
    )
    assert wrong_password.json()["code"] == "invalid_credentials"

    by_recovery = login(anonymous_client, "li.si", recovery_code=recovery[0].lower())
    assert by_recovery.status_code == 200, by_recovery.text
    used_twice = login(anonymous_client, "li.si", recovery_code=recovery[0])
    assert used_twice.json()["code"] == "mfa_code_invalid"
    trail_actions = actions(session)
    for action in ("mfa.enrol_start", "mfa.enrol", "mfa.recovery_code_used"):
        assert action in trail_actions, action
    reasons = [
        e.details.get("reason")
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login"))
    ]
    assert reasons.count("wrong_second_factor") == 2
    assert "mfa_required" in reasons


def test_administrators_must_enrol_before_anything_else(
    users: Any, session: Session, clock: Any, anonymous_client: TestClient
) -> None:
    users.user("sec.wang", roles=("security_admin",))  # the helper enrols them
    security = users.sign_in("sec.wang")
    created = security.post(
        f"{API}/users",
        json={"username": "ops.li", "password": PASSWORD, "roles": ["system_admin"]},
    )
    assert created.status_code == 201, created.text
    user_row(session, "ops.li").must_change_password = False
    session.commit()

    signed = login(anonymous_client, "ops.li")
    assert signed.status_code == 200, signed.text
    assert signed.json()["mfa_enrolment_required"] is True
    anonymous_client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    refused = anonymous_client.get(f"{API}/apps")
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_enrolment_required")
    me = anonymous_client.get(f"{API}/auth/me").json()
    assert me["mfa_enrolment_required"] is True
    secret, _codes = enrol(anonymous_client, clock)
    assert anonymous_client.get(f"{API}/apps").status_code == 200
    anonymous_client.cookies.clear()
    assert login(anonymous_client, "ops.li").json()["code"] == "mfa_required"
    clock.now += timedelta(seconds=30)
    assert login(anonymous_client, "ops.li", otp=pyotp.TOTP(secret).at(clock.now)).is_success

    # lost device: the security administrator resets; the user enrols again
    reset = security.post(f"{API}/users/ops.li/mfa/reset")
    assert reset.status_code == 200, reset.text
    assert reset.json()["mfa_enrolled"] is False
    assert anonymous_client.get(f"{API}/auth/me").json()["code"] == "session_invalid"
    again = login(anonymous_client, "ops.li")
    assert again.json()["mfa_enrolment_required"] is True
    assert (
        session.scalars(select(RecoveryCode).join(User).where(User.username == "ops.li")).all()
        == []
    )
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "mfa.reset"))
    assert (event.actor, event.details["user"]) == ("sec.wang", "ops.li")


def test_a_business_role_can_require_a_second_factor(
    users: Any, session: Session, anonymous_client: TestClient
) -> None:
    users.user("sec.wang", roles=("security_admin",))
    security = users.sign_in("sec.wang")
    users.role("teller", [])
    users.user("li.si", roles=("teller",))
    assert login(anonymous_client, "li.si").json()["mfa_enrolment_required"] is False
    changed = security.patch(f"{API}/roles/teller", json={"require_mfa": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["require_mfa"] is True
    signed = login(anonymous_client, "li.si")
    assert signed.json()["mfa_enrolment_required"] is True
    anonymous_client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    assert anonymous_client.get(f"{API}/apps").json()["code"] == "mfa_enrolment_required"
    roles = {r["key"]: r["require_mfa"] for r in security.get(f"{API}/roles").json()}
    assert roles["system_admin"] is True
    assert roles["teller"] is True


def test_mfa_enrolment_is_refused_to_api_tokens(users: Any) -> None:
    client = users.client("li.si")
    token = client.post(f"{API}/auth/tokens", json={"name": "ci", "scopes": ["read"]}).json()
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    refused = client.post(f"{API}/auth/mfa/enrolment", headers=bearer)
    assert refused.json()["code"] == "session_required"


# ---------------------------------------------------------------- inactivity


def test_an_account_unused_for_90_days_is_disabled_at_sign_in(
    users: Any, session: Session, clock: Any, client_from: Callable[[str], TestClient]
) -> None:
    users.user("li.si")
    users.user("wang.wu")
    users.sign_in("wang.wu")
    clock.now += timedelta(days=89)
    assert login(client_from("10.2.0.1"), "wang.wu").status_code == 200  # used in time
    clock.now += timedelta(days=2)  # li.si: created 91 days ago, never used
    refused = login(client_from("10.2.0.2"), "li.si")
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_credentials")
    assert user_row(session, "li.si").status == "disabled"
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.disable_inactive")
    )
    assert (event.actor, event.details["user"]) == ("system", "li.si")
    assert login(client_from("10.2.0.3"), "wang.wu").status_code == 200


def test_api_token_use_counts_as_activity(
    users: Any, session: Session, clock: Any, client_from: Callable[[str], TestClient]
) -> None:
    client = users.client("li.si")
    token = client.post(f"{API}/auth/tokens", json={"name": "ci", "scopes": ["read"]}).json()
    clock.now += timedelta(days=80)
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert client_from("10.3.0.1").get(f"{API}/auth/me", headers=bearer).status_code == 200
    clock.now += timedelta(days=20)  # 100 days after the last sign-in, 20 after the token's use
    assert login(client_from("10.3.0.2"), "li.si").status_code == 200
    assert user_row(session, "li.si").status == "active"
