"""Brickwork expressions against simpleeval, rule-engine and zen-engine, in one process.

Run: `.venv/bin/pip install -r benchmarks/requirements-expr.txt` once, then
`.venv/bin/python benchmarks/bench_expr.py [--seconds 0.3]`.

Evaluation: every case is written idiomatically for each engine and evaluated against the same
row, decoded with `json.loads` from JSON text as rows really arrive (ints and floats for numbers,
strings for dates). Each engine compiles (or pre-parses) once and is then timed on evaluation
only; the best of several rounds is reported, the rounds of all engines on a case interleaved so
that load on a shared machine hits them alike. Brickwork is timed through its public API,
`compile_expression(...).evaluate(row)`, which returns an `Evaluation(value, diagnostics)`; the
`bw Decimal` column is Brickwork on the same row decoded with Decimal numbers, for reference.
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
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from brickwork.engines.expr import Scope, compile_expression, compile_unary_tests

ROW_JSON = """{
  "amount": 60000.5, "channel": "cash", "country": "KP", "branch": 318,
  "name": "Acme Trading Ltd", "code": "CN-001", "price": 19.995, "qty": 3,
  "items": [120.5, 80.25, 45, 300.1], "opened": "2024-01-15", "due": "2024-03-01",
  "age": 42, "score": 718, "income": 85000, "debt": 21000.75, "pep": false,
  "segment": "retail", "risk": "medium",
  "a": 1.25, "b": 2.25, "c": 3.25, "d": 4.25, "e": 5.25, "f": 6.25, "g": 7.25, "h": 8.25,
  "i": 9.25, "j": 10.25
}"""

ENGINES = ("brickwork", "zen-engine", "rule-engine", "simpleeval")


@dataclass(frozen=True)
class Case:
    """One case, as each engine writes it; a peer's entry starting with `-` says why it is
    skipped."""

    name: str
    brickwork: str
    zen: str
    rule: str
    simple: str


FORMULA = "(a + b + c) * d - e * f + g * h - i + j * 2"
NESTED_IF_BW = (
    'if score >= 750 then "A" else if score >= 700 then "B" else if score >= 650 then "C" else "D"'
)
NESTED_IF_PYTHON = '"A" if score >= 750 else "B" if score >= 700 else "C" if score >= 650 else "D"'
NESTED_IF_TERNARY = 'score >= 750 ? "A" : score >= 700 ? "B" : score >= 650 ? "C" : "D"'

CASES: tuple[Case, ...] = (
    Case(
        "in list of strings",
        'country in ("IR", "KP", "SY")',
        'country in ["IR", "KP", "SY"]',
        'country in ["IR", "KP", "SY"]',
        'country in ("IR", "KP", "SY")',
    ),
    Case(
        "in list of numbers",
        "branch in [101, 205, 318, 420]",
        "branch in [101, 205, 318, 420]",
        "branch in [101, 205, 318, 420]",
        "branch in (101, 205, 318, 420)",
    ),
    Case(
        "upper case",
        "upper case(name)",
        "upper(name)",
        "name.as_upper",
        "name.upper()",
    ),
    Case(
        "contains(lower case)",
        'contains(lower case(name), "trading")',
        'contains(lower(name), "trading")',
        '"trading" in name.as_lower',
        '"trading" in name.lower()',
    ),
    Case(
        "starts with",
        'starts with(code, "CN")',
        'startsWith(code, "CN")',
        'code.starts_with("CN")',
        'code.startswith("CN")',
    ),
    Case(
        "substring",
        "substring(code, 1, 2)",
        "code[0:2]",
        "code[0:2]",
        "code[0:2]",
    ),
    Case(
        "string length",
        "string length(name) > 10",
        "len(name) > 10",
        "name.length > 10",
        "len(name) > 10",
    ),
    Case(
        "concatenation",
        'code + "/" + name',
        'code + "/" + name',
        'code + "/" + name',
        'code + "/" + name',
    ),
    Case("sum of a list", "sum(items)", "sum(items)", "$sum(items)", "sum(items)"),
    Case(
        "ROUND of a product",
        "round half up(price * qty, 2)",
        "round(price * qty, 2)",
        "(price * qty * 100 + 0.5).floor / 100",  # no rounding function: floor of +0.5
        "round(price * qty, 2)",
    ),
    Case(
        "date difference (days)",
        "(date(due) - date(opened)).days",
        'd(due).diff(d(opened), "day")',
        "($parse_datetime(due) - $parse_datetime(opened)).days",
        "(date(due) - date(opened)).days",
    ),
    Case(
        "date + duration < date",
        'date(opened) + duration("P30D") < date(due)',
        'd(opened).add(30, "d") < d(due)',
        '$parse_datetime(opened) + t"P30D" < $parse_datetime(due)',
        "date(opened) + timedelta(days=30) < date(due)",
    ),
    Case(
        "date comparison",
        'date(opened) >= date("2024-01-01") and date(opened) < date(due)',
        'd(opened) >= d("2024-01-01") and d(opened) < d(due)',
        '$parse_datetime(opened) >= d"2024-01-01" and $parse_datetime(opened) '
        "< $parse_datetime(due)",
        'date(opened) >= date("2024-01-01") and date(opened) < date(due)',
    ),
    Case("nested if", NESTED_IF_BW, NESTED_IF_TERNARY, NESTED_IF_TERNARY, NESTED_IF_PYTHON),
    Case(
        "screening rule",
        'amount > 50000 and channel = "cash" and country in ("IR", "KP")',
        'amount > 50000 and channel == "cash" and country in ["IR", "KP"]',
        'amount > 50000 and channel == "cash" and country in ["IR", "KP"]',
        'amount > 50000 and channel == "cash" and country in ("IR", "KP")',
    ),
    Case(
        "credit rule",
        "age >= 18 and income > 30000 and debt / income < 0.4 and not(pep)",
        "age >= 18 and income > 30000 and debt / income < 0.4 and not pep",
        "age >= 18 and income > 30000 and debt / income < 0.4 and not pep",
        "age >= 18 and income > 30000 and debt / income < 0.4 and not pep",
    ),
    Case("10-term formula", FORMULA, FORMULA, FORMULA, FORMULA),
    Case(
        "between",
        "amount between 10000 and 100000",
        "amount in [10000..100000]",
        "amount >= 10000 and amount <= 100000",
        "10000 <= amount <= 100000",
    ),
    Case(
        "decision-table cells",
        'segment = "retail" and age >= 18 and age < 65 and score in [650..800] '
        'and risk in ("low", "medium")',
        'segment == "retail" and age >= 18 and age < 65 and score in [650..800] '
        'and risk in ["low", "medium"]',
        'segment == "retail" and age >= 18 and age < 65 and score >= 650 and score <= 800 '
        'and risk in ["low", "medium"]',
        'segment == "retail" and 18 <= age < 65 and 650 <= score <= 800 '
        'and risk in ("low", "medium")',
    ),
)

Runner = Callable[[], Any]


def brickwork_runner(source: str, row: dict[str, Any]) -> Runner:
    evaluate = compile_expression(source).evaluate
    result = evaluate(row)
    if result.diagnostics:
        raise AssertionError(f"{source}: {result.diagnostics}")
    return lambda: evaluate(row)


def zen_runner(source: str, row: dict[str, Any]) -> Runner | None:
    try:
        import zen
    except ImportError:
        return None
    compiled = zen.compile_expression(source)
    return lambda: compiled.evaluate(row)


def rule_engine_runner(source: str, row: dict[str, Any]) -> Runner | None:
    try:
        import rule_engine
    except ImportError:
        return None
    rule = rule_engine.Rule(source)
    return lambda: rule.evaluate(row)


SIMPLEEVAL_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "sum": sum,
    "round": round,
    "date": date.fromisoformat,
    "timedelta": timedelta,
}


def simpleeval_runner(source: str, row: dict[str, Any]) -> Runner | None:
    try:
        from simpleeval import EvalWithCompoundTypes
    except ImportError:
        return None
    evaluator = EvalWithCompoundTypes(names=row, functions=SIMPLEEVAL_FUNCTIONS)
    parsed = evaluator.parse(source)
    return lambda: evaluator.eval(source, previously_parsed=parsed)


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


def _per_round(run: Runner, seconds: float) -> int:
    """How many evaluations take about `seconds`."""
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
    """Best microseconds per evaluation of each runner, the rounds of all runners interleaved
    (one round of each in turn), so a load spike on a shared machine hits them alike."""
    sizes = {name: _per_round(run, seconds / rounds) for name, run in runners.items()}
    best = dict.fromkeys(runners, math.inf)
    for _ in range(rounds):
        for name, run in runners.items():
            count = sizes[name]
            start = time.perf_counter()
            for _ in range(count):
                run()
            best[name] = min(best[name], (time.perf_counter() - start) / count)
    return {name: value * 1e6 for name, value in best.items()}


def _peer(make: Callable[[str, dict[str, Any]], Runner | None], source: str,
          row: dict[str, Any]) -> Runner | str:  # fmt: skip
    if source.startswith("-"):
        return source[1:].strip()
    runner = make(source, row)
    return "not installed" if runner is None else runner


def _geomean(ratios: list[float]) -> float:
    return math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else math.nan


def evaluation_section(seconds: float) -> None:
    row = json.loads(ROW_JSON)
    decimal_row = json.loads(ROW_JSON, parse_float=Decimal, parse_int=Decimal)
    header = (f"{'case':<26}{'brickwork':>10}{'bw Decimal':>11}{'zen':>9}{'rule-eng':>10}"
              f"{'simpleeval':>11}{'vs zen':>8}{'vs rule':>9}")  # fmt: skip
    print(
        "\nEvaluation, µs per evaluation (best of 15 interleaved rounds); ratio = peer / brickwork"
    )
    print(header)
    print("-" * len(header))
    vs_zen: dict[str, float] = {}
    vs_rule: dict[str, float] = {}
    skipped: list[str] = []
    for case in CASES:
        runners = {
            "brickwork": brickwork_runner(case.brickwork, row),
            "bw Decimal": brickwork_runner(case.brickwork, decimal_row),
        }
        for engine, make, source in (
            ("zen-engine", zen_runner, case.zen),
            ("rule-engine", rule_engine_runner, case.rule),
            ("simpleeval", simpleeval_runner, case.simple),
        ):
            runner = _peer(make, source, row)
            if isinstance(runner, str):
                skipped.append(f"{case.name} / {engine}: {runner}")
            else:
                runners[engine] = runner
        measured = measure_side_by_side(runners, seconds)
        ours, ours_decimal = measured["brickwork"], measured["bw Decimal"]
        times: dict[str, float | None] = {
            engine: measured.get(engine) for engine in ("zen-engine", "rule-engine", "simpleeval")
        }
        zen_time, rule_time = times["zen-engine"], times["rule-engine"]
        if zen_time is not None:
            vs_zen[case.name] = zen_time / ours
        if rule_time is not None:
            vs_rule[case.name] = rule_time / ours
        cells = "".join(
            f"{'-' if t is None else f'{t:.2f}':>{w}}"
            for t, w in ((zen_time, 9), (rule_time, 10), (times["simpleeval"], 11))
        )
        ratio_zen = f"{vs_zen[case.name]:.2f}x" if case.name in vs_zen else "-"
        ratio_rule = f"{vs_rule[case.name]:.2f}x" if case.name in vs_rule else "-"
        print(f"{case.name:<26}{ours:>10.2f}{ours_decimal:>11.2f}{cells}"
              f"{ratio_zen:>8}{ratio_rule:>9}")  # fmt: skip
    print("-" * len(header))
    print(f"{'geometric mean':<75}{_geomean(list(vs_zen.values())):>7.2f}x"
          f"{_geomean(list(vs_rule.values())):>8.2f}x")  # fmt: skip
    for label, ratios in (("zen-engine", vs_zen), ("rule-engine", vs_rule)):
        if ratios:
            worst = min(ratios, key=ratios.__getitem__)
            print(f"worst case vs {label}: {worst} ({ratios[worst]:.2f}x)")
    for line in skipped:
        print(f"skipped: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.3, help="time per engine and case")
    parser.add_argument("--compile-only", action="store_true", help="only the compile table")
    options = parser.parse_args()
    if not options.compile_only:
        evaluation_section(options.seconds)
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
