"""Checking role grants against the stored apps and forms, when a role's grants are saved.

A grant must name an app and form that exist, fields the form has, and row-scope expressions
that compile against the form (its fields, ``owner``, ``department``, ``created_by``, ``$user``)
and run in SQL. Grants over every app or form (``"*"``) can only name the record's system
columns and ``$user`` in expressions. Registered with ``PermissionService.add_grant_check``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from brickwork.engines.bilingual import Words
from brickwork.engines.expr import ExpressionError, parse, to_sql_ir
from brickwork.engines.expr.checker import Scope
from brickwork.engines.expr.choices import ForeignOption, foreign_options
from brickwork.engines.expr.choices import not_an_option as lead_in
from brickwork.engines.expr.sql_ir import SqlColumn
from brickwork.engines.form import FormDesignError, compile_form
from brickwork.engines.form.definition import FormDefinition, choice_options
from brickwork.engines.form.elements import FieldBase
from brickwork.platform.auth.policy import ANY, ExpressionScope, Grant
from brickwork.platform.clock import business_date
from brickwork.platform.errors import NotFound
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.metadata.service import MetadataService
from brickwork.platform.records.access import names_held_as_ids, scope_expression_scope

Today = Callable[[], datetime]


def grant_checker(
    metadata: MetadataService, *, now: Today = lambda: datetime.now(UTC)
) -> Callable[[Session, Grant], Iterator[tuple[str, Words]]]:
    """A check of a grant against the stored apps, forms and decision models: each problem's
    pointer inside the grant and what is wrong, in both languages."""

    def check(session: Session, grant: Grant) -> Iterator[tuple[str, Words]]:
        base = Scope()
        choices: dict[str, frozenset[str]] = {}
        fields: Sequence[FieldBase] = ()
        app, form, decision = grant.app, grant.form, grant.decision
        if app != ANY:
            try:
                metadata.app(session, app)
            except NotFound:
                yield "/app", Words(f"不存在应用 {app!r}", f"there is no app {app!r}")
                return
        if app != ANY and decision not in (None, ANY):
            try:
                metadata.definition(session, app, Kind.DECISION_TABLE, decision)
            except NotFound:
                yield (
                    "/decision",
                    Words(
                        f"应用 {app!r} 没有决策模型 {decision!r}",
                        f"app {app!r} has no decision model {decision!r}",
                    ),
                )
            return
        if app != ANY and form != ANY:
            spec = _form_spec(session, metadata, app, form)
            if spec is None:
                yield (
                    "/form",
                    Words(f"应用 {app!r} 没有表单 {form!r}", f"app {app!r} has no form {form!r}"),
                )
                return
            yield from _field_problems(grant, spec)
            choices = choice_options(spec.fields)
            fields = spec.fields
            try:
                base = compile_form(spec, today=business_date(now())).scope
            except FormDesignError:
                base = Scope()
        yield from _expression_problems(grant, base, choices, fields)

    return check


def _expression_problems(
    grant: Grant,
    base: Scope,
    choices: Mapping[str, frozenset[str]],
    fields: Sequence[FieldBase],
) -> Iterator[tuple[str, Words]]:
    """The row-scope expressions that cannot run in the database, that compare a choice field
    with text that is none of its options, or a member or department field (the record's
    `department` too) with a name: they hold ids."""
    for pointer, source in _expressions(grant):
        try:
            to_sql_ir(source, scope_expression_scope(base), predicate=True)
            tree = parse(source)
            for foreign in foreign_options(tree, choices):
                yield pointer, not_an_option(foreign, choices)
            for named in names_held_as_ids(tree, fields):
                yield pointer, people_by_name(named)
        except ExpressionError as exc:
            first = exc.diagnostics[0]
            detail = first.detail()
            if not first.line:
                yield pointer, detail
                continue
            yield (
                pointer,
                Words(
                    f"第 {first.line} 行第 {first.column} 列：{detail.zh_cn}",
                    f"line {first.line}, column {first.column}: {detail.en}",
                ),
            )


def not_an_option(foreign: ForeignOption, choices: Mapping[str, frozenset[str]]) -> Words:
    """A row scope comparing a choice field with text that is none of its options: `=` never
    matches (the role sees none of those rows), `!=` always does (it sees them all)."""
    span = foreign.span
    said = lead_in(foreign.value, foreign.field, choices[foreign.field])
    return Words(
        f"第 {span.line} 行第 {span.column} 列：{said.zh_cn}：这个比较永远不会匹配，授权的行范围"
        "就不是所写的那样；请使用其中之一（区分大小写）",
        f"line {span.line}, column {span.column}: {said.en}, so the comparison never matches "
        "and the grant's rows are not the ones written: use one of them (case matters)",
    )


def people_by_name(found: ForeignOption) -> Words:
    """A row scope comparing a member or department field with a name: `=` never matches (the
    role sees none of those rows), `!=` always does (it sees them all)."""
    span = found.span
    return Words(
        f"第 {span.line} 行第 {span.column} 列：`{found.field}` 存放的是用户或部门的 id，"
        f"不是 {found.value} 这样的名称：这个比较永远不会匹配，授权的行范围就不是所写的那样；"
        "请与 $user.id、$user.department 或另一个成员或部门字段比较",
        f"line {span.line}, column {span.column}: `{found.field}` holds the id of a user or "
        f"department, never a name such as {found.value}, so the comparison never matches and "
        "the grant's rows are not the ones written: compare it with $user.id, $user.department "
        "or another member or department field",
    )


def row_scope_fields(
    grants_of: Callable[[Session], Iterable[Grant]], *, now: Today = lambda: datetime.now(UTC)
) -> Callable[[Session, str, str, FormDefinition], set[str]]:
    """Ids of a form's fields that the row-scope expressions of grants on it name (they get an
    index when the form is published). ``grants_of`` gives every role's grants."""

    def fields(session: Session, app: str, form: str, spec: FormDefinition) -> set[str]:
        try:
            scope = scope_expression_scope(compile_form(spec, today=business_date(now())).scope)
        except FormDesignError:
            return set()
        ids = {item.key: item.id for item in spec.fields}
        found: set[str] = set()
        for grant in grants_of(session):
            if grant.app not in {ANY, app} or grant.form not in {ANY, form}:
                continue
            for _pointer, source in _expressions(grant):
                try:
                    sql = to_sql_ir(source, scope, predicate=True)
                except ExpressionError:
                    continue
                found.update(ids[name] for name in _column_names(sql) if name in ids)
        return found

    return fields


