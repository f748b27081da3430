"""A batch whose rules read records is saved as if its records came one after the other: each
record's rules see the batch rows before it and never those after it (a duplicate within one
batch is refused like one sent later; a running count is the count at that row), through the
batch API and an import; a form whose rules read nothing is still written at once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/bank"
FORMS: dict[str, list[dict[str, Any]]] = {
    "deposit": [
        {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f_day", "key": "day", "type": "date", "label": "Day"},
        {"id": "f_amt", "key": "amount", "type": "money", "label": "Amount", "currency": "CNY"},
    ],
    "alert": [
        {"id": "f_cust", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f_n", "key": "deposits", "type": "integer", "label": "Deposits"},
        {"id": "f_total", "key": "total", "type": "money", "label": "Total", "currency": "CNY"},
    ],
}
ONE_A_DAY: dict[str, Any] = {
    "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
    "phase": "before_save",
    "aggregates": [
        {
            "name": "same_day",
            "form": "deposit",
            "function": "count",
            "where": "it.customer = record.customer and it.day = record.day",
        }
    ],
    "condition": "same_day >= 1",
    "actions": [{"type": "block", "message": "one deposit a day per customer", "field": "day"}],
}
RUNNING: dict[str, Any] = {
    "trigger": {"on": "record", "form": "deposit", "events": ["created"]},
    "aggregates": [
        {
            "name": "count_so_far",
            "form": "deposit",
            "function": "count",
            "where": "it.customer = record.customer",
        },
        {
            "name": "total_so_far",
            "form": "deposit",
            "function": "sum",
            "field": "amount",
            "where": "it.customer = record.customer",
        },
    ],
    "condition": "count_so_far >= 2",
    "actions": [
        {
            "type": "create_record",
            "form": "alert",
            "values": {"customer": "customer", "deposits": "count_so_far", "total": "total_so_far"},
        }
    ],
}


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> None:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    saved = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert saved.status_code == 200, saved.text
    published = client.post(f"{APP}/definitions/{kind}/{key}/publish")
    assert published.status_code == 201, published.text


@pytest.fixture
def bank(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "bank", "label": "Bank"}).status_code == 201
    for key, fields in FORMS.items():
        define(client, "form", key, {"fields": fields})
    return client


def deposits(*rows: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"customer": c, "day": d, "amount": a} for c, d, a in rows]


def listed(client: TestClient, form: str) -> list[dict[str, Any]]:
    response = client.get(f"{APP}/forms/{form}/records?sort=created_at&limit=100")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_a_duplicate_within_one_batch_is_refused_like_one_sent_later(bank: TestClient) -> None:
    define(bank, "rule", "one_a_day", ONE_A_DAY)
    batch = deposits(
        ("C1", "2026-03-02", "10.00"),
        ("C2", "2026-03-02", "20.00"),
        ("C1", "2026-03-02", "30.00"),  # the same customer and day as the first
    )
    refused = bank.post(f"{APP}/forms/deposit/records/batch", json={"records": batch})
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [(e["pointer"], e["message"]) for e in errors] == [
        ("/records/2/day", "one deposit a day per customer")
    ]
    assert listed(bank, "deposit") == []  # all or nothing
    fine = bank.post(f"{APP}/forms/deposit/records/batch", json={"records": batch[:2]})
    assert fine.status_code == 201, fine.text
    assert fine.json()["created"] == 2


def test_each_row_of_a_batch_sees_the_rows_before_it_and_not_after(bank: TestClient) -> None:
    define(bank, "rule", "running", RUNNING)
    batch = deposits(
        ("C1", "2026-03-02", "10.00"),
        ("C1", "2026-03-03", "20.00"),
        ("C2", "2026-03-03", "5.00"),
        ("C1", "2026-03-04", "30.00"),
    )
    made = bank.post(f"{APP}/forms/deposit/records/batch", json={"records": batch})
    assert made.status_code == 201, made.text
    alerts = [(a["customer"], a["deposits"], a["total"]["amount"]) for a in listed(bank, "alert")]
    assert sorted(alerts) == [("C1", 2, "30.00"), ("C1", 3, "60.00")]
    ids = made.json()["ids"]
    assert [d["id"] for d in listed(bank, "deposit")] == ids  # stored in the order sent


def test_an_import_keeps_the_good_rows_in_order_and_reports_the_duplicate(
    bank: TestClient,
) -> None:
    define(bank, "rule", "one_a_day", ONE_A_DAY)
    csv = "customer,day,amount\nC1,2026-03-02,10.00\nC1,2026-03-02,11.00\nC1,2026-03-03,12.00\n"
    imported = bank.post(
        f"{APP}/forms/deposit/imports?partial=true",
        content=csv.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert (report["created"], report["error_count"]) == (2, 1)
    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (3, "day", "rule_blocked")  # the header is row 1
    ]
    saved = listed(bank, "deposit")
    assert [(d["day"], d["amount"]["amount"]) for d in saved] == [
        ("2026-03-02", "10.00"),
        ("2026-03-03", "12.00"),
    ]
