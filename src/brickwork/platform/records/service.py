"""Records of published forms: create, read, update, delete, restore, list and history.

Every write goes: form engine (coerce, compute, conditions, validations) → store (with the version
check) → change history → audit, in the caller's transaction. Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, inspect
from sqlalchemy.orm import Session

from brickwork.engines.expr.choices import ID_SHAPE
from brickwork.engines.form import (
    RecordContext,
    compile_form,
    validate_record,
)
from brickwork.engines.form.definition import (
    PEOPLE_TYPES,
    FormDefinition,
    SerialNumberField,
    SubtableField,
)
from brickwork.engines.form.elements import FieldBase, Sensitivity
from brickwork.engines.form.fieldtypes import to_json_value
from brickwork.engines.form.problems import Problem
from brickwork.engines.form.serial import parse_serial_pattern
from brickwork.jsonio import canonical_dumps, to_jsonable
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.permissions import ACTION_ZH, PermissionService
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.clock import Clock, business_date, business_time, new_id, system_clock
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.errors import (
    Conflict,
    ErrorItem,
    Forbidden,
    HiddenNotFound,
    Invalid,
    NotFound,
    PlatformError,
)
from brickwork.platform.files.service import FileService
from brickwork.platform.metadata.parameters import ParameterTables
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import MetadataService
from brickwork.platform.models import StoredFile
from brickwork.platform.records import kept_warnings
from brickwork.platform.records.access import (
    SENSITIVE,
    FormAccess,
    default_level,
    masked_json,
    sensitivity,
)
from brickwork.platform.records.checks import StoredChecks
from brickwork.platform.records.definitions import validate_form_spec
from brickwork.platform.records.layout import TableLayout
from brickwork.platform.records.listing import converter_for, statements_cache
from brickwork.platform.records.published import (
    AUTO_COUNT_CAP,
    PROGRESS_EVERY,
    BatchOutcome,
    Page,
    PublishedForm,
    TotalMode,
)
from brickwork.platform.records.query import RecordQuery, filter_in_range
from brickwork.platform.records.repository import CountKind, PageStatements, RecordRepository
from brickwork.platform.records.rows import (
    child_values,
    main_values,
    record_json,
    shape_of,
    typed_values,
)
from brickwork.platform.records.windows import FUNCTIONS, Window, window_bounds, window_index

COUNTED_WITH_FIRST_PAGE: dict[TotalMode, CountKind] = {"auto": "capped", "exact": "exact"}
"""How a first page counts in its own statement (one round trip): its total is needed whenever
the list is longer than the page, and costs next to nothing when it is not. Later pages count
only when they do not reach the end; ``estimate`` asks the planner, ``none`` does not count."""


PEOPLE = PEOPLE_TYPES
"""Field types holding ids of users or departments (a value shaped like an id, `ID_SHAPE`, is
taken as one, not looked up as a name)."""


def people_texts(value: Any) -> list[str]:
    """The texts a member or department value gives: one, a list of them, or none."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


