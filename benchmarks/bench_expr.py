"""Brickwork expressions against simpleeval, rule-engine and zen-engine, in one process.

Run: `.venv/bin/pip install -r benchmarks/requirements-expr.txt` once, then
`.venv/bin/python benchmarks/bench_expr.py [--seconds 1.0]`.

Each engine compiles (or pre-parses) the expression once and is then timed on evaluation only,
with its own natural input (zen-engine does not accept `Decimal`, so it gets ints/floats; the
others get `Decimal`). Brickwork is timed through its public API, `CompiledExpression.evaluate`,
which returns an `Evaluation(value, diagnostics)`. The best of several rounds is reported.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import compile_expression

SCREENING = {
    "brickwork": 'amount > 50000 and channel = "cash" and country in ("IR", "KP")',
    "simpleeval": 'amount > 50000 and channel == "cash" and country in ("IR", "KP")',
    "rule-engine": 'amount > 50000 and channel == "cash" and country in ["IR", "KP"]',
    "zen-engine": 'amount > 50000 and channel == "cash" and country in ["IR", "KP"]',
}
FORMULA = "(a + b + c) * d - e * f + g * h - i + j * 2"
FORMULA_NAMES = "abcdefghij"

Runner = Callable[[], Any]


def _rows() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    screening = {"amount": Decimal("60000.50"), "channel": "cash", "country": "KP"}
    screening_plain = {"amount": 60000.5, "channel": "cash", "country": "KP"}
    numbers = {n: Decimal(f"{i + 1}.25") for i, n in enumerate(FORMULA_NAMES)}
    numbers_plain = {n: float(v) for n, v in numbers.items()}
    return screening, screening_plain, numbers, numbers_plain


def brickwork(source: str, row: dict[str, Any]) -> Runner:
    compiled = compile_expression(source)
    evaluate = compiled.evaluate
    return lambda: evaluate(row)


def simpleeval_runner(source: str, row: dict[str, Any]) -> Runner | None:
    try:
        from simpleeval import EvalWithCompoundTypes
    except ImportError:
        return None
    evaluator = EvalWithCompoundTypes(names=row)
    parsed = evaluator.parse(source)
    return lambda: evaluator.eval(source, previously_parsed=parsed)


def rule_engine_runner(source: str, row: dict[str, Any]) -> Runner | None:
    try:
        import rule_engine
    except ImportError:
        return None
    rule = rule_engine.Rule(source)
    return lambda: rule.evaluate(row)


def zen_runner(source: str, row: dict[str, Any]) -> Runner | None:
    try:
        import zen
    except ImportError:
        return None
    compiled = zen.compile_expression(source)
    return lambda: compiled.evaluate(row)


def zen_uncompiled_runner(source: str, row: dict[str, Any]) -> Runner | None:
    try:
        import zen
    except ImportError:
        return None
    return lambda: zen.evaluate_expression(source, row)


def measure(run: Runner, seconds: float, rounds: int = 5) -> float:
    """Best evaluations per second over `rounds` rounds of about `seconds / rounds` each."""
    run()
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            run()
        elapsed = time.perf_counter() - start
        if elapsed > 0.05:
            break
        batch *= 2
    per_round = max(1, int(batch * (seconds / rounds) / elapsed))
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            run()
        best = max(best, per_round / (time.perf_counter() - start))
    return best


def _table(title: str, results: dict[str, float]) -> None:
    ours = results["brickwork"]
    print(f"\n{title}")
    print(f"{'engine':<28}{'evals/s':>14}{'brickwork is':>16}")
    print("-" * 58)
    for name, rate in sorted(results.items(), key=lambda item: -item[1]):
        ratio = "-" if name == "brickwork" else f"{ours / rate:.2f}x"
        print(f"{name:<28}{rate:>14,.0f}{ratio:>16}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per engine and case")
    seconds = parser.parse_args().seconds
    screening, screening_plain, numbers, numbers_plain = _rows()
    cases = {
        "screening: " + SCREENING["brickwork"]: {
            "brickwork": brickwork(SCREENING["brickwork"], screening),
            "simpleeval": simpleeval_runner(SCREENING["simpleeval"], screening),
            "rule-engine": rule_engine_runner(SCREENING["rule-engine"], screening),
            "zen-engine (compiled)": zen_runner(SCREENING["zen-engine"], screening_plain),
            "zen-engine (evaluate_expression)": zen_uncompiled_runner(
                SCREENING["zen-engine"], screening_plain
            ),
        },
        "10-term Decimal formula: " + FORMULA: {
            "brickwork": brickwork(FORMULA, numbers),
            "simpleeval": simpleeval_runner(FORMULA, numbers),
            "rule-engine": rule_engine_runner(FORMULA, numbers),
            "zen-engine (compiled)": zen_runner(FORMULA, numbers_plain),
            "zen-engine (evaluate_expression)": zen_uncompiled_runner(FORMULA, numbers_plain),
        },
    }
    for title, runners in cases.items():
        results = {name: measure(run, seconds) for name, run in runners.items() if run is not None}
        missing = [name for name, run in runners.items() if run is None]
        _table(title, results)
        if missing:
            print(f"(not installed: {', '.join(missing)})")


if __name__ == "__main__":
    main()
