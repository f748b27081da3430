"""Every stable error code raised by the platform is listed in docs/api-errors.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "src" / "brickwork" / "jsonio.py",
    ROOT / "src" / "brickwork" / "cli.py",
    *sorted((ROOT / "src" / "brickwork" / "platform").rglob("*.py")),
]
CODE_TABLES = {"KEYWORD_CODES", "PYDANTIC_CODES", "HTTP_CODES"}
CODE = re.compile(r"^[a-z][a-z0-9_]+$")


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def _codes_in_call(node: ast.Call) -> set[str]:
    codes = {_string(kw.value) for kw in node.keywords if kw.arg == "code"}
    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
    if name == "ErrorItem" and len(node.args) >= 2:
        codes.add(_string(node.args[1]))
    if name == "problem" and len(node.args) >= 2:
        codes.add(_string(node.args[1]))
    if name == "JsonError" and node.args:
        codes.add(_string(node.args[0]))
    return {c for c in codes if c}


def _codes_in_table(node: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = {getattr(t, "id", "") for t in targets}
    if not names & CODE_TABLES or not isinstance(node.value, ast.Dict):
        return set()
    codes: set[str] = set()
    for value in node.value.values:
        first = value.elts[0] if isinstance(value, ast.Tuple) else value
        code = _string(first)
        if code:
            codes.add(code)
    return codes


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                codes |= _codes_in_call(node)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                codes |= _codes_in_table(node)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(getattr(t, "id", "") == "code" for t in targets):
                    codes |= {c for c in [_string(node.value)] if c}
    return codes


def test_every_error_code_is_documented() -> None:
    documented = set(
        re.findall(
            r"`([a-z][a-z0-9_]+)`", (ROOT / "docs" / "api-errors.md").read_text(encoding="utf-8")
        )
    )
    codes = raised_codes()
    assert len(codes) > 30
    assert sorted(codes - documented) == []
