"""Records of a published form through the HTTP API: the whole life of a record."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from brickwork.platform.records import service as records_service

API = "/api/v1"
RECORDS = f"{API}/apps/kyc/forms/customer/records"
FORM = f"{API}/apps/kyc/definitions/form/customer"

FIELDS_V1: list[dict[str, Any]] = [
    {
        "id": "f_no",
        "key": "customer_no",
        "type": "serial_number",
        "label": "No.",
        "pattern": "KYC-{YYYY}{MM}-{seq:5}",
    },
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {"id": "f_id", "key": "resident_id", "type": "resident_id", "label": "ID"},
    {"id": "f_aum", "key": "aum", "type": "money", "label": "AUM", "currency": "CNY"},
    {"id": "f_note", "key": "note", "type": "textarea", "label": "Note"},
    {
        "id": "f_risk",
        "key": "risk",
        "type": "single_select",
        "label": "Risk",
        "options": [{"value": "low"}, {"value": "high"}],
    },
    {
        "id": "f_guar",
        "key": "guarantors",
        "type": "subtable",
        "label": "Guarantors",
        "fields": [
            {"id": "f_g_name", "key": "g_name", "type": "text", "label": "Name", "required": True},
            {
                "id": "f_g_amt",
                "key": "g_amount",
                "type": "money",
                "label": "Amount",
                "currency": "CNY",
            },
        ],
    },
]


def publish(client: TestClient, fields: list[dict[str, Any]], **options: Any) -> Any:
    response = client.put(FORM, json={"label": "Customer", "spec": {"fields": fields}})
    assert response.status_code == 200, response.text
    return client.post(f"{FORM}/publish", json=options)


@pytest.fixture
def kyc(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"})
    client.post(
        f"{API}/apps/kyc/definitions", json={"kind": "form", "key": "customer", "label": "Customer"}
    )
    response = publish(client, FIELDS_V1)
    assert response.status_code == 201, response.text
    return client


def test_create_read_update_delete_restore(kyc: TestClient) -> None:
    created = kyc.post(
        RECORDS,
        json={
            "name": "李雷",
            "resident_id": "11010519491231002X",
            "aum": "1234567.80",
            "risk": "low",
            "guarantors": [{"g_name": "韩梅梅", "g_amount": 5000}],
        },
    )
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["customer_no"] == "KYC-202601-00001"
    assert b'"aum":{"amount":"1234567.80","currency":"CNY"}' in created.content
    assert record["version"] == 1
    assert created.headers["etag"] == '"1"'
    assert [g["g_name"] for g in record["guarantors"]] == ["韩梅梅"]

    record_id = record["id"]
    updated = kyc.patch(
        f"{RECORDS}/{record_id}", json={"risk": "high"}, headers={"If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["risk"], updated.json()["version"]) == ("high", 2)
    assert updated.json()["name"] == "李雷"

    stale = kyc.patch(f"{RECORDS}/{record_id}", json={"risk": "low"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_record"
    assert stale.json()["detail"].startswith(f"record {record_id} was changed by someone else")
    chinese = kyc.patch(
        f"{RECORDS}/{record_id}",
        json={"risk": "low"},
        headers={"If-Match": '"1"', "Accept-Language": "zh-CN"},
    )
    assert chinese.json()["code"] == "stale_record"
    assert chinese.json()["detail"] == "这条记录已被他人修改（现为第 2 版）：请刷新后重新修改"
    for bad in ('"abc"', '"' + "9" * 40 + '"'):
        refused = kyc.patch(
            f"{RECORDS}/{record_id}", json={"risk": "low"}, headers={"If-Match": bad}
        )
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid_if_match")

    deleted = kyc.delete(f"{RECORDS}/{record_id}")
    assert deleted.json()["deleted_at"] is not None
    assert kyc.get(RECORDS).json()["total"] == 0
    assert kyc.get(RECORDS, params={"deleted": True}).json()["total"] == 1
    assert kyc.post(f"{RECORDS}/{record_id}/restore").json()["deleted_at"] is None

    history = kyc.get(f"{RECORDS}/{record_id}/history").json()
    assert [h["action"] for h in history] == ["create", "update", "delete", "restore"]
    assert history[1]["changes"] == [{"field": "risk", "before": "low", "after": "high"}]
    assert history[1]["changed_by"] == "admin"


def test_all_errors_come_back_at_once_with_pointers(kyc: TestClient) -> None:
    response = kyc.post(
        RECORDS,
        json={
            "resident_id": "110105194912310021",
            "aum": "12.345",
            "risk": "medium",
            "colour": "red",
            "guarantors": [{"g_amount": "x"}],
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "record_invalid"
    found = {(e["pointer"], e["code"]) for e in body["errors"]}
    assert {
        ("/name", "required"),
        ("/resident_id", "resident_id_checksum"),
        ("/aum", "money_scale"),
        ("/risk", "option_unknown"),
        ("/colour", "unknown_field"),
        ("/guarantors/0/g_name", "required"),
    } <= found
    assert kyc.get(RECORDS).json()["total"] == 0


def test_messages_follow_accept_language(kyc: TestClient) -> None:
    response = kyc.post(RECORDS, json={}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    messages = {e["pointer"]: e["message"] for e in response.json()["errors"]}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in messages["/name"])


def test_publish_v2_add_remove_rename_keeps_old_data(kyc: TestClient) -> None:
    first = kyc.post(RECORDS, json={"name": "A", "note": "keep me", "aum": 10}).json()
    fields = [dict(f) for f in FIELDS_V1 if f["id"] != "f_note"]
    fields[1] = {**fields[1], "key": "full_name", "label": "Full name"}
    fields.append({"id": "f_email", "key": "email", "type": "email", "label": "E-mail"})
    assert publish(kyc, fields).status_code == 201

    old = kyc.get(f"{RECORDS}/{first['id']}").json()
    assert old["full_name"] == "A"
    assert "note" not in old
    assert old["email"] is None
    second = kyc.post(RECORDS, json={"full_name": "B", "email": "b@example.com"})
    assert second.status_code == 201, second.text

    fields.append({"id": "f_note", "key": "note", "type": "textarea", "label": "Note"})
    assert publish(kyc, fields).status_code == 201
    assert kyc.get(f"{RECORDS}/{first['id']}").json()["note"] == "keep me"


def test_unsafe_type_change_needs_conversion_and_dry_run_shows_ddl(kyc: TestClient) -> None:
    kyc.post(RECORDS, json={"name": "A", "note": "42"})
    fields = [dict(f) for f in FIELDS_V1]
    fields[4] = {"id": "f_note", "key": "note", "type": "integer", "label": "Note"}
    refused = publish(kyc, fields)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "unsafe_type_change"
    preview = kyc.post(f"{FORM}/publish", json={"dry_run": True, "conversions": {"f_note": "cast"}})
    assert preview.status_code == 200, preview.text
    assert any("ADD COLUMN c_f_note_2" in step for step in preview.json()["steps"])
    done = kyc.post(f"{FORM}/publish", json={"conversions": {"f_note": "cast"}})
    assert done.status_code == 201, done.text
    assert kyc.get(RECORDS).json()["items"][0]["note"] == 42


def count_queries(client: TestClient, **params: Any) -> tuple[dict[str, Any], list[str]]:
    """The list page and the counting statements the request ran."""
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "count(" in statement.lower() and "f_kyc_customer" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", capture)  # every engine: tests share one
    try:
        response = client.get(RECORDS, params=params)
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body, seen


def test_pages_say_whether_more_follow_and_count_only_when_needed(kyc: TestClient) -> None:
    for name in "abc":
        assert kyc.post(RECORDS, json={"name": name}).status_code == 201
    first, counts = count_queries(kyc, limit=2)
    assert (first["total"], first["total_exact"], first["has_more"]) == (3, True, True)
    assert len(counts) == 1
    last, counts = count_queries(kyc, limit=2, offset=2)
    assert (last["total"], last["total_exact"], last["has_more"]) == (3, True, False)
    assert counts == []  # the last page knows its total
    uncounted, counts = count_queries(kyc, limit=2, total="false")
    assert (uncounted["total"], uncounted["has_more"], counts) == (None, True, [])
    exact, counts = count_queries(kyc, limit=1, total="true")
    assert (exact["total"], exact["total_exact"], len(counts)) == (3, True, 1)
    estimated, _counts = count_queries(kyc, limit=1, total="estimate")
    assert estimated["has_more"] is True
    assert estimated["total"] >= 2


def test_automatic_totals_stop_counting_at_the_cap(
    kyc: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_service, "AUTO_COUNT_CAP", 2)
    for name in "abcd":
        assert kyc.post(RECORDS, json={"name": name}).status_code == 201
    capped, counts = count_queries(kyc, limit=1)
    assert (capped["total"], capped["total_exact"], capped["has_more"]) == (2, False, True)
    assert "LIMIT" in counts[0].upper()
    exact, _counts = count_queries(kyc, limit=1, total="true")
    assert (exact["total"], exact["total_exact"]) == (4, True)
    problem = kyc.get(RECORDS, params={"total": "maybe"})
    assert problem.status_code == 422


def test_filter_sort_and_paginate(kyc: TestClient) -> None:
    for name, aum in [("a", "100"), ("b", "60000"), ("c", "50000.01"), ("d", "70000")]:
        assert kyc.post(RECORDS, json={"name": name, "aum": aum}).status_code == 201
    page = kyc.get(RECORDS, params={"filter": "aum > 50000", "sort": "-aum", "limit": 2})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 3
    assert [r["name"] for r in body["items"]] == ["d", "b"]
    rest = kyc.get(
        RECORDS, params={"filter": "aum > 50000", "sort": "-aum", "limit": 2, "offset": 2}
    ).json()
    assert [r["name"] for r in rest["items"]] == ["c"]
    bad = kyc.get(RECORDS, params={"filter": 'nmae = "a"'})
    assert bad.status_code == 422
    assert bad.json()["code"] == "filter_invalid"
    assert bad.json()["errors"][0]["message"] == (
        "line 1, column 1: unknown name `nmae` (did you mean `name`?)"
    )


def test_filters_name_system_columns(kyc: TestClient, users: Any) -> None:
    """Who created a record, when, and its flow status filter like fields (lists, exports,
    saved views use the same filter)."""
    assert kyc.post(RECORDS, json={"name": "mine", "aum": "1"}).status_code == 201
    clerk = users.client(
        "clerk", grants=[{"app": "kyc", "actions": ["create", "read"], "rows": "all"}]
    )
    theirs = clerk.post(RECORDS, json={"name": "theirs", "aum": "2"})
    assert theirs.status_code == 201, theirs.text
    created = theirs.json()["created_at"]

    def names(source: str) -> list[str]:
        page = kyc.get(RECORDS, params={"filter": source, "sort": "created_at"})
        assert page.status_code == 200, page.text
        return [r["name"] for r in page.json()["items"]]

    assert names('created_by = "clerk"') == ["theirs"]
    assert names('owner != "clerk"') == ["mine"]
    assert names(f'created_at >= @"{created}"') == ["theirs"]
    # the same instant written with another offset compares as that instant (on SQLite too)
    shanghai = datetime.fromisoformat(created).astimezone(timezone(timedelta(hours=8)))
    assert names(f'created_at >= @"{shanghai.isoformat()}"') == ["theirs"]
    assert names(f'created_at > @"{shanghai.isoformat()}"') == []
    assert names("version = 1 and flow_status = null") == ["mine", "theirs"]
    wrong = kyc.get(RECORDS, params={"filter": "created_by > 5"})
    assert wrong.status_code == 422, wrong.text  # typed like a field: a name is text


def test_summary_sums_money_exactly(kyc: TestClient) -> None:
    for _ in range(3):
        kyc.post(RECORDS, json={"name": "x", "aum": "0.10"})
    summary = kyc.get(f"{RECORDS}/summary", params={"sum": "aum"})
    assert summary.status_code == 200, summary.text
    assert b'"sum":{"aum":"0.30"}' in summary.content
    assert summary.json()["count"] == 3


def test_empty_values_sort_last_either_way_on_both_databases(kyc: TestClient) -> None:
    """SQLite would put them first, PostgreSQL first only when descending."""
    for name, aum in (("b", "1.00"), ("empty", None), ("c", "-3.00"), ("a", "20.00")):
        body = {"name": name} if aum is None else {"name": name, "aum": aum}
        assert kyc.post(RECORDS, json=body).status_code == 201
    orders = {}
    for sort in ("aum", "-aum", "risk,aum", "-risk,-aum"):
        listed = kyc.get(RECORDS, params={"sort": sort})
        assert listed.status_code == 200, listed.text
        orders[sort] = [item["name"] for item in listed.json()["items"]]
    assert orders["aum"] == ["c", "b", "a", "empty"]
    assert orders["-aum"] == ["a", "b", "c", "empty"]
    assert orders["risk,aum"] == orders["aum"], "no risk anywhere: the second key decides"
    assert orders["-risk,-aum"] == orders["-aum"]


def test_form_not_published_and_unknown_record(client: TestClient) -> None:
    client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"})
    client.post(
        f"{API}/apps/kyc/definitions", json={"kind": "form", "key": "customer", "label": "Customer"}
    )
    assert client.get(RECORDS).json()["code"] == "form_not_published"


def test_body_must_be_an_object(kyc: TestClient) -> None:
    response = kyc.post(RECORDS, json=[1, 2])
    assert response.status_code == 422
    assert kyc.get(f"{RECORDS}/nope").json()["code"] == "record_not_found"


def test_unique_fields_refuse_duplicates_among_live_records(kyc: TestClient) -> None:
    fields = [dict(f) for f in FIELDS_V1]
    fields[2] = {**fields[2], "unique": True}
    assert publish(kyc, fields).status_code == 201
    first = kyc.post(RECORDS, json={"name": "A", "resident_id": "11010519491231002X"})
    assert first.status_code == 201
    again = kyc.post(RECORDS, json={"name": "B", "resident_id": "11010519491231002X"})
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {
            "pointer": "/resident_id",
            "code": "unique_violation",
            "message": "another record already has this value",
        }
    ]
    batch = kyc.post(
        f"{RECORDS}/batch",
        json={
            "records": [
                {"name": "C", "resident_id": "110105199001011232"},
                {"name": "D", "resident_id": "110105199001011232"},
            ]
        },
    )
    assert batch.status_code == 422
    assert [e["pointer"] for e in batch.json()["errors"]] == ["/records/1/resident_id"]
    kyc.delete(f"{RECORDS}/{first.json()['id']}")
    assert (
        kyc.post(RECORDS, json={"name": "B", "resident_id": "11010519491231002X"}).status_code
        == 201
    )


def test_making_a_field_unique_over_duplicates_is_refused(kyc: TestClient) -> None:
    for name in ("A", "B"):
        kyc.post(RECORDS, json={"name": name, "note": "same"})
    fields = [dict(f) for f in FIELDS_V1]
    fields[4] = {**fields[4], "unique": True}
    response = publish(kyc, fields)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "pointer": "/spec/fields/4/unique",
            "code": "unique_conflict",
            "message": "existing records have duplicate values",
        }
    ]
    assert len(kyc.get(f"{FORM}/versions").json()) == 1
