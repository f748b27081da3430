"""The indexed evaluation of decision tables agrees with the straightforward scan: same
value, same matched rules, same diagnostics, on random tables and inputs (of every kind)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.rules import compile_model

NUMBER = st.integers(-5, 15)
NUMBER_CELLS = st.one_of(
    st.just("-"),
    NUMBER.map(str),
    st.tuples(NUMBER, NUMBER).map(lambda p: f"{p[0]}, {p[1]}"),
    st.tuples(st.sampled_from(["<", "<=", ">", ">=", "="]), NUMBER).map(lambda p: f"{p[0]} {p[1]}"),
    st.tuples(st.sampled_from("[(]"), NUMBER, NUMBER, st.sampled_from("])[")).map(
        lambda p: f"{p[0]}{p[1]}..{p[2]}{p[3]}"
    ),
    st.tuples(NUMBER, NUMBER).map(lambda p: f"< {p[0]}, > {p[1]}"),
    NUMBER.map(lambda n: f"not({n})"),
    NUMBER.map(lambda n: f"? > {n}"),
    st.just('"5"'),
)
WORDS = st.sampled_from(["a", "b", "c"])
STRING_CELLS = st.one_of(
    st.just("-"),
    WORDS.map(lambda w: f'"{w}"'),
    st.tuples(WORDS, WORDS).map(lambda p: f'"{p[0]}", "{p[1]}"'),
    WORDS.map(lambda w: f'not("{w}")'),
    st.just("< 3"),
)
BOOLEAN_CELLS = st.sampled_from(["-", "true", "false", "null"])
DAY = st.integers(1, 9).map(lambda d: f"2024-01-0{d}")
DATE_CELLS = st.one_of(
    st.just("-"),
    DAY.map(lambda d: f'date("{d}")'),
    st.tuples(st.sampled_from(["<", ">="]), DAY).map(lambda p: f'{p[0]} date("{p[1]}")'),
    st.tuples(DAY, DAY).map(lambda p: f'[@"{p[0]}"..@"{p[1]}")'),
    DAY.map(lambda d: f'? > date("{d}")'),
)
INPUTS = st.fixed_dictionaries(
    {
        "n": st.one_of(NUMBER, NUMBER.map(lambda n: n + 0.5), st.none(), WORDS, st.booleans()),
        "s": st.one_of(WORDS, st.none(), NUMBER),
        "b": st.one_of(st.booleans(), st.none(), WORDS),
        "t": st.one_of(DAY, st.none()),
    }
)
POLICIES = st.sampled_from(["U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#"])


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 25))
    rules = [
        {
            "id": f"r{i}",
            "when": [
                draw(NUMBER_CELLS),
                draw(STRING_CELLS),
                draw(BOOLEAN_CELLS),
                draw(DATE_CELLS),
            ],
            "then": [str(draw(st.integers(1, 4)))],
        }
        for i in range(count)
    ]
    return {
        "inputs": [
            *({"id": k, "name": k} for k in ("n", "s", "b")),
            {"id": "t", "name": "t", "type_ref": "date"},
        ],
        "decisions": [
            {
                "id": "d",
                "name": "d",
                "requires": {"inputs": ["n", "s", "b", "t"]},
                "logic": {
                    "type": "decision_table",
                    "hit_policy": draw(POLICIES),
                    "inputs": [{"id": f"in_{k}", "expression": k} for k in ("n", "s", "b", "t")],
                    "outputs": [{"id": "o", "name": "o", "output_values": "1, 2, 3, 4"}],
                    "rules": rules,
                },
            }
        ],
    }


def _view(result: Any) -> tuple[Any, ...]:
    (step,) = result.trace
    (trace,) = step.tables
    diagnostics = sorted((d.code, d.pointer) for d in result.diagnostics)
    return result.value, trace.matched, trace.rules, diagnostics


@given(tables(), st.lists(INPUTS, min_size=1, max_size=5))
def test_indexed_tables_agree_with_the_scan(spec: dict[str, Any], inputs: list[Any]) -> None:
    indexed = compile_model(spec)
    scan = compile_model(spec, indexed=False)
    for given_inputs in inputs:
        fast = indexed.evaluate("d", given_inputs, trace=True)
        slow = scan.evaluate("d", given_inputs, trace=True)
        assert _view(fast) == _view(slow)
        assert indexed.evaluate("d", given_inputs).value == fast.value


def test_a_large_table_agrees_with_the_scan() -> None:
    segments = ("retail", "sme", "corporate")
    rules = [
        {
            "id": f"r{i}",
            "when": [
                f"[{i * 10}..{i * 10 + 15})",
                f'"{segments[i % 3]}"',
                "-" if i % 5 else "false",
            ],
            "then": [str(i % 7)],
        }
        for i in range(3000)
    ]
    spec = {
        "inputs": [{"id": k, "name": k} for k in ("n", "s", "b")],
        "decisions": [
            {
                "id": "d",
                "name": "d",
                "requires": {"inputs": ["n", "s", "b"]},
                "logic": {
                    "type": "decision_table",
                    "hit_policy": "C",
                    "inputs": [{"id": f"in_{k}", "expression": k} for k in ("n", "s", "b")],
                    "outputs": [{"id": "o", "name": "o"}],
                    "rules": rules,
                },
            }
        ],
    }
    indexed = compile_model(spec)
    scan = compile_model(spec, indexed=False)
    matched = 0
    for k in range(12):
        given_inputs = {"n": k * 2501 + 0.5 * (k % 2), "s": segments[k % 3], "b": k % 2 == 0}
        fast = indexed.evaluate("d", given_inputs, trace=True)
        matched += bool(fast.value)
        assert _view(fast) == _view(scan.evaluate("d", given_inputs, trace=True))
    assert matched >= 6
