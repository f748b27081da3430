"""Read-only views of an instance: field permissions for a user, the diagram with statuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from brickwork.engines.flow.compiler import CompiledFlow
from brickwork.engines.flow.state import FlowState

Permission = Literal["hidden", "read", "write"]


def field_permissions(
    flow: CompiledFlow, state: FlowState, username: str
) -> Mapping[str, Permission]:
    raise NotImplementedError


def diagram(flow: CompiledFlow, state: FlowState) -> dict[str, Any]:
    raise NotImplementedError
