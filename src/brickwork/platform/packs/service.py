"""Installing, upgrading and uninstalling template packs.

- **Install** creates the pack's app, its roles (or adds the pack's grants to roles that exist)
  and publishes every definition in dependency order, then (optionally) its sample records;
  all in the caller's transaction, so a refusal anywhere leaves nothing behind. Which
  definition versions the pack put in place is kept with the pack's state.
- **Upgrade** compares the new pack with what the installed version put in place: new, changed
  and removed definitions, and the schema changes of forms (fields added, removed, changed). A
  definition changed *locally* since (a later published version, or a draft that differs) and
  also changed by the pack is a conflict: the upgrade is refused until each conflict is
  resolved (`keep_local` or `take_pack`); local changes are never overwritten silently. A
  definition the pack no longer has is archived, never deleted; data stays.
- **Uninstall** archives the app and its definitions and keeps every record; a later install
  of the same pack restores them.

Only shipped packs (or, from the command line, a folder) are installed: their files are checked
against the manifest's checksums, and the installer acts as a trusted system actor, so the
grants a pack gives its roles are the reviewed ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from brickwork.engines.flow import Abstain, Approve, Event, Reject
from brickwork.jsonio import checksum, dumps
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import DepartmentCreate, RoleCreate, UserCreate
from brickwork.platform.auth.directory import DirectoryService
from brickwork.platform.auth.roles import SYSTEM_ADMIN
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden, Invalid, NotFound
from brickwork.platform.metadata.schemas import AppCreate, DefinitionCreate, DraftUpdate, Kind
from brickwork.platform.metadata.service import MetadataService
from brickwork.platform.models import Definition, InstanceSetting
from brickwork.platform.models.flow_task import OPEN, FlowTask
from brickwork.platform.packs.manifest import (
    KIND_ORDER,
    MANIFEST,
    SEMVER,
    Pack,
    PackDefinition,
    PackManifest,
    SampleData,
    SampleFlowStep,
    seal,
    version_tuple,
)
from brickwork.platform.records.service import RecordService
from brickwork.platform.rules.calendars import CalendarService
from brickwork.platform.runs.service import FlowService

STATE_PREFIX = "pack:"
SAMPLE_COMMANDS: dict[str, type[Approve] | type[Reject] | type[Abstain]] = {
    "approve": Approve,
    "reject": Reject,
    "abstain": Abstain,
}
"""The decisions a sample data file's `flow_steps` may take."""


def _sample_event(
    command: str, username: str, comment: str | None
) -> Callable[[str, int | None], Event]:
    kind = SAMPLE_COMMANDS[command]

    def make(task: str, version: int | None) -> Event:
        return kind(username, task, version, comment)

    return make


Change = Literal["new", "changed", "removed", "unchanged"]
Resolution = Literal["keep_local", "take_pack"]


@dataclass(frozen=True)
class PlanItem:
    ref: str
    """`kind/key`"""
    change: Change
    local: bool = False
    """Changed here since the pack put it in place (a later version or a differing draft)."""
    schema: tuple[str, ...] = ()
    """For forms: `+field`, `-field`, `~field` (added, removed, changed)."""

    @property
    def conflict(self) -> bool:
        return self.local and self.change in ("changed", "removed")


@dataclass(frozen=True)
class UpgradePlan:
    pack: str
    installed: str
    available: str
    items: tuple[PlanItem, ...]

    @property
    def conflicts(self) -> list[PlanItem]:
        return [item for item in self.items if item.conflict]

    @property
    def changes(self) -> list[PlanItem]:
        return [item for item in self.items if item.change != "unchanged"]


@dataclass(frozen=True)
class PackStatus:
    pack: Pack
    state: Mapping[str, Any] | None

    @property
    def installed_version(self) -> str | None:
        if self.state is None or self.state.get("status") != "installed":
            return None
        return str(self.state["version"])

    @property
    def upgradable(self) -> bool:
        installed = self.installed_version
        return installed is not None and version_tuple(self.pack.version) > version_tuple(installed)


@dataclass
class InstallOutcome:
    pack: str
    version: str
    definitions: int = 0
    roles: list[str] = field(default_factory=list)
    records: int = 0
    restored: bool = False


def _definition_state(
    definition: Definition, pack_checksum: str, session: Session, metadata: MetadataService
) -> dict[str, Any]:
    version = metadata.repo.version(session, definition.id, definition.latest_version or 0)
    return {
        "pack_checksum": pack_checksum,
        "version": definition.latest_version,
        "version_checksum": version.checksum if version is not None else None,
    }


