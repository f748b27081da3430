"""What a role may do: grants of actions on apps and forms, row scopes and field levels.

A role holds a list of grants (``roles.permissions``)::

    {"app": "onboarding", "form": "customer",
     "actions": ["read", "create", "update", "export"],
     "rows": {"read": "department_tree", "update": "own"},
     "fields": {"resident_id": "masked", "salary": "hidden"},
     "unmask": ["resident_id"]}

Rules (checked here, statically; ``permissions.PermissionService`` checks them against the stored
apps and forms when a role is saved):

- Nothing is allowed unless a grant allows it (deny by default). A user with several roles gets
  the union of their grants: an action allowed by any role, rows visible through any role's scope,
  and, on each row, for each field the most open level among the grants whose row scope covers
  that row (a field shown in clear on one role's rows stays masked on rows seen only through
  another role that masks it).
- ``app`` and ``form`` may be ``"*"`` (every app / every form of the app).
- ``design``, ``publish`` and ``admin`` apply to a whole app (``form`` must be ``"*"``).
- ``evaluate`` applies to decision models: ``{"app": "risk", "decision": "rating", "actions":
  ["evaluate"]}`` (``decision`` may be ``"*"``); such a grant holds no other action, form, rows or
  fields. Whoever may ``design`` an app may also evaluate its decision models (to test them).
- ``update``, ``delete`` and ``export`` need ``read`` in the same grant; ``import`` needs
  ``create``.
- A grant with ``read``, ``update`` or ``delete`` names its row scope: one for all three
  (``"rows": "own"``) or one per action. Scopes: ``own`` (records the user owns), ``department``
  (records of the user's departments), ``department_tree`` (those and every department below),
  ``all``, or ``{"expression": "..."}`` over the record's fields, ``owner``, ``department``,
  ``created_by`` and ``$user`` (``$user.username``, ``$user.id``, ``$user.department``).
- Field levels: ``hidden`` (never sent), ``masked`` (the field's masking preset), ``read``,
  ``write``. Unlisted fields are ``write`` (which only matters with ``create``/``update``),
  except C3 fields, which are ``masked`` unless a grant lists them.
- ``unmask`` names masked fields the holder may reveal, one record at a time, with a reason
  (audited), on the rows of the same grant.
- Grants name fields by key and follow them through renames: publishing a form rewrites them by
  the fields' stable ids, and refuses while a grant names a field the form no longer has.
- Each action takes rows and field levels from the grants that allow it: reading from ``read``
  grants, exporting from ``export`` grants, writing from ``create``/``update``/``import`` grants.

Pure data: no database, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from brickwork.platform.vocabulary import KEY_PATTERN

ACTIONS = (
    "create",
    "read",
    "update",
    "delete",
    "export",
    "import",
    "design",
    "publish",
    "admin",
    "evaluate",
)
Action: TypeAlias = Literal[
    "create",
    "read",
    "update",
    "delete",
    "export",
    "import",
    "design",
    "publish",
    "admin",
    "evaluate",
]
RECORD_ACTIONS = frozenset({"create", "read", "update", "delete", "export", "import"})
APP_ACTIONS = frozenset({"design", "publish", "admin"})
DECISION_ACTIONS = frozenset({"evaluate"})
ROW_ACTIONS = ("read", "update", "delete")
WRITE_ACTIONS = frozenset({"create", "update", "delete", "import", "design", "publish", "admin"})
"""What an audit administrator may never do, whatever other roles they hold."""
NEEDS = {"update": "read", "delete": "read", "export": "read", "import": "create"}
ANY = "*"

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Target = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z][a-z0-9_]{0,62})$")]
BuiltinScope: TypeAlias = Literal["own", "department", "department_tree", "all"]


class FieldLevel(IntEnum):
    """How much of a field a reader gets; the union of roles takes the highest."""

    HIDDEN = 0
    MASKED = 1
    READ = 2
    WRITE = 3

    @classmethod
    def named(cls, name: str) -> FieldLevel:
        return cls[name.upper()]


LevelName: TypeAlias = Literal["hidden", "masked", "read", "write"]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExpressionScope(Strict):
    expression: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="A condition over the record and `$user`, e.g. `owner = $user.username`."
    )


RowScope: TypeAlias = BuiltinScope | ExpressionScope


class Grant(Strict):
    app: Target = Field(description='An app key, or "*" for every app.')
    form: Target = Field(default=ANY, description='A form key, or "*" for every form.')
    decision: Target | None = Field(
        default=None,
        description='A decision model key, or "*" for every model of the app: what "evaluate" '
        "applies to (a grant naming it holds no other action).",
    )
    actions: Annotated[list[Action], Field(min_length=1, max_length=len(ACTIONS))]
    rows: RowScope | dict[Literal["read", "update", "delete"], RowScope] | None = Field(
        default=None, description="Row scope for read/update/delete: one, or one per action."
    )
    fields: dict[Key, LevelName] = Field(
        default_factory=dict, description="Field levels by key (hidden, masked, read, write)."
    )
    unmask: list[Key] = Field(
        default_factory=list, description="Masked fields the holder may reveal with a reason."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Grant:
        problems = list(grant_problems(self))
        if problems:
            raise ValueError("; ".join(message for _pointer, message in problems))
        return self

    def scope_for(self, action: str) -> RowScope | None:
        """The row scope this grant gives ``action`` (None: the grant does not allow it)."""
        if action not in self.actions:
            return None
        if isinstance(self.rows, dict):
            scopes: dict[str, RowScope] = {str(k): v for k, v in self.rows.items()}
            return scopes.get(action)
        return self.rows

    def covers(self, app: str, form: str | None) -> bool:
        if self.app not in (ANY, app):
            return False
        return form is None or self.form in (ANY, form)

    def covers_decision(self, app: str, decision: str) -> bool:
        return self.app in (ANY, app) and self.decision in (ANY, decision)


def grant_problems(grant: Grant) -> Iterable[tuple[str, str]]:
    """(pointer inside the grant, message) for each rule the grant breaks."""
    actions: set[str] = set(grant.actions)
    if len(actions) != len(grant.actions):
        yield "/actions", "each action may be listed once"
    for action, needed in NEEDS.items():
        if action in actions and needed not in actions:
            yield "/actions", f"{action!r} also needs {needed!r} in the same grant"
    if actions & APP_ACTIONS and grant.form != ANY:
        yield "/form", "design, publish and admin apply to a whole app: set form to '*'"
    if (grant.decision is None) != (not actions & DECISION_ACTIONS):
        yield "/decision", "'evaluate' applies to decision models: name them in 'decision'"
    if grant.decision is not None and actions - DECISION_ACTIONS:
        yield "/actions", "a grant on decision models holds only 'evaluate'; grant others apart"
    if grant.decision is not None and (
        grant.form != ANY or grant.rows or grant.fields or grant.unmask
    ):
        yield "/decision", "a grant on decision models names no form, rows or fields"
    yield from _row_problems(grant, actions)
    if (grant.fields or grant.unmask) and grant.form == ANY:
        yield "/fields", "field levels and unmask need a specific form, not '*'"
    if grant.unmask and "read" not in actions:
        yield "/unmask", "unmask needs 'read'"


def _row_problems(grant: Grant, actions: set[str]) -> Iterable[tuple[str, str]]:
    row_actions = [a for a in ROW_ACTIONS if a in actions]
    if row_actions and grant.rows is None:
        yield "/rows", f'say which rows {", ".join(row_actions)} may reach, e.g. "own" or "all"'
    if isinstance(grant.rows, dict):
        for action in row_actions:
            if action not in grant.rows:
                yield f"/rows/{action}", f"no row scope for {action!r}"
        for action in grant.rows:
            if action not in actions:
                yield f"/rows/{action}", f"a row scope for {action!r}, which the grant lacks"


def parse_grants(raw: Any) -> list[Grant]:
    """Stored grants (validated when saved) back into models."""
    return [Grant.model_validate(item) for item in raw or []]


def grants_json(grants: Sequence[Grant]) -> list[dict[str, Any]]:
    return [grant.model_dump(mode="json", exclude_defaults=True) for grant in grants]


# ---------------------------------------------------------------- API token scopes

SCOPE_ACTIONS = (*ACTIONS, "audit", "identity")
"""What token scopes may name: the grant actions, ``audit`` (search and export the audit trail)
and ``identity`` (manage users, departments and roles)."""


def scope_problem(scope: str) -> str | None:
    """Why ``scope`` is not a valid token scope (None when it is).

    Valid: ``all``; an action (``read``); an action on one app (``read:onboarding``) or one form
    (``read:onboarding.customer``)."""
    if scope == "all":
        return None
    action, colon, target = scope.partition(":")
    if action not in SCOPE_ACTIONS:
        return f"unknown action {action!r}; use one of {', '.join(SCOPE_ACTIONS)} or 'all'"
    if not colon:
        return None
    if action in ("audit", "identity"):
        return f"{action!r} cannot be narrowed to an app"
    app, dot, form = target.partition(".")
    if not re.fullmatch(KEY_PATTERN, app) or (dot and not re.fullmatch(KEY_PATTERN, form)):
        return f"{target!r} is not an app key or app.form"
    if form and action in APP_ACTIONS:
        return f"{action!r} applies to a whole app, not to one form"
    return None


def scopes_allow(
    scopes: Sequence[str] | None, action: str, app: str | None = None, form: str | None = None
) -> bool:
    """Whether a token with ``scopes`` may attempt ``action`` (None: not a token, no limit)."""
    if scopes is None:
        return True
    for scope in scopes:
        if scope == "all" or scope == action:
            return True
        named, _, target = scope.partition(":")
        if named != action or not target or app is None:
            continue
        scope_app, _, scope_form = target.partition(".")
        if scope_app == app and (not scope_form or scope_form == form):
            return True
    return False


def scopes_reach_app(scopes: Sequence[str] | None, app: str) -> bool:
    """Whether a token with ``scopes`` may do anything at all in ``app`` (then it may read the
    app's definitions, which every client needs to show its forms)."""
    if scopes is None:
        return True
    for scope in scopes:
        action, _, target = scope.partition(":")
        if scope == "all" or (not target and action not in ("audit", "identity")):
            return True
        if target.partition(".")[0] == app:
            return True
    return False


def scope_forms(scopes: Sequence[str] | None, app: str) -> frozenset[str] | None:
    """The forms of ``app`` that a token with ``scopes`` is limited to, or None when it is not
    limited to forms there (not a token, or a scope naming the whole app or every app). A token
    whose scopes name only forms (``read:onboarding.customer``) sees those forms' definitions
    and nothing else of the app."""
    if scopes is None:
        return None
    forms: set[str] = set()
    for scope in scopes:
        action, _, target = scope.partition(":")
        if scope == "all" or (not target and action not in ("audit", "identity")):
            return None
        scope_app, dot, form = target.partition(".")
        if scope_app == app:
            if not dot:
                return None
            forms.add(form)
    return frozenset(forms)


RECORD_WRITES = ("create", "update")


def scope_writes_where(scope: str, grant: Grant) -> bool:
    """Whether a token scope lets its holder create or update records somewhere ``grant``
    allows it (uploading a file is the first step of writing a record with it)."""
    if scope == "all":
        return True
    action, _, target = scope.partition(":")
    if action not in RECORD_WRITES or action not in grant.actions:
        return False
    if not target:
        return True
    app, _, form = target.partition(".")
    return grant.app in (ANY, app) and (not form or grant.form in (ANY, form))
