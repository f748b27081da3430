"""API token scopes through create_app(): which scopes a token may carry (``auth/policy.py``'s
grammar), and that a token does no more than its scopes name nor than its user may."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.auth.policy import SCOPE_ACTIONS, scope_problem
from brickwork.platform.models import ApiToken, AuditEvent

API = "/api/v1"
TOKENS = f"{API}/auth/tokens"
PROBLEM = "application/problem+json"
FIELDS = [{"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True}]
LONG_KEY = "a" + "b" * 62


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def records(app: str, form: str = "customer") -> str:
    return f"{API}/apps/{app}/forms/{form}/records"


def definition(app: str, form: str = "customer") -> str:
    return f"{API}/apps/{app}/definitions/form/{form}"


def draft(label: str) -> dict[str, Any]:
    return {"label": label, "spec": {"fields": FIELDS}}


def publish_form(client: TestClient, app: str, form: str) -> None:
    if client.get(f"{API}/apps/{app}").status_code == 404:
        created = client.post(f"{API}/apps", json={"key": app, "label": app.upper()})
        assert created.status_code == 201, created.text
    body = {"kind": "form", "key": form, "label": form}
    assert client.post(f"{API}/apps/{app}/definitions", json=body).status_code == 201
    assert client.put(definition(app, form), json=draft(form)).status_code == 200
    published = client.post(f"{definition(app, form)}/publish", json={})
    assert published.status_code == 201, published.text
    assert client.post(records(app, form), json={"name": f"{app} {form}"}).status_code == 201


@pytest.fixture
def apps(client: TestClient) -> TestClient:
    """``client`` (admin) after publishing kyc.customer, kyc.account and loans.customer, each
    with one record."""
    for app, form in (("kyc", "customer"), ("kyc", "account"), ("loans", "customer")):
        publish_form(client, app, form)
    return client


def create_token(client: TestClient, scopes: Any, **fields: Any) -> Any:
    return client.post(TOKENS, json={"name": "robot", "scopes": scopes, **fields})


def bearer(client: TestClient, scopes: list[str], **fields: Any) -> dict[str, str]:
    """Headers that authenticate with a new token of ``client``'s user."""
    created = create_token(client, scopes, **fields)
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


# ---------------------------------------------------------------- which scopes a token may carry


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("records:read", "unknown action 'records'"),
        ("READ", "unknown action 'READ'"),
        ("", "unknown action ''"),
        ("all:kyc", "unknown action 'all'"),
        ("audit:kyc", "'audit' cannot be narrowed"),
        ("identity:kyc", "'identity' cannot be narrowed"),
        ("design:kyc.customer", "'design' applies to a whole app"),
        ("publish:kyc.customer", "'publish' applies to a whole app"),
        ("admin:kyc.customer", "'admin' applies to a whole app"),
        ("read:Kyc", "'Kyc' is not an app key"),
        ("read:*", "'*' is not an app key"),
        ("read:kyc.customer.name", "is not an app key or app.form"),
        ("read:kyc.*", "is not an app key or app.form"),
        ("read:" + LONG_KEY + "c", "is not an app key"),
        ("read:", "'' is not an app key or app.form"),
        ("read:kyc.", "'kyc.' is not an app key or app.form"),
        ("read:kyc\n", "is not an app key or app.form"),
        ("read :kyc", "unknown action 'read '"),
    ],
)
def test_an_invalid_scope_is_refused_with_its_index(
    client: TestClient, session: Session, scope: str, message: str
) -> None:
    body = problem_of(create_token(client, ["read", scope]), 422, "validation_failed")
    [item] = body["errors"]
    assert (item["pointer"], item["code"]) == ("/scopes/1", "scope_invalid")
    assert message in item["message"]
    if scope_problem(scope) is not None:
        assert item["message"] == scope_problem(scope)
    assert session.scalars(select(ApiToken)).all() == []


def test_every_invalid_scope_is_reported_at_once(client: TestClient) -> None:
    body = problem_of(
        create_token(client, ["nope", "read:kyc", "audit:kyc", "read"]), 422, "validation_failed"
    )
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/scopes/0", "scope_invalid"),
        ("/scopes/2", "scope_invalid"),
    ]


