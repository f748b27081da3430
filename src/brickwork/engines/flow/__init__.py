"""The flow engine (pure interpreter): compile a flow definition, then advance instances.

`compile_flow(spec, env)` checks and compiles a definition (kind `flow`); `start` and `step` are
pure (`now` and the `World` are arguments) and return the next `FlowState` with the effects the
platform applies, in order. `to_graph`/`to_blocks` turn a branch-block document (the
DingTalk-style builder) into a flow's graph and back. See docs/flows.md.
"""

from brickwork.engines.flow.blocks import NotBlocks, card_of, to_blocks, to_graph
from brickwork.engines.flow.compiler import CompiledFlow, compile_flow, currency_problems
from brickwork.engines.flow.definition import FlowSpec
from brickwork.engines.flow.effects import (
    CancelTimer,
    CreateRecord,
    Effect,
    Finished,
    History,
    Incident,
    NodeEntered,
    NodeLeft,
    Notify,
    ScheduleTimer,
    SetFields,
    StartSubflow,
    TaskClosed,
    TaskCreated,
    UpdateRecords,
)
from brickwork.engines.flow.environment import Directory, FlowEnvironment, World
from brickwork.engines.flow.events import (
    Abstain,
    AddSigner,
    Approve,
    Cc,
    Command,
    Comment,
    Complete,
    Delegate,
    Event,
    Reassign,
    Reject,
    ResolveIncident,
    Resubmit,
    Return,
    SubflowFinished,
    Terminate,
    TimerFired,
    Transfer,
    Urge,
    Withdraw,
)
from brickwork.engines.flow.problems import CommandRefused, FlowDefinitionError, FlowProblem
from brickwork.engines.flow.runtime import start, step
from brickwork.engines.flow.state import FlowState, Seat, Task, Timer, Token, Transition
from brickwork.engines.flow.views import diagram, field_permissions

__all__ = [
    "Abstain",
    "AddSigner",
    "Approve",
    "CancelTimer",
    "Cc",
    "Command",
    "CommandRefused",
    "Comment",
    "CompiledFlow",
    "Complete",
    "CreateRecord",
    "Delegate",
    "Directory",
    "Effect",
    "Event",
    "Finished",
    "FlowDefinitionError",
    "FlowEnvironment",
    "FlowProblem",
    "FlowSpec",
    "FlowState",
    "History",
    "Incident",
    "NodeEntered",
    "NodeLeft",
    "NotBlocks",
    "Notify",
    "Reassign",
    "Reject",
    "ResolveIncident",
    "Resubmit",
    "Return",
    "ScheduleTimer",
    "Seat",
    "SetFields",
    "StartSubflow",
    "SubflowFinished",
    "Task",
    "TaskClosed",
    "TaskCreated",
    "Terminate",
    "Timer",
    "TimerFired",
    "Token",
    "Transfer",
    "Transition",
    "UpdateRecords",
    "Urge",
    "Withdraw",
    "World",
    "card_of",
    "compile_flow",
    "currency_problems",
    "diagram",
    "field_permissions",
    "start",
    "step",
    "to_blocks",
    "to_graph",
]