def _column_names(node: object) -> Iterator[str]:
    """The first name of every column path in an SQL IR tree (``$user`` and the like too)."""
    if isinstance(node, SqlColumn):
        yield node.path[0]
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _column_names(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for item in dataclasses.fields(node):
            yield from _column_names(getattr(node, item.name))


def _field_problems(grant: Grant, spec: FormDefinition) -> Iterator[tuple[str, Words]]:
    keys = {item.key for item in spec.fields}
    form = grant.form

    def missing(key: str) -> Words:
        return Words(f"表单 {form!r} 没有字段 {key!r}", f"form {form!r} has no field {key!r}")

    for key in grant.fields:
        if key not in keys:
            yield f"/fields/{key}", missing(key)
    for index, key in enumerate(grant.unmask):
        if key not in keys:
            yield f"/unmask/{index}", missing(key)


def _form_spec(
    session: Session, metadata: MetadataService, app: str, form: str
) -> FormDefinition | None:
    """The form's latest published spec, else its draft; None when there is no such form."""
    try:
        definition = metadata.definition(session, app, Kind.FORM, form)
    except NotFound:
        return None
    body: Any = definition.draft
    if definition.latest_version is not None:
        body = metadata.version(session, app, Kind.FORM, form, definition.latest_version).body
    try:
        return FormDefinition.model_validate(body["spec"])
    except (ValidationError, KeyError, TypeError):
        return None


def _expressions(grant: Grant) -> Iterator[tuple[str, str]]:
    rows = grant.rows
    if isinstance(rows, ExpressionScope):
        yield "/rows/expression", rows.expression
    elif isinstance(rows, dict):
        for action, scope in rows.items():
            if isinstance(scope, ExpressionScope):
                yield f"/rows/{action}/expression", scope.expression