def test_a_token_needs_at_least_one_scope(client: TestClient, session: Session) -> None:
    body = problem_of(create_token(client, []), 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/scopes", "scopes_required")]
    missing = problem_of(client.post(TOKENS, json={"name": "robot"}), 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in missing["errors"]] == [("/scopes", "required")]
    assert session.scalars(select(ApiToken)).all() == []
    events = select(AuditEvent).where(AuditEvent.action == "token.create")
    assert session.scalars(events).all() == []


@pytest.mark.parametrize(
    "scopes",
    [
        ["all"],
        list(SCOPE_ACTIONS),
        ["read:kyc", "read:kyc.customer", "create:kyc.customer", "export:loans"],
        ["design:kyc", "publish:kyc", "admin:kyc", "audit", "identity"],
        [f"read:{LONG_KEY}.{LONG_KEY}"],  # valid keys of any length, not a 100-character cap
        ["read:not_yet_an_app"],  # scopes are checked for form, not against stored apps
    ],
)
def test_valid_scopes_are_accepted(client: TestClient, scopes: list[str]) -> None:
    created = create_token(client, scopes)
    assert created.status_code == 201, created.text
    assert created.json()["scopes"] == scopes
    listed = client.get(TOKENS).json()
    assert [t["scopes"] for t in listed] == [scopes]


def test_repeated_scopes_are_stored_once(client: TestClient) -> None:
    created = create_token(client, ["read:kyc", "read", "read:kyc"])
    assert created.status_code == 201, created.text
    assert created.json()["scopes"] == ["read:kyc", "read"]


# ---------------------------------------------------------------- what a token may do


def test_an_app_read_token_reads_that_app_only(
    apps: TestClient, anonymous_client: TestClient
) -> None:
    headers = bearer(apps, ["read:kyc"])
    listed = anonymous_client.get(records("kyc"), headers=headers)
    assert listed.status_code == 200, listed.text
    assert [r["name"] for r in listed.json()["items"]] == ["kyc customer"]
    assert anonymous_client.get(records("kyc", "account"), headers=headers).status_code == 200
    for refused in (
        anonymous_client.post(records("kyc"), json={"name": "x"}, headers=headers),
        anonymous_client.get(records("loans"), headers=headers),
        anonymous_client.put(definition("kyc"), json=draft("Changed"), headers=headers),
    ):
        body = problem_of(refused, 403, "token_scope_insufficient")
        assert "read:kyc" in body["detail"]  # names what the token has
    visible = anonymous_client.get(f"{API}/apps", headers=headers)
    assert [a["key"] for a in visible.json()] == ["kyc"]
    assert [r["name"] for r in apps.get(records("kyc")).json()["items"]] == ["kyc customer"]


def test_a_form_read_token_reads_that_form_only(
    apps: TestClient, anonymous_client: TestClient
) -> None:
    headers = bearer(apps, ["read:kyc.customer"])
    assert anonymous_client.get(records("kyc"), headers=headers).status_code == 200
    problem_of(
        anonymous_client.get(records("kyc", "account"), headers=headers),
        403,
        "token_scope_insufficient",
    )
    problem_of(
        anonymous_client.get(records("loans"), headers=headers), 403, "token_scope_insufficient"
    )
    # The form's app (and its definitions, which a client needs to show the form) is visible.
    listed = anonymous_client.get(f"{API}/apps", headers=headers).json()
    assert [app["key"] for app in listed] == ["kyc"]
    assert anonymous_client.get(f"{API}/apps/kyc/definitions", headers=headers).status_code == 200
    problem_of(
        anonymous_client.get(f"{API}/apps/loans", headers=headers), 403, "token_scope_insufficient"
    )


def test_an_unnarrowed_action_reaches_every_app(
    apps: TestClient, anonymous_client: TestClient
) -> None:
    headers = bearer(apps, ["read", "create:loans.customer"])
    for app in ("kyc", "loans"):
        assert anonymous_client.get(records(app), headers=headers).status_code == 200
    created = anonymous_client.post(records("loans"), json={"name": "new"}, headers=headers)
    assert created.status_code == 201, created.text
    problem_of(
        anonymous_client.post(records("kyc"), json={"name": "new"}, headers=headers),
        403,
        "token_scope_insufficient",
    )


def test_a_design_token_edits_drafts_but_cannot_publish(
    apps: TestClient, anonymous_client: TestClient
) -> None:
    headers = bearer(apps, ["design:kyc"])
    edited = anonymous_client.put(definition("kyc"), json=draft("Client"), headers=headers)
    assert edited.status_code == 200, edited.text
    problem_of(
        anonymous_client.post(f"{definition('kyc')}/publish", json={}, headers=headers),
        403,
        "token_scope_insufficient",
    )
    problem_of(
        anonymous_client.put(definition("loans"), json=draft("Client"), headers=headers),
        403,
        "token_scope_insufficient",
    )
    problem_of(
        anonymous_client.get(records("kyc"), headers=headers), 403, "token_scope_insufficient"
    )
    published = apps.post(f"{definition('kyc')}/publish", json={})  # the session still may
    assert published.status_code == 201, published.text


def test_an_all_token_does_everything_its_user_may(
    apps: TestClient, anonymous_client: TestClient
) -> None:
    headers = bearer(apps, ["all"])
    created = anonymous_client.post(records("loans"), json={"name": "new"}, headers=headers)
    assert created.status_code == 201, created.text
    assert anonymous_client.get(records("kyc"), headers=headers).json()["total"] == 1
    edited = anonymous_client.put(definition("kyc"), json=draft("Client"), headers=headers)
    assert edited.status_code == 200, edited.text
    published = anonymous_client.post(f"{definition('kyc')}/publish", json={}, headers=headers)
    assert published.status_code == 201, published.text
    # admin is no audit or security administrator: the token cannot be either
    problem_of(
        anonymous_client.get(f"{API}/audit/events", headers=headers), 403, "admin_role_required"
    )
    problem_of(anonymous_client.get(f"{API}/users", headers=headers), 403, "admin_role_required")


def test_a_token_never_exceeds_its_users_permissions(
    apps: TestClient, anonymous_client: TestClient, users: Any
) -> None:
    nobody = bearer(users.client("li.si"), ["all"])
    for refused in (
        anonymous_client.get(records("kyc"), headers=nobody),
        anonymous_client.post(records("kyc"), json={"name": "x"}, headers=nobody),
        anonymous_client.put(definition("kyc"), json=draft("Client"), headers=nobody),
    ):
        problem_of(refused, 403, "permission_denied")
    assert anonymous_client.get(f"{API}/apps", headers=nobody).json() == []

    grant = {"app": "kyc", "actions": ["read"], "rows": "all"}
    reader = bearer(users.client("wang.wu", grants=[grant]), ["all"])
    assert anonymous_client.get(records("kyc"), headers=reader).json()["total"] == 1
    problem_of(
        anonymous_client.post(records("kyc"), json={"name": "x"}, headers=reader),
        403,
        "permission_denied",
    )
    problem_of(anonymous_client.get(records("loans"), headers=reader), 403, "permission_denied")


def test_revoked_and_expired_tokens_are_refused(
    apps: TestClient, anonymous_client: TestClient, clock: Any
) -> None:
    expires = (clock.now + timedelta(hours=1)).isoformat()
    short = bearer(apps, ["read:kyc"], expires_at=expires)
    revoked = create_token(apps, ["read:kyc"]).json()
    assert apps.delete(f"{TOKENS}/{revoked['id']}").status_code == 204
    revoked_headers = {"Authorization": f"Bearer {revoked['token']}"}

    assert anonymous_client.get(records("kyc"), headers=short).status_code == 200
    problem_of(anonymous_client.get(records("kyc"), headers=revoked_headers), 401, "token_invalid")
    clock.now += timedelta(hours=1)
    problem_of(anonymous_client.get(records("kyc"), headers=short), 401, "token_expired")
