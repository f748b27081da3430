"""Identity administration pages for the security administrator: users (search, create, roles,
departments, disable/enable, unlock, second factor, temporary password), the department tree,
roles with their permission matrix (roles.py), and the deployment's security settings.

Every change goes through `DirectoryService`, as the API's do: the same check of who may
(only the security administrator), the same validation with pointers and the same audit events.
A refused change shows the page again with what is wrong next to its field; nothing is saved.
After a change the page is fetched again (post/redirect/get) with a notice of what was done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from brickwork.platform.api.body import parse_model
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.admin_schemas import (
    DepartmentCreate,
    DepartmentUpdate,
    Memberships,
    PasswordReset,
    RoleAssignment,
    UserCreate,
    UserUpdate,
)
from brickwork.platform.auth.directory import DirectoryService
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.roles import AUDIT_ADMIN, SECURITY_ADMIN, SYSTEM_ADMIN
from brickwork.platform.errors import Invalid, PlatformError
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.forms import by_field
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import when
from brickwork.platform.web.views import Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
Username = Annotated[str, Path(min_length=1, max_length=128)]
DepartmentKey = Annotated[str, Path(pattern=KEY_PATTERN)]
Notice = Annotated[str, Query(max_length=40, pattern=r"^[a-z_]*$")]
USERS_PAGE = 50
USER_ACTIONS = (
    "profile",
    "roles",
    "departments",
    "disable",
    "enable",
    "unlock",
    "reset_mfa",
    "password",
)


def security_viewer(request: Request, session: Session, *, csrf: str | None = None) -> Viewer:
    """The signed-in security administrator (anyone else is refused with a page saying so)."""
    viewer = viewer_of(request, session, csrf=csrf)
    PermissionService.require_admin(viewer.actor, SECURITY_ADMIN, "identity")
    return viewer


def directory(request: Request) -> DirectoryService:
    return DirectoryService(request.app.state.identities)


def admin_areas(viewer: Viewer) -> list[str]:
    """The administration pages the viewer reaches."""
    areas = []
    if viewer.actor.holds(SYSTEM_ADMIN):
        areas.append("packs")
    if viewer.actor.holds(SECURITY_ADMIN):
        areas += ["users", "departments", "roles", "settings"]
    if viewer.actor.holds(AUDIT_ADMIN):
        areas.append("audit")
    return areas


def admin_page(
    request: Request, viewer: Viewer, template: str, area: str, context: dict[str, Any]
) -> Response:
    """An administration page; a refused change is the page again with the problem (200, as
    every page form answers: the page is what the browser asked for)."""
    return render(
        request, template, {"area": area, "areas": admin_areas(viewer), **context}, viewer=viewer
    )


def optional(value: str | None) -> str | None:
    """A form's text field: empty means absent."""
    text = (value or "").strip()
    return text or None


def text_pair(sent: dict[str, list[str]], prefix: str) -> dict[str, str] | None:
    """A label in both languages from `<prefix>_zh` and `<prefix>_en` (None when both are
    empty, which the schema then refuses by name)."""
    pair = {
        language: text
        for language, key in (("zh-CN", f"{prefix}_zh"), ("en", f"{prefix}_en"))
        if (text := optional(first(sent, key)))
    }
    return pair or None


def parsed(model: type[BaseModel], document: dict[str, Any]) -> Any:
    """The form's values as the API's body model (the same limits and messages)."""
    return parse_model(model, document)


@router.get("/admin", response_model=None)
def admin_home(request: Request, session: SessionDep) -> Response:
    """The first administration page the viewer reaches."""
    viewer = viewer_of(request, session)
    areas = admin_areas(viewer)
    if not areas:
        PermissionService.require_admin(viewer.actor, SECURITY_ADMIN, "identity")
    return RedirectResponse(f"/admin/{areas[0]}", status_code=303)


# ---------------------------------------------------------------- users


