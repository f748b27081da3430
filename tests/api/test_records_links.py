"""Links between forms (lookup fields) and the per-app OpenAPI document of record endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

API = "/api/v1"
DEFS = f"{API}/apps/credit/definitions"

BORROWER = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {
        "id": "f_status",
        "key": "status",
        "type": "single_select",
        "label": "Status",
        "options": [{"value": "active"}, {"value": "blocked"}],
    },
]
LOAN = [
    {
        "id": "f_borrower",
        "key": "borrower",
        "type": "lookup",
        "label": "Borrower",
        "target": {"form": "borrower"},
        "where": 'status = "active"',
    },
    {
        "id": "f_amount",
        "key": "amount",
        "type": "money",
        "label": "Amount",
        "currency": "CNY",
        "required": True,
    },
]


def define(client: TestClient, key: str, fields: list[dict[str, Any]]) -> Any:
    client.post(
        DEFS, json={"kind": "form", "key": key, "label": key.title(), "spec": {"fields": fields}}
    )
    return client.post(f"{DEFS}/form/{key}/publish")


@pytest.fixture
def credit(client: TestClient) -> TestClient:
    client.post(f"{API}/apps", json={"key": "credit", "label": {"en": "Credit", "zh-CN": "授信"}})
    assert define(client, "borrower", BORROWER).status_code == 201
    assert define(client, "loan", LOAN).status_code == 201
    return client


def test_lookup_to_a_missing_form_is_refused_at_publish(client: TestClient) -> None:
    client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"})
    response = define(client, "loan", LOAN)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "pointer": "/spec/fields/0/target",
            "code": "lookup_target_missing",
            "message": "there is no form 'borrower' in app 'credit'",
        }
    ]


def test_links_must_point_at_live_records_that_match_the_filter(credit: TestClient) -> None:
    records = f"{API}/apps/credit/forms"
    active = credit.post(
        f"{records}/borrower/records", json={"name": "Li", "status": "active"}
    ).json()
    blocked = credit.post(
        f"{records}/borrower/records", json={"name": "Wang", "status": "blocked"}
    ).json()
    ok = credit.post(f"{records}/loan/records", json={"borrower": active["id"], "amount": 10})
    assert ok.status_code == 201, ok.text
    for target in (blocked["id"], "no-such-record"):
        refused = credit.post(f"{records}/loan/records", json={"borrower": target, "amount": 1})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "reference_not_found"
        assert refused.json()["errors"][0]["pointer"] == "/borrower"
    credit.delete(f"{records}/borrower/records/{active['id']}")
    gone = credit.post(f"{records}/loan/records", json={"borrower": active["id"], "amount": 1})
    assert gone.json()["errors"][0]["code"] == "reference_not_found"


def test_app_openapi_document_types_each_form(credit: TestClient) -> None:
    response = credit.get(f"{API}/apps/credit/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["info"]["title"] == "Credit (Brickwork app credit)"
    schemas = document["components"]["schemas"]
    assert set(schemas["loan_input"]["required"]) == {"amount"}
    assert schemas["loan_patch"]["required"] == []
    assert "borrower" in schemas["loan_record"]["properties"]
    assert "version" in schemas["loan_record"]["properties"]
    assert "/api/v1/apps/credit/forms/loan/records/{record_id}" in document["paths"]


def test_options_from_another_form_must_exist_there(credit: TestClient) -> None:
    define(
        credit,
        "product",
        [{"id": "f_code", "key": "code", "type": "text", "label": "Code", "unique": True}],
    )
    define(
        credit,
        "offer",
        [
            {
                "id": "f_product",
                "key": "product",
                "type": "single_select",
                "label": "Product",
                "options_from": {"form": "product", "value_field": "code"},
            }
        ],
    )
    records = f"{API}/apps/credit/forms"
    credit.post(f"{records}/product/records", json={"code": "MORTGAGE"})
    assert credit.post(f"{records}/offer/records", json={"product": "MORTGAGE"}).status_code == 201
    refused = credit.post(f"{records}/offer/records", json={"product": "YACHT"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "pointer": "/product",
        "code": "option_unknown",
        "message": "is not one of the options",
    }


def test_member_fields_name_active_users(credit: TestClient, session: Any) -> None:
    from brickwork.platform.auth.actor import Actor

    identities = credit.app.state.identities  # type: ignore[attr-defined]
    officer = identities.create_user(
        session, Actor("admin"), username="zhang.wei", password="Loan-Officer-2026!"
    )
    session.flush()
    define(
        credit,
        "review",
        [{"id": "f_officer", "key": "officer", "type": "member", "label": "Officer"}],
    )
    records = f"{API}/apps/credit/forms/review/records"
    assert credit.post(records, json={"officer": officer.id}).status_code == 201
    refused = credit.post(records, json={"officer": "f0e1d2c3-0000-4000-8000-000000000000"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "reference_not_found"
    identities.set_active(session, Actor("admin"), "zhang.wei", active=False)
    session.flush()
    disabled = credit.post(records, json={"officer": officer.id})
    assert disabled.json()["errors"][0]["code"] == "reference_not_found"
