"""Identity administration of departments: a tree with heads, never with cycles. Never
commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import DepartmentCreate, DepartmentUpdate
from brickwork.platform.auth.directory.base import DirectoryBase, changes, text_of
from brickwork.platform.auth.identity import normalise_username
from brickwork.platform.clock import new_id
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, NotFound
from brickwork.platform.models import Department, User

Links = Sequence[tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class DepartmentEntry:
    department: Department
    parent: str | None
    head: str | None
    depth: int


# ---------------------------------------------------------------- the tree (pure)


def tree_order(links: Links) -> list[tuple[str, int]]:
    """Ids with their depth, each department before its children, siblings in ``links`` order.
    Nodes caught in a (stored, never created here) cycle come last at depth 0."""
    ids = {node for node, _parent in links}
    children: dict[str | None, list[str]] = {}
    for node, parent in links:
        children.setdefault(parent if parent in ids else None, []).append(node)
    ordered: list[tuple[str, int]] = []
    seen: set[str] = set()
    stack = [(node, 0) for node in reversed(children.get(None, []))]
    while stack:
        node, depth = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        ordered.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(node, [])))
    ordered.extend((node, 0) for node, _parent in links if node not in seen)
    return ordered


def ancestors(links: Links, node: str | None) -> list[str]:
    """``node`` and the departments above it, nearest first (stops at a stored cycle)."""
    parents = dict(links)
    chain: list[str] = []
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def creates_cycle(links: Links, node: str, new_parent: str) -> bool:
    """Whether putting ``node`` under ``new_parent`` would make it its own ancestor."""
    return node in ancestors(links, new_parent)


class DepartmentDirectory(DirectoryBase):
    def departments(self, session: Session, actor: Actor) -> list[DepartmentEntry]:
        """Every department in tree order (parents first, siblings by key)."""
        self._require(actor)
        rows = self.repo.departments(session)
        by_id = {row.id: row for row in rows}
        heads = self.repo.users_by_ids(session, [r.head_user_id for r in rows if r.head_user_id])
        entries: list[DepartmentEntry] = []
        for node, depth in tree_order([(row.id, row.parent_id) for row in rows]):
            row = by_id[node]
            parent = by_id.get(row.parent_id) if row.parent_id else None
            head = heads.get(row.head_user_id) if row.head_user_id else None
            entries.append(
                DepartmentEntry(
                    row,
                    parent.key if parent else None,
                    head.username if head else None,
                    depth,
                )
            )
        return entries

    def create_department(
        self, session: Session, actor: Actor, data: DepartmentCreate
    ) -> DepartmentEntry:
        self._require(actor)
        if self.repo.department_by_key(session, data.key) is not None:
            raise Conflict(
                f"a department with key {data.key!r} exists; choose another key",
                code="department_exists",
                errors=[ErrorItem("/key", "department_exists", "this key is taken")],
                zh_cn=f"部门编码 {data.key} 已存在：请换一个编码",
            )
        parent = self._department_ref(session, data.parent, "/parent")
        head = self._user_ref(session, data.head, "/head")
        department = Department(
            id=new_id(),
            key=data.key,
            name=text_of(data.name),
            parent_id=parent.id if parent else None,
            head_user_id=head.id if head else None,
        )
        self.repo.add_department(session, department)
        snapshot = self._department_snapshot(session, department)
        self._audit_department(session, actor, "department.create", department, snapshot)
        return self._department_entry(session, department)

    def update_department(
        self, session: Session, actor: Actor, key: str, data: DepartmentUpdate
    ) -> DepartmentEntry:
        self._require(actor)
        department = self._department(session, key)
        moves = "parent" in data.model_fields_set
        parent = self._department_ref(session, data.parent, "/parent") if moves else None
        if parent is not None and creates_cycle(
            self.repo.department_links(session), department.id, parent.id
        ):
            message = (
                f"{parent.key!r} is {key!r} or lies below it; a department cannot be its own "
                "ancestor"
            )
            zh_cn = f"{parent.key} 就是部门 {key} 本身或其下级：部门不能成为自己的上级"
            raise Invalid(
                message,
                code="department_cycle",
                errors=[ErrorItem("/parent", "department_cycle", message)],
                zh_cn=zh_cn,
            )
        heads = "head" in data.model_fields_set
        head = self._user_ref(session, data.head, "/head") if heads else None
        before = self._department_snapshot(session, department)
        if data.name is not None:
            department.name = text_of(data.name)
        if moves:
            department.parent_id = parent.id if parent else None
        if heads:
            department.head_user_id = head.id if head else None
        self.repo.save(session)
        after = self._department_snapshot(session, department)
        if after != before:
            details = changes(before, after)
            self._audit_department(session, actor, "department.update", department, details)
        return self._department_entry(session, department)

    def delete_department(self, session: Session, actor: Actor, key: str) -> None:
        """Only an empty leaf: no departments below it and no members."""
        self._require(actor)
        department = self._department(session, key)
        children, members = self.repo.department_usage(session, department.id)
        if children or members:
            raise Conflict(
                f"department {key!r} has {children} department(s) below it and {members} "
                "member(s); move them first",
                code="department_in_use",
                zh_cn=f"部门 {key} 下有 {children} 个下级部门和 {members} 名成员：请先将它们移走",
            )
        snapshot = self._department_snapshot(session, department)
        self._audit_department(session, actor, "department.delete", department, snapshot)
        self.repo.delete_department(session, department)

    def _department(self, session: Session, key: str) -> Department:
        department = self.repo.department_by_key(session, key)
        if department is None:
            raise NotFound(
                f"there is no department {key!r}",
                code="department_not_found",
                zh_cn=f"没有部门 {key}",
            )
        return department

    def _department_ref(self, session: Session, key: str | None, pointer: str) -> Department | None:
        if key is None:
            return None
        department = self.repo.department_by_key(session, key)
        if department is None:
            message = f"there is no department {key!r}"
            zh_cn = f"没有部门 {key}"
            raise Invalid(
                message,
                errors=[ErrorItem(pointer, "department_not_found", message)],
                zh_cn=zh_cn,
            )
        return department

    def _user_ref(self, session: Session, username: str | None, pointer: str) -> User | None:
        if username is None:
            return None
        user = self.repo.user_by_username(session, normalise_username(username))
        if user is None:
            message = f"there is no user {username!r}"
            zh_cn = f"没有用户 {username}"
            raise Invalid(
                message, errors=[ErrorItem(pointer, "user_not_found", message)], zh_cn=zh_cn
            )
        return user

    def _department_snapshot(self, session: Session, department: Department) -> dict[str, Any]:
        entry = self._department_entry(session, department)
        return {"name": department.name, "parent": entry.parent, "head": entry.head}

    def _department_entry(self, session: Session, department: Department) -> DepartmentEntry:
        links = self.repo.department_links(session)
        parent = self.repo.department_by_id(session, department.parent_id)
        head = self.repo.user_by_id(session, department.head_user_id or "")
        return DepartmentEntry(
            department,
            parent.key if parent else None,
            head.username if head else None,
            len(ancestors(links, department.id)) - 1,
        )

    def _audit_department(
        self,
        session: Session,
        actor: Actor,
        action: str,
        department: Department,
        details: dict[str, Any],
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="department",
            object_id=department.id,
            details={"department": department.key, **details},
        )
