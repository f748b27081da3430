"""Request bodies of the flow endpoints (tasks, instances, the inbox, out of office)."""

from __future__ import annotations

from typing import Annotated, Literal

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


class UrgeRequest(CommandRequest):
    task: Annotated[str, StringConstraints(max_length=32)] | None = None


class BatchApproveItem(Strict):
    task: int = Field(ge=1, le=MAX_ID, description="The task's id (as the inbox lists it)")
    expected_version: int = Field(ge=0, le=MAX_VERSION)


class BatchApproveRequest(Strict):
    tasks: list[BatchApproveItem] = Field(min_length=1, max_length=100)
    comment: Comment | None = None


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
)
