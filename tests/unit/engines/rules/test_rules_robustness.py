"""Evaluation never raises: any JSON-decoded inputs give a value (maybe null) and diagnostics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from rules_support import one_table, table

from brickwork.engines.rules import compile_model

DOC = Path(__file__).resolve().parents[4] / "docs" / "rules.md"
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["2024-02-29", "P1D", "10:00:00", "CN", "KP", "fund", "insurance"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _examples() -> list[Any]:
    text = DOC.read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]
    return [compile_model(b) for b in blocks if "decisions" in b]


MODELS = _examples()


@given(st.dictionaries(st.sampled_from([
    "Age", "Country", "Annual Income", "PEP", "Sales volume", "Product", "New clients"
]), JSON))  # fmt: skip
def test_any_inputs_give_a_result(inputs: dict[str, Any]) -> None:
    for model in MODELS:
        result = model.evaluate(None, inputs, trace=True)
        assert result.trace is not None
        for step in result.trace:
            for trace in step.tables:
                assert len(trace.rules) == len(trace.rule_ids)


def test_a_table_without_inputs_matches_every_rule() -> None:
    logic = table("R", [([], ['"a"']), ([], ['"b"'])], inputs=())
    assert one_table(logic, names=()).evaluate("d", {}).value == ["a", "b"]
    empty = table("U", [], inputs=("x",))
    assert one_table(empty).evaluate("d", {"x": 1}).value is None
