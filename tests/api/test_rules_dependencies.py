"""What rules depend on stays in place: a decision model a published rule calls cannot be
archived, an archived model is not evaluated, and a rule is not restored while what it calls is
archived. Through the HTTP API."""

from __future__ import annotations

from typing import Any

import pytest
from decision_models import rating_model
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/kyc"
FIELDS = [
    {"id": "f_score", "key": "score", "type": "integer", "label": "Score"},
    {"id": "f_pep", "key": "pep", "type": "boolean", "label": "PEP"},
    {"id": "f_risk", "key": "risk", "type": "text", "label": "Risk"},
]
RATE = {
    "trigger": {"on": "record", "form": "customer"},
    "phase": "before_save",
    "actions": [
        {"type": "set_fields", "values": {"risk": '"unrated"'}},
        {
            "type": "call_decision",
            "model": "rating",
            "inputs": {"score": "score", "pep": "pep"},
            "outputs": {"risk": "result"},
        },
    ],
}


def define(client: TestClient, kind: str, key: str, spec: dict[str, Any]) -> Any:
    created = client.post(f"{APP}/definitions", json={"kind": kind, "key": key, "label": key})
    assert created.status_code == 201, created.text
    response = client.put(f"{APP}/definitions/{kind}/{key}", json={"label": key, "spec": spec})
    assert response.status_code == 200, response.text
    return client.post(f"{APP}/definitions/{kind}/{key}/publish")


@pytest.fixture
def kyc(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}).status_code == 201
    assert define(client, "form", "customer", {"fields": FIELDS}).status_code == 201
    assert define(client, "decision_table", "rating", rating_model()).status_code == 201
    assert define(client, "rule", "risk_rating", RATE).status_code == 201
    return client


def test_a_decision_model_a_published_rule_calls_cannot_be_archived(kyc: TestClient) -> None:
    refused = kyc.post(f"{APP}/definitions/decision_table/rating/archive")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "definition_in_use"
    assert problem["errors"] == [
        {
            "pointer": "/rules/risk_rating/actions/1/model",
            "code": "E_RULE_CALLS_MODEL",
            "message": "published rule `risk_rating` calls decision model `rating`",
        }
    ]
    model = kyc.get(f"{APP}/definitions/decision_table/rating").json()
    assert model["status"] == "published"  # nothing changed
    saved = kyc.post(f"{APP}/forms/customer/records", json={"score": 599, "pep": False})
    assert saved.json()["risk"] == "high"  # the rule still calls it


def test_once_the_rule_is_archived_the_model_can_be_and_is_no_longer_evaluated(
    kyc: TestClient,
) -> None:
    assert kyc.post(f"{APP}/definitions/rule/risk_rating/archive").status_code == 200
    archived = kyc.post(f"{APP}/definitions/decision_table/rating/archive")
    assert archived.status_code == 200, archived.text
    body = {"inputs": {"score": 599, "pep": False}}
    refused = kyc.post(f"{APP}/decisions/rating/evaluate", json=body)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "decision_archived"
    # the rule cannot come back while the model it calls is archived ...
    restore = kyc.post(f"{APP}/definitions/rule/risk_rating/restore")
    assert restore.status_code == 409, restore.text
    assert restore.json()["code"] == "definition_in_use"
    assert [e["pointer"] for e in restore.json()["errors"]] == ["/spec/actions/1/model"]
    assert kyc.get(f"{APP}/definitions/rule/risk_rating").json()["status"] == "archived"
    saved = kyc.post(f"{APP}/forms/customer/records", json={"score": 599, "pep": False})
    assert saved.json()["risk"] is None  # no rule ran
    # ... and can once the model is restored
    assert kyc.post(f"{APP}/definitions/decision_table/rating/restore").status_code == 200
    assert kyc.post(f"{APP}/definitions/rule/risk_rating/restore").status_code == 200
    assert kyc.post(f"{APP}/decisions/rating/evaluate", json=body).json()["value"] == "high"
    again = kyc.post(f"{APP}/forms/customer/records", json={"score": 599, "pep": False})
    assert again.json()["risk"] == "high"
