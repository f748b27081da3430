"""Who a node's tasks go to: assignees resolved once at node entry, in order, de-duplicated.

Inactive users are left out; an out-of-office user's delegate (at the entry time) takes their
place. The empty-assignee policy is applied by the caller (`None` here means nobody).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, assert_never

from brickwork.engines.expr import CompiledExpression, EvaluationContext
from brickwork.engines.flow.definition import (
    Assignee,
    DepartmentHeadAssignee,
    ExpressionAssignee,
    FieldAssignee,
    InitiatorAssignee,
    ManagerAssignee,
    RoleAssignee,
    UserAssignee,
)
from brickwork.engines.flow.environment import Directory


def names(value: Any) -> list[str]:
    """One name or a list of them (usernames or department keys, as a member or department
    field reads or an expression gives them) as a list; anything else is no name."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str) and item]
    return []


def named(
    record: Mapping[str, Any], people: Mapping[str, str], directory: Directory
) -> dict[str, Any]:
    """`record` as a flow's expressions and assignees read it: the users of its member fields
    by username and the departments of its department fields by key, as the flow names them
    (the record holds their ids). `people`: field -> `member` or `department`. An id that names
    nobody (any more) reads as null, or is left out of a list."""
    values = dict(record)
    wanted: dict[str, list[str]] = {"member": [], "department": []}
    for key, kind in people.items():
        wanted[kind].extend(names(record.get(key)))
    members, departments = wanted["member"], wanted["department"]
    found = {
        "member": directory.usernames_of(members) if members else {},
        "department": directory.department_keys_of(departments) if departments else {},
    }
    for key, kind in people.items():
        value, known = record.get(key), found[kind]
        if isinstance(value, str):
            values[key] = known.get(value)
        elif isinstance(value, list):
            values[key] = [known[item] for item in value if isinstance(item, str) and item in known]
    return values


def manager_chain(directory: Directory, initiator: str, levels: int) -> list[str]:
    """Heads of the initiator's department and its parents, `levels` of them: level 1 is the
    head of the initiator's department, or of its parent when the initiator heads it."""
    department = directory.department_of(initiator)
    found: list[str] = []
    while department is not None and len(found) < levels:
        head = directory.department_head(department)
        if head is not None and head != initiator and head not in found:
            found.append(head)
        department = directory.parent_department(department)
    return found


class Source(Protocol):
    """What resolution reads: the world's directory, the instance and the step's record."""

    directory: Directory
    initiator: str
    now: datetime

    @property
    def variables(self) -> Mapping[str, Any]:
        """The record's fields (people by username, departments by key) and `initiator`
        (asked for only when an assignee reads them)."""
        ...

    @property
    def context(self) -> EvaluationContext: ...

    def expression(self, pointer: str) -> CompiledExpression: ...


def resolve(
    source: Source, assignees: Sequence[Assignee], pointer: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """The users of `assignees` (the list at `pointer`), and the (absent user, delegate)
    replacements made."""
    if len(assignees) == 1:
        found = dict.fromkeys(one(source, assignees[0], pointer, 0))
    else:
        found = {}
        for index, assignee in enumerate(assignees):
            found.update(dict.fromkeys(one(source, assignee, pointer, index)))
    directory = source.directory
    is_active = directory.is_active
    delegate_of = directory.delegate_of
    now = source.now
    result: dict[str, None] = {}
    replaced: list[tuple[str, str]] = []
    for user in found:
        if not is_active(user):
            continue
        delegate = delegate_of(user, now)
        if delegate is not None and delegate != user and is_active(delegate):
            replaced.append((user, delegate))
            user = delegate
        result[user] = None
    return list(result), replaced


def one(source: Source, assignee: Assignee, pointer: str, index: int) -> list[str]:
    """The users of `assignee`, item `index` of the list at `pointer`."""
    directory = source.directory
    match assignee:
        case UserAssignee():
            return [assignee.user]
        case RoleAssignee():
            departments: list[str | None] = [assignee.department]
            if assignee.department_field is not None:
                departments = list(_departments_in(source, assignee.department_field))
            users: list[str] = []
            for department in departments:
                users.extend(directory.users_with_role(assignee.role, department))
            return users
        case DepartmentHeadAssignee():
            return _heads(source, assignee)
        case ManagerAssignee():
            return manager_chain(directory, source.initiator, assignee.levels)
        case FieldAssignee():
            return names(source.variables.get(assignee.field))
        case ExpressionAssignee():
            compiled = source.expression(f"{pointer}/{index}/expression")
            return names(compiled.evaluate(source.variables, context=source.context).value)
        case InitiatorAssignee():
            return [source.initiator]
        case _:
            assert_never(assignee)


def _departments_in(source: Source, field: str) -> Sequence[str]:
    """The keys of the departments a department field of the record names."""
    return names(source.variables.get(field))


def _heads(source: Source, assignee: DepartmentHeadAssignee) -> list[str]:
    directory = source.directory
    if assignee.of_field is not None:
        departments = list(_departments_in(source, assignee.of_field))
    else:
        own = directory.department_of(source.initiator)
        departments = [own] if own is not None else []
    heads: list[str] = []
    for department in departments:
        head = directory.department_head(department)
        if head is not None:
            heads.append(head)
    return heads
