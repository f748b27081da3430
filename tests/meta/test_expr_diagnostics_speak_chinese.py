"""Every diagnostic of the expression language says what it says in Simplified Chinese too, so
an analyst typing a formula in Chinese never meets an English-only error: each place in the
engine that makes a diagnostic (or an error that becomes one) passes its Chinese text (`zh_cn`,
and `hint_zh_cn` beside a hint), written in Chinese rather than copied or left empty. A new
diagnostic without one fails here (the type checker refuses it too: `zh_cn` is required)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPR = ROOT / "src" / "brickwork" / "engines" / "expr"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,}")
CODE = re.compile(r"`[^`]*`")
"""Code quoted in a message (the same in both languages)."""
MAKERS = {"Diagnostic", "FunctionError", "OperatorError", "BindError", "EscapeError"}
"""What a diagnostic is made from: a call of one of these must say its Chinese."""
CHINESE = ("zh_cn", "hint_zh_cn")


def _name(call: ast.Call) -> str:
    return getattr(call.func, "id", getattr(call.func, "attr", ""))


def _calls() -> list[tuple[str, ast.Call]]:
    """Every call in the expression engine (library included), with where it is."""
    found = []
    for path in sorted(EXPR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def _literal_text(value: ast.expr) -> str | None:
    """The literal characters of a string or f-string argument (None for anything else)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.JoinedStr):
        return "".join(
            part.value
            for part in value.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    return None


def test_the_engine_makes_diagnostics_in_many_places() -> None:
    """The walk below sees the engine's code: it finds the makers (a vacuous pass is not one)."""
    made = [where for where, call in _calls() if _name(call) in MAKERS]
    assert len(made) > 120


def test_every_diagnostic_is_made_with_its_chinese() -> None:
    missing = [
        where
        for where, call in _calls()
        if _name(call) in MAKERS and not any(k.arg == "zh_cn" for k in call.keywords)
    ]
    assert missing == [], f"made without `zh_cn`: {missing}"


@pytest.mark.parametrize("keyword", CHINESE)
def test_the_chinese_is_written_in_chinese(keyword: str) -> None:
    """A literal Chinese text with words in it holds Chinese characters (not English copied
    over; `{name}：{detail}` joins two Chinese texts), and none is `None` (a sentence the engine
    writes is always known in Chinese)."""
    wrong = []
    for where, call in _calls():
        for argument in call.keywords:
            if argument.arg != keyword:
                continue
            if isinstance(argument.value, ast.Constant) and argument.value.value is None:
                wrong.append(f"{where}: None")
            text = _literal_text(argument.value)
            words = ENGLISH.search(CODE.sub("", text or ""))
            if text is not None and words and not CJK.search(text):
                wrong.append(f"{where}: {text!r}")
    assert wrong == []
