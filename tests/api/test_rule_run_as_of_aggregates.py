"""A scheduled rule run as of a given time (`POST /apps/{app}/rules/{key}/run` with `at`):
`today()` in the filters of its count/sum/min/max/avg aggregates is that time's day, as in
its `for_each` filter and its `list` aggregates, never the server's clock."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/ledger"
FORMS: dict[str, list[dict[str, Any]]] = {
    "account": [{"id": "f_no", "key": "account_no", "type": "text", "label": "Account"}],
    "entry": [
        {"id": "f_no", "key": "account_no", "type": "text", "label": "Account"},
        {"id": "f_day", "key": "booked_on", "type": "date", "label": "Booked on"},
        {"id": "f_amt", "key": "amount", "type": "decimal", "scale": 2, "label": "Amount"},
    ],
    "statement": [
        {"id": "f_no", "key": "account_no", "type": "text", "label": "Account"},
        {"id": "f_n", "key": "entries", "type": "integer", "label": "Entries"},
        {"id": "f_sum", "key": "total", "type": "decimal", "scale": 2, "label": "Total"},
    ],
}
DAILY: dict[str, Any] = {
    "trigger": {
        "on": "schedule",
        "cron": "0 1 * * *",
        "timezone": "Asia/Shanghai",
        "for_each": {"form": "account"},
    },
    "aggregates": [
        {
            "name": "before_today",
            "form": "entry",
            "function": "count",
            "where": "it.account_no = record.account_no and it.booked_on < today()",
        },
        {
            "name": "total",
            "form": "entry",
            "function": "sum",
            "field": "amount",
            "where": "it.account_no = record.account_no and it.booked_on < today()",
        },
    ],
    "condition": "true",
    "actions": [
        {
            "type": "create_record",
            "form": "statement",
            "values": {"account_no": "account_no", "entries": "before_today", "total": "total"},
        }
    ],
}


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> None:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code == 201, created.text
    response = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert response.status_code == 200, response.text
    published = client.post(f"{APP}/definitions/{kind}/{key}/publish")
    assert published.status_code == 201, published.text


def test_today_in_an_aggregate_filter_is_the_day_of_the_run(client: TestClient) -> None:
    assert client.post(f"{API}/apps", json={"key": "ledger", "label": "Ledger"}).status_code == 201
    for key, fields in FORMS.items():
        define(client, "form", key, {"fields": fields})
    define(client, "rule", "daily_statement", DAILY)
    assert client.post(f"{APP}/forms/account/records", json={"account_no": "A1"}).status_code == 201
    for day, amount in (("2030-03-30", "10.00"), ("2030-03-31", "20.00"), ("2030-04-01", "40.00")):
        body = {"account_no": "A1", "booked_on": day, "amount": amount}
        assert client.post(f"{APP}/forms/entry/records", json=body).status_code == 201
    for at in (
        "2030-03-31T01:00:00+08:00",
        "2030-04-01T01:00:00+08:00",
        "2030-04-02T01:00:00+08:00",
    ):
        run = client.post(f"{APP}/rules/daily_statement/run", json={"at": at})
        assert run.json() == {"ran": True, "records": 1, "matched": 1, "failed": []}, run.text
    listed = client.get(f"{APP}/forms/statement/records?limit=10").json()["items"]
    # Newest first: the run of 2 April counts the three entries before it, that of 31 March one.
    assert [(s["entries"], s["total"]) for s in listed] == [
        (3, "70.00"),
        (2, "30.00"),
        (1, "10.00"),
    ]
