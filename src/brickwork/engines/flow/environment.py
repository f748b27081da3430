"""What the engine is told about the world: the app at compile time (`FlowEnvironment`), the
directory of users and the record at run time (`World`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from brickwork.engines.expr.environment import ParameterSource
from brickwork.engines.rules.calendar import BusinessCalendar


@dataclass(frozen=True)
class FlowEnvironment:
    """The app a flow is compiled in."""

    fields: Mapping[str, str]
    """The bound form's fields: key -> field type (`text`, `money`, `member`, ...)."""
    roles: frozenset[str] = frozenset()
    forms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The forms of the app, the bound one included (for actions): key -> field -> type."""
    options: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    """The static options of the choice fields of the app's forms: form -> field -> values."""
    decisions: Mapping[str, Any] = field(default_factory=dict)
    """Decision model key -> compiled model (`brickwork.engines.rules.CompiledModel`)."""
    flows: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """Subflow key -> its published versions."""
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    several: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Form -> its member, department and lookup fields that take several values (a list of
    ids; one id otherwise)."""
    varying_money: frozenset[str] = frozenset()
    """The bound form's money fields whose currency is chosen per record: read for their
    amount, they would be compared whatever the currency (`currency_problems`)."""


class Directory(Protocol):
    """Users, departments and roles as the platform knows them (the engine reads no DB)."""

    def users_with_role(self, role: str, department: str | None) -> Sequence[str]: ...
    def department_of(self, username: str) -> str | None: ...
    def department_head(self, department: str) -> str | None: ...
    def parent_department(self, department: str) -> str | None: ...
    def is_active(self, username: str) -> bool: ...
    def usernames_of(self, user_ids: Sequence[str]) -> Mapping[str, str]:
        """Id -> username of the given ids that name a user (records hold users by id: a member
        field)."""
        ...

    def department_keys_of(self, department_ids: Sequence[str]) -> Mapping[str, str]:
        """Id -> key of the given ids that name a department (records hold departments by id:
        a department field)."""
        ...

    def delegate_of(self, username: str, at: datetime) -> str | None: ...
    def administrator(self) -> str: ...


@dataclass(frozen=True)
class World:
    """What one step may read: the bound record (JSON-shaped, money as `Decimal`), the
    directory and the app's parameter tables."""

    record: Mapping[str, Any]
    directory: Directory
    parameters: ParameterSource | None = None
