"""Every problem the rules engine finds in a rule or a decision model says what it says in
Simplified Chinese too, and so does every error item the platform's rules area builds: a Chinese
analyst in the rule designer never meets an English-only problem. The engine says its problems
through two catalogs of (zh-CN, en) templates (`MESSAGES`, `XML_MESSAGES`); the source is walked
so that a problem built without a Chinese text, a key missing from a catalog, an entry nobody
says, or templates whose languages differ in their fields fail here."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from brickwork.engines.rules.dmn_xml import DmnXmlProblem
from brickwork.engines.rules.dmn_xml_messages import XML_MESSAGES
from brickwork.engines.rules.messages import MESSAGES, Pair
from brickwork.engines.rules.problems import ModelProblem
from brickwork.platform.errors import ErrorItem

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "src" / "brickwork" / "engines" / "rules"
PLATFORM = [
    *sorted((ROOT / "src" / "brickwork" / "platform" / "rules").glob("*.py")),
    ROOT / "src" / "brickwork" / "platform" / "web" / "rule_designer.py",
]
XML_MODULES = {"dmn_xml.py", "tck.py"}
"""Where `report` says an entry of `XML_MESSAGES` (elsewhere it is a decision's `State.report`)."""
CATALOGS = {"MESSAGES": MESSAGES, "XML_MESSAGES": XML_MESSAGES}
CJK = re.compile(r"[\u4e00-\u9fff]")
PROBLEM_TYPES = {cls.__name__: cls for cls in (ModelProblem, DmnXmlProblem)}
SAYERS = {"problem": 1, "report": 1, "xml_problem": 1, "phrase": 0}
"""The helpers that say a catalog entry, and where their key is among the positional args."""


def _name(call: ast.Call) -> str:
    return getattr(call.func, "id", getattr(call.func, "attr", ""))


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(ENGINE.glob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _has_chinese(call: ast.Call, position: int) -> bool:
    """Whether `call` passes `zh_cn` (by keyword, at `position`, or in `**options`)."""
    keywords = {kw.arg for kw in call.keywords}
    return "zh_cn" in keywords or None in keywords or len(call.args) > position


def _literals(node: ast.AST) -> set[str]:
    """The strings `node` can give (a dict's keys are not among them)."""
    if isinstance(node, ast.Dict):
        return set().union(*(_literals(value) for value in node.values))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    return set().union(*(_literals(child) for child in ast.iter_child_nodes(node)))


def _assigned(target: ast.AST, value: ast.AST, name: str) -> set[str]:
    if isinstance(target, ast.Name) and target.id == name:
        return _literals(value)
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        pairs = zip(target.elts, value.elts, strict=True)
        return set().union(*(_assigned(t, v, name) for t, v in pairs))
    return set()


def _keys(node: ast.expr, function: ast.FunctionDef) -> set[str]:
    """The catalog keys `node` (an argument inside `function`) can be: a literal, or a name
    assigned literals there; a parameter of `function` passed on says nothing itself."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    assert isinstance(node, ast.Name), ast.unparse(node)
    parameters = {a.arg for a in [*function.args.posonlyargs, *function.args.args]}
    if node.id in parameters:
        return set()
    found: set[str] = set()
    for sub in ast.walk(function):
        if isinstance(sub, ast.Assign):
            for target in sub.targets:
                found |= _assigned(target, sub.value, node.id)
    assert found, f"{function.name}: where does `{node.id}` come from?"
    return found


def _said_at(node: ast.AST, path: Path) -> tuple[str, ast.expr] | None:
    """The catalog and the key of the entry `node` says, if it says one: a call of a helper
    that says an entry, or `MESSAGES[key]`."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return (node.value.id, node.slice) if node.value.id in CATALOGS else None
    if isinstance(node, ast.Call) and _name(node) in SAYERS:
        xml = path.name in XML_MODULES and _name(node) in ("report", "xml_problem")
        return ("XML_MESSAGES" if xml else "MESSAGES"), node.args[SAYERS[_name(node)]]
    return None


def said() -> dict[str, set[str]]:
    """The keys the engine says, by catalog."""
    keys: dict[str, set[str]] = {catalog: set() for catalog in CATALOGS}
    for path, module in _modules():
        for function in ast.walk(module):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                found = _said_at(node, path)
                if found is not None:
                    keys[found[0]] |= _keys(found[1], function)
    return keys


def test_every_problem_the_rules_engine_builds_has_a_chinese_message() -> None:
    english_only = []
    for path, module in _modules():
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and _name(node) in PROBLEM_TYPES:
                names = [f.name for f in fields(PROBLEM_TYPES[_name(node)])]
                if not _has_chinese(node, names.index("zh_cn")):
                    english_only.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert english_only == []


def test_every_key_the_engine_says_is_in_its_catalog_and_every_entry_is_said() -> None:
    keys = said()
    assert keys["MESSAGES"] - set(MESSAGES) == set()  # a missing one would raise a KeyError
    assert keys["XML_MESSAGES"] - set(XML_MESSAGES) == set()
    assert set(MESSAGES) - keys["MESSAGES"] == set()
    assert set(XML_MESSAGES) - keys["XML_MESSAGES"] == set()


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


ENTRIES = [
    (f"{catalog}:{key}:{part}", pair)
    for catalog, table in CATALOGS.items()
    for key, (message, hint) in table.items()
    for part, pair in (("message", message), ("hint", hint))
    if pair is not None
]


@pytest.mark.parametrize(("entry", "pair"), ENTRIES, ids=[entry for entry, _ in ENTRIES])
def test_both_languages_of_an_entry_use_the_same_fields(entry: str, pair: Pair) -> None:
    zh, en = pair
    assert _fields(zh) == _fields(en)
    assert CJK.search(zh), f"{entry}: the Chinese template is not Chinese"
    assert not CJK.search(en), f"{entry}: the English template holds Chinese"


def test_every_error_item_of_the_rules_area_has_a_chinese_message() -> None:
    position = [f.name for f in fields(ErrorItem)].index("zh_cn")
    english_only = []
    for path in PLATFORM:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            item = isinstance(node, ast.Call) and _name(node) == "ErrorItem"
            if item and not _has_chinese(node, position):
                english_only.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert english_only == []
