"""Warnings records keep: returned with the record, kept, replaced, cleared and deleted with it,
never about fields the reader cannot see and never quoting protected values."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.engines.identifiers.resident_id import resident_id_check_char
from brickwork.platform.models import RecordWarning

API = "/api/v1"
APP = f"{API}/apps/credit"
RECORDS = f"{APP}/forms/loan/records"
GUARDED = f"{APP}/forms/guarded/records"
EN = {"Accept-Language": "en"}
REF = "R-7731"
"""A reference that is not a number: `number(ref)` fails and its details quote it."""
UNKNOWN_REGION_ID = "11999919800101123" + resident_id_check_char("11999919800101123")
"""A resident ID with a valid check character and a region code no province has."""

OVER_LIMIT = {
    "id": "over_limit",
    "expression": "amount <= limit",
    "fields": ["amount"],
    "severity": "warning",
    "message": {"zh-CN": "金额超过额度", "en": "amount is over the limit"},
}
POSITIVE = {"id": "positive", "expression": "amount > 0", "fields": ["amount"], "message": "> 0"}
NO_REF = {
    "id": "no_ref",
    "expression": "ref != null",
    "severity": "warning",
    "message": {"zh-CN": "没有业务编号", "en": "no reference"},
}
LOAN: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {"id": "f_amount", "key": "amount", "type": "decimal", "label": "Amount", "scale": 2},
    {"id": "f_limit", "key": "limit", "type": "decimal", "label": "Limit", "scale": 2},
    {"id": "f_ref", "key": "ref", "type": "text", "label": "Reference"},
    {
        "id": "f_ref_no",
        "key": "ref_number",
        "type": "computed",
        "label": "Reference number",
        "expression": "number(ref)",
        "result_type": "decimal",
    },
]
GUARDED_FIELDS: list[dict[str, Any]] = [
    *LOAN,
    {"id": "f_rid", "key": "resident_id", "type": "resident_id", "label": "Resident ID"},
]


def publish(client: TestClient, key: str, fields: list[dict[str, Any]]) -> None:
    client.post(f"{APP}/definitions", json={"kind": "form", "key": key, "label": key})
    spec = {"fields": fields, "validations": [OVER_LIMIT, POSITIVE, NO_REF]}
    response = client.put(f"{APP}/definitions/form/{key}", json={"label": key, "spec": spec})
    assert response.status_code == 200, response.text
    response = client.post(f"{APP}/definitions/form/{key}/publish", json={})
    assert response.status_code == 201, response.text


@pytest.fixture
def credit(client: TestClient) -> TestClient:
    client.headers.update(EN)
    client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"})
    publish(client, "loan", LOAN)
    publish(client, "guarded", GUARDED_FIELDS)
    return client


def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(w["pointer"], w["code"]) for w in body["warnings"]]


def kept(session: Session, record_id: str) -> Any:
    session.expire_all()
    query = select(RecordWarning.warnings).where(RecordWarning.record_id == record_id)
    return session.scalars(query).one_or_none()


def test_warnings_come_back_with_the_record_and_are_kept(
    credit: TestClient, session: Session
) -> None:
    created = credit.post(RECORDS, json={"name": "a", "amount": "150", "limit": "100", "ref": "7"})
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["warnings"] == [
        {
            "code": "validation_warning",
            "message": "please check: amount is over the limit",
            "pointer": "/amount",
        }
    ]
    assert record["amount"] == "150.00"
    read = credit.get(f"{RECORDS}/{record['id']}")
    assert read.json()["warnings"] == record["warnings"]
    chinese = credit.get(f"{RECORDS}/{record['id']}", headers={"Accept-Language": "zh-CN"})
    assert chinese.json()["warnings"][0]["message"] == "请核对：金额超过额度"
    assert [w["code"] for w in kept(session, record["id"])] == ["validation_warning"]
    listed = credit.get(RECORDS).json()["items"]
    assert "warnings" not in listed[0]


def test_each_update_replaces_the_warnings_and_none_clears_them(
    credit: TestClient, session: Session
) -> None:
    body = {"name": "a", "amount": "150", "limit": "100", "ref": REF}
    record_id = credit.post(RECORDS, json=body).json()["id"]
    url = f"{RECORDS}/{record_id}"
    assert codes(credit.get(url).json()) == [
        ("/ref_number", "expression_failed"),
        ("/amount", "validation_warning"),
    ]
    updated = credit.patch(url, json={"ref": None})
    assert codes(updated.json()) == [("/amount", "validation_warning"), ("", "validation_warning")]
    assert codes(credit.get(url).json()) == codes(updated.json())
    cleared = credit.patch(url, json={"limit": "200", "ref": "12"})
    assert cleared.json()["warnings"] == []
    assert credit.get(url).json()["warnings"] == []
    assert kept(session, record_id) is None
    again = credit.patch(url, json={"amount": "201"})
    assert codes(again.json()) == [("/amount", "validation_warning")]


def test_an_unchanged_update_answers_with_the_current_warnings(credit: TestClient) -> None:
    record_id = credit.post(RECORDS, json={"name": "a", "amount": "150", "limit": "100"}).json()[
        "id"
    ]
    same = credit.patch(f"{RECORDS}/{record_id}", json={"name": "a"})
    assert same.json()["version"] == 1
    assert codes(same.json()) == [("/amount", "validation_warning"), ("", "validation_warning")]


def test_an_error_validation_still_refuses_and_keeps_nothing(
    credit: TestClient, session: Session
) -> None:
    refused = credit.post(RECORDS, json={"name": "a", "amount": "-5", "limit": "-10"})
    assert refused.status_code == 422
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/amount", "validation_failed")
    ]
    assert session.scalars(select(RecordWarning)).all() == []


def test_deleting_a_record_removes_its_warnings(credit: TestClient, session: Session) -> None:
    record_id = credit.post(RECORDS, json={"name": "a", "amount": "150", "limit": "100"}).json()[
        "id"
    ]
    other = credit.post(RECORDS, json={"name": "b", "amount": "150", "limit": "100"}).json()["id"]
    assert kept(session, record_id) is not None
    assert credit.delete(f"{RECORDS}/{record_id}").status_code == 200
    assert kept(session, record_id) is None
    assert kept(session, other) is not None
    restored = credit.post(f"{RECORDS}/{record_id}/restore")
    assert restored.status_code == 200
    assert credit.get(f"{RECORDS}/{record_id}").json()["warnings"] == []


def test_warnings_about_hidden_fields_are_not_shown(credit: TestClient, users: Any) -> None:
    body = {"name": "a", "amount": "150", "limit": "100", "ref": REF}
    record_id = credit.post(RECORDS, json=body).json()["id"]
    grant = {"app": "credit", "form": "loan", "actions": ["read"], "rows": "all"}
    users.role("no_amount", [{**grant, "fields": {"amount": "hidden", "ref_number": "hidden"}}])
    reader = users.client("reader", roles=("no_amount",))
    reader.headers.update(EN)
    read = reader.get(f"{RECORDS}/{record_id}")
    assert read.status_code == 200, read.text
    assert "amount" not in read.json()
    assert codes(read.json()) == []
    credit.patch(f"{RECORDS}/{record_id}", json={"ref": None})
    assert codes(reader.get(f"{RECORDS}/{record_id}").json()) == [("", "validation_warning")]


def test_details_that_quote_values_are_shown_only_to_readers_of_every_field_in_clear(
    credit: TestClient, users: Any
) -> None:
    body = {"name": "a", "amount": "50", "limit": "100", "ref": REF}
    created = credit.post(RECORDS, json=body).json()
    (failed,) = created["warnings"]
    assert failed["code"] == "expression_failed"
    assert REF in failed["message"], "a reader of every field in clear sees the details"
    grant = {"app": "credit", "form": "loan", "actions": ["read"], "rows": "all"}
    for masked in ("ref", "limit"):
        users.role(f"masked_{masked}", [{**grant, "fields": {masked: "masked"}}])
        reader = users.client(f"reader_{masked}", roles=(f"masked_{masked}",))
        reader.headers.update(EN)
        read = reader.get(f"{RECORDS}/{created['id']}")
        assert read.status_code == 200, read.text
        assert codes(read.json()) == [("/ref_number", "expression_failed")]
        assert REF not in json.dumps(read.json()["warnings"])
        assert "not shown" in read.json()["warnings"][0]["message"]
        if masked == "ref":
            assert REF not in read.text


def test_a_form_with_protected_fields_never_keeps_quoted_values(
    credit: TestClient, session: Session
) -> None:
    body = {
        "name": "a",
        "amount": "50",
        "limit": "100",
        "ref": REF,
        "resident_id": UNKNOWN_REGION_ID,
    }
    created = credit.post(GUARDED, json=body)
    assert created.status_code == 201, created.text
    record = created.json()
    assert codes(record) == [
        ("/ref_number", "expression_failed"),
        ("/resident_id", "resident_id_region"),
    ]
    stored = json.dumps(kept(session, record["id"]), ensure_ascii=False)
    for value in (REF, UNKNOWN_REGION_ID, UNKNOWN_REGION_ID[:6]):
        assert value not in stored
        assert value not in json.dumps(record["warnings"], ensure_ascii=False)
    assert "GB/T 2260" in record["warnings"][1]["message"]


def test_batch_creation_keeps_each_records_warnings(credit: TestClient) -> None:
    items = [
        {"name": "a", "amount": "150", "limit": "100", "ref": "1"},
        {"name": "b", "amount": "50", "limit": "100", "ref": "2"},
    ]
    created = credit.post(f"{RECORDS}/batch", json={"records": items})
    assert created.status_code == 201, created.text
    first, second = created.json()["ids"]
    assert codes(credit.get(f"{RECORDS}/{first}").json()) == [("/amount", "validation_warning")]
    assert credit.get(f"{RECORDS}/{second}").json()["warnings"] == []


def test_an_import_reports_each_rows_warnings_and_keeps_them(credit: TestClient) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(
        [["name", "amount", "limit", "ref"], ["a", "150", "100", "1"], ["b", "50", "100", "2"]]
    )
    content = buffer.getvalue().encode("utf-8")
    imports = f"{APP}/forms/loan/imports"
    headers = {"content-type": "text/csv"}
    dry = credit.post(imports, content=content, headers=headers, params={"dry_run": True})
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["created"], report["error_count"], report["warning_count"]) == (0, 0, 1)
    assert report["warnings"] == [
        {
            "row": 2,
            "column": "amount",
            "value": "150",
            "code": "validation_warning",
            "message": "please check: amount is over the limit",
        }
    ]
    done = credit.post(imports, content=content, headers=headers)
    assert done.json()["created"] == 2
    items = credit.get(RECORDS, params={"sort": "name"}).json()["items"]
    assert codes(credit.get(f"{RECORDS}/{items[0]['id']}").json()) == [
        ("/amount", "validation_warning")
    ]


def test_the_app_document_describes_the_warnings(credit: TestClient) -> None:
    document = credit.get(f"{APP}/openapi.json").json()
    record = document["components"]["schemas"]["loan_record"]
    assert record["properties"]["warnings"] == {"$ref": "#/components/schemas/Warnings"}
    warning = document["components"]["schemas"]["Warnings"]["items"]
    assert warning["required"] == ["code", "message", "pointer"]


def test_a_field_cannot_be_called_warnings(credit: TestClient) -> None:
    credit.post(f"{APP}/definitions", json={"kind": "form", "key": "clash", "label": "clash"})
    spec = {"fields": [{"id": "f_w", "key": "warnings", "type": "text", "label": "W"}]}
    response = credit.put(f"{APP}/definitions/form/clash", json={"label": "c", "spec": spec})
    published = credit.post(f"{APP}/definitions/form/clash/publish", json={})
    assert 422 in (response.status_code, published.status_code)
    found = response.json() if response.status_code == 422 else published.json()
    assert "field_key_reserved" in {e["code"] for e in found["errors"]}
