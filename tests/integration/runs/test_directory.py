"""The flow directory over the users, roles and departments tables: role holders (optionally in
a department), department heads up the tree (the manager chain), active users only, and the
administrator fallback."""

from __future__ import annotations

from sqlalchemy.orm import Session

from brickwork.platform.runs.directory import SqlDirectory
from conftest import Users


def test_roles_departments_and_heads(users: Users, session: Session) -> None:
    users.department("hq")
    users.department("north", parent="hq")
    users.role("risk_officer", [])
    users.user("president", departments=("hq",))
    branch_head = users.user("north_head", departments=("north",))
    users.user("rm", departments=("north", "hq"))
    users.user("risk1", roles=("risk_officer",), departments=("hq",))
    users.user("risk2", roles=("risk_officer",), departments=("north",))
    gone = users.user("risk3", roles=("risk_officer",), departments=("hq",))
    gone.status = "disabled"
    users.department("hq").head_user_id = users.identities.repo.user_by_username(
        session, "president"
    ).id
    users.department("north").head_user_id = branch_head.id
    session.commit()

    directory = SqlDirectory(session)
    assert list(directory.users_with_role("risk_officer", None)) == ["risk1", "risk2"]
    assert list(directory.users_with_role("risk_officer", "hq")) == ["risk1"]
    assert list(directory.users_with_role("nobody", None)) == []
    assert directory.department_of("rm") == "north"  # the primary one
    assert directory.department_of("admin_unknown") is None
    assert directory.department_head("north") == "north_head"
    assert directory.parent_department("north") == "hq"
    assert directory.parent_department("hq") is None
    assert directory.department_head("hq") == "president"
    assert directory.is_active("risk1")
    assert not directory.is_active("risk3")
    assert not directory.is_active("nobody")


def test_a_disabled_head_is_no_head(users: Users, session: Session) -> None:
    head = users.user("head", departments=("ops",))
    users.department("ops").head_user_id = head.id
    head.status = "disabled"
    session.commit()
    assert SqlDirectory(session).department_head("ops") is None


def test_the_administrator_is_an_active_system_administrator(
    users: Users, session: Session
) -> None:
    assert SqlDirectory(session).administrator() == "system"
    users.user("zed", roles=("system_admin",))
    users.user("amy", roles=("system_admin",))
    assert SqlDirectory(session).administrator() == "amy"
