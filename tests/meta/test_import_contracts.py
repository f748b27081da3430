"""import-linter keeps engines pure; prove the contract bites on a copy with a bad import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_an_engine_importing_sqlalchemy_breaks_the_contract(tmp_path: Path) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    engine = copy / "src" / "brickwork" / "engines" / "form" / "__init__.py"
    engine.write_text(engine.read_text() + "\nimport sqlalchemy  # noqa: F401\n")

    result = run_lint_imports(copy)
    assert result.returncode != 0
    assert "brickwork.engines.form -> sqlalchemy" in result.stdout
