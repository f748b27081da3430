"""Every error the platform raises says what it says in Simplified Chinese too (`zh_cn`), so a
Chinese user of the web UI or of the API never meets an English-only refusal; a new raise
without one fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from brickwork.platform import errors

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "src" / "brickwork" / "platform"
ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.PlatformError)
}


def _name(call: ast.Call) -> str:
    return getattr(call.func, "id", getattr(call.func, "attr", ""))


def english_only() -> list[str]:
    found = []
    for path in sorted(PLATFORM.rglob("*.py")):
        if path == PLATFORM / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or _name(node) not in ERRORS:
                continue
            keywords = {kw.arg for kw in node.keywords}
            if "zh_cn" in keywords or None in keywords:  # `**options` may carry it
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {_name(node)}")
    return found


def test_every_platform_error_has_a_chinese_message() -> None:
    assert english_only() == []
