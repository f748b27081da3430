"""A report or dashboard that cannot be published says why in Chinese as well as in English: the
catalog is complete and consistent, every problem the compilers find carries its Chinese, and
the English sentences (the API's default) are the ones they always were."""

from __future__ import annotations

import ast
import re
import string
import typing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from brickwork.engines.report import (
    FieldInfo,
    FormInfo,
    ParameterError,
    ReportDefinitionError,
    ReportEnvironment,
    ReportProblem,
    ReportSignature,
    ReportSpec,
    compile_report,
    resolve_parameters,
    schema_zh,
)
from brickwork.engines.report.compiler import PARAMETER_TYPES, VALUE_TYPES
from brickwork.engines.report.dashboards import compile_dashboard
from brickwork.engines.report.plan import ChartType, Parameter
from brickwork.engines.report.problems import CHARTS, KINDS, PROBLEMS

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGINE = Path(__file__).resolve().parents[4] / "src" / "brickwork" / "engines" / "report"

ENV = ReportEnvironment(
    forms={
        "customer": FormInfo(
            {
                "name": FieldInfo("text", "Name"),
                "tier": FieldInfo("choice", "Tier"),
                "aum": FieldInfo("money", "AUM", currency="CNY"),
                "balance": FieldInfo("money", "Balance"),  # each value names its currency
                "opened": FieldInfo("date", "Opened"),
                "rm": FieldInfo("lookup", "RM", "staff"),
                "photo": FieldInfo("other", "Photo"),
            }
        ),
        "staff": FormInfo({"name": FieldInfo("text", "Name")}),
        "loan": FormInfo(
            {"collaterals": FieldInfo("subtable", "Collaterals")},
            subtables={"collaterals": {"kind": FieldInfo("choice", "Kind")}},
        ),
    },
    reports={"by_tier": ReportSignature({"tier": "select"}, frozenset({"tier"}))},
)
BASE: dict[str, Any] = {"dataset": {"form": "customer"}}
COUNT = [{"key": "n", "function": "count"}]
TIER = [{"key": "t", "field": "tier"}]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(PROBLEMS))
def test_both_languages_of_a_problem_use_the_same_fields(key: str) -> None:
    zh, en = PROBLEMS[key]
    assert _fields(zh) == _fields(en)
    assert CJK.search(zh), f"{key}: the Chinese sentence is not Chinese"
    assert not CJK.search(en), f"{key}: the English sentence holds Chinese"


def test_every_sentence_of_the_catalog_is_said_somewhere() -> None:
    said: set[object] = set()
    for path in ENGINE.glob("*.py"):
        if path.name != "problems.py":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            said |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    assert set(PROBLEMS) - said == set()


def test_every_type_and_chart_has_its_chinese_name() -> None:
    types = {*VALUE_TYPES, *VALUE_TYPES.values(), *PARAMETER_TYPES, "subtable", "other"}
    assert types - set(KINDS) == set()
    assert set(typing.get_args(ChartType)) - set(CHARTS) == set()


def _refused(spec: dict[str, Any]) -> list[ReportProblem]:
    with pytest.raises(ReportDefinitionError) as refused:
        compile_report(spec, ENV)
    return refused.value.problems


BROKEN: list[dict[str, Any]] = [
    {"dataset": {"form": "nope"}},
    {**BASE, "limit": 0, "kind": "list"},
    {
        **BASE,
        "timezone": "Mars/Olympus",
        "measures": COUNT,
        "columns": [{"key": "c", "field": "name"}],
    },
    {**BASE, "kind": "detail", "sort": [{"key": "t"}], "dimensions": TIER},
    {**BASE, "measures": [*COUNT, *COUNT], "dimensions": [{"key": "x", "field": "photo"}]},
    {
        "dataset": {
            "form": "customer",
            "joins": [{"as": "aum", "lookup": "rm"}, {"as": "x", "lookup": "name"}],
        },
        "measures": COUNT,
    },
    {
        "dataset": {"form": "loan", "subtable": "collaterals"},
        "dimensions": [{"key": "x", "field": "nope"}],
        "measures": COUNT,
    },
    {
        **BASE,
        "dimensions": [
            {"key": "x", "field": "balance"},
            {
                "key": "y",
                "field": "tier",
                "grain": "month",
                "buckets": {"bounds": ["5", "1"], "labels": ["a"]},
            },
        ],
        "measures": COUNT,
    },
    {
        **BASE,
        "measures": [
            {"key": "s", "function": "sum", "field": "name"},
            {"key": "m", "function": "max", "field": "balance"},
            {"key": "p", "function": "percentile", "field": "aum"},
            {"key": "c", "expression": "a + 1"},
        ],
    },
    {
        **BASE,
        "measures": COUNT,
        "filters": ["nope > 1", "balance > 1"],
        "parameters": [
            {"key": "p", "type": "select"},
            {"key": "d", "type": "date", "default": "x"},
        ],
    },
    {
        **BASE,
        "dimensions": TIER,
        "measures": COUNT,
        "post": [
            {"step": "pivot", "rows": ["t"], "columns": ["z"], "values": ["n"]},
            {"step": "top_n", "dimension": "z", "measure": "q", "n": 3},
        ],
    },
    {
        **BASE,
        "dimensions": TIER,
        "measures": COUNT,
        "drill": [{"on": "z"}, {"on": "n", "report": "by_tier", "parameters": {"nope": "t"}}],
    },
    {
        **BASE,
        "dimensions": TIER,
        "measures": COUNT,
        "chart": {"type": "pie", "x": "t", "y": ["n", "t"], "series": "t"},
    },
]


