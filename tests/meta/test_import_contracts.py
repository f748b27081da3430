"""import-linter keeps engines pure and the platform's areas layered; prove the contracts bite on
a copy with a bad import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def run_lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_contracts_hold_on_the_real_tree() -> None:
    result = run_lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Engines are pure" in result.stdout


def tree_with_import(tmp_path: Path, module: str, imported: str) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    source = copy / "src" / Path(*module.split(".")).with_suffix(".py")
    if not source.exists():
        source = source.with_suffix("") / "__init__.py"
    source.write_text(source.read_text() + f"\nimport {imported}  # noqa: F401\n")
    return copy


@pytest.mark.parametrize(
    ("module", "imported", "contract"),
    [
        ("brickwork.engines.form", "sqlalchemy", "Engines are pure"),
        ("brickwork.engines.identifiers.result", "brickwork.engines.form.problems", "Identifier"),
        ("brickwork.engines.expr.functions", "brickwork.engines.form.problems", "The expression"),
        ("brickwork.platform.api.errors", "brickwork.platform.metadata.validation", "Plumbing"),
        ("brickwork.platform.db.session", "brickwork.platform.records.layout", "Plumbing"),
        ("brickwork.platform.auth.policy", "brickwork.platform.metadata.schemas", "Areas"),
        ("brickwork.platform.audit.service", "brickwork.platform.auth.permissions", "Areas"),
        ("brickwork.platform.crypto.cipher", "brickwork.platform.records.layout", "Areas"),
    ],
)
def test_a_bad_import_breaks_its_contract(
    tmp_path: Path, module: str, imported: str, contract: str
) -> None:
    result = run_lint_imports(tree_with_import(tmp_path, module, imported))
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert [line for line in broken if line.startswith(contract)], result.stdout
    assert f"{module} -> {imported}" in result.stdout
