"""Reports over subtable rows, over HTTP, on SQLite and PostgreSQL alike: one dataset row per
collateral of a live loan, the loan reached as `parent`, joins from both; the loan's row scope
and the subtable's field level for each viewer; form changes that would break such a report."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1"
APP = f"{API}/apps/lending"
LOANS = f"{APP}/forms/loan/records"
BRANCH: dict[str, Any] = {
    "fields": [{"id": "b_name", "key": "name", "type": "text", "label": "Branch"}]
}
KIND: dict[str, Any] = {
    "fields": [{"id": "k_name", "key": "name", "type": "text", "label": "Collateral type"}]
}
COLLATERALS: dict[str, Any] = {
    "id": "l_coll",
    "key": "collaterals",
    "type": "subtable",
    "label": "Collaterals",
    "fields": [
        {
            "id": "c_type",
            "key": "collateral_type",
            "type": "lookup",
            "label": "Type",
            "target": {"form": "collateral_type"},
        },
        {"id": "c_value", "key": "value", "type": "money", "currency": "CNY", "label": "Value"},
        {"id": "c_deed", "key": "deed_no", "type": "text", "label": "Deed", "encrypted": True},
    ],
}
LOAN: dict[str, Any] = {
    "fields": [
        {"id": "l_name", "key": "name", "type": "text", "label": "Loan"},
        {"id": "l_amount", "key": "amount", "type": "money", "currency": "CNY", "label": "Amount"},
        {
            "id": "l_branch",
            "key": "branch",
            "type": "lookup",
            "label": "Branch",
            "target": {"form": "branch"},
        },
        COLLATERALS,
    ]
}
VALUE_BY_TYPE_AND_BRANCH: dict[str, Any] = {
    "dataset": {
        "form": "loan",
        "subtable": "collaterals",
        "joins": [
            {"as": "kind", "lookup": "collateral_type"},
            {"as": "branch", "lookup": "parent.branch"},
        ],
    },
    "dimensions": [
        {"key": "kind", "field": "kind.name"},
        {"key": "branch", "field": "branch.name"},
    ],
    "measures": [
        {"key": "n", "function": "count"},
        {"key": "value", "function": "sum", "field": "value"},
        {"key": "mean", "function": "avg", "field": "value"},
        {"key": "loans", "function": "count_distinct", "field": "parent.id"},
    ],
    "sort": [{"key": "kind"}, {"key": "branch"}],
}


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


def report(client: TestClient, key: str, spec: dict[str, Any]) -> None:
    published = define(client, "report", key, spec)
    assert published.status_code == 201, published.text


def run(client: TestClient, key: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{APP}/reports/{key}/run", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def created(client: TestClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    made = client.post(url, json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


@pytest.fixture
def lending(client: TestClient) -> dict[str, str]:
    """The forms, and the ids of the branches and collateral types by name."""
    assert (
        client.post(f"{API}/apps", json={"key": "lending", "label": "Lending"}).status_code == 201
    )
    for key, spec in (("branch", BRANCH), ("collateral_type", KIND), ("loan", LOAN)):
        assert define(client, "form", key, spec).status_code == 201
    ids = {}
    for name in ("North", "South"):
        ids[name] = created(client, f"{APP}/forms/branch/records", {"name": name})["id"]
    for name in ("Property", "Vehicle", "Deposit"):
        ids[name] = created(client, f"{APP}/forms/collateral_type/records", {"name": name})["id"]
    return ids


def loan(
    client: TestClient,
    ids: dict[str, str],
    name: str,
    amount: str,
    branch: str,
    collaterals: list[tuple[str | None, str]],
) -> dict[str, Any]:
    rows = [
        {"collateral_type": None if kind is None else ids[kind], "value": value, "deed_no": "D-1"}
        for kind, value in collaterals
    ]
    body = {"name": name, "amount": amount, "branch": ids[branch], "collaterals": rows}
    return created(client, LOANS, body)


def test_collateral_value_by_type_and_branch_is_exact(
    client: TestClient, lending: dict[str, str]
) -> None:
    loan(client, lending, "L1", "5000000.00", "North", [("Property", "1000000.00")])
    loan(client, lending, "L1b", "2000.00", "North", [("Vehicle", "150000.50")])
    loan(
        client,
        lending,
        "L2",
        "3000000.00",
        "South",
        [("Property", "2500000.25"), ("Property", "300000.00"), ("Deposit", "0.10")],
    )
    loan(client, lending, "L3", "50.00", "North", [("Vehicle", "99.99"), (None, "500.00")])
    gone = loan(client, lending, "L4", "9.00", "South", [("Property", "777.77")])
    deleted = client.delete(f"{LOANS}/{gone['id']}", headers={"If-Match": f'"{gone["version"]}"'})
    assert deleted.status_code == 200, deleted.text
    report(client, "collateral", VALUE_BY_TYPE_AND_BRANCH)
    result = run(client, "collateral")
    assert [c["key"] for c in result["columns"]] == [
        "kind",
        "branch",
        "n",
        "value",
        "mean",
        "loans",
    ]
    rows = [[*row[:4], Decimal(row[4]), row[5]] for row in result["rows"]]
    assert rows == [
        ["Deposit", "South", "1", "0.10", Decimal("0.10"), "1"],
        ["Property", "North", "1", "1000000.00", Decimal("1000000.00"), "1"],
        ["Property", "South", "2", "2800000.25", Decimal("1400000.125"), "1"],
        ["Vehicle", "North", "2", "150100.49", Decimal("75050.245"), "2"],
        [None, "North", "1", "500.00", Decimal("500.00"), "1"],
    ]
    # filters on the rows and on their loan, a median over the rows, a loan's own date grain
    report(
        client,
        "large",
        {
            "dataset": {
                "form": "loan",
                "subtable": "collaterals",
                "joins": [{"as": "kind", "lookup": "collateral_type"}],
            },
            "dimensions": [
                {"key": "kind", "field": "kind.name"},
                {"key": "year", "field": "parent.created_at", "grain": "year"},
            ],
            "measures": [
                {"key": "value", "function": "sum", "field": "value"},
                {"key": "median", "function": "median", "field": "value"},
            ],
            "filters": ["value >= 100", "parent.amount >= $params.least"],
            "parameters": [{"key": "least", "type": "number", "default": 1000}],
            "sort": [{"key": "kind"}],
        },
    )
    large = run(client, "large")["rows"]
    assert [(r[0], r[2], Decimal(r[3])) for r in large] == [
        ("Property", "3800000.25", Decimal("1000000.00")),
        ("Vehicle", "150000.50", Decimal("150000.50")),
    ]
    assert len({r[1] for r in large}) == 1
    everything = run(client, "large", parameters={"least": 0})["rows"]
    assert [(r[0], r[2]) for r in everything] == [
        ("Property", "3800000.25"),
        ("Vehicle", "150000.50"),
        (None, "500.00"),
    ]


# ---------------------------------------------------------------- permissions


def grants(collaterals: str, rows: str = "department", **fields: str) -> list[dict[str, Any]]:
    return [
        {
            "app": "lending",
            "form": "loan",
            "actions": ["create", "read"],
            "rows": rows,
            "fields": {"collaterals": collaterals, **fields},
        },
        {"app": "lending", "form": "branch", "actions": ["read"], "rows": "all"},
        {"app": "lending", "form": "collateral_type", "actions": ["read"], "rows": "all"},
    ]


BY_TYPE: dict[str, Any] = {
    "dataset": {
        "form": "loan",
        "subtable": "collaterals",
        "joins": [{"as": "kind", "lookup": "collateral_type"}],
    },
    "dimensions": [{"key": "kind", "field": "kind.name"}],
    "measures": [
        {"key": "n", "function": "count"},
        {"key": "value", "function": "sum", "field": "value"},
    ],
    "sort": [{"key": "kind"}],
}


def test_each_viewer_gets_the_rows_of_their_scope_and_the_subtable_s_level(
    client: TestClient, lending: dict[str, str], users: Users
) -> None:
    north = users.client("north_clerk", grants=grants("write"), departments=("north",))
    south = users.client("south_clerk", grants=grants("write"), departments=("south",))
    loan(north, lending, "N1", "100.00", "North", [("Property", "10.00"), ("Vehicle", "20.00")])
    loan(south, lending, "S1", "200.00", "South", [("Property", "5.50")])
    report(client, "by_type", BY_TYPE)
    assert run(north, "by_type")["rows"] == [["Property", "1", "10.00"], ["Vehicle", "1", "20.00"]]
    assert run(south, "by_type")["rows"] == [["Property", "1", "5.50"]]
    assert run(client, "by_type")["rows"] == [
        ["Property", "2", "15.50"],
        ["Vehicle", "1", "20.00"],
    ]
    # the subtable readable on the north's loans only: elsewhere its columns are empty
    both = [
        *grants("read"),
        {**grants("hidden", rows="all")[0], "actions": ["read"]},
    ]
    partial = users.client("partial", grants=both, departments=("north",))
    assert run(partial, "by_type")["rows"] == [
        ["Property", "1", "10.00"],
        ["Vehicle", "1", "20.00"],
        [None, "1", None],
    ]
    # the subtable masked: the report cannot read its rows at all
    masked = users.client("masked", grants=grants("masked", rows="all"), departments=("hq",))
    refused = masked.post(f"{APP}/reports/by_type/run", json={})
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "field_not_readable"
    assert refused.json()["errors"][0]["pointer"] == "/dataset/subtable"
    assert "10.00" not in refused.text
    # the loan's own fields keep the loan's levels
    report(client, "big_loans", {**BY_TYPE, "filters": ["parent.amount > 150"]})
    assert run(south, "big_loans")["rows"] == [["Property", "1", "5.50"]]
    no_amount = users.client(
        "no_amount", grants=grants("read", rows="all", amount="masked"), departments=("hq",)
    )
    refused = no_amount.post(f"{APP}/reports/big_loans/run", json={})
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["pointer"] == "/filters/0"
    assert len(run(no_amount, "by_type")["rows"]) == 2


def test_bad_subtable_datasets_are_refused_at_publish_with_pointers(
    client: TestClient, lending: dict[str, str]
) -> None:
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        (
            {"dataset": {"form": "loan", "subtable": "nope"}},
            {"/spec/dataset/subtable": "E_REPORT_UNKNOWN_FIELD"},
        ),
        (
            {"dataset": {"form": "loan", "subtable": "amount"}},
            {"/spec/dataset/subtable": "E_REPORT_NOT_A_SUBTABLE"},
        ),
        (
            {
                "kind": "detail",
                "dataset": {"form": "loan", "subtable": "collaterals"},
                "columns": [{"key": "v", "field": "value"}],
            },
            {"/spec/dataset/subtable": "E_REPORT_UNSUPPORTED"},
        ),
        (
            {
                "dataset": {"form": "loan", "subtable": "collaterals"},
                "dimensions": [
                    {"key": "deed", "field": "deed_no"},
                    {"key": "a", "field": "amount"},
                ],
            },
            {
                "/spec/dimensions/0/field": "E_REPORT_FIELD_UNUSABLE",
                "/spec/dimensions/1/field": "E_REPORT_UNKNOWN_FIELD",
            },
        ),
    ]
    for spec, expected in cases:
        count = {} if "kind" in spec else {"measures": [{"key": "n", "function": "count"}]}
        refused = define(client, "report", "bad", {**count, **spec})
        assert refused.status_code == 422, refused.text
        found = {item["pointer"]: item["code"] for item in refused.json()["errors"]}
        assert found == expected


def test_a_form_change_that_breaks_a_subtable_report_is_refused(
    client: TestClient, lending: dict[str, str]
) -> None:
    report(client, "by_type", BY_TYPE)
    columns = COLLATERALS["fields"]
    renamed = [{**c, "key": "worth"} if c["key"] == "value" else c for c in columns]
    for fields, pointer in (
        (
            [*LOAN["fields"][:3], {**COLLATERALS, "fields": renamed}],
            "/reports/by_type/measures/1/field",
        ),
        (
            [*LOAN["fields"][:3], {**COLLATERALS, "fields": columns[:1] + columns[2:]}],
            "/reports/by_type/measures/1/field",
        ),
        (LOAN["fields"][:3], "/reports/by_type/dataset/subtable"),
    ):
        refused = define(client, "form", "loan", {"fields": fields})
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "reports_broken_by_change"
        assert [e["pointer"] for e in refused.json()["errors"]] == [pointer]
    # a change the report does not depend on goes through
    extra = {"id": "c_note", "key": "note", "type": "text", "label": "Note"}
    more = [*LOAN["fields"][:3], {**COLLATERALS, "fields": [*columns, extra]}]
    assert define(client, "form", "loan", {"fields": more}).status_code == 201
    assert run(client, "by_type")["rows"] == []


def test_a_plan_compiled_before_a_column_was_renamed_is_refused_not_guessed(
    client: TestClient, lending: dict[str, str]
) -> None:
    """Another process may hold a plan compiled before the subtable changed: 409, never a 500
    or another column's values."""
    report(client, "by_type", BY_TYPE)
    assert run(client, "by_type")["rows"] == []
    compiler = client.app.state.reports.compiler  # type: ignore[attr-defined]
    cache_key = ("lending", "by_type", 1)
    plan = compiler._compiled.get(cache_key)
    renamed = replace(plan.measures[1], ref=replace(plan.measures[1].ref, field="worth"))
    compiler._compiled.put(cache_key, replace(plan, measures=(plan.measures[0], renamed)))
    loan(client, lending, "L1", "10.00", "North", [("Property", "1.00")])  # results are stale
    refused = client.post(f"{APP}/reports/by_type/run", json={})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "report_definition_broken"
    assert refused.json()["errors"][0]["pointer"] == "/measures/1/field"