@pytest.mark.parametrize("spec", BROKEN)
def test_every_problem_of_a_report_speaks_chinese_too(spec: dict[str, Any]) -> None:
    for found in _refused(spec):
        assert found.zh_cn is not None, found
        assert CJK.search(found.zh_cn), found


def test_the_english_is_unchanged_and_the_chinese_says_the_same() -> None:
    said = {(p.pointer, p.message, p.zh_cn) for p in _refused(BROKEN[0])}
    assert said == {
        (
            "/dataset/form",
            "the app has no published form 'nope' (published: customer, loan, staff)",
            "应用中没有已发布的表单 'nope'（已发布：customer、loan、staff）",
        ),
        (
            "/measures",
            "add a measure (e.g. a count) or a dimension",
            "请添加一个度量（如计数）或一个维度",
        ),
    }
    (chart_y, wrong_y, series) = _refused(BROKEN[-1])
    assert (chart_y.message, chart_y.zh_cn) == (
        "a pie chart takes 1 measure(s) in `y`",
        "饼图的 `y` 须为 1 个度量",
    )
    assert (wrong_y.message, wrong_y.zh_cn) == ("'t' is no measure", "'t' 不是度量")
    assert series.zh_cn == "`series` 须为 `x` 以外的另一个维度"


def test_an_expression_problem_quotes_the_diagnostic_in_each_language() -> None:
    (unknown,) = [p for p in _refused(BROKEN[8]) if p.pointer == "/measures/3/expression"]
    assert unknown.message == (
        "line 1, column 1: unknown name `a`; a calculated measure uses the measures defined "
        "before it"
    )
    assert unknown.zh_cn == (
        "计算度量的表达式有误（第 1 行第 1 列）：未知名称 `a`；计算度量只能使用在它之前定义的度量"
    )


def test_a_dashboards_problems_speak_chinese_too() -> None:
    def item(key: str, x: int, report: str = "by_tier") -> dict[str, Any]:
        return {"id": key, "report": report, "x": x, "y": 0, "w": 6, "h": 4}

    spec = {
        "parameters": [{"key": "p", "type": "text"}],
        "items": [
            {**item("a", 10), "parameters": {"tier": "p"}},
            item("a", 2),
            item("b", 4, "nope"),
        ],
        "cross_filters": [{"from": "zz", "dimension": "tier", "to": ["a"], "parameter": "tier"}],
    }
    with pytest.raises(ReportDefinitionError) as refused:
        compile_dashboard(spec, ENV)
    said = {p.code: (p.message, p.zh_cn) for p in refused.value.problems}
    assert said == {
        "E_DASHBOARD_GRID": ("x + w must fit the 12 columns", "面板超出网格：x + w 不能超过 12 列"),
        "E_DASHBOARD_PARAMETER": (
            "'p' is a text, 'tier' a select",
            "参数类型不一致：'p' 是文本参数，而 'tier' 是下拉选择参数",
        ),
        "E_DASHBOARD_DUPLICATE_ID": ("'a' again", "面板编号 'a' 重复"),
        "E_DASHBOARD_OVERLAP": ("overlaps item 'a'", "与面板 'a' 重叠"),
        "E_DASHBOARD_UNKNOWN_REPORT": (
            "no published report 'nope' (published: by_tier)",
            "没有已发布的报表 'nope'（已发布：by_tier）",
        ),
        "E_DASHBOARD_CROSS_FILTER": ("no item 'zz'", "仪表盘上没有面板 'zz'"),
    }
    with pytest.raises(ReportDefinitionError) as shape:
        compile_dashboard({"items": []}, ENV)
    (empty,) = shape.value.problems
    assert (empty.code, empty.zh_cn) == ("E_DASHBOARD_SCHEMA", "至少需要 1 项（现有 0 项）")


def test_the_shape_of_a_definition_is_explained_in_chinese() -> None:
    with pytest.raises(ValidationError) as refused:
        ReportSpec.model_validate(
            {"dataset": {"form": "Bad", "x": 1}, "kind": "list", "post": [{"step": "sum"}]}
        )
    said = {e["loc"][0]: schema_zh(e) for e in refused.value.errors()}
    assert said == {
        "dataset": "不允许此属性",  # the last error of `dataset` (its pattern comes first)
        "kind": "应为 'summary' 或 'detail'",
        "post": "'step' 的值 'sum' 无效，应为 'pivot'、'running_total'、'percent_of_total'、"
        "'period_change'、'top_n'",
    }
    odd = {"type": "json_invalid", "msg": "Invalid JSON", "ctx": {}}
    assert schema_zh(odd) == "定义的结构不符合要求：Invalid JSON"
    renamed = {"type": "too_short", "msg": "List is short", "ctx": {"least": 1}}
    assert schema_zh(renamed) == "定义的结构不符合要求：List is short"


def test_parameter_values_a_run_cannot_use_are_refused_in_both_languages() -> None:
    period = Parameter("period", "period", "date_range", "/parameters/0", True)

    class Plan:
        parameters = (period,)

    with pytest.raises(ParameterError) as refused:
        resolve_parameters(Plan(), {"period": "yesterday", "zz": 1}, today=date(2026, 1, 5))
    assert [(p[1], p[3]) for p in refused.value.problems] == [
        ("unknown_parameter", "报表没有参数 'zz'（参数：period）"),
        (
            "parameter_invalid",
            "'yesterday' 不是可用的期间；可选：today, this_week, last_week, this_month, "
            "last_month, this_quarter, last_quarter, this_year, last_year, last_7_days, "
            "last_30_days, last_90_days, last_12_months",
        ),
    ]
    assert refused.value.problems[0][2] == "the report has no parameter 'zz' (period)"
