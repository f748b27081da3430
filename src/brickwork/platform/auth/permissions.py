"""Deciding who may do what: the grants of a user's roles, their departments, and the built-in
administrator roles' separation of duties.

Every decision goes through ``PermissionService.require`` (or ``allows``). The order is fixed:

1. a trusted internal actor (``Actor.system``: CLI, pack installer) may do anything;
2. an API token may only do what its scopes name (``token_scope_insufficient``);
3. an audit administrator never changes business data or definitions, whatever other roles they
   hold (``audit_admin_read_only``);
4. otherwise some grant of some role must allow the action (``permission_denied``): deny by
   default, union over roles.

The system administrator holds ``design``, ``publish`` and ``admin`` on every app implicitly (but
no record access: that needs a business role); the security administrator manages identities;
the audit administrator reads the audit trail. Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.engines.bilingual import Words, schema_zh
from brickwork.jsonio import escape_pointer
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.policy import (
    ANY,
    APP_ACTIONS,
    DECISION_ACTIONS,
    RECORD_WRITES,
    WRITE_ACTIONS,
    Grant,
    grants_json,
    parse_grants,
    scope_writes_where,
    scopes_allow,
    scopes_reach_app,
)
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.auth.roles import (
    AUDIT_ADMIN,
    BUILTIN_ROLES,
    SECURITY_ADMIN,
    SYSTEM_ADMIN,
    RoleService,
    authenticated_roles,
)
from brickwork.platform.errors import ErrorItem, Forbidden, Invalid

SYSTEM_ADMIN_GRANT = Grant(app=ANY, actions=["design", "publish", "admin"])
GrantCheck = Callable[[Session, Grant], Iterable[tuple[str, Words]]]
"""Checks a grant against stored data: yields (pointer inside the grant, message in each
language)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An actor with everything permission decisions need, resolved once per operation."""

    actor: Actor
    grants: tuple[Grant, ...] = ()
    departments: tuple[str, ...] = ()
    """Ids of the departments the user belongs to."""
    primary_department: str | None = None
    department_tree: frozenset[str] = field(default_factory=frozenset)
    """The user's departments and every department below them."""

    @property
    def username(self) -> str:
        return self.actor.username

    def user_context(self) -> dict[str, Any]:
        """What ``$user`` means in row-scope expressions."""
        return {
            "username": self.actor.username,
            "id": self.actor.user_id,
            "department": self.primary_department,
        }


def _target(app: str | None, form: str | None, action: str = "") -> str:
    if app is None:
        return "this"
    if form is None:
        return f"app {app!r}"
    what = "decision model" if action in DECISION_ACTIONS else "form"
    return f"{what} {form!r} of app {app!r}"


ACTION_ZH = {
    "create": "新建",
    "read": "查看",
    "update": "修改",
    "delete": "删除",
    "export": "导出",
    "import": "导入",
    "design": "设计",
    "publish": "发布",
    "admin": "管理",
    "evaluate": "调用",
}


def _target_zh(app: str | None, form: str | None, action: str) -> str:
    """`_target` in Chinese, with the action: 查看应用 credit 的表单 application."""
    verb = ACTION_ZH.get(action, action)
    if app is None:
        return verb
    if form is None:
        return f"{verb}应用 {app}"
    what = "决策模型" if action in DECISION_ACTIONS else "表单"
    return f"{verb}应用 {app} 的{what} {form}"


