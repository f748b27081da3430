"""The definition of an event-condition-action rule (definition kind `rule`), as data.

Frozen pydantic models only: what triggers the rule, in which phase it runs, its `let`
bindings, windowed aggregates over other forms, condition, actions, ordering (salience),
de-duplication, shadow mode, effective dating, effective-dated parameters and embedded
examples. Nothing here parses expressions or templates: `eca.compile_rules` checks them
against the form scopes the platform passes in and refuses a definition with `E_RULE_...`
problems (see `docs/rules-eca.md`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

SCHEMA_VERSION = 1

# The same conventions as form definitions (keys, element ids, labels), declared here because
# the rules engine does not depend on the form engine.
Key = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$"),
    Field(description="Machine name: lower-case letter, then letters, digits or _ (max 63)."),
]
ElementId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"),
    Field(description="Stable id of the element; labels and keys may change, ids never do."),
]
Expression = Annotated[
    str,
    StringConstraints(min_length=1, max_length=10_000),
    Field(description="Source text in the Brickwork expression language."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class I18nText(BaseModel):
    """Text in Simplified Chinese and/or English; at least one of them."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, json_schema_extra={"minProperties": 1}
    )

    zh_cn: Text | None = Field(default=None, alias="zh-CN", description="Simplified Chinese")
    en: Text | None = Field(default=None, description="English")

    @model_validator(mode="after")
    def _one_language_at_least(self) -> I18nText:
        if self.zh_cn is None and self.en is None:
            raise ValueError('give at least one of "zh-CN" and "en"')
        return self


Label = Annotated[
    Text | I18nText, Field(description='A plain string or {"zh-CN": ..., "en": ...}.')
]

Template = Annotated[
    str,
    StringConstraints(min_length=1, max_length=10_000),
    Field(description="A Jinja2 template (sandboxed, undefined names are errors)."),
]
IsoDuration = Annotated[
    str,
    StringConstraints(min_length=2, max_length=40),
    Field(description="An ISO 8601 days-and-time duration, e.g. `P7D` or `PT24H`."),
]
Scalar = bool | Decimal | date | datetime | str | None
"""A plain value in examples and parameters (numbers are decimals, never floats)."""


# ---------------------------------------------------------------- triggers


class RecordTrigger(Frozen):
    """Records of one form are created, updated or deleted."""

    type: Literal["record"]
    form: Key
    events: tuple[Literal["created", "updated", "deleted"], ...] = Field(
        min_length=1, description="Which record events fire the rule."
    )
    changed_fields: tuple[Key, ...] = Field(
        default=(),
        description="For `updated`: fire only when one of these fields changed; empty: any.",
    )


class FlowTrigger(Frozen):
    """Instances of one flow reach an event (optionally at one node)."""

    type: Literal["flow"]
    flow: Key
    events: tuple[Literal["started", "node_entered", "approved", "rejected", "finished"], ...] = (
        Field(min_length=1)
    )
    node: ElementId | None = Field(default=None, description="Only events at this node.")
    form: Key | None = Field(
        default=None, description="The form of the flow's record, so `record` is typed."
    )


class ScheduleTrigger(Frozen):
    """A cron schedule in an IANA time zone (fires once per tick, without a record)."""

    type: Literal["schedule"]
    cron: str = Field(description="Five-field cron expression, e.g. `0 8 * * MON-FRI`.")
    time_zone: str = Field(description="IANA time zone, e.g. `Asia/Shanghai`.")


class ManualTrigger(Frozen):
    """A button; with `form`, on a record of that form."""

    type: Literal["manual"]
    form: Key | None = None


Trigger = Annotated[
    RecordTrigger | FlowTrigger | ScheduleTrigger | ManualTrigger, Field(discriminator="type")
]


# ---------------------------------------------------------------- bindings and aggregates


class LetBinding(Frozen):
    """`name` = `expression`, visible to later bindings, the condition and the actions."""

    name: Key
    expression: Expression


class Window(Frozen):
    """Candidates whose `field` lies within `within` before or after an anchor."""

    field: Key = Field(description="A date or date-and-time field of the candidate record.")
    within: IsoDuration
    direction: Literal["before", "after"] = "before"
    relative_to: str = Field(
        default="$now",
        description="A date/date-and-time field key of the triggering record, or `$now`.",
    )
    include_start: bool = Field(default=True, description="Whether the earlier bound counts.")
    include_end: bool = Field(default=True, description="Whether the later bound counts.")


class Aggregate(Frozen):
    """count/sum/min/max/avg of `field` over records of `form` matching `filter` in `window`.

    The platform computes it (one SQL query through the permission layer as the rule's owner)
    against the records as stored when the rule runs: after save, the triggering record is
    among the candidates; before save it is not yet stored."""

    name: Key
    form: Key
    function: Literal["count", "sum", "min", "max", "avg"]
    field: Key | None = Field(default=None, description="Required except for `count`.")
    filter: Expression | None = Field(
        default=None,
        description="Over the candidate `it.<field>`, the triggering `record.<field>` and "
        "`params.<name>`.",
    )
    window: Window | None = None


# ---------------------------------------------------------------- actions


class SetFields(Frozen):
    """Set fields of the triggering record (before save: before it is stored)."""

    type: Literal["set_fields"]
    id: ElementId
    values: dict[Key, Expression] = Field(min_length=1)


class CreateRecord(Frozen):
    type: Literal["create_record"]
    id: ElementId
    form: Key
    values: dict[Key, Expression] = Field(min_length=1)


