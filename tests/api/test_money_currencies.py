"""Amounts in different currencies are never added up together: a money field whose values
name their own currencies is summed per currency, and a report may not sum, compare, group or
bucket it; a fixed-currency field is shown in its own currency, and a form may not drop that
currency under a report that adds it up. On SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/fx"
RECORDS = f"{APP}/forms/deal/records"


def fields(currency: str | None) -> list[dict[str, Any]]:
    amount: dict[str, Any] = {"id": "f_amount", "key": "amount", "type": "money", "label": "Amount"}
    if currency is not None:
        amount["currency"] = currency
    return [{"id": "f_desk", "key": "desk", "type": "text", "label": "Desk"}, amount]


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    """Save `spec` as the draft of `kind`/`key` (created when new) and try to publish it."""
    if client.get(f"{APP}/definitions/{kind}/{key}").status_code == 404:
        body = {"kind": kind, "key": key, "label": key}
        assert client.post(f"{APP}/definitions", json=body).status_code == 201
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


CAST = {"conversions": {"f_amount": "cast"}}
"""A publish that converts the stored amounts (the field's currency changes)."""


def republish(client: TestClient, currency: str | None) -> Any:
    """Save the form with `currency` (a change that converts stored amounts, so the plain
    publish asks for the conversion) and publish it with the conversion."""
    assert define(client, "form", "deal", {"fields": fields(currency)}).status_code == 422
    return client.post(f"{APP}/definitions/form/deal/publish", json=CAST)


@pytest.fixture
def fx(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "fx", "label": "FX"}).status_code == 201
    return client


def test_amounts_in_several_currencies_are_summed_per_currency(fx: TestClient) -> None:
    assert define(fx, "form", "deal", {"fields": fields(None)}).status_code == 201
    for amount, currency in (("100.25", "USD"), ("700", "CNY"), ("1000", "JPY"), ("0.75", "USD")):
        made = fx.post(
            RECORDS, json={"desk": "a", "amount": {"amount": amount, "currency": currency}}
        )
        assert made.status_code == 201, made.text
    summary = fx.get(f"{RECORDS}/summary", params={"sum": "amount"})
    assert summary.status_code == 200, summary.text
    sums = summary.json()["sum"]["amount"]
    assert [(s["currency"], float(s["amount"])) for s in sums] == [
        ("CNY", 700.0),
        ("JPY", 1000.0),
        ("USD", 101.0),
    ]
    no_rows = fx.get(f"{RECORDS}/summary", params={"sum": "amount", "filter": 'desk = "z"'})
    assert no_rows.json()["sum"]["amount"] == []


def test_a_report_may_not_add_up_group_or_bucket_amounts_of_several_currencies(
    fx: TestClient,
) -> None:
    assert define(fx, "form", "deal", {"fields": fields(None)}).status_code == 201
    spec = {
        "dataset": {"form": "deal"},
        "dimensions": [{"key": "size", "field": "amount", "buckets": {"bounds": ["1000"],
                                                                      "labels": ["S", "L"]}}],
        "measures": [
            {"key": "total", "function": "sum", "field": "amount"},
            {"key": "deals", "function": "count"},
        ],
    }  # fmt: skip
    refused = define(fx, "report", "totals", spec)
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/dimensions/0/field", "E_REPORT_MIXED_CURRENCIES"),
        ("/spec/measures/0/function", "E_REPORT_MIXED_CURRENCIES"),
    ]
    assert "fixed currency" in refused.json()["errors"][1]["message"]
    counted = {**spec, "dimensions": [{"key": "desk", "field": "desk"}],
               "measures": [{"key": "deals", "function": "count"}]}  # fmt: skip
    assert define(fx, "report", "totals", counted).status_code == 201


def test_a_fixed_currency_is_shown_and_kept_under_the_reports_that_add_it_up(
    fx: TestClient,
) -> None:
    assert define(fx, "form", "deal", {"fields": fields("USD")}).status_code == 201
    spec = {
        "dataset": {"form": "deal"},
        "dimensions": [{"key": "desk", "field": "desk"}],
        "measures": [{"key": "total", "function": "sum", "field": "amount"}],
    }
    assert define(fx, "report", "totals", spec).status_code == 201
    # No records yet, so the form's storage could change: the report is what refuses it.
    loosened = republish(fx, None)
    assert loosened.status_code == 409, loosened.text
    assert loosened.json()["code"] == "reports_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in loosened.json()["errors"]] == [
        ("/reports/totals/measures/0/function", "E_REPORT_MIXED_CURRENCIES")
    ]
    for amount in ("1200.50", "300"):
        assert fx.post(RECORDS, json={"desk": "a", "amount": amount}).status_code == 201
    ran = fx.post(f"{APP}/reports/totals/run", json={}, headers={"accept-language": "en"})
    assert ran.status_code == 200, ran.text
    assert ran.json()["display"] == [["a", "$1,500.50"]]  # not CN¥


