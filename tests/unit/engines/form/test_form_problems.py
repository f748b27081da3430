"""The table of problem codes: stable names, both languages, matching placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from brickwork.engines.form.problems import (
    EXPECTED,
    LOCALES,
    MESSAGES,
    WARNINGS,
    Problem,
    pointer_token,
    problem,
    without_values,
    wrong_type,
)

SOURCE = Path(__file__).resolve().parents[4] / "src" / "brickwork" / "engines" / "form"
CODE = re.compile(r"^[a-z][a-z0-9_]+$")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_two_messages_with_the_same_fields(code: str) -> None:
    zh_cn, en = MESSAGES[code]
    assert CODE.match(code)
    assert zh_cn.strip()
    assert en.strip()
    assert _fields(zh_cn) == _fields(en)
    assert re.search(r"[\u4e00-\u9fff]", zh_cn), "the zh-CN message should be Chinese"


def test_every_code_used_in_the_engine_is_in_the_table() -> None:
    used: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"problem\(\s*\"([a-z0-9_]+)\"", text))
    assert used, "the scan found nothing"
    assert sorted(used - set(MESSAGES)) == []


def test_warnings_are_known_codes() -> None:
    assert set(MESSAGES) >= WARNINGS


def test_problem_renders_parameters_in_both_languages() -> None:
    found = problem("money_scale", currency="CNY", scale=2, pointer="/amount")
    assert found == Problem(
        "money_scale",
        "CNY 金额最多 2 位小数",
        "CNY amounts allow at most 2 decimal places",
        "/amount",
    )
    assert found.message("en") == found.en
    assert found.message("zh-CN") == found.zh_cn
    assert [found.message(locale) for locale in LOCALES] == [found.zh_cn, found.en]


def test_unknown_codes_fail_loudly() -> None:
    with pytest.raises(KeyError):
        problem("no_such_code")


@pytest.mark.parametrize("expected", sorted(EXPECTED))
def test_wrong_type_names_the_type_per_language(expected: str) -> None:
    found = wrong_type(expected, pointer="/0")
    assert found.code == "value_type"
    assert EXPECTED[expected].en in found.en
    assert EXPECTED[expected].zh_cn in found.zh_cn
    assert found.pointer == "/0"


def test_pointers_compose_and_escape() -> None:
    assert problem("too_long", limit=3).under("/rows/0").pointer == "/rows/0"
    assert pointer_token("a/b~c") == "/a~1b~0c"
    assert pointer_token(3) == "/3"


def test_without_values_drops_an_expressions_details_only() -> None:
    failed = problem("expression_failed", pointer="/a", property="expression", detail='"6222" x')
    quiet = without_values(failed)
    assert (quiet.code, quiet.pointer) == ("expression_failed", "/a")
    assert "6222" not in quiet.zh_cn + quiet.en
    assert quiet.zh_cn != failed.zh_cn
    other = problem("validation_warning", pointer="/b", message="m")
    assert without_values(other) is other
