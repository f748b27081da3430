"""The form engine stays pure: no I/O libraries, no clock, no randomness, no floats, no round().

import-linter checks the layer contracts for the whole package; this test adds the rules about
calls that a contract cannot see.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINES = Path(__file__).resolve().parents[4] / "src" / "brickwork" / "engines"
PACKAGE = ENGINES / "form"
IDENTIFIERS = ENGINES / "identifiers"
"""The identifier checks the form engine uses (a package of their own, shared with expressions)."""
SOURCES = sorted(PACKAGE.rglob("*.py")) + sorted(IDENTIFIERS.rglob("*.py"))
FORBIDDEN_IMPORTS = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "httpx",
    "brickwork.platform",
    "brickwork.settings",
    "brickwork.app",
    "brickwork.cli",
    "os",
    "random",
    "secrets",
    "time",
    "uuid",
    "socket",
    "subprocess",
)
FORBIDDEN_CALLS = {"float", "round", "eval", "exec", "compile", "open", "input", "print"}
FORBIDDEN_METHODS = {"now", "today", "utcnow", "fromtimestamp", "utcfromtimestamp"}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_scan_sees_the_package() -> None:
    assert len(SOURCES) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ENGINES)))
def test_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name in _imports(tree):
        assert not any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IMPORTS), name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{node.func.id}() at line {node.lineno}"
        if isinstance(node.func, ast.Attribute):
            assert node.func.attr not in FORBIDDEN_METHODS, f".{node.func.attr}() at {node.lineno}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ENGINES)))
def test_module_opens_with_a_docstring(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, "every engine module says what it is and what it must not do"
    words = " ".join(docstring.split())
    assert "must not" in words or "never" in words or "Nothing" in words
