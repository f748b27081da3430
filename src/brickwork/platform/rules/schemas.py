"""Request and response bodies of the decision endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EvaluateRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: str | None = Field(
        default=None,
        max_length=200,
        description="The decision to evaluate, by name (default: the model's entry decision).",
    )
    inputs: dict[str, Any] = Field(
        default_factory=dict,
        description="Input data by name; numbers may be JSON numbers or strings of digits, "
        "dates and times ISO 8601 text.",
    )
    trace: bool = Field(
        default=False,
        description="Also return, for every rule of every table, whether it matched or which "
        "cell failed first with the value that failed it.",
    )
    as_of: AwareDatetime | None = Field(
        default=None,
        description="Evaluate the version that was in force at this moment (the latest "
        "published by then, unless archived by then), with now() and today() at it: how a "
        "past case was decided. Default: the latest published version, now.",
    )


class Diagnostic(BaseModel):
    code: str
    pointer: str = Field(description="JSON pointer into the model's spec")
    message: str


class EvaluateReply(BaseModel):
    version: int = Field(description="The published version that was evaluated")
    value: Any = Field(description="The decision's value (numbers as strings of digits)")
    decisions: dict[str, Any] = Field(description="Every decision evaluated, by name")
    ok: bool = Field(description="Whether the evaluation reported no problem")
    diagnostics: list[Diagnostic]
    trace: list[dict[str, Any]] | None = None


class ReplayRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: AwareDatetime = Field(
        description="The moment whose rules and decision model versions decide: the versions "
        "published by then and not archived by then; now() and today() are this moment."
    )
    event: Literal["created", "updated", "deleted", "manual"] = Field(
        default="created",
        description="The event replayed on the record as stored now (for `updated`, every "
        "field counts as changed).",
    )


class RunScheduledRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime | None = Field(
        default=None,
        description="The tick's time (default: now): the rule's aggregates, today() and now() "
        "are those of this moment.",
    )


class TryExamplesRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: dict[str, Any] | None = Field(
        default=None,
        description="The rule's spec as the designer holds it (unsaved changes included); "
        "default: the saved draft.",
    )
