"""The metadata store: apps, definition drafts, validation, publishing and versions.

Orchestrates the repository and the validators; never commits (the caller owns the transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from brickwork.jsonio import checksum, to_jsonable
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.policy import scope_forms
from brickwork.platform.clock import Clock, business_date, new_id, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound
from brickwork.platform.metadata import diff as diffing
from brickwork.platform.metadata import navigation as menus
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.schemas import (
    SCHEMA_VERSION,
    AppCreate,
    AppNavigation,
    AppUpdate,
    DefinitionCreate,
    DraftUpdate,
    Kind,
    Status,
)
from brickwork.platform.metadata.validation import validate_definition
from brickwork.platform.models import Application, Definition, DefinitionVersion

VersionRef = int | Literal["draft"]

KIND_ZH: dict[str, str] = {
    Kind.APP: "应用",
    Kind.FORM: "表单",
    Kind.FLOW: "流程",
    Kind.RULE: "规则",
    Kind.DECISION_TABLE: "决策表",
    Kind.REPORT: "报表",
    Kind.DASHBOARD: "仪表盘",
    Kind.ROLE: "角色",
    Kind.PARAMETER_TABLE: "参数表",
}
"""Each kind of definition as Chinese messages name it."""


def kind_zh(kind: str) -> str:
    """A kind of definition (or its value) in Chinese: 表单, 报表, 决策表, ..."""
    return KIND_ZH.get(kind, kind)


@dataclass(frozen=True, slots=True)
class PublishRequestContext:
    """What a publish hook gets: the definition, the body being published and the options."""

    app_key: str
    definition: Definition
    body: Any
    version: int
    conversions: dict[str, str]
    dry_run: bool
    actor: Actor | None = None
    """Who publishes (hooks that change other data audit it under their name)."""
    importing: bool = False
    """Put in place by an app bundle import: the bundle's other definitions come with it and
    are checked by their own hooks, after the forms (cross-checks against them wait for that)."""


PublishHook = Callable[[Any, PublishRequestContext], list[str]]
"""Prepares storage for a kind (e.g. a form's table); returns the steps it takes (or would take,
on a dry run); raises ``Invalid`` when the new version cannot be stored safely."""


DraftHook = Callable[[Any, Any, date], Any]
"""Completes a kind's spec when a draft is saved or published: (spec, the latest published body
or None, today) -> the spec to store (e.g. a form's default encryption, see `engines.form
.protection`)."""
PublishNote = Callable[[Any, date], dict[str, Any]]
"""What the publish audit event must also say about a body (e.g. fields stored in clear)."""
ArchiveCheck = Callable[[Any, str, str, bool], list[ErrorItem]]
"""`(session, app key, definition key, archived)`: what archiving (True) or restoring (False) the
definition would break, as errors with pointers; an empty list lets it happen."""


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    version_number: int
    version: DefinitionVersion | None
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Diff:
    from_version: VersionRef
    to_version: VersionRef
    patch: list[dict[str, Any]]
    changes: list[dict[str, Any]]


def label_json(label: Any) -> Any:
    """Labels are stored as the plain string or the language map, without empty languages."""
    if isinstance(label, str):
        return label
    return label.model_dump(by_alias=True, exclude_none=True)


def version_row_id(definition_id: str, version: int) -> str:
    """Version rows get ids derived from their definition, so bundles reproduce them exactly."""
    return str(uuid.uuid5(uuid.UUID(int=0), f"{definition_id}:{version}"))


def _ref(app_key: str, kind: Kind, key: str) -> str:
    return f"{app_key}/{kind.value}/{key}"


def _app_settings(app: Application) -> dict[str, Any]:
    return {
        "label": app.label,
        "description": app.description,
        "publish_approval": app.publish_approval,
    }


def status_of(definition: Definition) -> Status:
    if definition.archived_at is not None:
        return Status.ARCHIVED
    if definition.latest_version is not None:
        return Status.PUBLISHED
    return Status.DRAFT


class MetadataService:
    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        repository: MetadataRepository | None = None,
        audit: AuditLog | None = None,
        permissions: PermissionService | None = None,
    ) -> None:
        self.clock = clock
        self.repo = repository or MetadataRepository()
        self.audit = audit or AuditLog(clock=clock)
        self.permissions = permissions or PermissionService.standalone(self.audit)
        self.publish_hooks: dict[Kind, list[PublishHook]] = {}
        self.draft_hooks: dict[Kind, list[DraftHook]] = {}
        self.publish_notes: dict[Kind, list[PublishNote]] = {}
        self.archive_checks: dict[Kind, list[ArchiveCheck]] = {}

    def require(self, session: Any, actor: Actor, action: str, app_key: str) -> None:
        """``design``, ``publish`` or ``admin`` on the app (see ``auth.permissions``)."""
        self.permissions.require(session, actor, action, app_key)

    def readable_apps(
        self, session: Any, actor: Actor, apps: Sequence[Application]
    ) -> list[Application]:
        principal = self.permissions.principal(session, actor)
        return [app for app in apps if self.permissions.sees_app(principal, app.key)]

    def require_visible(self, session: Any, actor: Actor, app_key: str) -> Application:
        """The app, if any grant reaches it (its definitions are then readable)."""
        app = self.app(session, app_key)
        principal = self.permissions.principal(session, actor)
        if not self.permissions.sees_app(principal, app_key):
            self.permissions.check(principal, "read", app_key)
        return app

    def require_visible_definition(
        self, session: Any, actor: Actor, app_key: str, kind: Kind, key: str
    ) -> Application:
        """The app, if the actor may read this definition of it: a token scoped to forms
        (``read:app.form``) reads those forms only; other definitions do not exist for it."""
        app = self.require_visible(session, actor, app_key)
        if not self.definition_visible(actor, app_key, kind, key):
            raise NotFound(
                f"app {app_key!r} has no {kind.value} with key {key!r}",
                code="definition_not_found",
                zh_cn=f"应用 {app_key!r} 没有{kind_zh(kind)} {key!r}",
            )
        return app

    @staticmethod
    def definition_visible(actor: Actor, app_key: str, kind: Kind, key: str) -> bool:
        forms = None if actor.system else scope_forms(actor.scopes, app_key)
        return forms is None or (kind == Kind.FORM and key in forms)

    def add_publish_hook(self, kind: Kind, hook: PublishHook) -> None:
        self.publish_hooks.setdefault(kind, []).append(hook)

    def add_draft_hook(self, kind: Kind, hook: DraftHook) -> None:
        self.draft_hooks.setdefault(kind, []).append(hook)

    def add_publish_note(self, kind: Kind, note: PublishNote) -> None:
        self.publish_notes.setdefault(kind, []).append(note)

    def add_archive_check(self, kind: Kind, check: ArchiveCheck) -> None:
        self.archive_checks.setdefault(kind, []).append(check)

    def _completed_spec(
        self, session: Any, definition: Definition | None, kind: Kind, spec: Any
    ) -> Any:
        """``spec`` after the kind's draft hooks, which see the latest published body."""
        hooks = self.draft_hooks.get(kind, ())
        if not hooks:
            return spec
        previous = None
        if definition is not None and definition.latest_version is not None:
            latest = self.repo.version(session, definition.id, definition.latest_version)
            previous = None if latest is None else latest.body
        today = business_date(self.clock())
        for hook in hooks:
            spec = hook(spec, previous, today)
        return spec

    def _completed_draft(self, session: Any, definition: Definition, kind: Kind) -> Any:
        """The draft body with its spec completed by the draft hooks (drafts saved before a
        hook existed, or imported from a bundle, get it when they are published)."""
        draft = definition.draft
        if not isinstance(draft, dict) or "spec" not in draft:
            return draft
        spec = self._completed_spec(session, definition, kind, draft["spec"])
        return draft if spec == draft["spec"] else {**draft, "spec": to_jsonable(spec)}

    # ------------------------------------------------------------ apps

    def list_apps(self, session: Any, *, include_archived: bool = False) -> Sequence[Application]:
        return self.repo.apps(session, include_archived=include_archived)

    def app(self, session: Any, key: str) -> Application:
        app = self.repo.app_by_key(session, key)
        if app is None:
            raise NotFound(
                f"there is no app with key {key!r}", code="app_not_found", zh_cn=f"没有应用 {key!r}"
            )
        return app

    def create_app(self, session: Any, actor: Actor, data: AppCreate) -> Application:
        self.require(session, actor, "admin", data.key)
        if self.repo.app_by_key(session, data.key) is not None:
            raise Conflict(
                f"an app with key {data.key!r} already exists; choose another key",
                code="app_exists",
                errors=[ErrorItem("/key", "app_exists", "this key is taken")],
                zh_cn=f"应用 {data.key!r} 已存在：请换一个键",
            )
        now = self.clock()
        app = Application(
            id=new_id(),
            key=data.key,
            label=label_json(data.label),
            description=data.description,
            created_at=now,
            created_by=actor.username,
            updated_at=now,
            updated_by=actor.username,
        )
        self.repo.add(session, app)
        self.audit.record(
            session,
            actor,
            "app.create",
            object_type="app",
            object_id=app.key,
            details={"id": app.id, "label": app.label},
        )
        return app

    def update_app(self, session: Any, actor: Actor, key: str, data: AppUpdate) -> Application:
        self.require(session, actor, "admin", key)
        app = self._active_app(session, key)
        before = _app_settings(app)
        if data.label is not None:
            app.label = label_json(data.label)
        if data.description is not None:
            app.description = data.description
        if data.publish_approval is not None:
            app.publish_approval = data.publish_approval
        app.updated_at, app.updated_by = self.clock(), actor.username
        self.repo.save(session)
        after = _app_settings(app)
        self.audit.record(
            session,
            actor,
            "app.update",
            object_type="app",
            object_id=key,
            details={"changes": diffing.summarise(before, after)},
        )
        return app

    def navigation(self, session: Any, key: str) -> AppNavigation:
        """The app's menu as the analyst arranged it (empty: the default menu)."""
        return menus.parsed(self.app(session, key).navigation)

    def set_navigation(
        self, session: Any, actor: Actor, key: str, navigation: AppNavigation
    ) -> Application:
        """Arrange the app's menu (``design`` on the app). Every entry must name a form, report
        or dashboard of the app, once; every group an entry names must be defined."""
        self.require(session, actor, "design", key)
        app = self._active_app(session, key)
        found = menus.problems(navigation, self.menu_definitions(session, app))
        if found:
            raise Invalid(
                f"the menu has {len(found)} problem(s); nothing was saved",
                code="navigation_invalid",
                errors=found,
                zh_cn=f"菜单有 {len(found)} 处问题：未保存任何内容",
            )
        before, after = app.navigation, menus.stored(navigation)
        if before == after:
            return app
        app.navigation = after
        app.updated_at, app.updated_by = self.clock(), actor.username
        self.repo.save(session)
        self.audit.record(
            session,
            actor,
            "app.navigation",
            object_type="app",
            object_id=key,
            details={"changes": diffing.summarise(before or {}, after or {})},
        )
        return app

    def menu_definitions(self, session: Any, app: Application) -> set[tuple[str, str]]:
        """The app's forms, reports and dashboards (drafts too) as (kind, key)."""
        return {
            (d.kind, d.key)
            for d in self.repo.definitions(session, app.id, kind=None, include_archived=False)
            if d.kind in menus.MENU_KINDS
        }

    def archive_app(self, session: Any, actor: Actor, key: str, *, archived: bool) -> Application:
        self.require(session, actor, "admin", key)
        app = self.app(session, key)
        app.archived_at = self.clock() if archived else None
        app.updated_at, app.updated_by = self.clock(), actor.username
        self.repo.save(session)
        action = "app.archive" if archived else "app.restore"
        self.audit.record(session, actor, action, object_type="app", object_id=key)
        return app

    def _active_app(self, session: Any, key: str) -> Application:
        app = self.app(session, key)
        if app.archived_at is not None:
            raise Conflict(
                f"app {key!r} is archived; restore it before changing it",
                code="app_archived",
                zh_cn=f"应用 {key!r} 已归档：请先恢复再修改",
            )
        return app

    # ------------------------------------------------------------ definitions

    def list_definitions(
        self,
        session: Any,
        app_key: str,
        *,
        kind: Kind | None = None,
        include_archived: bool = False,
    ) -> Sequence[Definition]:
        app = self.app(session, app_key)
        return self.repo.definitions(session, app.id, kind=kind, include_archived=include_archived)

    def definition(self, session: Any, app_key: str, kind: Kind, key: str) -> Definition:
        app = self.app(session, app_key)
        definition = self.repo.definition(session, app.id, kind, key)
        if definition is None:
            raise NotFound(
                f"app {app_key!r} has no {kind.value} with key {key!r}",
                code="definition_not_found",
                zh_cn=f"应用 {app_key!r} 没有{kind_zh(kind)} {key!r}",
            )
        return definition

    def create_definition(
        self, session: Any, actor: Actor, app_key: str, data: DefinitionCreate
    ) -> Definition:
        self.require(session, actor, "design", app_key)
        app = self._active_app(session, app_key)
        if self.repo.definition(session, app.id, data.kind, data.key) is not None:
            raise Conflict(
                f"app {app_key!r} already has a {data.kind.value} with key {data.key!r}",
                code="definition_exists",
                errors=[ErrorItem("/key", "definition_exists", "this key is taken for the kind")],
                zh_cn=f"应用 {app_key!r} 已有键为 {data.key!r} 的{kind_zh(data.kind)}",
            )
        now = self.clock()
        definition = Definition(
            id=new_id(),
            app_id=app.id,
            kind=data.kind.value,
            key=data.key,
            draft=self._body(
                data.kind,
                data.key,
                data.label,
                data.description,
                self._completed_spec(session, None, data.kind, data.spec),
            ),
            draft_revision=1,
            latest_version=None,
            created_at=now,
            created_by=actor.username,
            updated_at=now,
            updated_by=actor.username,
        )
        self.repo.add(session, definition)
        self.audit.record(
            session,
            actor,
            "definition.create",
            object_type="definition",
            object_id=_ref(app_key, data.kind, data.key),
            details={"id": definition.id},
        )
        return definition

    def update_draft(
        self, session: Any, actor: Actor, app_key: str, kind: Kind, key: str, data: DraftUpdate
    ) -> Definition:
        self.require(session, actor, "design", app_key)
        definition = self._editable(session, app_key, kind, key, data.base_revision)
        spec = self._completed_spec(session, definition, kind, data.spec)
        body = self._body(kind, key, data.label, data.description, spec)
        if body != definition.draft:
            changes = diffing.summarise(definition.draft, body)
            definition.draft = body
            definition.draft_revision += 1
            definition.updated_at, definition.updated_by = self.clock(), actor.username
            self.repo.save(session)
            self.audit.record(
                session,
                actor,
                "definition.edit",
                object_type="definition",
                object_id=_ref(app_key, kind, key),
                details={"revision": definition.draft_revision, "changes": changes},
            )
        return definition

    def delete_draft_definition(
        self, session: Any, actor: Actor, app_key: str, kind: Kind, key: str
    ) -> None:
        self.require(session, actor, "design", app_key)
        definition = self.definition(session, app_key, kind, key)
        if definition.latest_version is not None:
            raise Conflict(
                "a published definition is never deleted; archive it instead",
                code="definition_published",
                zh_cn="已发布的定义不能删除：请改为归档",
            )
        requests = self._drop_publish_requests(session, definition)
        draft = definition.draft
        session.delete(definition)
        self.repo.save(session)
        self.audit.record(
            session,
            actor,
            "definition.delete",
            object_type="definition",
            object_id=_ref(app_key, kind, key),
            details={
                "draft": draft,
                **({"publish_requests": requests} if requests else {}),
            },
        )

    def _drop_publish_requests(self, session: Any, definition: Definition) -> list[str]:
        """Delete the draft's decided publish requests (the audit trail keeps their story) and
        return their ids; a pending one is refused, or a checker would approve a vanished draft."""
        requests = self.repo.publish_requests(
            session, definition.app_id, definition_id=definition.id
        )
        if any(request.status == "pending" for request in requests):
            raise Conflict(
                f"{definition.kind} {definition.key!r} has a pending publish request; withdraw "
                "or decide it before deleting the draft",
                code="publish_request_pending",
                zh_cn=f"{kind_zh(definition.kind)} {definition.key!r} 有待审批的发布申请："
                "请先撤回或审批，再删除草稿",
            )
        for request in requests:
            session.delete(request)
        self.repo.save(session)
        return [request.id for request in requests]

    def archive_definition(
        self, session: Any, actor: Actor, app_key: str, kind: Kind, key: str, *, archived: bool
    ) -> Definition:
        self.require(session, actor, "design", app_key)
        definition = self.definition(session, app_key, kind, key)
        broken = [
            error
            for check in self.archive_checks.get(kind, ())
            for error in check(session, app_key, key, archived)
        ]
        if broken:
            verb = "archived" if archived else "restored"
            verb_zh = "归档" if archived else "恢复"
            raise Conflict(
                f"{kind.value} {key!r} cannot be {verb}: published definitions depend on it "
                "(listed in `errors`); change them first",
                code="definition_in_use",
                errors=broken,
                zh_cn=f"{kind_zh(kind)} {key!r} 不能{verb_zh}：有已发布的定义依赖它（见明细），"
                "请先修改这些定义",
            )
        definition.archived_at = self.clock() if archived else None
        definition.updated_at, definition.updated_by = self.clock(), actor.username
        self.repo.save(session)
        action = "definition.archive" if archived else "definition.restore"
        self.audit.record(
            session, actor, action, object_type="definition", object_id=_ref(app_key, kind, key)
        )
        return definition

    def problems(self, definition: Definition) -> list[ErrorItem]:
        return validate_definition(definition.draft)

    def draft_differs(self, session: Any, definition: Definition) -> bool:
        if definition.latest_version is None:
            return True
        latest = self.repo.version(session, definition.id, definition.latest_version)
        return latest is None or latest.checksum != checksum(definition.draft)

    def publish(
        self,
        session: Any,
        actor: Actor,
        app_key: str,
        kind: Kind,
        key: str,
        *,
        note: str = "",
        base_revision: int | None = None,
        conversions: Mapping[str, str] | None = None,
        dry_run: bool = False,
        approval: str | None = None,
    ) -> PublishOutcome:
        """Validate the draft, let the kind's hooks prepare storage, then freeze version N.

        With ``dry_run`` nothing is written: the outcome lists what publishing would do. When
        the app requires approval (maker-checker), only a dry run or an approval (``approval``:
        the approved request) may publish; others ask through ``approvals``.
        """
        self.require(session, actor, "publish", app_key)
        app = self.app(session, app_key)
        if app.publish_approval and approval is None and not dry_run and not actor.system:
            raise Conflict(
                f"app {app_key!r} requires approval to publish: request it (POST .../"
                "publish-requests) and let another user holding 'publish' approve it",
                code="publish_approval_required",
                zh_cn=f"应用 {app_key!r} 的发布需要审批：请提交发布申请，"
                "由另一位拥有发布权限的用户审批",
            )
        definition = self._editable(session, app_key, kind, key, base_revision)
        completed = self._completed_draft(session, definition, kind)
        if completed != definition.draft and not dry_run:
            definition.draft = completed
            definition.draft_revision += 1
        self.check_publishable(session, definition, kind, key)
        number = (definition.latest_version or 0) + 1
        request = PublishRequestContext(
            app_key=app_key,
            definition=definition,
            body=completed,
            version=number,
            conversions=dict(conversions or {}),
            dry_run=dry_run,
            actor=actor,
        )
        steps = [
            step for hook in self.publish_hooks.get(kind, ()) for step in hook(session, request)
        ]
        if dry_run:
            return PublishOutcome(number, None, tuple(steps))
        version = DefinitionVersion(
            id=version_row_id(definition.id, number),
            definition_id=definition.id,
            version=number,
            body=definition.draft,
            checksum=checksum(definition.draft),
            published_at=self.clock(),
            published_by=actor.username,
            note=note,
        )
        self.repo.add(session, version)
        definition.latest_version = number
        definition.updated_at, definition.updated_by = self.clock(), actor.username
        self.repo.save(session)
        self.audit.record(
            session,
            actor,
            "definition.publish",
            object_type="definition",
            object_id=_ref(app_key, kind, key),
            details={
                "version": number,
                "checksum": version.checksum,
                "note": note,
                "storage": steps,
                **({"approved_request": approval} if approval else {}),
                **self._notes(kind, definition.draft),
            },
        )
        return PublishOutcome(number, version, tuple(steps))

    def _notes(self, kind: Kind, body: Any) -> dict[str, Any]:
        notes: dict[str, Any] = {}
        for note in self.publish_notes.get(kind, ()):
            notes.update(note(body, business_date(self.clock())))
        return notes

    def check_publishable(self, session: Any, definition: Definition, kind: Kind, key: str) -> None:
        """The draft is valid and differs from the latest version (else 422 / 409)."""
        problems = validate_definition(definition.draft)
        if problems:
            raise Invalid(
                f"{kind.value} {key!r} has {len(problems)} problem(s); fix them and publish again",
                code="definition_invalid",
                errors=problems,
                zh_cn=f"{kind_zh(kind)} {key!r} 有 {len(problems)} 处问题：请修正后重新发布",
            )
        if not self.draft_differs(session, definition):
            raise Conflict(
                f"the draft is identical to version {definition.latest_version};"
                " nothing to publish",
                code="no_changes",
                zh_cn=f"草稿与第 {definition.latest_version} 版相同：没有需要发布的内容",
            )

    def versions(
        self, session: Any, app_key: str, kind: Kind, key: str
    ) -> Sequence[DefinitionVersion]:
        definition = self.definition(session, app_key, kind, key)
        return self.repo.versions(session, definition.id)

    def version(
        self, session: Any, app_key: str, kind: Kind, key: str, number: int
    ) -> DefinitionVersion:
        definition = self.definition(session, app_key, kind, key)
        version = self.repo.version(session, definition.id, number)
        if version is None:
            raise NotFound(
                f"{kind.value} {key!r} has no version {number}"
                f" (latest is {definition.latest_version or 'none'})",
                code="version_not_found",
                zh_cn=f"{kind_zh(kind)} {key!r} 没有第 {number} 版"
                + (
                    f"（最新为第 {definition.latest_version} 版）"
                    if definition.latest_version
                    else "（尚未发布任何版本）"
                ),
            )
        return version

    def diff(
        self,
        session: Any,
        app_key: str,
        kind: Kind,
        key: str,
        *,
        from_version: VersionRef,
        to_version: VersionRef,
    ) -> Diff:
        definition = self.definition(session, app_key, kind, key)
        before = self._body_at(session, definition, from_version, app_key)
        after = self._body_at(session, definition, to_version, app_key)
        return Diff(
            from_version,
            to_version,
            diffing.json_patch(before, after),
            diffing.summarise(before, after),
        )

    # ------------------------------------------------------------ helpers

    def _body_at(self, session: Any, definition: Definition, ref: VersionRef, app_key: str) -> Any:
        if ref == "draft":
            return definition.draft
        return self.version(session, app_key, Kind(definition.kind), definition.key, ref).body

    def _editable(
        self, session: Any, app_key: str, kind: Kind, key: str, base_revision: int | None
    ) -> Definition:
        self._active_app(session, app_key)
        definition = self.definition(session, app_key, kind, key)
        if definition.archived_at is not None:
            raise Conflict(
                f"{kind.value} {key!r} is archived; restore it before changing it",
                code="definition_archived",
                zh_cn=f"{kind_zh(kind)} {key!r} 已归档：请先恢复再修改",
            )
        if base_revision is not None and base_revision != definition.draft_revision:
            raise Conflict(
                f"the draft changed since revision {base_revision} (now at"
                f" {definition.draft_revision}); reload it and apply your edit again",
                code="stale_revision",
                errors=[
                    ErrorItem(
                        "/base_revision",
                        "stale_revision",
                        f"current revision is {definition.draft_revision}",
                    )
                ],
                zh_cn=f"草稿在修订 {base_revision} 之后已有改动（现为修订 "
                f"{definition.draft_revision}）：请刷新后重新修改",
            )
        return definition

    @staticmethod
    def _body(
        kind: Kind, key: str, label: Any, description: str, spec: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": kind.value,
            "key": key,
            "label": label_json(label),
            "description": description,
            "spec": to_jsonable(spec),
        }
