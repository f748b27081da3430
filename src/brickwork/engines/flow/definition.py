"""Flow definitions (kind `flow`): frozen pydantic models of the `spec` JSON.

A flow is a graph of nodes and edges bound to one form; the record of that form is the
instance's data. Expression text (edge conditions, assignee expressions, timer deadlines,
action values) stays source text here; `compile_flow` checks and compiles it against the form's
fields. Action nodes reuse the rules engine's typed actions as they are.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from brickwork.engines.rules.rule_definition import (
    CallDecision,
    CreateRecord,
    SetFields,
    UpdateRecords,
)

NodeId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$"),
    Field(description="Node id: a lower-case letter, then letters, digits or _ (max 63)."),
]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Username = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FeelText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Duration = Annotated[
    str,
    StringConstraints(pattern=r"^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$", max_length=40),
    Field(description="An ISO 8601 days-and-time duration, e.g. `P2D`, `PT4H`."),
]


def _proper_fraction(text: str) -> str:
    if "/" in text:
        numerator, denominator = text.split("/")
        if int(numerator) > int(denominator):
            raise ValueError(f"`{text}` is more than 1")
    return text


Ratio = Annotated[
    str,
    StringConstraints(
        pattern=r"^(?:0(?:\.\d{1,6})?|1(?:\.0{1,6})?|(?:0|[1-9]\d{0,2})/[1-9]\d{0,2})$"
    ),
    AfterValidator(_proper_fraction),
    Field(
        description="A share between 0 and 1 as text: a decimal (`0.6`) or an exact fraction "
        "(`2/3`, numerator and denominator up to 999)."
    ),
]
Label = Annotated[
    str | dict[str, str], Field(description='Text, or text per language: {"zh-CN": .., "en": ..}')
]
Permission = Literal["hidden", "read", "write"]
Outcome = Literal["approved", "rejected"]
Capability = Literal["return", "transfer", "delegate", "add_signer"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# ---------------------------------------------------------------- assignees


class UserAssignee(Frozen):
    """A named user."""

    type: Literal["user"]
    user: Username


class RoleAssignee(Frozen):
    """The active users with a role, optionally only in a department (`department`, or the
    department a department field of the record names)."""

    type: Literal["role"]
    role: Key
    department: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    department_field: Key | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> RoleAssignee:
        if self.department is not None and self.department_field is not None:
            raise ValueError("give `department` or `department_field`, not both")
        return self


class DepartmentHeadAssignee(Frozen):
    """The head of the initiator's department (`of: "initiator"`) or of the department(s) a
    department field of the record names (`of_field`)."""

    type: Literal["department_head"]
    of: Literal["initiator"] | None = None
    of_field: Key | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DepartmentHeadAssignee:
        if (self.of is None) == (self.of_field is None):
            raise ValueError('give exactly one of `of: "initiator"` and `of_field`')
        return self


class ManagerAssignee(Frozen):
    """The initiator's manager chain, levels 1..N: level 1 is the head of the initiator's
    department (of its parent when the initiator is that head), each further level the head of
    the next parent department."""

    type: Literal["manager"]
    levels: int = Field(default=1, ge=1, le=20)


class FieldAssignee(Frozen):
    """The user(s) a member field of the record names."""

    type: Literal["field"]
    field: Key


class ExpressionAssignee(Frozen):
    """A FEEL expression over the record's fields (and `initiator`) giving a username or a
    list of usernames."""

    type: Literal["expression"]
    expression: FeelText


class InitiatorAssignee(Frozen):
    """The user who started the instance."""

    type: Literal["initiator"]


Assignee = Annotated[
    UserAssignee
    | RoleAssignee
    | DepartmentHeadAssignee
    | ManagerAssignee
    | FieldAssignee
    | ExpressionAssignee
    | InitiatorAssignee,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------- node settings


class Sla(Frozen):
    """How long a task may stay open: a `duration`, or `working_days` on the flow's calendar.
    `remind_before` reminds the assignee that long before the due time; on breach the engine
    reminds, escalates (the task moves to the first of `escalate_to`, all of them are told), or
    approves/rejects as the `system` actor."""

    duration: Duration | None = None
    working_days: int | None = Field(default=None, ge=1, le=1000)
    remind_before: Duration | None = None
    on_breach: Literal["remind", "escalate", "approve", "reject"] = "remind"
    escalate_to: tuple[Assignee, ...] = ()

    @model_validator(mode="after")
    def _one_length(self) -> Sla:
        if (self.duration is None) == (self.working_days is None):
            raise ValueError("give exactly one of `duration` and `working_days`")
        if self.on_breach == "escalate" and not self.escalate_to:
            raise ValueError("an escalation needs `escalate_to`")
        return self


class Vote(Frozen):
    """A vote passes when for / counted votes compares (`>=` or `>`) to `pass_ratio`. Abstentions
    are left out of the count (`exclude`) or counted against or for. With `early_decision` the
    node closes as soon as the remaining votes cannot change the outcome.

    `quorum` (法定人数) is the share of the node's voters (its seats: the resolved approvers,
    those approved automatically, and signers added in parallel) whose counted votes make the
    vote valid: `counted >= quorum x voters`. A counted vote is one the pass ratio counts: for or
    against, and an abstention only when `abstain` counts it (`against`/`for`); with `exclude`
    an abstention does not count towards the quorum either. A vote that ends without its
    quorum is rejected, whatever the ratio. With `early_decision` the node never passes before
    the quorum is reached, and is rejected as soon as the votes still open can no longer reach
    it. No quorum (null, the default) or `0`: any counted vote suffices, as before."""

    pass_ratio: Ratio = "0.5"
    comparison: Literal[">=", ">"] = ">="
    abstain: Literal["exclude", "against", "for"] = "exclude"
    early_decision: bool = True
    quorum: Ratio | None = None


class NodeBase(Frozen):
    id: NodeId
    label: Label | None = None
    field_permissions: dict[Key, Permission] = Field(
        default_factory=dict,
        description="Per field: hidden, read or write while this node is active (default read).",
    )


class StartNode(NodeBase):
    type: Literal["start"]


class EndNode(NodeBase):
    type: Literal["end"]
    terminate: bool = False
    outcome: Outcome = "approved"


ALL_CAPABILITIES: tuple[Capability, ...] = ("return", "transfer", "delegate", "add_signer")


class ApprovalNode(NodeBase):
    type: Literal["approval"]
    assignees: tuple[Assignee, ...] = ()
    mode: Literal["single", "or", "all", "sequential", "vote"] = "or"
    vote: Vote | None = None
    sla: Sla | None = None
    allow: tuple[Capability, ...] = ALL_CAPABILITIES


class TaskNode(NodeBase):
    type: Literal["task"]
    assignees: tuple[Assignee, ...] = ()
    mode: Literal["single", "or", "all"] = "or"
    sla: Sla | None = None


class CcNode(NodeBase):
    type: Literal["cc"]
    assignees: tuple[Assignee, ...] = Field(min_length=1)


class ExclusiveGateway(NodeBase):
    type: Literal["exclusive"]


class ParallelGateway(NodeBase):
    type: Literal["parallel"]


class InclusiveGateway(NodeBase):
    type: Literal["inclusive"]


FlowAction = Annotated[
    SetFields | CallDecision | CreateRecord | UpdateRecords, Field(discriminator="type")
]


class ActionNode(NodeBase):
    type: Literal["action"]
    actions: tuple[FlowAction, ...] = Field(min_length=1)


class TimerNode(NodeBase):
    """Waits `wait` (a duration), `until` a FEEL date/time, or `working_days` on the calendar."""

    type: Literal["timer"]
    wait: Duration | None = None
    until: FeelText | None = None
    working_days: int | None = Field(default=None, ge=0, le=1000)

    @model_validator(mode="after")
    def _one_wait(self) -> TimerNode:
        given = [x for x in (self.wait, self.until, self.working_days) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `wait`, `until` and `working_days`")
        return self


class SubflowNode(NodeBase):
    type: Literal["subflow"]
    flow: Key
    version: int = Field(ge=1)


Node = Annotated[
    StartNode
    | EndNode
    | ApprovalNode
    | TaskNode
    | CcNode
    | ExclusiveGateway
    | ParallelGateway
    | InclusiveGateway
    | ActionNode
    | TimerNode
    | SubflowNode,
    Field(discriminator="type"),
]
GATEWAY_TYPES = frozenset({"exclusive", "parallel", "inclusive"})


class Edge(Frozen):
    """From `from_` (JSON `from`) to `to`. Out of a split, the first edge (by `priority`, lowest
    first, then definition order) whose `condition` holds is taken, else the `default` edge.
    Out of an approval node only edges whose `on` matches the outcome are candidates (no `on`:
    approved). `label` names the branch the edge opens (条件1, "Large loans"); it is shown, never
    evaluated."""

    id: NodeId
    label: Label | None = None
    from_: NodeId = Field(alias="from")
    to: NodeId
    condition: FeelText | None = None
    default: bool = False
    priority: int = Field(default=0, ge=-1000, le=1000)
    on: Outcome | None = None


# ---------------------------------------------------------------- settings and the flow


class EmptyAssignee(Frozen):
    """When a node's assignees resolve to nobody: skip the node (it passes as approved), give
    it to `user`, or to the administrator."""

    policy: Literal["skip", "user", "admin"] = "admin"
    user: Username | None = None

    @model_validator(mode="after")
    def _user_given(self) -> EmptyAssignee:
        if (self.policy == "user") != (self.user is not None):
            raise ValueError('`user` goes with policy "user" (and only with it)')
        return self


class Dedupe(Frozen):
    """Approvers who already approved earlier on the path are approved automatically:
    `consecutive` (in the approval node just before), `any_earlier` (anywhere before), or never
    (`none`). Nodes in `except` always ask."""

    mode: Literal["none", "consecutive", "any_earlier"] = "none"
    except_: tuple[NodeId, ...] = Field(default=(), alias="except")


class Settings(Frozen):
    """`maker_checker`: the initiator (the maker) never decides an approval task of the
    instance. They are left out of every approval node's resolved approvers (nobody left: the
    `empty_assignee` policy applies, and a fallback that is the initiator stops the instance with
    an `E_FLOW_MAKER_CHECKER` incident), no task may be transferred, delegated or escalated to
    them, nor they added as a signer (`E_FLOW_MAKER_CHECKER`), and an approval node may not name
    `{"type": "initiator"}` (refused at design time). Fill-in tasks stay theirs to do.
    `initiator_is_approver` then has nothing to act on."""

    empty_assignee: EmptyAssignee = EmptyAssignee()
    maker_checker: bool = False
    initiator_is_approver: Literal["approve", "handle", "skip_node"] = "approve"
    dedupe_approvers: Dedupe = Dedupe()
    withdraw: Literal["before_first_decision", "never"] = "before_first_decision"
    calendar: Key | None = None


class FlowSpec(Frozen):
    """The `spec` of a `flow` definition."""

    form: Key
    settings: Settings = Settings()
    nodes: tuple[Node, ...] = Field(min_length=1)
    edges: tuple[Edge, ...] = ()
