"""Role pages for the security administrator: the roles with how many hold them, a new business
role, and a role's page with its label, description, second-factor rule and its permission
matrix.

The matrix has a row per app (design, publish, administer the whole app) and a row per
published form (the record actions, one row scope for reading, changing and deleting, and, in
the row's details, a level per field and the fields the holder may unmask). A row edits the
role's one plain grant on that app or form; grants the matrix cannot show (wildcards, a row
scope per action or by expression, a second grant on the same form, decision models) are
listed beside it and kept as they are. Saving replaces the role's grants through
`DirectoryService.set_grants`, which checks them against the apps and forms (every problem
comes back next to its row; nothing is saved) and audits the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.platform.api.deps import SessionDep
from brickwork.platform.auth.admin_schemas import RoleCreate, RoleUpdate
from brickwork.platform.auth.policy import ANY, APP_ACTIONS, RECORD_ACTIONS, ROW_ACTIONS
from brickwork.platform.errors import Invalid, PlatformError
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.admin import (
    Notice,
    admin_page,
    directory,
    optional,
    parsed,
    security_viewer,
    text_pair,
)
from brickwork.platform.web.forms import by_field
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.views import Viewer, text_in

router = APIRouter(include_in_schema=False)
RoleKey = Annotated[str, Path(pattern=KEY_PATTERN)]
FORM_ACTIONS = ("create", "read", "update", "delete", "export", "import")
WHOLE_APP_ACTIONS = ("design", "publish", "admin")
SCOPES = ("own", "department", "department_tree", "all")
LEVELS = ("hidden", "masked", "read", "write")
DONE = ("created", "updated", "grants")


@dataclass(slots=True)
class Row:
    """One row of the matrix: an app (`form` is "*") or one of its forms."""

    app: str
    form: str
    label: str
    fields: list[dict[str, str]] = field(default_factory=list)
    grant: dict[str, Any] | None = None
    """The role's plain grant on this target (the one the row edits), if it has one."""
    problems: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{self.app}.{self.form}"

    @property
    def actions(self) -> tuple[str, ...]:
        return WHOLE_APP_ACTIONS if self.form == ANY else FORM_ACTIONS

    def edits(self, grant: dict[str, Any]) -> bool:
        """Whether `grant` is a plain grant of this row's target, which the row can show."""
        if grant.get("app") != self.app or grant.get("decision") is not None:
            return False
        if grant.get("form", ANY) != self.form:
            return False
        actions = set(grant.get("actions", ()))
        if self.form == ANY:
            return actions <= APP_ACTIONS and not grant.get("rows") and not grant.get("fields")
        rows = grant.get("rows")
        return actions <= RECORD_ACTIONS and (rows is None or rows in SCOPES)

    def shown(self, sent: dict[str, list[str]] | None) -> dict[str, Any]:
        """What the row's controls show: the form as it was sent (a refused save keeps the
        administrator's choices), else the stored grant."""
        made = (self.rebuilt(sent) if sent is not None else self.grant) or {}
        rows = made.get("rows")
        return {
            "actions": set(made.get("actions", ())),
            "scope": rows if isinstance(rows, str) else "own",
            "levels": made.get("fields") or {},
            "unmask": set(made.get("unmask") or ()),
        }

    def rebuilt(self, sent: dict[str, list[str]]) -> dict[str, Any] | None:
        """The row's grant as the form sent it (None: no action checked, no grant)."""
        chosen = set(sent.get(f"{self.prefix}.actions", []))
        actions = [action for action in self.actions if action in chosen]
        if not actions:
            return None
        made = dict(self.grant or {})
        made.update(app=self.app, form=self.form, actions=actions)
        if self.form == ANY:
            return made
        if any(action in ROW_ACTIONS for action in actions):
            made["rows"] = first(sent, f"{self.prefix}.rows", "own")
        else:
            made.pop("rows", None)
        known = {item["key"] for item in self.fields}
        levels = {k: v for k, v in (made.get("fields") or {}).items() if k not in known}
        for item in self.fields:
            level = first(sent, f"{self.prefix}.f.{item['key']}", "")
            if level in LEVELS:
                levels[item["key"]] = level
        made["fields"] = levels
        unmask = [k for k in (made.get("unmask") or []) if k not in known]
        made["unmask"] = unmask + [k for k in sent.get(f"{self.prefix}.unmask", []) if k in known]
        return made