class UpdateRecords(Frozen):
    """Update the records of `form` matching `filter` (`it.<field>`, `record.<field>`)."""

    type: Literal["update_records"]
    id: ElementId
    form: Key
    filter: Expression
    values: dict[Key, Expression] = Field(
        min_length=1, description="Expressions over `it`, `record`, `params` and bindings."
    )


class CallDecision(Frozen):
    """Evaluate a published decision and copy its outputs into fields of the record."""

    type: Literal["call_decision"]
    id: ElementId
    decision: Key
    inputs: dict[str, Expression] = Field(default_factory=dict)
    outputs: dict[Key, str] = Field(
        default_factory=dict, description="Record field key -> decision output name."
    )


class StartFlow(Frozen):
    type: Literal["start_flow"]
    id: ElementId
    flow: Key
    inputs: dict[str, Expression] = Field(default_factory=dict)


class RaiseAlert(Frozen):
    """Create a record in the alert form, with the rule's trace attached."""

    type: Literal["raise_alert"]
    id: ElementId
    alert_form: Key
    severity: Literal["low", "medium", "high", "critical"]
    title: Template
    message: Template
    values: dict[Key, Expression] = Field(
        default_factory=dict, description="Further fields of the alert record."
    )


class Recipient(Frozen):
    kind: Literal["user", "role", "field"]
    value: str = Field(min_length=1, description="User id, role key or a field key of the record.")


class Notify(Frozen):
    type: Literal["notify"]
    id: ElementId
    channel: Literal["in_app", "email", "webhook"]
    recipients: tuple[Recipient, ...] = Field(default=(), description="in-app and email")
    endpoint: Key | None = Field(
        default=None, description="Webhook: the key of an endpoint configured on the platform."
    )
    subject: Template | None = None
    body: Template


class Block(Frozen):
    """Refuse the save (before save only) with a message on a field or the whole record."""

    type: Literal["block"]
    id: ElementId
    message: Label
    field: Key | None = Field(default=None, description="The field to blame; none: the record.")


Action = Annotated[
    SetFields | CreateRecord | UpdateRecords | CallDecision | StartFlow | RaiseAlert | Notify
    | Block,
    Field(discriminator="type"),
]  # fmt: skip


# ---------------------------------------------------------------- rule options


class Dedup(Frozen):
    """The same alert is not raised twice: the key (an expression) plus how long it holds."""

    key: Expression
    scope: Literal["window", "ever"] = Field(
        default="window",
        description="`window`: not again while an alert with this key lies inside the window "
        "of `window_of`; `ever`: never again for this key.",
    )
    window_of: Key | None = Field(
        default=None, description="The aggregate whose window bounds the de-duplication."
    )


class ParameterVersion(Frozen):
    effective_from: AwareDatetime
    value: Scalar


class Parameter(Frozen):
    """A named value (`params.<name>`) with effective-dated versions."""

    name: Key
    type: Literal["number", "string", "boolean", "date"]
    label: Label | None = None
    versions: tuple[ParameterVersion, ...] = Field(min_length=1)


class ExampleGiven(Frozen):
    event: Literal[
        "created", "updated", "deleted", "started", "node_entered", "approved", "rejected",
        "finished", "schedule", "manual",
    ] | None = Field(default=None, description="Default: the trigger's first event.")  # fmt: skip
    record: dict[str, Scalar] | None = None
    previous: dict[str, Scalar] | None = None
    changed: tuple[str, ...] | None = Field(
        default=None, description="Default: the fields that differ from `previous`."
    )
    aggregates: dict[Key, Scalar] = Field(default_factory=dict)
    now: AwareDatetime


class ExpectedAction(Frozen):
    action: ElementId
    values: dict[str, Scalar] = Field(
        default_factory=dict, description="Computed values that must match (others ignored)."
    )


class ExampleExpect(Frozen):
    outcome: Literal["block", "actions", "no_action"]
    message: str | None = Field(default=None, description="`block`: the message (English).")
    actions: tuple[ExpectedAction, ...] = ()


class RuleExample(Frozen):
    id: ElementId
    label: Label | None = None
    given: ExampleGiven
    expect: ExampleExpect


class RuleDefinition(Frozen):
    """The `spec` of a definition of kind `rule`."""

    schema_version: Literal[1] = 1
    key: Key
    label: Label
    trigger: Trigger
    phase: Literal["before_save", "after_save"] = "after_save"
    mode: Literal["same_transaction", "async"] = Field(
        default="same_transaction", description="After save only: same transaction or job queue."
    )
    calendar: Key | None = Field(
        default=None, description="The business calendar the working-day functions use."
    )
    parameters: tuple[Parameter, ...] = Field(default=(), max_length=100)
    let: tuple[LetBinding, ...] = Field(default=(), max_length=100)
    aggregates: tuple[Aggregate, ...] = Field(default=(), max_length=20)
    condition: Expression | None = Field(default=None, description="None: always matches.")
    actions: tuple[Action, ...] = Field(min_length=1, max_length=50)
    salience: int = Field(default=0, description="Higher runs first; ties by key.")
    dedup: Dedup | None = None
    shadow: bool = Field(default=False, description="Evaluate and trace, act on nothing.")
    effective_from: AwareDatetime | None = None
    effective_to: AwareDatetime | None = Field(default=None, description="Exclusive.")
    examples: tuple[RuleExample, ...] = Field(default=(), max_length=200)
