"""Every design problem of a flow says what it says in Simplified Chinese too, so a Chinese
analyst in the flow designer never meets an English-only problem: the engine builds each
`FlowProblem` with its Chinese text, from an entry of `DESIGN_MESSAGES` whose two languages use
the same fields; a new problem without one fails here."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from brickwork.engines.bilingual import Words
from brickwork.engines.flow import design_messages
from brickwork.engines.flow.design_messages import DESIGN_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
FLOW = ROOT / "src" / "brickwork" / "engines" / "flow"
CJK = re.compile(r"[\u4e00-\u9fff]")
BUILDERS = {"design_problem": 2, "problem": 2, "_problem": 1, "phrase": 0}
"""The functions that say an entry of `DESIGN_MESSAGES` -> the position of its key."""


def _name(call: ast.Call) -> str:
    return getattr(call.func, "id", getattr(call.func, "attr", ""))


def _calls() -> list[tuple[str, ast.Call]]:
    """Every call in the flow engine, with where it is."""
    found = []
    for path in sorted(FLOW.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def _keys(argument: ast.expr) -> list[str] | None:
    """The entries a key argument names: a literal, or a choice between literals."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return [argument.value]
    if isinstance(argument, ast.IfExp):
        body, orelse = _keys(argument.body), _keys(argument.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def said() -> list[tuple[str, str, set[str] | None]]:
    """(where, entry key, the parameters passed or None for `**params`) of every use of an
    entry; a key that is not literal is reported as `?` plus its source, unless the call only
    passes on its caller's key and parameters (`_problem`)."""
    found = []
    for where, call in _calls():
        position = BUILDERS.get(_name(call))
        if position is None or len(call.args) <= position:
            continue
        keywords = {kw.arg for kw in call.keywords}
        passed = None if None in keywords else {k for k in keywords if k is not None}
        keys = _keys(call.args[position])
        if keys is None and passed is None:
            continue
        if keys is None:
            found.append((where, "?" + ast.unparse(call.args[position]), passed))
        found += [(where, key, passed) for key in keys or ()]
    return found


def test_every_flow_problem_is_built_with_its_chinese_text() -> None:
    english_only = [
        where
        for where, call in _calls()
        if _name(call) == "FlowProblem"
        and not {"zh_cn", None} & {kw.arg for kw in call.keywords}  # `**` may carry it
    ]
    assert english_only == []


def test_every_problem_the_engine_says_is_in_the_catalog_and_every_entry_is_said() -> None:
    uses = said()
    assert len(uses) > 60
    assert [(where, key) for where, key, _ in uses if key not in DESIGN_MESSAGES] == []
    assert set(DESIGN_MESSAGES) - {key for _, key, _ in uses} == set()


def test_every_problem_is_given_the_fields_its_sentences_use() -> None:
    """A field left out would fail the check with a KeyError instead of naming the problem."""
    missing = []
    for where, key, passed in said():
        if key not in DESIGN_MESSAGES or passed is None:
            continue
        message, hint = DESIGN_MESSAGES[key]
        wanted = set().union(*(_fields(t) for t in (*message, *(hint or ()))))
        if wanted - passed:
            missing.append((where, key, sorted(wanted - passed)))
    assert missing == []


@pytest.mark.parametrize("key", sorted(DESIGN_MESSAGES))
def test_both_languages_of_a_problem_use_the_same_fields(key: str) -> None:
    message, hint = DESIGN_MESSAGES[key]
    for zh, en in (message, *([hint] if hint else [])):
        assert _fields(zh) == _fields(en)
        assert CJK.search(zh), f"{key}: the Chinese sentence is not Chinese: {zh}"
        assert not CJK.search(en), f"{key}: the English sentence holds Chinese: {en}"


def test_every_word_a_problem_passes_is_chinese_in_chinese() -> None:
    constants = {k: v for k, v in vars(design_messages).items() if k.isupper()}
    words = [
        (name, value)
        for name, table in constants.items()
        if isinstance(table, dict) and name != "DESIGN_MESSAGES"
        for value in table.values()
    ]
    words += [(name, value) for name, value in constants.items() if isinstance(value, Words)]
    assert len(words) > 20
    assert all(isinstance(value, Words) for _, value in words)
    assert [(name, value) for name, value in words if not CJK.search(value.zh_cn)] == []
    assert [(name, value) for name, value in words if CJK.search(value.en)] == []