@router.get("/admin/roles", response_model=None)
def roles_page(request: Request, session: SessionDep) -> Response:
    viewer = security_viewer(request, session)
    return roles_view(request, session, viewer)


def roles_view(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    problem: PlatformError | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    entries = directory(request).all_roles(session, viewer.actor)
    roles = [
        {
            "key": entry.role.key,
            "label": text_in(entry.role.label, viewer.language) or entry.role.key,
            "builtin": entry.role.builtin,
            "admin": entry.role.admin_kind is not None,
            "mfa": entry.role.require_mfa or entry.role.admin_kind is not None,
            "holders": entry.holders,
            "description": entry.role.description or "",
        }
        for entry in entries
    ]
    return admin_page(
        request,
        viewer,
        "admin/roles.html",
        "roles",
        {
            "roles": roles,
            "problem": problem,
            "errors": by_field(problem.errors if problem else ()),
            "values": values or {},
        },
    )


@router.post("/admin/roles", response_model=None)
def create_role(request: Request, session: SessionDep, sent: FormListsDep) -> Response:
    """A new business role, without grants: its page then opens on the matrix."""
    viewer = security_viewer(request, session, csrf=first(sent, "csrf_token"))
    key = (first(sent, "key", "") or "").strip()
    document = {
        "key": key,
        "label": text_pair(sent, "label"),
        "description": first(sent, "description", "") or "",
        "require_mfa": first(sent, "require_mfa") == "on",
    }
    try:
        directory(request).create_role(session, viewer.actor, parsed(RoleCreate, document))
    except PlatformError as exc:
        session.rollback()
        values = {name: first(sent, name, "") for name in ("key", "label_zh", "label_en")}
        values["description"] = document["description"]
        return roles_view(request, session, viewer, problem=exc, values=values)
    return RedirectResponse(f"/admin/roles/{key}?done=created", status_code=303)


@router.get("/admin/roles/{key}", response_model=None)
def role_page(request: Request, session: SessionDep, key: RoleKey, done: Notice = "") -> Response:
    viewer = security_viewer(request, session)
    return role_view(request, session, viewer, key, done=done)


@router.post("/admin/roles/{key}", response_model=None)
def change_role(
    request: Request, session: SessionDep, key: RoleKey, sent: FormListsDep
) -> Response:
    """Change the role (`action=update`), its grants (`action=grants`) or delete it."""
    viewer = security_viewer(request, session, csrf=first(sent, "csrf_token"))
    action = first(sent, "action", "")
    service = directory(request)
    rows: list[Row] = []
    try:
        if action == "update":
            document = {
                "label": text_pair(sent, "label"),
                "description": first(sent, "description", "") or "",
                "require_mfa": first(sent, "require_mfa") == "on",
            }
            if document["label"] is None:
                del document["label"]
            service.update_role(session, viewer.actor, key, parsed(RoleUpdate, document))
        elif action == "grants":
            current = service.grants(session, viewer.actor, key)
            rows = matrix(request, session, viewer, current)
            grants, owners = replaced(current, rows, sent)
            try:
                service.set_grants(session, viewer.actor, key, grants)
            except PlatformError as exc:
                place(exc, owners)
                raise
        elif action == "delete":
            service.delete_role(session, viewer.actor, key)
            return RedirectResponse("/admin/roles", status_code=303)
        else:
            raise Invalid(
                f"unknown action {action!r}",
                code="validation_failed",
                zh_cn=f"未知的操作 {action!r}",
            )
    except PlatformError as exc:
        session.rollback()
        return role_view(
            request, session, viewer, key, problem=exc, section=action, failed=rows, sent=sent
        )
    return RedirectResponse(f"/admin/roles/{key}?done={optional(action) or ''}", status_code=303)


def role_view(
    request: Request,
    session: Session,
    viewer: Viewer,
    key: str,
    *,
    done: str = "",
    problem: PlatformError | None = None,
    section: str = "",
    failed: list[Row] | None = None,
    sent: dict[str, list[str]] | None = None,
) -> Response:
    service = directory(request)
    entry = service.role(session, viewer.actor, key)
    role = entry.role
    current = service.grants(session, viewer.actor, key)
    rows = matrix(request, session, viewer, current)
    problems = {row.prefix: row.problems for row in failed or ()}
    for row in rows:
        row.problems = problems.get(row.prefix, [])
    kept = [grant for grant in current if not any(row.grant is grant for row in rows)]
    return admin_page(
        request,
        viewer,
        "admin/role.html",
        "roles",
        {
            "role": {
                "key": role.key,
                "label": text_in(role.label, viewer.language) or role.key,
                "label_zh": (role.label or {}).get("zh-CN", ""),
                "label_en": (role.label or {}).get("en", ""),
                "description": role.description or "",
                "builtin": role.builtin,
                "mfa": role.require_mfa or role.admin_kind is not None,
                "holders": entry.holders,
            },
            "rows": [(row, row.shown(sent if failed else None)) for row in rows],
            "kept": kept,
            "scopes": SCOPES,
            "levels": LEVELS,
            "done": done if done in DONE else "",
            "problem": problem,
            "section": section,
            "errors": by_field(problem.errors if problem else ()),
        },
    )


def matrix(
    request: Request, session: Session, viewer: Viewer, grants: list[dict[str, Any]]
) -> list[Row]:
    """A row per app and per published form, each with the role's plain grant on it."""
    metadata = request.app.state.metadata
    records = request.app.state.records
    rows: list[Row] = []
    for app in metadata.list_apps(session):
        rows.append(Row(app.key, ANY, text_in(app.label, viewer.language) or app.key))
        for definition in metadata.list_definitions(session, app.key, kind=Kind.FORM):
            if definition.latest_version is None:
                continue
            published = records.form(session, app.key, definition.key)
            label = text_in((definition.draft or {}).get("label"), viewer.language)
            fields = [
                {"key": item.key, "label": text_in(item.label, viewer.language) or item.key}
                for item in published.definition.fields
            ]
            rows.append(Row(app.key, definition.key, label or definition.key, fields))
    for row in rows:
        row.grant = next((grant for grant in grants if row.edits(grant)), None)
    return rows


def replaced(
    current: list[dict[str, Any]], rows: list[Row], sent: dict[str, list[str]]
) -> tuple[list[dict[str, Any]], list[Row | None]]:
    """The role's grants after the matrix's changes (in their order; new ones after), and for
    each the row it came from (None: kept as it was)."""
    grants: list[dict[str, Any]] = []
    owners: list[Row | None] = []
    for grant in current:
        row = next((row for row in rows if row.grant is grant), None)
        made = grant if row is None else row.rebuilt(sent)
        if made is not None:
            grants.append(made)
            owners.append(row)
    for row in rows:
        if row.grant is None and (made := row.rebuilt(sent)) is not None:
            grants.append(made)
            owners.append(row)
    return grants, owners


def place(problem: PlatformError, owners: list[Row | None]) -> None:
    """Each problem of a grant (`/3/rows`) shown on the row that made the grant."""
    for item in problem.errors:
        index, _, rest = item.pointer.lstrip("/").partition("/")
        if index.isdigit() and int(index) < len(owners) and (row := owners[int(index)]):
            row.problems.append(f"{rest}: {item.message}" if rest else item.message)
