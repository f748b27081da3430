"""Builders of small decision models for the rules engine tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from brickwork.engines.rules import CompiledModel, compile_model


def table(
    hit_policy: str,
    rules: Sequence[tuple[Sequence[str], Sequence[str]]],
    *,
    inputs: Sequence[str] = ("x",),
    outputs: Sequence[str] = ("o",),
    **extra: Any,
) -> dict[str, Any]:
    """A decision table over input expressions `inputs` with outputs named `outputs`."""
    return {
        "type": "decision_table",
        "hit_policy": hit_policy,
        "inputs": [{"id": f"in{i}", "expression": e} for i, e in enumerate(inputs)],
        "outputs": [{"id": f"out{i}", "name": n} for i, n in enumerate(outputs)],
        "rules": [
            {"id": f"r{i}", "when": list(when), "then": list(then)}
            for i, (when, then) in enumerate(rules)
        ],
        **extra,
    }


def one_table(logic: dict[str, Any], names: Sequence[str] = ("x",), **model: Any) -> CompiledModel:
    """A model with inputs `names` and one decision `d` whose logic is `logic`."""
    spec = {
        "inputs": [{"id": f"i_{n.replace(' ', '_')}", "name": n} for n in names],
        "decisions": [
            {"id": "d", "name": "d", "requires": {"inputs": list(names)}, "logic": logic}
        ],
        **model,
    }
    return compile_model(spec)


def codes(result: Any) -> list[str]:
    return [d.code for d in result.diagnostics]
