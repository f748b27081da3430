"""Identity administration: users, their roles and departments, the department tree and business
roles, as the security administrator manages them (``users``, ``departments``, ``roles``).

Every method first checks that the actor is a security administrator (or a trusted internal
actor), so the HTTP API, the CLI and any other caller pass the same check. Two invariants hold
whatever the caller asks: a security administrator cannot disable themselves or drop their own
``security_admin`` role, and the last active holder of ``system_admin`` or ``security_admin``
keeps it. Every change is audited in the caller's transaction; never commits.
"""

from __future__ import annotations

from brickwork.platform.auth.directory.departments import (
    DepartmentDirectory,
    DepartmentEntry,
    ancestors,
    creates_cycle,
    tree_order,
)
from brickwork.platform.auth.directory.roles import RoleDirectory, RoleEntry
from brickwork.platform.auth.directory.users import (
    PROTECTED_ROLES,
    Membership,
    UserDirectory,
    UserEntry,
    UserPage,
)

__all__ = [
    "PROTECTED_ROLES",
    "DepartmentEntry",
    "DirectoryService",
    "Membership",
    "RoleEntry",
    "UserEntry",
    "UserPage",
    "ancestors",
    "creates_cycle",
    "tree_order",
]


class DirectoryService(UserDirectory, DepartmentDirectory, RoleDirectory):
    """The security administrator's directory: users, departments and business roles."""
