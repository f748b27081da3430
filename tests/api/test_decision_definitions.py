"""Decision models as definitions: refused at publish time with pointers into the model, and
published when sound, keeping the element ids DMN tools give them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from decision_models import rating_model
from fastapi.testclient import TestClient

API = "/api/v1"
APP = f"{API}/apps/risk"
MODEL = f"{APP}/definitions/decision_table/rating"
PROBLEM = "application/problem+json"


@pytest.fixture
def risk(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "risk", "label": "Risk"}).status_code == 201
    body = {"kind": "decision_table", "key": "rating", "label": "Rating"}
    assert client.post(f"{APP}/definitions", json=body).status_code == 201
    return client


def save(client: TestClient, spec: dict[str, Any]) -> None:
    response = client.put(MODEL, json={"label": "Rating", "spec": spec})
    assert response.status_code == 200, response.text


def test_a_sound_model_with_dmn_tool_ids_is_published(risk: TestClient) -> None:
    save(risk, rating_model())
    response = risk.post(f"{MODEL}/publish")
    assert response.status_code == 201, response.text
    assert [v["version"] for v in risk.get(f"{MODEL}/versions").json()] == [1]


def test_every_problem_of_a_model_is_refused_with_its_pointer(risk: TestClient) -> None:
    rules = [
        {"id": "r1", "when": ["< 600", "-"], "then": ['"high"']},
        {"id": "r2", "when": [">= 600 and", "true"], "then": ['"medium"']},
        {"id": "r3", "when": [">= 600", "false"], "then": ["levl"]},
    ]
    spec = rating_model(rules=rules)
    spec["decisions"][0]["requires"]["inputs"].append("income")
    save(risk, spec)
    response = risk.post(f"{MODEL}/publish")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "definition_invalid"
    found = {item["pointer"]: item for item in body["errors"]}
    assert set(found) == {
        "/spec/decisions/0/requires/inputs/2",
        "/spec/decisions/0/logic/rules/1/when/0",
        "/spec/decisions/0/logic/rules/2/then/0",
    }
    assert found["/spec/decisions/0/requires/inputs/2"]["code"] == "E_DMN_UNKNOWN_REQUIREMENT"
    cell = found["/spec/decisions/0/logic/rules/1/when/0"]
    assert cell["code"] == "E_DMN_EXPRESSION"
    assert cell["message"].startswith("line 1, column ")
    assert "levl" in found["/spec/decisions/0/logic/rules/2/then/0"]["message"]
    assert risk.get(f"{MODEL}/versions").json() == []


def test_element_ids_follow_dmn_and_stay_unique(risk: TestClient) -> None:
    spec = rating_model()
    spec["decisions"][0]["logic"]["rules"][1]["id"] = "_rule.1"
    spec["inputs"][0]["id"] = "1st input"
    save(risk, spec)
    response = risk.post(f"{MODEL}/publish")
    assert response.status_code == 422, response.text
    found = {item["pointer"]: item["code"] for item in response.json()["errors"]}
    assert found == {
        "/spec/inputs/0/id": "invalid_element_id",
        "/spec/decisions/0/logic/rules/1/id": "duplicate_element_id",
    }


MODELS = Path(__file__).parents[1] / "unit" / "engines" / "rules" / "models"


def test_a_dmn_file_is_imported_into_the_draft_published_and_exported(
    client: TestClient,
) -> None:
    assert client.post(f"{API}/apps", json={"key": "risk", "label": "Risk"}).status_code == 201
    xml = (MODELS / "risk.dmn").read_bytes()
    imported = client.put(
        f"{APP}/decisions/camunda/dmn", content=xml, headers={"Content-Type": "application/xml"}
    )
    assert imported.status_code == 200, imported.text
    spec = imported.json()["spec"]
    assert [d["name"] for d in spec["decisions"]] == ["Risk level"]
    assert client.post(f"{APP}/definitions/decision_table/camunda/publish").status_code == 201
    body = {"inputs": {"age": 16, "Monthly Income": 5000}}
    evaluated = client.post(f"{APP}/decisions/camunda/evaluate", json=body)
    assert evaluated.json()["value"] == "high", evaluated.text
    exported = client.get(f"{APP}/decisions/camunda/dmn", params={"version": 1})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/xml")
    assert "dmndi:DMNDI" in exported.text
    # DMN 1.3 by default: what dmn-js and Camunda Modeler open (tests/e2e/test_dmn_in_browser.py)
    assert 'xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"' in exported.text
    newer = client.get(f"{APP}/decisions/camunda/dmn", params={"version": 1, "dmn": "1.5"})
    assert 'xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/"' in newer.text
    assert client.get(f"{APP}/decisions/camunda/dmn", params={"dmn": "2.0"}).status_code == 422
    again = client.put(f"{APP}/decisions/copy/dmn", content=exported.content)
    assert again.status_code == 200, again.text
    assert again.json()["spec"] == spec


def test_a_bad_dmn_file_is_refused_with_element_ids_and_nothing_is_saved(
    client: TestClient,
) -> None:
    assert client.post(f"{API}/apps", json={"key": "risk", "label": "Risk"}).status_code == 201
    refused = client.put(f"{APP}/decisions/bad/dmn", content=(MODELS / "refused.dmn").read_bytes())
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "dmn_invalid"
    assert body["errors"]
    assert all("element" in item["message"] or "line" in item["message"] for item in body["errors"])
    assert client.get(f"{APP}/definitions/decision_table/bad").status_code == 404
    hostile = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    assert client.put(f"{APP}/decisions/bad/dmn", content=hostile).status_code == 422
