"""IdentityService on a real database: roles and their separation of duties, account states,
administrator actions, configurable rules and rehashing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.identity import IdentityConfig
from brickwork.platform.auth.passwords import PasswordPolicy
from brickwork.platform.auth.roles import (
    ADMIN_ROLE_KEYS,
    AUDIT_ADMIN,
    SECURITY_ADMIN,
    SYSTEM_ADMIN,
    ensure_builtin_roles,
)
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.errors import Conflict, Forbidden, NotFound, Unauthorized
from brickwork.platform.models import AuditEvent, Role

ADMIN = Actor("security.officer", channel="cli")
PASSWORD = "Initial-pass-2026"


@pytest.fixture
def service(clock: Any) -> IdentityService:
    return IdentityService(clock=clock, config=IdentityConfig(argon2_profile="test"))


def sign_in(service: IdentityService, session: Session, password: str = PASSWORD) -> Any:
    return service.login(session, "li.si", password, ip="10.0.0.9", user_agent="pytest")


def test_builtin_admin_roles_exist_and_ensure_is_idempotent(session: Session) -> None:
    assert ensure_builtin_roles(session) == 0  # the migration created them
    roles = session.scalars(select(Role).where(Role.builtin.is_(True)).order_by(Role.key))
    assert [(r.key, r.admin_kind) for r in roles] == [
        ("audit_admin", "audit"),
        ("security_admin", "security"),
        ("system_admin", "system"),
    ]
    assert set(ADMIN_ROLE_KEYS) == {SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN}


def test_admin_roles_are_mutually_exclusive(service: IdentityService, session: Session) -> None:
    user = service.create_user(session, ADMIN, username="li.si", password=PASSWORD)
    assert service.roles.grant(session, ADMIN, user, SYSTEM_ADMIN) is True
    assert service.roles.grant(session, ADMIN, user, SYSTEM_ADMIN) is False  # already held
    for other in (SECURITY_ADMIN, AUDIT_ADMIN):
        with pytest.raises(Conflict) as refused:
            service.roles.grant(session, ADMIN, user, other)
        assert refused.value.code == "admin_roles_exclusive"
    assert service.roles.keys_of(session, user) == (SYSTEM_ADMIN,)
    assert service.roles.revoke(session, ADMIN, user, SYSTEM_ADMIN) is True
    assert service.roles.grant(session, ADMIN, user, AUDIT_ADMIN) is True
    with pytest.raises(NotFound) as unknown:
        service.roles.grant(session, ADMIN, user, "no_such_role")
    assert unknown.value.code == "role_not_found"
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["role.grant", "role.revoke", "role.grant"]


def test_create_admin_refuses_a_second_admin_role_for_the_same_name(
    service: IdentityService, session: Session
) -> None:
    service.create_admin(session, ADMIN, username="root", password=PASSWORD)
    assert [u.username for u in service.system_admins(session)] == ["root"]
    with pytest.raises(Conflict) as taken:
        service.create_admin(session, ADMIN, username="ROOT", password=PASSWORD, role=AUDIT_ADMIN)
    assert taken.value.code == "user_exists"


def test_disabling_ends_sessions_and_enabling_allows_sign_in(
    service: IdentityService, session: Session
) -> None:
    service.create_user(session, ADMIN, username="li.si", password=PASSWORD)
    sign_in_ = sign_in(service, session).sign_in
    service.set_active(session, ADMIN, "li.si", active=False)
    with pytest.raises(Unauthorized) as ended:
        service.authenticate_session(
            session, sign_in_.session_token, csrf_token=None, require_csrf=False
        )
    assert ended.value.code == "session_invalid"
    refusal = sign_in(service, session).refusal
    assert isinstance(refusal, Forbidden)
    assert refusal.code == "account_disabled"
    service.set_active(session, ADMIN, "li.si", active=True)
    assert sign_in(service, session).sign_in is not None


def test_admin_unlock_and_reset(service: IdentityService, session: Session) -> None:
    service.create_user(session, ADMIN, username="li.si", password=PASSWORD)
    first = sign_in(service, session).sign_in
    for _ in range(5):
        assert sign_in(service, session, "Wrong-pass-2026").refusal is not None
    locked = sign_in(service, session).refusal
    assert locked is not None
    assert locked.code == "account_locked"
    service.unlock(session, ADMIN, "li.si")
    assert sign_in(service, session).sign_in is not None

    user = service.reset_password(session, ADMIN, "li.si", "Temporary-pass-2026")
    assert user.must_change_password is True
    with pytest.raises(Unauthorized):
        service.authenticate_session(
            session, first.session_token, csrf_token=None, require_csrf=False
        )
    assert sign_in(service, session).refusal is not None  # the old password is gone
    again = sign_in(service, session, "Temporary-pass-2026").sign_in
    assert again is not None
    assert again.user.must_change_password is True


def test_lockout_rules_come_from_the_configuration(clock: Any, session: Session) -> None:
    config = IdentityConfig(
        policy=PasswordPolicy(min_length=12, min_classes=2, history=1),
        lockout_attempts=2,
        lockout=timedelta(minutes=5),
        idle_timeout=timedelta(minutes=1),
        argon2_profile="test",
    )
    service = IdentityService(clock=clock, config=config)
    service.create_user(session, ADMIN, username="li.si", password="longer-password1")
    for _ in range(2):
        assert sign_in(service, session, "nope").refusal is not None
    refusal = sign_in(service, session, "longer-password1").refusal
    assert refusal is not None
    assert refusal.code == "account_locked"
    clock.now += timedelta(minutes=5)
    signed = sign_in(service, session, "longer-password1").sign_in
    assert signed is not None
    clock.now += timedelta(minutes=1)
    with pytest.raises(Unauthorized) as idle:
        service.authenticate_session(
            session, signed.session_token, csrf_token=None, require_csrf=False
        )
    assert idle.value.code == "session_expired"


def test_hashes_are_upgraded_at_sign_in_when_the_cost_changes(clock: Any, session: Session) -> None:
    cheap = IdentityService(clock=clock, config=IdentityConfig(argon2_profile="test"))
    user = cheap.create_user(session, ADMIN, username="li.si", password=PASSWORD)
    assert "m=8,t=1,p=1" in user.password_hash
    standard = IdentityService(clock=clock)  # production cost
    assert standard.login(session, "li.si", PASSWORD, ip=None, user_agent=None).sign_in
    assert user.password_hash.startswith("$argon2id$")
    assert "m=65536,t=3,p=4" in user.password_hash


def test_login_failure_audit_names_the_source_ip(
    service: IdentityService, session: Session
) -> None:
    service.create_user(session, ADMIN, username="li.si", password=PASSWORD)
    for _ in range(5):
        sign_in(service, session, "Wrong-pass-2026")
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    failures = [e for e in events if e.action == "auth.login"]
    assert len(failures) == 5
    assert {(e.ip, e.result) for e in failures} == {("10.0.0.9", "failure")}
    (lockout,) = [e for e in events if e.action == "auth.lockout"]
    assert lockout.details["attempts"] == 5
    assert "locked_until" in lockout.details