def test_a_rule_may_not_add_up_amounts_of_several_currencies(fx: TestClient) -> None:
    assert define(fx, "form", "deal", {"fields": fields("USD")}).status_code == 201
    rule = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "aggregates": [
            {"name": "total", "form": "deal", "function": "sum", "field": "amount"},
            {"name": "deals", "form": "deal", "function": "count"},
        ],
        "condition": "total > 1000000",
        "actions": [{"type": "set_fields", "values": {"desk": '"big"'}}],
    }
    assert define(fx, "rule", "big_desk", rule).status_code == 201
    loosened = republish(fx, None)
    assert loosened.status_code == 409, loosened.text
    assert loosened.json()["code"] == "rules_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in loosened.json()["errors"]] == [
        ("/rules/big_desk/aggregates/0/field", "E_RULE_MIXED_CURRENCIES")
    ]
    assert fx.post(f"{APP}/definitions/rule/big_desk/archive").status_code in (200, 204)
    assert fx.post(f"{APP}/definitions/form/deal/publish", json=CAST).status_code == 201
    refused = define(fx, "rule", "big_desk_again", rule)
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/aggregates/0/field", "E_RULE_MIXED_CURRENCIES")
    ]


def test_the_database_never_sums_amounts_of_several_currencies(
    fx: TestClient, users: Any, session: Any
) -> None:
    """Below the publish checks: a rule's aggregate over such a field is refused when it runs
    (were a rule to reach it some other way), not summed across currencies."""
    from brickwork.platform.actor import Actor
    from brickwork.platform.errors import Invalid

    assert define(fx, "form", "deal", {"fields": fields(None)}).status_code == 201
    body = {"desk": "a", "amount": {"amount": "5", "currency": "USD"}}
    assert fx.post(RECORDS, json=body).status_code == 201
    records = users.app.state.services.records
    system = Actor("setup", channel="cli", system=True)
    for function in ("sum", "avg", "min", "max"):
        with pytest.raises(Invalid) as caught:
            records.window_aggregate(
                session, system, "fx", "deal", function=function, field="amount"
            )
        assert [e.code for e in caught.value.errors] == ["mixed_currencies"], function
    counted = records.window_aggregate(session, system, "fx", "deal", function="count")
    assert counted == 1


def routing_flow(condition: str) -> dict[str, Any]:
    """Submit, then the desk head for a large deal (by `condition`), else the desk."""
    return {
        "form": "deal",
        "nodes": [
            {"id": "submit", "type": "start"},
            {"id": "route", "type": "exclusive"},
            {"id": "head", "type": "approval", "assignees": [{"type": "user", "user": "admin"}]},
            {"id": "desk", "type": "approval", "assignees": [{"type": "user", "user": "admin"}]},
            {"id": "done", "type": "end"},
        ],
        "edges": [
            {"id": "e1", "from": "submit", "to": "route"},
            {"id": "e2", "from": "route", "to": "head", "condition": condition},
            {"id": "e3", "from": "route", "to": "desk", "default": True},
            {"id": "e4", "from": "head", "to": "done"},
            {"id": "e5", "from": "desk", "to": "done"},
        ],
    }


def test_a_flow_may_not_route_on_an_amount_whatever_its_currency(fx: TestClient) -> None:
    """`amount > 1000000` would send 1,000,000 yen where 1,000,000 dollars go: refused at
    publish while the amount's currency is chosen per record, and a form may not drop the
    fixed currency a published flow routes on."""
    assert define(fx, "form", "deal", {"fields": fields(None)}).status_code == 201
    refused = define(fx, "flow", "route", routing_flow("amount > 1000000"))
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/spec/edges/1/condition", "E_FLOW_MONEY_CURRENCY")
    assert "`amount`" in error["message"]
    assert "fixed currency" in error["message"]
    # a null test reads no amount
    assert define(fx, "flow", "route", routing_flow("amount != null")).status_code == 201
    assert define(fx, "flow", "route", routing_flow("amount = null")).status_code == 201
    assert republish(fx, "USD").status_code == 201
    assert define(fx, "flow", "route", routing_flow("amount > 1000000")).status_code == 201
    loosened = republish(fx, None)
    assert loosened.status_code == 409, loosened.text
    assert loosened.json()["code"] == "flows_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in loosened.json()["errors"]] == [
        ("/flows/route/edges/1/condition", "E_FLOW_MONEY_CURRENCY")
    ]