@router.get("/admin/users", response_model=None)
def users_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=128)] = "",
    status: Annotated[str, Query(pattern=r"^(active|disabled)?$")] = "",
    role: Annotated[str, Query(pattern=rf"^({KEY_PATTERN.strip('^$')})?$")] = "",
    department: Annotated[str, Query(pattern=rf"^({KEY_PATTERN.strip('^$')})?$")] = "",
    page: Annotated[int, Query(ge=0, le=20_000)] = 0,
) -> Response:
    viewer = security_viewer(request, session)
    service = directory(request)
    now = request.app.state.clock()
    found = service.users(
        session,
        viewer.actor,
        q=q.strip() or None,
        status=status or None,
        role=role or None,
        department=department or None,
        limit=USERS_PAGE,
        offset=page * USERS_PAGE,
    )
    return admin_page(
        request,
        viewer,
        "admin/users.html",
        "users",
        {
            "users": [user_row(entry, viewer.language, now) for entry in found.items],
            "total": found.total,
            "page": page,
            "has_more": (page + 1) * USERS_PAGE < found.total,
            "filters": {"q": q, "status": status, "role": role, "department": department},
            "roles": choices_of_roles(service, session, viewer),
            "departments": choices_of_departments(service, session, viewer),
        },
    )


@router.get("/admin/users/new", response_model=None)
def new_user_page(request: Request, session: SessionDep) -> Response:
    viewer = security_viewer(request, session)
    return new_user_form(request, session, viewer, {}, None)


@router.post("/admin/users", response_model=None)
def create_user(request: Request, session: SessionDep, sent: FormListsDep) -> Response:
    """A new user with an initial password they must change at first sign-in."""
    viewer = security_viewer(request, session, csrf=first(sent, "csrf_token"))
    username = (first(sent, "username", "") or "").strip()
    document = {
        "username": username,
        "display_name": optional(first(sent, "display_name")),
        "email": optional(first(sent, "email")),
        "password": first(sent, "password", ""),
        "roles": sent.get("roles", []),
        "departments": sent.get("departments", []),
        "primary": optional(first(sent, "primary")),
    }
    try:
        directory(request).create_user(session, viewer.actor, parsed(UserCreate, document))
    except PlatformError as exc:
        session.rollback()
        return new_user_form(request, session, viewer, {**document, "password": ""}, exc)
    return RedirectResponse(f"/admin/users/{username}?done=created", status_code=303)


def new_user_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    values: dict[str, Any],
    problem: PlatformError | None,
) -> Response:
    service = directory(request)
    return admin_page(
        request,
        viewer,
        "admin/user_new.html",
        "users",
        {
            "values": values,
            "problem": problem,
            "errors": by_field(problem.errors if problem else ()),
            "roles": choices_of_roles(service, session, viewer),
            "departments": choices_of_departments(service, session, viewer),
        },
    )


@router.get("/admin/users/{username}", response_model=None)
def user_page(
    request: Request, session: SessionDep, username: Username, done: Notice = ""
) -> Response:
    viewer = security_viewer(request, session)
    return user_detail(request, session, viewer, username, done=done)


@router.post("/admin/users/{username}", response_model=None)
def change_user(
    request: Request, session: SessionDep, username: Username, sent: FormListsDep
) -> Response:
    """One change of the user, named by the form's `action`."""
    viewer = security_viewer(request, session, csrf=first(sent, "csrf_token"))
    action = first(sent, "action", "")
    service = directory(request)
    actor = viewer.actor
    try:
        if action == "profile":
            profile = {
                "display_name": optional(first(sent, "display_name")),
                "email": optional(first(sent, "email")),
            }
            service.update_user(session, actor, username, parsed(UserUpdate, profile))
        elif action == "roles":
            chosen = parsed(RoleAssignment, {"roles": sent.get("roles", [])})
            service.set_roles(session, actor, username, chosen)
        elif action == "departments":
            body = {
                "departments": sent.get("departments", []),
                "primary": optional(first(sent, "primary")),
            }
            service.set_departments(session, actor, username, parsed(Memberships, body))
        elif action in ("disable", "enable"):
            service.set_active(session, actor, username, active=action == "enable")
        elif action == "unlock":
            service.unlock(session, actor, username)
        elif action == "reset_mfa":
            service.reset_mfa(session, actor, username)
        elif action == "password":
            reset = {"new_password": first(sent, "new_password", "")}
            new = parsed(PasswordReset, reset).new_password
            service.reset_password(session, actor, username, new)
        else:
            raise Invalid(
                f"unknown action {action!r}",
                code="validation_failed",
                zh_cn=f"未知的操作 {action!r}",
            )
    except PlatformError as exc:
        session.rollback()
        return user_detail(request, session, viewer, username, problem=exc, section=action)
    return RedirectResponse(f"/admin/users/{username}?done={action}", status_code=303)


