"""docs/rules.md: its JSON examples compile, and its worked examples give the results its
tables show (the tables are read from the document)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from brickwork.engines.rules import compile_model, compile_table

DOC = Path(__file__).resolve().parents[4] / "docs" / "rules.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n#", start + len(title))
    return text[start : end if end != -1 else len(text)]


def _json_blocks(text: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]


def _rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return [row for row in cells[1:] if not set(row[0]) <= {"-"}]


def _cell(text: str) -> Any:
    text = re.sub(r"\s*\(.*\)$", "", text).replace("**", "").strip("`").strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return actual == Decimal(str(expected))
    return bool(actual == expected)


def test_format_examples_compile() -> None:
    (model,) = _json_blocks(_section("## 1. The JSON form"))
    assert compile_model(model).evaluate(None, {"Age": 12}).value == "minor"
    (table,) = _json_blocks(_section("## 2. Decision tables"))
    compiled = compile_table(table, {"Age": "number"})
    assert compiled.evaluate(None, {"Age": 30}).value == "adult"
    assert compiled.evaluate(None, {"Age": 200}).value is None


def test_risk_rating_example() -> None:
    section = _section("### 6.1")
    (spec,) = _json_blocks(section)
    model = compile_model(spec)
    rows = _rows(section.split("```")[-1])
    assert len(rows) == 4
    for age, country, income, pep, country_risk, rating, matched in rows:
        inputs = {"Age": _cell(age), "Country": _cell(country),
                  "Annual Income": _cell(income), "PEP": _cell(pep)}  # fmt: skip
        result = model.evaluate(None, inputs, trace=True)
        assert result.ok, result.diagnostics
        assert result.decisions == {
            "Country risk": _cell(country_risk),
            "Risk rating": _cell(rating),
        }
        assert result.trace is not None
        table = result.trace[-1].tables[0]
        assert ", ".join(table.matched_rules) == matched


def test_commission_example() -> None:
    section = _section("### 6.2")
    (spec,) = _json_blocks(section)
    model = compile_model(spec)
    rows = _rows(section.split("```")[-1])
    assert len(rows) == 3
    for volume, product, clients, commission, points in rows:
        inputs = {"Sales volume": _cell(volume), "Product": _cell(product),
                  "New clients": _cell(clients)}  # fmt: skip
        result = model.evaluate(None, inputs)
        assert result.ok, result.diagnostics
        assert _same(result.value["Commission"], _cell(commission))
        assert _same(result.value["Bonus points"], _cell(points))


def test_every_decision_code_is_documented() -> None:
    sources = (DOC.parents[1] / "src" / "brickwork" / "engines" / "rules").glob("*.py")
    codes = {
        code for path in sources for code in re.findall(r'"(E_DMN_[A-Z_]+)"', path.read_text())
    }
    assert len(codes) > 20
    reference = _section("## 7. Error codes")
    api_errors = (DOC.parent / "api-errors.md").read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in reference) == []
    assert sorted(c for c in codes if f"`{c}`" not in api_errors) == []
