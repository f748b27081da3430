"""Hit policies that combine several matching rules: P/O priorities and C+/C</C>/C# aggregates.

Pure functions over the outputs of the matching rules (DMN 1.5 §8.2.11): `priority_key` ranks an
output by the position of its value in each output column's `output_values`; `aggregate`
sums, takes the minimum or maximum, or counts the outputs, reporting a diagnostic (and
giving null) for values it cannot combine. This module must not evaluate FEEL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from brickwork.engines.expr import CompiledExpression, CompiledUnaryTests
from brickwork.engines.expr import values as v
from brickwork.engines.rules.itemtypes import DmnType
from brickwork.engines.rules.results import State


@dataclass(slots=True)
class OutputColumn:
    name: str
    pointer: str
    type: DmnType
    allowed: CompiledUnaryTests | None
    priorities: tuple[Any, ...] | None
    default: CompiledExpression | None


def priority_key(outputs: Sequence[OutputColumn], single: bool, found: Any) -> tuple[int, ...]:
    """P and O: a rule's rank, output by output, by position in `output_values` (a value not
    listed ranks last)."""
    key = []
    for column in outputs:
        if column.priorities is None:
            continue
        value = found if single else found.get(column.name)
        rank = len(column.priorities)
        for position, candidate in enumerate(column.priorities):
            if v.equal(value, candidate) is True:
                rank = position
                break
        key.append(rank)
    return tuple(key)


def aggregate(policy: str, found: list[Any], state: State, pointer: str) -> Any:
    """C+, C<, C> or C# of the outputs of the matching rules (never empty here)."""
    if policy == "C#":
        # Every output counts (DMN 1.2 onwards; DMN 1.1 counted distinct values).
        return Decimal(len(found))
    if policy == "C+":
        if not all(type(item) is Decimal for item in found):
            bad = next(item for item in found if type(item) is not Decimal)
            state.report("E_DMN_AGGREGATION", "sum_type", pointer, kind=v.kind_of(bad))
            return None
        try:
            with localcontext(v.DECIMAL_CONTEXT):
                return sum(found, Decimal(0))
        except ArithmeticError:
            state.report("E_DMN_AGGREGATION", "sum_too_large", pointer)
            return None
    best = found[0]
    want = -1 if policy == "C<" else 1
    for item in found[1:]:
        compared = v.order(item, best)
        if compared is None:
            state.report(
                "E_DMN_AGGREGATION",
                "outputs_incomparable",
                pointer,
                policy=policy,
                first=v.kind_of(item),
                second=v.kind_of(best),
            )
            return None
        if compared == want:
            best = item
    if v.order(best, best) is None:
        state.report(
            "E_DMN_AGGREGATION", "output_unordered", pointer, policy=policy, kind=v.kind_of(best)
        )
        return None
    return best
