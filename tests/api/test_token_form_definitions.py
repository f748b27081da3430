"""A token scoped to one form (``read:app.form``) sees that form's definition and no other
definition of the app: not in lists, not by key, not in versions, publish requests or the app's
OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
FIELDS = [{"id": "f_name", "key": "name", "type": "text", "label": "Name"}]


def publish(client: TestClient, app: str, kind: str, key: str, spec: Any) -> None:
    if client.get(f"{API}/apps/{app}").status_code == 404:
        assert client.post(f"{API}/apps", json={"key": app, "label": app}).status_code == 201
    body = {"kind": kind, "key": key, "label": key, "spec": spec}
    created = client.post(f"{API}/apps/{app}/definitions", json=body)
    assert created.status_code == 201, created.text
    published = client.post(f"{API}/apps/{app}/definitions/{kind}/{key}/publish", json={})
    assert published.status_code == 201, published.text


def bearer(client: TestClient, scopes: list[str]) -> dict[str, str]:
    created = client.post(f"{API}/auth/tokens", json={"name": "robot", "scopes": scopes})
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


def test_a_form_scoped_token_sees_only_its_forms_definitions(
    client: TestClient, anonymous_client: TestClient
) -> None:
    for form in ("customer", "account"):
        publish(client, "kyc", "form", form, {"fields": FIELDS})
    narrow = bearer(client, ["read:kyc.customer"])
    wide = bearer(client, ["read:kyc"])

    def keys(headers: dict[str, str]) -> list[str]:
        listed = anonymous_client.get(f"{API}/apps/kyc/definitions", headers=headers)
        assert listed.status_code == 200, listed.text
        return sorted(item["key"] for item in listed.json())

    assert keys(narrow) == ["customer"]
    assert keys(wide) == ["account", "customer"]
    base = f"{API}/apps/kyc/definitions/form"
    for path in ("/customer", "/customer/versions", "/customer/versions/1"):
        assert anonymous_client.get(base + path, headers=narrow).status_code == 200
    for path in ("/account", "/account/versions", "/account/versions/1"):
        hidden = anonymous_client.get(base + path, headers=narrow)
        assert hidden.status_code == 404, hidden.text
        assert hidden.json()["code"] == "definition_not_found"
        assert anonymous_client.get(base + path, headers=wide).status_code == 200
    document = anonymous_client.get(f"{API}/apps/kyc/openapi.json", headers=narrow).json()
    assert [path for path in document["paths"] if "/account/" in path] == []
    assert [path for path in document["paths"] if "/customer/" in path] != []


def test_a_form_scoped_token_sees_only_its_forms_publish_requests(
    client: TestClient, anonymous_client: TestClient
) -> None:
    for form in ("customer", "account"):
        publish(client, "kyc", "form", form, {"fields": FIELDS})
    assert client.patch(f"{API}/apps/kyc", json={"publish_approval": True}).status_code == 200
    base = f"{API}/apps/kyc/definitions/form"
    for form in ("customer", "account"):
        changed = {
            "label": form,
            "spec": {"fields": [*FIELDS, {**FIELDS[0], "id": "f_x", "key": "x"}]},
        }
        assert client.put(f"{base}/{form}", json=changed).status_code == 200
        requested = client.post(f"{base}/{form}/publish-requests", json={})
        assert requested.status_code == 201, requested.text
    narrow = bearer(client, ["read:kyc.customer"])
    listed = anonymous_client.get(f"{API}/apps/kyc/publish-requests", headers=narrow)
    assert listed.status_code == 200, listed.text
    assert [item["key"] for item in listed.json()] == ["customer"]
    every = client.get(f"{API}/apps/kyc/publish-requests").json()
    [account] = [item for item in every if item["key"] == "account"]
    hidden = anonymous_client.get(
        f"{API}/apps/kyc/publish-requests/{account['id']}", headers=narrow
    )
    assert hidden.status_code == 404
