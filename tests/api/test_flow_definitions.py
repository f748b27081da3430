"""Flow definitions (kind `flow`) are validated and published like forms: the shape at save,
the graph and its references to the app at publish, each problem with a pointer under /spec."""

from __future__ import annotations

from typing import Any

from credit_flow import API, APP, FORM, application, credit_app, credit_flow, define, submit
from fastapi.testclient import TestClient

from conftest import Users

ROLES = ("risk_officer", "compliance_officer", "credit_committee")


def refused(client: TestClient, spec: dict[str, Any]) -> dict[str, str]:
    response = define(client, "flow", "large_credit", spec)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {item["pointer"]: item["code"] for item in response.json()["errors"]}


def test_bad_flows_are_refused_with_pointers_and_a_good_one_publishes(
    client: TestClient, users: Users
) -> None:
    assert client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"}).status_code == 201
    assert define(client, "form", "credit_application", FORM).status_code == 201
    bad_mode = credit_flow(risk={"id": "risk", "type": "approval", "mode": "sometimes"})
    assert refused(client, bad_mode) == {"/spec/nodes/4/mode": "E_FLOW_SCHEMA"}
    unknown_form = {**credit_flow(), "form": "nothing"}
    assert refused(client, unknown_form) == {"/spec/form": "E_FLOW_UNKNOWN_FORM"}
    dangling = credit_flow()
    dangling["edges"][-1] = {"id": "e12", "from": "copy", "to": "nowhere"}
    assert refused(client, dangling)["/spec/edges/11/to"] == "E_FLOW_UNKNOWN_NODE"
    assert refused(client, credit_flow()) == {  # the app has none of its roles yet
        "/spec/nodes/4/assignees/0/role": "E_FLOW_UNKNOWN_ROLE",
        "/spec/nodes/5/assignees/0/role": "E_FLOW_UNKNOWN_ROLE",
        "/spec/nodes/8/assignees/0/role": "E_FLOW_UNKNOWN_ROLE",
    }
    for role in ROLES:
        users.role(role, [])
    published = define(client, "flow", "large_credit", credit_flow())
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 1
    shown = client.get(f"{APP}/definitions/flow/large_credit")
    assert shown.status_code == 200
    assert shown.json()["latest_version"] == 1


def test_a_form_change_that_breaks_a_published_flow_is_refused(
    client: TestClient, users: Users
) -> None:
    for role in ROLES:
        users.role(role, [])
    assert client.post(f"{API}/apps", json={"key": "credit", "label": "Credit"}).status_code == 201
    assert define(client, "form", "credit_application", FORM).status_code == 201
    assert define(client, "flow", "large_credit", credit_flow()).status_code == 201
    without_amount = {"fields": [f for f in FORM["fields"] if f["key"] != "amount"]}
    refused = define(client, "form", "credit_application", without_amount)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "flows_broken_by_change"
    assert [e["pointer"] for e in body["errors"]] == ["/flows/large_credit/edges/2/condition"]
    renamed_note = {
        "fields": [
            *FORM["fields"],
            {"id": "f_extra", "key": "extra", "type": "text", "label": "Extra"},
        ]
    }
    assert define(client, "form", "credit_application", renamed_note).status_code == 201


def test_the_flow_endpoints_are_in_the_openapi_document(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    paths = document["paths"]
    for path, method in (
        ("/api/v1/apps/{app}/forms/{form}/records/{record_id}/flows", "post"),
        ("/api/v1/apps/{app}/forms/{form}/records/{record_id}/flows", "get"),
        ("/api/v1/tasks/{task}/approve", "post"),
        ("/api/v1/tasks/{task}/add-signer", "post"),
        ("/api/v1/tasks/batch-approve", "post"),
        ("/api/v1/flow-instances/{instance}", "get"),
        ("/api/v1/flow-instances/{instance}/withdraw", "post"),
        ("/api/v1/inbox", "get"),
        ("/api/v1/me/out-of-office", "post"),
    ):
        operation = paths[path][method]
        assert operation["tags"] == ["flows"], path
        assert operation["security"], path  # signed-in callers only
    approve = paths["/api/v1/tasks/{task}/approve"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in approve["parameters"]]
    schemas = document["components"]["schemas"]
    assert {"StartRequest", "ReturnRequest", "BatchApproveRequest", "AbsenceRequest"} <= set(
        schemas
    )


def test_a_form_change_that_breaks_a_version_instances_still_run_on_is_refused(
    client: TestClient, users: Users
) -> None:
    """Instances step with the flow version they started with: a form change that version no
    longer compiles against is refused while they run, not found out by them later."""
    bank = credit_app(client, users)
    gated = credit_flow()
    gated["edges"][2]["condition"] = 'amount > 1000000 and risk_note != "waived"'
    assert define(client, "flow", "large_credit", gated).status_code == 201
    started = submit(bank, application(bank, "50000.00"))
    assert started["flow_version"] == 2
    assert define(client, "flow", "large_credit", credit_flow()).status_code == 201  # v3
    without_note = {"fields": [f for f in FORM["fields"] if f["key"] != "risk_note"]}
    refused = define(client, "form", "credit_application", without_note)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "flows_broken_by_change"
    (error,) = body["errors"]
    assert error["pointer"] == "/flows/large_credit/versions/2/edges/2/condition"
    assert "1 running instance" in error["message"]
    withdrawn = bank["rm"].post(
        f"{API}/flow-instances/{started['id']}/withdraw",
        json={"expected_version": started["version"]},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert define(client, "form", "credit_application", without_note).status_code == 201
