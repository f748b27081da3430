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
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import Scope, compile_expression, compile_unary_tests

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
    parser.add_argument("--compile-only", action="store_true", help="only the compile table")
    options = parser.parse_args()
    if options.compile_only:
        compile_benchmark()
        return
    seconds = options.seconds
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
    compile_benchmark()


# ---------------------------------------------------------------- compile time
# Parse + check + closure through the public API, per expression; the first compile of a fresh
# process is measured in a subprocess (after the import, which is reported on its own).

CELL_TARGET_US = 25.0
FORMULA_TARGET_US = 60.0
FIRST_COMPILE_TARGET_MS = 15.0
COMPILE_SCOPE = {
    "amount": "number",
    "price": "number",
    "qty": "number",
    "discount": "number",
    "name": "string",
    "code": "string",
    "channel": "string",
    "opened": "date",
    "items": "list<context>",
}
CELLS = [  # (cell, the field its column tests)
    ("< 100", "amount"),
    ("[1..10)", "amount"),
    ('"A","B","C"', "channel"),
    ('>= date("2024-01-01")', "opened"),
    ("-", "amount"),
    ("42", "amount"),
    ("[18..65)", "amount"),
    ('not("X", "Y")', "channel"),
    ("> 0", "amount"),
    ('"cash"', "channel"),
]
FORMULAS = [
    'if amount > 10000 then "high" else "low"',
    "round(price * qty * (1 - discount), 2)",
    "sum(items.amount)",
    'string length(name) > 3 and starts with(code, "KY")',
    "amount * 0.003",
    'amount > 50000 and channel = "cash"',
    "count(items[amount > 100]) > 2",
    'opened + @"P30D" < date("2025-12-31")',
]
_FIRST_COMPILE = """
import time
start = time.perf_counter()
from brickwork.engines.expr import Scope, compile_expression
imported = time.perf_counter()
compile_expression("if amount > 10000 then 1 else 2", Scope.of({"amount": "number"}))
done = time.perf_counter()
print((imported - start) * 1000, (done - imported) * 1000)
"""


def _median_us(run: Runner, count: int, rounds: int = 5) -> float:
    """The lowest, over `rounds`, of the median time of `count` calls (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        samples = []
        for _ in range(count):
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
        best = min(best, statistics.median(samples))
    return best * 1e6


def _fresh_process() -> tuple[float, float]:
    """Import and first-compile milliseconds of a new interpreter (best of three)."""
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_COMPILE], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append((float(out[0]), float(out[1])))
    return min(r[0] for r in runs), min(r[1] for r in runs)


def compile_benchmark(count: int = 300) -> None:
    scope = Scope.of(COMPILE_SCOPE)
    print("\nCompile (parse + check + closure), median µs per expression")
    print(f"{'case':<62}{'µs':>10}")
    print("-" * 72)
    cells = {}
    for cell, column in CELLS:
        column_type = scope.fields[column]
        cells[cell] = _median_us(
            lambda c=cell, t=column_type: compile_unary_tests(c, scope, input_type=t), count
        )
        print(f"{'cell: ' + cell:<62}{cells[cell]:>10.1f}")
    formulas = {}
    for formula in FORMULAS:
        formulas[formula] = _median_us(lambda f=formula: compile_expression(f, scope), count)
        print(f"{'formula: ' + formula:<62}{formulas[formula]:>10.1f}")
    imported, first = _fresh_process()
    cell_median = statistics.median(cells.values())
    formula_median = statistics.median(formulas.values())
    print("-" * 72)
    rows = [
        ("median of decision-table cells (µs)", cell_median, CELL_TARGET_US),
        ("median of form formulas (µs)", formula_median, FORMULA_TARGET_US),
        ("first compile in a fresh process (ms)", first, FIRST_COMPILE_TARGET_MS),
    ]
    for label, value, target in rows:
        verdict = "ok" if value <= target else "over"
        print(f"{label:<44}{value:>10.1f}  target <= {target:<6g}{verdict}")
    print(f"{'import of brickwork.engines.expr (ms)':<44}{imported:>10.1f}")


if __name__ == "__main__":
    main()
