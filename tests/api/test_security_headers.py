"""Every response carries the protective headers: successes, problems, 401s, unknown routes,
413s written by the body limit and the 500 written outside every middleware."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response

PROTECTIVE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def assert_protected(response: Response, *, no_store: bool = True) -> None:
    for name, value in PROTECTIVE.items():
        assert response.headers.get(name) == value, (response.status_code, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    if no_store:
        assert response.headers["cache-control"] == "no-store"
    assert len(response.headers.get_list("x-content-type-options")) == 1


def test_data_responses_are_protected_and_not_stored(client: TestClient) -> None:
    response = client.get("/api/v1/apps")
    assert response.status_code == 200
    assert_protected(response)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/health", 200),
        ("GET", "/api/v1/apps", 401),
        ("GET", "/api/v1/no-such-route", 404),
        ("DELETE", "/api/v1/health", 405),
        ("GET", "/api/v1/docs", 200),
        ("GET", "/api/v1/openapi.json", 200),
    ],
)
def test_anonymous_answers_are_protected(
    anonymous_client: TestClient, method: str, path: str, status: int
) -> None:
    response = anonymous_client.request(method, path)
    assert response.status_code == status
    assert_protected(response)


def test_a_body_refused_by_the_size_limit_is_protected(client: TestClient) -> None:
    response = client.post(
        "/api/v1/apps", content=b"x" * (65 * 1024), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert_protected(response)


def test_an_unexpected_error_is_protected(client: TestClient) -> None:
    def fail() -> None:
        raise RuntimeError("boom")

    client.app.add_api_route("/api/v1/test-failure", fail)  # type: ignore[attr-defined]
    response = client.get("/api/v1/test-failure")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert_protected(response)