def _fields(spec: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(item.get("key")): checksum(item)
        for item in spec.get("fields", [])
        if isinstance(item, dict)
    }


def schema_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    before, after = _fields(old), _fields(new)
    added = [f"+{key}" for key in after if key not in before]
    removed = [f"-{key}" for key in before if key not in after]
    changed = [f"~{key}" for key in after if key in before and before[key] != after[key]]
    return (*added, *removed, *changed)


def _write(path: Path, document: Any) -> None:
    path.write_text(dumps(document) + "\n", encoding="utf-8")


class PackService:
    def __init__(
        self,
        *,
        metadata: MetadataService,
        records: RecordService,
        directory: DirectoryService,
        calendars: CalendarService,
        catalog: Sequence[Pack] = (),
        audit: AuditLog | None = None,
        clock: Clock = system_clock,
        runs: FlowService | None = None,
    ) -> None:
        self.runs = runs
        self.metadata = metadata
        self.records = records
        self.directory = directory
        self.calendars = calendars
        self.catalog = {pack.key: pack for pack in catalog}
        self.audit = audit or metadata.audit
        self.clock = clock

    # ------------------------------------------------------------ reading

    def pack(self, key: str) -> Pack:
        found = self.catalog.get(key)
        if found is None:
            raise NotFound(
                f"there is no pack {key!r}; `brickwork packs list` shows the packs there are",
                code="pack_not_found",
                zh_cn=f"没有模板包 {key!r}：可用 `brickwork packs list` 查看现有的模板包",
            )
        return found

    def state(self, session: Session, key: str) -> dict[str, Any] | None:
        row = session.get(InstanceSetting, STATE_PREFIX + key)
        return None if row is None else dict(row.value)

    def statuses(self, session: Session) -> list[PackStatus]:
        return [PackStatus(pack, self.state(session, pack.key)) for pack in self.catalog.values()]

    def _save_state(self, session: Session, key: str, state: dict[str, Any]) -> None:
        row = session.get(InstanceSetting, STATE_PREFIX + key)
        if row is None:
            session.add(
                InstanceSetting(key=STATE_PREFIX + key, value=state, updated_at=self.clock())
            )
        else:
            row.value, row.updated_at = state, self.clock()
        session.flush()

    @staticmethod
    def require_reader(actor: Actor) -> None:
        if not (actor.system or actor.holds(SYSTEM_ADMIN)):
            raise Forbidden(
                "packs are managed by the system administrator",
                code="forbidden",
                zh_cn="模板包由系统管理员管理",
            )

    @staticmethod
    def _require(actor: Actor, key: str | None = None) -> Actor:
        """The installer: the pack's reviewed content is applied as a whole by `pack:<key>`, a
        trusted actor that is no user (so the pack's rules act as the system, never with the
        permissions of whoever installed it); the audit trail names that person on the
        `pack.*` events."""
        scoped = actor.scopes is None or bool({"all", "admin"} & set(actor.scopes))
        if not (actor.system or (actor.holds(SYSTEM_ADMIN) and scoped)):
            raise Forbidden(
                "installing, upgrading and uninstalling packs is for the system administrator",
                code="forbidden",
                zh_cn="只有系统管理员可以安装、升级和卸载模板包",
            )
        name = f"pack:{key}" if key else actor.username
        return replace(actor, username=name, system=True, user_id=None, roles=())

    # ------------------------------------------------------------ install

    def install(
        self, session: Session, actor: Actor, key: str, *, sample_data: bool = False
    ) -> InstallOutcome:
        installer = self._require(actor, key)
        pack = self.pack(key)
        state = self.state(session, key)
        if state is not None and state.get("status") == "installed":
            raise Conflict(
                f"pack {key!r} {state['version']} is already installed; use upgrade",
                code="pack_installed",
                zh_cn=f"模板包 {key!r} {state['version']} 已安装：请使用升级",
            )
        self._check_requirements(session, pack)
        outcome = InstallOutcome(pack.key, pack.version)
        existing = self.metadata.repo.app_by_key(session, pack.app_key)
        if existing is not None and state is None:
            raise Conflict(
                f"an app {pack.app_key!r} exists that pack {key!r} did not install; rename or "
                "archive it first",
                code="app_exists",
                zh_cn=f"已有应用 {pack.app_key!r}，但它不是由模板包 {key!r} 安装的："
                "请先将其改名或归档",
            )
        if existing is not None:  # installed before, then uninstalled: restore it
            self.metadata.archive_app(session, installer, pack.app_key, archived=False)
            outcome.restored = True
        else:
            self.metadata.create_app(
                session,
                installer,
                AppCreate(
                    key=pack.app_key,
                    label=pack.manifest.app.label,
                    description=pack.manifest.app.description,
                ),
            )
        outcome.roles = self._roles(session, installer, pack)
        self._calendars(session, installer, pack)
        definitions: dict[str, Any] = {}
        for item in pack.ordered():
            definition = self._put(session, installer, pack, item, restore=outcome.restored)
            definitions[item.ref] = _definition_state(
                definition, checksum(item.body()), session, self.metadata
            )
            outcome.definitions += 1
        self._after_roles(session, installer, pack)
        if sample_data:
            outcome.records = self.sample_data(session, actor, key)
        self._save_state(
            session,
            key,
            {
                "key": key,
                "version": pack.version,
                "app": pack.app_key,
                "status": "installed",
                "installed_at": self.clock().isoformat(),
                "installed_by": actor.username,
                "definitions": definitions,
            },
        )
        self.audit.record(
            session,
            actor,
            "pack.install",
            object_type="pack",
            object_id=key,
            details={"version": pack.version, "definitions": outcome.definitions},
        )
        return outcome

    def _check_requirements(self, session: Session, pack: Pack) -> None:
        missing: list[ErrorItem] = []
        for needed, lowest in pack.manifest.requires.items():
            state = self.state(session, needed)
            if state is None or state.get("status") != "installed":
                missing.append(
                    ErrorItem(f"/requires/{needed}", "pack_required", f"install {needed} first")
                )
            elif version_tuple(str(state["version"])) < version_tuple(lowest):
                missing.append(
                    ErrorItem(
                        f"/requires/{needed}",
                        "pack_required",
                        f"{needed} {state['version']} is installed; upgrade it to {lowest}",
                    )
                )
        if missing:
            raise Conflict(
                f"pack {pack.key!r} needs other packs first (listed in `errors`)",
                code="pack_requirements",
                errors=missing,
                zh_cn=f"模板包 {pack.key!r} 需要先安装其他模板包（见明细）",
            )

    def _put(
        self,
        session: Session,
        installer: Actor,
        pack: Pack,
        item: PackDefinition,
        *,
        restore: bool = False,
    ) -> Definition:
        """Create (or, when restoring, update) the definition and publish the pack's body."""
        app = pack.app_key
        existing = self.metadata.repo.definition(
            session, self.metadata.app(session, app).id, item.kind, item.key
        )
        if existing is None:
            self.metadata.create_definition(
                session,
                installer,
                app,
                DefinitionCreate(
                    kind=item.kind,
                    key=item.key,
                    label=item.label,
                    description=item.description,
                    spec=item.spec,
                ),
            )
        else:
            if restore and existing.archived_at is not None:
                self.metadata.archive_definition(
                    session, installer, app, item.kind, item.key, archived=False
                )
            self.metadata.update_draft(
                session,
                installer,
                app,
                item.kind,
                item.key,
                DraftUpdate(label=item.label, description=item.description, spec=item.spec),
            )
        definition = self.metadata.definition(session, app, item.kind, item.key)
        if self.metadata.draft_differs(session, definition):
            self.metadata.publish(
                session, installer, app, item.kind, item.key, note=f"pack {pack.key} {pack.version}"
            )
        return self.metadata.definition(session, app, item.kind, item.key)

    def _calendars(self, session: Session, installer: Actor, pack: Pack) -> None:
        """The business calendars the pack's rules name, when missing (a bank's own kept)."""
        for calendar in pack.calendars:
            key = str(calendar["key"])
            if self.calendars.calendar(session, key) is None:
                body = {name: value for name, value in calendar.items() if name != "key"}
                self.calendars.put(session, installer, key, body)

    def _roles(self, session: Session, installer: Actor, pack: Pack) -> list[str]:
        """Create the pack's roles that are missing (grants follow once the forms exist)."""
        created: list[str] = []
        for role in pack.roles:
            if self.directory.repo.role_by_key(session, role.key) is None:
                self.directory.create_role(
                    session,
                    installer,
                    RoleCreate(key=role.key, label=role.label, description=role.description),
                )
                created.append(role.key)
        return created

    def _after_roles(self, session: Session, installer: Actor, pack: Pack) -> None:
        """Give each role the pack's grants on the pack's app, keeping its grants elsewhere."""
        for role in pack.roles:
            stored = self.directory.repo.role_by_key(session, role.key)
            assert stored is not None
            kept = [
                grant
                for grant in (stored.permissions or [])
                if not (isinstance(grant, dict) and grant.get("app") == pack.app_key)
            ]
            self.directory.set_grants(session, installer, role.key, [*kept, *role.grants])

    def sample_data(
        self, session: Session, actor: Actor, key: str, *, flow_steps: bool = False
    ) -> int:
        """Create the pack's sample records (rules run on them as on any record); returns how
        many. With `flow_steps` (the demo only, on its own fresh database and demo users), the
        sample flows are moved on as the data files say: each step is a decision taken in a
        user's name, so an installation into a bank's database never takes them."""
        installer = self._require(actor, key)
        pack = self.pack(key)
        created = 0
        for data in pack.data:
            creator = self._user_actor(session, data.created_by) if flow_steps else None
            outcome = self.records.create_many(
                session, creator or installer, pack.app_key, data.form, list(data.records)
            )
            if outcome.failures:
                raise Invalid(
                    f"sample records of {pack.key}/{data.form} are invalid",
                    code="pack_invalid",
                    errors=[
                        ErrorItem(f"/data/{data.form}/{index}{p.pointer}", p.code, p.en, p.zh_cn)
                        for index, problems in outcome.failures.items()
                        for p in problems
                    ],
                    zh_cn=f"{pack.key}/{data.form} 的样例数据无效",
                )
            created += len(outcome.created_ids)
            if flow_steps:
                self._flow_steps(session, pack.app_key, data, outcome.created_ids)
        return created

    def _flow_steps(
        self, session: Session, app_key: str, data: SampleData, record_ids: Sequence[str]
    ) -> None:
        """Decide the sample flows' tasks as the data file says (see `SampleFlowStep`)."""
        if self.runs is None:
            return
        for step in data.flow_steps:
            actor = self._user_actor(session, step.as_)
            if actor is None:
                continue
            task = self._open_task(session, app_key, data.form, record_ids[step.record], step)
            if task is None:
                continue
            self.runs.task_command(
                session,
                actor,
                task.id,
                _sample_event(step.command, actor.username, step.comment),
                expected_version=task.version,
                key=None,
                comment=step.comment,
                action=step.command,
            )

    def _user_actor(self, session: Session, username: str | None) -> Actor | None:
        """The active user `username` acting with their roles (None: no such active user)."""
        user = self.directory.repo.user_by_username(session, username) if username else None
        if user is None or user.status != "active":
            return None
        return Actor(
            user.username,
            roles=self.directory.identities.roles.keys_of(session, user),
            channel="cli",
            user_id=user.id,
        )

    def _open_task(
        self, session: Session, app_key: str, form_key: str, record_id: str, step: SampleFlowStep
    ) -> FlowTask | None:
        assert self.runs is not None
        for instance in self.runs.repo.of_record(session, app_key, form_key, record_id):
            for task in self.runs.repo.tasks_of(session, instance.id, status=OPEN):
                if task.node == step.node and task.assignee == step.as_:
                    return task
        return None

    def add_user(
        self,
        session: Session,
        actor: Actor,
        username: str,
        password: str,
        roles: Sequence[str],
        departments: Sequence[str],
    ) -> None:
        """A user for a pack's scenarios (or its sample data): the roles named and the
        departments (created when missing), no password change due."""
        installer = self._require(actor)
        known = {row.department.key for row in self.directory.departments(session, installer)}
        for key in departments:
            if key not in known:
                self.directory.create_department(
                    session, installer, DepartmentCreate(key=key, name={"en": key, "zh-CN": key})
                )
        self.directory.create_user(
            session,
            installer,
            UserCreate(
                username=username,
                password=password,
                roles=list(roles),
                departments=list(departments),
                primary=departments[0] if departments else None,
            ),
        )
        created = self.directory.repo.user_by_username(session, username)
        assert created is not None
        created.must_change_password = False
        session.flush()

    # ------------------------------------------------------------ upgrade

    def plan_upgrade(self, session: Session, key: str) -> UpgradePlan:
        pack = self.pack(key)
        state = self.state(session, key)
        if state is None or state.get("status") != "installed":
            raise Conflict(
                f"pack {key!r} is not installed; install it",
                code="pack_not_installed",
                zh_cn=f"模板包 {key!r} 尚未安装：请先安装",
            )
        recorded: dict[str, Any] = state.get("definitions", {})
        items: list[PlanItem] = []
        wanted = {item.ref: item for item in pack.ordered()}
        for ref, item in wanted.items():
            before = recorded.get(ref)
            if before is None:
                items.append(PlanItem(ref, "new"))
                continue
            local = self._changed_locally(session, pack.app_key, item.kind, item.key, before)
            new_checksum = checksum(item.body())
            change: Change = "unchanged" if new_checksum == before["pack_checksum"] else "changed"
            schema: tuple[str, ...] = ()
            if item.kind == Kind.FORM and change == "changed":
                current = self.metadata.definition(session, pack.app_key, item.kind, item.key)
                schema = schema_changes(current.draft.get("spec", {}), item.spec)
            items.append(PlanItem(ref, change, local, schema))
        for ref, before in recorded.items():
            if ref not in wanted:
                kind_text, _, key_text = ref.partition("/")
                local = self._changed_locally(
                    session, pack.app_key, Kind(kind_text), key_text, before
                )
                items.append(PlanItem(ref, "removed", local))
        return UpgradePlan(key, str(state["version"]), pack.version, tuple(items))

    def _changed_locally(
        self, session: Session, app: str, kind: Kind, key: str, before: Mapping[str, Any]
    ) -> bool:
        try:
            definition = self.metadata.definition(session, app, kind, key)
        except NotFound:
            return True
        if definition.latest_version != before.get("version"):
            return True
        return self.metadata.draft_differs(session, definition)

    def upgrade(
        self,
        session: Session,
        actor: Actor,
        key: str,
        *,
        resolutions: Mapping[str, Resolution] | None = None,
    ) -> UpgradePlan:
        installer = self._require(actor, key)
        plan = self.plan_upgrade(session, key)
        pack = self.pack(key)
        if version_tuple(pack.version) < version_tuple(plan.installed):
            raise Conflict(
                f"pack {key!r} {plan.installed} is newer than {pack.version}; nothing to upgrade",
                code="pack_downgrade",
                zh_cn=f"已安装的模板包 {key!r} {plan.installed} 比 {pack.version} 新：无需升级",
            )
        self._check_requirements(session, pack)
        resolutions = resolutions or {}
        unresolved = [item for item in plan.conflicts if item.ref not in resolutions]
        if unresolved:
            raise Conflict(
                f"{len(unresolved)} definition(s) were changed here and by the pack; resolve "
                "each with keep_local or take_pack (listed in `errors`)",
                code="pack_upgrade_conflicts",
                errors=[
                    ErrorItem(
                        f"/{item.ref}",
                        "pack_conflict",
                        f"{item.ref} is {item.change} by the pack and was changed here",
                    )
                    for item in unresolved
                ],
                zh_cn=f"有 {len(unresolved)} 个定义在本系统和模板包中都有修改：请逐一选择"
                "保留本地修改（keep_local）或采用模板包的版本（take_pack）",
            )
        state = self.state(session, key)
        assert state is not None
        recorded: dict[str, Any] = dict(state.get("definitions", {}))
        wanted = {item.ref: item for item in pack.ordered()}
        self._roles(session, installer, pack)
        self._calendars(session, installer, pack)
        for item in plan.items:
            keep = item.conflict and resolutions.get(item.ref) == "keep_local"
            if item.change == "removed":
                if not keep:
                    kind_text, _, key_text = item.ref.partition("/")
                    self.metadata.archive_definition(
                        session, installer, pack.app_key, Kind(kind_text), key_text, archived=True
                    )
                recorded.pop(item.ref, None)
                continue
            definition_item = wanted[item.ref]
            pack_checksum = checksum(definition_item.body())
            if item.change == "unchanged" or keep:
                recorded[item.ref] = {**recorded[item.ref], "pack_checksum": pack_checksum}
                continue
            definition = self._put(session, installer, pack, definition_item)
            recorded[item.ref] = _definition_state(
                definition, pack_checksum, session, self.metadata
            )
        self._after_roles(session, installer, pack)
        self._save_state(
            session,
            key,
            {
                **state,
                "version": pack.version,
                "upgraded_at": self.clock().isoformat(),
                "upgraded_by": actor.username,
                "definitions": recorded,
            },
        )
        self.audit.record(
            session,
            actor,
            "pack.upgrade",
            object_type="pack",
            object_id=key,
            details={
                "from": plan.installed,
                "to": pack.version,
                "changes": [f"{item.change} {item.ref}" for item in plan.changes],
                "kept": sorted(r for r, v in resolutions.items() if v == "keep_local"),
            },
        )
        return plan

    # ------------------------------------------------------------ export

    def export(
        self, session: Session, key: str, folder: Path, *, version: str | None = None
    ) -> PackManifest:
        """Write the installed pack as it is here: the latest published version of every
        definition of its app that is not archived (local ones included), its roles with
        their grants on the app, its scenarios; the manifest sealed with the checksums."""
        pack = self.pack(key)
        state = self.state(session, key)
        if state is None or state.get("status") != "installed":
            raise Conflict(
                f"pack {key!r} is not installed",
                code="pack_not_installed",
                zh_cn=f"模板包 {key!r} 尚未安装",
            )
        if version is not None and not re.match(SEMVER, version):
            raise Invalid(
                f"{version!r} is not a version: write MAJOR.MINOR.PATCH",
                code="pack_version_invalid",
                zh_cn=f"{version!r} 不是版本号：请写成 主版本.次版本.修订号（如 1.0.2）",
            )
        if folder.exists() and any(folder.iterdir()):
            raise Conflict(
                f"{folder} is not empty; choose a new folder",
                code="folder_not_empty",
                zh_cn=f"{folder} 不是空文件夹：请选择一个新文件夹",
            )
        app = self.metadata.app(session, pack.app_key)
        (folder / "definitions").mkdir(parents=True, exist_ok=True)
        for definition in self.metadata.repo.definitions(
            session, app.id, kind=None, include_archived=False
        ):
            if definition.latest_version is None or definition.archived_at is not None:
                continue
            body = self.metadata.repo.version(session, definition.id, definition.latest_version)
            assert body is not None
            item = {
                "kind": definition.kind,
                "key": definition.key,
                "label": body.body.get("label"),
                "description": body.body.get("description", ""),
                "spec": body.body.get("spec", {}),
            }
            _write(folder / "definitions" / f"{definition.kind}.{definition.key}.json", item)
        roles = []
        for role in pack.roles:
            stored = self.directory.repo.role_by_key(session, role.key)
            grants = [
                grant
                for grant in (stored.permissions if stored is not None else role.grants) or []
                if isinstance(grant, dict) and grant.get("app") == pack.app_key
            ]
            roles.append({**role.model_dump(mode="json"), "grants": grants})
        if roles:
            _write(folder / "roles.json", roles)
        if pack.scenarios:
            (folder / "scenarios").mkdir()
            for name, document in pack.scenarios:
                _write(folder / "scenarios" / name, document)
        manifest = pack.manifest.model_dump(mode="json", by_alias=True)
        manifest.update(version=version or str(state["version"]), contents=[])
        _write(folder / MANIFEST, manifest)
        return seal(folder)

    # ------------------------------------------------------------ uninstall

    def uninstall(self, session: Session, actor: Actor, key: str) -> int:
        """Archive the pack's app and definitions (records stay); returns how many."""
        installer = self._require(actor, key)
        state = self.state(session, key)
        if state is None or state.get("status") != "installed":
            raise Conflict(
                f"pack {key!r} is not installed",
                code="pack_not_installed",
                zh_cn=f"模板包 {key!r} 尚未安装",
            )
        dependants = [
            status.pack.key
            for status in self.statuses(session)
            if key in status.pack.manifest.requires and status.installed_version is not None
        ]
        if dependants:
            raise Conflict(
                f"pack {key!r} is needed by {', '.join(dependants)}; uninstall those first",
                code="pack_in_use",
                zh_cn=f"模板包 {'、'.join(dependants)} 依赖模板包 {key!r}：请先卸载它们",
            )
        app = str(state["app"])
        archived = 0
        refs = sorted(
            state.get("definitions", {}),
            key=lambda ref: -KIND_ORDER.index(Kind(ref.partition("/")[0])),
        )
        for ref in refs:  # what depends on others first
            kind_text, _, key_text = ref.partition("/")
            try:
                definition = self.metadata.definition(session, app, Kind(kind_text), key_text)
            except NotFound:
                continue
            if definition.archived_at is None:
                self.metadata.archive_definition(
                    session, installer, app, Kind(kind_text), key_text, archived=True
                )
                archived += 1
        self.metadata.archive_app(session, installer, app, archived=True)
        self._save_state(
            session,
            key,
            {
                **state,
                "status": "uninstalled",
                "uninstalled_at": self.clock().isoformat(),
                "uninstalled_by": actor.username,
            },
        )
        self.audit.record(
            session,
            actor,
            "pack.uninstall",
            object_type="pack",
            object_id=key,
            details={"version": state["version"], "archived": archived},
        )
        return archived
