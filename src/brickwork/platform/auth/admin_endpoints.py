"""HTTP endpoints of identity administration: users, departments and roles (thin: parse, call the
directory service, shape the reply).

Only security administrators get through. The directory service decides that; the router asks the
same question first only so that a refused caller's body is never read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from brickwork.platform.api.body import json_body, json_document, openapi_body
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.responses import ExactJSONResponse, reply
from brickwork.platform.auth.admin_schemas import (
    DepartmentCreate,
    DepartmentOut,
    DepartmentUpdate,
    Memberships,
    PasswordReset,
    RoleAssignment,
    RoleCreate,
    RoleDetailOut,
    RoleOut,
    RoleUpdate,
    UserAdminOut,
    UserCreate,
    UserPageOut,
    UserStatus,
    UserUpdate,
)
from brickwork.platform.auth.deps import ActorDep
from brickwork.platform.auth.directory import (
    DepartmentEntry,
    DirectoryService,
    RoleEntry,
    UserEntry,
)
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.roles import SECURITY_ADMIN
from brickwork.platform.auth.security_settings import SecuritySettings
from brickwork.platform.errors import Invalid
from brickwork.platform.vocabulary import KEY_PATTERN


def security_admin(actor: ActorDep) -> None:
    PermissionService.require_admin(actor, SECURITY_ADMIN, "identity")


router = APIRouter(tags=["identity administration"], dependencies=[Depends(security_admin)])

PROBLEM = {"model": None, "description": "Problem (application/problem+json)"}
ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys(
    (400, 401, 403, 404, 409, 413, 415, 422), PROBLEM
)
GRANTS_BODY = openapi_body(
    schema={
        "type": "array",
        "items": {"type": "object"},
        "description": "The role's grants: {app, form, actions, rows, fields, unmask} each.",
    }
)

Username = Annotated[str, Path(min_length=1, max_length=128, description="The user name")]
DepartmentKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The department's key")]
RoleKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The role's key")]


def directory(request: Request) -> DirectoryService:
    return DirectoryService(request.app.state.identities)


DirectoryDep = Annotated[DirectoryService, Depends(directory)]


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a strictly read body, its nested models inlined (the document has
    no ``$defs`` of its own)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return openapi_body(schema=inline(schema))


# ---------------------------------------------------------------- shaping


def user_out(entry: UserEntry) -> dict[str, Any]:
    user = entry.user
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "status": user.status,
        "must_change_password": user.must_change_password,
        "locked_until": user.locked_until,
        "failed_attempts": user.failed_attempts,
        "roles": list(entry.roles),
        "departments": [
            {"key": m.department.key, "name": m.department.name, "primary": m.primary}
            for m in entry.departments
        ],
        "last_login_at": user.last_login_at,
        "password_changed_at": user.password_changed_at,
        "mfa_enrolled": user.mfa_enabled_at is not None,
        "created_at": user.created_at,
        "created_by": user.created_by,
        "updated_at": user.updated_at,
        "updated_by": user.updated_by,
    }


def department_out(entry: DepartmentEntry) -> dict[str, Any]:
    return {
        "id": entry.department.id,
        "key": entry.department.key,
        "name": entry.department.name,
        "parent": entry.parent,
        "head": entry.head,
        "depth": entry.depth,
    }


def role_out(entry: RoleEntry) -> dict[str, Any]:
    role = entry.role
    return {
        "id": role.id,
        "key": role.key,
        "label": role.label,
        "description": role.description,
        "builtin": role.builtin,
        "admin_kind": role.admin_kind,
        "require_mfa": role.require_mfa or role.admin_kind is not None,
        "holders": entry.holders,
    }


# ---------------------------------------------------------------- users


@router.get("/users", response_model=UserPageOut, responses=ERRORS)
def list_users(
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    q: Annotated[
        str | None, Query(max_length=128, description="Part of the user or display name")
    ] = None,
    status: Annotated[UserStatus | None, Query(description="active or disabled")] = None,
    role: Annotated[str | None, Query(pattern=KEY_PATTERN, description="A role key")] = None,
    department: Annotated[
        str | None, Query(pattern=KEY_PATTERN, description="A department key (members)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ExactJSONResponse:
    """Users by user name, with their roles and departments."""
    page = service.users(
        session,
        actor,
        q=q,
        status=status,
        role=role,
        department=department,
        limit=limit,
        offset=offset,
    )
    return reply(
        {
            "items": [user_out(entry) for entry in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }
    )


@router.post(
    "/users",
    status_code=201,
    response_model=UserAdminOut,
    responses=ERRORS,
    openapi_extra=body_schema(UserCreate),
)
def create_user(
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[UserCreate, Depends(json_body(UserCreate))],
) -> ExactJSONResponse:
    """Create a user; they must change the initial password at first sign-in."""
    return reply(user_out(service.create_user(session, actor, body)), 201)


@router.get("/users/{username}", response_model=UserAdminOut, responses=ERRORS)
def get_user(
    username: Username, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    return reply(user_out(service.user(session, actor, username)))


@router.patch(
    "/users/{username}",
    response_model=UserAdminOut,
    responses=ERRORS,
    openapi_extra=body_schema(UserUpdate),
)
def update_user(
    username: Username,
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[UserUpdate, Depends(json_body(UserUpdate))],
) -> ExactJSONResponse:
    """Change the display name or e-mail."""
    return reply(user_out(service.update_user(session, actor, username, body)))


@router.post("/users/{username}/disable", response_model=UserAdminOut, responses=ERRORS)
def disable_user(
    username: Username, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    """Disable the account; its sessions end and its API tokens stop working."""
    return reply(user_out(service.set_active(session, actor, username, active=False)))


@router.post("/users/{username}/enable", response_model=UserAdminOut, responses=ERRORS)
def enable_user(
    username: Username, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    return reply(user_out(service.set_active(session, actor, username, active=True)))


@router.post("/users/{username}/unlock", response_model=UserAdminOut, responses=ERRORS)
def unlock_user(
    username: Username, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    """End a lockout after wrong passwords."""
    return reply(user_out(service.unlock(session, actor, username)))


@router.post("/users/{username}/mfa/reset", response_model=UserAdminOut, responses=ERRORS)
def reset_mfa(
    username: Username, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    """Forget the user's multi-factor enrolment and recovery codes (a lost device): their
    sessions end and they enrol again at next sign-in."""
    return reply(user_out(service.reset_mfa(session, actor, username)))


@router.post(
    "/users/{username}/password",
    response_model=UserAdminOut,
    responses=ERRORS,
    openapi_extra=body_schema(PasswordReset),
)
def reset_password(
    username: Username,
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[PasswordReset, Depends(json_body(PasswordReset))],
) -> ExactJSONResponse:
    """Set a temporary password: the user must change it at next sign-in; their sessions end."""
    return reply(user_out(service.reset_password(session, actor, username, body.new_password)))


@router.put(
    "/users/{username}/roles",
    response_model=UserAdminOut,
    responses=ERRORS,
    openapi_extra=body_schema(RoleAssignment),
)
def set_user_roles(
    username: Username,
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[RoleAssignment, Depends(json_body(RoleAssignment))],
) -> ExactJSONResponse:
    """Replace the user's roles: missing ones are revoked, new ones granted."""
    return reply(user_out(service.set_roles(session, actor, username, body)))


