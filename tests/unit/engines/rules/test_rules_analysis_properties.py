"""Property: the analysis agrees with evaluation. Overlap examples match both rules, gap
examples match none, shadowed rules never match alone, and on a grid of inputs every input is
matched when no gap is reported and by one rule when no overlap is reported."""

from __future__ import annotations

from decimal import Decimal
from itertools import product
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.rules import compile_table
from brickwork.engines.rules.analysis import analyse_table

NUMBER_CELLS = [
    "-",
    "< 10",
    "<= 10",
    "> 5",
    ">= 5",
    "[5..10]",
    "(0..5)",
    "10",
    "not(10)",
    "!= 5",
    "< 0, > 20",
    "[0..10)",
]
STRING_CELLS = ["-", '"a"', '"a","b"', 'not("a")', '"c"']
BOOLEAN_CELLS = ["-", "true", "false"]
COLUMNS = {
    "number": (NUMBER_CELLS, [Decimal(v) for v in ("-1", "0", "2.5", "5", "7", "10", "11", "21")]),
    "string": (STRING_CELLS, ["a", "b", "c", "z"]),
    "boolean": (BOOLEAN_CELLS, [True, False]),
}


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    types = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=3))
    rules = [
        {
            "id": f"r{r}",
            "when": [draw(st.sampled_from(COLUMNS[t][0])) for t in types],
            "then": [str(r)],
        }
        for r in range(draw(st.integers(1, 6)))
    ]
    return {
        "type": "decision_table",
        "hit_policy": draw(st.sampled_from(["U", "F"])),
        "inputs": [
            {"id": f"i{c}", "expression": f"x{c}", "type_ref": t} for c, t in enumerate(types)
        ],
        "outputs": [{"id": "o", "name": "o"}],
        "rules": rules,
    }


def _matched(model: Any, inputs: dict[str, Any]) -> list[str]:
    result = model.evaluate(None, inputs, trace=True)
    return list(result.trace[0].tables[0].matched_rules)


@given(tables())
def test_the_analysis_agrees_with_evaluation(table: dict[str, Any]) -> None:
    types = [column["type_ref"] for column in table["inputs"]]
    names = {f"x{c}": t for c, t in enumerate(types)}
    model = compile_table({**table, "hit_policy": "R"}, names)
    findings = analyse_table(table)
    kinds = {f.kind for f in findings}
    assert kinds <= {"overlap", "gap", "shadowed"}
    for finding in findings:
        assert finding.example is not None or finding.kind == "shadowed"
        if finding.kind == "overlap":
            assert set(finding.rules) <= set(_matched(model, dict(finding.example or {})))
        elif finding.kind == "gap":
            assert _matched(model, dict(finding.example or {})) == []
    shadowed = {f.rules[0] for f in findings if f.kind == "shadowed"}
    order = [rule["id"] for rule in table["rules"]]
    for values in product(*(COLUMNS[t][1] for t in types)):
        matched = _matched(model, {f"x{c}": v for c, v in enumerate(values)})
        if "gap" not in kinds:
            assert matched, values
        if table["hit_policy"] == "U" and "overlap" not in kinds:
            assert len(matched) <= 1, values
        if matched and table["hit_policy"] == "F":
            assert matched[0] not in shadowed, values
    if table["hit_policy"] == "F":
        for rule in shadowed:
            assert rule in order
