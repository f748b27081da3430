"""Parameter tables through the HTTP API: a faulty table is refused at save and publish with
pointers; formulas, validations and rules read the published values as of a day; a bank
changes a threshold by publishing a new version (never by editing the rule); drafts are never
read; another app's table is read as `app.table`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/aml"
THRESHOLDS: dict[str, Any] = {
    "value_type": "number",
    "unit": "CNY",
    "source": "PBOC Order 2016 No.3, art. 5",
    "rows": [
        {
            "key": "cash_cny",
            "value": 200000,
            "effective_from": "2007-03-01",
            "effective_to": "2017-06-30",
            "source": "PBOC Order 2006 No.2",
        },
        {"key": "cash_cny", "value": 50000, "effective_from": "2017-07-01"},
    ],
}
DEPOSIT = {
    "fields": [
        {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
        {"id": "f_day", "key": "day", "type": "date", "label": "Day"},
        {
            "id": "f_large",
            "key": "large",
            "type": "computed",
            "label": "Large-value",
            "result_type": "boolean",
            "expression": 'amount >= parameter("cash_thresholds", "cash_cny", day)',
        },
    ],
    "validations": [
        {
            "id": "v_cap",
            "expression": 'amount <= parameter("limits.caps", "deposit", day)',
            "message": "above the deposit cap",
        }
    ],
}


def define(client: TestClient, app: str, kind: str, key: str, spec: dict[str, Any]) -> Any:
    base = f"{API}/apps/{app}/definitions"
    created = client.post(base, json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    saved = client.put(f"{base}/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    return client.post(f"{base}/{kind}/{key}/publish")


@pytest.fixture
def aml(client: TestClient) -> TestClient:
    for app in ("aml", "limits"):
        assert client.post(f"{API}/apps", json={"key": app, "label": app}).status_code == 201
    caps = {
        "value_type": "number",
        "source": "bank policy 12",
        "rows": [{"key": "deposit", "value": 5000000, "effective_from": "2000-01-01"}],
    }
    assert define(client, "limits", "parameter_table", "caps", caps).status_code == 201
    assert (
        define(client, "aml", "parameter_table", "cash_thresholds", THRESHOLDS).status_code == 201
    )
    assert define(client, "aml", "form", "deposit", DEPOSIT).status_code == 201
    return client


def deposit(client: TestClient, amount: str, day: str) -> Any:
    return client.post(f"{APP}/forms/deposit/records", json={"amount": amount, "day": day})


def test_formulas_read_the_value_in_force_on_the_records_day(aml: TestClient) -> None:
    cases = [
        ("50000", "2017-07-01", True),
        ("49999.99", "2017-07-01", False),
        ("50000", "2017-06-30", False),
        ("200000", "2017-06-30", True),
    ]
    for amount, day, large in cases:
        created = deposit(aml, amount, day)
        assert created.status_code == 201, created.text
        assert created.json()["large"] is large, (amount, day)


def test_another_apps_table_is_read_by_its_qualified_name(aml: TestClient) -> None:
    refused = deposit(aml, "5000000.01", "2024-01-02")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["message"].endswith("above the deposit cap")
    assert deposit(aml, "5000000.00", "2024-01-02").status_code == 201


def test_a_new_version_changes_the_threshold_and_a_draft_changes_nothing(aml: TestClient) -> None:
    lowered = {
        **THRESHOLDS,
        "rows": [
            *THRESHOLDS["rows"][:1],
            {
                "key": "cash_cny",
                "value": 50000,
                "effective_from": "2017-07-01",
                "effective_to": "2025-12-31",
            },
            {"key": "cash_cny", "value": 30000, "effective_from": "2026-01-01", "source": "bank"},
        ],
    }
    table = f"{APP}/definitions/parameter_table/cash_thresholds"
    saved = aml.put(table, json={"label": "cash", "spec": lowered})
    assert saved.status_code == 200, saved.text
    assert deposit(aml, "30000", "2026-01-01").json()["large"] is False  # a draft is not read
    assert aml.post(f"{table}/publish").status_code == 201
    assert deposit(aml, "30000", "2026-01-01").json()["large"] is True
    assert deposit(aml, "30000", "2025-12-31").json()["large"] is False  # the past as it was


def test_rules_read_parameters(aml: TestClient) -> None:
    rule = {
        "trigger": {"on": "record", "form": "deposit"},
        "phase": "before_save",
        "condition": 'amount >= parameter("cash_thresholds", "cash_cny", day) * 2',
        "actions": [{"type": "block", "message": "needs a branch manager", "field": "amount"}],
    }
    assert define(aml, "aml", "rule", "double", rule).status_code == 201
    assert deposit(aml, "99999.99", "2020-05-01").status_code == 201
    refused = deposit(aml, "100000", "2020-05-01")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "rule_blocked"


@pytest.mark.parametrize(
    ("spec", "pointer", "code"),
    [
        ({"rows": []}, "/spec/rows", "E_PARAM_SCHEMA"),
        (
            {**THRESHOLDS, "rows": [{**THRESHOLDS["rows"][1], "value": "50000"}]},
            "/spec/rows/0/value",
            "E_PARAM_VALUE_TYPE",
        ),
        (
            {**THRESHOLDS, "rows": [THRESHOLDS["rows"][1], {**THRESHOLDS["rows"][1], "value": 1}]},
            "/spec/rows/1/effective_from",
            "E_PARAM_OVERLAP",
        ),
    ],
)
def test_a_faulty_table_is_refused_with_a_pointer(
    aml: TestClient, spec: dict[str, Any], pointer: str, code: str
) -> None:
    created = aml.post(
        f"{APP}/definitions", json={"kind": "parameter_table", "key": "bad", "label": "bad"}
    )
    assert created.status_code == 201, created.text
    saved = aml.put(f"{APP}/definitions/parameter_table/bad", json={"label": "bad", "spec": spec})
    published = aml.post(f"{APP}/definitions/parameter_table/bad/publish")
    assert published.status_code == 422, published.text
    assert {"pointer": pointer, "code": code} in [
        {"pointer": e["pointer"], "code": e["code"]} for e in published.json()["errors"]
    ], published.json()
    assert saved.status_code == 200  # a draft may be faulty; it is shown with its problems
    shown = aml.get(f"{APP}/definitions/parameter_table/bad").json()
    assert code in {p["code"] for p in shown["problems"]}, shown


@pytest.mark.parametrize(
    ("expression", "code", "message"),
    [
        (
            'parameter("no_such_table", "cash_cny")',
            "E_PARAM_UNKNOWN_TABLE",
            "line 1, column 1: there is no published parameter table 'no_such_table'",
        ),
        (
            'amount > parameter("cash_thresholds", "wire_cny")',
            "E_PARAM_UNKNOWN_KEY",
            "line 1, column 10: parameter table 'cash_thresholds' has no key 'wire_cny'",
        ),
        (
            'convert currency(amount, "USD", "CNY", day) > 0',
            "E_PARAM_UNKNOWN_TABLE",
            "there is no published parameter table 'exchange_rates'",
        ),
        (
            'parameters("limits.nope").deposit > 0',
            "E_PARAM_UNKNOWN_TABLE",
            "there is no published parameter table 'limits.nope'",
        ),
    ],
)
def test_a_definition_naming_a_missing_table_or_key_is_refused_at_publish(
    aml: TestClient, expression: str, code: str, message: str
) -> None:
    spec = {
        "fields": [
            *DEPOSIT["fields"][:2],
            {
                "id": "f_x",
                "key": "x",
                "type": "computed",
                "label": "X",
                "result_type": "boolean",
                "expression": expression,
            },
        ]
    }
    refused = define(aml, "aml", "form", "other", spec)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/spec/fields/2/expression", code)
    assert message in error["message"]
    rule = {
        "trigger": {"on": "record", "form": "deposit"},
        "phase": "before_save",
        "condition": expression,
        "actions": [{"type": "block", "message": "no", "field": "amount"}],
    }
    refused_rule = define(aml, "aml", "rule", "uses_missing", rule)
    assert refused_rule.status_code == 422
    assert refused_rule.json()["errors"][0]["pointer"] == "/spec/condition"


def test_a_key_computed_at_run_time_is_not_refused_at_publish(aml: TestClient) -> None:
    spec = {
        "fields": [
            *DEPOSIT["fields"][:2],
            {
                "id": "f_t",
                "key": "t",
                "type": "computed",
                "label": "T",
                "result_type": "decimal",
                "expression": 'parameter("cash_thresholds", "cash_" + "cny", day)',
            },
        ]
    }
    assert define(aml, "aml", "form", "computed_key", spec).status_code == 201
