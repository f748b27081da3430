"""Identity administration of business roles and their grants (the built-in administrator
roles are fixed). Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.admin_schemas import RoleCreate, RoleUpdate
from brickwork.platform.auth.directory.base import DirectoryBase, changes, text_of
from brickwork.platform.auth.policy import grants_json
from brickwork.platform.clock import new_id
from brickwork.platform.errors import Conflict, ErrorItem, Invalid
from brickwork.platform.models import Role


@dataclass(frozen=True, slots=True)
class RoleEntry:
    role: Role
    holders: int


class RoleDirectory(DirectoryBase):
    def all_roles(self, session: Session, actor: Actor) -> list[RoleEntry]:
        self._require(actor)
        counts = self.repo.role_holder_counts(session)
        return [RoleEntry(role, counts.get(role.id, 0)) for role in self.repo.roles(session)]

    def role(self, session: Session, actor: Actor, key: str) -> RoleEntry:
        self._require(actor)
        role = self.roles.role(session, key)
        return RoleEntry(role, self.repo.role_holder_counts(session).get(role.id, 0))

    def create_role(self, session: Session, actor: Actor, data: RoleCreate) -> RoleEntry:
        """A business role without grants (``set_grants`` gives it some)."""
        self._require(actor)
        if self.repo.role_by_key(session, data.key) is not None:
            raise Conflict(
                f"a role with key {data.key!r} exists; choose another key",
                code="role_exists",
                errors=[ErrorItem("/key", "role_exists", "this key is taken")],
                zh_cn=f"角色编码 {data.key} 已存在：请换一个编码",
            )
        role = Role(
            id=new_id(),
            key=data.key,
            label=text_of(data.label),
            builtin=False,
            admin_kind=None,
            permissions=[],
            description=data.description,
            require_mfa=data.require_mfa,
        )
        self.repo.add(session, role)
        details = {
            "label": role.label,
            "description": role.description,
            "require_mfa": role.require_mfa,
        }
        self._audit_role(session, actor, "role.create", role, details)
        return RoleEntry(role, 0)

    def update_role(self, session: Session, actor: Actor, key: str, data: RoleUpdate) -> RoleEntry:
        self._require(actor)
        role = self._business_role(session, key)
        before = {
            "label": role.label,
            "description": role.description,
            "require_mfa": role.require_mfa,
        }
        if data.label is not None:
            role.label = text_of(data.label)
        if data.description is not None:
            role.description = data.description
        if data.require_mfa is not None:
            role.require_mfa = data.require_mfa
        after = {
            "label": role.label,
            "description": role.description,
            "require_mfa": role.require_mfa,
        }
        if after != before:
            self.repo.save(session)
            self._audit_role(session, actor, "role.update", role, changes(before, after))
        return RoleEntry(role, self.repo.role_holder_counts(session).get(role.id, 0))

    def delete_role(self, session: Session, actor: Actor, key: str) -> None:
        """Only a business role nobody holds (revoke it from its holders first)."""
        self._require(actor)
        role = self._business_role(session, key)
        holders = self.repo.role_holder_counts(session).get(role.id, 0)
        if holders:
            raise Conflict(
                f"{holders} user(s) hold role {key!r}; revoke it from them first",
                code="role_in_use",
                zh_cn=f"有 {holders} 个用户持有角色 {key}：请先收回他们的这个角色",
            )
        details = {"label": role.label, "grants": role.permissions}
        self._audit_role(session, actor, "role.delete", role, details)
        self.repo.delete_role(session, role)

    def grants(self, session: Session, actor: Actor, key: str) -> list[dict[str, Any]]:
        self._require(actor)
        return grants_json(self.permissions.role_grants(session, self.roles, key))

    def set_grants(
        self, session: Session, actor: Actor, key: str, raw: Any
    ) -> list[dict[str, Any]]:
        """Replace the role's grants (checked and audited by the permission service)."""
        self._require(actor)
        return grants_json(self.permissions.set_role_grants(session, actor, self.roles, key, raw))

    def _business_role(self, session: Session, key: str) -> Role:
        role = self.roles.role(session, key)
        if role.builtin:
            message = f"{key!r} is a built-in role; it cannot be changed or deleted"
            zh_cn = f"{key} 是内置角色，不能修改或删除"
            raise Invalid(
                message,
                code="role_builtin",
                errors=[ErrorItem("", "role_builtin", message)],
                zh_cn=zh_cn,
            )
        return role

    def _audit_role(
        self, session: Session, actor: Actor, action: str, role: Role, details: dict[str, Any]
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="role",
            object_id=role.id,
            details={"role": role.key, **details},
        )
