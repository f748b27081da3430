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


ALERT_FIELDS = [{"id": "f_about", "key": "about", "type": "text", "label": "About"}]
ESCALATE = {
    "trigger": {"on": "record", "form": "customer"},
    "condition": 'risk = "high"',
    "actions": [{"type": "create_record", "form": "alert", "values": {"about": '"high risk"'}}],
}


def test_a_rule_whose_owner_is_disabled_refuses_until_published_again(
    kyc: TestClient, users: Any
) -> None:
    assert define(kyc, "form", "alert", {"fields": ALERT_FIELDS}).status_code == 201
    grants = [
        {"app": "kyc", "actions": ["design", "publish"]},
        {"app": "kyc", "form": "alert", "actions": ["create", "read"], "rows": "all"},
    ]
    designer = users.client("designer.li", grants=grants)
    draft = {"kind": "rule", "key": "escalate", "label": "Escalate"}
    assert designer.post(f"{APP}/definitions", json=draft).status_code == 201
    body = {"label": "Escalate", "spec": ESCALATE}
    assert designer.put(f"{APP}/definitions/rule/escalate", json=body).status_code == 200
    assert designer.post(f"{APP}/definitions/rule/escalate/publish").status_code == 201
    customers, alerts = f"{APP}/forms/customer/records", f"{APP}/forms/alert/records"
    assert kyc.post(customers, json={"score": 599, "pep": False}).status_code == 201
    assert kyc.get(alerts).json()["total"] == 1  # created as the designer

    security = users.client("sec.zhou", roles=("security_admin",))
    assert security.post(f"{API}/users/designer.li/disable").status_code == 200
    refused = kyc.post(customers, json={"score": 580, "pep": False})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "rule_owner_inactive"
    assert "escalate" in refused.json()["detail"]
    assert kyc.get(customers).json()["total"] == 1  # nothing saved
    assert kyc.get(alerts).json()["total"] == 1

    republish = kyc.put(f"{APP}/definitions/rule/escalate", json={**body, "label": "Escalate!"})
    assert republish.status_code == 200, republish.text
    assert kyc.post(f"{APP}/definitions/rule/escalate/publish").status_code == 201
    assert kyc.post(customers, json={"score": 580, "pep": False}).status_code == 201
    assert kyc.get(alerts).json()["total"] == 2  # now as the admin who published it
