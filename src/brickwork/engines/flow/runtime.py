"""Advance a flow instance: `start` and `step` (pure)."""

from __future__ import annotations

from datetime import datetime

from brickwork.engines.flow.compiler import CompiledFlow
from brickwork.engines.flow.environment import World
from brickwork.engines.flow.events import Event
from brickwork.engines.flow.state import FlowState, Transition


def start(
    flow: CompiledFlow, *, instance_id: str, initiator: str, now: datetime, world: World
) -> Transition:
    """Start an instance: the initiator submits at the start node."""
    raise NotImplementedError


def step(
    flow: CompiledFlow, state: FlowState, event: Event, *, now: datetime, world: World
) -> Transition:
    """Advance one instance by one event; raises `CommandRefused` (state unchanged)."""
    raise NotImplementedError
