"""Grants follow form fields by their stable id when a form is published.

Grants name fields by key (levels, ``unmask``, row-scope expressions). Registered as a publish
hook for forms, this compares the previously published version's fields with the new one by
element id:

- a field whose key changed (same id) is renamed in every grant on the form, in the publish
  transaction: levels, ``unmask`` and identifiers in row-scope expressions (rewritten at the
  parsed identifiers' positions, never by text replacement); each changed role is audited as a
  ``role.permissions`` change;
- a grant that would then name a key the new version does not have (the field was removed, or
  never existed) refuses the publish, dry runs included (``grants_name_missing_fields``, one
  pointer per role, grant and field), until a security administrator updates the grants.

So a field is never left behind by its grant and shown at a more open default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from brickwork.engines.expr import ExpressionError, parse
from brickwork.engines.expr.choices import foreign_options
from brickwork.engines.expr.syntax import Expr, Name, walk
from brickwork.engines.form.definition import FormDefinition, choice_options
from brickwork.engines.form.elements import FieldBase
from brickwork.jsonio import escape_pointer
from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.policy import ANY
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.errors import Conflict, ErrorItem
from brickwork.platform.metadata.repository import MetadataRepository
from brickwork.platform.metadata.service import PublishRequestContext
from brickwork.platform.records.access import SCOPE_SYSTEM_FIELDS, names_held_as_ids
from brickwork.platform.records.grants import not_an_option, people_by_name

PublishHook = Callable[[Session, PublishRequestContext], list[str]]
PUBLISHER = Actor(username="system", system=True)


def rename_identifiers(source: str, renames: Mapping[str, str]) -> str:
    """``source`` with every identifier named in ``renames`` replaced, at the positions the
    parser reports (strings, comments and other names stay as they are)."""
    if not renames:
        return source
    tree = parse(source)
    lines = source.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    spans: list[tuple[int, int, str]] = []
    for node in walk(tree):
        if isinstance(node, Name) and node.name in renames and node.span.line:
            start = starts[node.span.line - 1] + node.span.column - 1
            end = starts[node.span.end_line - 1] + node.span.end_column - 1
            if source[start:end] == node.name:
                spans.append((start, end, renames[node.name]))
    for start, end, new in sorted(spans, reverse=True):
        source = source[:start] + new + source[end:]
    return source


def expression_names(source: str) -> set[str]:
    """Identifiers an expression names (empty when it does not parse: the grant check and the
    row scope, which reaches no rows then, deal with it)."""
    try:
        return {node.name for node in walk(parse(source)) if isinstance(node, Name)}
    except ExpressionError:
        return set()


def grant_identity_hook(
    audit: AuditLog, repository: IdentityRepository | None = None
) -> PublishHook:
    identities = repository or IdentityRepository()
    metadata = MetadataRepository()

    def on_publish(session: Session, request: PublishRequestContext) -> list[str]:
        new = FormDefinition.model_validate(request.body["spec"])
        new_keys = {item.id: item.key for item in new.fields}
        renames: dict[str, str] = {}
        previous = request.definition.latest_version
        if previous is not None:
            stored = metadata.version(session, request.definition.id, previous)
            if stored is not None:
                old = FormDefinition.model_validate(stored.body["spec"])
                renames = {
                    item.key: new_keys[item.id]
                    for item in old.fields
                    if item.id in new_keys and new_keys[item.id] != item.key
                }
        keys = set(new_keys.values())
        choices = choice_options(new.fields)
        foreign: list[ErrorItem] = []
        named: list[ErrorItem] = []
        app, form = request.app_key, request.definition.key
        changed: list[tuple[Any, list[Any], list[dict[str, Any]]]] = []
        problems: list[ErrorItem] = []
        steps: list[str] = []
        for role in identities.roles(session):
            before = list(role.permissions or [])
            after: list[dict[str, Any]] = []
            for index, raw in enumerate(before):
                grant = dict(raw)
                if grant.get("app") == app and grant.get("form", ANY) == form:
                    grant = _renamed(grant, renames)
                    pointer = f"/roles/{escape_pointer(role.key)}/permissions/{index}"
                    problems.extend(_missing(grant, keys, pointer))
                    foreign.extend(_foreign_options(grant, choices, pointer))
                    named.extend(_people_named(grant, new.fields, pointer))
                after.append(grant)
            if after != before:
                changed.append((role, before, after))
                steps.append(f"role {role.key!r}: grants follow renamed fields")
        _refuse_broken(form, problems, foreign, named)
        if request.dry_run:
            return steps
        actor = request.actor or PUBLISHER
        for role, before, after in changed:
            role.permissions = after
            audit.record(
                session,
                actor,
                "role.permissions",
                object_type="role",
                object_id=role.id,
                details={
                    "role": role.key,
                    "before": before,
                    "after": after,
                    "reason": f"fields of form {app}/{form} renamed: {renames}",
                },
            )
        if changed:
            session.flush()
        return steps

    return on_publish


def _refuse_broken(
    form: str, missing: list[ErrorItem], foreign: list[ErrorItem], named: list[ErrorItem]
) -> None:
    """Refuse the publish while a grant would name a field the form no longer has, compare a
    choice field with an option it no longer has, or a member or department field with a
    name."""
    if missing:
        raise Conflict(
            f"publishing form {form!r} would leave {len(missing)} grant reference(s) to "
            "fields it no longer has; update those roles' grants first",
            code="grants_name_missing_fields",
            zh_cn=f"发布表单 {form} 后，将有 {len(missing)} 处授权引用它已不再有的字段："
            "请先修改这些角色的授权",
            errors=missing,
        )
    if foreign:
        raise Conflict(
            f"publishing form {form!r} would leave {len(foreign)} row scope(s) of grants "
            "comparing a choice field with an option it no longer has (such a comparison "
            "never matches: `!=` would open every row); to rename an option, publish the form "
            "with both options, update the grants, then remove the old one",
            code="grants_name_missing_options",
            zh_cn=f"发布表单 {form} 后，将有 {len(foreign)} 处授权的行范围把选项字段与它已"
            "不再有的选项比较（这样的比较永远不会匹配，`!=` 会放开所有行）：如需改名，请先"
            "发布同时含新旧选项的表单，修改授权后再删除旧选项",
            errors=foreign,
        )
    if named:
        raise Conflict(
            f"publishing form {form!r} would leave {len(named)} row scope(s) of grants "
            "comparing a member or department field, which holds ids, with a name (such a "
            "comparison never matches: `!=` would open every row); update those roles' grants "
            "first",
            code="grants_compare_people_by_name",
            zh_cn=f"发布表单 {form} 后，将有 {len(named)} 处授权的行范围把成员或部门字段（存放 "
            "id）与名称比较（这样的比较永远不会匹配，`!=` 会放开所有行）：请先修改这些角色的授权",
            errors=named,
        )


def _renamed(grant: dict[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    if not renames:
        return grant
    out = dict(grant)
    if "fields" in out:
        out["fields"] = {renames.get(k, k): v for k, v in out["fields"].items()}
    if "unmask" in out:
        out["unmask"] = [renames.get(k, k) for k in out["unmask"]]
    rows = out.get("rows")
    if isinstance(rows, dict) and "expression" in rows:
        out["rows"] = {"expression": _rewrite(rows["expression"], renames)}
    elif isinstance(rows, dict):
        out["rows"] = {
            action: {"expression": _rewrite(scope["expression"], renames)}
            if isinstance(scope, dict) and "expression" in scope
            else scope
            for action, scope in rows.items()
        }
    return out


def _rewrite(source: str, renames: Mapping[str, str]) -> str:
    try:
        return rename_identifiers(source, renames)
    except ExpressionError:
        return source


def _foreign_options(
    grant: Mapping[str, Any], choices: Mapping[str, frozenset[str]], pointer: str
) -> Iterator[ErrorItem]:
    """The row scopes of `grant` that compare a choice field with text none of its options."""
    for where, tree in _row_trees(grant):
        for found in foreign_options(tree, choices):
            said = not_an_option(found, choices)
            yield ErrorItem(f"{pointer}{where}", "grant_option_missing", said.en, zh_cn=said.zh_cn)


def _people_named(
    grant: Mapping[str, Any], fields: Sequence[FieldBase], pointer: str
) -> Iterator[ErrorItem]:
    """The row scopes of `grant` that compare a member or department field with a name."""
    for where, tree in _row_trees(grant):
        for found in names_held_as_ids(tree, fields):
            said = people_by_name(found)
            yield ErrorItem(f"{pointer}{where}", "grant_people_by_name", said.en, zh_cn=said.zh_cn)


def _row_trees(grant: Mapping[str, Any]) -> Iterator[tuple[str, Expr]]:
    """(pointer inside the grant, parsed expression) of each row scope that parses (the grant's
    own checks report the others)."""
    for where, scope in _row_scopes(grant):
        try:
            yield where, parse(scope["expression"])
        except ExpressionError:
            continue


def _row_scopes(grant: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(pointer inside the grant, scope) of each row scope given by an expression."""
    rows = grant.get("rows")
    scopes: list[tuple[str, Any]] = []
    if isinstance(rows, dict) and "expression" in rows:
        scopes.append(("/rows/expression", rows))
    elif isinstance(rows, dict):
        scopes.extend((f"/rows/{action}/expression", scope) for action, scope in rows.items())
    for where, scope in scopes:
        if isinstance(scope, dict) and isinstance(scope.get("expression"), str):
            yield where, scope


def _missing(grant: Mapping[str, Any], keys: set[str], pointer: str) -> Iterator[ErrorItem]:
    for key in grant.get("fields", {}):
        if key not in keys:
            yield ErrorItem(
                f"{pointer}/fields/{escape_pointer(key)}",
                "grant_field_missing",
                f"the form no longer has a field {key!r}",
                zh_cn=f"表单已不再有字段 {key!r}",
            )
    for index, key in enumerate(grant.get("unmask", [])):
        if key not in keys:
            yield ErrorItem(
                f"{pointer}/unmask/{index}",
                "grant_field_missing",
                f"the form no longer has a field {key!r}",
                zh_cn=f"表单已不再有字段 {key!r}",
            )
    for where, scope in _row_scopes(grant):
        unknown = sorted(
            name
            for name in expression_names(scope["expression"])
            if not name.startswith("$") and name not in keys and name not in SCOPE_SYSTEM_FIELDS
        )
        if unknown:
            yield ErrorItem(
                f"{pointer}{where}",
                "grant_field_missing",
                f"the row scope names fields the form no longer has: {', '.join(unknown)}",
                zh_cn=f"行范围引用了表单已不再有的字段：{'、'.join(unknown)}",
            )
