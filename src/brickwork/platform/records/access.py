"""The permission-aware view of one form's records for one principal (DESIGN §8).

``FormAccess`` is the single place where grants become behaviour for records: which actions are
allowed, which rows an action reaches (compiled to SQL and added to every query), which fields
are hidden, masked, readable or writable, and which may be unmasked. ``RecordService`` builds one
per operation; lists, detail, history, summaries, exports, imports and (later) reports all read
through it, so no path sees rows or values the grants do not give.

Row scopes of several grants are OR-ed (the union of roles). Field levels are worked out per
row: on each row a field gets the most open level among the grants whose row scope covers that
row, so a role showing a field in clear on its own rows never reveals it on rows the reader sees
only through another role. When the reading grants disagree about a field, the service asks the
database which grants cover each row (``coverage``) and presents every row with its own levels;
filters, sorts and sums see such a field only on rows where it is readable (elsewhere it counts
as empty: a filter never matches there, a sum leaves those rows out). What a reader sees comes
from the grants that allow ``read``; which
fields a create, update or import may write comes from the grants that allow that action (a
create-only grant neither opens fields for reading nor makes read-only fields updatable). A
masked field never shows its clear value. A row-scope expression that no longer compiles (its
form changed) reaches no rows and is logged, never widened.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, case, false, literal, or_, true

from brickwork.engines.expr import ExpressionError, to_sql_ir
from brickwork.engines.expr.checker import Scope
from brickwork.engines.expr.choices import ForeignOption, names_compared
from brickwork.engines.expr.datatypes import as_type
from brickwork.engines.expr.syntax import Expr
from brickwork.engines.form.definition import SubtableField, people_fields
from brickwork.engines.form.elements import FieldBase, Sensitivity
from brickwork.engines.form.fieldtypes import mask_of, sensitivity_of
from brickwork.engines.form.masking import FULL_MASK, mask_text
from brickwork.platform.auth.permissions import PermissionService, Principal
from brickwork.platform.auth.policy import (
    ExpressionScope,
    FieldLevel,
    Grant,
    RowScope,
)
from brickwork.platform.errors import ErrorItem, Forbidden, Invalid
from brickwork.platform.query.sql_expr import render
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.query import RecordQuery

log = logging.getLogger(__name__)

SCOPE_SYSTEM_FIELDS = {"owner": "text", "department": "text", "created_by": "text"}
USER_CONTEXT = {"username": "text", "id": "text", "department": "text"}
ROW_ACTION_OF = {"read": "read", "export": "read", "update": "update", "delete": "delete"}
WRITING_ACTIONS = ("create", "update", "import")
SENSITIVE = (Sensitivity.C2, Sensitivity.C3)
MIN_REASON = 5


def scope_expression_scope(base: Scope) -> Scope:
    """What a row-scope expression may name: the form's fields (``base``: the form's expression
    scope), the record's owner, department and creator, and ``$user``."""
    fields = {**base.fields, **{k: as_type(t) for k, t in SCOPE_SYSTEM_FIELDS.items()}}
    return Scope(fields=fields, user=as_type(USER_CONTEXT), extra=base.extra)


def names_held_as_ids(tree: Expr, fields: Iterable[FieldBase]) -> list[ForeignOption]:
    """The comparisons, in a filter over records of `fields` (a row scope, a lookup's filter),
    of a member or department field or the record's own `department` with a name or
    `$user.username`: those hold ids, so such a comparison never matches."""
    return names_compared(tree, people_fields(fields) | {"department"}, ("$user.username",))


def sensitivity(item: FieldBase) -> Sensitivity:
    """The field's class; a subtable's is the highest of its own and its columns' (grants name
    whole subtables, so a subtable holding C3 columns is as sensitive as a C3 field)."""
    classes = [sensitivity_of(item)]
    if isinstance(item, SubtableField):
        classes.extend(sensitivity_of(child) for child in item.fields)
    return max(classes)


def default_level(item: FieldBase) -> FieldLevel:
    """Unlisted fields are writable, except C3 (authentication data), masked unless granted."""
    return FieldLevel.MASKED if sensitivity(item) is Sensitivity.C3 else FieldLevel.WRITE


