"""Rule aggregates that list records (`list`) and scheduled rules that run once per record
(`for_each`), through the HTTP API: screening a new customer against a list form, the limit
refused rather than cut short, a daily review run for each customer due (the boundary day
included), a run as of a given time, and the refusals at publish with their pointers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/kyc"
FORMS: dict[str, list[dict[str, Any]]] = {
    "entry": [
        {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
        {"id": "f_list", "key": "list_type", "type": "text", "label": "List"},
        {"id": "f_cap", "key": "cap", "type": "money", "label": "Cap", "currency": "CNY"},
        {
            "id": "f_rows",
            "key": "aliases",
            "type": "subtable",
            "label": "Aliases",
            "fields": [{"id": "f_alias", "key": "alias", "type": "text", "label": "Alias"}],
        },
    ],
    "customer": [
        {"id": "f_name", "key": "name", "type": "text", "label": "Name"},
        {"id": "f_review", "key": "next_review", "type": "date", "label": "Next review"},
        {"id": "f_status", "key": "status", "type": "text", "label": "Status"},
    ],
    "hit": [
        {"id": "f_who", "key": "customer", "type": "text", "label": "Customer"},
        {"id": "f_what", "key": "matched", "type": "text", "label": "Matched"},
        {"id": "f_n", "key": "entries", "type": "integer", "label": "Entries"},
        {"id": "f_cap", "key": "cap", "type": "money", "label": "Cap", "currency": "CNY"},
    ],
}
SCREENING: dict[str, Any] = {
    "trigger": {"on": "record", "form": "customer", "events": ["created"]},
    "aggregates": [
        {
            "name": "entries",
            "form": "entry",
            "function": "list",
            "fields": ["name", "cap"],
            "where": 'it.list_type = "sanctions"',
            "limit": 3,
        }
    ],
    "let": [
        {"name": "screened", "expression": "name"},  # inside the filter, `name` is the entry's
        {"name": "found", "expression": "entries[item.name = screened]"},
    ],
    "condition": "count(found) > 0",
    "actions": [
        {
            "type": "create_record",
            "form": "hit",
            "values": {
                "customer": "name",
                "matched": 'found[1].name + "@" + found[1].id',
                "entries": "count(entries)",
                "cap": "found[1].cap",
            },
        }
    ],
}
DAILY_REVIEW: dict[str, Any] = {
    "trigger": {
        "on": "schedule",
        "cron": "0 2 * * *",
        "timezone": "Asia/Shanghai",
        "for_each": {
            "form": "customer",
            "where": 'it.status = "active" and it.next_review <= today()',
        },
    },
    "condition": "true",
    "actions": [
        {
            "type": "create_record",
            "form": "hit",
            "values": {"customer": "name", "matched": '"review due " + string(next_review)'},
        }
    ],
}


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code in (201, 409), created.text
    response = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert response.status_code == 200, response.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


@pytest.fixture
def kyc(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}).status_code == 201
    for key, fields in FORMS.items():
        assert define(client, "form", key, {"fields": fields}).status_code == 201
    return client


def add(client: TestClient, form: str, body: dict[str, Any]) -> Any:
    return client.post(f"{APP}/forms/{form}/records", json=body)


def hits(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(f"{APP}/forms/hit/records?sort=customer")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_a_list_aggregate_gives_the_matching_records_oldest_first_with_ids(
    kyc: TestClient,
) -> None:
    first = add(kyc, "entry", {"name": "IVAN PETROV", "list_type": "sanctions", "cap": "1.10"})
    add(kyc, "entry", {"name": "ANNA PEP", "list_type": "pep", "cap": "9"})
    add(kyc, "entry", {"name": "IVAN PETROV", "list_type": "sanctions", "cap": "2.20"})
    assert define(kyc, "rule", "screening", SCREENING).status_code == 201
    assert add(kyc, "customer", {"name": "MARIA LOPEZ"}).status_code == 201
    assert hits(kyc) == []
    assert add(kyc, "customer", {"name": "IVAN PETROV"}).status_code == 201
    (hit,) = hits(kyc)
    entry_id = first.json()["id"]
    assert (hit["customer"], hit["matched"], hit["entries"]) == (
        "IVAN PETROV",
        f"IVAN PETROV@{entry_id}",
        2,  # the PEP entry is filtered out in the database
    )
    assert hit["cap"] == {"amount": "1.10", "currency": "CNY"}  # money as its exact amount


def test_more_records_than_the_limit_is_refused_and_the_save_undone(kyc: TestClient) -> None:
    for index in range(4):
        body = {"name": f"NAME {index}", "list_type": "sanctions", "cap": "1"}
        assert add(kyc, "entry", body).status_code == 201
    assert define(kyc, "rule", "screening", SCREENING).status_code == 201
    refused = add(kyc, "customer", {"name": "NAME 1"})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "too_many_matches"
    assert problem["errors"][0]["pointer"] == "/limit"
    listed = kyc.get(f"{APP}/forms/customer/records").json()
    assert listed["total"] == 0  # never a screening that silently looked at part of the list


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        ({"fields": []}, "/spec/aggregates/0", None),
        ({"fields": ["name", "nickname"]}, "/spec/aggregates/0/fields/1", "E_RULE_UNKNOWN_FIELD"),
        ({"fields": ["aliases"]}, "/spec/aggregates/0/fields/0", "E_RULE_AGGREGATE"),
        ({"field": "name"}, "/spec/aggregates/0", None),
        ({"limit": 10_001}, "/spec/aggregates/0/limit", None),
    ],
)
def test_a_bad_list_is_refused_at_publish_with_a_pointer(
    kyc: TestClient, change: dict[str, Any], pointer: str, code: str | None
) -> None:
    aggregate = {**SCREENING["aggregates"][0], **change}
    response = define(kyc, "rule", "screening", {**SCREENING, "aggregates": [aggregate]})
    if response.status_code == 200:  # the draft itself may already be refused by its schema
        pytest.fail(f"published: {response.text}")
    body = response.json()
    pointers = [item["pointer"] for item in body.get("errors", [])]
    assert any(p.startswith(pointer) for p in pointers), body
    if code is not None:
        assert code in [item["code"] for item in body["errors"]], body


def test_a_list_of_another_type_cannot_pass_for_a_number(kyc: TestClient) -> None:
    wrong = {**SCREENING, "condition": "entries > 0"}
    response = define(kyc, "rule", "screening", wrong)
    assert response.status_code == 422, response.text
    assert "/spec/condition" in [item["pointer"] for item in response.json()["errors"]]


def customers(client: TestClient) -> None:
    for name, review, status in (
        ("A due yesterday", "2026-05-31", "active"),
        ("B due today", "2026-06-01", "active"),
        ("C due tomorrow", "2026-06-02", "active"),
        ("D closed", "2026-01-01", "closed"),
        ("E no date", None, "active"),
    ):
        body = {"name": name, "next_review": review, "status": status}
        assert add(client, "customer", body).status_code == 201


def test_a_scheduled_rule_runs_once_per_record_due_the_boundary_day_included(
    kyc: TestClient,
) -> None:
    customers(kyc)
    assert define(kyc, "rule", "daily_review", DAILY_REVIEW).status_code == 201
    run = kyc.post(f"{APP}/rules/daily_review/run", json={"at": "2026-06-01T02:00:00+08:00"})
    assert run.status_code == 200, run.text
    assert run.json() == {"ran": True, "records": 2, "matched": 2, "failed": []}
    assert [(h["customer"], h["matched"]) for h in hits(kyc)] == [
        ("A due yesterday", "review due 2026-05-31"),
        ("B due today", "review due 2026-06-01"),
    ]
    later = kyc.post(f"{APP}/rules/daily_review/run", json={"at": "2026-06-02T02:00:00+08:00"})
    assert later.json()["records"] == 3  # C is due the next day
    executions = kyc.get(
        f"{APP}/forms/customer/records?filter=name%20%3D%20%22C%20due%20tomorrow%22"
    )
    record_id = executions.json()["items"][0]["id"]
    done = kyc.get(f"{APP}/forms/customer/records/{record_id}/rule-executions").json()["items"]
    assert [(e["rule"], e["event"]) for e in done] == [("daily_review", "schedule")]


def test_only_designers_run_a_scheduled_rule_and_only_a_scheduled_one(
    kyc: TestClient, users: Any
) -> None:
    customers(kyc)
    assert define(kyc, "rule", "daily_review", DAILY_REVIEW).status_code == 201
    assert define(kyc, "rule", "screening", SCREENING).status_code == 201
    clerk = users.client(
        "kyc.clerk", grants=[{"app": "kyc", "actions": ["read", "create"], "rows": "all"}]
    )
    refused = clerk.post(f"{APP}/rules/daily_review/run", json={})
    assert refused.status_code == 403, refused.text
    not_scheduled = kyc.post(f"{APP}/rules/screening/run", json={})
    assert (not_scheduled.status_code, not_scheduled.json()["code"]) == (404, "rule_not_found")
    assert hits(kyc) == []


@pytest.mark.parametrize(
    ("for_each", "pointer"),
    [
        ({"form": "prospect"}, "/spec/trigger/for_each/form"),
        ({"form": "customer", "where": "it.nickname = 1"}, "/spec/trigger/for_each/where"),
        ({"form": "customer", "where": 'matches(it.name, "^A")'}, "/spec/trigger/for_each/where"),
    ],
)
def test_a_bad_for_each_is_refused_at_publish(
    kyc: TestClient, for_each: dict[str, Any], pointer: str
) -> None:
    spec = {**DAILY_REVIEW, "trigger": {**DAILY_REVIEW["trigger"], "for_each": for_each}}
    response = define(kyc, "rule", "daily_review", spec)
    assert response.status_code == 422, response.text
    assert pointer in [item["pointer"] for item in response.json()["errors"]]


def test_without_for_each_a_scheduled_rule_names_no_record_field(kyc: TestClient) -> None:
    trigger = {key: value for key, value in DAILY_REVIEW["trigger"].items() if key != "for_each"}
    response = define(kyc, "rule", "daily_review", {**DAILY_REVIEW, "trigger": trigger})
    assert response.status_code == 422, response.text
    pointers = [item["pointer"] for item in response.json()["errors"]]
    assert "/spec/actions/0/values/customer" in pointers


def test_a_record_whose_run_fails_is_reported_and_the_others_go_on(kyc: TestClient) -> None:
    fields = [{"id": "f_who", "key": "customer", "type": "text", "label": "Who", "required": True}]
    assert define(kyc, "form", "review", {"fields": fields}).status_code == 201
    customers(kyc)
    nameless = add(kyc, "customer", {"next_review": "2026-05-01", "status": "active"}).json()
    action = {"type": "create_record", "form": "review", "values": {"customer": "name"}}
    assert (
        define(kyc, "rule", "daily_review", {**DAILY_REVIEW, "actions": [action]}).status_code
        == 201
    )
    run = kyc.post(f"{APP}/rules/daily_review/run", json={"at": "2026-06-01T02:00:00+08:00"})
    assert run.status_code == 200, run.text
    answer = run.json()
    assert (answer["records"], answer["matched"]) == (3, 2)
    assert [(f["record"], f["code"]) for f in answer["failed"]] == [
        (nameless["id"], "record_invalid")
    ]
    reviews = kyc.get(f"{APP}/forms/review/records?sort=customer").json()["items"]
    assert [r["customer"] for r in reviews] == ["A due yesterday", "B due today"]
