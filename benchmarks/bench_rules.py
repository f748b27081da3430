"""Brickwork decision tables against zen-engine, in one process, with and without trace.

Run: `.venv/bin/pip install -r benchmarks/requirements-rules.txt` once, then
`.venv/bin/python benchmarks/bench_rules.py [--seconds 2]`.

Two tables, each written for both engines from one description: 50 rules x 3 inputs and
3,000 rules x 3 inputs (an amount range, a segment, a country list; hit policy F, the last rule
a catch-all). Inputs are JSON-decoded dicts (`json.loads`), as requests really arrive: floats
and ints for numbers. zen-engine runs through `ZenEngine(loader=...).evaluate(key, context)`,
its cached fast path, with the equivalent JDM graph (input node → decision table → output).
Brickwork runs through `compile_model(...).evaluate(None, inputs)`. Both engines are checked
to give the same answer on every input before timing. With trace, zen is asked for its trace
(`{"trace": True}`) and Brickwork for `trace=True`; Brickwork's per-rule view (every rule
matched or its first failing cell) is built when read: the `bw trace+read` column reads it for
every rule on every evaluation. Rounds of both engines are interleaved so load hits them alike;
the best round is reported. `zen decision` is zen's pre-built `ZenDecision.evaluate`, for
reference. Also prints the compile time of the 3,000-rule table.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from brickwork.engines.rules import compile_model

Runner = Callable[[], Any]
SEGMENTS = ("retail", "sme", "corporate", "private")
COUNTRY_SETS = ('"CN", "HK"', '"US", "CA"', '"DE", "FR", "IT"', "-")


def table_rows(count: int, step: int) -> list[tuple[str, str, str, str]]:
    """(amount cell, segment cell, country cell, output) per rule; the last one catches all."""
    rows = []
    for i in range(count - 1):
        low = (i // len(SEGMENTS)) * step
        amount = f"[{low}..{low + step})"
        segment = f'"{SEGMENTS[i % len(SEGMENTS)]}"'
        country = COUNTRY_SETS[(i // 7) % len(COUNTRY_SETS)]
        rows.append((amount, segment, country, str(i + 1)))
    rows.append(("-", "-", "-", "0"))
    return rows


def brickwork_spec(rows: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    return {
        "inputs": [
            {"id": "amount", "name": "amount", "type_ref": "number"},
            {"id": "segment", "name": "segment", "type_ref": "string"},
            {"id": "country", "name": "country", "type_ref": "string"},
        ],
        "decisions": [
            {
                "id": "pricing",
                "name": "pricing",
                "requires": {"inputs": ["amount", "segment", "country"]},
                "logic": {
                    "type": "decision_table",
                    "hit_policy": "F",
                    "inputs": [
                        {"id": "in_amount", "expression": "amount"},
                        {"id": "in_segment", "expression": "segment"},
                        {"id": "in_country", "expression": "country"},
                    ],
                    "outputs": [{"id": "out_tier", "name": "tier", "type_ref": "number"}],
                    "rules": [
                        {"id": f"r{i}", "when": [a, s, c], "then": [o]}
                        for i, (a, s, c, o) in enumerate(rows)
                    ],
                },
            }
        ],
    }


def zen_graph(rows: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    def cell(text: str) -> str:
        return "" if text == "-" else text

    rules = [
        {"_id": f"r{i}", "i_amount": cell(a), "i_segment": cell(s), "i_country": cell(c),
         "o_tier": o}
        for i, (a, s, c, o) in enumerate(rows)
    ]  # fmt: skip
    table = {
        "id": "table",
        "type": "decisionTableNode",
        "name": "pricing",
        "position": {"x": 200, "y": 0},
        "content": {
            "hitPolicy": "first",
            "inputs": [
                {"id": "i_amount", "name": "amount", "field": "amount"},
                {"id": "i_segment", "name": "segment", "field": "segment"},
                {"id": "i_country", "name": "country", "field": "country"},
            ],
            "outputs": [{"id": "o_tier", "name": "tier", "field": "tier"}],
            "rules": rules,
        },
    }
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            table,
            {"id": "out", "type": "outputNode", "name": "response", "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }


def sample_inputs(count: int, step: int) -> list[dict[str, Any]]:
    """JSON-decoded requests spread over the table (early, middle, late and unmatched rules)."""
    top = (count // len(SEGMENTS)) * step
    texts = []
    for k, fraction in enumerate((0.02, 0.2, 0.45, 0.61, 0.8, 0.97, 1.2, 0.33)):
        amount = round(top * fraction + 0.5, 2) if k % 2 else int(top * fraction)
        segment = SEGMENTS[k % len(SEGMENTS)]
        country = ("CN", "US", "FR", "BR")[k % 4]
        texts.append(json.dumps({"amount": amount, "segment": segment, "country": country}))
    return [json.loads(text) for text in texts]


def _per_round(run: Runner, seconds: float) -> int:
    run()
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            run()
        elapsed = time.perf_counter() - start
        if elapsed > 0.01:
            return max(1, int(batch * seconds / elapsed))
        batch *= 2


def measure_side_by_side(
    runners: dict[str, Runner], seconds: float, rounds: int = 15
) -> dict[str, float]:
    """Best microseconds per evaluation of each runner, rounds interleaved."""
    sizes = {
        name: _per_round(run, seconds / rounds / len(runners)) for name, run in runners.items()
    }
    best = dict.fromkeys(runners, math.inf)
    for _ in range(rounds):
        for name, run in runners.items():
            count = sizes[name]
            start = time.perf_counter()
            for _ in range(count):
                run()
            best[name] = min(best[name], (time.perf_counter() - start) / count)
    return {name: value * 1e6 for name, value in best.items()}


def cycling(call: Callable[[dict[str, Any]], Any], inputs: list[dict[str, Any]]) -> Runner:
    state = {"i": 0}
    count = len(inputs)

    def run() -> Any:
        i = state["i"]
        state["i"] = (i + 1) % count
        return call(inputs[i])

    return run


def compile_seconds(spec: dict[str, Any], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        compile_model(spec)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_table(label: str, count: int, step: int, seconds: float, zen: Any) -> list[float]:
    """Print the two rows (plain, trace) of one table; return the two ratios vs zen."""
    rows = table_rows(count, step)
    model = compile_model(brickwork_spec(rows))
    graphs = {"pricing": json.dumps(zen_graph(rows))}
    engine = zen.ZenEngine({"loader": graphs.__getitem__})
    decision = engine.create_decision(graphs["pricing"])
    inputs = sample_inputs(count, step)
    for request in inputs:
        ours = model.evaluate(None, request).value
        theirs = engine.evaluate("pricing", request)["result"].get("tier")
        if (ours is None) != (theirs is None) or (ours is not None and ours != theirs):
            sys.exit(f"engines disagree on {request}: brickwork {ours}, zen {theirs}")

    def read_trace(request: dict[str, Any]) -> Any:
        trace = model.evaluate(None, request, trace=True).trace or ()
        return [table.rules for step_ in trace for table in step_.tables]

    ratios = []
    for mode, trace in (("plain", False), ("trace", True)):
        options = {"trace": trace}
        runners = {
            "brickwork": cycling(partial(model.evaluate, None, trace=trace), inputs),
            "zen": cycling(partial(engine.evaluate, "pricing", opts=options), inputs),
            "zen decision": cycling(partial(decision.evaluate, opts=options), inputs),
        }
        if trace:
            runners["read"] = cycling(read_trace, inputs)
        measured = measure_side_by_side(runners, seconds)
        ratio = measured["zen"] / measured["brickwork"]
        ratios.append(ratio)
        extra = f"{measured['read']:>18.1f}" if trace else f"{'':>18}"
        print(f"{label:<12}{mode:<7}{measured['brickwork']:>13.1f}{measured['zen']:>10.1f}"
              f"{ratio:>8.1f}x{measured['zen decision']:>15.1f}"
              f"{measured['zen decision'] / measured['brickwork']:>8.1f}x{extra}")  # fmt: skip
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per table and mode")
    args = parser.parse_args()
    try:
        import zen
    except ImportError:
        sys.exit("zen-engine is not installed: pip install -r benchmarks/requirements-rules.txt")
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"load before: {load}")
    header = (f"{'table':<12}{'mode':<7}{'brickwork us':>13}{'zen us':>10}{'ratio':>9}"
              f"{'zen decision':>15}{'ratio':>9}{'bw trace+read us':>18}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for label, count, step in (("50 x 3", 50, 2000), ("3,000 x 3", 3000, 100)):
        run_table(label, count, step, args.seconds, zen)
    big = brickwork_spec(table_rows(3000, 100))
    print(f"compile of the 3,000-rule table: {compile_seconds(big) * 1000:.0f} ms (median of 5)")
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"load after: {load}")


if __name__ == "__main__":
    main()