def people_named(value: Any, names: Mapping[str, str]) -> Any:
    """A member or department value with each id as its user name or department key (`names`:
    id -> name); an id naming nobody, or a masked value, stays as it is."""
    if isinstance(value, list):
        return [names.get(v, v) if isinstance(v, str) else v for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def _with_ids(data: Mapping[str, Any], key: str, ids: Mapping[str, str]) -> Mapping[str, Any]:
    """`data` with the names its `key` gives replaced by their ids (itself when it gives none)."""
    value = data.get(key)
    given = people_texts(value)
    if not any(name in ids for name in given):
        return data
    found = [ids.get(name, name) for name in given]
    return {**data, key: found[0] if isinstance(value, str) else found}


def _rows(value: Any) -> list[Mapping[str, Any]]:
    """The rows a subtable value gives (what is not a row is left to the save to refuse)."""
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def _rows_with_ids(
    data: Mapping[str, Any], subtable: str, key: str, ids: Mapping[str, str]
) -> Mapping[str, Any]:
    rows = data.get(subtable)
    if not isinstance(rows, list):
        return data
    named = [_with_ids(row, key, ids) if isinstance(row, Mapping) else row for row in rows]
    if all(new is old for new, old in zip(named, rows, strict=True)):
        return data
    return {**data, subtable: named}


def problems_to_items(problems: Sequence[Problem], locale: str) -> list[ErrorItem]:
    return [ErrorItem(p.pointer, p.code, p.zh_cn if locale == "zh-CN" else p.en) for p in problems]


def _problems_of(exc: PlatformError) -> tuple[Problem, ...]:
    """A hook's refusal as the problems of one record of a batch."""
    items = exc.errors or (ErrorItem("", exc.code, exc.message, exc.zh_cn),)
    return tuple(
        Problem(item.code, item.zh_cn or item.message, item.message, item.pointer) for item in items
    )


class SaveHook(Protocol):
    """Work around a record's save, in its transaction (the rules area registers one)."""

    def before_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> Mapping[str, Any]:
        """Field values to change before the save (empty: none); raise to refuse it."""
        ...

    def after_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> None: ...

    def reads_records(self, session: Session, form: PublishedForm) -> bool:
        """Whether the work around a new record of `form` reads other records (so that the
        records of a batch are saved one after the other, each seeing those before it)."""
        ...


@dataclass(frozen=True, slots=True)
class Checked:
    """A record checked without saving (see `RecordService.check`)."""

    values: dict[str, Any]
    errors: list[ErrorItem]
    hidden: frozenset[str]
    readonly: frozenset[str]
    warnings: list[dict[str, str]]
    """What saving would warn about, as the checking reader would see it (`kept_warnings`)."""


class RecordService:
    def __init__(
        self,
        *,
        metadata: MetadataService,
        clock: Clock = system_clock,
        audit: AuditLog | None = None,
        repository: RecordRepository | None = None,
        files: FileService | None = None,
        cipher: Cipher | None = None,
        permissions: PermissionService | None = None,
        parameters: ParameterTables | None = None,
    ) -> None:
        self.metadata = metadata
        self.parameters = parameters or ParameterTables(metadata.repo)
        """The parameter tables formulas and validations read."""
        self.cipher = cipher
        self.clock = clock
        self.audit = audit or AuditLog(clock=clock)
        self.repo = repository or RecordRepository()
        self.permissions = permissions or PermissionService.standalone(self.audit)
        self.files = files
        self.checks = StoredChecks(self.repo, self.form, files)
        self._forms: dict[tuple[str, int, int], PublishedForm] = {}
        self.save_hooks: list[SaveHook] = []

    # ------------------------------------------------------------ forms

    def form(self, session: Session, app_key: str, form_key: str) -> PublishedForm:
        versions = self.repo.form_versions(session, app_key, Kind.FORM.value, form_key)
        _app_id, definition_id, latest, applied = versions or (None, None, None, None)
        if definition_id is not None and latest is not None and applied is not None:
            cached = self._forms.get((definition_id, latest, applied))  # one query when warm
            if cached is not None:
                return cached
        definition = self.metadata.definition(session, app_key, Kind.FORM, form_key)
        stored = self.repo.form_table(session, definition.id)
        if definition.latest_version is None or stored is None:
            raise NotFound(
                f"form {form_key!r} of app {app_key!r} is not published yet; publish "
                "it before storing records",
                code="form_not_published",
                zh_cn=f"应用 {app_key} 的表单 {form_key} 尚未发布：发布后才能保存记录",
            )
        cache_key = (definition.id, definition.latest_version, stored.applied_version)
        cached = self._forms.get(cache_key)
        if cached is not None:
            return cached
        body = self.metadata.version(
            session, app_key, Kind.FORM, form_key, definition.latest_version
        ).body
        spec = FormDefinition.model_validate(body["spec"])
        published = PublishedForm(
            app_key,
            form_key,
            definition.id,
            definition.latest_version,
            compile_form(spec, today=business_date(self.clock())),
            shape_of(spec, TableLayout.from_json(stored.layout), cipher=self.cipher),
        )
        self._forms[cache_key] = published
        return published

    def published_forms(self, session: Session, app_key: str) -> list[PublishedForm]:
        """Every form of the app that has a published version and a table."""
        forms: list[PublishedForm] = []
        for definition in self.metadata.list_definitions(session, app_key, kind=Kind.FORM):
            if (
                definition.latest_version is not None
                and self.repo.form_table(session, definition.id) is not None
            ):
                forms.append(self.form(session, app_key, definition.key))
        return forms

    def access(
        self, session: Session, actor: Actor, form: PublishedForm, action: str
    ) -> FormAccess:
        """The actor's view of the form, after checking they may ``action`` on it at all."""
        principal = self.permissions.principal(session, actor)
        access = FormAccess.of(
            form, principal, self.permissions, dialect=session.get_bind().dialect.name
        )
        access.require(action)
        return access

    def query(
        self, session: Session, access: FormAccess, *, today: date | None = None
    ) -> RecordQuery:
        """Filters, sorts and sums over the form as `access` sees it; `today()` in filters is
        `today` (default: the clock's)."""
        return RecordQuery(
            access.form,
            actor=access.principal.actor,
            dialect=access.dialect,
            today=today or business_date(self.clock()),
            closed=frozenset(access.hidden_or_masked()),
            partial=access.readable_where(),
        )

    def _coverage(
        self, session: Session, access: FormAccess, ids: Sequence[str]
    ) -> dict[str, tuple[bool, ...]]:
        """Which reading grants cover each record (empty when levels do not vary per row)."""
        if not access.varying():
            return {}
        return self.repo.coverage(session, access.form.table, ids, access.coverage())

    def _row_levels(
        self, session: Session, access: FormAccess, records: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, FieldLevel]]:
        """Each record's field levels (the grants covering its row decide, see FormAccess)."""
        covered = self._coverage(session, access, [r["id"] for r in records])
        return [access.row_levels(covered.get(r["id"])) for r in records]

    def _context(
        self, session: Session, actor: Actor, now: datetime, form: PublishedForm
    ) -> RecordContext:
        return RecordContext(
            now=business_time(now),
            user={"username": actor.username, "roles": list(actor.roles)},
            parameters=self.parameters.source(session, form.app_key),
        )

    def _refuse(self, problems: Sequence[Problem], actor: Actor) -> Invalid:
        return Invalid(
            f"the record has {len(problems)} problem(s); nothing was saved",
            code="record_invalid",
            zh_cn=f"这条记录有 {len(problems)} 个问题：未保存任何内容",
            errors=problems_to_items(problems, actor.locale),
        )

    # ------------------------------------------------------------ writes

    def _people_held(
        self, session: Session, form: PublishedForm, items: Sequence[Mapping[str, Any]]
    ) -> list[Mapping[str, Any]]:
        """`items` with people and departments as the record holds them: ids. A member field
        (of the record or of a subtable's rows) may be given a username and a department field
        a department's key, as a spreadsheet, a flow (`initiator`) or a rule (`flow.initiator`)
        names them; each name is looked up once per field for the whole batch. Ids, and what
        names nothing (refused on the field when saved: `reference_not_found`), are kept; an
        item without names is returned as it is."""
        held = list(items)
        for item in form.definition.fields:
            if item.type in PEOPLE:
                ids = self._named_ids(session, item.type, [data.get(item.key) for data in held])
                if ids:
                    held = [_with_ids(data, item.key, ids) for data in held]
            elif isinstance(item, SubtableField):
                for child in item.fields:
                    if child.type not in PEOPLE:
                        continue
                    rows = [row for data in held for row in _rows(data.get(item.key))]
                    ids = self._named_ids(session, child.type, [row.get(child.key) for row in rows])
                    if ids:
                        held = [_rows_with_ids(data, item.key, child.key, ids) for data in held]
        return held

    def _named_ids(self, session: Session, kind: str, values: Sequence[Any]) -> dict[str, str]:
        """Name -> id of the user names (`kind` "member") or department keys among `values`."""
        names = {
            name for value in values for name in people_texts(value) if not ID_SHAPE.fullmatch(name)
        }
        return self.repo.held_ids(session, kind, sorted(names)) if names else {}

    def create(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        data: Mapping[str, Any],
        *,
        with_warnings: bool = False,
    ) -> dict[str, Any]:
        """The new record as its creator may see it; ``with_warnings``: with the warnings it
        keeps under ``warnings`` (see `kept_warnings`)."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "create")
        access.check_writes(data, action="create")
        [data] = self._people_held(session, form, [data])
        now = self.clock()
        result = validate_record(
            form.compiled, data, context=self._context(session, actor, now, form)
        )
        if not result.ok:
            raise self._refuse(result.errors, actor)
        warnings = list(result.warnings)
        values = self._before_save(
            session, actor, form, "created", data, result.values, None, warnings=warnings
        )
        clashes = self.checks.run(session, form, [values], uploader=_uploader(actor))
        if clashes:
            raise self._refuse(clashes[0], actor)
        self._assign_serials(session, form, [values], now)
        record_id = new_id()
        row = self._new_row(form, access, now, record_id, values)
        stored = self.repo.insert_returning(session, form.table, row)
        self._write_children(session, form, record_id, values, replace=False)
        record = self._record(session, form, record_id, stored=stored)
        kept = kept_warnings.to_stored(form, warnings)
        self.repo.add_warnings(session, form.definition_id, {record_id: kept}, now)
        shown = access.clear_sensitive([record])
        self._log(session, actor, form, record_id, 1, "create", [], shown=shown)
        self._after_save(session, actor, form, "created", record, None)
        return self._answer(session, access, record, kept if with_warnings else None)

    def preview(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        spec: Mapping[str, Any],
        data: Mapping[str, Any],
    ) -> Checked:
        """What a record of a form's draft (`spec`, not yet published) would be with `data`:
        computed values, visibility, every problem. Nothing is read or written but the app's
        parameter tables; a draft that does not compile is refused with its problems."""
        self.metadata.require(session, actor, "design", app_key)
        now = self.clock()
        problems = list(validate_form_spec(spec))
        if problems:
            raise Invalid(
                "the draft has problems to fix first",
                code="definition_invalid",
                zh_cn="草稿有问题：请先修正",
                errors=problems,
            )
        compiled = compile_form(FormDefinition.model_validate(spec), today=business_date(now))
        context = RecordContext(
            now=business_time(now),
            user={"username": actor.username, "roles": list(actor.roles)},
            parameters=self.parameters.source(session, app_key),
        )
        result = validate_record(compiled, data, context=context)
        values = {
            item.key: to_jsonable(to_json_value(item, result.values.get(item.key)))
            for item in compiled.definition.fields
        }
        warnings = [item.as_dict() for item in problems_to_items(result.warnings, actor.locale)]
        return Checked(
            values,
            problems_to_items(result.errors, actor.locale),
            result.hidden,
            result.readonly,
            warnings,
        )

    def check(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        data: Mapping[str, Any],
        *,
        record_id: str | None = None,
    ) -> Checked:
        """What saving `data` would find, without saving anything: the values with computed
        fields filled in, every problem with its pointer, the fields hidden and read-only for
        this record (a create, or with `record_id` an update of that record). For forms that
        check as the user types: the server is the only evaluator."""
        form = self.form(session, app_key, form_key)
        now = self.clock()
        current = None
        before = None
        if record_id is None:
            access = self.access(session, actor, form, "create")
            access.check_writes(data, action="create")
        else:
            access = self.access(session, actor, form, "update")
            before = self._reachable(session, access, record_id, "update")
            access.check_writes(data, action="update")
            current = typed_values(form.definition, before, business_date(now))
        [data] = self._people_held(session, form, [data])
        result = validate_record(
            form.compiled, data, context=self._context(session, actor, now, form), current=current
        )
        items = [] if result.ok else problems_to_items(result.errors, actor.locale)
        kept = kept_warnings.to_stored(form, result.warnings)
        levels = access.levels if before is None else self._row_levels(session, access, [before])[0]
        warnings = kept_warnings.shown(form, kept, levels, actor.locale)
        return Checked(dict(result.values), items, result.hidden, result.readonly, warnings)

    def create_many(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        items: Sequence[Mapping[str, Any]],
        *,
        action: str = "create",
        dry_run: bool = False,
        partial: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> BatchOutcome:
        """Validate every item first; write all of them only when none has a problem.

        With ``partial`` the items without problems are written and the others reported.

        Used by batch creation and imports: one insert per table for the whole batch, one
        history row per record and one audit event for the batch. History rows of a creation
        carry no values: each later change records its before and after values, so any earlier
        state can be rebuilt from the current one.
        """
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, action)
        errors: list[ErrorItem] = []
        for index, data in enumerate(items):
            try:
                access.check_writes(data, f"/records/{index}", action=action)
            except Forbidden as exc:
                errors.extend(exc.errors)
        if errors:
            raise Forbidden(
                f"{len(errors)} value(s) are for fields you may not write; nothing was saved",
                code="field_not_writable",
                zh_cn=f"有 {len(errors)} 个值属于您无权修改的字段：未保存任何内容",
                errors=errors,
            )
        items = self._people_held(session, form, items)
        if len(items) > 1 and not dry_run and self._reads_records(session, form):
            return self._one_by_one(
                session, actor, app_key, form_key, items, action, partial, progress
            )
        now = self.clock()
        valid, positions, failures, warned = self._validate_all(
            form, items, self._context(session, actor, now, form), progress
        )
        if failures and not partial:
            return BatchOutcome(created_ids=(), failures=failures, warnings=warned)
        stored = self.checks.run(session, form, valid, uploader=_uploader(actor))
        failures.update({positions[i]: problems for i, problems in stored.items()})
        if (failures and not partial) or dry_run:
            return BatchOutcome(created_ids=(), failures=failures, warnings=warned)
        # Rules see every record, however it arrives: those they refuse are failures too.
        valid, kept_positions = self._before_save_all(
            session, actor, form, items, positions, valid, stored, failures
        )
        if (failures and not partial) or not valid:
            return BatchOutcome(created_ids=(), failures=failures, warnings=warned)
        self._assign_serials(session, form, valid, now)
        ids = [new_id() for _ in valid]
        rows = [
            self._new_row(form, access, now, record_id, values)
            for record_id, values in zip(ids, valid, strict=True)
        ]
        self.repo.insert_rows(session, form.table, rows)
        self.repo.add_warnings(
            session,
            form.definition_id,
            {
                record_id: kept_warnings.to_stored(form, warned[position])
                for record_id, position in zip(ids, kept_positions, strict=True)
                if position in warned
            },
            now,
        )
        if form.shape.children:
            for record_id, values in zip(ids, valid, strict=True):
                self._write_children(session, form, record_id, values, replace=False)
        self.repo.add_changes(
            session,
            [
                {
                    "definition_id": form.definition_id,
                    "record_id": record_id,
                    "version": 1,
                    "action": action,
                    "changed_at": now,
                    "changed_by": actor.username,
                    "changes": [],
                }
                for record_id in ids
            ],
        )
        self._after_save_all(session, actor, form, ids, valid)
        self.audit.record(
            session,
            actor,
            f"record.{action}_batch",
            object_type="form",
            object_id=f"{app_key}/{form_key}",
            details={
                "count": len(ids),
                "first_id": ids[0] if ids else None,
                "last_id": ids[-1] if ids else None,
            },
        )
        return BatchOutcome(created_ids=tuple(ids), failures=failures, warnings=warned)

    def _validate_all(
        self,
        form: PublishedForm,
        items: Sequence[Mapping[str, Any]],
        context: RecordContext,
        progress: Callable[[int, int], None] | None,
    ) -> tuple[
        list[dict[str, Any]],
        list[int],
        dict[int, tuple[Problem, ...]],
        dict[int, tuple[Problem, ...]],
    ]:
        """The valid items' values and positions, the others' problems and every item's
        warnings (both by position)."""
        failures: dict[int, tuple[Problem, ...]] = {}
        warned: dict[int, tuple[Problem, ...]] = {}
        valid: list[dict[str, Any]] = []
        positions: list[int] = []
        for index, data in enumerate(items):
            result = validate_record(form.compiled, data, context=context)
            if result.warnings:
                warned[index] = result.warnings
            if result.ok:
                valid.append(dict(result.values))
                positions.append(index)
            else:
                failures[index] = result.errors
            if progress is not None and index % PROGRESS_EVERY == 0:
                progress(index, len(items))
        return valid, positions, failures, warned

    def _reads_records(self, session: Session, form: PublishedForm) -> bool:
        return any(hook.reads_records(session, form) for hook in self.save_hooks)

    def _one_by_one(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        items: Sequence[Mapping[str, Any]],
        action: str,
        partial: bool,
        progress: Callable[[int, int], None] | None,
    ) -> BatchOutcome:
        """A batch whose rules read records, saved as if its records came one after the other:
        each is checked, ruled on and stored seeing the ones before it (a rule counting the
        day's deposits counts the earlier rows of the same import, never the later ones).
        Without `partial`, any failure undoes the whole batch."""
        created: list[str] = []
        failures: dict[int, tuple[Problem, ...]] = {}
        warned: dict[int, Any] = {}
        batch = session.begin_nested()
        for index, item in enumerate(items):
            outcome = self.create_many(
                session, actor, app_key, form_key, [item], action=action, partial=True
            )
            created.extend(outcome.created_ids)
            if 0 in outcome.failures:
                failures[index] = outcome.failures[0]
            if 0 in outcome.warnings:
                warned[index] = outcome.warnings[0]
            if progress is not None:
                progress(index + 1, len(items))
        if failures and not partial:
            batch.rollback()
            return BatchOutcome(created_ids=(), failures=failures, warnings=warned)
        batch.commit()
        return BatchOutcome(created_ids=tuple(created), failures=failures, warnings=warned)

    def _before_save_all(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        items: Sequence[Mapping[str, Any]],
        positions: list[int],
        valid: list[dict[str, Any]],
        clashing: Mapping[int, Any],
        failures: dict[int, tuple[Problem, ...]],
    ) -> tuple[list[dict[str, Any]], list[int]]:
        """The records of a batch to store and their positions: the valid ones without
        stored-data clashes, after the before-save hooks; those the hooks refuse become
        failures (by position)."""
        kept: list[dict[str, Any]] = []
        kept_positions: list[int] = []
        for index, (position, values) in enumerate(zip(positions, valid, strict=True)):
            if index in clashing:
                continue
            if not self.save_hooks:
                kept.append(values)
                kept_positions.append(position)
                continue
            try:
                data = items[position]
                kept.append(self._before_save(session, actor, form, "created", data, values, None))
                kept_positions.append(position)
            except PlatformError as exc:
                failures[position] = _problems_of(exc)
        return kept, kept_positions

    def _after_save_all(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        ids: Sequence[str],
        valid: Sequence[Mapping[str, Any]],
    ) -> None:
        for record_id, values in zip(ids, valid, strict=True):
            self._after_save(session, actor, form, "created", {**values, "id": record_id}, None)

    def _new_row(
        self,
        form: PublishedForm,
        access: FormAccess,
        now: datetime,
        record_id: str,
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        actor = access.principal.actor
        return {
            "id": record_id,
            "created_at": now,
            "created_by": actor.username,
            "updated_at": now,
            "updated_by": actor.username,
            "owner": actor.username,
            "department": access.principal.primary_department,
            "version": 1,
            "form_version": form.version,
            "flow_status": None,
            "deleted_at": None,
            **main_values(form.shape, values),
        }

    def update(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        data: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        with_warnings: bool = False,
    ) -> dict[str, Any]:
        """The updated record as its editor may see it; its kept warnings are replaced by
        this save's (``with_warnings``: shown under ``warnings``)."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "update")
        before = self._reachable(session, access, record_id, "update")
        flags = access.update_coverage()
        covered = (
            None
            if flags is None
            else self.repo.coverage(session, form.table, [record_id], flags).get(record_id)
        )
        access.check_writes(data, action="update", writable=access.writable_on(covered))
        if before["deleted_at"] is not None:
            raise Conflict(
                "the record is deleted; restore it before editing",
                code="record_deleted",
                zh_cn="这条记录已删除：请先恢复再修改",
            )
        version = before["version"]
        if expected_version is not None and expected_version != version:
            raise _stale(record_id, version)
        now = self.clock()
        current = typed_values(form.definition, before, business_date(now))
        [data] = self._people_held(session, form, [data])
        result = validate_record(
            form.compiled, data, context=self._context(session, actor, now, form), current=current
        )
        if not result.ok:
            raise self._refuse(result.errors, actor)
        warnings = list(result.warnings)
        checked = self._before_save(
            session,
            actor,
            form,
            "updated",
            data,
            result.values,
            before,
            current=current,
            warnings=warnings,
        )
        if checked is not result.values:
            result = replace(result, values=checked)
        kept = kept_warnings.to_stored(form, warnings)
        if _unchanged(form, before, result.values):
            # Nothing to write: no new version, no history row, no audit event; the warnings
            # are this check's all the same.
            self.repo.keep_warnings(session, form.definition_id, record_id, kept, now)
            return self._answer(
                session, access, before, kept if with_warnings else None, audit=True
            )
        clashes = self.checks.run(
            session,
            form,
            [result.values],
            exclude_id=record_id,
            uploader=_uploader(actor),
            kept_files=frozenset(_file_ids(before)),
        )
        if clashes:
            raise self._refuse(clashes[0], actor)
        values = {
            "updated_at": now,
            "updated_by": actor.username,
            "version": version + 1,
            "form_version": form.version,
            **main_values(form.shape, result.values),
        }
        if self.repo.update_row(session, form.table, record_id, version, values) != 1:
            raise _stale(record_id, version)
        self._write_children(session, form, record_id, result.values, replace=True)
        self.repo.keep_warnings(session, form.definition_id, record_id, kept, now)
        after = self._record(session, form, record_id)
        changes = _changes(before, after, form)
        shown = access.clear_sensitive([after])
        self._log(session, actor, form, record_id, version + 1, "update", changes, shown=shown)
        self._after_save(session, actor, form, "updated", after, before)
        return self._answer(session, access, after, kept if with_warnings else None)

    def delete(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        *,
        expected_version: int | None = None,
        restore: bool = False,
    ) -> dict[str, Any]:
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "delete")
        before = self._reachable(session, access, record_id, "delete")
        version = before["version"]
        if expected_version is not None and expected_version != version:
            raise _stale(record_id, version)
        if (before["deleted_at"] is None) == restore:
            state = "not deleted" if restore else "already deleted"
            zh_cn = "这条记录没有被删除" if restore else "这条记录已经删除"
            raise Conflict(f"the record is {state}", code="record_state", zh_cn=zh_cn)
        if not restore:
            self._before_save(session, actor, form, "deleted", {}, before, before)
        now = self.clock()
        values = {
            "deleted_at": None if restore else now,
            "updated_at": now,
            "updated_by": actor.username,
            "version": version + 1,
        }
        if self.repo.update_row(session, form.table, record_id, version, values) != 1:
            raise _stale(record_id, version)
        if not restore:
            self.repo.drop_warnings(session, form.definition_id, record_id)
        action = "restore" if restore else "delete"
        after = self._record(session, form, record_id)
        shown = access.clear_sensitive([after])
        self._log(session, actor, form, record_id, version + 1, action, [], shown=shown)
        if not restore:
            self._after_save(session, actor, form, "deleted", before, before)
        return self._shown(session, access, [after], audit=False)[0]

    # ------------------------------------------------------------ save hooks (rules)

    def add_save_hook(self, hook: SaveHook) -> None:
        """Run `hook` around every single-record write (rules: before and after the save)."""
        self.save_hooks.append(hook)

    def _before_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        data: Mapping[str, Any],
        values: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
        *,
        current: Mapping[str, Any] | None = None,
        warnings: list[Problem] | None = None,
    ) -> dict[str, Any]:
        """The record's values after the hooks' changes (checked again by the form engine,
        whose warnings then replace those in ``warnings``); a hook refuses the save by
        raising."""
        found: dict[str, Any] = values if isinstance(values, dict) else dict(values)
        for hook in self.save_hooks:
            changes = hook.before_save(session, actor, form, kind, found, previous)
            if changes:
                [changes] = self._people_held(session, form, [changes])
                context = self._context(session, actor, self.clock(), form)
                again = validate_record(
                    form.compiled, {**data, **changes}, context=context, current=current
                )
                if not again.ok:
                    raise self._refuse(again.errors, actor)
                found = dict(again.values)
                if warnings is not None:
                    warnings[:] = again.warnings
        return found

    def _after_save(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        kind: str,
        record: Mapping[str, Any],
        previous: Mapping[str, Any] | None,
    ) -> None:
        for hook in self.save_hooks:
            hook.after_save(session, actor, form, kind, record, previous)

    # ------------------------------------------------------------ reads

    def reads_in_clear(
        self, session: Session, actor: Actor, app_key: str, form_key: str, record_id: str
    ) -> bool:
        """Whether `actor` may read the record (else 404/403) with every field in clear: what
        is derived from its values (rule traces) may then be shown to them as it is."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        record = self._reachable(session, access, record_id, "read")
        levels = self._row_levels(session, access, [record])[0]
        keys = [item.key for item in form.definition.fields]
        return all(levels.get(key, FieldLevel.HIDDEN) > FieldLevel.MASKED for key in keys)

    def get(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        *,
        with_warnings: bool = False,
    ) -> dict[str, Any]:
        """One record as the actor may see it (404 outside their rows; fields masked);
        ``with_warnings``: with the warnings it keeps that the actor may see, under
        ``warnings``."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        record = self._reachable(session, access, record_id, "read")
        if not with_warnings:
            return self._shown(session, access, [record])[0]
        kept = self.repo.warnings_of(session, form.definition_id, [record_id]).get(record_id)
        return self._answer(session, access, record, kept or [], audit=True)

    def with_names(
        self, session: Session, app_key: str, form_key: str, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`values` (a record as read) with the users of its member fields by user name and the
        departments of its department fields by key, as people know them (a message's text)."""
        named = dict(values)
        for item in self.form(session, app_key, form_key).definition.fields:
            if item.type in PEOPLE and item.key in values:
                given = sorted(set(people_texts(values[item.key])))
                names = self.repo.names_of_ids(session, item.type, given)
                named[item.key] = people_named(values[item.key], names)
        return named

    def titles(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_ids: Sequence[str],
    ) -> dict[str, str]:
        """Records' titles for lists that point to records (the inbox): the first plain text
        field the reader sees in clear on every row, for the records they may read (the others
        are left out). A sensitive title read in clear is audited like a list's read."""
        form = self.form(session, app_key, form_key)
        try:
            access = self.access(session, actor, form, "read")
        except PlatformError:
            return {}
        clear = (FieldLevel.READ, FieldLevel.WRITE)
        item = next(
            (
                field
                for field in form.definition.fields
                if field.type == "text"
                and not field.encrypted
                and sensitivity(field) is not Sensitivity.C3
                and access.levels.get(field.key) in clear
                and field.key not in access.varying()
            ),
            None,
        )
        if item is None:
            return {}
        column = next(layout for field, layout in form.shape.columns if field.key == item.key)
        wanted = list(dict.fromkeys(record_ids))
        values = self.repo.column_values(
            session, form.table, column.column, wanted, access.rows("read")
        )
        found = {
            record_id: str(values[record_id])
            for record_id in wanted
            if values.get(record_id) not in (None, "")
        }
        if found and sensitivity(item) in SENSITIVE:
            self.audit.record_later(
                session,
                actor,
                "record.read",
                object_type="form",
                object_id=f"{app_key}/{form_key}",
                details={"fields": [item.key], "ids": list(found)},
            )
        return found

    def participant_view(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        step: Mapping[str, str],
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The record as a participant of a flow on it sees it at a step, and each shown
        field's level (`masked`, `read`, `write`). `step` gives the step's field permission
        (`hidden`, `read`, `write`) of every field it shows: a field it does not name (one the
        step's flow does not know, e.g. renamed since) is hidden. A participant whose roles let them
        read the record gets their own levels on it; one whose roles do not (an approver of
        another department) reads as a grant naming no field would let them (C3 fields masked,
        nothing writable). The step caps either: hidden is left out, read is not writable, and
        write needs their own `update` on the field. Clear reads of C2/C3 values are audited."""
        form = self.form(session, app_key, form_key)
        principal = self.permissions.principal(session, actor)
        access = FormAccess.of(
            form, principal, self.permissions, dialect=session.get_bind().dialect.name
        )
        record = self._record(session, form, record_id)
        if self._reads(session, access, record_id):
            base = self._row_levels(session, access, [record])[0]
            writable = access.writable_on(None)
        else:
            base = {
                item.key: min(FieldLevel.READ, default_level(item))
                for item in form.definition.fields
            }
            writable = frozenset()
        caps = {"hidden": FieldLevel.HIDDEN, "read": FieldLevel.READ, "write": FieldLevel.WRITE}
        levels: dict[str, FieldLevel] = {}
        for item in form.definition.fields:
            level = min(base.get(item.key, FieldLevel.HIDDEN), caps[step.get(item.key, "hidden")])
            if level == FieldLevel.WRITE and item.key not in writable:
                level = FieldLevel.READ
            levels[item.key] = level
        shown = self._shown(session, access, [record], levels=[levels])[0]
        names = {FieldLevel.MASKED: "masked", FieldLevel.READ: "read", FieldLevel.WRITE: "write"}
        return shown, {key: names[level] for key, level in levels.items() if level in names}

    def _reads(self, session: Session, access: FormAccess, record_id: str) -> bool:
        """Whether the reader's roles reach the record for reading."""
        try:
            access.require("read")
        except PlatformError:
            return False
        where = access.rows("read")
        return self.repo.fetch(session, access.form.table, record_id, where=where) is not None

    def set_flow_status(
        self, session: Session, app_key: str, form_key: str, record_id: str, status: str | None
    ) -> None:
        """The status of the record's current flow, kept on the record for lists, filters and
        reports. A system column: the record's version, history and audit trail are untouched
        (the flow keeps its own history, and a flow moving on must not make a user's open edit
        stale)."""
        form = self.form(session, app_key, form_key)
        self.repo.set_flow_status(session, form.table, record_id, status)

    def stored(
        self,
        session: Session,
        app_key: str,
        form_key: str,
        record_id: str,
        *,
        form: PublishedForm | None = None,
    ) -> dict[str, Any]:
        """A record as stored, for the platform's own work (rules acting later): no permission
        check, nothing masked, nothing audited. Never hand it to a client. `form`: the
        published form, when the caller has it already."""
        return self._record(session, form or self.form(session, app_key, form_key), record_id)

    def _record(
        self,
        session: Session,
        form: PublishedForm,
        record_id: str,
        where: Sequence[ColumnElement[bool]] = (),
        *,
        stored: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The stored record in clear (for the service's own use, never sent as is);
        ``stored``: its main row when the caller has it already."""
        row = stored or self.repo.fetch(session, form.table, record_id, where=where)
        if row is None:
            raise NotFound(
                f"form {form.form_key!r} has no record {record_id!r}",
                code="record_not_found",
                zh_cn=f"没有这条记录（{record_id}）：它可能已被删除，或不在您可查看的范围内",
            )
        children = {
            child.field.id: self.repo.fetch_children(session, child.table, [record_id])
            for child in form.shape.children
        }
        return record_json(form.shape, row, children)

    def _reachable(
        self, session: Session, access: FormAccess, record_id: str, action: str
    ) -> dict[str, Any]:
        """The record if ``action`` reaches it. Outside the reader's rows it does not exist
        (404), even when the ``action``'s rows are wider (an update or delete must never touch,
        nor answer with, a record its actor cannot read); readable but outside the ``action``'s
        rows it is ``record_forbidden`` (403)."""
        form = access.form
        try:
            record = self._record(session, form, record_id, access.rows("read"))
        except NotFound as missing:
            if self.repo.fetch(session, form.table, record_id) is None:
                raise
            # The same answer as for a record that does not exist, audited as a refusal.
            raise HiddenNotFound(missing.message, code=missing.code, zh_cn=missing.zh_cn) from None
        if action == "read" or (
            self.repo.fetch(session, form.table, record_id, where=access.rows(action)) is not None
        ):
            return record
        raise Forbidden(
            f"you may read record {record_id} but not {action} it: it is outside the rows "
            f"your roles let you {action}",
            code="record_forbidden",
            zh_cn=f"您可以查看这条记录，但无权{ACTION_ZH.get(action, action)}：它不在您的角色允许"
            f"{ACTION_ZH.get(action, action)}的范围内",
        )

    def _answer(
        self,
        session: Session,
        access: FormAccess,
        record: Mapping[str, Any],
        kept: Sequence[Mapping[str, Any]] | None,
        *,
        audit: bool = False,
    ) -> dict[str, Any]:
        """One record as the reader may see it; with ``kept`` (stored warnings, not None),
        the warnings they may see of it under ``warnings``."""
        levels = self._row_levels(session, access, [record])
        shown = self._shown(session, access, [record], audit=audit, levels=levels)[0]
        if kept is not None:
            locale = access.principal.actor.locale
            shown["warnings"] = kept_warnings.shown(access.form, kept, levels[0], locale)
        return shown

    def _shown(
        self,
        session: Session,
        access: FormAccess,
        records: Sequence[Mapping[str, Any]],
        *,
        audit: bool = True,
        sensitive: list[str] | None = None,
        levels: Sequence[Mapping[str, FieldLevel]] | None = None,
    ) -> list[dict[str, Any]]:
        """Records as the reader may see them, each with its row's levels (``levels``, when the
        caller has them already); reads of C2/C3 values in clear (``sensitive``, likewise) are
        audited once the reading transaction committed (see ``AuditLog.record_later``). Writes
        pass ``audit=False``: their own event names the fields their response shows in clear."""
        if levels is None:
            levels = self._row_levels(session, access, records)
        if audit and records:
            fields = access.clear_sensitive(records, levels) if sensitive is None else sensitive
            if fields:
                form = access.form
                self.audit.record_later(
                    session,
                    access.principal.actor,
                    "record.read",
                    object_type="form",
                    object_id=f"{form.app_key}/{form.form_key}",
                    details={"fields": fields, "ids": [r["id"] for r in records]},
                )
        return [access.present(record, row) for record, row in zip(records, levels, strict=True)]

    def search(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        *,
        filter_: str | None = None,
        sort: str | None = None,
        limit: int = 50,
        offset: int = 0,
        deleted: bool = False,
        total: TotalMode = "exact",
        action: str = "read",
    ) -> Page:
        """A page of the records the actor may read (``action="export"`` for exports), filtered
        by an expression and sorted; hidden and masked fields cannot be filtered or sorted on."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, action)
        if action == "export":
            access = access.for_export()
        statements = self._page_statements(session, access, filter_, sort, deleted, action)
        with filter_in_range(filter_):
            rows, counted = self.repo.page_rows(
                session,
                statements,
                limit=limit + 1,
                offset=offset,
                count=COUNTED_WITH_FIRST_PAGE.get(total) if offset == 0 else None,
            )
            has_more = len(rows) > limit
            rows = rows[:limit]
            count, exact = self._total(
                session, statements, total, offset, len(rows), has_more, counted
            )
        items, sensitive = self._converted(session, access, rows)
        if action == "read" and sensitive:
            self.audit.record_later(
                session,
                actor,
                "record.read",
                object_type="form",
                object_id=f"{form.app_key}/{form.form_key}",
                details={"fields": sensitive, "ids": [item["id"] for item in items]},
            )
        shown = tuple(key for key, level in access.levels.items() if level > FieldLevel.HIDDEN)
        return Page(items, count, limit, offset, sensitive, shown, exact, has_more)

    def page_where(
        self,
        session: Session,
        actor: Actor,
        access: FormAccess,
        conditions: Sequence[ColumnElement[bool]],
        *,
        offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], bool]:
        """A page of the live records `access` may read that also match `conditions` (built
        by the caller over the form's table, e.g. a report's filters), newest first, shown as
        the record list shows them; whether more follow. Reads of sensitive fields in clear
        are audited as the list audits them."""
        form = access.form
        table = form.table
        where = [table.c.deleted_at.is_(None), *access.rows("read"), *conditions]
        rows = self.repo.newest_rows(session, table, where, offset=offset, limit=limit + 1)
        has_more = len(rows) > limit
        items, sensitive = self._converted(session, access, rows[:limit])
        if sensitive:
            self.audit.record_later(
                session,
                actor,
                "record.read",
                object_type="form",
                object_id=f"{form.app_key}/{form.form_key}",
                details={"fields": sensitive, "ids": [item["id"] for item in items]},
            )
        return items, has_more

    def count_where(
        self,
        session: Session,
        access: FormAccess,
        conditions: Sequence[ColumnElement[bool]],
        *,
        cap: int,
    ) -> int:
        """How many live records `access` may read match `conditions` (at most `cap`)."""
        table = access.form.table
        where = [table.c.deleted_at.is_(None), *access.rows("read"), *conditions]
        return self.repo.count_rows(session, table, where=where, cap=cap)

    def _page_statements(
        self,
        session: Session,
        access: FormAccess,
        filter_: str | None,
        sort: str | None,
        deleted: bool,
        action: str,
    ) -> PageStatements:
        """The list's statements, built on first use and then taken from the form's cache.

        The key holds everything they depend on: the list parameters, the day (filters and
        row-scope expressions may name it), the reader's grants (a role change changes them)
        and the facts their row scopes name (user, departments). A new form version has its
        own cache."""
        form = access.form
        principal = access.principal
        actor = principal.actor
        today = business_date(self.clock())
        key = (
            action,
            deleted,
            sort,
            filter_,
            today,
            access.dialect,
            tuple(grant.model_dump_json() for grant in principal.grants),
            actor.username,
            actor.user_id,
            actor.system,
            actor.scopes,
            principal.departments,
            principal.primary_department,
            principal.department_tree,
        )
        cache = statements_cache(form)
        found: PageStatements | None = cache.get(key)
        if found is not None:
            return found
        query = self.query(session, access)
        table = form.table
        conditions = [
            table.c.deleted_at.is_not(None) if deleted else table.c.deleted_at.is_(None),
            *access.rows(action),
            *query.where(filter_),
        ]
        found = self.repo.page_statements(
            table,
            where=conditions,
            order_by=[*query.order_by(sort), table.c.id],
            cap=AUTO_COUNT_CAP + 1,
        )
        cache.put(key, found)
        return found

    def _converted(
        self, session: Session, access: FormAccess, rows: Sequence[Sequence[Any]]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The page's records as the reader sees them (each row with its own levels, see
        ``FormAccess.row_levels``) and the C2/C3 fields they show in clear."""
        form = access.form
        clear: set[str] = set()
        if not access.varying():
            converter = converter_for(form, access.levels)
            items = [converter.convert(row, clear) for row in rows]
        else:
            id_at = form.table.columns.keys().index("id")
            covered = self._coverage(session, access, [row[id_at] for row in rows])
            items = [
                converter_for(form, access.row_levels(covered.get(row[id_at]))).convert(row, clear)
                for row in rows
            ]
        order = converter_for(form, access.levels).order
        return items, [key for key in order if key in clear]

    def _total(
        self,
        session: Session,
        statements: PageStatements,
        mode: TotalMode,
        offset: int,
        shown: int,
        has_more: bool,
        counted: int | None = None,
    ) -> tuple[int | None, bool]:
        """The page's total and whether it is exact (see ``TotalMode``); ``counted``: the
        count the page's own statement brought (see ``COUNTED_WITH_FIRST_PAGE``)."""
        if mode == "none":
            return None, False
        if not has_more and (shown or not offset):
            return offset + shown, True  # the page reaches the end of the list
        if mode == "exact":
            return self.repo.count(session, statements.count) if counted is None else counted, True
        seen = offset + shown + (1 if has_more else 0)
        if mode == "estimate":
            estimate = self.repo.estimate_rows(session, statements.table, where=statements.where)
            if estimate is not None:
                return max(estimate, seen), False
        count = self.repo.count(session, statements.capped_count) if counted is None else counted
        if count <= AUTO_COUNT_CAP:
            return count, True
        return max(AUTO_COUNT_CAP, seen), False  # a lower bound: "more than 10,000"

    def summary(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        *,
        filter_: str | None = None,
        sums: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Count and exact sums of the live records the actor may read (sums run in the
        database, never via floats); a money field whose values name their own currencies is
        summed per currency, as a list of money values."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        query = self.query(session, access)
        columns = query.sum_columns(sums)
        conditions = [
            form.table.c.deleted_at.is_(None),
            *access.rows("read"),
            *query.where(filter_),
        ]
        with filter_in_range(filter_):
            return {
                "count": self.repo.count_rows(session, form.table, where=conditions),
                "sum": {
                    key: self.repo.aggregate(session, form.table, column, where=conditions)
                    if currency is None
                    else self.repo.sums_by_currency(session, column, currency, where=conditions)
                    for key, (column, currency) in columns.items()
                },
            }

    def window_aggregate(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        *,
        function: str,
        field: str | None = None,
        where: str | None = None,
        trigger: Mapping[str, Any] | None = None,
        window: Window | None = None,
        today: date | None = None,
    ) -> Any:
        """The `function` (count, sum, min, max, avg) of `field` over the live records `actor`
        may read that match `where` (see `windows.py`: `it.<field>`, `record.<field>` from
        `trigger`) and lie in `window`; one statement. Count of nothing is 0, the others null;
        sums and averages are exact. `today()` in `where` is `today` (default: the clock's)."""
        if function not in FUNCTIONS or (function != "count" and not field):
            raise Invalid(
                f"unknown aggregate {function!r} or no field to aggregate",
                code="aggregate_invalid",
                zh_cn=f"未知的汇总函数 {function!r}，或没有指定要汇总的字段",
                errors=[ErrorItem("/function", "invalid_choice", f"one of {list(FUNCTIONS)}")],
            )
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        query = self.query(session, access, today=today)
        conditions = [
            form.table.c.deleted_at.is_(None),
            *access.rows("read"),
            *query.where_related(where, trigger or {}),
        ]
        if window is not None:
            column = query.aggregated(window.field, "min", "/window/field")
            conditions.extend(window_bounds(column, window))
        target = None if field is None else query.aggregated(field, function, "/field")
        with filter_in_range(where):
            return self.repo.window_aggregate(session, form.table, function, target, conditions)

    def window_records(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        *,
        keys: Sequence[str],
        where: str | None = None,
        trigger: Mapping[str, Any] | None = None,
        window: Window | None = None,
        limit: int = 1000,
        today: date | None = None,
    ) -> list[dict[str, Any]]:
        """The live records `actor` may read that match `where` and lie in `window` (as in
        `window_aggregate`), oldest first, in clear for the platform's own work (never for a
        client): `id` and the fields `keys`, null where the actor may not read the field on
        that row. More than `limit` is refused rather than cut short."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        query = self.query(session, access, today=today)
        for index, key in enumerate(keys):
            query.aggregated(key, "count", f"/fields/{index}")  # refused when closed to actor
        conditions = [
            form.table.c.deleted_at.is_(None),
            *access.rows("read"),
            *query.where_related(where, trigger or {}),
        ]
        if window is not None:
            column = query.aggregated(window.field, "min", "/window/field")
            conditions.extend(window_bounds(column, window))
        with filter_in_range(where):
            rows = self.repo.rows_where(session, form.table, conditions, limit + 1)
        if len(rows) > limit:
            raise Invalid(
                f"more than {limit} records of {form_key!r} match; narrow the filter or raise "
                "the limit",
                code="too_many_matches",
                zh_cn=f"表单 {form_key} 中符合条件的记录超过 {limit} 条：请缩小筛选范围或提高上限",
                errors=[ErrorItem("/limit", "too_many_matches", f"at most {limit}")],
            )
        records = [record_json(form.shape, row) for row in rows]
        levels = self._row_levels(session, access, records)
        return [
            {
                "id": record["id"],
                **{
                    key: record.get(key)
                    if found.get(key, FieldLevel.HIDDEN) >= FieldLevel.READ
                    else None
                    for key in keys
                },
            }
            for record, found in zip(records, levels, strict=True)
        ]

    def matching_ids(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        *,
        where: str,
        trigger: Mapping[str, Any] | None = None,
        limit: int = 1000,
    ) -> list[str]:
        """Ids of the live records `actor` may update that match `where` (`it.<field>`,
        `record.<field>` from `trigger`, as in `window_aggregate`), oldest first; at most
        `limit` (more is refused rather than silently cut)."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "update")
        query = self.query(session, access)
        conditions = [
            form.table.c.deleted_at.is_(None),
            *access.rows("update"),
            *query.where_related(where, trigger or {}),
        ]
        with filter_in_range(where):
            ids = self.repo.ids_where(session, form.table, conditions, limit + 1)
        if len(ids) > limit:
            raise Invalid(
                f"more than {limit} records of {form_key!r} match; narrow the filter",
                code="too_many_matches",
                zh_cn=f"表单 {form_key} 中符合条件的记录超过 {limit} 条：请缩小筛选范围",
                errors=[ErrorItem("/where", "too_many_matches", f"at most {limit}")],
            )
        return ids

    def ensure_window_index(
        self, session: Session, app_key: str, form_key: str, keys: Sequence[str]
    ) -> str:
        """An index over the fields `keys` (equality fields first, the window's date field
        last) of the live records of a form, created unless it exists; its name. Windowed
        aggregates (`window_aggregate`) over large forms need it."""
        form = self.form(session, app_key, form_key)
        index = window_index(form, keys)
        connection = session.connection()
        present = {str(ix["name"]) for ix in inspect(connection).get_indexes(form.table.name)}
        if index.name not in present:
            index.create(connection)
        return str(index.name)

    def history(
        self, session: Session, actor: Actor, app_key: str, form_key: str, record_id: str
    ) -> list[dict[str, Any]]:
        """The record's changes; values of hidden fields left out, of masked fields masked."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        record = self._reachable(session, access, record_id, "read")
        levels = self._row_levels(session, access, [record])[0]
        rows = self.repo.changes(session, form.definition_id, record_id)
        identified = self._identified(session, form, rows)
        return [
            {
                "version": c.version,
                "action": c.action,
                "changed_at": c.changed_at,
                "changed_by": c.changed_by,
                "changes": access.present_changes(changes, levels),
            }
            for c, changes in zip(rows, identified, strict=True)
        ]

    def _identified(
        self, session: Session, form: PublishedForm, rows: Sequence[Any]
    ) -> list[list[dict[str, Any]]]:
        """Each history row's changes, each naming its field's id. Changes recorded before ids
        were kept get the id their key had in the form version in force when they were made
        (None when that version had no such key: the change is then never shown)."""
        out = [[dict(change) for change in row.changes] for row in rows]
        if all("field_id" in change for changes in out for change in changes):
            return out
        versions = [
            (
                _utc(v.published_at),
                {f.key: f.id for f in FormDefinition.model_validate(v.body["spec"]).fields},
            )
            for v in self.metadata.repo.versions(session, form.definition_id)
        ]
        for row, changes in zip(rows, out, strict=True):
            at = _utc(row.changed_at)
            in_force = next(
                (ids for published, ids in reversed(versions) if published <= at),
                versions[0][1] if versions else {},
            )
            for change in changes:
                key = change.get("field")
                if "field_id" not in change:
                    change["field_id"] = in_force.get(key) if isinstance(key, str) else None
        return out

    def unmask(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        *,
        fields: Sequence[str],
        reason: str,
    ) -> dict[str, Any]:
        """Clear values of masked fields the actor may unmask, for a stated reason (audited)."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        access.check_unmask(fields, reason)
        record = self._reachable(session, access, record_id, "read")
        covered = self._coverage(session, access, [record_id]).get(record_id)
        access.check_unmask(fields, reason, covered=covered)
        self.audit.record(
            session,
            actor,
            "record.unmask",
            object_type="record",
            object_id=f"{app_key}/{form_key}/{record_id}",
            details={"fields": list(fields), "reason": reason.strip()},
        )
        return {"id": record_id, "values": {key: record.get(key) for key in fields}}

    def attachment(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        record_id: str,
        file_id: str,
    ) -> tuple[StoredFile, Path]:
        """A file attached to a record the actor may read, in a field they may read in clear."""
        form = self.form(session, app_key, form_key)
        access = self.access(session, actor, form, "read")
        record = self._reachable(session, access, record_id, "read")
        levels = self._row_levels(session, access, [record])[0]
        readable = {
            key: value
            for key, value in record.items()
            if levels.get(key, FieldLevel.HIDDEN) >= FieldLevel.READ
        }
        if self.files is None or file_id not in _file_ids(readable):
            raise NotFound(
                f"record {record_id} has no attachment {file_id!r} you may open",
                code="file_not_found",
                zh_cn=f"记录 {record_id} 没有您可以打开的附件 {file_id}",
            )
        return self.files.download(session, actor, file_id, via=f"{app_key}/{form_key}/{record_id}")

    # ------------------------------------------------------------ helpers

    def _assign_serials(
        self, session: Session, form: PublishedForm, batch: Sequence[dict[str, Any]], now: datetime
    ) -> None:
        """Number serial fields: one counter reservation per field and prefix for the batch."""
        day = business_date(now)
        for item in form.definition.fields:
            if not isinstance(item, SerialNumberField):
                continue
            waiting = [values for values in batch if values.get(item.key) is None]
            if not waiting:
                continue
            pattern = parse_serial_pattern(item.pattern)
            prefix = pattern.prefix(day)
            last = self.repo.take_serials(
                session, f"{form.definition_id}:{item.id}", prefix, len(waiting)
            )
            for offset, values in enumerate(waiting):
                number = last - len(waiting) + 1 + offset
                values[item.key] = pattern.render(on=day, seq=number)

    def _write_children(
        self,
        session: Session,
        form: PublishedForm,
        record_id: str,
        values: Mapping[str, Any],
        *,
        replace: bool,
    ) -> None:
        for child in form.shape.children:
            if child.field.key not in values:
                continue
            if replace:
                self.repo.delete_children(session, child.table, record_id)
            rows = [
                {
                    "id": row.get("_id") or new_id(),
                    "parent_id": record_id,
                    "row_order": index,
                    **child_values(child, row, cipher=self.cipher),
                }
                for index, row in enumerate(values[child.field.key] or [])
            ]
            self.repo.insert_rows(session, child.table, rows)

    def _log(
        self,
        session: Session,
        actor: Actor,
        form: PublishedForm,
        record_id: str,
        version: int,
        action: str,
        changes: list[dict[str, Any]],
        *,
        shown: Sequence[str] = (),
    ) -> None:
        """History row and audit event of a write; ``shown``: the C2/C3 fields the response
        shows in clear (the write's one event stands for that read too)."""
        self.repo.add_changes(
            session,
            [
                {
                    "definition_id": form.definition_id,
                    "record_id": record_id,
                    "version": version,
                    "action": action,
                    "changed_at": self.clock(),
                    "changed_by": actor.username,
                    "changes": changes,
                }
            ],
        )
        self.audit.record(
            session,
            actor,
            f"record.{action}",
            object_type="record",
            object_id=f"{form.app_key}/{form.form_key}/{record_id}",
            details={
                "version": version,
                "changes": audited_changes(form, changes),
                **({"shown": list(shown)} if shown else {}),
            },
        )


def _utc(moment: datetime) -> datetime:
    """``moment`` as a naive UTC instant (stored instants come back naive on some databases)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _uploader(actor: Actor) -> str | None:
    """Whose uploads the actor may attach (None: a trusted internal actor, any file)."""
    return None if actor.system else actor.username


def _file_ids(value: Any) -> set[str]:
    """Ids of the file references inside a record's JSON value."""
    if isinstance(value, Mapping):
        own = (
            {value["id"]} if "content_type" in value and isinstance(value.get("id"), str) else set()
        )
        return own.union(*(_file_ids(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_file_ids(item) for item in value))
    return set()


def _holds_encrypted(item: FieldBase) -> bool:
    """Whether the field (or, for a subtable, one of its columns) is stored encrypted."""
    if item.encrypted:
        return True
    return isinstance(item, SubtableField) and any(child.encrypted for child in item.fields)


def audited_changes(
    form: PublishedForm, changes: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Changes as the audit trail keeps them: values of C2/C3 fields (and of fields with their
    own masking preset) masked with the field's preset, like a reader without clear-text
    permission sees them; encrypted fields carry no values at all (see ``_changes``). The audit
    administrator thus never reads what business roles see masked."""
    by_key = {item.key: item for item in form.definition.fields}
    kept: list[dict[str, Any]] = []
    for change in changes:
        entry = dict(change)
        item = by_key.get(str(entry.get("field")))
        if item is not None:
            for side in ("before", "after"):
                if side in entry:
                    entry[side] = _audit_value(item, entry[side])
        kept.append(entry)
    return kept


def _audit_value(item: FieldBase, value: Any) -> Any:
    if isinstance(item, SubtableField):
        if not isinstance(value, list):
            return value if value is None else masked_json(item, value)
        columns = {child.key: child for child in item.fields}
        return [
            {
                key: _audit_value(columns[key], cell) if key in columns else cell
                for key, cell in row.items()
            }
            if isinstance(row, Mapping)
            else row
            for row in value
        ]
    if sensitivity(item) in SENSITIVE or item.mask not in (None, "none"):
        return masked_json(item, value)
    return value


def _stale(record_id: str, current: int) -> Conflict:
    return Conflict(
        f"record {record_id} was changed by someone else (now at version {current}); reload it "
        "and apply your change again",
        code="stale_record",
        zh_cn=f"这条记录已被他人修改（现为第 {current} 版）：请刷新后重新修改",
        errors=[ErrorItem("/version", "stale_record", f"current version is {current}")],
    )


def _unchanged(form: PublishedForm, before: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Whether storing ``values`` (typed, by key) would leave every field as ``before`` has it."""
    return all(
        canonical_dumps(to_jsonable(to_json_value(item, values[item.key])))
        == canonical_dumps(to_jsonable(before.get(item.key)))
        for item in form.definition.fields
        if item.key in values
    )


def _changes(
    before: Mapping[str, Any], after: Mapping[str, Any], form: PublishedForm
) -> list[dict[str, Any]]:
    """Field-level diff (system fields excluded); each change names the field's key and its
    stable id, by which history is presented after renames."""
    changes: list[dict[str, Any]] = []
    for item in form.definition.fields:
        old, new = before.get(item.key), after.get(item.key)
        if canonical_dumps(to_jsonable(old)) == canonical_dumps(to_jsonable(new)):
            continue
        if _holds_encrypted(item):  # history and audit are plaintext: record only the change
            changes.append({"field": item.key, "field_id": item.id, "encrypted": True})
        else:
            changes.append(
                {
                    "field": item.key,
                    "field_id": item.id,
                    "before": to_jsonable(old),
                    "after": to_jsonable(new),
                }
            )
    return changes
