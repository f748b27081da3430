"""What can happen to a flow instance: commands of users and the platform's signals.

Every command names its `actor` (a username), the `task` it acts on where it acts on one, and
`expected_version`: the task's `version` (for commands without a task, the instance's), so a
stale or repeated command is refused (`E_FLOW_STALE`) instead of acting twice. None skips the
check. Commands carry an optional `comment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReturnTarget = str
"""A node id executed on the current path, or `"initiator"`."""
Resume = Literal["rerun", "jump_back"]
SignerPosition = Literal["before", "after", "parallel"]


@dataclass(frozen=True, slots=True)
class Approve:
    actor: str
    task: str
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    actor: str
    task: str
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Complete:
    """Submit a fill-in task (or the initiator's task after a return to the initiator)."""

    actor: str
    task: str
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Abstain:
    """Abstain in a vote."""

    actor: str
    task: str
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Return:
    """Send the instance back to `target` (a node executed on the current path, or
    `"initiator"`); on resubmission it re-runs the path (`rerun`) or goes straight back to the
    returning node (`jump_back`)."""

    actor: str
    task: str
    target: ReturnTarget
    resume: Resume = "rerun"
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """Hand the task over to `to` for good."""

    actor: str
    task: str
    to: str
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Delegate:
    """Let `to` act on the task; it comes back to its owner afterwards, who decides."""

    actor: str
    task: str
    to: str
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class AddSigner:
    """Add approvers before the actor (they approve first, then the actor decides), after the
    actor (they approve after the actor approved) or in parallel (alongside the actor)."""

    actor: str
    task: str
    users: tuple[str, ...]
    position: SignerPosition
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Withdraw:
    """The initiator takes the instance back (only before the first decision)."""

    actor: str
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Resubmit:
    """The initiator submits again after a return to the initiator (`task`: the initiator's
    task, optional)."""

    actor: str
    task: str | None = None
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Urge:
    """Remind the assignees of `task` (None: of every open task)."""

    actor: str
    task: str | None = None
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    actor: str
    text: str
    task: str | None = None
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Cc:
    """Copy the instance to `users` (read-only CC tasks)."""

    actor: str
    users: tuple[str, ...]
    task: str | None = None
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ResolveIncident:
    """The incident at `node` is resolved: its token enters `to` (by default `node` itself,
    so after the data was fixed an exclusive gateway chooses again and an action runs again;
    another node skips ahead or goes back). The platform decides who may (administrators of
    the app); the engine records the actor."""

    actor: str
    node: str
    to: str | None = None
    expected_version: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Reassign:
    """Give an open task to `to` in its holder's place, with a `reason` (the holder left, is
    away for long, or may not decide it). The platform decides who may (administrators of the
    app); the engine records the actor. The task's SLA starts again."""

    actor: str
    task: str
    to: str
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class Terminate:
    """End a running instance for good, with a `reason`: every open task is cancelled with its
    timers, and the instance is `terminated` (an instance stuck or started in error). The
    platform decides who may (administrators of the app); the engine records the actor."""

    actor: str
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer the engine scheduled (`ScheduleTimer`) is due."""

    timer: str


@dataclass(frozen=True, slots=True)
class SubflowFinished:
    """The child instance started for `node` finished with `outcome`."""

    node: str
    outcome: Literal["approved", "rejected", "withdrawn", "terminated"]


Command = (
    Approve
    | Reject
    | Complete
    | Abstain
    | Return
    | Transfer
    | Delegate
    | AddSigner
    | Withdraw
    | Resubmit
    | Urge
    | Comment
    | Cc
    | ResolveIncident
    | Reassign
    | Terminate
)
Event = Command | TimerFired | SubflowFinished
