"""Identity administration through create_app(): users, departments and roles, by the security
administrator only (separation of duties, audit, the last administrators protected)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import RoleAssignment
from brickwork.platform.auth.directory import DirectoryService, creates_cycle, tree_order
from brickwork.platform.errors import Conflict, Forbidden
from brickwork.platform.models import AuditEvent, Department, Role, User, UserDepartment

SYSTEM = Actor("setup", channel="cli", system=True)
API = "/api/v1"
PROBLEM = "application/problem+json"
NEW_PASSWORD = "Welcome-bank-2026"
GRANT = {"app": "*", "actions": ["read"], "rows": "all"}


@pytest.fixture
def sec(users: Any) -> TestClient:
    """A client signed in as the security administrator ``sec.wang``."""
    return users.client("sec.wang", roles=("security_admin",))


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def pointers(body: dict[str, Any]) -> list[str]:
    return [item["pointer"] for item in body["errors"]]


def events(session: Session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(query))


def create_user(client: TestClient, username: str = "zhang.san", **extra: Any) -> Any:
    body = {"username": username, "password": NEW_PASSWORD, **extra}
    response = client.post(f"{API}/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def department(client: TestClient, key: str, parent: str | None = None, **extra: Any) -> Any:
    body = {"key": key, "name": {"zh-CN": key.upper(), "en": key}, "parent": parent, **extra}
    response = client.post(f"{API}/departments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


# ---------------------------------------------------------------- who may

ENDPOINTS = [
    ("GET", "/users", None),
    ("POST", "/users", {"username": "x.y", "password": NEW_PASSWORD}),
    ("GET", "/users/admin", None),
    ("PATCH", "/users/admin", {"display_name": "A"}),
    ("POST", "/users/admin/disable", None),
    ("POST", "/users/admin/enable", None),
    ("POST", "/users/admin/unlock", None),
    ("POST", "/users/admin/password", {"new_password": NEW_PASSWORD}),
    ("PUT", "/users/admin/roles", {"roles": ["tester"]}),
    ("PUT", "/users/admin/departments", {"departments": []}),
    ("GET", "/departments", None),
    ("POST", "/departments", {"key": "hq", "name": {"en": "HQ"}}),
    ("PATCH", "/departments/hq", {"name": {"en": "HQ"}}),
    ("DELETE", "/departments/hq", None),
    ("GET", "/roles", None),
    ("POST", "/roles", {"key": "teller", "label": {"en": "Teller"}}),
    ("GET", "/roles/tester", None),
    ("PATCH", "/roles/tester", {"description": "x"}),
    ("DELETE", "/roles/tester", None),
    ("GET", "/roles/tester/permissions", None),
    ("PUT", "/roles/tester/permissions", []),
]


def call(client: TestClient, method: str, path: str, body: Any) -> Any:
    if body is None:
        return client.request(method, API + path)
    return client.request(method, API + path, json=body)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_only_security_administrators_get_through(
    anonymous_client: TestClient,
    client: TestClient,
    users: Any,
    method: str,
    path: str,
    body: Any,
) -> None:
    problem_of(call(anonymous_client, method, path, body), 401, "not_authenticated")
    problem_of(call(client, method, path, body), 403, "admin_role_required")  # system admin
    auditor = users.client("audit.li", roles=("audit_admin",))
    problem_of(call(auditor, method, path, body), 403, "admin_role_required")
    clerk = users.client("clerk.zhou", grants=[GRANT])
    problem_of(call(clerk, method, path, body), 403, "admin_role_required")


def test_a_refused_caller_never_gets_a_body_checked(client: TestClient) -> None:
    response = client.post(f"{API}/users", json={"nonsense": True})
    problem_of(response, 403, "admin_role_required")


def test_api_tokens_need_the_identity_scope(users: Any, sec: TestClient) -> None:
    narrow = sec.post(f"{API}/auth/tokens", json={"name": "reader", "scopes": ["read"]})
    wide = sec.post(f"{API}/auth/tokens", json={"name": "directory", "scopes": ["identity"]})
    assert narrow.status_code == wide.status_code == 201, (narrow.text, wide.text)
    bearer = TestClient(users.app, raise_server_exceptions=False)
    bearer.headers["Authorization"] = f"Bearer {narrow.json()['token']}"
    problem_of(bearer.get(f"{API}/users"), 403, "token_scope_insufficient")
    problem_of(
        bearer.post(f"{API}/roles", json={"key": "teller", "label": {"en": "Teller"}}),
        403,
        "token_scope_insufficient",
    )
    bearer.headers["Authorization"] = f"Bearer {wide.json()['token']}"
    assert bearer.get(f"{API}/users").status_code == 200
    created = bearer.post(f"{API}/roles", json={"key": "teller", "label": {"en": "Teller"}})
    assert created.status_code == 201, created.text


def test_the_service_checks_too(users: Any, session: Session) -> None:
    """The CLI and other callers go through the same check; trusted internal actors pass."""
    service = DirectoryService(users.identities)
    system_admin = users.user("ops.root", roles=("system_admin",))
    as_admin = Actor(system_admin.username, roles=("system_admin",), user_id=system_admin.id)
    with pytest.raises(Forbidden) as refused:
        service.users(session, as_admin)
    assert refused.value.code == "admin_role_required"
    assert service.users(session, SYSTEM).total >= 1


# ---------------------------------------------------------------- users


def test_create_user_with_roles_and_departments(
    users: Any, sec: TestClient, session: Session, anonymous_client: TestClient
) -> None:
    users.role("teller", [GRANT])
    department(sec, "hq")
    department(sec, "branch_sh", "hq")
    created = create_user(
        sec,
        "Zhang.San",
        display_name="张三",
        email="zhang.san@example.com",
        roles=["teller"],
        departments=["hq", "branch_sh"],
        primary="branch_sh",
    )
    assert created["username"] == "zhang.san"
    assert created["display_name"] == "张三"
    assert created["must_change_password"] is True
    assert created["status"] == "active"
    assert created["roles"] == ["teller"]
    assert created["departments"] == [
        {"key": "branch_sh", "name": {"zh-CN": "BRANCH_SH", "en": "branch_sh"}, "primary": True},
        {"key": "hq", "name": {"zh-CN": "HQ", "en": "hq"}, "primary": False},
    ]
    assert "hash" not in str(created)
    assert sec.get(f"{API}/users/ZHANG.SAN").json() == created

    signed_in = anonymous_client.post(
        f"{API}/auth/login", json={"username": "zhang.san", "password": NEW_PASSWORD}
    )
    assert signed_in.json()["user"]["must_change_password"] is True

    (event,) = [e for e in events(session, "user.create") if e.details["user"] == "zhang.san"]
    assert event.actor == "sec.wang"
    assert [e.details["role"] for e in events(session, "role.grant")][-1] == "teller"
    (memberships,) = events(session, "user.departments")
    assert memberships.actor == "sec.wang"
    assert memberships.details["after"] == {
        "departments": ["branch_sh", "hq"],
        "primary": "branch_sh",
    }


@pytest.mark.parametrize(
    ("body", "status", "code", "pointer"),
    [
        ({"username": "-bad"}, 422, "username_invalid", "/username"),
        ({"username": "sec.wang"}, 409, "user_exists", "/username"),
        ({"password": "short"}, 422, "password_too_short", "/password"),
        ({"roles": ["nobody"]}, 422, "validation_failed", "/roles/0"),
        ({"roles": ["audit_admin", "security_admin"]}, 409, "admin_roles_exclusive", "/roles/1"),
        ({"departments": ["nowhere"]}, 422, "validation_failed", "/departments/0"),
        ({"primary": "hq"}, 422, "validation_failed", "/primary"),
        ({"email": "not an address"}, 422, "validation_failed", "/email"),
        ({"nickname": "x"}, 422, "validation_failed", "/nickname"),
        ({"must_change_password": False}, 422, "validation_failed", "/must_change_password"),
    ],
)
def test_create_user_refusals(
    sec: TestClient,
    session: Session,
    body: dict[str, Any],
    status: int,
    code: str,
    pointer: str,
) -> None:
    document = {"username": "li.si", "password": NEW_PASSWORD, **body}
    problem = problem_of(sec.post(f"{API}/users", json=document), status, code)
    assert pointer in pointers(problem)
    assert session.scalars(select(User).where(User.username == "li.si")).first() is None


def test_list_users_filters_and_pages(users: Any, sec: TestClient) -> None:
    users.role("teller", [GRANT])
    users.user("wang.wu", roles=("teller",), departments=("branch_sh",))
    users.user("wang.liu", departments=("branch_bj",))
    create_user(sec, "zhao.qi", display_name="Wang Qi")
    sec.post(f"{API}/users/wang.liu/disable")

    def names(**params: Any) -> list[str]:
        response = sec.get(f"{API}/users", params=params)
        assert response.status_code == 200, response.text
        return [item["username"] for item in response.json()["items"]]

    assert names(q="WANG") == ["sec.wang", "wang.liu", "wang.wu", "zhao.qi"]
    assert names(q="wang", status="disabled") == ["wang.liu"]
    assert names(role="teller") == ["wang.wu"]
    assert names(role="security_admin") == ["sec.wang"]
    assert names(department="branch_bj") == ["wang.liu"]
    assert names(q="100%_") == []
    page = sec.get(f"{API}/users", params={"q": "wang", "limit": 2, "offset": 1}).json()
    assert [item["username"] for item in page["items"]] == ["wang.liu", "wang.wu"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
    wu = next(i for i in sec.get(f"{API}/users").json()["items"] if i["username"] == "wang.wu")
    assert wu["roles"] == ["teller"]
    assert wu["departments"][0]["key"] == "branch_sh"
    problem_of(sec.get(f"{API}/users", params={"status": "gone"}), 422, "validation_failed")
    problem_of(sec.get(f"{API}/users", params={"limit": 0}), 422, "validation_failed")


def test_get_unknown_user(sec: TestClient) -> None:
    problem_of(sec.get(f"{API}/users/nobody"), 404, "user_not_found")
    problem_of(sec.post(f"{API}/users/nobody/disable"), 404, "user_not_found")


def test_update_user(sec: TestClient, session: Session) -> None:
    create_user(sec, email="old@example.com")
    response = sec.patch(f"{API}/users/zhang.san", json={"display_name": "张三丰"})
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "张三丰"
    assert response.json()["email"] == "old@example.com"  # absent: unchanged
    cleared = sec.patch(f"{API}/users/zhang.san", json={"email": None}).json()
    assert cleared["email"] is None
    assert cleared["updated_by"] == "sec.wang"
    first, second = events(session, "user.update")
    assert first.actor == "sec.wang"
    assert first.details == {
        "user": "zhang.san",
        "before": {"display_name": "zhang.san"},
        "after": {"display_name": "张三丰"},
    }
    assert second.details["after"] == {"email": None}
    assert sec.patch(f"{API}/users/zhang.san", json={}).status_code == 200
    assert len(events(session, "user.update")) == 2  # no change, no event
    problem = problem_of(
        sec.patch(f"{API}/users/zhang.san", json={"username": "x"}), 422, "validation_failed"
    )
    assert pointers(problem) == ["/username"]
    problem_of(
        sec.patch(f"{API}/users/zhang.san", json={"display_name": ""}), 422, "validation_failed"
    )


def test_disable_enable_and_unlock(
    sec: TestClient,
    session: Session,
    anonymous_client: TestClient,
    client_from: Callable[[str], TestClient],
) -> None:
    create_user(sec)
    sec.post(f"{API}/users/zhang.san/password", json={"new_password": "Second-pass-2026"})
    login = {"username": "zhang.san", "password": "Second-pass-2026"}

    disabled = sec.post(f"{API}/users/zhang.san/disable")
    assert disabled.json()["status"] == "disabled"
    # a disabled account answers like an unknown name, even to the right password
    problem_of(anonymous_client.post(f"{API}/auth/login", json=login), 401, "invalid_credentials")
    assert sec.post(f"{API}/users/zhang.san/enable").json()["status"] == "active"
    assert anonymous_client.post(f"{API}/auth/login", json=login).status_code == 200

    wrong = {**login, "password": "Wrong-pass-2026"}
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # two failures count per address
        stranger = client_from(address)
        for _attempt in range(2):
            stranger.post(f"{API}/auth/login", json=wrong)
    problem_of(anonymous_client.post(f"{API}/auth/login", json=login), 401, "invalid_credentials")
    assert session.scalars(select(User).where(User.username == "zhang.san")).one().locked_until
    unlocked = sec.post(f"{API}/users/zhang.san/unlock").json()
    assert unlocked["locked_until"] is None
    assert unlocked["failed_attempts"] == 0
    assert anonymous_client.post(f"{API}/auth/login", json=login).status_code == 200
    for action in ("user.disable", "user.enable", "user.unlock"):
        (event,) = events(session, action)
        assert event.actor == "sec.wang"
        assert event.details["user"] == "zhang.san"


def test_reset_password(sec: TestClient, users: Any, anonymous_client: TestClient) -> None:
    users.user("li.si")
    response = sec.post(f"{API}/users/li.si/password", json={"new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["must_change_password"] is True
    signed_in = anonymous_client.post(
        f"{API}/auth/login", json={"username": "li.si", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["must_change_password"] is True
    problem = problem_of(
        sec.post(f"{API}/users/li.si/password", json={"new_password": "short"}),
        422,
        "password_too_short",
    )
    assert set(pointers(problem)) == {"/new_password"}
    problem_of(
        sec.post(f"{API}/users/li.si/password", json={"password": NEW_PASSWORD}),
        422,
        "validation_failed",
    )


def test_set_roles_grants_and_revokes_the_difference(
    sec: TestClient, users: Any, session: Session
) -> None:
    users.role("teller", [GRANT])
    users.role("reviewer", [GRANT])
    users.user("li.si", roles=("teller",))
    response = sec.put(f"{API}/users/li.si/roles", json={"roles": ["reviewer", "audit_admin"]})
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["audit_admin", "reviewer"]
    (event,) = events(session, "user.roles")
    assert event.actor == "sec.wang"
    assert event.details == {
        "user": "li.si",
        "before": ["teller"],
        "after": ["audit_admin", "reviewer"],
        "granted": ["reviewer", "audit_admin"],
        "revoked": ["teller"],
    }
    assert [e.details["role"] for e in events(session, "role.revoke")] == ["teller"]

    problem = problem_of(
        sec.put(
            f"{API}/users/li.si/roles", json={"roles": ["reviewer", "audit_admin", "system_admin"]}
        ),
        409,
        "admin_roles_exclusive",
    )
    assert pointers(problem) == ["/roles/2"]
    problem = problem_of(
        sec.put(f"{API}/users/li.si/roles", json={"roles": ["teller", "ghost"]}),
        422,
        "validation_failed",
    )
    assert problem["errors"][0] == {
        "pointer": "/roles/1",
        "code": "role_not_found",
        "message": "there is no role 'ghost'",
    }
    # swapping one administrator role for another in one request is fine
    swapped = sec.put(f"{API}/users/li.si/roles", json={"roles": ["security_admin"]})
    assert swapped.json()["roles"] == ["security_admin"]
    assert sec.put(f"{API}/users/li.si/roles", json={"roles": []}).json()["roles"] == []
    problem_of(sec.put(f"{API}/users/li.si/roles", json={}), 422, "validation_failed")


def test_nobody_grants_themselves_roles(sec: TestClient, users: Any) -> None:
    users.role("teller", [GRANT])
    problem = problem_of(
        sec.put(f"{API}/users/sec.wang/roles", json={"roles": ["security_admin", "teller"]}),
        403,
        "cannot_grant_self",
    )
    assert pointers(problem) == ["/roles"]
    assert sec.get(f"{API}/users/sec.wang").json()["roles"] == ["security_admin"]


def test_a_second_admin_role_is_refused_for_a_holder(sec: TestClient, users: Any) -> None:
    users.user("li.si", roles=("audit_admin",))
    problem_of(
        sec.put(f"{API}/users/li.si/roles", json={"roles": ["audit_admin", "security_admin"]}),
        409,
        "admin_roles_exclusive",
    )


def test_security_admin_keeps_their_own_role_and_account(
    sec: TestClient, users: Any, session: Session
) -> None:
    users.role("teller", [GRANT])
    problem = problem_of(
        sec.put(f"{API}/users/sec.wang/roles", json={"roles": ["teller"]}),
        409,
        "cannot_drop_own_admin_role",
    )
    assert pointers(problem) == ["/roles"]
    problem_of(sec.post(f"{API}/users/sec.wang/disable"), 409, "cannot_disable_self")
    assert sec.get(f"{API}/users/sec.wang").json()["status"] == "active"
    # another security administrator may be stripped, since sec.wang remains
    users.user("sec.li", roles=("security_admin",))
    assert sec.put(f"{API}/users/sec.li/roles", json={"roles": []}).status_code == 200
    assert events(session, "user.disable") == []


def test_the_last_system_admin_keeps_the_role(sec: TestClient, users: Any) -> None:
    users.user("ops.root", roles=("system_admin",))
    problem_of(sec.put(f"{API}/users/ops.root/roles", json={"roles": []}), 409, "last_admin_holder")
    problem_of(sec.post(f"{API}/users/ops.root/disable"), 409, "last_admin_holder")
    users.user("ops.two", roles=("system_admin",))
    assert sec.post(f"{API}/users/ops.two/disable").status_code == 200
    problem_of(  # a disabled holder does not count
        sec.put(f"{API}/users/ops.root/roles", json={"roles": []}), 409, "last_admin_holder"
    )
    assert sec.post(f"{API}/users/ops.two/enable").status_code == 200
    assert sec.put(f"{API}/users/ops.root/roles", json={"roles": []}).status_code == 200


def test_the_last_security_admin_keeps_the_role_even_for_the_cli(
    sec: TestClient, users: Any, session: Session
) -> None:
    service = DirectoryService(users.identities)
    with pytest.raises(Conflict) as refused:
        service.set_roles(session, SYSTEM, "sec.wang", RoleAssignment(roles=[]))
    assert refused.value.code == "last_admin_holder"
    with pytest.raises(Conflict):
        service.set_active(session, SYSTEM, "sec.wang", active=False)


def test_set_departments(sec: TestClient, users: Any, session: Session) -> None:
    department(sec, "hq")
    department(sec, "branch_sh", "hq")
    users.user("li.si", departments=("hq",))
    response = sec.put(
        f"{API}/users/li.si/departments",
        json={"departments": ["hq", "branch_sh"], "primary": "branch_sh"},
    )
    assert response.status_code == 200, response.text
    assert [(d["key"], d["primary"]) for d in response.json()["departments"]] == [
        ("branch_sh", True),
        ("hq", False),
    ]
    (event,) = events(session, "user.departments")
    assert event.actor == "sec.wang"
    assert event.details == {
        "user": "li.si",
        "before": {"departments": ["hq"], "primary": "hq"},
        "after": {"departments": ["branch_sh", "hq"], "primary": "branch_sh"},
    }
    user = users.identities.user(session, "li.si")
    rows = session.scalars(select(UserDepartment).where(UserDepartment.user_id == user.id)).all()
    assert sum(row.is_primary for row in rows) == 1

    only = sec.put(f"{API}/users/li.si/departments", json={"departments": ["hq"]}).json()
    assert only["departments"] == [
        {"key": "hq", "name": {"zh-CN": "HQ", "en": "hq"}, "primary": False}
    ]
    problem = problem_of(
        sec.put(
            f"{API}/users/li.si/departments",
            json={"departments": ["hq", "nowhere"], "primary": "branch_sh"},
        ),
        422,
        "validation_failed",
    )
    assert [(i["pointer"], i["code"]) for i in problem["errors"]] == [
        ("/departments/1", "department_not_found"),
        ("/primary", "primary_not_member"),
    ]
    problem_of(
        sec.put(f"{API}/users/li.si/departments", json={"departments": ["HQ"]}),
        422,
        "validation_failed",
    )
    assert (
        sec.put(f"{API}/users/li.si/departments", json={"departments": []}).json()["departments"]
        == []
    )


# ---------------------------------------------------------------- departments


def test_department_tree(sec: TestClient, users: Any, session: Session) -> None:
    users.user("head.zhao")
    department(sec, "retail")
    department(sec, "hq")
    created = department(sec, "branch_sh", "hq", head="Head.Zhao")
    assert created == {
        "id": created["id"],
        "key": "branch_sh",
        "name": {"zh-CN": "BRANCH_SH", "en": "branch_sh"},
        "parent": "hq",
        "head": "head.zhao",
        "depth": 1,
    }
    department(sec, "team_a", "branch_sh")
    department(sec, "branch_bj", "hq")
    listed = sec.get(f"{API}/departments").json()
    assert [(d["key"], d["parent"], d["depth"]) for d in listed] == [
        ("hq", None, 0),
        ("branch_bj", "hq", 1),
        ("branch_sh", "hq", 1),
        ("team_a", "branch_sh", 2),
        ("retail", None, 0),
    ]
    (event,) = [
        e for e in events(session, "department.create") if e.details["department"] == "branch_sh"
    ]
    assert event.actor == "sec.wang"
    assert event.details["parent"] == "hq"
    assert event.details["head"] == "head.zhao"


def test_update_department(sec: TestClient, users: Any, session: Session) -> None:
    users.user("head.zhao")
    department(sec, "hq")
    department(sec, "retail")
    department(sec, "branch_sh", "hq", head="head.zhao")
    moved = sec.patch(
        f"{API}/departments/branch_sh",
        json={"parent": "retail", "name": {"en": "Shanghai"}, "head": None},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["parent"], moved.json()["head"]) == ("retail", None)
    assert moved.json()["name"] == {"en": "Shanghai"}
    (event,) = events(session, "department.update")
    assert event.actor == "sec.wang"
    assert event.details["before"] == {
        "name": {"zh-CN": "BRANCH_SH", "en": "branch_sh"},
        "parent": "hq",
        "head": "head.zhao",
    }
    assert event.details["after"] == {"name": {"en": "Shanghai"}, "parent": "retail", "head": None}
    top = sec.patch(f"{API}/departments/branch_sh", json={"parent": None}).json()
    assert (top["parent"], top["depth"]) == (None, 0)
    unchanged = sec.patch(f"{API}/departments/branch_sh", json={"name": None}).json()
    assert unchanged["name"] == {"en": "Shanghai"}
    problem_of(sec.patch(f"{API}/departments/nowhere", json={}), 404, "department_not_found")
    problem = problem_of(
        sec.patch(f"{API}/departments/hq", json={"head": "nobody"}), 422, "validation_failed"
    )
    assert problem["errors"][0]["code"] == "user_not_found"
    assert pointers(problem) == ["/head"]


@pytest.mark.parametrize("new_parent", ["hq", "branch_sh", "team_a"])
def test_department_cycles_are_refused(sec: TestClient, new_parent: str) -> None:
    department(sec, "hq")
    department(sec, "branch_sh", "hq")
    department(sec, "team_a", "branch_sh")
    problem = problem_of(
        sec.patch(f"{API}/departments/hq", json={"parent": new_parent}), 422, "department_cycle"
    )
    assert pointers(problem) == ["/parent"]
    assert sec.get(f"{API}/departments").json()[0]["key"] == "hq"


def test_create_department_refusals(sec: TestClient) -> None:
    department(sec, "hq")
    problem = problem_of(
        sec.post(f"{API}/departments", json={"key": "hq", "name": {"en": "HQ"}}),
        409,
        "department_exists",
    )
    assert pointers(problem) == ["/key"]
    problem = problem_of(
        sec.post(f"{API}/departments", json={"key": "sh", "name": {"en": "SH"}, "parent": "x"}),
        422,
        "validation_failed",
    )
    assert problem["errors"][0]["code"] == "department_not_found"
    assert pointers(problem) == ["/parent"]
    problem = problem_of(
        sec.post(f"{API}/departments", json={"key": "Bad-Key", "name": {}, "colour": "red"}),
        422,
        "validation_failed",
    )
    assert {"/key", "/name", "/colour"} <= set(pointers(problem))


def test_delete_department(sec: TestClient, users: Any, session: Session) -> None:
    department(sec, "hq")
    department(sec, "branch_sh", "hq")
    problem_of(sec.delete(f"{API}/departments/hq"), 409, "department_in_use")
    users.user("li.si", departments=("branch_sh",))
    problem_of(sec.delete(f"{API}/departments/branch_sh"), 409, "department_in_use")
    sec.put(f"{API}/users/li.si/departments", json={"departments": []})
    assert sec.delete(f"{API}/departments/branch_sh").status_code == 204
    assert sec.delete(f"{API}/departments/hq").status_code == 204
    assert sec.get(f"{API}/departments").json() == []
    assert session.scalars(select(Department)).all() == []
    assert [e.details["department"] for e in events(session, "department.delete")] == [
        "branch_sh",
        "hq",
    ]
    problem_of(sec.delete(f"{API}/departments/hq"), 404, "department_not_found")


def test_tree_helpers() -> None:
    links = [("c", "b"), ("b", "a"), ("a", None), ("d", None), ("x", "y"), ("y", "x")]
    assert tree_order(links) == [("a", 0), ("b", 1), ("c", 2), ("d", 0), ("x", 0), ("y", 0)]
    assert creates_cycle(links, "a", "c")
    assert creates_cycle(links, "a", "a")
    assert not creates_cycle(links, "c", "d")
    assert not creates_cycle(links, "d", "x")  # a stored cycle elsewhere never loops


# ---------------------------------------------------------------- roles


def test_list_and_create_roles(sec: TestClient, users: Any, session: Session) -> None:
    listed = {r["key"]: r for r in sec.get(f"{API}/roles").json()}
    assert listed["security_admin"]["builtin"] is True
    assert listed["security_admin"]["admin_kind"] == "security"
    assert listed["security_admin"]["holders"] == 1
    assert listed["system_admin"]["holders"] == 0

    body = {"key": "teller", "label": {"zh-CN": "柜员", "en": "Teller"}, "description": "Front"}
    created = sec.post(f"{API}/roles", json=body)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "id": created.json()["id"],
        "key": "teller",
        "label": {"zh-CN": "柜员", "en": "Teller"},
        "description": "Front",
        "builtin": False,
        "admin_kind": None,
        "require_mfa": False,
        "holders": 0,
        "grants": [],
    }
    (event,) = events(session, "role.create")
    assert event.actor == "sec.wang"
    assert event.details["role"] == "teller"
    problem = problem_of(sec.post(f"{API}/roles", json=body), 409, "role_exists")
    assert pointers(problem) == ["/key"]
    problem = problem_of(
        sec.post(f"{API}/roles", json={**body, "key": "boss", "admin_kind": "system"}),
        422,
        "validation_failed",
    )
    assert pointers(problem) == ["/admin_kind"]
    problem_of(
        sec.post(f"{API}/roles", json={"key": "security_admin", "label": {"en": "x"}}),
        409,
        "role_exists",
    )
    problem_of(sec.get(f"{API}/roles/ghost"), 404, "role_not_found")
    users.user("li.si", roles=("teller",))
    assert sec.get(f"{API}/roles/teller").json()["holders"] == 1


def test_update_and_delete_roles(sec: TestClient, users: Any, session: Session) -> None:
    users.role("teller", [GRANT])
    updated = sec.patch(f"{API}/roles/teller", json={"label": {"en": "Bank teller"}})
    assert updated.status_code == 200, updated.text
    assert updated.json()["label"] == {"en": "Bank teller"}
    assert updated.json()["grants"] == [GRANT]
    (event,) = events(session, "role.update")
    assert event.details == {
        "role": "teller",
        "before": {"label": {"en": "teller"}},
        "after": {"label": {"en": "Bank teller"}},
    }
    for key in ("security_admin", "system_admin"):
        problem_of(sec.patch(f"{API}/roles/{key}", json={"description": "x"}), 422, "role_builtin")
        problem_of(sec.delete(f"{API}/roles/{key}"), 422, "role_builtin")

    users.user("li.si", roles=("teller",))
    problem_of(sec.delete(f"{API}/roles/teller"), 409, "role_in_use")
    sec.put(f"{API}/users/li.si/roles", json={"roles": []})
    assert sec.delete(f"{API}/roles/teller").status_code == 204
    problem_of(sec.get(f"{API}/roles/teller"), 404, "role_not_found")
    assert session.scalars(select(Role).where(Role.key == "teller")).first() is None
    (deleted,) = events(session, "role.delete")
    assert deleted.actor == "sec.wang"
    assert deleted.details["grants"] == [GRANT]


def test_role_grants(sec: TestClient, session: Session) -> None:
    sec.post(f"{API}/roles", json={"key": "teller", "label": {"en": "Teller"}})
    grants = [{"app": "*", "actions": ["read", "update"], "rows": {"read": "all", "update": "own"}}]
    stored = sec.put(f"{API}/roles/teller/permissions", json=grants)
    assert stored.status_code == 200, stored.text
    assert stored.json() == grants
    assert sec.get(f"{API}/roles/teller/permissions").json() == grants
    assert sec.get(f"{API}/roles/teller").json()["grants"] == grants
    (event,) = events(session, "role.permissions")
    assert event.actor == "sec.wang"
    assert event.details["after"] == grants

    problem = problem_of(
        sec.put(f"{API}/roles/teller/permissions", json=[{"app": "*", "actions": ["update"]}]),
        422,
        "grants_invalid",
    )
    assert problem["errors"]
    assert all(p.startswith("/0") for p in pointers(problem))
    problem = problem_of(
        sec.put(f"{API}/roles/teller/permissions", json=[GRANT, {"app": "onboarding"}]),
        422,
        "grants_invalid",
    )
    assert set(pointers(problem)) == {"/1/actions"}
    problem = problem_of(
        sec.put(f"{API}/roles/teller/permissions", json=[GRANT, {**GRANT, "app": "onboarding"}]),
        422,
        "grants_invalid",
    )
    assert pointers(problem) == ["/1/app"]  # checked against the stored apps
    problem = problem_of(
        sec.put(f"{API}/roles/teller/permissions", json={"app": "*"}), 422, "grants_invalid"
    )
    assert sec.get(f"{API}/roles/teller/permissions").json() == grants  # nothing saved
    problem_of(sec.put(f"{API}/roles/security_admin/permissions", json=[]), 422, "role_builtin")
    problem_of(sec.put(f"{API}/roles/ghost/permissions", json=[]), 404, "role_not_found")


def test_a_chinese_administrator_reads_what_is_wrong_with_grants_in_chinese(
    sec: TestClient,
) -> None:
    sec.post(f"{API}/roles", json={"key": "teller", "label": {"en": "Teller"}})
    body = [
        {**GRANT, "app": "onboarding"},
        {"app": "*", "actions": ["read"], "rows": {"expression": "branch = = 1"}},
        {"app": "*"},
    ]
    said = {
        language: problem_of(
            sec.put(
                f"{API}/roles/teller/permissions",
                json=body,
                headers={"Accept-Language": language},
            ),
            422,
            "grants_invalid",
        )
        for language in ("zh-CN", "en")
    }
    zh = [(e["pointer"], e["message"]) for e in said["zh-CN"]["errors"]]
    en = [(e["pointer"], e["message"]) for e in said["en"]["errors"]]
    assert (
        [p for p, _ in zh] == [p for p, _ in en] == ["/0/app", "/1/rows/expression", "/2/actions"]
    )
    assert zh[0][1] == "不存在应用 'onboarding'"
    assert en[0][1] == "there is no app 'onboarding'"
    assert zh[1][1] == (
        "第 1 行第 10 列：比较不能连写：`=` 紧跟在另一个比较之后"
        "（请用 `and` 连接两个比较，例如 `0 < x and x < 10`，或改用 `between`）"
    )
    assert en[1][1].startswith("line 1, column 10: ")
    assert zh[2][1] == "缺少必填项"
    assert said["zh-CN"]["detail"] == "授权有 3 处问题：未保存任何内容"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/users/sec.wang", {"display_name": "W", "status": "disabled"}),
        ("PUT", "/users/sec.wang/roles", {"roles": ["security_admin"], "extra": 1}),
        ("PUT", "/users/sec.wang/departments", {"departments": [], "primary_key": None}),
        ("POST", "/users/sec.wang/password", {"new_password": NEW_PASSWORD, "notify": True}),
        ("POST", "/departments", {"key": "hq", "name": {"en": "HQ", "fr": "QG"}}),
        ("PATCH", "/roles/security_admin", {"permissions": []}),
        ("POST", "/roles", {"key": "x", "label": {"en": "X"}, "builtin": True}),
    ],
)
def test_unknown_properties_are_refused(
    sec: TestClient, method: str, path: str, body: dict[str, Any]
) -> None:
    problem = problem_of(call(sec, method, path, body), 422, "validation_failed")
    assert any(item["code"] == "unknown_property" for item in problem["errors"])


def test_no_password_hash_ever_leaves(sec: TestClient, users: Any) -> None:
    created = create_user(sec)
    user = users.identities.user(users.session, "zhang.san")
    for response in (
        sec.get(f"{API}/users"),
        sec.get(f"{API}/users/zhang.san"),
        sec.post(f"{API}/users/zhang.san/password", json={"new_password": "Second-pass-2026"}),
    ):
        assert user.password_hash not in response.text
        assert "password_hash" not in response.text
    assert "password" not in created
    assert NEW_PASSWORD not in str(created)
