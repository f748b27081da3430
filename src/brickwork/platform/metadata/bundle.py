"""App bundles: one JSON document with an app, its definitions, drafts and published versions.

Export then import into an empty database reproduces the same ids, bodies and checksums. Import is
idempotent (a second import changes nothing) and all-or-nothing: every check runs before the first
write, and a bundle that conflicts with what is stored is refused whole. Imported versions are put
in place as a publish would (the publish hooks: form tables, flows compiled against the app, rule
schedules); a refusal there undoes the whole import.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from brickwork import __version__
from brickwork.jsonio import checksum
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, PlatformError
from brickwork.platform.metadata import navigation as menus
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.schemas import (
    BUNDLE_FORMAT,
    BUNDLE_FORMAT_VERSION,
    Bundle,
    BundleDefinition,
    ImportChange,
    ImportOutcome,
    Kind,
)
from brickwork.platform.metadata.service import (
    MetadataService,
    PublishRequestContext,
    kind_zh,
    version_row_id,
)
from brickwork.platform.metadata.validation import (
    BUNDLE_SCHEMA_FILE,
    schema_problems,
    validate_definition,
)
from brickwork.platform.models import Application, Definition, DefinitionVersion

PREPARE_ORDER = (Kind.FORM, Kind.DECISION_TABLE, Kind.FLOW, Kind.RULE)
"""Imported versions are put in place in this order: what depends on others comes later."""


def _iso(value: datetime) -> str:
    return value.isoformat()


class BundleService:
    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        repository: MetadataRepository | None = None,
        audit: AuditLog | None = None,
        permissions: PermissionService | None = None,
        metadata: MetadataService | None = None,
    ) -> None:
        self.clock = clock
        self.metadata = metadata
        """Whose publish hooks prepare imported versions (tables, schedules, compiled flows)."""
        self.repo = repository or MetadataRepository()
        self.audit = audit or AuditLog(clock=clock)
        self.permissions = permissions or PermissionService.standalone(self.audit)

    def export_app(self, session: Any, actor: Actor, app: Application) -> dict[str, Any]:
        self.permissions.require(session, actor, "design", app.key)
        definitions = self.repo.definitions(session, app.id, kind=None, include_archived=True)
        self.audit.record(
            session,
            actor,
            "app.export",
            object_type="app",
            object_id=app.key,
            details={"definitions": len(definitions)},
        )
        return {
            "format": BUNDLE_FORMAT,
            "format_version": BUNDLE_FORMAT_VERSION,
            "exported_at": _iso(self.clock()),
            "exported_by": actor.username,
            "brickwork_version": __version__,
            "app": {
                "id": app.id,
                "key": app.key,
                "label": app.label,
                "description": app.description,
                "archived": app.archived_at is not None,
                "publish_approval": app.publish_approval,
                **({"navigation": app.navigation} if app.navigation is not None else {}),
            },
            "definitions": [self._export_definition(session, d) for d in definitions],
        }

    def _export_definition(self, session: Any, definition: Definition) -> dict[str, Any]:
        return {
            "id": definition.id,
            "kind": definition.kind,
            "key": definition.key,
            "draft": definition.draft,
            "archived": definition.archived_at is not None,
            "versions": [
                {
                    "version": v.version,
                    "body": v.body,
                    "checksum": v.checksum,
                    "published_at": _iso(v.published_at),
                    "published_by": v.published_by,
                    "note": v.note,
                }
                for v in self.repo.versions(session, definition.id)
            ],
        }

    # ------------------------------------------------------------ import

    def import_bundle(
        self, session: Any, actor: Actor, document: Any, *, dry_run: bool = False
    ) -> ImportOutcome:
        bundle = self._parse(document)
        # Importing creates or replaces an app's definitions and versions: the app's admin.
        self.permissions.require(session, actor, "admin", bundle.app.key)
        self._check_contents(bundle)
        app = self.repo.app_by_key(session, bundle.app.key)
        plan = self._plan(session, bundle, app)
        self._check_navigation(session, bundle, app)
        new_versions = sum(count for _stored, count in plan)
        if new_versions:
            # New versions are publications: they need publish, and maker-checker apps take
            # them only from the host's CLI (a reviewed deployment), never over the API.
            self.permissions.require(session, actor, "publish", bundle.app.key)
            if app is not None and app.publish_approval and not actor.system:
                raise Conflict(
                    f"app {app.key!r} requires approval to publish; this bundle carries "
                    f"{new_versions} new version(s): import drafts only, or import with "
                    "`brickwork apps import` on the host",
                    code="publish_approval_required",
                    zh_cn=f"应用 {app.key!r} 的发布需要审批，而此应用包带有 {new_versions} "
                    "个新版本：请只导入草稿，或在服务器上用 `brickwork apps import` 导入",
                )
        navigation = self._navigation_change(bundle, app)
        if dry_run:
            return self._outcome(bundle, app is None, plan, navigation, dry_run=True)
        app_created = app is None
        app = app or self._create_app(session, actor, bundle)
        approval = self._apply_publish_approval(session, actor, app, bundle)
        if navigation:
            app.navigation = menus.stored(bundle.app.navigation or menus.parsed(None))
            app.updated_at, app.updated_by = self.clock(), actor.username
        written = [
            (index, self._write_definition(session, actor, app, item, plan[index]))
            for index, item in enumerate(bundle.definitions)
        ]
        self._prepare(session, actor, app, bundle, [(i, d) for i, d in written if plan[i][1]])
        outcome = self._outcome(bundle, app_created, plan, navigation, dry_run=False)
        details = outcome.model_dump()
        if approval is not None:
            details["publish_approval"] = approval
        self.audit.record(
            session, actor, "app.import", object_type="app", object_id=app.key, details=details
        )
        return outcome

    def _prepare(
        self,
        session: Any,
        actor: Actor,
        app: Application,
        bundle: Bundle,
        published: list[tuple[int, Definition]],
    ) -> None:
        """Run the publish hooks for each definition that got new versions, as a publish
        would: forms first (their tables), then decision models, flows and rules, which
        depend on them. A hook's refusal refuses the whole import, pointing into the bundle."""
        if self.metadata is None:
            return
        order = {kind: rank for rank, kind in enumerate(PREPARE_ORDER)}
        published.sort(key=lambda entry: order.get(Kind(entry[1].kind), len(order)))
        for index, definition in published:
            if definition.archived_at is not None or definition.latest_version is None:
                continue
            kind = Kind(definition.kind)
            number = definition.latest_version
            body = bundle.definitions[index].versions[-1].body
            request = PublishRequestContext(
                app_key=app.key,
                definition=definition,
                body=body,
                version=number,
                conversions={},
                dry_run=False,
                actor=actor,
                importing=True,
            )
            base = f"/definitions/{index}/versions/{len(bundle.definitions[index].versions) - 1}"
            try:
                for hook in self.metadata.publish_hooks.get(kind, ()):
                    hook(session, request)
            except PlatformError as exc:
                errors = [
                    ErrorItem(f"{base}/body{e.pointer}", e.code, e.message, e.zh_cn)
                    for e in exc.errors
                ] or [ErrorItem(f"{base}/body", exc.code, exc.message, exc.zh_cn)]
                raise Invalid(
                    f"{kind.value} {definition.key!r} version {number} cannot be put in place "
                    f"here: {exc.message}; nothing was imported",
                    code="bundle_not_installable",
                    errors=errors,
                    zh_cn=f"{kind_zh(kind)} {definition.key!r} 第 {number} 版无法在此部署："
                    f"{exc.text('zh-CN')}；未导入任何内容",
                ) from None

    def _check_navigation(self, session: Any, bundle: Bundle, app: Application | None) -> None:
        """The bundle's menu names only forms, reports and dashboards that the app will hold
        (the bundle's, or already stored here)."""
        if bundle.app.navigation is None:
            return
        known = {(item.kind.value, item.key) for item in bundle.definitions if not item.archived}
        if app is not None:
            known |= {
                (d.kind, d.key)
                for d in self.repo.definitions(session, app.id, kind=None, include_archived=False)
            }
        found = menus.problems(bundle.app.navigation, known, at="/app/navigation")
        if found:
            raise Invalid(
                f"the bundle's menu has {len(found)} problem(s); nothing was imported",
                code="bundle_invalid",
                errors=found,
                zh_cn=f"应用包的菜单有 {len(found)} 处问题：未导入任何内容",
            )

    @staticmethod
    def _navigation_change(bundle: Bundle, app: Application | None) -> bool:
        """Whether the import changes the app's menu (a bundle without one leaves it)."""
        if bundle.app.navigation is None:
            return False
        wanted = menus.stored(bundle.app.navigation)
        return (None if app is None else app.navigation) != wanted

    def _apply_publish_approval(
        self, session: Any, actor: Actor, app: Application, bundle: Bundle
    ) -> dict[str, bool] | None:
        """Take the bundle's maker-checker setting; the change (before/after) for the audit
        event, or None when nothing changed.

        Turning it off weakens the app's controls, so it needs what changing the setting through
        ``PATCH /apps/{app}`` needs (``admin`` on the app). New versions in the same bundle were
        already refused over the API (checked against the stored setting, before this runs), so
        a bundle can never switch approval off and publish at once."""
        wanted = bundle.app.publish_approval
        if wanted is None or wanted == app.publish_approval:
            return None
        if not wanted:
            self.permissions.require(session, actor, "admin", app.key)
        change = {"before": app.publish_approval, "after": wanted}
        app.publish_approval = wanted
        app.updated_at, app.updated_by = self.clock(), actor.username
        return change

    @staticmethod
    def _parse(document: Any) -> Bundle:
        problems = schema_problems(document, BUNDLE_SCHEMA_FILE)
        if problems:
            raise Invalid(
                "the bundle does not have the expected shape; nothing was imported",
                code="bundle_invalid",
                errors=problems,
                zh_cn="应用包的格式不符合要求：未导入任何内容",
            )
        try:
            return Bundle.model_validate(document)
        except ValidationError as exc:  # pragma: no cover - the JSON Schema catches these first
            raise Invalid(
                "the bundle is invalid; nothing was imported",
                code="bundle_invalid",
                errors=[ErrorItem("", "bundle_invalid", str(exc))],
                zh_cn="应用包无效：未导入任何内容",
            ) from exc

    @staticmethod
    def _check_contents(bundle: Bundle) -> None:
        problems: list[ErrorItem] = []
        seen: set[tuple[str, str]] = set()
        for index, item in enumerate(bundle.definitions):
            here = f"/definitions/{index}"
            if (item.kind, item.key) in seen:
                problems.append(
                    ErrorItem(
                        f"{here}/key",
                        "duplicate_definition",
                        f"{item.kind.value} {item.key!r} appears twice",
                    )
                )
            seen.add((item.kind, item.key))
            problems.extend(_check_body(item.draft, item, f"{here}/draft", full=False))
            for position, version in enumerate(item.versions):
                at = f"{here}/versions/{position}"
                if version.version != position + 1:
                    problems.append(
                        ErrorItem(
                            f"{at}/version",
                            "version_sequence",
                            f"expected version {position + 1}, found {version.version}",
                        )
                    )
                if checksum(version.body) != version.checksum:
                    problems.append(
                        ErrorItem(
                            f"{at}/checksum",
                            "checksum_mismatch",
                            "the body does not match its checksum; the bundle "
                            "was altered or damaged",
                        )
                    )
                problems.extend(_check_body(version.body, item, f"{at}/body", full=True))
        if problems:
            raise Invalid(
                f"the bundle has {len(problems)} problem(s); nothing was imported",
                code="bundle_invalid",
                errors=problems,
                zh_cn=f"应用包有 {len(problems)} 处问题：未导入任何内容",
            )

    def _plan(
        self, session: Any, bundle: Bundle, app: Application | None
    ) -> list[tuple[Definition | None, int]]:
        """For each definition: the stored row (or None) and how many versions are new."""
        plan: list[tuple[Definition | None, int]] = []
        conflicts: list[ErrorItem] = []
        if app is not None and app.id != bundle.app.id:
            conflicts.append(
                ErrorItem(
                    "/app/id", "bundle_conflict", f"app {app.key!r} exists here with another id"
                )
            )
        for index, item in enumerate(bundle.definitions):
            stored = (
                None if app is None else self.repo.definition(session, app.id, item.kind, item.key)
            )
            if stored is None:
                taken = self.repo.definition_by_id(session, item.id)
                if taken is not None:
                    conflicts.append(
                        ErrorItem(
                            f"/definitions/{index}/id",
                            "bundle_conflict",
                            "this id belongs to another definition here",
                        )
                    )
                plan.append((None, len(item.versions)))
                continue
            existing = self.repo.versions(session, stored.id)
            for position, version in enumerate(existing):
                if position >= len(item.versions):
                    conflicts.append(
                        ErrorItem(
                            f"/definitions/{index}/versions",
                            "bundle_behind",
                            f"this database already has version {version.version}, which the bundle"
                            " lacks; export again from the newer system",
                        )
                    )
                    break
                if item.versions[position].checksum != version.checksum:
                    conflicts.append(
                        ErrorItem(
                            f"/definitions/{index}/versions/{position}/checksum",
                            "bundle_conflict",
                            f"version {version.version} here differs from the bundle's",
                        )
                    )
            plan.append((stored, max(0, len(item.versions) - len(existing))))
        if conflicts:
            raise Conflict(
                "the bundle conflicts with stored definitions; nothing was imported",
                code="bundle_conflict",
                errors=conflicts,
                zh_cn="应用包与系统中已有的定义冲突：未导入任何内容",
            )
        return plan

    def _create_app(self, session: Any, actor: Actor, bundle: Bundle) -> Application:
        now = self.clock()
        label = bundle.app.label
        app = Application(
            id=bundle.app.id,
            key=bundle.app.key,
            label=label
            if isinstance(label, str)
            else label.model_dump(by_alias=True, exclude_none=True),
            description=bundle.app.description,
            created_at=now,
            created_by=actor.username,
            updated_at=now,
            updated_by=actor.username,
            archived_at=now if bundle.app.archived else None,
        )
        self.repo.add(session, app)
        return app

    def _write_definition(
        self,
        session: Any,
        actor: Actor,
        app: Application,
        item: BundleDefinition,
        plan: tuple[Definition | None, int],
    ) -> Definition:
        stored, new_versions = plan
        now = self.clock()
        if stored is None:
            stored = Definition(
                id=item.id,
                app_id=app.id,
                kind=item.kind.value,
                key=item.key,
                draft=item.draft,
                draft_revision=1,
                latest_version=None,
                created_at=now,
                created_by=actor.username,
                updated_at=now,
                updated_by=actor.username,
            )
            self.repo.add(session, stored)
        elif checksum(stored.draft) != checksum(item.draft):
            stored.draft = item.draft
            stored.draft_revision += 1
            stored.updated_at, stored.updated_by = now, actor.username
        for version in item.versions[len(item.versions) - new_versions :]:
            self.repo.add(
                session,
                DefinitionVersion(
                    id=version_row_id(item.id, version.version),
                    definition_id=stored.id,
                    version=version.version,
                    body=version.body,
                    checksum=version.checksum,
                    published_at=version.published_at,
                    published_by=version.published_by,
                    note=version.note,
                ),
            )
        if item.versions:
            stored.latest_version = item.versions[-1].version
        archived = stored.archived_at is not None
        if archived != item.archived:
            stored.archived_at = now if item.archived else None
        self.repo.save(session)
        return stored

    @staticmethod
    def _outcome(
        bundle: Bundle,
        app_created: bool,
        plan: list[tuple[Definition | None, int]],
        navigation: bool,
        *,
        dry_run: bool,
    ) -> ImportOutcome:
        changes: list[ImportChange] = []
        for (stored, added), item in zip(plan, bundle.definitions, strict=True):
            change = "created" if stored is None else "unchanged"
            if stored is not None and (
                added
                or checksum(stored.draft) != checksum(item.draft)
                or (stored.archived_at is not None) != item.archived
            ):
                change = "updated"
            numbers = [v.version for v in item.versions[len(item.versions) - added :]]
            changes.append(
                ImportChange(
                    kind=item.kind,
                    key=item.key,
                    change=change,
                    versions_added=numbers if added else [],
                )
            )
        created = sum(1 for c in changes if c.change == "created")
        updated = sum(1 for c in changes if c.change == "updated")
        return ImportOutcome(
            app=bundle.app.key,
            app_created=app_created,
            definitions_created=created,
            definitions_updated=updated,
            definitions_unchanged=len(plan) - created - updated,
            versions_added=sum(added for _, added in plan),
            navigation_changed=navigation,
            changes=changes,
            dry_run=dry_run,
        )


def _check_body(body: Any, item: BundleDefinition, pointer: str, *, full: bool) -> list[ErrorItem]:
    """A draft needs a sound envelope; a published version must also pass its kind's checks."""
    problems = [
        ErrorItem(f"{pointer}{p.pointer}", p.code, p.message, p.zh_cn)
        for p in validate_definition(body)
        if full or not p.pointer.startswith("/spec")
    ]
    if isinstance(body, dict) and (body.get("kind"), body.get("key")) != (
        item.kind.value,
        item.key,
    ):
        problems.append(
            ErrorItem(
                pointer,
                "bundle_mismatch",
                f"body names {body.get('kind')!r}/{body.get('key')!r}, but the "
                f"entry is {item.kind.value!r}/{item.key!r}",
            )
        )
    return problems
