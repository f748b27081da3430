"""Shared pieces of the flow engine tests: a directory of users, the credit scenario, a driver."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from brickwork.engines.flow import (
    CompiledFlow,
    Effect,
    Event,
    FlowEnvironment,
    FlowState,
    Task,
    World,
    compile_flow,
    start,
    step,
)
from brickwork.engines.rules import compile_model
from brickwork.engines.rules.calendar import BusinessCalendar

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class FakeDirectory:
    """Departments (key -> (head, parent)), memberships, roles, out-of-office delegates; the
    ids member and department fields hold (`user_ids`, `department_ids`: id -> name)."""

    departments: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)
    roles: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    inactive: set[str] = field(default_factory=set)
    away: dict[str, str] = field(default_factory=dict)
    admin: str = "admin"
    user_ids: dict[str, str] = field(default_factory=dict)
    department_ids: dict[str, str] = field(default_factory=dict)

    def users_with_role(self, role: str, department: str | None) -> Sequence[str]:
        return [
            user
            for user, where in self.roles.get(role, [])
            if (department is None or where == department) and user not in self.inactive
        ]

    def department_of(self, username: str) -> str | None:
        return self.members.get(username)

    def department_head(self, department: str) -> str | None:
        return self.departments.get(department, (None, None))[0]

    def parent_department(self, department: str) -> str | None:
        return self.departments.get(department, (None, None))[1]

    def is_active(self, username: str) -> bool:
        return username not in self.inactive

    def usernames_of(self, user_ids: Sequence[str]) -> Mapping[str, str]:
        return {i: self.user_ids[i] for i in user_ids if i in self.user_ids}

    def department_keys_of(self, department_ids: Sequence[str]) -> Mapping[str, str]:
        return {i: self.department_ids[i] for i in department_ids if i in self.department_ids}

    def delegate_of(self, username: str, at: datetime) -> str | None:
        return self.away.get(username)

    def administrator(self) -> str:
        return self.admin


def bank() -> FakeDirectory:
    return FakeDirectory(
        departments={
            "hq": ("ceo", None),
            "east": ("regional", "hq"),
            "branch_sh": ("president", "east"),
        },
        members={"am": "branch_sh", "president": "branch_sh", "regional": "east", "ceo": "hq"},
        roles={
            "risk_officer": [("risk1", "hq"), ("risk2", "hq")],
            "compliance_officer": [("comp1", "hq")],
            "credit_committee": [(f"c{i}", "hq") for i in range(1, 6)],
            "teller": [("teller_hq", "hq"), ("teller_sh", "branch_sh")],
        },
        user_ids={"u-rm1": "rm1", "u-rm2": "rm2"},
        department_ids={"d-sh": "branch_sh", "d-hq": "hq"},
    )


FIELDS = {
    "amount": "money",
    "branch": "department",
    "relationship_manager": "member",
    "risk_level": "text",
    "note": "text",
}
CALENDAR = BusinessCalendar(key="cn", holidays=(date(2026, 3, 4),))


def env(**changes: Any) -> FlowEnvironment:
    base: dict[str, Any] = {
        "fields": FIELDS,
        "roles": frozenset({"risk_officer", "compliance_officer", "credit_committee", "teller"}),
        "forms": {"credit_log": {"amount": "money", "note": "text"}},
        "calendars": {"cn": CALENDAR},
    }
    base.update(changes)
    return FlowEnvironment(**base)


def credit_spec(**settings: Any) -> dict[str, Any]:
    """Account manager submits -> branch president -> above 1,000,000: risk || compliance ->
    credit committee vote -> CC -> end."""
    return {
        "form": "credit_application",
        "settings": {"calendar": "cn", **settings},
        "nodes": [
            {"id": "submit", "type": "start"},
            {
                "id": "president",
                "type": "approval",
                "mode": "single",
                "assignees": [{"type": "department_head", "of": "initiator"}],
                "sla": {
                    "working_days": 2,
                    "remind_before": "PT4H",
                    "on_breach": "escalate",
                    "escalate_to": [{"type": "manager", "levels": 2}],
                },
                "field_permissions": {"risk_level": "hidden", "note": "write"},
            },
            {"id": "large", "type": "exclusive"},
            {"id": "split", "type": "parallel"},
            {
                "id": "risk",
                "type": "approval",
                "mode": "or",
                "assignees": [{"type": "role", "role": "risk_officer"}],
                "field_permissions": {"risk_level": "write"},
            },
            {
                "id": "compliance",
                "type": "approval",
                "assignees": [{"type": "role", "role": "compliance_officer"}],
            },
            {"id": "join", "type": "parallel"},
            {
                "id": "committee",
                "type": "approval",
                "mode": "vote",
                "vote": {"pass_ratio": "0.6", "comparison": ">=", "abstain": "exclude"},
                "assignees": [{"type": "role", "role": "credit_committee"}],
            },
            {"id": "notify", "type": "cc", "assignees": [{"type": "user", "user": "auditor"}]},
            {"id": "done", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "submit", "to": "president"},
            {"id": "e2", "from": "president", "to": "large"},
            {"id": "e3", "from": "large", "to": "split", "condition": "amount > 1000000"},
            {"id": "e4", "from": "large", "to": "committee", "default": True},
            {"id": "e5", "from": "split", "to": "risk"},
            {"id": "e6", "from": "split", "to": "compliance"},
            {"id": "e7", "from": "risk", "to": "join"},
            {"id": "e8", "from": "compliance", "to": "join"},
            {"id": "e9", "from": "join", "to": "committee"},
            {"id": "e10", "from": "committee", "to": "notify"},
            {"id": "e11", "from": "notify", "to": "done"},
        ],
    }


def chain(*nodes: dict[str, Any], settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """start -> nodes... -> end, edges e0, e1, ..."""
    all_nodes = [{"id": "s", "type": "start"}, *nodes, {"id": "end", "type": "end"}]
    edges = [
        {"id": f"e{i}", "from": a["id"], "to": b["id"]}
        for i, (a, b) in enumerate(itertools.pairwise(all_nodes))
    ]
    return {
        "form": "credit_application",
        "settings": dict(settings or {}),
        "nodes": all_nodes,
        "edges": edges,
    }


def approval(node_id: str, *users: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "approval",
        "assignees": [{"type": "user", "user": u} for u in users],
        **extra,
    }


class Driver:
    """Runs one instance, keeping every effect and checking each state round-trips JSON."""

    def __init__(
        self,
        spec: Mapping[str, Any] | CompiledFlow,
        *,
        record: Mapping[str, Any] | None = None,
        directory: FakeDirectory | None = None,
        initiator: str = "am",
        now: datetime = NOW,
    ) -> None:
        self.flow = spec if isinstance(spec, CompiledFlow) else compile_flow(spec, env())
        self.directory = directory or bank()
        self.record: dict[str, Any] = dict(record or {"amount": Decimal("500000")})
        self.now = now
        self.effects: list[Effect] = []
        transition = start(
            self.flow, instance_id="i1", initiator=initiator, now=now, world=self.world
        )
        self.state = transition.state
        self.effects.extend(transition.effects)

    @property
    def world(self) -> World:
        return World(self.record, self.directory)

    def send(self, event: Event) -> tuple[Effect, ...]:
        transition = step(self.flow, self.state, event, now=self.now, world=self.world)
        assert transition.state.version == self.state.version + 1
        assert FlowState.from_json(transition.state.to_json()) == transition.state
        self.state = transition.state
        self.effects.extend(transition.effects)
        return transition.effects

    def tasks(self, node: str | None = None) -> list[Task]:
        return [t for t in self.state.tasks if node is None or t.node == node]

    def task(self, node: str, user: str | None = None) -> Task:
        found = [t for t in self.tasks(node) if user is None or t.assignee == user]
        assert len(found) == 1, found
        return found[0]

    def assignees(self, node: str) -> list[str]:
        return [t.assignee for t in self.tasks(node)]


# A decision model flows call in action nodes: a risk level from the amount.
RATING = compile_model(
    {
        "inputs": [{"id": "i_amount", "name": "amount"}],
        "decisions": [
            {
                "id": "d",
                "name": "rating",
                "requires": {"inputs": ["amount"]},
                "logic": {
                    "type": "decision_table",
                    "hit_policy": "U",
                    "inputs": [{"id": "in0", "expression": "amount"}],
                    "outputs": [{"id": "out0", "name": "level"}],
                    "rules": [
                        {"id": "r0", "when": ["> 1000"], "then": ['"high"']},
                        {"id": "r1", "when": ["<= 1000"], "then": ['"low"']},
                    ],
                },
            }
        ],
    }
)