class PermissionService:
    def __init__(self, *, repository: IdentityRepository, audit: AuditLog) -> None:
        self.repo = repository
        self.audit = audit
        self._grant_checks: list[GrantCheck] = []

    @classmethod
    def standalone(cls, audit: AuditLog) -> PermissionService:
        """For services built without the composition root (tests, tools): no grant checks."""
        return cls(repository=IdentityRepository(), audit=audit)

    def add_grant_check(self, check: GrantCheck) -> None:
        """Register a check of grants against stored apps and forms (run when a role is saved)."""
        self._grant_checks.append(check)

    # ------------------------------------------------------------ resolving

    def principal(self, session: Session, actor: Actor) -> Principal:
        if actor.system or actor.user_id is None:
            return Principal(actor)
        grants: list[Grant] = []
        if actor.holds(SYSTEM_ADMIN):
            grants.append(SYSTEM_ADMIN_GRANT)
        roles = authenticated_roles(session, actor.user_id, actor.roles)
        if roles is None:
            roles = self.repo.roles_by_keys(session, list(actor.roles))
        for role in roles:
            grants.extend(parse_grants(role.permissions))
        memberships = self.repo.departments_of(session, actor.user_id)
        direct = tuple(department for department, _primary in memberships)
        primary = next((department for department, primary in memberships if primary), None)
        if primary is None and len(direct) == 1:
            primary = direct[0]
        tree = frozenset(direct)
        if direct and any(self._scope_needs_tree(g) for g in grants):
            tree = _descendants(self.repo.department_links(session), direct)
        return Principal(actor, tuple(grants), direct, primary, tree)

    @staticmethod
    def _scope_needs_tree(grant: Grant) -> bool:
        rows = grant.rows
        scopes = rows.values() if isinstance(rows, dict) else (rows,)
        return "department_tree" in scopes

    # ------------------------------------------------------------ deciding

    def denial(
        self, principal: Principal, action: str, app: str | None, form: str | None = None
    ) -> Forbidden | None:
        """Why ``action`` on the app/form is refused, or None when it is allowed."""
        actor = principal.actor
        if actor.system:
            return None
        if not scopes_allow(actor.scopes, action, app, form):
            wanted = action if app is None else f"{action}:{app}" + (f".{form}" if form else "")
            return Forbidden(
                f"this API token's scopes do not include {wanted!r} (it has: "
                f"{', '.join(actor.scopes or ()) or 'none'}); create a token with that scope",
                code="token_scope_insufficient",
                zh_cn=f"此 API 令牌的权限范围不包含 {wanted}（现有："
                f"{'、'.join(actor.scopes or ()) or '无'}）：请创建具有该范围的令牌",
            )
        if action in WRITE_ACTIONS and actor.holds(AUDIT_ADMIN):
            return Forbidden(
                "audit administrators read the audit trail and change no business data or "
                "definitions (separation of duties)",
                code="audit_admin_read_only",
                zh_cn="审计管理员只查看审计日志，不修改业务数据或定义（职责分离）",
            )
        if app is not None and self.grants_for(principal, action, app, form):
            return None
        return Forbidden(
            f"you may not {action} {_target(app, form, action)}: none of your roles grants "
            "it; ask a security administrator",
            code="permission_denied",
            zh_cn=f"您无权{_target_zh(app, form, action)}：您的角色都没有这项权限，"
            "请联系安全管理员",
        )

    def upload_denial(self, principal: Principal) -> Forbidden | None:
        """Why ``principal`` may not upload files, or None. A file is uploaded to be attached
        to a record: it needs a grant that creates or updates records of some form (and, for a
        token, a scope that allows that write); audit administrators never upload."""
        actor = principal.actor
        if actor.system:
            return None
        writes = [g for g in principal.grants if any(a in g.actions for a in RECORD_WRITES)]
        if actor.scopes is not None and not any(
            scope_writes_where(scope, grant) for scope in actor.scopes for grant in writes
        ):
            return Forbidden(
                "uploading files needs a token scope that creates or updates records (e.g. "
                "'create:app.form', 'update' or 'all'; it has: "
                f"{', '.join(actor.scopes) or 'none'})",
                code="token_scope_insufficient",
                zh_cn="上传文件需要能新建或修改记录的令牌权限范围（例如 'create:app.form'、"
                f"'update' 或 'all'；现有：{'、'.join(actor.scopes) or '无'}）",
            )
        if actor.holds(AUDIT_ADMIN):
            return Forbidden(
                "audit administrators read the audit trail and upload no files "
                "(separation of duties)",
                code="audit_admin_read_only",
                zh_cn="审计管理员只查看审计日志，不上传文件（职责分离）",
            )
        if writes:
            return None
        return Forbidden(
            "uploading files needs a role that may create or update records of some form; ask a "
            "security administrator",
            code="permission_denied",
            zh_cn="上传文件需要有权新建或修改某个表单记录的角色：请联系安全管理员",
        )

    def require(
        self, session: Session, actor: Actor, action: str, app: str | None, form: str | None = None
    ) -> Principal:
        principal = self.principal(session, actor)
        self.check(principal, action, app, form)
        return principal

    def check(
        self, principal: Principal, action: str, app: str | None, form: str | None = None
    ) -> None:
        refusal = self.denial(principal, action, app, form)
        if refusal is not None:
            raise refusal

    def grants_for(
        self, principal: Principal, action: str, app: str, form: str | None = None
    ) -> list[Grant]:
        """The grants allowing ``action`` on the app (and form, for record actions; decision
        model, for ``evaluate``, which ``design`` on the app allows too)."""
        if action in DECISION_ACTIONS:
            return [
                grant
                for grant in principal.grants
                if ("evaluate" in grant.actions and grant.covers_decision(app, form or ""))
                or ("design" in grant.actions and grant.covers(app, None))
            ]
        target_form = None if action in APP_ACTIONS else form
        return [
            grant
            for grant in principal.grants
            if action in grant.actions and grant.covers(app, target_form)
        ]

    def sees_app(self, principal: Principal, app: str) -> bool:
        """Whether any grant reaches the app (its definitions are then readable)."""
        if principal.actor.system:
            return True
        if not scopes_reach_app(principal.actor.scopes, app):
            return False
        return any(grant.covers(app, None) for grant in principal.grants)

    # ------------------------------------------------------------ administrator roles

    @staticmethod
    def require_admin(actor: Actor, role_key: str, scope: str) -> None:
        """Platform-level operations belong to one administrator role each."""
        if actor.system:
            return
        if not scopes_allow(actor.scopes, scope):
            raise Forbidden(
                f"this API token's scopes do not include {scope!r}",
                code="token_scope_insufficient",
                zh_cn=f"此 API 令牌的权限范围不包含 {scope}",
            )
        if not actor.holds(role_key):
            names = {
                SYSTEM_ADMIN: "system administrator",
                SECURITY_ADMIN: "security administrator",
                AUDIT_ADMIN: "audit administrator",
            }
            names_zh = {role.key: role.label["zh-CN"] for role in BUILTIN_ROLES}
            raise Forbidden(
                f"only a {names.get(role_key, role_key)} may do this",
                code="admin_role_required",
                zh_cn=f"只有{names_zh.get(role_key, role_key)}才能执行此操作",
            )

    # ------------------------------------------------------------ role grants

    def role_grants(self, session: Session, roles: RoleService, key: str) -> list[Grant]:
        return parse_grants(roles.role(session, key).permissions)

    def set_role_grants(
        self, session: Session, actor: Actor, roles: RoleService, key: str, raw: Any
    ) -> list[Grant]:
        """Replace the role's grants with ``raw`` (a JSON list), after checking every grant
        statically and against the stored apps and forms. Audited with before and after."""
        self.require_admin(actor, SECURITY_ADMIN, "identity")
        role = roles.role(session, key)
        if role.admin_kind is not None:
            raise Invalid(
                f"{key!r} is a built-in administrator role; its powers are fixed",
                code="role_builtin",
                errors=[ErrorItem("/", "role_builtin", "grant business roles instead")],
                zh_cn=f"{key} 是内置管理员角色，其权限固定",
            )
        grants = self.validate_grants(session, raw)
        before = role.permissions
        role.permissions = grants_json(grants)
        self.repo.save(session)
        self.audit.record(
            session,
            actor,
            "role.permissions",
            object_type="role",
            object_id=role.id,
            details={"role": role.key, "before": before, "after": role.permissions},
        )
        return grants

    def validate_grants(self, session: Session, raw: Any) -> list[Grant]:
        """Grants from JSON, or ``grants_invalid`` listing every problem with its pointer."""
        if not isinstance(raw, list):
            item = ErrorItem(
                "", "wrong_type", "send a JSON list of grants", "请发送授权的 JSON 列表"
            )
            raise _invalid([item])
        problems: list[ErrorItem] = []
        grants: list[Grant] = []
        for index, item in enumerate(raw):
            try:
                grant = Grant.model_validate(item)
            except ValidationError as exc:
                problems.extend(_pydantic_items(exc, f"/{index}"))
                continue
            for check in self._grant_checks:
                for pointer, said in check(session, grant):
                    where = f"/{index}{pointer}"
                    problems.append(ErrorItem(where, "grant_invalid", said.en, said.zh_cn))
            grants.append(grant)
        if problems:
            raise _invalid(problems)
        return grants


def _invalid(errors: Sequence[ErrorItem]) -> Invalid:
    return Invalid(
        f"the grants have {len(errors)} problem(s); nothing was saved",
        code="grants_invalid",
        errors=errors,
        zh_cn=f"授权有 {len(errors)} 处问题：未保存任何内容",
    )


def _pydantic_items(exc: ValidationError, prefix: str) -> list[ErrorItem]:
    items: list[ErrorItem] = []
    for error in exc.errors():
        location = "".join(f"/{escape_pointer(str(part))}" for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        items.append(ErrorItem(prefix + location, "grant_invalid", message, schema_zh(error)))
    return items


def _descendants(links: Sequence[tuple[str, str | None]], roots: Sequence[str]) -> frozenset[str]:
    children: dict[str | None, list[str]] = {}
    for node, parent in links:
        children.setdefault(parent, []).append(node)
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children.get(node, ()))
    return frozenset(seen)