def user_detail(
    request: Request,
    session: Session,
    viewer: Viewer,
    username: str,
    *,
    done: str = "",
    problem: PlatformError | None = None,
    section: str = "",
) -> Response:
    service = directory(request)
    entry = service.user(session, viewer.actor, username)
    return admin_page(
        request,
        viewer,
        "admin/user.html",
        "users",
        {
            "user": user_row(entry, viewer.language, request.app.state.clock()),
            "held": set(entry.roles),
            "member_of": {m.department.key for m in entry.departments},
            "primary": next((m.department.key for m in entry.departments if m.primary), ""),
            "roles": choices_of_roles(service, session, viewer),
            "departments": choices_of_departments(service, session, viewer),
            "done": done if done in USER_ACTIONS or done == "created" else "",
            "problem": problem,
            "section": section,
            "errors": by_field(problem.errors if problem else ()),
        },
    )


def user_row(entry: Any, language: str, now: datetime) -> dict[str, Any]:
    """A user as the pages show them (a lock that has run out is no lock)."""
    user = entry.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email or "",
        "status": user.status,
        "locked": user.locked_until is not None and user.locked_until > now,
        "locked_until": when(user.locked_until),
        "failed_attempts": user.failed_attempts,
        "must_change_password": user.must_change_password,
        "mfa_enrolled": user.mfa_enabled_at is not None,
        "roles": list(entry.roles),
        "departments": [
            {
                "key": m.department.key,
                "name": text_in(m.department.name, language),
                "primary": m.primary,
            }
            for m in entry.departments
        ],
        "last_login_at": when(user.last_login_at),
        "password_changed_at": when(user.password_changed_at),
        "created_at": when(user.created_at),
    }


def choices_of_roles(
    service: DirectoryService, session: Session, viewer: Viewer
) -> list[dict[str, Any]]:
    return [
        {
            "key": entry.role.key,
            "label": text_in(entry.role.label, viewer.language) or entry.role.key,
            "admin": entry.role.admin_kind is not None,
        }
        for entry in service.all_roles(session, viewer.actor)
    ]


def choices_of_departments(
    service: DirectoryService, session: Session, viewer: Viewer
) -> list[dict[str, Any]]:
    return [
        {
            "key": entry.department.key,
            "name": text_in(entry.department.name, viewer.language) or entry.department.key,
            "depth": entry.depth,
            "parent": entry.parent or "",
            "head": entry.head or "",
            "name_zh": (entry.department.name or {}).get("zh-CN", ""),
            "name_en": (entry.department.name or {}).get("en", ""),
        }
        for entry in service.departments(session, viewer.actor)
    ]


# ---------------------------------------------------------------- departments


@router.get("/admin/departments", response_model=None)
def departments_page(request: Request, session: SessionDep, done: Notice = "") -> Response:
    viewer = security_viewer(request, session)
    return departments_view(request, session, viewer, done=done)


def departments_view(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    done: str = "",
    problem: PlatformError | None = None,
    target: str = "",
    values: dict[str, Any] | None = None,
) -> Response:
    service = directory(request)
    return admin_page(
        request,
        viewer,
        "admin/departments.html",
        "departments",
        {
            "departments": choices_of_departments(service, session, viewer),
            "done": done if done in ("created", "updated", "deleted") else "",
            "problem": problem,
            "target": target,
            "errors": by_field(problem.errors if problem else ()),
            "values": values or {},
        },
    )