def test_a_rule_may_not_compare_an_amount_whatever_its_currency(fx: TestClient) -> None:
    assert define(fx, "form", "deal", {"fields": fields("USD")}).status_code == 201
    rule = {
        "trigger": {"on": "record", "form": "deal"},
        "phase": "before_save",
        "condition": "amount > 1000000",
        "actions": [{"type": "set_fields", "values": {"desk": '"big"'}}],
    }
    assert define(fx, "rule", "big_desk", rule).status_code == 201
    loosened = republish(fx, None)
    assert loosened.status_code == 409, loosened.text
    assert loosened.json()["code"] == "rules_broken_by_change"
    assert [(e["pointer"], e["code"]) for e in loosened.json()["errors"]] == [
        ("/rules/big_desk/condition", "E_RULE_MIXED_CURRENCIES")
    ]
    assert fx.post(f"{APP}/definitions/rule/big_desk/archive").status_code in (200, 204)
    assert fx.post(f"{APP}/definitions/form/deal/publish", json=CAST).status_code == 201
    refused = define(fx, "rule", "big_desk_again", rule)
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/spec/condition", "E_RULE_MIXED_CURRENCIES")
    assert "chosen per record" in error["message"]
    unset = {**rule, "condition": "amount = null"}
    assert define(fx, "rule", "no_amount", unset).status_code == 201


def test_a_form_may_not_add_up_rows_of_several_currencies(fx: TestClient) -> None:
    lines = {
        "id": "f_lines",
        "key": "lines",
        "type": "subtable",
        "label": "Lines",
        "fields": [{"id": "f_amt", "key": "amt", "type": "money", "label": "Amount"}],
    }
    total = {
        "id": "f_total",
        "key": "total",
        "type": "computed",
        "label": "Total",
        "result_type": "money",
        "currency": "CNY",
        "expression": "sum(lines.amt)",
    }
    refused = define(fx, "form", "deal", {"fields": [lines, total]})
    assert refused.status_code == 422, refused.text
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/spec/fields/1/expression", "money_rows_mixed")
    ]
    lines["fields"][0]["currency"] = "CNY"
    assert define(fx, "form", "deal", {"fields": [lines, total]}).status_code == 201
    made = fx.post(RECORDS, json={"lines": [{"amt": "10.50"}, {"amt": "2"}]})
    assert made.status_code == 201, made.text
    assert made.json()["total"] == {"amount": "12.50", "currency": "CNY"}


def test_a_report_may_not_filter_on_an_amount_whatever_its_currency(fx: TestClient) -> None:
    assert define(fx, "form", "deal", {"fields": fields(None)}).status_code == 201
    spec = {
        "dataset": {"form": "deal"},
        "dimensions": [{"key": "desk", "field": "desk"}],
        "measures": [{"key": "deals", "function": "count"}],
        "filters": ["amount > 1000000"],
    }
    refused = define(fx, "report", "large", spec)
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/spec/filters/0", "E_REPORT_MIXED_CURRENCIES")
    assert "'amount'" in error["message"]
    assert define(fx, "report", "large", {**spec, "filters": ["amount != null"]}).status_code == 201


def test_a_refused_form_names_each_problem_in_the_designers_language(fx: TestClient) -> None:
    """The items of a refused publish speak Chinese to a client that asks for it (a Chinese
    analyst in the form designer), English otherwise; codes and pointers are the same."""
    total = {
        "id": "f_total",
        "key": "total",
        "type": "computed",
        "label": "Total",
        "result_type": "money",
        "currency": "CNY",
        "expression": "amount * 2",
    }
    spec = {"fields": [*fields("USD"), total]}
    body = {"kind": "form", "key": "deal", "label": "deal"}
    assert fx.post(f"{APP}/definitions", json=body).status_code == 201
    saved = fx.put(f"{APP}/definitions/form/deal", json={"label": "deal", "spec": spec})
    assert saved.status_code == 200, saved.text
    answers = {
        language: fx.post(
            f"{APP}/definitions/form/deal/publish", headers={"accept-language": language}
        ).json()
        for language in ("zh-CN", "en")
    }
    (zh,) = answers["zh-CN"]["errors"]
    (en,) = answers["en"]["errors"]
    assert (zh["pointer"], zh["code"]) == (en["pointer"], en["code"])
    assert (en["pointer"], en["code"]) == ("/spec/fields/2/expression", "computed_money_currency")
    assert en["message"].startswith("the result is an amount in CNY but reads `amount` (in USD)")
    assert zh["message"].startswith("结果为 CNY 金额，但读取了 `amount`（币种为 USD）")
    checked = fx.post(
        f"{APP}/definitions/form/deal/validate", headers={"accept-language": "zh-CN"}
    ).json()
    assert [p["message"] for p in checked["problems"]] == [zh["message"]]
    shown = fx.get(f"{APP}/definitions/form/deal", headers={"accept-language": "zh-CN"}).json()
    assert [p["message"] for p in shown["problems"]] == [zh["message"]]
