"""Event-condition-action rules: frozen pydantic models of a rule definition (kind `rule`).

A rule says when it runs (`trigger`: a record of a form created/updated/deleted, or a cron
schedule), in which `phase` (before the save, where it may compute fields or block the save, or
after it), what it computes first (`let` bindings and windowed `aggregates` over records of a
form), the `condition`, and its `actions` (a closed, typed set). Expression text stays source
text here; `eca.compile_rule` checks every expression against the forms' scopes and every
action against its phase, with stable codes and JSON pointers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
FeelText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Duration = Annotated[
    str,
    StringConstraints(pattern=r"^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$", max_length=40),
    Field(description="An ISO 8601 days-and-time duration, e.g. `P7D`, `PT12H`."),
]

RecordEvent = Literal["created", "updated", "deleted"]
Phase = Literal["before_save", "after_save"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordTrigger(Frozen):
    """Records of `form` (of the rule's app) created, updated or deleted; with `fields`, an
    update triggers only when one of them changed."""

    on: Literal["record"]
    form: Key
    events: tuple[RecordEvent, ...] = Field(default=("created", "updated"), min_length=1)
    fields: tuple[Key, ...] = ()


class ForEach(Frozen):
    """The records a scheduled rule runs on, one at a time: the live records of `form`
    matching `where` (over `it.<field>`; `today()` is the tick's day; it runs in the
    database), oldest first. More than `limit` matching is refused rather than cut short."""

    form: Key
    where: FeelText | None = None
    limit: int = Field(default=10_000, ge=1, le=100_000)


class ScheduleTrigger(Frozen):
    """A cron expression (5 fields) in an IANA time zone. With `for_each`, each tick runs the
    rule once per matching record, as if that record had triggered it (its fields are names,
    aggregates may anchor on them); without it, once for the app."""

    on: Literal["schedule"]
    cron: Annotated[str, StringConstraints(min_length=9, max_length=200)]
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "UTC"
    for_each: ForEach | None = None


class ManualTrigger(Frozen):
    """A button on records of `form`: whoever may read the record runs the rule on it."""

    on: Literal["manual"]
    form: Key


FlowEventName = Literal["started", "node_entered", "approved", "rejected", "finished"]
NodeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class FlowTrigger(Frozen):
    """Events of flow `flow` running on records of `form` (the flow's bound form): `started`;
    `node_entered` (a node of `nodes`, or any); `approved` / `rejected` (an approval or task
    node of `nodes`, or any, decided so); `finished` (the instance ended; `flow.outcome` says
    how: approved, rejected, withdrawn or terminated)."""

    on: Literal["flow"]
    form: Key
    flow: Key
    events: tuple[FlowEventName, ...] = Field(default=("finished",), min_length=1)
    nodes: tuple[NodeId, ...] = ()


Trigger = Annotated[
    RecordTrigger | ScheduleTrigger | ManualTrigger | FlowTrigger, Field(discriminator="on")
]


def record_form(trigger: Trigger) -> str | None:
    """The form whose records the rule runs on (None: a scheduled rule for the whole app)."""
    if isinstance(trigger, ScheduleTrigger):
        return None if trigger.for_each is None else trigger.for_each.form
    return trigger.form


class Binding(Frozen):
    name: Key
    expression: FeelText


class Window(Frozen):
    """Candidates whose `field` (a date or date-and-time) lies within `before` ahead of the
    anchor and `after` behind it, bounds included. The anchor is the triggering record's
    `anchor` field, or the evaluation time when `anchor` is not given."""

    field: Key
    before: Duration | None = None
    after: Duration | None = None
    anchor: Key | None = None


class Aggregate(Frozen):
    """count/sum/min/max/avg of `field` over the records of `form` matching `where` (it.<field>
    is the candidate, record.<field> the triggering record) within `window`. `list` gives the
    matching records themselves, oldest first, as contexts of `fields` (and `id`); more than
    `limit` of them is refused rather than cut short."""

    name: Key
    form: Key
    function: Literal["count", "sum", "min", "max", "avg", "list"]
    field: Key | None = None
    fields: tuple[Key, ...] = Field(default=(), max_length=50)
    where: FeelText | None = None
    window: Window | None = None
    limit: int = Field(default=1000, ge=1, le=10_000)

    @model_validator(mode="after")
    def _list_fields(self) -> Aggregate:
        if self.function == "list" and (not self.fields or self.field is not None):
            raise ValueError("a `list` names its `fields` (and no `field`)")
        if self.function != "list" and self.fields:
            raise ValueError("only a `list` names `fields`; the others take one `field`")
        return self


class SetFields(Frozen):
    """Before the save: give fields of the record being saved new values."""

    type: Literal["set_fields"]
    values: dict[Key, FeelText] = Field(min_length=1)


class Block(Frozen):
    """Before the save: refuse it with `message`, pointing at `field` when given."""

    type: Literal["block"]
    message: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    field: Key | None = None


class RaiseAlert(Frozen):
    """After the save: a record in the alert form `form`; `dedupe` (an expression) gives a key
    under which the alert is raised once."""

    type: Literal["raise_alert"]
    form: Key
    values: dict[Key, FeelText] = Field(default_factory=dict)
    dedupe: FeelText | None = None


class CreateRecord(Frozen):
    """After the save: a record in `form` with `values`."""

    type: Literal["create_record"]
    form: Key
    values: dict[Key, FeelText] = Field(min_length=1)


class UpdateRecords(Frozen):
    """After the save: give the records of `form` matching `where` (`it.<field>` the record to
    update, `record.<field>` the triggering one; it runs in the database) new `values`."""

    type: Literal["update_records"]
    form: Key
    where: FeelText
    values: dict[Key, FeelText] = Field(min_length=1)


class CallDecision(Frozen):
    """Before the save: evaluate a published decision model of the app (`decision`: one of
    its decisions, default its entry) with `inputs` (input data name -> expression), then set
    fields from its value: `outputs` maps a field to an expression over `result`."""

    type: Literal["call_decision"]
    model: Key
    decision: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    inputs: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], FeelText] = Field(
        default_factory=dict
    )
    outputs: dict[Key, FeelText] = Field(min_length=1)


Username = Annotated[str, StringConstraints(min_length=1, max_length=128)]
TemplateText = Annotated[str, StringConstraints(max_length=10_000)]


class Recipient(Frozen):
    """Exactly one of: a user by name, every holder of a role, the user(s) a field of the
    triggering record names (a member or text field), or the record's owner."""

    user: Username | None = None
    role: Key | None = None
    field: Key | None = None
    owner: Literal[True] | None = None

    @model_validator(mode="after")
    def _one(self) -> Recipient:
        given = [self.user, self.role, self.field, self.owner]
        if sum(item is not None for item in given) != 1:
            raise ValueError('name exactly one of "user", "role", "field" or "owner": true')
        return self


class Notify(Frozen):
    """After the save: a notice to `to` (in-app or by e-mail), or a signed POST to the webhook
    registered as `webhook`. `subject` and `body` are templates (Jinja2, sandboxed) that the
    platform checks at publish and renders per recipient, through the recipient's field
    permissions (for a webhook, the rule owner's)."""

    type: Literal["notify"]
    channel: Literal["in_app", "email", "webhook"] = "in_app"
    to: tuple[Recipient, ...] = ()
    webhook: Key | None = None
    subject: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
    body: TemplateText = ""


class StartFlow(Frozen):
    """After the save: start the latest published version of flow `flow` on the triggering
    record (a flow bound to the record's form), with the user who saved it as the initiator.
    A flow already running on the record is left alone."""

    type: Literal["start_flow"]
    flow: Key


Action = Annotated[
    SetFields
    | Block
    | RaiseAlert
    | CreateRecord
    | UpdateRecords
    | CallDecision
    | Notify
    | StartFlow,
    Field(discriminator="type"),
]
BEFORE_SAVE_ACTIONS = frozenset({"set_fields", "block", "call_decision"})
AFTER_SAVE_ACTIONS = frozenset(
    {"raise_alert", "create_record", "update_records", "notify", "start_flow"}
)


class ExampleGiven(Frozen):
    event: RecordEvent | Literal["schedule", "manual", "flow"] = "created"
    flow: dict[str, Any] | None = None
    """For a flow trigger: `{"event": "finished", "node": null, "outcome": "approved", ...}`."""
    record: dict[str, Any] = Field(default_factory=dict)
    previous: dict[str, Any] | None = None
    aggregates: dict[Key, Any] = Field(default_factory=dict)
    now: datetime | None = None


class ExampleExpect(Frozen):
    """What the rule must do: match or not; block with this message; act with these actions
    (by type, in order)."""

    matched: bool
    blocked: str | None = None
    actions: tuple[str, ...] | None = None
    values: dict[str, Any] | None = None
    """Values the first action computes (a subset), as JSON."""


class Example(Frozen):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    given: ExampleGiven
    expect: ExampleExpect


class RuleDefinition(Frozen):
    """The `spec` of a `rule` definition."""

    trigger: Trigger
    phase: Phase = "after_save"
    mode: Literal["same_transaction", "async"] = "same_transaction"
    """After the save: act in the save's transaction, or later through the job queue (on the
    record as it is then; `previous` is not known there)."""
    let: tuple[Binding, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    condition: FeelText = "true"
    actions: tuple[Action, ...] = Field(min_length=1)
    calendar: Key | None = None
    """The business calendar of the working-day functions (`add working days`, ...)."""
    salience: int = Field(default=0, ge=-1000, le=1000)
    """Rules run highest salience first (then by key)."""
    shadow: bool = False
    """Evaluate and record what would be done; act on nothing."""
    effective_from: date | None = None
    effective_to: date | None = None
    """The rule is in force from `effective_from` through `effective_to` (both included)."""
    examples: tuple[Example, ...] = ()