def masked_json(item: FieldBase, value: Any) -> Any:
    """What a reader without clear-text permission sees: the field's preset over text, six
    stars over anything else (amounts, dates, lists, and text whose preset is ``none``: a masked
    field is never shown in clear), nothing for no value."""
    if value is None:
        return None
    preset = mask_of(item)
    if isinstance(value, str) and preset != "none":
        return mask_text(value, preset)
    return FULL_MASK


@dataclass(frozen=True)
class Source:
    """One grant that lets the reader see rows: its row scope and what it shows of each field."""

    grant: Grant
    levels: Mapping[str, FieldLevel]
    unmask: frozenset[str]


@dataclass(frozen=True)
class FormAccess:
    form: PublishedForm
    principal: Principal
    permissions: PermissionService
    dialect: str
    levels: Mapping[str, FieldLevel] = field(default_factory=dict)
    """What the reader sees of each field (from the grants that allow ``read``)."""
    unmaskable: frozenset[str] = frozenset()
    writable: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Per writing action, the fields some grant allowing that action leaves at ``write``."""
    export_levels: Mapping[str, FieldLevel] = field(default_factory=dict)
    """What an export shows of each field (from the grants that allow ``export``)."""
    sources: tuple[Source, ...] = ()
    """The grants that allow ``read``, each with its levels: per-row levels come from them."""
    export_sources: tuple[Source, ...] = ()
    update_sources: tuple[Source, ...] = ()
    """The grants that allow ``update``: which fields an update may write depends on the
    grants whose update rows cover the record."""

    @classmethod
    def of(
        cls,
        form: PublishedForm,
        principal: Principal,
        permissions: PermissionService,
        *,
        dialect: str,
    ) -> FormAccess:
        fields = form.definition.fields
        if principal.actor.system:
            everything = {item.key: FieldLevel.WRITE for item in fields}
            keys = frozenset(everything)
            writable = dict.fromkeys(WRITING_ACTIONS, keys)
            return cls(
                form, principal, permissions, dialect, everything, keys, writable, everything
            )
        grants = [g for g in principal.grants if g.covers(form.app_key, form.form_key)]
        levels: dict[str, FieldLevel] = {}
        export_levels: dict[str, FieldLevel] = {}
        unmaskable: set[str] = set()
        writing: dict[str, set[str]] = {action: set() for action in WRITING_ACTIONS}
        sources: list[Source] = []
        export_sources: list[Source] = []
        update_sources: list[Source] = []
        for grant in grants:
            given = _guarded({item.key: _level_in(grant, item) for item in fields}, form)
            source = Source(grant, given, frozenset(grant.unmask))
            if "read" in grant.actions:
                _raise_levels(levels, given)
                unmaskable.update(grant.unmask)
                sources.append(source)
            if "export" in grant.actions:
                _raise_levels(export_levels, given)
                export_sources.append(source)
            if "update" in grant.actions:
                update_sources.append(source)
            for action in WRITING_ACTIONS:
                if action in grant.actions:
                    writing[action].update(k for k, v in given.items() if v == FieldLevel.WRITE)
        writable = {action: frozenset(keys) for action, keys in writing.items()}
        return cls(
            form,
            principal,
            permissions,
            dialect,
            levels,
            frozenset(unmaskable),
            writable,
            export_levels,
            tuple(sources),
            tuple(export_sources),
            tuple(update_sources),
        )

    def for_export(self) -> FormAccess:
        """The view an export takes: field levels of the grants that allow ``export`` (a field
        only a read-only role shows in clear is not exported in clear), no unmasking."""
        sources = tuple(replace(s, unmask=frozenset()) for s in self.export_sources)
        return replace(self, levels=self.export_levels, unmaskable=frozenset(), sources=sources)

    # ------------------------------------------------------------ per-row levels

    @cached_property
    def _varying(self) -> frozenset[str]:
        if self.principal.actor.system or len(self.sources) < 2:
            return frozenset()
        keys = {item.key for item in self.form.definition.fields}
        return frozenset(
            key
            for key in keys
            if len({(s.levels.get(key), key in s.unmask) for s in self.sources}) > 1
        )

    def varying(self) -> frozenset[str]:
        """Fields whose level (or unmask permission) differs between the reading grants: only
        these need the per-row work."""
        return self._varying

    def coverage(self) -> list[ColumnElement[Any]]:
        """Per reading grant, a SQL expression: 1 where its row scope covers the row, else 0."""
        return [
            case((self._source_rows(source), literal(1)), else_=literal(0))
            for source in self.sources
        ]

    def update_coverage(self) -> list[ColumnElement[Any]] | None:
        """Per update grant, 1 where its update rows cover the row, else 0; None when every
        update grant lets the same fields be written (nothing to work out per row)."""
        if self.principal.actor.system or len({_writes(s) for s in self.update_sources}) < 2:
            return None
        return [
            case((self._source_rows(source, "update"), literal(1)), else_=literal(0))
            for source in self.update_sources
        ]

    def writable_on(self, covered: Sequence[bool] | None) -> frozenset[str]:
        """Fields an update may write on a row covered by the update grants flagged in
        ``covered`` (None: the same on every row)."""
        if covered is None:
            return self.writable.get("update", frozenset())
        keys: set[str] = set()
        for source, on in zip(self.update_sources, covered, strict=True):
            if on:
                keys.update(_writes(source))
        return frozenset(keys)

    def _source_rows(self, source: Source, action: str = "read") -> ColumnElement[bool]:
        scope = source.grant.scope_for(action)
        if scope == "all":
            return true()
        if scope is None:
            return false()
        return self._scope_condition(scope, source.grant)

    def row_levels(self, covered: Sequence[bool] | None) -> dict[str, FieldLevel]:
        """The reader's levels on a row covered by the reading grants flagged in ``covered``
        (None: the levels do not vary between grants). A row no reading grant covers gets the
        least any grant gives."""
        levels = dict(self.levels)
        if covered is None:
            return levels
        chosen = [s for s, on in zip(self.sources, covered, strict=True) if on]
        for key in self.varying():
            given = [s.levels.get(key, FieldLevel.HIDDEN) for s in chosen or self.sources]
            levels[key] = max(given) if chosen else min(given)
        return levels

    def unmaskable_on(self, covered: Sequence[bool] | None) -> frozenset[str]:
        """Fields the reader may unmask on a row (from the grants covering it)."""
        if covered is None or self.principal.actor.system:
            return self.unmaskable
        keys: set[str] = set()
        for source, on in zip(self.sources, covered, strict=True):
            if on:
                keys.update(
                    k
                    for k in source.unmask
                    if source.levels.get(k, FieldLevel.HIDDEN) >= FieldLevel.MASKED
                )
        return frozenset(keys)

    def readable_where(self) -> dict[str, ColumnElement[bool]]:
        """Fields readable on some rows only, with the SQL condition of those rows (filters,
        sorts and sums see them only there)."""
        conditions: dict[str, ColumnElement[bool]] = {}
        for key in self.varying():
            if self.levels.get(key, FieldLevel.HIDDEN) < FieldLevel.READ:
                continue
            readers = [
                s for s in self.sources if s.levels.get(key, FieldLevel.HIDDEN) >= FieldLevel.READ
            ]
            if any(s.grant.scope_for("read") == "all" for s in readers):
                continue
            parts = [self._source_rows(s) for s in readers]
            conditions[key] = or_(*parts) if len(parts) > 1 else parts[0]
        return conditions

    # ------------------------------------------------------------ actions and rows

    def require(self, action: str) -> None:
        self.permissions.check(self.principal, action, self.form.app_key, self.form.form_key)

    def rows(self, action: str) -> list[ColumnElement[bool]]:
        """SQL conditions limiting ``action`` to the rows the grants reach ([] = every row).

        Only grants that allow ``action`` count: an export reaches the read rows of the grants
        that allow export, not those of a role that may only read."""
        if self.principal.actor.system:
            return []
        row_action = ROW_ACTION_OF[action]
        grants = self.permissions.grants_for(
            self.principal, action, self.form.app_key, self.form.form_key
        )
        conditions: list[ColumnElement[bool]] = []
        for grant in grants:
            scope = grant.scope_for(row_action)
            if scope == "all":
                return []
            if scope is not None:
                conditions.append(self._scope_condition(scope, grant))
        if not conditions:
            return [false()]
        return [or_(*conditions) if len(conditions) > 1 else conditions[0]]

    def _scope_condition(self, scope: RowScope, grant: Grant) -> ColumnElement[bool]:
        table = self.form.table
        principal = self.principal
        match scope:
            case "own":
                return table.c.owner == principal.username
            case "department":
                return _member(table.c.department, principal.departments)
            case "department_tree":
                return _member(table.c.department, sorted(principal.department_tree))
            case ExpressionScope(expression=source):
                try:
                    return self.expression_condition(source)
                except (ExpressionError, Invalid):
                    log.warning(
                        "row scope of a grant on %s/%s no longer compiles; it reaches no rows: %s",
                        grant.app,
                        grant.form,
                        source,
                    )
                    return false()
        return false()

    def expression_condition(self, source: str) -> ColumnElement[bool]:
        """A row-scope expression as SQL, ``$user`` bound to the principal."""
        query = RecordQuery(self.form, actor=self.principal.actor, dialect=self.dialect)
        ir = to_sql_ir(source, scope_expression_scope(self.form.compiled.scope), predicate=True)
        user = self.principal.user_context()
        table = self.form.table

        def resolve(path: tuple[str, ...]) -> ColumnElement[Any]:
            if path[0] == "$user":
                value = user.get(path[1]) if len(path) > 1 else None
                return literal(value)
            if path[0] in SCOPE_SYSTEM_FIELDS:
                return table.c[path[0]]
            return query.column(path[0])

        return render(ir, resolve)

    # ------------------------------------------------------------ fields

    def level(self, key: str) -> FieldLevel:
        return self.levels.get(key, FieldLevel.HIDDEN)

    def hidden_or_masked(self) -> set[str]:
        return {key for key, level in self.levels.items() if level <= FieldLevel.MASKED} | {
            item.key for item in self.form.definition.fields if item.key not in self.levels
        }

    def check_writes(
        self,
        data: Mapping[str, Any],
        prefix: str = "",
        *,
        action: str,
        writable: frozenset[str] | None = None,
    ) -> None:
        """Refuse values for fields the writer may not write in ``action`` (create, update or
        import; ``writable``: what the record's own row allows, see ``writable_on``): every
        one, with its pointer."""
        if self.principal.actor.system:
            return
        known = {item.key for item in self.form.definition.fields}
        if writable is None:
            writable = self.writable.get(action, frozenset())
        errors = [
            ErrorItem(f"{prefix}/{key}", "field_not_writable", f"you may not write {key!r}")
            for key in data
            if key in known and key not in writable
        ]
        if errors:
            raise Forbidden(
                f"{len(errors)} field(s) are not writable for you; nothing was saved",
                code="field_not_writable",
                zh_cn=f"有 {len(errors)} 个字段您无权修改：未保存任何内容",
                errors=errors,
            )

    def present(
        self, record: Mapping[str, Any], levels: Mapping[str, FieldLevel] | None = None
    ) -> dict[str, Any]:
        """The record as this reader may see it (``levels``: the row's own, see
        ``row_levels``): hidden fields left out, masked ones masked."""
        levels = self.levels if levels is None else levels
        out = dict(record)
        for item in self.form.definition.fields:
            level = levels.get(item.key, FieldLevel.HIDDEN)
            if level == FieldLevel.HIDDEN:
                out.pop(item.key, None)
            elif level == FieldLevel.MASKED and item.key in out:
                out[item.key] = self.masked(item, out[item.key])
        return out

    def masked(self, item: FieldBase, value: Any) -> Any:
        if isinstance(item, SubtableField) and isinstance(value, list):
            children = {child.key: child for child in item.fields}
            return [
                {
                    key: cell if key not in children else masked_json(children[key], cell)
                    for key, cell in row.items()
                }
                for row in value
            ]
        return masked_json(item, value)

    def present_changes(
        self,
        changes: Sequence[Mapping[str, Any]],
        levels: Mapping[str, FieldLevel] | None = None,
    ) -> list[dict[str, Any]]:
        """History entries as this reader may see the record (``levels``: the row's own).

        A change is matched to the current field by the field's id (changes recorded before
        ids were kept, by key) and shown under its current key; a change of a field the form
        no longer has is left out (the most protective level: its grants are gone)."""
        levels = self.levels if levels is None else levels
        fields = self.form.definition.fields
        by_id = {item.id: item for item in fields}
        by_key = {item.key: item for item in fields}
        shown: list[dict[str, Any]] = []
        for change in changes:
            field_id, key = change.get("field_id"), change.get("field")
            if "field_id" in change:
                item = by_id.get(field_id) if isinstance(field_id, str) else None
            else:
                item = by_key.get(key) if isinstance(key, str) else None
            if item is None:
                continue
            level = levels.get(item.key, FieldLevel.HIDDEN)
            if level == FieldLevel.HIDDEN:
                continue
            entry = {k: v for k, v in change.items() if k != "field_id"} | {"field": item.key}
            if level == FieldLevel.MASKED:
                for side in ("before", "after"):
                    if side in entry:
                        entry[side] = self.masked(item, entry[side])
            shown.append(entry)
        return shown

    def check_unmask(
        self, keys: Sequence[str], reason: str, *, covered: Sequence[bool] | None = None
    ) -> None:
        """Unmasking needs a reason and, per field, the ``unmask`` permission (``covered``:
        the reading grants covering the record's row, whose levels and unmask lists decide)."""
        levels = self.row_levels(covered)
        unmaskable = self.unmaskable_on(covered)
        if visible_length(reason) < MIN_REASON:
            message = (
                f"say why you need the clear values (at least {MIN_REASON} visible characters)"
            )
            raise Invalid(
                message,
                code="unmask_reason_required",
                zh_cn=f"请写明查看明文的原因（至少 {MIN_REASON} 个可见字符）",
                errors=[ErrorItem("/reason", "unmask_reason_required", message)],
            )
        known = {item.key for item in self.form.definition.fields}
        errors = [
            ErrorItem(
                f"/fields/{index}",
                "unmask_not_allowed",
                f"{key!r} is not a field of this form"
                if key not in known
                else f"your roles do not let you unmask {key!r}",
            )
            for index, key in enumerate(keys)
            if key not in known
            or (
                not self.principal.actor.system
                and (
                    levels.get(key, FieldLevel.HIDDEN) < FieldLevel.MASKED or key not in unmaskable
                )
            )
        ]
        if errors:
            raise Forbidden(
                f"{len(errors)} field(s) cannot be unmasked by you",
                code="unmask_not_allowed",
                zh_cn=f"有 {len(errors)} 个字段您无权查看明文",
                errors=errors,
            )

    def clear_sensitive(
        self,
        records: Sequence[Mapping[str, Any]],
        levels: Sequence[Mapping[str, FieldLevel]] | None = None,
    ) -> list[str]:
        """Keys of C2/C3 fields these records show in clear (with a value): reads to audit.
        ``levels``: each record's own (default: the reader's levels on every record)."""
        per_row = levels if levels is not None else [self.levels] * len(records)
        keys: list[str] = []
        for item in self.form.definition.fields:
            if sensitivity(item) in SENSITIVE and any(
                row_levels.get(item.key, FieldLevel.HIDDEN) >= FieldLevel.READ
                and r.get(item.key) not in (None, [], "")
                for r, row_levels in zip(records, per_row, strict=True)
            ):
                keys.append(item.key)
        return keys


def _writes(source: Source) -> frozenset[str]:
    return frozenset(k for k, v in source.levels.items() if v == FieldLevel.WRITE)


def _raise_levels(levels: dict[str, FieldLevel], given: Mapping[str, FieldLevel]) -> None:
    for key, level in given.items():
        levels[key] = max(level, levels.get(key, FieldLevel.HIDDEN))


def _guarded(given: dict[str, FieldLevel], form: PublishedForm) -> dict[str, FieldLevel]:
    """A computed field derived from encrypted fields gets no more than their levels."""
    for key, sources in form.guarded_by.items():
        given[key] = min(given[key], *(given[source] for source in sources))
    return given


def _level_in(grant: Grant, item: FieldBase) -> FieldLevel:
    named = grant.fields.get(item.key)
    return default_level(item) if named is None else FieldLevel.named(named)


def _member(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    if not values:
        return false()
    condition: ColumnElement[bool] = (
        column.in_(list(values)) if len(values) > 1 else column == values[0]
    )
    return condition


INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
"""Unicode categories that show nothing: controls, format characters (U+200B zero-width space,
U+FEFF, bidirectional marks), unassigned code points and every kind of space."""


def visible_length(text: str) -> int:
    """How many characters of ``text`` show something on screen."""
    return sum(
        1 for char in text if unicodedata.category(char) not in INVISIBLE and not char.isspace()
    )
