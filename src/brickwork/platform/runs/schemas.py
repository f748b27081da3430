"""Request bodies of the flow endpoints (tasks, instances, the inbox, out of office)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from brickwork.platform.vocabulary import KEY_PATTERN

Username = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Comment = Annotated[str, StringConstraints(max_length=4000)]
NodeId = Annotated[str, StringConstraints(min_length=1, max_length=63)]
MAX_ID = 2**53
MAX_VERSION = 2**31 - 1


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AbsenceRequest(Strict):
    delegate: Username = Field(description="Who handles tasks given to you meanwhile")
    starts: AwareDatetime = Field(alias="from", description="Start of the absence (ISO 8601)")
    ends: AwareDatetime = Field(alias="to", description="End of the absence (ISO 8601)")


class StartRequest(Strict):
    flow: Annotated[str, StringConstraints(pattern=KEY_PATTERN)] = Field(
        description="The key of a published flow bound to this form"
    )


class CommandRequest(Strict):
    """A command on a task or an instance. `expected_version` is the task's version (for
    instance commands, the instance's); without it, send an `Idempotency-Key` header."""

    expected_version: int | None = Field(default=None, ge=0, le=MAX_VERSION)
    comment: Comment | None = None


class ReturnRequest(CommandRequest):
    target: Annotated[str, StringConstraints(min_length=1, max_length=63)] = Field(
        default="initiator", description="A node already executed on this path, or `initiator`"
    )
    resume: Literal["rerun", "jump_back"] = "rerun"


class HandOverRequest(CommandRequest):
    to: Username = Field(description="The user who takes the task")


class AddSignerRequest(CommandRequest):
    users: list[Username] = Field(min_length=1, max_length=50)
    position: Literal["before", "after", "parallel"] = "after"


class CcRequest(CommandRequest):
    users: list[Username] = Field(min_length=1, max_length=50)


class ResolveIncidentRequest(CommandRequest):
    node: NodeId = Field(description="The node where the incident waits")
    to: NodeId | None = Field(
        default=None, description="The node the token enters (default: the same node, again)"
    )


class TerminateRequest(Strict):
    """End the instance for good (administrators of the app). `expected_version` is the
    instance's version; without it, send an `Idempotency-Key` header."""

    expected_version: int | None = Field(default=None, ge=0, le=MAX_VERSION)
    reason: Comment = Field(description="Why the instance ends (at least 5 visible characters)")


class ReassignRequest(Strict):
    """Give the task to someone else (administrators of the app). `expected_version` is the
    task's version; without it, send an `Idempotency-Key` header."""

    expected_version: int | None = Field(default=None, ge=0, le=MAX_VERSION)
    to: Username = Field(description="The user who takes the task")
    reason: Comment = Field(description="Why (at least 5 visible characters)")


class HandoverRequest(Strict):
    """Give every open task one user holds in the app's flows to another (administrators of
    the app)."""

    holder: Username = Field(alias="from", description="Whose open tasks go")
    to: Username = Field(description="The user who takes them")
    reason: Comment = Field(description="Why (at least 5 visible characters)")


class UrgeRequest(CommandRequest):
    task: Annotated[str, StringConstraints(max_length=32)] | None = None


class BatchApproveItem(Strict):
    task: int = Field(ge=1, le=MAX_ID, description="The task's id (as the inbox lists it)")
    expected_version: int = Field(ge=0, le=MAX_VERSION)


class BatchApproveRequest(Strict):
    tasks: list[BatchApproveItem] = Field(min_length=1, max_length=100)
    comment: Comment | None = None


class SimulateRequest(Strict):
    """Sample values for the flow's form and the outcome each approval would give."""

    values: dict[Annotated[str, StringConstraints(max_length=200)], Any] = Field(
        default_factory=dict,
        description="The bound form's fields by key, as a new record of the form takes them "
        "(money as a JSON number or a string of digits, read exactly)",
    )
    outcomes: dict[NodeId, Literal["approved", "rejected"]] = Field(
        default_factory=dict,
        description="Per approval (or subflow) node, the outcome given there; default approved",
    )
    version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_VERSION,
        description="A published version to simulate; null or absent: the current draft",
    )


class SimulatedStep(BaseModel):
    node: str
    type: str
    label: str | dict[str, str] | None
    assignees: list[str] = Field(description="Who would be asked (a task each)")
    cc: list[str] = Field(description="Who would get a copy")
    decisions: list[dict[str, str]] = Field(description="Who decided, with which outcome")
    outcome: str | None = Field(description="How the node was left; null while it waits")
    effects: list[dict[str, Any]] = Field(
        description="What would happen: set_fields, create_record, update_records, notify, "
        "start_subflow, wait"
    )
    notes: list[dict[str, Any]] = Field(
        description="What the engine did by itself (approved automatically, skipped, ...)"
    )
    incident: dict[str, str] | None


class SimulationOut(BaseModel):
    flow: str
    version: int | None = Field(description="The version simulated; null: the draft")
    initiator: str
    status: str = Field(description="approved, rejected, terminated, incident or running")
    finished: dict[str, str] | None = Field(description="`{outcome}` when the flow finished")
    incident: dict[str, str] | None = Field(description="`{node, code, message}` of an incident")
    stopped: dict[str, Any] | None = Field(
        description="`{reason, nodes, message}` when the simulation stopped before the end "
        "(`step_limit`, or `waiting` for something it does not give)"
    )
    steps: list[SimulatedStep]
    values: dict[str, Any] = Field(description="The values at the end (after set-fields actions)")
    diagram: dict[str, Any] = Field(
        description="Nodes with their status and edges with `taken`, as an instance's diagram"
    )


BODY_MODELS: tuple[type[BaseModel], ...] = (
    AbsenceRequest,
    StartRequest,
    CommandRequest,
    ReturnRequest,
    HandOverRequest,
    AddSignerRequest,
    CcRequest,
    UrgeRequest,
    BatchApproveRequest,
    SimulateRequest,
)
