"""Every problem of a report or dashboard definition says what it says in Simplified Chinese too,
so a Chinese analyst in the report designer never meets an English-only problem: the report
engine builds each from a sentence of its bilingual catalog (`problems.PROBLEMS`), and the
platform's report area gives each error item its Chinese text (`zh_cn`). A new problem written
as an English string, or an item without its Chinese, fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from brickwork.engines.report.problems import PROBLEMS

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "src" / "brickwork" / "engines" / "report"
PLATFORM = ROOT / "src" / "brickwork" / "platform" / "reports"

KEYED = {"problem": 2, "need": 2, "said": 0, "Unfit": 0}
"""Calls that name a sentence of the catalog, and the position of its key."""


def _name(call: ast.Call) -> str:
    return getattr(call.func, "id", getattr(call.func, "attr", ""))


def _calls(folder: Path) -> Iterator[tuple[Path, ast.Call]]:
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                yield path, node


def _keys(node: ast.expr) -> list[object]:
    """The literal keys an argument can be (`"a" if x else "b"` is two; none for a `key`
    parameter passed on, whose callers are checked in turn); None if not literal."""
    if isinstance(node, ast.IfExp):
        return _keys(node.body) + _keys(node.orelse)
    if isinstance(node, ast.Name) and node.id == "key":
        return []
    return [node.value if isinstance(node, ast.Constant) else None]


def _has_chinese(call: ast.Call) -> bool:
    keywords = {kw.arg for kw in call.keywords}
    return len(call.args) >= 4 or "zh_cn" in keywords


def english_only_problems() -> list[str]:
    found = []
    for path, call in _calls(ENGINE):
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        name = _name(call)
        if name == "ReportProblem" and not _has_chinese(call):
            found.append(f"{where} ReportProblem without zh_cn")
        position = KEYED.get(name)
        if position is None or len(call.args) <= position:
            continue
        for key in _keys(call.args[position]):
            if key not in PROBLEMS:
                found.append(f"{where} {name}: {key!r} is not a key of PROBLEMS")
    return found


def english_only_items() -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{call.lineno} ErrorItem"
        for path, call in _calls(PLATFORM)
        if _name(call) == "ErrorItem" and not _has_chinese(call)
    ]


def test_every_report_problem_is_a_sentence_of_the_bilingual_catalog() -> None:
    assert english_only_problems() == []


def test_every_error_item_of_the_report_area_has_a_chinese_text() -> None:
    assert english_only_items() == []


def test_the_walk_sees_the_problems_it_checks() -> None:
    """The walk is not vacuous: the compiler's problems and the platform's items are found."""
    named = [_name(call) for _, call in _calls(ENGINE)]
    assert named.count("problem") > 60
    assert sum(_name(call) == "ErrorItem" for _, call in _calls(PLATFORM)) > 15
