"""docs/expressions.md stays complete and current with the function registry."""

from __future__ import annotations

from pathlib import Path

from brickwork.engines.expr import REGISTRY
from brickwork.engines.expr.docgen import BEGIN, END, render_functions, replace_block
from brickwork.engines.expr.limits import DEFAULT_LIMITS

DOC = Path(__file__).resolve().parents[4] / "docs" / "expressions.md"


def _block() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)]


def test_generated_function_reference_is_current() -> None:
    assert _block().strip() == render_functions().strip(), (
        "docs/expressions.md is stale: run `python -m brickwork.engines.expr.docgen`"
    )


def test_every_registered_function_is_documented() -> None:
    block = _block()
    missing = [spec.name for spec in REGISTRY.specs if f"#### `{spec.name}`" not in block]
    assert not missing, f"undocumented functions: {missing}"
    for spec in REGISTRY.specs:
        for alias in spec.aliases:
            assert f"`{alias}`" in block, alias


def test_replace_block_is_idempotent() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert replace_block(text, render_functions()) == text


def test_limits_table_matches_the_defaults() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"| nesting depth / 嵌套深度 | {DEFAULT_LIMITS.max_depth} |" in text
    assert f"{DEFAULT_LIMITS.max_list_size:,} elements" in text
