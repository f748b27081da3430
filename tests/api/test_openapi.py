"""The OpenAPI document is served, valid, and documents the strictly-read request bodies."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from openapi_spec_validator import validate


def test_openapi_document_is_valid(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    operation = document["paths"]["/api/v1/apps/{app}/definitions"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/DefinitionCreate"}
    assert "DefinitionCreate" in document["components"]["schemas"]
    operation_ids = [
        op["operationId"] for path in document["paths"].values() for op in path.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))


@pytest.fixture
def api_schema(client: TestClient) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)


def test_generated_requests_never_cause_a_server_error(client: TestClient) -> None:
    """Property-based requests from the OpenAPI document: 4xx problems are fine, 5xx never."""
    from hypothesis import HealthCheck, given, settings

    client.post("/api/v1/apps", json={"key": "kyc", "label": "KYC"})
    client.post(
        "/api/v1/apps/kyc/definitions",
        json={"kind": "form", "key": "customer", "label": "Customer"},
    )
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")
            elif response.status_code >= 400:
                assert response.headers["content-type"][0].startswith("application/problem+json")

        exercise()
    assert failures == []
