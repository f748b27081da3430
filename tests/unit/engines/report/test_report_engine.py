"""The report engine on its own: compile refusals with pointers, parameters and relative
periods, calculated measures and post steps on aggregated rows (exact), ECharts options."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.report import (
    FieldInfo,
    FormInfo,
    ParameterError,
    ReportDefinitionError,
    ReportEnvironment,
    ReportSignature,
    ResultTable,
    apply_post,
    compile_report,
    period,
    resolve_parameters,
)
from brickwork.engines.report.charts import chart_option
from brickwork.engines.report.drill import bind_parameters
from brickwork.engines.report.plan import FieldRef
from brickwork.engines.report.result import Column

ENV = ReportEnvironment(
    forms={
        "customer": FormInfo(
            {
                "name": FieldInfo("text", "Name"),
                "tier": FieldInfo(
                    "choice", {"zh-CN": "等级", "en": "Tier"}, options=frozenset({"gold", "silver"})
                ),
                "aum": FieldInfo("money", "AUM", currency="CNY"),
                "balance": FieldInfo("money", "Balance"),  # each value names its currency
                "opened": FieldInfo("date", "Opened"),
                "rm": FieldInfo("lookup", "RM", "staff"),
                "photo": FieldInfo("other", "Photo"),
            }
        ),
        "staff": FormInfo({"name": FieldInfo("text", "Name"), "team": FieldInfo("text")}),
        "loan": FormInfo(
            {
                "amount": FieldInfo("money", "Amount", currency="CNY"),
                "rm": FieldInfo("lookup", "RM", "staff"),
                "collaterals": FieldInfo("subtable", "Collaterals"),
            },
            subtables={
                "collaterals": {
                    "kind": FieldInfo("choice", "Kind"),
                    "value": FieldInfo("money", "Value", currency="CNY"),
                    "valuer": FieldInfo("lookup", "Valuer", "staff"),
                    "deed_no": FieldInfo("other", "Deed no."),  # encrypted
                }
            },
        ),
    },
    reports={"detail": ReportSignature({"tier": "select", "period": "date_range"})},
)


def problems(spec: dict[str, Any]) -> set[tuple[str, str]]:
    with pytest.raises(ReportDefinitionError) as refused:
        compile_report(spec, ENV)
    return {(p.pointer, p.code) for p in refused.value.problems}


BASE: dict[str, Any] = {"dataset": {"form": "customer"}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"dataset": {"form": "nope"}},
            {("/dataset/form", "E_REPORT_UNKNOWN_FORM"), ("/measures", "E_REPORT_EMPTY")},
        ),
        (
            {**BASE, "dimensions": [{"key": "x", "field": "nope"}]},
            {("/dimensions/0/field", "E_REPORT_UNKNOWN_FIELD")},
        ),
        (
            {**BASE, "dimensions": [{"key": "x", "field": "photo"}]},
            {("/dimensions/0/field", "E_REPORT_FIELD_UNUSABLE")},
        ),
        (
            {**BASE, "dimensions": [{"key": "x", "field": "tier", "grain": "month"}]},
            {("/dimensions/0/grain", "E_REPORT_GRAIN")},
        ),
        (
            {
                **BASE,
                "dimensions": [
                    {"key": "x", "field": "aum", "buckets": {"bounds": ["5", "1"], "labels": ["a"]}}
                ],
            },
            {
                ("/dimensions/0/buckets/bounds", "E_REPORT_BUCKETS"),
                ("/dimensions/0/buckets/labels", "E_REPORT_BUCKETS"),
            },
        ),
        (
            {**BASE, "measures": [{"key": "s", "function": "sum", "field": "name"}]},
            {("/measures/0/function", "E_REPORT_AGGREGATE_TYPE")},
        ),
        (
            {**BASE, "measures": [{"key": "s", "function": "max", "field": "tier"}]},
            {("/measures/0/function", "E_REPORT_AGGREGATE_TYPE")},
        ),
        (
            {**BASE, "measures": [{"key": "p", "function": "percentile", "field": "aum"}]},
            {("/measures/0/percentile", "E_REPORT_PERCENTILE")},
        ),
        (
            {**BASE, "measures": [{"key": "s", "function": "sum"}]},
            {("/measures/0/field", "E_REPORT_MEASURE")},
        ),
        (
            {**BASE, "measures": [{"key": "c", "expression": "a + 1"}]},
            {("/measures/0/expression", "E_UNKNOWN_NAME")},
        ),
        (
            {
                **BASE,
                "measures": [
                    {"key": "n", "function": "count"},
                    {"key": "n", "function": "count"},
                ],
            },
            {("/measures/1/key", "E_REPORT_DUPLICATE_KEY")},
        ),
        (
            {**BASE, "measures": [{"key": "n", "function": "count"}], "filters": ["aum / 2 > 1"]},
            {("/filters/0", "E_NOT_PUSHABLE")},
        ),
        (
            {**BASE, "measures": [{"key": "n", "function": "count"}], "filters": ["nope > 1"]},
            {("/filters/0", "E_UNKNOWN_NAME")},
        ),
        (
            {
                "dataset": {"form": "customer", "joins": [{"as": "aum", "lookup": "rm"}]},
                "measures": [{"key": "n", "function": "count"}],
            },
            {("/dataset/joins/0/as", "E_REPORT_AMBIGUOUS_JOIN")},
        ),
        (
            {
                "dataset": {"form": "customer", "joins": [{"as": "x", "lookup": "name"}]},
                "measures": [{"key": "n", "function": "count"}],
            },
            {("/dataset/joins/0/lookup", "E_REPORT_NOT_A_LOOKUP")},
        ),
        ({**BASE}, {("/measures", "E_REPORT_EMPTY")}),
        (
            {**BASE, "kind": "detail", "measures": [{"key": "n", "function": "count"}]},
            {("/measures", "E_REPORT_KIND"), ("/columns", "E_REPORT_EMPTY")},
        ),
        (
            {
                **BASE,
                "kind": "detail",
                "columns": [{"key": "name", "field": "name"}],
                "sort": [{"key": "name"}],
            },
            {("/sort", "E_REPORT_KIND")},
        ),
        (
            {**BASE, "measures": [{"key": "n", "function": "count"}], "sort": [{"key": "z"}]},
            {("/sort/0/key", "E_REPORT_UNKNOWN_KEY")},
        ),
        (
            {
                **BASE,
                "dimensions": [{"key": "t", "field": "tier"}],
                "measures": [{"key": "n", "function": "count"}],
                "post": [{"step": "period_change", "measure": "n", "dimension": "t", "as": "c"}],
            },
            {("/post/0/dimension", "E_REPORT_POST")},
        ),
        (
            {
                **BASE,
                "dimensions": [{"key": "t", "field": "tier"}],
                "measures": [{"key": "n", "function": "count"}],
                "drill": [{"on": "n", "report": "detail", "parameters": {"nope": "t"}}],
            },
            {("/drill/0/parameters/nope", "E_REPORT_DRILL")},
        ),
        (
            {
                **BASE,
                "dimensions": [{"key": "t", "field": "tier"}],
                "measures": [{"key": "n", "function": "count"}],
                "chart": {"type": "pie", "y": ["n", "t"]},
            },
            {
                ("/chart/x", "E_REPORT_CHART"),
                ("/chart/y", "E_REPORT_CHART"),
                ("/chart/y/1", "E_REPORT_CHART"),
            },
        ),
        (
            {**BASE, "measures": [{"key": "n", "function": "count"}], "timezone": "Mars/Base"},
            {("/timezone", "E_REPORT_TIMEZONE")},
        ),
        (
            {**BASE, "measures": [{"key": "n", "function": "count", "bogus": 1}]},
            {("/measures/0/bogus", "E_REPORT_SCHEMA")},
        ),
        (
            {
                **BASE,
                "dimensions": [
                    {"key": "b", "field": "balance"},
                    {
                        "key": "band",
                        "field": "balance",
                        "buckets": {"bounds": ["1"], "labels": ["<1", ">=1"]},
                    },
                ],
                "measures": [
                    {"key": "total", "function": "sum", "field": "balance"},
                    {"key": "top", "function": "max", "field": "balance"},
                    {"key": "n", "function": "count", "field": "balance"},
                    {"key": "k", "function": "count_distinct", "field": "balance"},
                ],
            },
            {
                ("/dimensions/0/field", "E_REPORT_MIXED_CURRENCIES"),
                ("/dimensions/1/field", "E_REPORT_MIXED_CURRENCIES"),
                ("/measures/0/function", "E_REPORT_MIXED_CURRENCIES"),
                ("/measures/1/function", "E_REPORT_MIXED_CURRENCIES"),
            },
        ),
    ],
)
def test_bad_definitions_are_refused_with_every_problem_and_its_pointer(
    spec: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    assert problems(spec) == expected


def test_a_filter_comparing_a_choice_with_none_of_its_options_is_refused() -> None:
    """`tier = "Gold"` when the option is `gold` never matches: the report would be empty."""
    spec = {
        **BASE,
        "filters": ['tier = "Gold" or tier = "silver"'],
        "measures": [{"key": "n", "function": "count"}],
    }
    with pytest.raises(ReportDefinitionError) as refused:
        compile_report(spec, ENV)
    [problem] = refused.value.problems
    assert (problem.pointer, problem.code) == ("/filters/0", "E_REPORT_NOT_AN_OPTION")
    assert problem.message == (
        'line 1, column 8: "Gold" is not an option of `tier` ("gold", "silver"), so the filter '
        "never matches it: use one of them (case matters)"
    )
    assert problem.zh_cn.startswith('第 1 行第 8 列："Gold" 不是 `tier` 的选项')
    spec["filters"] = ['tier in ["gold", "silver"]']
    assert compile_report(spec, ENV).filters[0].pointer == "/filters/0"


def test_a_good_definition_compiles_joins_and_filters_with_parameters() -> None:
    plan = compile_report(
        {
            "dataset": {"form": "customer", "joins": [{"as": "m", "lookup": "rm"}]},
            "dimensions": [
                {"key": "team", "field": "m.team"},
                {"key": "month", "field": "opened", "grain": "month"},
            ],
            "measures": [
                {"key": "n", "function": "count"},
                {"key": "aum", "function": "sum", "field": "aum"},
                {"key": "avg", "expression": "aum / n"},
            ],
            "filters": ['opened >= $params.period.start and m.name != "x"'],
            "parameters": [{"key": "period", "type": "date_range", "default": "this_year"}],
        },
        ENV,
        key="r",
    )
    assert [j.alias for j in plan.dataset.joins] == ["m"]
    assert plan.dimensions[0].ref.source == "m"
    assert plan.calculated[0].depends == ("aum", "n")
    assert "$params" in repr(plan.filters[0].ir)
    assert plan.measures[0].label == {"zh-CN": "数量", "en": "Count"}


ROWS: dict[str, Any] = {"form": "loan", "subtable": "collaterals"}
COUNT: list[dict[str, Any]] = [{"key": "n", "function": "count"}]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"dataset": {**ROWS, "subtable": "nope"}, "measures": COUNT},
            {("/dataset/subtable", "E_REPORT_UNKNOWN_FIELD")},
        ),
        (
            {"dataset": {**ROWS, "subtable": "amount"}, "measures": COUNT},
            {("/dataset/subtable", "E_REPORT_NOT_A_SUBTABLE")},
        ),
        (
            {"kind": "detail", "dataset": ROWS, "columns": [{"key": "v", "field": "value"}]},
            {("/dataset/subtable", "E_REPORT_UNSUPPORTED")},
        ),
        (
            {
                "dataset": ROWS,
                "dimensions": [
                    {"key": "a", "field": "amount"},
                    {"key": "b", "field": "parent.nope"},
                    {"key": "c", "field": "parent.collaterals"},
                ],
                "measures": [
                    {"key": "d", "function": "sum", "field": "deed_no"},
                    {"key": "e", "function": "sum", "field": "kind"},
                    {"key": "f", "function": "count_distinct", "field": "created_at"},
                ],
                "filters": ['nope = "x"'],
            },
            {
                ("/dimensions/0/field", "E_REPORT_UNKNOWN_FIELD"),
                ("/dimensions/1/field", "E_REPORT_UNKNOWN_FIELD"),
                ("/dimensions/2/field", "E_REPORT_FIELD_UNUSABLE"),
                ("/measures/0/field", "E_REPORT_FIELD_UNUSABLE"),
                ("/measures/1/function", "E_REPORT_AGGREGATE_TYPE"),
                ("/measures/2/field", "E_REPORT_UNKNOWN_FIELD"),
                ("/filters/0", "E_UNKNOWN_NAME"),
            },
        ),
        (
            {
                "dataset": {
                    **ROWS,
                    "joins": [
                        {"as": "parent", "lookup": "valuer"},
                        {"as": "kind", "lookup": "valuer"},
                        {"as": "x", "lookup": "parent.amount"},
                        {"as": "y", "lookup": "rm"},
                    ],
                },
                "measures": COUNT,
            },
            {
                ("/dataset/joins/0/as", "E_REPORT_AMBIGUOUS_JOIN"),
                ("/dataset/joins/1/as", "E_REPORT_AMBIGUOUS_JOIN"),
                ("/dataset/joins/2/lookup", "E_REPORT_NOT_A_LOOKUP"),
                ("/dataset/joins/3/lookup", "E_REPORT_NOT_A_LOOKUP"),
            },
        ),
        (
            {
                "dataset": ROWS,
                "dimensions": [{"key": "k", "field": "kind"}],
                "measures": COUNT,
                "drill": [{"on": "n", "list": "loan"}],
            },
            {("/drill/0/list", "E_REPORT_DRILL")},
        ),
    ],
)
def test_bad_subtable_datasets_are_refused_with_pointers(
    spec: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    assert problems(spec) == expected


def test_a_subtable_dataset_reaches_its_columns_the_parent_and_joins_of_both() -> None:
    plan = compile_report(
        {
            "dataset": {
                **ROWS,
                "joins": [
                    {"as": "by", "lookup": "valuer"},
                    {"as": "rm", "lookup": "parent.rm"},
                ],
            },
            "dimensions": [
                {"key": "kind", "field": "kind"},
                {"key": "team", "field": "rm.team"},
                {"key": "month", "field": "parent.created_at", "grain": "month"},
            ],
            "measures": [
                {"key": "value", "function": "sum", "field": "value"},
                {"key": "loans", "function": "count_distinct", "field": "parent.id"},
            ],
            "filters": ['parent.amount > 100 and by.name != "x" and value > 0'],
        },
        ENV,
    )
    assert plan.dataset.subtable == "collaterals"
    assert [(j.alias, j.source, j.lookup, j.form) for j in plan.dataset.joins] == [
        ("by", "", "valuer", "staff"),
        ("rm", "parent", "rm", "staff"),
    ]
    assert [(d.ref.source, d.ref.field) for d in plan.dimensions] == [
        ("", "kind"),
        ("rm", "team"),
        ("parent", "created_at"),
    ]
    assert plan.measures[1].ref == FieldRef("parent", "id", "text")
    assert plan.dimensions[0].label == "Kind"
    assert "('parent', 'amount')" in repr(plan.filters[0].ir)


@pytest.mark.parametrize(
    ("name", "today", "start", "end"),
    [
        ("today", date(2026, 5, 14), date(2026, 5, 14), date(2026, 5, 14)),
        ("this_week", date(2026, 5, 14), date(2026, 5, 11), date(2026, 5, 17)),
        ("last_week", date(2026, 5, 11), date(2026, 5, 4), date(2026, 5, 10)),
        ("this_month", date(2026, 2, 10), date(2026, 2, 1), date(2026, 2, 28)),
        ("last_month", date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        ("this_quarter", date(2026, 8, 1), date(2026, 7, 1), date(2026, 9, 30)),
        ("last_quarter", date(2026, 2, 15), date(2025, 10, 1), date(2025, 12, 31)),
        ("this_year", date(2026, 6, 1), date(2026, 1, 1), date(2026, 12, 31)),
        ("last_year", date(2026, 6, 1), date(2025, 1, 1), date(2025, 12, 31)),
        ("last_7_days", date(2026, 3, 3), date(2026, 2, 25), date(2026, 3, 3)),
        ("last_12_months", date(2026, 2, 28), date(2025, 3, 1), date(2026, 2, 28)),
    ],
)
def test_relative_periods(name: str, today: date, start: date, end: date) -> None:
    assert period(name, today) == {"start": start, "end": end}


def test_parameters_are_checked_and_defaulted() -> None:
    plan = compile_report(
        {
            **BASE,
            "measures": [{"key": "n", "function": "count"}],
            "parameters": [
                {"key": "period", "type": "date_range", "default": "last_month"},
                {"key": "floor", "type": "number", "required": True},
                {"key": "tier", "type": "select", "options": ["A", "B"]},
            ],
        },
        ENV,
    )
    values = resolve_parameters(plan, {"floor": 1.5, "tier": "A"}, today=date(2026, 3, 9))
    assert values == {
        "period": {"start": date(2026, 2, 1), "end": date(2026, 2, 28)},
        "floor": Decimal("1.5"),
        "tier": "A",
    }
    with pytest.raises(ParameterError) as refused:
        resolve_parameters(plan, {"tier": "Z", "other": 1}, today=date(2026, 3, 9))
    assert {p[0] for p in refused.value.problems} == {
        "/parameters/other",
        "/parameters/tier",
        "/parameters/floor",
    }


# ---------------------------------------------------------------- post steps


def summary(spec: dict[str, Any], rows: list[tuple[Any, ...]]) -> ResultTable:
    plan = compile_report({**BASE, **spec}, ENV)
    columns = [Column(d.key, d.label, "dimension", d.ref.type, (d.key,)) for d in plan.dimensions]
    columns += [Column(m.key, m.label, "measure", "number", (m.key,)) for m in plan.measures]
    table = ResultTable(tuple(columns), tuple(rows), tuple("data" for _ in rows))
    return apply_post(plan, table, locale="en")


D = Decimal


def test_calculated_measures_running_totals_and_shares_are_exact() -> None:
    result = summary(
        {
            "dimensions": [{"key": "tier", "field": "tier"}],
            "measures": [
                {"key": "n", "function": "count"},
                {"key": "aum", "function": "sum", "field": "aum"},
                {"key": "per", "expression": "aum / n"},
            ],
            "post": [
                {"step": "running_total", "measure": "aum", "as": "cum"},
                {"step": "percent_of_total", "measure": "aum", "as": "share"},
            ],
            "sort": [{"key": "tier"}],
        },
        [("B", D(2), D("0.30")), ("A", D(1), D("0.10")), ("C", D(0), D(0))],
    )
    assert [c.key for c in result.columns] == ["tier", "n", "aum", "per", "cum", "share"]
    assert result.rows == (
        ("A", D(1), D("0.10"), D("0.10"), D("0.10"), D("0.25")),
        ("B", D(2), D("0.30"), D("0.15"), D("0.40"), D("0.75")),
        ("C", D(0), D(0), None, D("0.40"), D(0)),
    )


def test_period_over_period_change() -> None:
    result = summary(
        {
            "dimensions": [
                {"key": "tier", "field": "tier"},
                {"key": "month", "field": "opened", "grain": "month"},
            ],
            "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
            "post": [
                {"step": "period_change", "measure": "aum", "dimension": "month", "as": "mom"},
                {
                    "step": "period_change",
                    "measure": "aum",
                    "dimension": "month",
                    "as": "delta",
                    "mode": "absolute",
                },
            ],
        },
        [
            ("A", date(2026, 1, 1), D(100)),
            ("A", date(2026, 2, 1), D(150)),
            ("B", date(2026, 2, 1), D(10)),
            ("A", date(2026, 4, 1), D(30)),
        ],
    )
    assert result.rows == (
        ("A", date(2026, 1, 1), D(100), None, None),
        ("A", date(2026, 2, 1), D(150), D("0.5"), D(50)),
        ("B", date(2026, 2, 1), D(10), None, None),
        ("A", date(2026, 4, 1), D(30), None, None),  # March is missing: no earlier row
    )


def test_top_n_with_others() -> None:
    result = summary(
        {
            "dimensions": [{"key": "name", "field": "name"}],
            "measures": [
                {"key": "n", "function": "count"},
                {"key": "aum", "function": "sum", "field": "aum"},
                {"key": "top", "function": "max", "field": "aum"},
            ],
            "post": [{"step": "top_n", "dimension": "name", "measure": "aum", "n": 2}],
        },
        [
            ("a", D(1), D(5), D(5)),
            ("b", D(2), D(9), D(7)),
            ("c", D(1), D(1), D(1)),
            ("d", D(3), D(9), D(4)),
        ],
    )
    assert result.rows == (
        ("b", D(2), D(9), D(7)),
        ("d", D(3), D(9), D(4)),
        ("Others", D(2), D(6), None),
    )


def test_pivot_with_subtotals_and_totals() -> None:
    result = summary(
        {
            "dimensions": [
                {"key": "tier", "field": "tier"},
                {"key": "name", "field": "name"},
                {"key": "month", "field": "opened", "grain": "month"},
            ],
            "measures": [
                {"key": "aum", "function": "sum", "field": "aum"},
                {"key": "mean", "function": "avg", "field": "aum"},
            ],
            "post": [
                {
                    "step": "pivot",
                    "rows": ["tier", "name"],
                    "columns": ["month"],
                    "values": ["aum", "mean"],
                    "subtotals": True,
                }
            ],
        },
        [
            ("A", "x", date(2026, 2, 1), D("1.10"), D("1.10")),
            ("A", "y", date(2026, 1, 1), D("2.00"), D("1.00")),
            ("B", "z", date(2026, 1, 1), D("3.00"), D("3.00")),
        ],
    )
    assert [c.key for c in result.columns] == [
        "tier",
        "name",
        "2026-01-01|aum",
        "2026-01-01|mean",
        "2026-02-01|aum",
        "2026-02-01|mean",
        "total|aum",
        "total|mean",
    ]
    assert list(zip(result.kinds, result.rows, strict=True)) == [
        ("data", ("A", "x", None, None, D("1.10"), D("1.10"), D("1.10"), None)),
        ("data", ("A", "y", D("2.00"), D("1.00"), None, None, D("2.00"), None)),
        ("subtotal", ("A", None, D("2.00"), None, D("1.10"), None, D("3.10"), None)),
        ("data", ("B", "z", D("3.00"), D("3.00"), None, None, D("3.00"), None)),
        ("subtotal", ("B", None, D("3.00"), None, None, None, D("3.00"), None)),
        ("total", (None, None, D("5.00"), None, D("1.10"), None, D("6.10"), None)),
    ]


amounts = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False)


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("xyz"), amounts), max_size=30))
def test_pivot_totals_are_the_exact_sums_of_their_cells(
    cells: list[tuple[str, str, Decimal]],
) -> None:
    grouped: dict[tuple[str, str], Decimal] = {}
    for tier, name, amount in cells:
        grouped[(tier, name)] = grouped.get((tier, name), D(0)) + amount
    result = summary(
        {
            "dimensions": [{"key": "tier", "field": "tier"}, {"key": "name", "field": "name"}],
            "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
            "post": [{"step": "pivot", "rows": ["tier"], "columns": ["name"], "values": ["aum"]}],
        },
        [(tier, name, amount) for (tier, name), amount in grouped.items()],
    )
    data = [row for row, kind in zip(result.rows, result.kinds, strict=True) if kind == "data"]
    total = result.rows[-1] if grouped else None
    for row in data:
        assert row[-1] == sum((v for v in row[1:-1] if v is not None), D(0))
    if total is not None:
        assert total[-1] == sum(grouped.values(), D(0))
        for column in range(1, len(total) - 1):
            assert total[column] == sum((r[column] for r in data if r[column] is not None), D(0))


# ---------------------------------------------------------------- charts and drill


def test_chart_options_keep_exact_values_as_text() -> None:
    plan = compile_report(
        {
            **BASE,
            "dimensions": [{"key": "tier", "field": "tier"}, {"key": "name", "field": "name"}],
            "measures": [{"key": "aum", "function": "sum", "field": "aum"}],
            "chart": {"type": "stacked_bar", "x": "tier", "y": ["aum"], "series": "name"},
        },
        ENV,
    )
    columns = (
        Column("tier", "Tier", "dimension", "text", ("tier",)),
        Column("name", "Name", "dimension", "text", ("name",)),
        Column("aum", "AUM", "measure", "money", ("aum",)),
    )
    rows = (("A", "x", D("12345678901234567.89")), ("B", "y", D("0.10")))
    option = chart_option(plan, ResultTable(columns, rows, ("data", "data")), locale="en")
    assert option is not None
    assert option["xAxis"]["data"] == ["A", "B"]
    assert [s["data"] for s in option["series"]] == [["12345678901234567.89", None], [None, "0.10"]]
    assert {s["stack"] for s in option["series"]} == {"aum"}


def test_measures_of_different_scales_get_a_value_axis_each() -> None:
    """A count of a few customers next to their AUM in millions: on one axis the count would
    lie flat on the floor, so it gets the second axis (named by its measures)."""
    plan = compile_report(
        {
            **BASE,
            "dimensions": [{"key": "tier", "field": "tier"}],
            "measures": [
                {"key": "aum", "function": "sum", "field": "aum"},
                {"key": "customers", "function": "count"},
                {"key": "top", "function": "max", "field": "aum"},
            ],
            "chart": {"type": "bar", "x": "tier", "y": ["aum", "customers", "top"]},
        },
        ENV,
    )
    columns = (
        Column("tier", "Tier", "dimension", "text", ("tier",)),
        Column("aum", "AUM", "measure", "money", ("aum",)),
        Column("customers", "Customers", "measure", "integer", ("customers",)),
        Column("top", "Largest", "measure", "money", ("top",)),
    )
    rows = (("A", D("-3500000.00"), 3, D("2000000.00")), ("B", D("900000.00"), 12, None))
    table = ResultTable(columns, rows, ("data", "data"))
    option = chart_option(plan, table, locale="en")
    assert option is not None
    assert [axis["name"] for axis in option["yAxis"]] == ["AUM / Largest", "Customers"]
    assert [s["yAxisIndex"] for s in option["series"]] == [0, 1, 0]
    alike = (("A", D("30.00"), 3, D("20.00")), ("B", D("90.00"), 12, None))
    option = chart_option(plan, ResultTable(columns, alike, ("data", "data")), locale="en")
    assert option is not None
    assert option["yAxis"] == {"type": "value"}  # one scale: one axis, as before
    assert all("yAxisIndex" not in s for s in option["series"])


def test_drill_filters_get_the_parameters_written_in() -> None:
    source = "opened >= $params.period.start and aum > $params.floor and name = $params.who"
    values = {"period": {"start": date(2026, 1, 1)}, "floor": D("10.5"), "who": None}
    assert bind_parameters(source, values) == (
        'opened >= @"2026-01-01" and aum > 10.5 and name = null'
    )
