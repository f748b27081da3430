"""Publishing a form prepares its storage: the real table, its columns and child tables.

Registered as the metadata store's publish hook for kind ``form``. On a dry run it only
describes the DDL; otherwise it applies the plan in the publish transaction, so a failed
conversion leaves neither a new version nor a changed table behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex

from brickwork.engines.expr import ExpressionError, Scope, parse, to_sql_ir
from brickwork.engines.expr.choices import foreign_options, not_an_option
from brickwork.engines.form.definition import (
    FormDefinition,
    LookupField,
    SubtableField,
    choice_options,
)
from brickwork.engines.form.elements import FieldBase
from brickwork.engines.form.fieldtypes import check_value
from brickwork.engines.form.fieldtypes.base import CoerceContext
from brickwork.engines.form.scope import form_scope
from brickwork.platform.clock import Clock, business_date, system_clock
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.errors import Conflict, ErrorItem, Invalid
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.service import PublishRequestContext
from brickwork.platform.models import FormTable
from brickwork.platform.records.access import names_held_as_ids
from brickwork.platform.records.layout import ENCRYPTED, TableLayout, safe_name
from brickwork.platform.records.query import SYSTEM_FILTERS
from brickwork.platform.records.repository import RecordRepository
from brickwork.platform.records.schema_sync import (
    Cells,
    Step,
    apply_plan,
    create_indexes,
    describe,
    missing_indexes,
    plan_sync,
)
from brickwork.platform.records.storage import decrypt_cell, desired_layout, to_columns

ScopeFields = Callable[[Session, str, str, FormDefinition], Iterable[str]]
"""Ids of the form's fields that grants' row-scope expressions name (app and form key, spec)."""


class FormStorage:
    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        repository: RecordRepository | None = None,
        cipher: Cipher | None = None,
        scope_fields: ScopeFields | None = None,
    ) -> None:
        self.clock = clock
        self.cipher = cipher
        self.scope_fields: ScopeFields = scope_fields or (lambda _session, _app, _form, _spec: ())
        self.repo = repository or RecordRepository()
        self.metadata = MetadataRepository()

    def _missing_targets(
        self, session: Session, request: PublishRequestContext, definition: FormDefinition
    ) -> Iterator[ErrorItem]:
        """Lookup fields must point at forms that exist (the form itself included)."""
        for pointer, candidate in _lookups(definition):
            app_key = candidate.target.app or request.app_key
            if (app_key, candidate.target.form) == (request.app_key, request.definition.key):
                continue
            app = self.metadata.app_by_key(session, app_key)
            target = (
                None
                if app is None
                else self.metadata.definition(session, app.id, "form", candidate.target.form)
            )
            if target is None:
                yield ErrorItem(
                    f"{pointer}/target",
                    "lookup_target_missing",
                    f"there is no form {candidate.target.form!r} in app {app_key!r}",
                    f"应用 {app_key} 中没有表单 {candidate.target.form}",
                )

    def _lookup_filters(
        self, session: Session, request: PublishRequestContext, definition: FormDefinition
    ) -> Iterator[ErrorItem]:
        """A lookup's `where` runs as a list filter over its target form: it must compile there
        (a field the target lacks would refuse every record that links to it, a text none of a
        choice's options would find no record to link)."""
        for pointer, item in _lookups(definition):
            if not item.where:
                continue
            app_key = item.target.app or request.app_key
            same = (app_key, item.target.form) == (request.app_key, request.definition.key)
            target = definition if same else self._published(session, app_key, item.target.form)
            if target is not None:  # else `_missing_targets` says so, or it is not published
                yield from lookup_filter_problems(
                    item.where, item.target.form, target, f"{pointer}/where"
                )

    def _lookups_into(
        self, session: Session, request: PublishRequestContext, definition: FormDefinition
    ) -> list[ErrorItem]:
        """The lookups of the other published forms (of every app: a lookup may link to a form
        of another app) whose `where` the new version of their target form would break (a field
        renamed or removed, an option gone). Pointers name the form, and its app when another."""
        found: list[ErrorItem] = []
        target = (request.app_key, request.definition.key)
        for app in self.metadata.apps(session, include_archived=False):
            for definition_id, key, number in self.metadata.published(session, app.key, "form"):
                if (app.key, key) == target:
                    continue
                version = self.metadata.version(session, definition_id, number)
                if version is None or not _filters_lookups(version.body["spec"]):
                    continue
                other = FormDefinition.model_validate(version.body["spec"])
                where = "" if app.key == request.app_key else f"/apps/{app.key}"
                for pointer, item in _lookups(other):
                    if item.where and (item.target.app or app.key, item.target.form) == target:
                        at = f"{where}/forms/{key}{pointer.removeprefix('/spec')}/where"
                        found.extend(lookup_filter_problems(item.where, target[1], definition, at))
        return found

    def _published(self, session: Session, app_key: str, form: str) -> FormDefinition | None:
        """The latest published definition of a form, if any."""
        app = self.metadata.app_by_key(session, app_key)
        found = None if app is None else self.metadata.definition(session, app.id, "form", form)
        if found is None or found.latest_version is None:
            return None
        version = self.metadata.version(session, found.id, found.latest_version)
        return None if version is None else FormDefinition.model_validate(version.body["spec"])

    def _graph_problems(
        self, session: Session, request: PublishRequestContext, definition: FormDefinition
    ) -> Iterator[ErrorItem]:
        """A relations graph names a form of the app and fields that form has (as drafted)."""
        graph = definition.graph
        if graph is None:
            return
        if graph.relations == request.definition.key:
            spec: Any = request.body["spec"]
        else:
            app = self.metadata.app_by_key(session, request.app_key)
            found = (
                None
                if app is None
                else self.metadata.definition(session, app.id, "form", graph.relations)
            )
            if found is None:
                yield ErrorItem(
                    "/spec/graph/relations",
                    "graph_form_missing",
                    f"there is no form {graph.relations!r} in app {request.app_key!r}",
                )
                return
            spec = (found.draft or {}).get("spec") or {}
        keys = {item.get("key") for item in spec.get("fields", ()) if isinstance(item, dict)}
        named = {
            "from_field": graph.from_field,
            "to_field": graph.to_field,
            "kind_field": graph.kind_field,
            "share_field": graph.share_field,
        }
        for name, key in named.items():
            if key is not None and key not in keys:
                yield ErrorItem(
                    f"/spec/graph/{name}",
                    "graph_unknown_field",
                    f"the form {graph.relations!r} has no field {key!r}",
                )

    def check_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        """The storage's checks of a form publish, changing nothing: they run before the app's
        other checks (its rules, flows and reports read the published forms through their
        tables), `on_publish` after them changes the table."""
        self.on_publish(session, replace(request, dry_run=True))
        return []

    def on_publish(self, session: Session, request: PublishRequestContext) -> list[str]:
        definition = FormDefinition.model_validate(request.body["spec"])
        missing = list(self._missing_targets(session, request, definition))
        missing += self._graph_problems(session, request, definition)
        missing += self._lookup_filters(session, request, definition)
        if missing:
            raise Invalid(
                f"form {request.definition.key!r} names forms, fields or options that do not exist",
                code="definition_invalid",
                zh_cn=f"表单 {request.definition.key} 引用了不存在的表单、字段或选项",
                errors=missing,
            )
        broken = self._lookups_into(session, request, definition)
        if broken:
            raise Conflict(
                f"form {request.definition.key!r} cannot change so: lookups of other forms "
                "filter on it (update those forms first)",
                code="lookups_broken_by_change",
                zh_cn=f"表单 {request.definition.key} 不能这样修改：其他表单的关联字段按它筛选"
                "（请先更新那些表单）",
                errors=broken,
            )
        stored = self.repo.form_table(session, request.definition.id)
        current = None if stored is None else TableLayout.from_json(stored.layout)
        table = (
            current.table
            if current
            else safe_name(
                "f_", request.app_key, request.definition.key, taken=self.repo.table_names(session)
            )
        )
        plan = plan_sync(current, desired_layout(table, definition), request.conversions)
        if plan.problems:
            raise Invalid(
                f"form {request.definition.key!r} cannot be published: its records would not fit",
                code="definition_invalid",
                zh_cn=f"表单 {request.definition.key} 无法发布：已有记录不符合新的定义",
                errors=plan.problems,
            )
        connection = session.connection()
        scope_fields = self.scope_fields(
            session, request.app_key, request.definition.key, definition
        )
        indexes = missing_indexes(plan.layout, connection, scope_fields)
        steps = describe(plan, connection) + [
            str(CreateIndex(index).compile(dialect=connection.dialect)) for index in indexes
        ]
        if request.dry_run:
            return steps
        fields = {field.id: field for field in _all_fields(definition)}
        converters = {
            step.field_id: _cast(
                fields[step.field_id], business_date(self.clock()), step, self.cipher
            )
            for step in plan.steps
            if step.action == "move_column" and step.field_id in request.conversions
        }
        try:
            with session.begin_nested():
                apply_plan(plan, connection, converters)
                create_indexes(indexes, connection)
        except IntegrityError as exc:
            raise Invalid(
                "stored records already share values of a field that is now unique; make them "
                "distinct first",
                code="definition_invalid",
                zh_cn="已存储的记录在一个现设为唯一的字段上有重复值：请先使这些值互不相同",
                errors=[
                    ErrorItem(
                        f"/spec/fields/{_index_of(definition, step.field_id)}/unique",
                        "unique_conflict",
                        "existing records have duplicate values",
                    )
                    for step in plan.steps
                    if step.action == "create_unique_index"
                ],
            ) from exc
        self.repo.save_form_table(
            session,
            FormTable(
                definition_id=request.definition.id,
                table_name=table,
                applied_version=request.version,
                layout=plan.layout.to_json(),
                updated_at=self.clock(),
            ),
            existing=stored,
        )
        return steps


def _index_of(definition: FormDefinition, field_id: str) -> int:
    return next(i for i, f in enumerate(definition.fields) if f.id == field_id)


def _all_fields(definition: FormDefinition) -> list[FieldBase]:
    fields: list[FieldBase] = []
    for field in definition.fields:
        fields.append(field)
        if isinstance(field, SubtableField):
            fields.extend(field.fields)
    return fields


def _cast(field: FieldBase, today: date, step: Step, cipher: Cipher | None) -> Callable[[Any], Any]:
    """Convert a stored value to the field's new type with the form engine's own coercion.

    Turning encryption on or off is such a change: a ciphertext is decrypted (bound to the old
    column) before coercion, and an encrypted target gets its ciphertext and blind index."""
    assert step.column is not None
    assert step.previous is not None
    previous, column = step.previous, step.column

    def convert(value: Any) -> Any:
        if previous.type_key == ENCRYPTED:
            raw = decrypt_cell(
                field, previous, value, cipher=cipher, table=step.table, row_id="being converted"
            )
        else:
            raw = value if isinstance(value, str) else str(value)
        coerced = check_value(field, raw, context=CoerceContext(today=today))
        if not coerced.ok:
            first = coerced.problems[0]
            shown = "(encrypted)" if ENCRYPTED in {previous.type_key, column.type_key} else raw
            shown_zh = (
                "（已加密）" if ENCRYPTED in {previous.type_key, column.type_key} else repr(raw)
            )
            raise Invalid(
                f"stored value {shown!r} of field {field.key!r} cannot be converted: {first.en}",
                code="conversion_failed",
                zh_cn=f"字段 {field.key} 已存储的值 {shown_zh} 无法转换：{first.zh_cn}",
                errors=[ErrorItem(f"/{field.key}", first.code, first.en, first.zh_cn)],
            )
        cells = to_columns(field, column, coerced.value, cipher=cipher, table=step.table)
        return Cells(cells) if column.type_key == ENCRYPTED else cells[column.column]

    return convert


def _filters_lookups(spec: Mapping[str, Any]) -> bool:
    """Whether a form's spec (as stored) has a lookup field with a `where`: read before the
    form is validated, which most forms need not be."""
    fields = [f for f in spec.get("fields", ()) if isinstance(f, Mapping)]
    rows = [r for f in fields for r in f.get("fields", ()) if isinstance(r, Mapping)]
    return any(f.get("type") == "lookup" and f.get("where") for f in fields + rows)


def _lookups(definition: FormDefinition) -> Iterator[tuple[str, LookupField]]:
    """(pointer, field) of each lookup field of the form, those in subtable rows included."""
    for index, item in enumerate(definition.fields):
        rows = item.fields if isinstance(item, SubtableField) else ()
        candidates = [(f"/spec/fields/{index}", item)] + [
            (f"/spec/fields/{index}/fields/{i}", row) for i, row in enumerate(rows)
        ]
        for pointer, candidate in candidates:
            if isinstance(candidate, LookupField):
                yield pointer, candidate


def lookup_filter_problems(
    where: str, form: str, target: FormDefinition, pointer: str
) -> Iterator[ErrorItem]:
    """What stops a lookup's filter `where` from running over `target` (form `form`)."""
    scope = Scope(fields={**Scope.of(SYSTEM_FILTERS).fields, **form_scope(target).fields})
    try:
        to_sql_ir(where, scope, predicate=True)
    except ExpressionError as exc:
        first = exc.diagnostic
        said = first.words()
        yield ErrorItem(
            pointer,
            "lookup_where_invalid",
            f"line {first.line}, column {first.column}: {said.en} (in form {form!r})",
            f"第 {first.line} 行第 {first.column} 列：{said.zh_cn}（表单 {form}）",
        )
        return
    choices = choice_options(target.fields)
    tree = parse(where)
    for found in foreign_options(tree, choices):
        span, said = found.span, not_an_option(found.value, found.field, choices[found.field])
        yield ErrorItem(
            pointer,
            "expression_not_an_option",
            f"line {span.line}, column {span.column}: {said.en}, so the filter never matches: "
            "no record could be linked",
            f"第 {span.line} 行第 {span.column} 列：{said.zh_cn}，这个筛选条件永远不会匹配："
            "没有记录可以关联",
        )
    for found in names_held_as_ids(tree, target.fields):
        span = found.span
        yield ErrorItem(
            pointer,
            "expression_people_by_name",
            f"line {span.line}, column {span.column}: `{found.field}` holds the id of a user or "
            f'department, never a name such as "{found.value}", so the filter never matches: '
            "no record could be linked",
            f"第 {span.line} 行第 {span.column} 列：`{found.field}` 存放的是用户或部门的 id，"
            f'不是 "{found.value}" 这样的名称，这个筛选条件永远不会匹配：没有记录可以关联',
        )