@router.put(
    "/users/{username}/departments",
    response_model=UserAdminOut,
    responses=ERRORS,
    openapi_extra=body_schema(Memberships),
)
def set_user_departments(
    username: Username,
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[Memberships, Depends(json_body(Memberships))],
) -> ExactJSONResponse:
    """Replace the user's departments and name the primary one."""
    return reply(user_out(service.set_departments(session, actor, username, body)))


# ---------------------------------------------------------------- departments


@router.get("/departments", response_model=list[DepartmentOut], responses=ERRORS)
def list_departments(
    session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    """Every department in tree order (parents before children), with depth."""
    return reply([department_out(entry) for entry in service.departments(session, actor)])


@router.post(
    "/departments",
    status_code=201,
    response_model=DepartmentOut,
    responses=ERRORS,
    openapi_extra=body_schema(DepartmentCreate),
)
def create_department(
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[DepartmentCreate, Depends(json_body(DepartmentCreate))],
) -> ExactJSONResponse:
    return reply(department_out(service.create_department(session, actor, body)), 201)


@router.patch(
    "/departments/{key}",
    response_model=DepartmentOut,
    responses=ERRORS,
    openapi_extra=body_schema(DepartmentUpdate),
)
def update_department(
    key: DepartmentKey,
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[DepartmentUpdate, Depends(json_body(DepartmentUpdate))],
) -> ExactJSONResponse:
    """Rename, move (never below itself) or change the head."""
    return reply(department_out(service.update_department(session, actor, key, body)))


@router.delete("/departments/{key}", status_code=204, responses=ERRORS)
def delete_department(
    key: DepartmentKey, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> Response:
    """Delete a department without sub-departments and members."""
    service.delete_department(session, actor, key)
    return Response(status_code=204)


# ---------------------------------------------------------------- roles


@router.get("/roles", response_model=list[RoleOut], responses=ERRORS)
def list_roles(session: SessionDep, actor: ActorDep, service: DirectoryDep) -> ExactJSONResponse:
    """Every role, built-in ones included, with how many users hold it."""
    return reply([role_out(entry) for entry in service.all_roles(session, actor)])


@router.post(
    "/roles",
    status_code=201,
    response_model=RoleDetailOut,
    responses=ERRORS,
    openapi_extra=body_schema(RoleCreate),
)
def create_role(
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[RoleCreate, Depends(json_body(RoleCreate))],
) -> ExactJSONResponse:
    """Create a business role (no grants yet)."""
    return reply({**role_out(service.create_role(session, actor, body)), "grants": []}, 201)


@router.get("/roles/{key}", response_model=RoleDetailOut, responses=ERRORS)
def get_role(
    key: RoleKey, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    entry = service.role(session, actor, key)
    return reply({**role_out(entry), "grants": service.grants(session, actor, key)})


@router.patch(
    "/roles/{key}",
    response_model=RoleDetailOut,
    responses=ERRORS,
    openapi_extra=body_schema(RoleUpdate),
)
def update_role(
    key: RoleKey,
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    body: Annotated[RoleUpdate, Depends(json_body(RoleUpdate))],
) -> ExactJSONResponse:
    """Change a business role's label or description."""
    entry = service.update_role(session, actor, key, body)
    return reply({**role_out(entry), "grants": service.grants(session, actor, key)})


@router.delete("/roles/{key}", status_code=204, responses=ERRORS)
def delete_role(
    key: RoleKey, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> Response:
    """Delete a business role nobody holds."""
    service.delete_role(session, actor, key)
    return Response(status_code=204)


@router.get("/roles/{key}/permissions", response_model=list[dict[str, Any]], responses=ERRORS)
def get_role_grants(
    key: RoleKey, session: SessionDep, actor: ActorDep, service: DirectoryDep
) -> ExactJSONResponse:
    """The role's grants."""
    return reply(service.grants(session, actor, key))


@router.put(
    "/roles/{key}/permissions",
    response_model=list[dict[str, Any]],
    responses=ERRORS,
    openapi_extra=GRANTS_BODY,
)
def set_role_grants(
    key: RoleKey,
    session: SessionDep,
    actor: ActorDep,
    service: DirectoryDep,
    document: Annotated[Any, Depends(json_document)],
) -> ExactJSONResponse:
    """Replace the role's grants; every problem comes back with its pointer, nothing is saved."""
    return reply(service.set_grants(session, actor, key, document))


# ---------------------------------------------------------------- security settings


def security_settings(request: Request) -> SecuritySettings:
    found: SecuritySettings = request.app.state.security_settings
    return found


SettingsDep = Annotated[SecuritySettings, Depends(security_settings)]
SETTINGS_BODY = openapi_body(
    schema={
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "description": 'Rules to change by name, e.g. {"password_min_length": 14}; the '
        "others stay as they are.",
    }
)


@router.get("/security-settings", response_model=dict[str, Any], responses=ERRORS)
def get_security_settings(service: SettingsDep) -> ExactJSONResponse:
    """The changeable security rules in force, each with its deployment default and bounds."""
    return reply(service.values())


@router.patch(
    "/security-settings",
    response_model=dict[str, Any],
    responses=ERRORS,
    openapi_extra=SETTINGS_BODY,
)
def change_security_settings(
    session: SessionDep,
    actor: ActorDep,
    service: SettingsDep,
    document: Annotated[Any, Depends(json_document)],
) -> ExactJSONResponse:
    """Change some rules; they apply at once (every server within 30 seconds) and are
    audited as `security.settings`. A value outside its bounds is refused; nothing changes."""
    if not isinstance(document, dict):
        raise Invalid(
            'send an object of rules, e.g. {"password_min_length": 14}',
            code="settings_invalid",
            zh_cn='请以对象形式提交规则，例如 {"password_min_length": 14}',
        )
    return reply(service.change(session, actor, document))
