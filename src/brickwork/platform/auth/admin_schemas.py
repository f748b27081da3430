"""Shapes of identity administration (users, departments, roles): strict request bodies and the
responses. Never carries a password or its hash out.

In ``PATCH`` bodies a property that is absent leaves the value alone; where ``null`` means
something (no e-mail, no parent, no head) the field says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from brickwork.platform.auth.schemas import PRINTABLE, Password
from brickwork.platform.vocabulary import I18nText, Key

MAX_LISTED = 100
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"

Username = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128),
    Field(description="A user name (compared in lower case)."),
]
DisplayName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=PRINTABLE),
    Field(description="The name people see."),
]
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]
Description = Annotated[str, StringConstraints(max_length=4000)]
UserStatus = Literal["active", "disabled"]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Memberships(Strict):
    """The complete set of a user's departments (replaces what they had)."""

    departments: list[Key] = Field(
        default_factory=list, max_length=MAX_LISTED, description="Department keys."
    )
    primary: Key | None = Field(
        default=None,
        description="The department the user's new records belong to; one of `departments`.",
    )


class UserCreate(Strict):
    username: Username
    display_name: DisplayName | None = Field(default=None, description="Defaults to the user name.")
    email: Email | None = None
    password: Password = Field(
        description="The initial password; the user must change it at first sign-in."
    )
    roles: list[Key] = Field(default_factory=list, max_length=MAX_LISTED, description="Role keys.")
    departments: list[Key] = Field(
        default_factory=list, max_length=MAX_LISTED, description="Department keys."
    )
    primary: Key | None = Field(default=None, description="One of `departments`.")


class UserUpdate(Strict):
    display_name: DisplayName | None = Field(default=None, description="null: unchanged.")
    email: Email | None = Field(default=None, description="null: the user has no e-mail.")


class PasswordReset(Strict):
    new_password: Password = Field(
        description="A temporary password; the user must change it at next sign-in."
    )


class RoleAssignment(Strict):
    """The complete set of a user's roles: missing ones are revoked, new ones granted."""

    roles: list[Key] = Field(max_length=MAX_LISTED, description="Role keys.")


class DepartmentCreate(Strict):
    key: Key
    name: I18nText
    parent: Key | None = Field(default=None, description="The parent department's key.")
    head: Username | None = Field(default=None, description="The head's user name.")


class DepartmentUpdate(Strict):
    name: I18nText | None = Field(default=None, description="null: unchanged.")
    parent: Key | None = Field(default=None, description="null: a top-level department.")
    head: Username | None = Field(default=None, description="null: no head.")


class RoleCreate(Strict):
    """A business role; the administrator roles are built in and cannot be created."""

    key: Key
    label: I18nText
    description: Description = ""
    require_mfa: bool = Field(
        default=False, description="Holders must sign in with a TOTP code (multi-factor)."
    )


class RoleUpdate(Strict):
    label: I18nText | None = Field(default=None, description="null: unchanged.")
    description: Description | None = Field(default=None, description="null: unchanged.")
    require_mfa: bool | None = Field(default=None, description="null: unchanged.")


# ---------------------------------------------------------------- responses


class MembershipOut(Strict):
    key: str
    name: dict[str, str]
    primary: bool


class UserAdminOut(Strict):
    id: str
    username: str
    display_name: str
    email: str | None
    status: str
    must_change_password: bool
    locked_until: datetime | None
    failed_attempts: int
    roles: list[str]
    departments: list[MembershipOut]
    last_login_at: datetime | None
    password_changed_at: datetime
    mfa_enrolled: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class UserPageOut(Strict):
    items: list[UserAdminOut]
    total: int
    limit: int
    offset: int


class DepartmentOut(Strict):
    id: str
    key: str
    name: dict[str, str]
    parent: str | None = Field(description="The parent's key.")
    head: str | None = Field(description="The head's user name.")
    depth: int = Field(description="0 for top-level departments.")


class RoleOut(Strict):
    id: str
    key: str
    label: dict[str, str]
    description: str
    builtin: bool
    admin_kind: str | None = Field(description="system, security or audit for built-in roles.")
    require_mfa: bool = Field(
        description="Holders sign in with a TOTP code (always for the administrator roles)."
    )
    holders: int = Field(description="How many users hold the role.")


class RoleDetailOut(RoleOut):
    grants: list[dict[str, Any]] = Field(description="The role's grants (see auth/policy.py).")