@router.post("/admin/departments", response_model=None)
def create_department(request: Request, session: SessionDep, sent: FormListsDep) -> Response:
    viewer = security_viewer(request, session, csrf=first(sent, "csrf_token"))
    document = {
        "key": (first(sent, "key", "") or "").strip(),
        "name": text_pair(sent, "name"),
        "parent": optional(first(sent, "parent")),
        "head": optional(first(sent, "head")),
    }
    try:
        directory(request).create_department(
            session, viewer.actor, parsed(DepartmentCreate, document)
        )
    except PlatformError as exc:
        session.rollback()
        names = ("key", "name_zh", "name_en", "parent", "head")
        values = {name: first(sent, name, "") for name in names}
        return departments_view(request, session, viewer, problem=exc, target="", values=values)
    return RedirectResponse("/admin/departments?done=created", status_code=303)


@router.post("/admin/departments/{key}", response_model=None)
def change_department(
    request: Request, session: SessionDep, key: DepartmentKey, sent: FormListsDep
) -> Response:
    """Rename, move or change the head (`action=update`), or delete (`action=delete`)."""
    viewer = security_viewer(request, session, csrf=first(sent, "csrf_token"))
    action = first(sent, "action", "")
    service = directory(request)
    try:
        if action == "update":
            document = {
                "name": text_pair(sent, "name"),
                "parent": optional(first(sent, "parent")),
                "head": optional(first(sent, "head")),
            }
            if document["name"] is None:
                del document["name"]  # the name stays; an empty pair is not a rename
            change = parsed(DepartmentUpdate, document)
            service.update_department(session, viewer.actor, key, change)
        elif action == "delete":
            service.delete_department(session, viewer.actor, key)
        else:
            raise Invalid(
                f"unknown action {action!r}",
                code="validation_failed",
                zh_cn=f"未知的操作 {action!r}",
            )
    except PlatformError as exc:
        session.rollback()
        return departments_view(request, session, viewer, problem=exc, target=key)
    return RedirectResponse(f"/admin/departments?done={action}d", status_code=303)


# ---------------------------------------------------------------- settings


@router.get("/admin/settings", response_model=None)
def settings_page(request: Request, session: SessionDep, done: Notice = "") -> Response:
    """The security rules in force: those an administrator may change here (within bounds),
    and the deployment's own (changed where the server starts)."""
    viewer = security_viewer(request, session)
    return settings_view(request, viewer, done=done)


@router.post("/admin/settings", response_model=None)
def change_settings(request: Request, session: SessionDep, sent: FormListsDep) -> Response:
    viewer = security_viewer(request, session, csrf=first(sent, "csrf_token"))
    store = request.app.state.security_settings
    changes: dict[str, Any] = {}
    for key in store.values():
        text = (first(sent, key, "") or "").strip()
        if text:
            changes[key] = int(text) if text.isdigit() and len(text) < 7 else text
    try:
        store.change(session, viewer.actor, changes)
    except PlatformError as exc:
        session.rollback()
        store.load(session)
        return settings_view(request, viewer, problem=exc, sent=changes)
    return RedirectResponse("/admin/settings?done=saved", status_code=303)


def settings_view(
    request: Request,
    viewer: Viewer,
    *,
    done: str = "",
    problem: PlatformError | None = None,
    sent: dict[str, Any] | None = None,
) -> Response:
    settings = request.app.state.settings
    inactive = settings.inactive_days
    fixed = [
        ("session", "inactive", inactive, "INACTIVE_DAYS"),
        ("files", "upload_mib", settings.max_upload_bytes // (1024 * 1024), "MAX_UPLOAD_BYTES"),
        ("files", "import_rows", settings.max_import_rows, "MAX_IMPORT_ROWS"),
    ]
    return admin_page(
        request,
        viewer,
        "admin/settings.html",
        "settings",
        {
            "rules": request.app.state.security_settings.values(),
            "sent": sent or {},
            "fixed": [
                {"group": group, "key": key, "value": value, "setting": f"BRICKWORK_{name}"}
                for group, key, value, name in fixed
            ],
            "done": done == "saved",
            "problem": problem,
            "errors": by_field(problem.errors if problem else ()),
        },
    )
