"""Event-condition-action rules around record saves, through the HTTP API: AML structuring
alerts (raised once), before-save blocks and computed fields, shadow mode, cascades, refusals at
publish, and the executions recorded per record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from decision_models import rating_model
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlalchemy.orm import sessionmaker

from brickwork.platform.assembly import job_runners
from brickwork.platform.records.windows import window_index

API = "/api/v1"
APP = f"{API}/apps/aml"
PROBLEM = "application/problem+json"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
FORMS: dict[str, list[dict[str, Any]]] = {
    "deposit": [
        {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f_chan", "key": "channel", "type": "text", "label": "Channel"},
        {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
        {"id": "f_at", "key": "at", "type": "datetime", "label": "At"},
    ],
    "alert": [
        {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f_kind", "key": "kind", "type": "text", "label": "Kind"},
        {"id": "f_total", "key": "total", "type": "money", "label": "Total", "currency": "CNY"},
        {"id": "f_trace", "key": "rule_trace", "type": "textarea", "label": "Trace"},
    ],
    "loan": [
        {"id": "f_amt", "key": "amount", "type": "decimal", "label": "Amount", "scale": 2},
        {"id": "f_inc", "key": "income", "type": "decimal", "label": "Income", "scale": 2},
        {"id": "f_rate", "key": "rate", "type": "decimal", "label": "Rate", "scale": 4},
    ],
}
STRUCTURING: dict[str, Any] = {
    "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
    "aggregates": [
        {
            "name": "near_threshold",
            "form": "deposit",
            "function": "count",
            "where": 'it.customer = record.customer and it.channel = "cash" '
            "and it.amount >= 45000 and it.amount <= 49999.99",
            "window": {"field": "at", "before": "P7D", "anchor": "at"},
        },
        {
            "name": "week_total",
            "form": "deposit",
            "function": "sum",
            "field": "amount",
            "where": 'it.customer = record.customer and it.channel = "cash"',
            "window": {"field": "at", "before": "P7D", "anchor": "at"},
        },
    ],
    "condition": 'channel = "cash" and amount >= 45000 and amount <= 49999.99 '
    "and near_threshold >= 3",
    "actions": [
        {
            "type": "raise_alert",
            "form": "alert",
            "values": {"customer": "customer", "kind": '"structuring"', "total": "week_total"},
            "dedupe": 'customer + "/structuring"',
        }
    ],
}


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    body = {"kind": kind, "key": key, "label": key}
    created = client.post(f"{APP}/definitions", json=body)
    assert created.status_code in (201, 409), created.text
    response = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert response.status_code == 200, response.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


@pytest.fixture
def aml(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "aml", "label": "AML"}).status_code == 201
    for key, fields in FORMS.items():
        assert define(client, "form", key, {"fields": fields}).status_code == 201
    return client


def deposit(client: TestClient, amount: str, days: float, customer: str = "C1") -> Any:
    body = {
        "customer": customer,
        "channel": "cash",
        "amount": amount,
        "at": (T0 + timedelta(days=days)).isoformat(),
    }
    response = client.post(f"{APP}/forms/deposit/records", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def alerts(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(f"{APP}/forms/alert/records")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_structuring_raises_one_alert_on_the_third_deposit_and_none_when_spread(
    aml: TestClient,
) -> None:
    assert define(aml, "rule", "structuring", STRUCTURING).status_code == 201
    deposit(aml, "45000.00", 0)
    deposit(aml, "49999.99", 3)
    assert alerts(aml) == []
    third = deposit(aml, "47500.00", 6)
    (alert,) = alerts(aml)
    assert (alert["customer"], alert["kind"], alert["total"]) == (
        "C1",
        "structuring",
        {"amount": "142499.99", "currency": "CNY"},
    )
    trace = json.loads(alert["rule_trace"])
    assert (trace["rule"], trace["version"], trace["record"]) == ("structuring", 1, third["id"])
    assert trace["bindings"] == {"near_threshold": "3", "week_total": "142499.99"}
    deposit(aml, "46000.00", 6.5)  # the fourth: the same key, no second alert
    assert len(alerts(aml)) == 1
    for days in (0, 4, 8.5):  # C2 spreads three over more than 7 days
        deposit(aml, "46000.00", 20 + days, customer="C2")
    assert len(alerts(aml)) == 1
    executions = aml.get(f"{APP}/forms/deposit/records/{third['id']}/rule-executions")
    assert executions.status_code == 200, executions.text
    (execution,) = executions.json()["items"]
    assert (execution["rule"], execution["version"], execution["shadow"]) == (
        "structuring",
        1,
        False,
    )
    assert execution["outcome"]["bindings"] == {"near_threshold": 3, "week_total": "142499.99"}
    assert execution["outcome"]["effects"][0]["type"] == "raise_alert"
    assert execution["dedupe_key"] == "aml/structuring/C1/structuring"


def test_shadow_mode_records_what_it_would_do_and_does_nothing(aml: TestClient) -> None:
    assert define(aml, "rule", "structuring", {**STRUCTURING, "shadow": True}).status_code == 201
    for days in (0, 1, 2):
        last = deposit(aml, "46000", days)
    assert alerts(aml) == []
    items = aml.get(f"{APP}/forms/deposit/records/{last['id']}/rule-executions").json()["items"]
    assert [(i["shadow"], i["outcome"]["effects"][0]["type"]) for i in items] == [
        (True, "raise_alert")
    ]


def test_a_before_save_rule_blocks_with_its_message_or_computes_a_field(aml: TestClient) -> None:
    block = {
        "trigger": {"on": "record", "form": "loan"},
        "phase": "before_save",
        "condition": "amount > income * 5",
        "actions": [
            {"type": "block", "message": "a loan is at most 5 times the income", "field": "amount"}
        ],
    }
    price = {
        "trigger": {"on": "record", "form": "loan"},
        "phase": "before_save",
        "actions": [
            {"type": "set_fields", "values": {"rate": "if amount > 1000000 then 0.035 else 0.042"}}
        ],
    }
    assert define(aml, "rule", "loan_limit", block).status_code == 201
    assert define(aml, "rule", "loan_rate", price).status_code == 201
    loans = f"{APP}/forms/loan/records"
    refused = aml.post(loans, json={"amount": "600000", "income": "100000"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    body = refused.json()
    assert body["code"] == "rule_blocked"
    assert body["errors"] == [
        {
            "pointer": "/amount",
            "code": "rule_blocked",
            "message": "a loan is at most 5 times the income",
        }
    ]
    assert aml.get(loans).json()["items"] == []
    created = aml.post(loans, json={"amount": "2000000", "income": "500000"})
    assert created.status_code == 201, created.text
    assert created.json()["rate"] == "0.0350"
    loan = created.json()
    changed = aml.patch(
        f"{loans}/{loan['id']}",
        json={"amount": "300000"},
        headers={"If-Match": f'"{loan["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["rate"] == "0.0420"


def test_rules_that_trigger_each_other_endlessly_are_stopped(aml: TestClient) -> None:
    echo = {
        "trigger": {"on": "record", "form": "alert", "events": ["created"]},
        "actions": [
            {
                "type": "create_record",
                "form": "alert",
                "values": {"customer": "customer", "kind": '"echo"'},
            }
        ],
    }
    assert define(aml, "rule", "echo", echo).status_code == 201
    response = aml.post(f"{APP}/forms/alert/records", json={"customer": "C1", "kind": "manual"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "rule_cascade"
    assert "echo -> echo -> echo -> echo -> echo -> echo" in body["errors"][0]["message"]
    assert alerts(aml) == []


def test_a_rule_is_refused_at_publish_with_pointers(aml: TestClient) -> None:
    bad = {**STRUCTURING, "condition": "amount > 1 and colour = 1"}
    bad["actions"] = [{**STRUCTURING["actions"][0], "values": {"severity": '"high"'}}]
    response = define(aml, "rule", "structuring", bad)
    assert response.status_code == 422, response.text
    found = {item["pointer"]: item["code"] for item in response.json()["errors"]}
    assert found == {
        "/spec/condition": "E_RULE_EXPRESSION",
        "/spec/actions/0/values/severity": "E_RULE_UNKNOWN_FIELD",
    }
    shape = define(aml, "rule", "shapeless", {"trigger": {"on": "record"}, "actions": []})
    assert shape.status_code == 422
    assert {item["code"] for item in shape.json()["errors"]} == {"E_RULE_SCHEMA"}


def test_publishing_a_rule_with_a_windowed_aggregate_indexes_its_form(
    aml: TestClient, users: Any, session: Any
) -> None:
    dry = aml.post(f"{APP}/definitions/rule/structuring/publish", json={"dry_run": True})
    assert dry.status_code == 404  # no such definition yet
    body = {"kind": "rule", "key": "structuring", "label": "structuring"}
    assert aml.post(f"{APP}/definitions", json=body).status_code == 201
    response = aml.put(
        f"{APP}/definitions/rule/structuring", json={"label": "s", "spec": STRUCTURING}
    )
    assert response.status_code == 200
    dry = aml.post(f"{APP}/definitions/rule/structuring/publish", json={"dry_run": True})
    assert dry.status_code == 200, dry.text
    assert "index deposit(customer, at) for `near_threshold`" in dry.json()["steps"]
    assert aml.post(f"{APP}/definitions/rule/structuring/publish").status_code == 201
    table = users.app.state.records.form(session, "aml", "deposit").table
    names = {ix["name"] for ix in inspect(session.connection()).get_indexes(table.name)}
    expected = window_index(
        users.app.state.records.form(session, "aml", "deposit"), ["customer", "at"]
    ).name
    assert expected in names


def test_a_form_change_that_would_break_a_published_rule_is_refused(aml: TestClient) -> None:
    assert define(aml, "rule", "structuring", STRUCTURING).status_code == 201
    renamed = [
        {**field, "key": "client"} if field["key"] == "customer" else field
        for field in FORMS["deposit"]
    ]
    draft = aml.put(
        f"{APP}/definitions/form/deposit", json={"label": "d", "spec": {"fields": renamed}}
    )
    assert draft.status_code == 200, draft.text
    for dry_run in (True, False):
        response = aml.post(f"{APP}/definitions/form/deposit/publish", json={"dry_run": dry_run})
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["code"] == "rules_broken_by_change"
        pointers = {item["pointer"] for item in body["errors"]}
        assert "/rules/structuring/condition" not in pointers  # it reads no renamed field
        assert "/rules/structuring/aggregates/0/where" in pointers
        assert "/rules/structuring/actions/0/values/customer" in pointers
    deposit(aml, "46000", 0)  # the published form and rule still work


CUSTOMER = [
    {"id": "f_score", "key": "score", "type": "integer", "label": "Score"},
    {"id": "f_pep", "key": "pep", "type": "boolean", "label": "PEP"},
    {"id": "f_risk", "key": "risk", "type": "text", "label": "Risk"},
]
"""A customer form rated by the `rating` decision model."""


def test_a_before_save_rule_sets_fields_from_a_decision_model(aml: TestClient) -> None:
    assert define(aml, "form", "customer", {"fields": CUSTOMER}).status_code == 201
    rate = {
        "trigger": {"on": "record", "form": "customer"},
        "phase": "before_save",
        "actions": [
            {
                "type": "call_decision",
                "model": "rating",
                "inputs": {"score": "score", "pep": "pep"},
                "outputs": {"risk": "result"},
            }
        ],
    }
    missing = define(aml, "rule", "risk_rating", rate)
    assert missing.status_code == 422, missing.text
    assert missing.json()["errors"] == [
        {
            "pointer": "/spec/actions/0/model",
            "code": "E_RULE_UNKNOWN_MODEL",
            "message": "the app has no published, live decision model `rating`",
        }
    ]
    assert define(aml, "decision_table", "rating", rating_model()).status_code == 201
    typo = {**rate, "actions": [{**rate["actions"][0], "decision": "grade"}]}
    typo["actions"][0]["inputs"] = {"score": "score", "p_e_p": "pep"}
    refused = define(aml, "rule", "risk_rating", typo)  # the model has neither
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/actions/0/decision", "E_RULE_UNKNOWN_DECISION"),
        ("/spec/actions/0/inputs/p_e_p", "E_RULE_UNKNOWN_INPUT"),
    ]
    assert "its inputs: score, pep" in refused.json()["errors"][1]["message"]
    assert define(aml, "rule", "risk_rating", rate).status_code == 201
    customers = f"{APP}/forms/customer/records"
    high = aml.post(customers, json={"score": 599, "pep": False})
    assert high.status_code == 201, high.text
    assert high.json()["risk"] == "high"
    medium = aml.post(customers, json={"score": 720, "pep": True})
    assert medium.json()["risk"] == "medium"
    undecided = aml.post(customers, json={"score": 720})  # no rule matches a null pep
    assert undecided.status_code == 201, undecided.text
    assert undecided.json()["risk"] is None
    # The model may not drop an input the rule gives it: the rule would decide on null.
    broken = define(aml, "decision_table", "rating", without_pep())
    assert broken.status_code == 409, broken.text
    assert broken.json()["code"] == "rules_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in broken.json()["errors"]] == [
        ("/rules/risk_rating/actions/0/inputs/pep", "E_RULE_UNKNOWN_INPUT")
    ]
    still = aml.post(customers, json={"score": 720, "pep": True})  # the old model still holds
    assert still.json()["risk"] == "medium"


def without_pep() -> dict[str, Any]:
    """The rating model rated on the score alone (its `pep` input removed)."""
    model = rating_model(
        inputs=[{"id": "InputClause_1", "expression": "score", "type_ref": "number"}],
        rules=[
            {"id": "_rule.1", "when": ["< 600"], "then": ['"high"']},
            {"id": "_rule.2", "when": [">= 600"], "then": ['"low"']},
        ],
    )
    model["inputs"] = model["inputs"][:1]
    model["decisions"][0]["requires"]["inputs"] = ["score"]
    return model


def test_a_model_change_that_breaks_a_flow_calling_it_is_refused(aml: TestClient) -> None:
    assert define(aml, "form", "customer", {"fields": CUSTOMER}).status_code == 201
    assert define(aml, "decision_table", "rating", rating_model()).status_code == 201
    call = {
        "type": "call_decision",
        "model": "rating",
        "inputs": {"score": "score", "pep": "pep"},
        "outputs": {"risk": "result"},
    }
    flow = {
        "form": "customer",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "rate", "type": "action", "actions": [call]},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "rate"},
            {"id": "e2", "from": "rate", "to": "end"},
        ],
    }
    assert define(aml, "flow", "rerate", flow).status_code == 201
    broken = define(aml, "decision_table", "rating", without_pep())
    assert broken.status_code == 409, broken.text
    assert broken.json()["code"] == "flows_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in broken.json()["errors"]] == [
        ("/flows/rerate/nodes/1/actions/0/inputs/pep", "E_FLOW_UNKNOWN_INPUT")
    ]
    added = rating_model()  # a model that gains an input breaks no caller
    added["inputs"].append({"id": "InputData_age", "name": "age", "type_ref": "number"})
    assert define(aml, "decision_table", "rating", added).status_code == 201


def test_an_async_rule_acts_when_its_job_runs(aml: TestClient, users: Any, connection: Any) -> None:
    assert define(aml, "rule", "structuring", {**STRUCTURING, "mode": "async"}).status_code == 201
    for days in (0, 1, 2):
        deposit(aml, "46000", days)
    assert alerts(aml) == [], "nothing acts in the saves' transactions"
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    worker, _scheduler = job_runners(users.app.state.services, factory, name="test-worker")
    assert worker.run_until_idle() == 3
    (alert,) = alerts(aml)
    assert alert["kind"] == "structuring"
    before = {
        **STRUCTURING,
        "phase": "before_save",
        "mode": "async",
        "actions": [{"type": "block", "message": "no"}],
    }
    refused = define(aml, "rule", "early", before)
    assert refused.status_code == 422
    assert ("/spec/mode", "E_RULE_PHASE") in [
        (item["pointer"], item["code"]) for item in refused.json()["errors"]
    ]


def test_a_manual_rule_runs_on_a_record_for_those_who_may_read_it(
    aml: TestClient, users: Any
) -> None:
    escalate = {
        "trigger": {"on": "manual", "form": "deposit"},
        "condition": "amount >= 10000",
        "actions": [
            {
                "type": "raise_alert",
                "form": "alert",
                "values": {"customer": "customer", "kind": '"escalated"'},
            }
        ],
    }
    assert define(aml, "rule", "escalate", escalate).status_code == 201
    big = deposit(aml, "46000", 0)
    small = deposit(aml, "500", 0)
    run = f"{APP}/forms/deposit/records/{{}}/rules/escalate/run"
    outcome = aml.post(run.format(big["id"]))
    assert outcome.status_code == 200, outcome.text
    assert outcome.json()["matched"] is True
    assert aml.post(run.format(small["id"])).json()["matched"] is False
    assert [a["kind"] for a in alerts(aml)] == ["escalated"]
    stranger = users.client(
        "stranger", grants=[{"app": "aml", "form": "alert", "actions": ["read"], "rows": "all"}]
    )
    assert stranger.post(run.format(big["id"])).status_code in (403, 404)
    missing = aml.post(f"{APP}/forms/deposit/records/{big['id']}/rules/structuring/run")
    assert missing.status_code == 404
    assert missing.json()["code"] == "rule_not_found"
    assert len(alerts(aml)) == 1


def test_an_after_save_rule_updates_the_records_matching_a_filter(aml: TestClient) -> None:
    touch = {
        "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
        "actions": [
            {
                "type": "update_records",
                "form": "alert",
                "where": 'it.customer = record.customer and it.kind = "open"',
                "values": {"kind": '"has new deposits"'},
            }
        ],
    }
    assert define(aml, "rule", "touch", touch).status_code == 201
    for customer, kind in (("C1", "open"), ("C1", "closed"), ("C2", "open")):
        body = {"customer": customer, "kind": kind}
        assert aml.post(f"{APP}/forms/alert/records", json=body).status_code == 201
    deposit(aml, "100", 0, customer="C1")
    found = sorted((a["customer"], a["kind"]) for a in alerts(aml))
    assert found == [("C1", "closed"), ("C1", "has new deposits"), ("C2", "open")]
    bad = {**touch, "actions": [{**touch["actions"][0], "where": "count(it.kind) > 1"}]}
    refused = define(aml, "rule", "bad_touch", bad)
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/spec/actions/0/where"]


def test_records_created_in_a_batch_go_through_the_rules_too(aml: TestClient) -> None:
    assert define(aml, "rule", "structuring", STRUCTURING).status_code == 201
    block = {
        "trigger": {"on": "record", "form": "deposit"},
        "phase": "before_save",
        "condition": "amount > 1000000",
        "actions": [{"type": "block", "message": "call compliance first", "field": "amount"}],
    }
    assert define(aml, "rule", "huge", block).status_code == 201

    def body(amount: str, days: int) -> dict[str, Any]:
        at = (T0 + timedelta(days=days)).isoformat()
        return {"customer": "C7", "channel": "cash", "amount": amount, "at": at}

    batch = f"{APP}/forms/deposit/records/batch"
    refused = aml.post(batch, json={"records": [body("46000", 0), body("2000000", 1)]})
    assert refused.status_code == 422, refused.text
    assert {(e["pointer"], e["code"]) for e in refused.json()["errors"]} == {
        ("/records/1/amount", "rule_blocked")
    }
    assert alerts(aml) == []
    created = aml.post(
        batch, json={"records": [body(a, d) for a, d in (("46000", 0), ("47000", 1), ("48000", 2))]}
    )
    assert created.status_code == 201, created.text
    assert [(a["customer"], a["kind"]) for a in alerts(aml)] == [("C7", "structuring")]


def test_executions_show_derived_values_only_to_readers_who_see_the_record_in_clear(
    aml: TestClient, users: Any
) -> None:
    assert define(aml, "rule", "structuring", STRUCTURING).status_code == 201
    for days in (0, 1):
        deposit(aml, "46000", days)
    third = deposit(aml, "46000", 2)
    path = f"{APP}/forms/deposit/records/{third['id']}/rule-executions"
    (full,) = aml.get(path).json()["items"]
    assert full["dedupe_key"] == "aml/structuring/C1/structuring"
    assert full["outcome"]["bindings"]["week_total"] == "138000.00"

    def reader(name: str, customer_key: str) -> TestClient:
        grant = {
            "app": "aml",
            "form": "deposit",
            "actions": ["read"],
            "rows": "all",
            "fields": {customer_key: "masked"},
        }
        return users.client(name, grants=[grant])

    masked = reader("teller", "customer").get(path)
    assert masked.status_code == 200, masked.text
    (item,) = masked.json()["items"]
    assert "dedupe_key" not in item
    assert item["outcome"] == {
        "matched": True,
        "effects": [{"type": "raise_alert"}],
        "diagnostics": [],
        "redacted": True,
    }
    assert "C1" not in masked.text
    renamed = [
        {**field, "key": "client"} if field["key"] == "customer" else field
        for field in FORMS["deposit"]
    ]
    assert define(aml, "rule", "structuring", {**STRUCTURING, "shadow": True}).status_code == 201
    aml.post(f"{APP}/definitions/rule/structuring/archive")
    published = define(aml, "form", "deposit", {"fields": renamed})
    assert published.status_code == 201, published.text
    after = reader("teller2", "client").get(path)
    assert after.status_code == 200, after.text
    assert "C1" not in after.text, "the grant follows the renamed field; still redacted"


def test_the_execution_log_says_what_went_wrong_in_the_readers_language(aml: TestClient) -> None:
    """An action value that fails on a record is logged once and read later in Chinese or
    English."""
    failing = {
        "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
        "condition": 'channel = "cash"',
        "actions": [
            {
                "type": "raise_alert",
                "form": "alert",
                "values": {"customer": "customer", "total": "amount / (amount - amount)"},
            }
        ],
    }
    published = define(aml, "rule", "ratio", failing)
    assert published.status_code == 201, published.text
    record = deposit(aml, "46000", 0)
    path = f"{APP}/forms/deposit/records/{record['id']}/rule-executions"
    read = {
        language: aml.get(path, headers={"accept-language": language}).json()["items"]
        for language in ("zh-CN", "en")
    }
    [zh], [en] = read["zh-CN"], read["en"]
    assert zh["outcome"]["matched"] is en["outcome"]["matched"] is True
    where = {"code": "E_DIVISION_BY_ZERO", "pointer": "/actions/0/values/total"}
    assert zh["outcome"]["diagnostics"] == [
        {**where, "message": "第 1 行第 1 列：表达式求值出错：除数为零"}
    ]
    assert en["outcome"]["diagnostics"] == [
        {**where, "message": "line 1, column 1: division by zero"}
    ]
